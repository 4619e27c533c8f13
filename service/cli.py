"""The ``pagos`` command: serve, migrate, seed, logs analyze."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pagos",
        description="pagos: the payments API of a consumer-loan servicer, and its tools.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    logs = commands.add_parser("logs", help="work with production logs")
    logs_commands = logs.add_subparsers(dest="logs_command", metavar="COMMAND", required=True)
    from telemetry.logs import cli as logs_cli

    analyze = logs_commands.add_parser(
        "analyze",
        help="turn raw production logs into a diagnosis report",
        description=logs_cli.DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    logs_cli.add_arguments(analyze)
    analyze.set_defaults(handler=logs_cli.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
