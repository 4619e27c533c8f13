"""/api/v1/pagos: record, reconcile (oldest due first, excess carried, the rest unapplied),
delete (allocations reversed), Idempotency-Key, and the list filters."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from tests.support.api import (
    approved_loan,
    created,
    installments,
    new_client,
    new_payment,
    pg_rows,
    row_counts,
)
from tests.support.servers import app_client, settings_for

pytestmark = pytest.mark.usefixtures("pg_left_empty")

PAGOS = "/api/v1/pagos"


def applications(body: dict[str, object], key: str = "aplicaciones") -> list[tuple[int, float]]:
    return [(a["numero_cuota"], a["monto"]) for a in body[key]]  # type: ignore[attr-defined]


async def test_reconciliation_applies_oldest_due_first_and_reports_the_rest(
    db_url: str, cache_prefix: str
) -> None:
    async with app_client(settings_for(db_url, cache_prefix)) as http:
        await new_client(http, "V70000001")
        # 300 at 0 % in three monthly installments of 100, due Feb 15, Mar 15, Apr 15
        loan = await approved_loan(http, "V70000001", "300", 3, base="2026-01-15")
        first = await new_payment(http, "V70000001", "150.00", loan_id=loan["id"],
                                  paid_at="2026-02-01T23:30:00-04:00")  # fmt: skip
        second = await new_payment(http, "V70000001", "30", loan_id=loan["id"])
        third = await new_payment(http, "V70000001", "200.00", loan_id=loan["id"])
        assert (first["conciliado"], first["monto_aplicado"], first["monto_sin_aplicar"]) == (
            False, 0.0, 150.0,
        )  # fmt: skip
        one = (await http.post(f"{PAGOS}/{first['id']}/conciliar")).json()
        two = (await http.post(f"{PAGOS}/{second['id']}/conciliar")).json()
        three = (await http.post(f"{PAGOS}/{third['id']}/conciliar")).json()
        rows = await installments(http, loan["id"])
        again = await http.post(f"{PAGOS}/{first['id']}/conciliar")
        rows_after_again = await installments(http, loan["id"])
    assert applications(one) == [(1, 100.0), (2, 50.0)]  # the excess carries to the next
    assert (one["conciliado"], one["monto_aplicado"], one["monto_sin_aplicar"]) == (
        True, 150.0, 0.0,
    )  # fmt: skip
    assert applications(two) == [(2, 30.0)]
    assert applications(three) == [(2, 20.0), (3, 100.0)]
    assert (three["monto_aplicado"], three["monto_sin_aplicar"]) == (120.0, 80.0)
    assert [(r["total_pagado"], r["estado"]) for r in rows] == [(100.0, "PAGADO")] * 3
    # paid on the business date of the payment that covered it: 23:30 in Caracas is Feb 1
    assert rows[0]["fecha_pago"] == "2026-02-01"
    assert again.status_code == 409 and again.json()["error"] == "payment_already_reconciled"
    assert rows_after_again == rows  # reconciling twice is not a double payment


async def test_delete_reverses_the_allocations(db_url: str, cache_prefix: str) -> None:
    async with app_client(settings_for(db_url, cache_prefix)) as http:
        await new_client(http, "V71000001")
        loan = await approved_loan(http, "V71000001", "300", 3, base="2026-01-15")
        kept = await new_payment(http, "V71000001", "150", loan_id=loan["id"])
        deleted = await new_payment(http, "V71000001", "100", loan_id=loan["id"])
        for payment in (kept, deleted):
            assert (await http.post(f"{PAGOS}/{payment['id']}/conciliar")).status_code == 200
        response = await http.delete(f"{PAGOS}/{deleted['id']}")
        rows = await installments(http, loan["id"])
        twice = await http.delete(f"{PAGOS}/{deleted['id']}")
        reconcile_deleted = await http.post(f"{PAGOS}/{deleted['id']}/conciliar")
        listed = await http.get(PAGOS, params={"prestamo_id": loan["id"], "activo": "false"})
    assert response.status_code == 200
    body = response.json()
    assert applications(body, "aplicaciones_revertidas") == [(2, 50.0), (3, 50.0)]
    assert (body["activo"], body["monto_aplicado"], body["monto_sin_aplicar"]) == (False, 0, 0)
    assert [r["total_pagado"] for r in rows] == [100.0, 50.0, 0.0]
    assert rows[0]["estado"] == "PAGADO" and rows[1]["fecha_pago"] is None
    assert twice.status_code == 409 and twice.json()["error"] == "payment_inactive"
    assert reconcile_deleted.status_code == 409
    assert [p["id"] for p in listed.json()["items"]] == [deleted["id"]]


async def test_payments_without_a_loan_or_on_a_draft_loan(db_url: str, cache_prefix: str) -> None:
    async with app_client(settings_for(db_url, cache_prefix)) as http:
        await new_client(http, "V72000001")
        draft = await created(
            await http.post(
                "/api/v1/prestamos",
                json={"cedula": "V72000001", "total_financiamiento": "100",
                      "numero_cuotas": 1, "modalidad_pago": "SEMANAL"},
            )
        )  # fmt: skip
        unassigned = await new_payment(http, "V72000001", "45.50")
        on_draft = await new_payment(http, "V72000001", "10", loan_id=draft["id"])
        free = await http.post(f"{PAGOS}/{unassigned['id']}/conciliar")
        blocked = await http.post(f"{PAGOS}/{on_draft['id']}/conciliar")
        still = (await http.get(PAGOS, params={"prestamo_id": draft["id"]})).json()["items"]
    assert free.status_code == 200
    assert (free.json()["monto_aplicado"], free.json()["monto_sin_aplicar"]) == (0.0, 45.5)
    assert blocked.status_code == 409 and blocked.json()["error"] == "loan_not_payable"
    assert still[0]["conciliado"] is False  # the refused reconciliation changed nothing


async def test_idempotency_key_replays_the_first_answer(pg_url: str, cache_prefix: str) -> None:
    body = {"cedula": "V73000001", "fecha_pago": "2026-03-03T10:00:00-04:00",
            "monto_pagado": "75.25", "numero_documento": "TRX-9"}  # fmt: skip
    async with app_client(settings_for(pg_url, cache_prefix)) as http:
        await new_client(http, "V73000001")
        before = await row_counts(pg_url)
        first = await http.post(PAGOS, json=body, headers={"Idempotency-Key": "abc-1"})
        retry = await http.post(PAGOS, json=body, headers={"Idempotency-Key": "abc-1"})
        other = await http.post(
            PAGOS, json={**body, "monto_pagado": "75.26"}, headers={"Idempotency-Key": "abc-1"}
        )
        # five twins at once: one payment, five identical answers
        twins = await asyncio.gather(
            *(http.post(PAGOS, json=body, headers={"Idempotency-Key": "abc-2"}) for _ in range(5))
        )
        after = await row_counts(pg_url)
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json() and retry.headers["idempotent-replayed"] == "true"
    assert other.status_code == 409 and other.json()["error"] == "idempotency_key_reused"
    assert {t.status_code for t in twins} == {201}
    assert len({t.json()["id"] for t in twins}) == 1
    assert after["payments"] == before["payments"] + 2
    assert after["idempotency_keys"] == before["idempotency_keys"] + 2


async def test_the_list_filters(db_url: str, cache_prefix: str) -> None:
    async with app_client(settings_for(db_url, cache_prefix)) as http:
        ana = await new_client(http, "V74000001")
        await new_client(http, "V74000002")
        loan = await approved_loan(http, "V74000001", "500", 5)
        # 23:30 on Feb 28 in Caracas is already March 1 in UTC: still February here
        feb = await new_payment(http, "V74000001", "10", paid_at="2026-02-28T23:30:00-04:00")
        mar = await new_payment(
            http, "V74000001", "20", loan_id=loan["id"], paid_at="2026-03-01T00:30:00"
        )  # business time, no offset
        other = await new_payment(http, "V74000002", "30", paid_at="2026-03-05T12:00:00Z")
        await http.post(f"{PAGOS}/{mar['id']}/conciliar")

        async def ids(**params: object) -> list[int]:
            response = await http.get(PAGOS, params=params)
            assert response.status_code == 200, response.text
            return [p["id"] for p in response.json()["items"]]

        assert await ids() == [other["id"], mar["id"], feb["id"]]  # newest first
        assert await ids(cliente_id=ana["id"]) == [mar["id"], feb["id"]]
        assert await ids(cedula="v-74000002") == [other["id"]]
        assert await ids(prestamo_id=loan["id"]) == [mar["id"]]
        assert await ids(fecha_desde="2026-03-01") == [other["id"], mar["id"]]
        assert await ids(fecha_hasta="2026-02-28") == [feb["id"]]
        assert await ids(fecha_desde="2026-03-01", fecha_hasta="2026-03-01") == [mar["id"]]
        assert await ids(conciliado="true") == [mar["id"]]
        assert await ids(conciliado="false", cliente_id=ana["id"]) == [feb["id"]]
        page = (await http.get(PAGOS, params={"per_page": 2, "page": 2})).json()
    assert mar["fecha_pago"] == "2026-03-01T00:30:00-04:00"
    assert (page["total"], [p["id"] for p in page["items"]]) == (3, [feb["id"]])


async def test_allocations_are_rows_that_add_up(pg_url: str, cache_prefix: str) -> None:
    async with app_client(settings_for(pg_url, cache_prefix)) as http:
        await new_client(http, "V75000001")
        loan = await approved_loan(http, "V75000001", "100", 2)
        payment = await new_payment(http, "V75000001", "70", loan_id=loan["id"])
        await http.post(f"{PAGOS}/{payment['id']}/conciliar")
    rows = await pg_rows(
        pg_url,
        "SELECT i.number, a.amount, a.position FROM payment_allocations a "
        "JOIN installments i ON i.id = a.installment_id WHERE a.payment_id = $1 "
        "ORDER BY a.position",
        payment["id"],
    )
    assert [(r["number"], str(r["amount"]), r["position"]) for r in rows] == [
        (1, "50.00", 1),
        (2, "20.00", 2),
    ]


async def test_each_committed_write_is_one_named_log_event(
    pg_url: str, cache_prefix: str, capfd: pytest.CaptureFixture[str]
) -> None:
    async with app_client(settings_for(pg_url, cache_prefix)) as http:
        await new_client(http, "V76000001")
        loan = await approved_loan(http, "V76000001", "100", 1)
        payment = await new_payment(http, "V76000001", "130.00", loan_id=loan["id"])
        await http.post(f"{PAGOS}/{payment['id']}/conciliar")
        await http.post(f"{PAGOS}/{payment['id']}/conciliar")  # 409: nothing committed
        await http.delete(f"{PAGOS}/{payment['id']}")
    events = [
        json.loads(line) for line in capfd.readouterr().err.splitlines() if line.startswith("{")
    ]
    named = [e for e in events if e["event"].startswith(("payment_", "loan_status"))]
    assert [e["event"] for e in named] == [
        "loan_status_changed",
        "loan_status_changed",
        "payment_recorded",
        "payment_reconciled",
        "payment_deactivated",
    ]
    reconciled = named[3]
    assert (reconciled["applied"], reconciled["unapplied"]) == ("100.00", "30.00")
    assert named[4]["reversed"] == "100.00"
    assert all(e.get("request_id") for e in named)


async def test_an_instant_from_before_whole_minute_offsets_is_written_in_utc(
    pg_url: str, cache_prefix: str
) -> None:
    """Caracas was at -04:27:40 until 1912: RFC 3339 has no seconds in an offset."""
    async with app_client(settings_for(pg_url, cache_prefix)) as http:
        await new_client(http, "V73000009")
        old = await http.post(
            PAGOS,
            json={"cedula": "V73000009", "fecha_pago": "1900-01-01T00:00:00",
                  "monto_pagado": "1.00"},
        )  # fmt: skip
        recent = await http.post(
            PAGOS,
            json={"cedula": "V73000009", "fecha_pago": "2026-03-03T10:00:00",
                  "monto_pagado": "1.00"},
        )  # fmt: skip
    assert old.status_code == recent.status_code == 201
    caracas = ZoneInfo("America/Caracas")
    expected = datetime(1900, 1, 1, tzinfo=caracas).astimezone(UTC)
    assert old.json()["fecha_pago"] == expected.isoformat()
    assert expected.isoformat().endswith("+00:00")
    assert recent.json()["fecha_pago"] == "2026-03-03T10:00:00-04:00"
