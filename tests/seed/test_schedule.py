"""Installment schedules, against amounts and dates worked out by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from service.domain import Frequency
from service.seed.schedule import build_schedule

D = Decimal


def test_french_amortisation_puts_the_rounding_in_the_last_installment() -> None:
    # 1,000 at 12 % a year, 12 months: r = 1 %, A = 10 / (1 - 1.01^-12) = 88.848789
    # total interest = 12 A - 1000 = 66.185 → 66.19; last = 1066.19 - 11 × 88.85 = 88.84
    schedule = build_schedule(D("1000.00"), D("12"), 12, Frequency.MENSUAL, date(2026, 1, 15))
    assert schedule.installment_amount == D("88.85")
    assert schedule.amounts == (D("88.85"),) * 11 + (D("88.84"),)
    assert schedule.total == D("1066.19")


def test_rate_is_annual_and_split_by_the_periods_of_the_frequency() -> None:
    # 24 % a year paid every fifteen days is 1 % a period: the same amounts as above
    schedule = build_schedule(D("1000.00"), D("24"), 12, Frequency.QUINCENAL, date(2026, 1, 15))
    assert schedule.amounts == (D("88.85"),) * 11 + (D("88.84"),)


def test_zero_interest_divides_the_principal() -> None:
    # 1000 / 12 = 83.333 → 83.33; last = 1000 - 11 × 83.33 = 83.37
    schedule = build_schedule(D("1000.00"), D("0"), 12, Frequency.MENSUAL, date(2026, 1, 15))
    assert schedule.installment_amount == D("83.33")
    assert schedule.amounts[-1] == D("83.37")
    assert schedule.total == D("1000.00")
    assert all(amount.as_tuple().exponent == -2 for amount in schedule.amounts)


@pytest.mark.parametrize(
    ("frequency", "base", "expected"),
    [
        (
            Frequency.MENSUAL,
            date(2026, 1, 31),
            [date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30), date(2026, 5, 31)],
        ),
        (
            Frequency.MENSUAL,
            date(2027, 11, 30),
            [date(2027, 12, 30), date(2028, 1, 30), date(2028, 2, 29), date(2028, 3, 30)],
        ),
        (
            Frequency.QUINCENAL,
            date(2026, 1, 31),
            [date(2026, 2, 15), date(2026, 3, 2), date(2026, 3, 17), date(2026, 4, 1)],
        ),
        (
            Frequency.SEMANAL,
            date(2026, 12, 24),
            [date(2026, 12, 31), date(2027, 1, 7), date(2027, 1, 14), date(2027, 1, 21)],
        ),
    ],
)
def test_first_due_date_is_one_period_after_the_base_date(
    frequency: Frequency, base: date, expected: list[date]
) -> None:
    schedule = build_schedule(D("400.00"), D("0"), 4, frequency, base)
    assert list(schedule.due_dates) == expected
