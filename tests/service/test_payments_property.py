"""Property: after any sequence of payments, reconciliations and deletions, the allocations
add up to the applied amounts of the reconciled active payments, no installment is over-paid,
every installment matches a plain-Python clerk applying the same payments oldest due first,
and the KPIs equal the independent reference computation (real PostgreSQL and Redis)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.api import approved_loan, installments, new_client, new_payment, pg_rows
from tests.support.book import read_rows
from tests.support.databases import create_pg_database, drop_pg_database, truncate_book
from tests.support.reference import reference_kpis
from tests.support.servers import REDIS_URL, app_client, settings_for

TZ = ZoneInfo("America/Caracas")
PAGOS = "/api/v1/pagos"
Op = tuple[Any, ...]


@pytest.fixture(scope="module")
def property_db() -> Iterator[str]:
    url = create_pg_database("property")
    yield url
    drop_pg_database(url)


@pytest.fixture(scope="module")
def prefix_base() -> Iterator[str]:
    base = f"pagos-prop-{uuid.uuid4().hex[:8]}"
    yield base
    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match=f"{base}*", count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@dataclass
class ModelPayment:
    id: int
    loan: int | None
    amount: Decimal
    reconciled: bool = False
    active: bool = True
    allocations: list[tuple[int, Decimal]] = field(default_factory=list)


@dataclass
class Clerk:
    """Applies payments by hand: oldest due first, the excess carried, the rest unapplied."""

    installments: dict[int, list[list[Any]]]  # loan index -> [id, amount_due, paid]
    payments: list[ModelPayment] = field(default_factory=list)

    def reconcile(self, payment: ModelPayment) -> int:
        if not payment.active or payment.reconciled:
            return 409
        payment.reconciled = True
        remaining = payment.amount
        for row in self.installments.get(payment.loan, []) if payment.loan is not None else []:
            take = min(row[1] - row[2], remaining)
            if take > 0:
                row[2] += take
                remaining -= take
                payment.allocations.append((row[0], take))
        return 200

    def delete(self, payment: ModelPayment) -> int:
        if not payment.active:
            return 409
        payment.active = False
        rows = {row[0]: row for rows in self.installments.values() for row in rows}
        for installment_id, amount in payment.allocations:
            rows[installment_id][2] -= amount
        payment.allocations.clear()
        return 200


operations = st.lists(
    st.one_of(
        st.tuples(
            st.just("pay"),
            st.sampled_from([0, 1, None]),
            st.integers(min_value=1, max_value=60_000),  # cents
            st.sampled_from([0, 1, 35]),  # days ago: this month or the previous one
        ),
        st.tuples(st.just("reconcile"), st.integers(min_value=0, max_value=30)),
        st.tuples(st.just("delete"), st.integers(min_value=0, max_value=30)),
    ),
    min_size=1,
    max_size=14,
)


async def _run(database: str, prefix: str, ops: list[Op]) -> None:
    await truncate_book(database)
    now = datetime.now(TZ).replace(microsecond=0)
    today = now.date()
    async with app_client(settings_for(database, prefix)) as http:
        await new_client(http, "V93000001")
        await new_client(http, "V93000002")
        base = (today - timedelta(days=100)).isoformat()
        loans = [
            await approved_loan(http, "V93000001", "300", 3, base=base),
            await approved_loan(http, "V93000002", "1000", 6, frequency="QUINCENAL",
                                rate="24", base=base),
        ]  # fmt: skip
        clerk = Clerk(
            {
                index: [
                    [row["id"], Decimal(str(row["monto_cuota"])), Decimal("0")]
                    for row in await installments(http, loan["id"])
                ]
                for index, loan in enumerate(loans)
            }
        )
        for op in ops:
            if op[0] == "pay":
                _, loan_index, cents, days_ago = op
                cedula = "V93000002" if loan_index == 1 else "V93000001"
                body = await new_payment(
                    http,
                    cedula,
                    str(Decimal(cents) / 100),
                    loan_id=loans[loan_index]["id"] if loan_index is not None else None,
                    paid_at=(now - timedelta(days=days_ago)).isoformat(),
                )
                clerk.payments.append(ModelPayment(body["id"], loan_index, Decimal(cents) / 100))
                continue
            if not clerk.payments:
                continue
            payment = clerk.payments[op[1] % len(clerk.payments)]
            if op[0] == "reconcile":
                expected = clerk.reconcile(payment)
                response = await http.post(f"{PAGOS}/{payment.id}/conciliar")
                key = "aplicaciones"
            else:
                before = list(payment.allocations)
                expected = clerk.delete(payment)
                response = await http.delete(f"{PAGOS}/{payment.id}")
                key = "aplicaciones_revertidas"
            assert response.status_code == expected, (op, response.text)
            if expected == 200:
                done = payment.allocations if op[0] == "reconcile" else before
                assert [
                    (a["cuota_id"], Decimal(str(a["monto"]))) for a in response.json()[key]
                ] == [(installment_id, amount) for installment_id, amount in done]

        listed = (await http.get(PAGOS, params={"per_page": 100})).json()["items"]
        months = {(today.year, today.month), ((today - timedelta(days=35)).year,
                                              (today - timedelta(days=35)).month)}  # fmt: skip
        kpis = {
            (y, m): (await http.get("/api/v1/pagos/kpis", params={"mes": m, "año": y})).json()
            for y, m in months
        }

    rows = await pg_rows(
        database,
        "SELECT i.id, i.amount_due, i.amount_paid, COALESCE(SUM(a.amount), 0) AS allocated "
        "FROM installments i LEFT JOIN payment_allocations a ON a.installment_id = i.id "
        "GROUP BY i.id",
    )
    model = {row[0]: row[2] for rows_ in clerk.installments.values() for row in rows_}
    for row in rows:
        assert row["amount_paid"] == row["allocated"] <= row["amount_due"]
        assert row["amount_paid"] == model[row["id"]]
    applied = sum(
        (Decimal(str(p["monto_aplicado"])) for p in listed if p["conciliado"] and p["activo"]),
        Decimal("0"),
    )
    total_allocated = sum((row["allocated"] for row in rows), Decimal("0"))
    assert total_allocated == applied
    assert all(p["monto_aplicado"] == 0 for p in listed if not p["activo"] or not p["conciliado"])

    tables = await read_rows(database)
    for (year, month), answer in kpis.items():
        assert answer == reference_kpis(
            payments=tables["payments"], installments=tables["installments"],
            loans=tables["loans"], year=year, month=month, today=today, tz=TZ,
        )  # fmt: skip


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
def test_any_sequence_keeps_the_books_exact(
    property_db: str, prefix_base: str, ops: list[Op]
) -> None:
    asyncio.run(_run(property_db, f"{prefix_base}-{uuid.uuid4().hex[:6]}", ops))
