from __future__ import annotations

from service.errors import Conflict, NotFound


class PaymentNotFound(NotFound):
    pass


class PaymentAlreadyReconciled(Conflict):
    code = "payment_already_reconciled"


class PaymentInactive(Conflict):
    code = "payment_inactive"


class LoanNotPayable(Conflict):
    """The payment's loan is not APROBADO: nothing of it is owed yet (or any more)."""

    code = "loan_not_payable"
