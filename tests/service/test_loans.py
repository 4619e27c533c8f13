"""/api/v1/prestamos: the schedule (French amortisation, dates per frequency, the rounding in
the last installment), the status workflow, and the derived status of each installment."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import pytest

from tests.support.api import approved_loan, created, installments, new_client, new_payment
from tests.support.book import Book
from tests.support.servers import app_client, settings_for

pytestmark = pytest.mark.usefixtures("pg_left_empty")

TZ = ZoneInfo("America/Caracas")
CENT = Decimal("0.01")


def french_schedule(principal: str, annual: str, count: int, per_year: int) -> list[Decimal]:
    """The textbook annuity, written here from its formula: A = P·r / (1 − (1 + r)^−n)."""
    p, rate = Decimal(principal), Decimal(annual) / 100 / per_year
    exact = p / count if rate == 0 else p * rate / (1 - (1 + rate) ** -count)
    regular = exact.quantize(CENT, rounding=ROUND_HALF_UP)
    total = p + (exact * count - p).quantize(CENT, rounding=ROUND_HALF_UP)
    return [regular] * (count - 1) + [total - regular * (count - 1)]


@pytest.mark.parametrize(
    ("principal", "rate", "count", "frequency", "base", "amounts", "dates"),
    [
        # 1000 at 12 %/year monthly: r = 1 %, A = 340.0221…, interest 20.07
        (
            "1000.00", "12", 3, "MENSUAL", "2026-01-31",
            ["340.02", "340.02", "340.03"], ["2026-02-28", "2026-03-31", "2026-04-30"],
        ),
        # 0 %: 100 / 3, the odd cent in the last installment; 15-day periods over February
        (
            "100", "0", 3, "QUINCENAL", "2026-02-20",
            ["33.33", "33.33", "33.34"], ["2026-03-07", "2026-03-22", "2026-04-06"],
        ),
        (
            "500", "0", 4, "SEMANAL", "2026-12-28",
            ["125.00"] * 4, ["2027-01-04", "2027-01-11", "2027-01-18", "2027-01-25"],
        ),
        # same day of the month as the base date, clamped to the month's end (leap February)
        (
            "1000", "0", 4, "MENSUAL", "2027-11-30",
            ["250.00"] * 4, ["2027-12-30", "2028-01-30", "2028-02-29", "2028-03-30"],
        ),
    ],
)  # fmt: skip
async def test_the_schedule_follows_the_rules(
    db_url: str,
    cache_prefix: str,
    principal: str,
    rate: str,
    count: int,
    frequency: str,
    base: str,
    amounts: list[str],
    dates: list[str],
) -> None:
    async with app_client(settings_for(db_url, cache_prefix)) as http:
        await new_client(http, "V60000001")
        loan = await created(
            await http.post(
                "/api/v1/prestamos",
                json={
                    "cedula": "V60000001",
                    "total_financiamiento": principal,
                    "numero_cuotas": count,
                    "modalidad_pago": frequency,
                    "tasa_interes": rate,
                    "fecha_base_calculo": base,
                },
            )
        )
        rows = await installments(http, loan["id"])
    assert loan["estado"] == "DRAFT" and loan["fecha_aprobacion"] is None
    assert (loan["numero_cuotas"], loan["modalidad_pago"]) == (count, frequency)
    assert loan["cuota_periodo"] == float(amounts[0])
    assert [r["monto_cuota"] for r in rows] == [float(a) for a in amounts]
    assert [r["fecha_vencimiento"] for r in rows] == dates
    assert [r["numero_cuota"] for r in rows] == list(range(1, count + 1))
    assert loan["total_a_pagar"] == float(sum(Decimal(a) for a in amounts))


@pytest.mark.parametrize(
    ("principal", "rate", "count", "frequency", "per_year"),
    [("2000", "26", 10, "SEMANAL", 52), ("15750.55", "35.5", 24, "QUINCENAL", 24),
     ("999.99", "18", 36, "MENSUAL", 12), ("0.10", "0", 10, "MENSUAL", 12)],
)  # fmt: skip
async def test_installments_sum_exactly_to_principal_plus_interest(
    pg_url: str, cache_prefix: str, principal: str, rate: str, count: int, frequency: str,
    per_year: int,
) -> None:  # fmt: skip
    expected = french_schedule(principal, rate, count, per_year)
    async with app_client(settings_for(pg_url, cache_prefix)) as http:
        cedula = f"V6{count:03d}{per_year:04d}"
        await new_client(http, cedula)
        loan = await created(
            await http.post(
                "/api/v1/prestamos",
                json={"cedula": cedula, "total_financiamiento": principal,
                      "numero_cuotas": count, "modalidad_pago": frequency, "tasa_interes": rate},
            )
        )  # fmt: skip
        rows = await installments(http, loan["id"])
    assert [Decimal(str(r["monto_cuota"])) for r in rows] == expected
    assert Decimal(str(loan["total_a_pagar"])) == sum(expected)


async def test_too_small_a_principal_for_the_count_is_422(pg_url: str, cache_prefix: str) -> None:
    async with app_client(settings_for(pg_url, cache_prefix)) as http:
        await new_client(http, "V60000009")
        response = await http.post(
            "/api/v1/prestamos",
            json={"cedula": "V60000009", "total_financiamiento": "0.05", "numero_cuotas": 10,
                  "modalidad_pago": "MENSUAL"},
        )  # fmt: skip
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "numero_cuotas"


async def test_the_status_workflow_and_its_409s(db_url: str, cache_prefix: str) -> None:
    async with app_client(settings_for(db_url, cache_prefix)) as http:
        await new_client(http, "V61000001")
        body = {"cedula": "V61000001", "total_financiamiento": "300", "numero_cuotas": 3,
                "modalidad_pago": "MENSUAL", "fecha_base_calculo": "2026-01-10"}  # fmt: skip
        loan = await created(await http.post("/api/v1/prestamos", json=body))
        rejected = await created(await http.post("/api/v1/prestamos", json=body))

        async def move(loan_id: int, status: str) -> tuple[int, dict[str, object]]:
            response = await http.patch(
                f"/api/v1/prestamos/{loan_id}/estado", json={"estado": status}
            )
            return response.status_code, response.json()

        skip = await move(loan["id"], "APROBADO")
        in_review = await move(loan["id"], "EN_REVISION")
        approved = await move(loan["id"], "APROBADO")
        early_payoff = await move(loan["id"], "LIQUIDADO")
        back = await move(loan["id"], "DRAFT")
        await move(rejected["id"], "EN_REVISION")
        rejected_now = await move(rejected["id"], "RECHAZADO")
        after_rejection = await move(rejected["id"], "APROBADO")
        payment = await new_payment(http, "V61000001", "300.00", loan_id=loan["id"])
        assert (await http.post(f"/api/v1/pagos/{payment['id']}/conciliar")).status_code == 200
        paid_off = await move(loan["id"], "LIQUIDADO")
        read = (await http.get(f"/api/v1/prestamos/{loan['id']}")).json()
        # money that arrives for a paid-off loan is reconciled and owed back, never applied;
        # a rejected loan never owed anything: its payment cannot be reconciled
        late = await new_payment(http, "V61000001", "25.00", loan_id=loan["id"])
        late_reconciled = await http.post(f"/api/v1/pagos/{late['id']}/conciliar")
        stray = await new_payment(http, "V61000001", "25.00", loan_id=rejected["id"])
        stray_reconciled = await http.post(f"/api/v1/pagos/{stray['id']}/conciliar")
        still = (await http.get(f"/api/v1/prestamos/{loan['id']}")).json()
    assert skip[0] == 409 and skip[1]["error"] == "transition_not_allowed"
    assert "allowed: EN_REVISION" in str(skip[1]["message"])
    assert in_review[0] == 200 and in_review[1]["estado"] == "EN_REVISION"
    assert approved[0] == 200 and approved[1]["estado"] == "APROBADO"
    assert approved[1]["fecha_aprobacion"] is not None
    assert early_payoff[0] == 409 and early_payoff[1]["error"] == "loan_not_paid"
    assert "300.00" in str(early_payoff[1]["message"])
    assert back[0] == 409 and "allowed: LIQUIDADO" in str(back[1]["message"])
    assert rejected_now[0] == 200 and rejected_now[1]["estado"] == "RECHAZADO"
    assert after_rejection[0] == 409 and "none (final status)" in str(after_rejection[1]["message"])
    assert paid_off[0] == 200 and read["estado"] == "LIQUIDADO"
    assert (read["total_pagado"], read["saldo_pendiente"]) == (300.0, 0.0)
    assert late_reconciled.status_code == 200
    late_body = late_reconciled.json()
    assert late_body["conciliado"] is True and late_body["aplicaciones"] == []
    assert (late_body["monto_aplicado"], late_body["monto_sin_aplicar"]) == (0.0, 25.0)
    assert (still["estado"], still["total_pagado"]) == ("LIQUIDADO", 300.0)
    assert stray_reconciled.status_code == 409
    assert stray_reconciled.json()["error"] == "loan_not_payable"


async def test_unknown_loan_is_404(pg_url: str, cache_prefix: str) -> None:
    async with app_client(settings_for(pg_url, cache_prefix)) as http:
        responses = [
            await http.get("/api/v1/prestamos/987654"),
            await http.get("/api/v1/prestamos/987654/cuotas"),
            await http.patch("/api/v1/prestamos/987654/estado", json={"estado": "EN_REVISION"}),
        ]
    assert [r.status_code for r in responses] == [404, 404, 404]


async def test_each_installment_status_is_derived_from_amounts_and_today(
    db_url: str, cache_prefix: str
) -> None:
    today = datetime.now(TZ).date()

    def ago(days: int) -> date:
        return today - timedelta(days=days)

    book = Book()
    client = book.client()
    loan = book.loan(
        client,
        [
            (ago(100), "50.00", "0.00"),  # MORA, 100 days
            (ago(92), "50.00", "49.99"),  # MORA from day 92
            (ago(91), "50.00", "0.00"),  # VENCIDO up to day 91
            (ago(10), "50.00", "50.00"),  # PAGADO, late or not
            (ago(1), "50.00", "20.00"),  # VENCIDO, 1 day
            (today, "50.00", "20.00"),  # PARCIAL: due today is not late
            (today + timedelta(days=5), "50.00", "0.00"),  # PENDIENTE
        ],
    )
    await book.write(db_url)
    async with app_client(settings_for(db_url, cache_prefix)) as http:
        rows = await installments(http, loan)
    assert [(r["estado"], r["dias_mora"]) for r in rows] == [
        ("MORA", 100),
        ("MORA", 92),
        ("VENCIDO", 91),
        ("PAGADO", 0),
        ("VENCIDO", 1),
        ("PARCIAL", 0),
        ("PENDIENTE", 0),
    ]
    assert [r["total_pagado"] for r in rows] == [0.0, 49.99, 0.0, 50.0, 20.0, 20.0, 0.0]


async def test_approved_loan_helper_reaches_aprobado(pg_url: str, cache_prefix: str) -> None:
    async with app_client(settings_for(pg_url, cache_prefix)) as http:
        await new_client(http, "V62000001")
        loan = await approved_loan(http, "V62000001", "100", 2)
    assert loan["estado"] == "APROBADO"


async def test_a_loan_not_yet_approved_owes_nothing_and_is_never_late(
    db_url: str, cache_prefix: str
) -> None:
    async with app_client(settings_for(db_url, cache_prefix)) as http:
        await new_client(http, "V61000009")
        body = {"cedula": "V61000009", "total_financiamiento": "300", "numero_cuotas": 3,
                "modalidad_pago": "MENSUAL", "fecha_base_calculo": "2024-01-10"}  # fmt: skip
        loan = await created(await http.post("/api/v1/prestamos", json=body))
        as_draft = await installments(http, loan["id"])
        for status in ("EN_REVISION", "APROBADO"):
            await http.patch(f"/api/v1/prestamos/{loan['id']}/estado", json={"estado": status})
        approved = await installments(http, loan["id"])
    # due in February to April 2024: long past, but a draft is a proposal
    assert [(r["estado"], r["dias_mora"]) for r in as_draft] == [("PENDIENTE", 0)] * 3
    today = datetime.now(ZoneInfo("America/Caracas")).date()
    expected = [(today - date.fromisoformat(r["fecha_vencimiento"])).days for r in approved]
    assert [r["dias_mora"] for r in approved] == expected
    assert {r["estado"] for r in approved} == {"MORA"}  # all over 91 days late once owed
