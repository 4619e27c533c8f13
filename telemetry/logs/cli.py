"""Command-line front of the log analyzer (``pagos logs analyze``)."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from typing import Any

from telemetry.logs import reader, report
from telemetry.logs.analyzer import Options, Progress, analyze
from telemetry.logs.routes import route_template
from telemetry.logs.timeparse import parse_timestamp

DESCRIPTION = """\
Turn raw production logs into a diagnosis report.

Reads plain or gzip files (or - for stdin), line by line, and recognizes per line:
Render request and platform lines (dashboard copy, export text, API JSON, syslog streams),
gunicorn and uvicorn logs, Heroku router/dyno lines, pagos's JSON lines and the text lines
of the backend it replaces. Unknown lines are counted and sampled, never fatal.

Exit status: 0 report written; 1 a target was breached and --fail-on-breach was given;
2 usage error (bad option, unreadable file). How the report decides: docs/logs.md.
"""

FORMATS = ("text", "markdown", "json", "html")
_SUFFIX_FORMAT = {".md": "markdown", ".markdown": "markdown", ".json": "json", ".html": "html"}


def _timestamp(text: str) -> float:
    value = parse_timestamp(text.strip())
    if value is None:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date/time: {text!r}")
    return value


def _positive(kind: Callable[[str], float], most: float) -> Callable[[str], Any]:
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from error
        if not math.isfinite(value):  # nan would never breach, inf always
            raise argparse.ArgumentTypeError(f"not a finite number: {text!r}")
        if value < 0:
            raise argparse.ArgumentTypeError(f"must not be negative: {text!r}")
        if value > most:
            raise argparse.ArgumentTypeError(f"must be at most {most:,.0f}: {text!r}")
        return value

    return parse


DAY_MS = 86_400_000.0  # a threshold beyond a day is a typo
GIB = float(2**30)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "files", nargs="*", metavar="FILE", help="log files (plain or .gz), or - for stdin"
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        help="report format (default: from --output's suffix, else text)",
    )
    parser.add_argument("--output", "-o", metavar="FILE", help="write the report here")
    parser.add_argument("--since", type=_timestamp, help="ignore lines before (ISO 8601, UTC)")
    parser.add_argument("--until", type=_timestamp, help="ignore lines after (ISO 8601, UTC)")
    parser.add_argument(
        "--kpi-route", default="/api/v1/pagos/kpis", help="route whose latency is the KPI"
    )
    parser.add_argument(
        "--kpi-target-ms", type=_positive(float, DAY_MS), default=500.0, help="KPI p95 target"
    )
    parser.add_argument(
        "--slow-ms", type=_positive(float, DAY_MS), default=1000.0, help="slow-request threshold"
    )
    parser.add_argument(
        "--small-bytes", type=_positive(int, GIB), default=1500, help="small-response threshold"
    )
    parser.add_argument(
        "--fail-on-breach",
        action="store_true",
        help="exit 1 when a key metric breaches its target (for CI)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress line on a terminal")


def _render(data: dict[str, Any], fmt: str) -> str:
    from telemetry.logs import render_html, render_text

    if fmt == "markdown":
        return render_text.markdown(data)
    if fmt == "json":
        return render_text.as_json(data)
    if fmt == "html":
        return render_html.html(data)
    return render_text.text(data)


def run(args: argparse.Namespace) -> int:
    fmt = args.format
    if fmt is None and args.output:
        suffix = args.output[args.output.rfind(".") :].lower() if "." in args.output else ""
        fmt = _SUFFIX_FORMAT.get(suffix)
    fmt = fmt or "text"
    if args.since is not None and args.until is not None and args.since > args.until:
        print("pagos logs analyze: --since is after --until: no line can be in that window",
              file=sys.stderr)  # fmt: skip
        return 2
    if not args.files and sys.stdin.isatty():
        print("pagos logs analyze: reading logs from the terminal (Ctrl-D ends)", file=sys.stderr)
    try:
        sources = reader.open_sources(list(args.files))
    except reader.InputError as error:
        print(f"pagos logs analyze: cannot read {error}", file=sys.stderr)
        return 2
    options = Options(
        since=args.since,
        until=args.until,
        kpi_route=args.kpi_route if "{" in args.kpi_route else route_template(args.kpi_route),
        kpi_target_ms=args.kpi_target_ms,
        slow_ms=args.slow_ms,
        small_bytes=int(args.small_bytes),
    )
    progress = None if args.no_progress else Progress(sys.stderr)
    analysis = analyze(sources, options, progress)
    data = report.build(analysis)
    rendered = _render(data, fmt)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as handle:
                handle.write(rendered)
        except OSError as error:
            print(
                f"pagos logs analyze: cannot write {args.output}: {error.strerror or error}",
                file=sys.stderr,
            )
            return 2
    else:
        sys.stdout.write(rendered)
        sys.stdout.flush()
    for source in sources:
        if source.read_error:
            print(f"pagos logs analyze: {source.label}: {source.read_error}", file=sys.stderr)
    if args.fail_on_breach and data["breached"]:
        print(
            "pagos logs analyze: target breached: " + ", ".join(data["breached"]),
            file=sys.stderr,
        )
        return 1
    return 0
