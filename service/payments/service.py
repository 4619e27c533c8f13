"""Payment rules over the database: record, reconcile (apply oldest due first), deactivate.

Lock order, everywhere: the payment row, then its loan row, then the loan's installments
(due date, number). Concurrent reconciliations of different payments of one loan therefore
queue on the loan row and each reads the installments as the previous one left them; a
payment reconciled twice at once queues on its own row and the second sees it reconciled."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from service.businesstime import business_today
from service.db.locking import begin_write
from service.db.models import Client, Installment, Payment, PaymentAllocation
from service.domain import LoanStatus
from service.errors import BadRequest
from service.loans.repository import loan_installments, loan_with_cedula
from service.loans.rules import installment_status
from service.payments.errors import (
    LoanNotPayable,
    PaymentAlreadyReconciled,
    PaymentInactive,
    PaymentNotFound,
)
from service.payments.repository import allocations_of, payment_for_update

ZERO = Decimal("0")


@dataclass
class Application:
    payment: Payment
    allocations: list[tuple[Installment, Decimal]] = field(default_factory=list)

    @property
    def applied(self) -> Decimal:
        return sum((amount for _, amount in self.allocations), ZERO)


async def record_payment(
    session: AsyncSession,
    client: Client,
    loan_id: int | None,
    paid_at: datetime,
    amount: Decimal,
    document_number: str | None,
) -> Payment:
    if loan_id is not None:
        found = await loan_with_cedula(session, loan_id)
        if found is None or found[0].client_id != client.id:
            raise BadRequest(
                f"prestamo_id {loan_id} is not a loan of the client {client.cedula}",
                [{"field": "prestamo_id", "message": "not a loan of this client"}],
            )
    payment = Payment(
        client_id=client.id,
        loan_id=loan_id,
        paid_at=paid_at,
        amount=amount,
        document_number=document_number.strip() if document_number else document_number,
        reconciled=False,
        active=True,
    )
    session.add(payment)
    await session.flush()
    await session.refresh(payment)
    return payment


async def _locked_payment(session: AsyncSession, payment_id: int) -> Payment:
    await begin_write(session)
    payment = await payment_for_update(session, payment_id)
    if payment is None:
        raise PaymentNotFound(f"no payment with id {payment_id}")
    return payment


def _restamp(installment: Installment, paid_day: date | None, today: date) -> None:
    """Keep the stored status and paid date in step with the amounts (KPIs never read them)."""
    if installment.amount_paid >= installment.amount_due:
        installment.paid_date = installment.paid_date or paid_day
    else:
        installment.paid_date = None
    installment.status = installment_status(
        installment.amount_due, installment.amount_paid, installment.due_date, today
    )


async def reconcile(session: AsyncSession, payment_id: int, tz: ZoneInfo) -> Application:
    """Mark the payment reconciled and apply it to its loan, oldest due first; the excess
    carries to the next installment, and what the whole loan does not owe stays unapplied."""
    payment = await _locked_payment(session, payment_id)
    if not payment.active:
        raise PaymentInactive(f"payment {payment_id} was deleted; it cannot be reconciled")
    if payment.reconciled:
        raise PaymentAlreadyReconciled(f"payment {payment_id} is already reconciled")
    application = Application(payment)
    if payment.loan_id is not None:
        found = await loan_with_cedula(session, payment.loan_id, lock=True)
        assert found is not None  # a foreign key
        loan = found[0]
        if loan.status not in (LoanStatus.APROBADO, LoanStatus.LIQUIDADO):
            raise LoanNotPayable(
                f"loan {loan.id} is {loan.status}: it was never owed, so no payment applies to it"
            )
        today = business_today(tz)
        paid_day = payment.paid_at.astimezone(tz).date()
        remaining = payment.amount
        for installment in await loan_installments(session, loan.id, lock=True):
            if remaining <= 0:
                break
            take = min(installment.amount_due - installment.amount_paid, remaining)
            if take <= 0:
                continue
            installment.amount_paid += take
            remaining -= take
            _restamp(installment, paid_day, today)
            application.allocations.append((installment, take))
        session.add_all(
            PaymentAllocation(
                payment_id=payment.id, installment_id=inst.id, amount=amount, position=position
            )
            for position, (inst, amount) in enumerate(application.allocations, start=1)
        )
    payment.reconciled = True
    await session.flush()
    return application


async def deactivate(session: AsyncSession, payment_id: int, tz: ZoneInfo) -> Application:
    """Deactivate the payment and reverse its allocations; returns what was reversed."""
    payment = await _locked_payment(session, payment_id)
    if not payment.active:
        raise PaymentInactive(f"payment {payment_id} is already deleted")
    reversed_ = Application(payment)
    allocations = await allocations_of(session, payment_id)
    if allocations and payment.loan_id is not None:
        found = await loan_with_cedula(session, payment.loan_id, lock=True)
        assert found is not None  # a foreign key
        if found[0].status == LoanStatus.LIQUIDADO:
            raise LoanNotPayable(
                f"loan {found[0].id} is LIQUIDADO; its payments can no longer be reversed"
            )
        today = business_today(tz)
        installments = {i.id: i for i in await loan_installments(session, found[0].id, lock=True)}
        for allocation in allocations:
            installment = installments[allocation.installment_id]
            installment.amount_paid -= allocation.amount
            _restamp(installment, None, today)
            reversed_.allocations.append((installment, allocation.amount))
            await session.delete(allocation)
    payment.active = False
    await session.flush()
    return reversed_
