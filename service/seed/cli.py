"""``pagos seed``: arguments, progress on stderr, the report on stdout."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date, datetime
from typing import TextIO

from sqlalchemy.exc import SQLAlchemyError

from service.db.url import InvalidDatabaseURL, async_database_url
from service.seed.seeding import Progress, seed_database
from service.seed.writer import SeedError
from service.settings import get_settings

DESCRIPTION = """\
Fill the database at DATABASE_URL with a deterministic loan book calibrated on the real
portfolio: ~4,300 clients, ~4,400 APROBADO loans (97% monthly, 91% of 12 installments,
principal ~USD 1,450), installments paid oldest due first through payments and their
allocations, about half of the clients late, payments up to --today, notifications in every
status. The same --seed and --today always give the same rows, except that nothing is dated
after the moment the seed runs.

The schema must exist (`pagos migrate`). A database that already has rows is refused
unless --reset is given, which empties the six book tables first (never other tables).
Exit status: 0 written, 2 refused (schema missing, not empty, bad option), 1 database error.
"""

PROGRESS_THRESHOLD_ROWS = 20_000  # smaller books are written before anyone could read a line


def _scale(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number greater than 0, not {text!r}")
    return value


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {text!r}") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--seed", type=int, default=42, help="random seed; same seed, same book (default 42)"
    )
    parser.add_argument(
        "--scale", type=_scale, default=1.0, help="multiply the book's size (default 1)"
    )
    parser.add_argument(
        "--today",
        type=_day,
        default=None,
        metavar="YYYY-MM-DD",
        help="business date the book is laid around (default: today in PAGOS_BUSINESS_TIMEZONE)",
    )
    parser.add_argument(
        "--reset", action="store_true", help="empty the book tables first if they have rows"
    )


class ProgressPrinter:
    """One updating line on a terminal; one line per finished table otherwise."""

    def __init__(self, stream: TextIO, threshold: int = PROGRESS_THRESHOLD_ROWS) -> None:
        self.stream = stream
        self.threshold = threshold
        self.tty = stream.isatty()
        self.open_line = False

    def __call__(self, progress: Progress) -> None:
        if progress.total <= self.threshold:
            return
        percent = min(100, progress.written * 100 // max(progress.total, 1))
        text = (
            f"seeding {progress.table}: {progress.table_rows:,} rows "
            f"({progress.written:,} / {progress.total:,} rows, {percent}%)"
        )
        if self.tty:
            self.stream.write(f"\r\x1b[K{text}")
            self.open_line = True
        elif progress.table_done:
            self.stream.write(f"{text}\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.open_line:
            self.stream.write("\n")
            self.stream.flush()
            self.open_line = False


def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    try:
        url = async_database_url(settings.database_url)
    except InvalidDatabaseURL as exc:
        print(f"pagos seed: {exc}", file=sys.stderr)
        return 2
    business_today = datetime.now(settings.tz).date()
    today = args.today if args.today is not None else business_today
    if today > business_today:
        # nothing is dated after the moment the seed runs: a later --today would pile every
        # payment on the real today and leave a book that matches neither day
        print(
            f"pagos seed: --today {today} is after today ({business_today} in "
            f"{settings.business_timezone}); a book can be laid around today or a past day",
            file=sys.stderr,
        )
        return 2
    printer = ProgressPrinter(sys.stderr)
    try:
        report = asyncio.run(
            seed_database(
                url,
                seed=args.seed,
                scale=args.scale,
                today=today,
                reset=args.reset,
                progress=printer,
                settings=settings,
            )
        )
    except SeedError as exc:
        printer.finish()
        print(f"pagos seed: {exc}", file=sys.stderr)
        return 2
    except (OSError, SQLAlchemyError) as exc:
        printer.finish()
        where = url.render_as_string(hide_password=True)
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"pagos seed: nothing written to {where}: {reason}", file=sys.stderr)
        return 1
    printer.finish()
    print("\n".join(report.lines()))
    return 0
