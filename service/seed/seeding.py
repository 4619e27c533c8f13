"""Seed a database with the book: the entry points for the CLI, ``make run`` and tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.engine import URL

from service.db.engine import create_engine
from service.seed.book import BATCH_CLIENTS, client_count, generate
from service.seed.context import TABLES, Tally
from service.seed.writer import (
    DatabaseNotEmpty,
    clear,
    fix_sequences,
    insert_rows,
    non_empty_tables,
    require_schema,
    require_sqlite_file,
)
from service.settings import Settings, get_settings


@dataclass(frozen=True, slots=True)
class Progress:
    table: str
    table_rows: int  # rows of this table written so far
    written: int  # rows of every table written so far
    total: int  # rows the whole book will have (an estimate until the last batch)
    table_done: bool  # this batch's rows of this table are all written


ProgressCallback = Callable[[Progress], None]


@dataclass(slots=True)
class SeedReport:
    database: str  # the URL without its password
    seed: int
    scale: float
    today: date
    rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 0))
    tally: Tally = field(default_factory=Tally)
    seconds: float = 0.0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def late_share(self) -> float:
        book = self.tally.clients_with_book
        return self.tally.late_clients / book if book else 0.0

    def lines(self) -> list[str]:
        tally = self.tally
        width = max(len(name) for name in TABLES)
        lines = [
            f"seeded {self.database} in {self.seconds:.1f} s "
            f"(seed {self.seed}, scale {self.scale:g}, today {self.today.isoformat()})"
        ]
        lines += [f"  {name:<{width}}  {count:>10,}" for name, count in self.rows.items()]
        lines += [
            f"  {'total':<{width}}  {self.total_rows:>10,}",
            f"APROBADO loans: {tally.approved_loans:,}",
            f"clients late: {tally.late_clients:,} of {tally.clients_with_book:,} with a book "
            f"({self.late_share:.1%})",
            f"outstanding balance: USD {tally.outstanding:,.2f}",
            f"payments this month: {tally.month_payments:,} "
            f"(USD {tally.month_amount:,.2f}, up to {self.today.isoformat()})",
        ]
        return lines


async def seed_database(
    url: URL,
    *,
    seed: int,
    scale: float,
    today: date,
    reset: bool = False,
    progress: ProgressCallback | None = None,
    settings: Settings | None = None,
) -> SeedReport:
    """Write the book for ``seed``/``scale``/``today`` in one transaction and say what it wrote.

    Raises ``SchemaMissing`` (run the migrations first) or ``DatabaseNotEmpty`` (pass
    ``reset=True`` to replace the rows of the book tables); nothing is written then.
    """
    if not scale > 0:
        raise ValueError(f"scale must be greater than 0, not {scale}")
    settings = settings if settings is not None else get_settings()
    started = time.perf_counter()
    report = SeedReport(
        database=url.render_as_string(hide_password=True), seed=seed, scale=scale, today=today
    )
    require_sqlite_file(url)
    engine = create_engine(url, settings)
    try:
        async with engine.begin() as conn:
            await require_schema(conn)
            if reset:
                await clear(conn)
            else:
                filled = await non_empty_tables(conn)
                if filled:
                    raise DatabaseNotEmpty(
                        f"{report.database} already has rows in {', '.join(filled)}; "
                        "pass --reset to replace them"
                    )
            clients_total = client_count(scale)
            clients_done = 0
            for batch in generate(seed, scale, today, settings.tz, BATCH_CLIENTS):
                clients_done += len(batch.rows["clients"])
                estimate = report.total_rows + round(
                    batch.row_count
                    * (clients_total - clients_done + len(batch.rows["clients"]))
                    / len(batch.rows["clients"])
                )
                for name in TABLES:
                    await insert_rows(
                        conn, name, batch.rows[name], _counter(report, name, estimate, progress)
                    )
                report.tally.add(batch.tally)
            await fix_sequences(conn)
    finally:
        await engine.dispose()
    report.seconds = time.perf_counter() - started
    return report


def _counter(
    report: SeedReport, name: str, total: int, progress: ProgressCallback | None
) -> Callable[[int, bool], None]:
    def count(rows: int, done: bool) -> None:
        report.rows[name] += rows
        if progress is not None:
            progress(Progress(name, report.rows[name], report.total_rows, total, done))

    return count
