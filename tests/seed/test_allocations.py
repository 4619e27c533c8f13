"""Payments are applied the way DESIGN §3 says, checked by replaying them over the rows."""

from __future__ import annotations

import calendar
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from tests.seed.conftest import TIME_ZONE, TODAY, Rows

ZERO = Decimal(0)


def expected_status(installment: dict[str, Any]) -> str:
    if installment["amount_paid"] == installment["amount_due"]:
        return "PAGADO"
    late = (TODAY - installment["due_date"]).days
    if late >= 92:
        return "MORA"
    if late >= 1:
        return "VENCIDO"
    return "PARCIAL" if installment["amount_paid"] > 0 else "PENDIENTE"


def one_period_after(day: date, frequency: str) -> date:
    if frequency == "SEMANAL":
        return day + timedelta(days=7)
    if frequency == "QUINCENAL":
        return day + timedelta(days=15)
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def test_installments_hold_exactly_their_allocations(book: Rows) -> None:
    allocated: dict[int, Decimal] = defaultdict(Decimal)
    for allocation in book["payment_allocations"]:
        assert allocation["amount"] > 0
        allocated[allocation["installment_id"]] += allocation["amount"]
    for installment in book["installments"]:
        assert allocated.get(installment["id"], ZERO) == installment["amount_paid"]
        assert ZERO <= installment["amount_paid"] <= installment["amount_due"]
        covered = installment["amount_paid"] == installment["amount_due"]
        assert (installment["paid_date"] is not None) == covered
        assert installment["status"] == expected_status(installment)


def test_only_reconciled_active_assigned_payments_are_applied(book: Rows) -> None:
    payments = {p["id"]: p for p in book["payments"]}
    loan_of = {i["id"]: i["loan_id"] for i in book["installments"]}
    applied: dict[int, Decimal] = defaultdict(Decimal)
    positions: dict[int, list[int]] = defaultdict(list)
    for allocation in book["payment_allocations"]:
        payment = payments[allocation["payment_id"]]
        assert payment["reconciled"] and payment["active"]
        assert payment["loan_id"] == loan_of[allocation["installment_id"]]
        applied[payment["id"]] += allocation["amount"]
        positions[payment["id"]].append(allocation["position"])
    for payment_id, amount in applied.items():
        assert amount <= payments[payment_id]["amount"]
        assert sorted(positions[payment_id]) == list(range(1, len(positions[payment_id]) + 1))
    never_applied = [p for p in payments.values() if p["id"] not in applied]
    assert any(not p["reconciled"] for p in never_applied)
    assert any(p["loan_id"] is None for p in never_applied)
    # most reconciled assigned payments were applied in full
    full = sum(1 for pid, amount in applied.items() if amount == payments[pid]["amount"])
    assert full / len(applied) > 0.95


def test_payments_apply_oldest_due_first(book: Rows) -> None:
    """Replaying each loan's payments in time order, no allocation reaches an installment
    while an older one of the same loan is still not covered; an installment's paid date
    is the business date of the payment that covered it."""
    installments = {i["id"]: i for i in book["installments"]}
    by_loan: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for installment in book["installments"]:
        by_loan[installment["loan_id"]].append(installment)
    allocations: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for allocation in book["payment_allocations"]:
        allocations[allocation["payment_id"]].append(allocation)
    paid: dict[int, Decimal] = defaultdict(Decimal)
    applied = sorted(
        (p for p in book["payments"] if p["id"] in allocations),
        key=lambda p: (p["paid_at"], p["id"]),
    )
    tz = ZoneInfo(TIME_ZONE)
    checked = 0
    for payment in applied:
        for allocation in sorted(allocations[payment["id"]], key=lambda a: a["position"]):
            target = installments[allocation["installment_id"]]
            key = (target["due_date"], target["number"])
            for older in by_loan[target["loan_id"]]:
                if (older["due_date"], older["number"]) < key:
                    assert paid[older["id"]] == older["amount_due"], (payment["id"], older["id"])
            paid[target["id"]] += allocation["amount"]
            if paid[target["id"]] == target["amount_due"]:  # this payment completed it
                assert target["paid_date"] == payment["paid_at"].astimezone(tz).date()
            checked += 1
    assert checked == len(book["payment_allocations"]) > 10_000
    assert any(len(a) > 1 for a in allocations.values())  # excess carried to the next one


def test_schedules_follow_the_loan_terms(book: Rows) -> None:
    by_loan: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for installment in book["installments"]:
        by_loan[installment["loan_id"]].append(installment)
    booked = [loan for loan in book["loans"] if loan["status"] in ("APROBADO", "LIQUIDADO")]
    assert set(by_loan) == {loan["id"] for loan in booked}
    for loan in booked:
        schedule = sorted(by_loan[loan["id"]], key=lambda i: i["number"])
        assert [i["number"] for i in schedule] == list(range(1, loan["installments_count"] + 1))
        assert all(i["amount_due"] == loan["installment_amount"] for i in schedule[:-1])
        total = sum((i["amount_due"] for i in schedule), ZERO)
        if loan["interest_rate"] == 0:
            assert total == loan["principal"]
        else:
            assert total > loan["principal"]
        assert schedule[0]["due_date"] == one_period_after(loan["base_date"], loan["frequency"])
        for earlier, later in pairwise(schedule):
            assert earlier["due_date"] < later["due_date"]
    assert Counter(i["amount_due"].as_tuple().exponent for i in book["installments"]) == {
        -2: len(book["installments"])
    }
