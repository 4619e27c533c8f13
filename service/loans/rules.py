"""Loan rules: the status workflow and the derived status of an installment."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from service.domain import MORA_AFTER_DAYS, InstallmentStatus, LoanStatus

TRANSITIONS: dict[LoanStatus, tuple[LoanStatus, ...]] = {
    LoanStatus.DRAFT: (LoanStatus.EN_REVISION,),
    LoanStatus.EN_REVISION: (LoanStatus.APROBADO, LoanStatus.RECHAZADO),
    LoanStatus.APROBADO: (LoanStatus.LIQUIDADO,),  # only once every installment is paid
    LoanStatus.RECHAZADO: (),
    LoanStatus.LIQUIDADO: (),
}


def days_late(amount_due: Decimal, amount_paid: Decimal, due: date, today: date) -> int:
    if amount_paid >= amount_due:
        return 0
    return max(0, (today - due).days)


def installment_status(
    amount_due: Decimal, amount_paid: Decimal, due: date, today: date
) -> InstallmentStatus:
    """Derived from amounts and the business date; a stored status goes stale as days pass."""
    if amount_paid >= amount_due:
        return InstallmentStatus.PAGADO
    late = days_late(amount_due, amount_paid, due, today)
    if late >= MORA_AFTER_DAYS:
        return InstallmentStatus.MORA
    if late >= 1:
        return InstallmentStatus.VENCIDO
    return InstallmentStatus.PARCIAL if amount_paid > 0 else InstallmentStatus.PENDIENTE
