"""Installment schedules: amounts (French amortisation, or principal/n at 0%) and due dates."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from service.domain import Frequency, money

PERIODS_PER_YEAR = {Frequency.MENSUAL: 12, Frequency.QUINCENAL: 24, Frequency.SEMANAL: 52}


@dataclass(frozen=True, slots=True)
class Schedule:
    installment_amount: Decimal  # the regular installment, stored on the loan
    amounts: tuple[Decimal, ...]  # the last one absorbs the rounding difference
    due_dates: tuple[date, ...]

    @property
    def total(self) -> Decimal:
        return sum(self.amounts, Decimal("0"))


def add_months(day: date, months: int) -> date:
    """Same day ``months`` calendar months later, clamped to the end of that month."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_date(base_date: date, frequency: Frequency, number: int) -> date:
    """Due date of installment ``number`` (1-based): ``number`` periods after the base date."""
    if frequency is Frequency.MENSUAL:
        return add_months(base_date, number)
    days = 15 if frequency is Frequency.QUINCENAL else 7
    return base_date + timedelta(days=days * number)


def installment_amounts(
    principal: Decimal, annual_rate: Decimal, count: int, frequency: Frequency
) -> tuple[Decimal, tuple[Decimal, ...]]:
    """(regular installment, every installment) summing exactly to principal + interest."""
    if annual_rate == 0:
        exact = principal / count
        total = principal
    else:
        rate = annual_rate / Decimal(100) / PERIODS_PER_YEAR[frequency]
        exact = principal * rate / (1 - (1 + rate) ** -count)
        total = principal + money(exact * count - principal)
    regular = money(exact)
    last = total - regular * (count - 1)
    return regular, (regular,) * (count - 1) + (last,)


def build_schedule(
    principal: Decimal, annual_rate: Decimal, count: int, frequency: Frequency, base_date: date
) -> Schedule:
    regular, amounts = installment_amounts(principal, annual_rate, count, frequency)
    dates = tuple(due_date(base_date, frequency, number) for number in range(1, count + 1))
    return Schedule(installment_amount=regular, amounts=amounts, due_dates=dates)
