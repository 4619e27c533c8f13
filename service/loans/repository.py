"""Loan and installment queries. ``lock=True`` adds ``FOR UPDATE`` (PostgreSQL; SQLite is
serialised by ``begin_write`` instead) and re-reads rows already in the session."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.models import Client, Installment, Loan


async def loan_with_cedula(
    session: AsyncSession, loan_id: int, *, lock: bool = False
) -> tuple[Loan, str] | None:
    query = select(Loan).where(Loan.id == loan_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    loan = (await session.execute(query)).scalar_one_or_none()
    if loan is None:
        return None
    cedula = (
        await session.execute(select(Client.cedula).where(Client.id == loan.client_id))
    ).scalar_one()
    return loan, cedula


async def loan_installments(
    session: AsyncSession, loan_id: int, *, lock: bool = False
) -> Sequence[Installment]:
    """Oldest due first (due date, then number): the order payments apply in."""
    query = (
        select(Installment)
        .where(Installment.loan_id == loan_id)
        .order_by(Installment.due_date, Installment.number)
    )
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return (await session.execute(query)).scalars().all()
