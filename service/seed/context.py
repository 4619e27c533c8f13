"""What every part of the generator shares: the random stream, the business clock, the ids,
and the rows of the batch being built."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

# In foreign-key order: a table's rows are written after those of the tables before it.
TABLES = ("clients", "loans", "installments", "payments", "payment_allocations", "notifications")

Row = dict[str, Any]
ZERO = Decimal("0.00")


@dataclass(slots=True)
class Ids:
    """Explicit primary keys, assigned in Python so bulk inserts need no RETURNING."""

    last: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 0))

    def next(self, table: str) -> int:
        self.last[table] += 1
        return self.last[table]


@dataclass(slots=True)
class Tally:
    """What the report says about the book, counted while the rows are built."""

    approved_loans: int = 0
    clients_with_book: int = 0  # clients with at least one installment of an APROBADO loan
    late_clients: int = 0
    outstanding: Decimal = ZERO  # sum of max(0, due - paid) over APROBADO installments
    month_payments: int = 0  # active payments in the current business month, up to today
    month_amount: Decimal = ZERO

    def add(self, other: Tally) -> None:
        self.approved_loans += other.approved_loans
        self.clients_with_book += other.clients_with_book
        self.late_clients += other.late_clients
        self.outstanding += other.outstanding
        self.month_payments += other.month_payments
        self.month_amount += other.month_amount


@dataclass(slots=True)
class Batch:
    rows: dict[str, list[Row]] = field(default_factory=lambda: {name: [] for name in TABLES})
    tally: Tally = field(default_factory=Tally)

    @property
    def row_count(self) -> int:
        return sum(len(rows) for rows in self.rows.values())


@dataclass(slots=True)
class Context:
    rng: random.Random
    today: date
    tz: ZoneInfo
    # nothing is dated later: the end of ``today``, or the moment of the run when that is
    # sooner (a book seeded at 03:00 has no payment at 09:00 the same day)
    not_after: datetime
    ids: Ids = field(default_factory=Ids)

    @property
    def month_start(self) -> date:
        return self.today.replace(day=1)

    def instant(self, day: date, first_hour: int = 7, last_hour: int = 19) -> datetime:
        """A plausible business-hours instant on ``day``; never after ``not_after``: on the
        day the seed runs, an hour not yet come becomes a moment earlier that day."""
        clock = time(
            self.rng.randint(first_hour, last_hour), self.rng.randrange(60), self.rng.randrange(60)
        )
        moment = datetime.combine(day, clock, tzinfo=self.tz)
        if moment <= self.not_after:
            return moment
        last_day = self.not_after.astimezone(self.tz).date()
        start = datetime.combine(min(day, last_day), time(), tzinfo=self.tz)
        span = int((self.not_after - start).total_seconds())
        return start + timedelta(seconds=self.rng.randrange(span)) if span > 0 else start

    def at_most_now(self, moment: datetime) -> datetime:
        return min(moment, self.not_after)

    def days_ago(self, low: int, high: int) -> date:
        return self.today - timedelta(days=self.rng.randint(low, high))
