"""The seed builds schedules exactly as the API does: the rules live in the loans domain."""

from __future__ import annotations

from service.loans.schedule import (
    PERIODS_PER_YEAR,
    Schedule,
    add_months,
    build_schedule,
    due_date,
    installment_amounts,
)

__all__ = [
    "PERIODS_PER_YEAR",
    "Schedule",
    "add_months",
    "build_schedule",
    "due_date",
    "installment_amounts",
]
