"""The KPI query: one statement, two scans (the month's payments and the approved book).
Stored installment statuses go stale as days pass, so lateness is read from due dates and
amounts, never from ``installments.status``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, Integer, Numeric, bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.models import UTCDateTime
from service.domain import money

_KPI_SQL = (
    text(
        """
    WITH month_payments AS (
        SELECT
            COALESCE(SUM(p.amount), 0) AS collected,
            COALESCE(SUM(CASE
                WHEN NOT p.reconciled
                  OR p.document_number IS NULL
                  OR UPPER(TRIM(p.document_number)) IN ('', 'NO DEFINIDO')
                THEN p.amount ELSE 0 END), 0) AS undefined
        FROM payments AS p
        WHERE p.active AND p.paid_at >= :window_start AND p.paid_at < :window_end
    ),
    book AS (
        SELECT
            COALESCE(SUM(CASE WHEN i.amount_due > i.amount_paid
                         THEN i.amount_due - i.amount_paid ELSE 0 END), 0) AS receivable,
            COUNT(DISTINCT CASE WHEN i.due_date < :today AND i.amount_paid < i.amount_due
                           THEN l.client_id END) AS late_clients,
            COUNT(DISTINCT l.client_id) AS book_clients
        FROM installments AS i
        JOIN loans AS l ON l.id = i.loan_id
        WHERE l.status = 'APROBADO'
    )
    SELECT collected, undefined, receivable, late_clients, book_clients
    FROM month_payments CROSS JOIN book
    """
    )
    .bindparams(
        bindparam("window_start", type_=UTCDateTime()),
        bindparam("window_end", type_=UTCDateTime()),
        bindparam("today", type_=Date()),
    )
    .columns(
        collected=Numeric(16, 2),
        undefined=Numeric(16, 2),
        receivable=Numeric(16, 2),
        late_clients=Integer(),
        book_clients=Integer(),
    )
)


@dataclass(frozen=True)
class KpiFigures:
    collected: Decimal
    undefined: Decimal
    receivable: Decimal
    late_clients: int
    current_clients: int


async def kpi_figures(
    session: AsyncSession, window_start: datetime, window_end: datetime, today: date
) -> KpiFigures:
    row = (
        await session.execute(
            _KPI_SQL, {"window_start": window_start, "window_end": window_end, "today": today}
        )
    ).one()
    return KpiFigures(
        collected=money(row.collected),
        undefined=money(row.undefined),
        receivable=money(row.receivable),
        late_clients=row.late_clients,
        current_clients=row.book_clients - row.late_clients,
    )
