"""Payment queries. ``lock=True`` adds ``FOR UPDATE`` on PostgreSQL (SQLite is serialised by
``begin_write``) and re-reads rows already in the session."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.api import PageParams
from service.db.models import Client, Payment, PaymentAllocation


async def payment_for_update(session: AsyncSession, payment_id: int) -> Payment | None:
    query = (
        select(Payment)
        .where(Payment.id == payment_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def cedula_of(session: AsyncSession, client_id: int) -> str:
    return (await session.execute(select(Client.cedula).where(Client.id == client_id))).scalar_one()


async def allocations_of(session: AsyncSession, payment_id: int) -> Sequence[PaymentAllocation]:
    query = (
        select(PaymentAllocation)
        .where(PaymentAllocation.payment_id == payment_id)
        .order_by(PaymentAllocation.position)
    )
    return (await session.execute(query)).scalars().all()


def _applied() -> ColumnElement[Decimal]:
    return (
        select(func.coalesce(func.sum(PaymentAllocation.amount), 0))
        .where(PaymentAllocation.payment_id == Payment.id)
        .correlate(Payment)
        .scalar_subquery()
    )


@dataclass(frozen=True)
class PaymentFilters:
    client_id: int | None = None
    cedula: str | None = None
    loan_id: int | None = None
    paid_from: datetime | None = None  # inclusive
    paid_until: datetime | None = None  # exclusive
    reconciled: bool | None = None
    active: bool | None = None

    def apply(self, query: Select[Payment, str, Decimal]) -> Select[Payment, str, Decimal]:
        conditions: list[ColumnElement[bool]] = []
        if self.client_id is not None:
            conditions.append(Payment.client_id == self.client_id)
        if self.cedula is not None:
            conditions.append(Client.cedula == self.cedula)
        if self.loan_id is not None:
            conditions.append(Payment.loan_id == self.loan_id)
        if self.paid_from is not None:
            conditions.append(Payment.paid_at >= self.paid_from)
        if self.paid_until is not None:
            conditions.append(Payment.paid_at < self.paid_until)
        if self.reconciled is not None:
            conditions.append(Payment.reconciled.is_(self.reconciled))
        if self.active is not None:
            conditions.append(Payment.active.is_(self.active))
        return query.where(*conditions)


def _rows() -> Select[Payment, str, Decimal]:
    return select(Payment, Client.cedula, _applied()).join(Client, Client.id == Payment.client_id)


async def payment_row(
    session: AsyncSession, payment_id: int
) -> tuple[Payment, str, Decimal] | None:
    row = (await session.execute(_rows().where(Payment.id == payment_id))).one_or_none()
    return (row[0], row[1], Decimal(row[2])) if row is not None else None


async def list_payments(
    session: AsyncSession, filters: PaymentFilters, page: PageParams
) -> tuple[list[tuple[Payment, str, Decimal]], int]:
    base = filters.apply(_rows())
    total = (await session.execute(select(func.count()).select_from(base.subquery()))).scalar_one()
    rows = await session.execute(
        base.order_by(Payment.paid_at.desc(), Payment.id.desc())
        .offset(page.offset)
        .limit(page.per_page)
    )
    return [(p, cedula, Decimal(applied)) for p, cedula, applied in rows], int(total)
