"""Reconciliations racing on one loan, on real PostgreSQL over several connections: every
installment's paid amount equals the sum of its allocations and never exceeds its amount due,
and the result is the one a single clerk applying them one by one would get."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from tests.support.api import approved_loan, new_client, new_payment, pg_rows
from tests.support.databases import truncate_book
from tests.support.servers import app_client, settings_for

pytestmark = pytest.mark.usefixtures("pg_left_empty")

PAGOS = "/api/v1/pagos"


async def test_twenty_concurrent_reconciliations_never_double_apply(
    pg_url: str, cache_prefix: str
) -> None:
    await truncate_book(pg_url)
    amounts = [Decimal(40 + i) + Decimal(i * 7 % 100) / 100 for i in range(20)]
    total = sum(amounts, Decimal("0"))  # 990 + 6.65 … less than the 1200 the loan owes
    assert total < 1200
    async with app_client(settings_for(pg_url, cache_prefix, db_pool_size=10)) as http:
        await new_client(http, "V90000001")
        loan = await approved_loan(http, "V90000001", "1200", 12, base="2025-06-10")
        payments = [
            await new_payment(http, "V90000001", str(amount), loan_id=loan["id"])
            for amount in amounts
        ]
        responses = await asyncio.gather(
            *(http.post(f"{PAGOS}/{p['id']}/conciliar") for p in payments)
        )
    assert [r.status_code for r in responses] == [200] * 20
    assert sum(Decimal(str(r.json()["monto_aplicado"])) for r in responses) == total

    rows = await pg_rows(
        pg_url,
        "SELECT i.number, i.amount_due, i.amount_paid, COALESCE(SUM(a.amount), 0) AS allocated "
        "FROM installments i LEFT JOIN payment_allocations a ON a.installment_id = i.id "
        "WHERE i.loan_id = $1 GROUP BY i.id ORDER BY i.number",
        loan["id"],
    )
    for row in rows:
        assert row["amount_paid"] == row["allocated"], row
        assert row["amount_paid"] <= row["amount_due"], row
    # whatever the order, oldest due first: the first installments full, one partial, the rest 0
    remaining, expected = total, []
    for row in rows:
        take = min(row["amount_due"], remaining)
        expected.append(take)
        remaining -= take
    assert [row["amount_paid"] for row in rows] == expected
    positions = await pg_rows(
        pg_url,
        "SELECT payment_id, array_agg(position ORDER BY position) AS p "
        "FROM payment_allocations GROUP BY payment_id",
    )
    assert all(list(r["p"]) == list(range(1, len(r["p"]) + 1)) for r in positions)


async def test_one_payment_reconciled_ten_times_at_once_applies_once(
    pg_url: str, cache_prefix: str
) -> None:
    async with app_client(settings_for(pg_url, cache_prefix, db_pool_size=10)) as http:
        await new_client(http, "V90000002")
        loan = await approved_loan(http, "V90000002", "300", 3, base="2025-06-10")
        payment = await new_payment(http, "V90000002", "250.00", loan_id=loan["id"])
        responses = await asyncio.gather(
            *(http.post(f"{PAGOS}/{payment['id']}/conciliar") for _ in range(10))
        )
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * 9
    assert {r.json()["error"] for r in responses if r.status_code == 409} == {
        "payment_already_reconciled"
    }
    paid = await pg_rows(
        pg_url,
        "SELECT SUM(amount_paid) AS paid FROM installments WHERE loan_id = $1",
        loan["id"],
    )
    allocated = await pg_rows(
        pg_url, "SELECT SUM(amount) AS s FROM payment_allocations WHERE payment_id = $1",
        payment["id"],
    )  # fmt: skip
    assert paid[0]["paid"] == allocated[0]["s"] == Decimal("250.00")


async def test_on_sqlite_concurrent_reconciliations_queue_on_the_single_writer(
    sqlite_url: str, cache_prefix: str
) -> None:
    amounts = [Decimal("33.33")] * 10  # 333.30 of the 300 owed: 33.30 stays unapplied
    async with app_client(settings_for(sqlite_url, cache_prefix)) as http:
        await new_client(http, "V90000003")
        loan = await approved_loan(http, "V90000003", "300", 3, base="2025-06-10")
        payments = [
            await new_payment(http, "V90000003", str(a), loan_id=loan["id"]) for a in amounts
        ]
        responses = await asyncio.gather(
            *(http.post(f"{PAGOS}/{p['id']}/conciliar") for p in payments)
        )
        rows = (await http.get(f"/api/v1/prestamos/{loan['id']}/cuotas")).json()["items"]
    assert [r.status_code for r in responses] == [200] * 10
    assert sum(Decimal(str(r.json()["monto_sin_aplicar"])) for r in responses) == Decimal("33.30")
    assert [r["total_pagado"] for r in rows] == [100.0, 100.0, 100.0]
