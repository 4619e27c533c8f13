"""Loan rules over the database: create a DRAFT loan with its schedule, move its status."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from service.db.locking import begin_write
from service.db.models import Client, Installment, Loan
from service.domain import Frequency, InstallmentStatus, LoanStatus
from service.errors import BadRequest
from service.loans.errors import LoanNotFound, LoanNotPaid, TransitionNotAllowed
from service.loans.repository import loan_installments, loan_with_cedula
from service.loans.rules import TRANSITIONS
from service.loans.schedule import Schedule, build_schedule
from service.types import LAST_DAY, MAX_MONEY, in_window


def _check_fits(schedule: Schedule) -> None:
    """Every installment storable in Numeric(14,2) and due inside the calendar window."""
    if any(amount <= 0 for amount in schedule.amounts):
        raise BadRequest(
            "the principal is too small for that many installments",
            [{"field": "numero_cuotas", "message": "every installment must be at least 0.01"}],
        )
    if any(amount > MAX_MONEY for amount in schedule.amounts):
        message = f"an installment would exceed {MAX_MONEY}; lend less or in more installments"
        raise BadRequest(
            f"total_financiamiento: {message}",
            [{"field": "total_financiamiento", "message": message}],
        )
    if not all(in_window(day) for day in schedule.due_dates):
        message = f"the last installment would be due after {LAST_DAY}"
        raise BadRequest(
            f"fecha_base_calculo: {message}", [{"field": "fecha_base_calculo", "message": message}]
        )


async def create_loan(
    session: AsyncSession,
    client: Client,
    principal: Decimal,
    count: int,
    frequency: Frequency,
    annual_rate: Decimal,
    base_date: date,
) -> tuple[Loan, list[Installment]]:
    schedule = build_schedule(principal, annual_rate, count, frequency, base_date)
    _check_fits(schedule)
    loan = Loan(
        client_id=client.id,
        principal=principal,
        installment_amount=schedule.installment_amount,
        installments_count=count,
        frequency=frequency,
        interest_rate=annual_rate,
        base_date=base_date,
        status=LoanStatus.DRAFT,
    )
    session.add(loan)
    await session.flush()
    installments = [
        Installment(
            loan_id=loan.id,
            number=number,
            due_date=due,
            amount_due=amount,
            amount_paid=Decimal("0"),
            status=InstallmentStatus.PENDIENTE,
        )
        for number, (due, amount) in enumerate(
            zip(schedule.due_dates, schedule.amounts, strict=True), start=1
        )
    ]
    session.add_all(installments)
    await session.flush()
    await session.refresh(loan)
    return loan, installments


async def change_status(
    session: AsyncSession, loan_id: int, target: LoanStatus
) -> tuple[Loan, str, LoanStatus]:
    """Move a loan along DRAFT → EN_REVISION → APROBADO | RECHAZADO, APROBADO → LIQUIDADO.
    Returns the loan, its client's cédula and the status it had."""
    await begin_write(session)
    found = await loan_with_cedula(session, loan_id, lock=True)
    if found is None:
        raise LoanNotFound(f"no loan with id {loan_id}")
    loan, cedula = found
    current = LoanStatus(loan.status)
    allowed = TRANSITIONS[current]
    if target not in allowed:
        names = ", ".join(allowed) if allowed else "none (final status)"
        raise TransitionNotAllowed(
            f"a {current} loan cannot become {target}; allowed: {names}",
            [{"field": "estado", "message": f"allowed from {current}: {names}"}],
        )
    if target is LoanStatus.LIQUIDADO:
        installments = await loan_installments(session, loan_id, lock=True)
        owed = sum((i.amount_due - i.amount_paid for i in installments), Decimal("0"))
        if owed > 0:
            raise LoanNotPaid(
                f"the loan still owes {owed}; it can be LIQUIDADO once fully paid",
                [{"field": "estado", "message": f"outstanding: {owed}"}],
            )
    loan.status = target
    if target is LoanStatus.APROBADO:
        loan.approved_at = datetime.now(UTC)
    await session.flush()
    return loan, cedula, current
