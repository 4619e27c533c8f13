from __future__ import annotations

from service.errors import Conflict, NotFound


class LoanNotFound(NotFound):
    pass


class TransitionNotAllowed(Conflict):
    code = "transition_not_allowed"


class LoanNotPaid(Conflict):
    code = "loan_not_paid"
