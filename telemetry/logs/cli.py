"""Command-line front of the log analyzer (``pagos logs analyze``)."""

from __future__ import annotations

import argparse

DESCRIPTION = "Turn raw production logs into a diagnosis report."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="*", metavar="FILE", help="log files, or - for stdin")


def run(args: argparse.Namespace) -> int:
    raise SystemExit("pagos logs analyze: not implemented yet")
