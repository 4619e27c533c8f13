"""Hostile input found by QA: ids beyond PostgreSQL's bigint, control characters, dates at the
calendar's edge, money that overflows ``Numeric(14,2)``, and Unicode digits. Each is answered
in the error shape naming the field, writes nothing, and is never a 500 — on PostgreSQL and on
SQLite alike."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from service.db.url import async_database_url
from tests.support.api import TABLES, new_client
from tests.support.servers import app_client, settings_for

pytestmark = pytest.mark.usefixtures("pg_left_empty")

BEYOND = 2**63  # one more than PostgreSQL's bigint holds
CLIENT = "<id of V80000001>"  # replaced by the id of the client every test registers first
PAYMENT: dict[str, Any] = {
    "cedula": "V80000001",
    "fecha_pago": "2026-03-03T10:00:00-04:00",
    "monto_pagado": "10.00",
    "numero_documento": "T-1",
}
LOAN: dict[str, Any] = {
    "cedula": "V80000001",
    "total_financiamiento": "1000.00",
    "numero_cuotas": 12,
    "modalidad_pago": "MENSUAL",
    "tasa_interes": "24",
    "fecha_base_calculo": "2026-01-15",
}
NOTIFICATION: dict[str, Any] = {"cliente_id": CLIENT, "tipo": "EMAIL", "asunto": "Recordatorio"}
NEW_CLIENT: dict[str, Any] = {"cedula": "V80000002", "nombres": "Luis Ramírez"}

# (test id, method, url, JSON body or None, field named in the 422)
Case = tuple[str, str, str, dict[str, Any] | None, str]

IDS: list[Case] = [
    ("client path", "GET", f"/api/v1/clientes/{BEYOND}", None, "client_id"),
    ("client path zero", "GET", "/api/v1/clientes/0", None, "client_id"),
    ("loan path", "GET", f"/api/v1/prestamos/{BEYOND}", None, "loan_id"),
    ("loan path negative", "GET", "/api/v1/prestamos/-1", None, "loan_id"),
    ("installments path", "GET", f"/api/v1/prestamos/{BEYOND}/cuotas", None, "loan_id"),
    ("loan status path", "PATCH", f"/api/v1/prestamos/{BEYOND}/estado",
     {"estado": "EN_REVISION"}, "loan_id"),
    ("reconcile path", "POST", f"/api/v1/pagos/{BEYOND}/conciliar", None, "payment_id"),
    ("delete payment path", "DELETE", f"/api/v1/pagos/{BEYOND}", None, "payment_id"),
    ("notification path", "PATCH", f"/api/v1/notificaciones/{BEYOND}", {"leida": True},
     "notification_id"),
    ("payments by loan", "GET", f"/api/v1/pagos?prestamo_id={BEYOND}", None, "prestamo_id"),
    ("payments by client", "GET", f"/api/v1/pagos?cliente_id={BEYOND}", None, "cliente_id"),
    ("notifications by client", "GET", f"/api/v1/notificaciones?cliente_id={BEYOND}", None,
     "cliente_id"),
    ("payment body loan", "POST", "/api/v1/pagos", {**PAYMENT, "prestamo_id": BEYOND},
     "prestamo_id"),
    ("loan body client", "POST", "/api/v1/prestamos",
     {**{k: v for k, v in LOAN.items() if k != "cedula"}, "cliente_id": BEYOND}, "cliente_id"),
    ("notification body client", "POST", "/api/v1/notificaciones",
     {**NOTIFICATION, "cliente_id": BEYOND}, "cliente_id"),
    # JSON true is not client 1
    ("loan body client true", "POST", "/api/v1/prestamos",
     {**{k: v for k, v in LOAN.items() if k != "cedula"}, "cliente_id": True}, "cliente_id"),
    ("notification body client true", "POST", "/api/v1/notificaciones",
     {**NOTIFICATION, "cliente_id": True}, "cliente_id"),
    ("payment body loan true", "POST", "/api/v1/pagos", {**PAYMENT, "prestamo_id": True},
     "prestamo_id"),
]  # fmt: skip

CONTROL_CHARACTERS: list[Case] = [
    ("NUL in name", "POST", "/api/v1/clientes", {**NEW_CLIENT, "nombres": "Luis\x00"}, "nombres"),
    ("ESC in name", "POST", "/api/v1/clientes", {**NEW_CLIENT, "nombres": "Luis\x1b[2J"},
     "nombres"),
    ("DEL in name", "POST", "/api/v1/clientes", {**NEW_CLIENT, "nombres": "Luis\x7f"}, "nombres"),
    ("lone surrogate in name", "POST", "/api/v1/clientes",
     {**NEW_CLIENT, "nombres": "Luis \ud800"}, "nombres"),
    ("NUL in cedula", "POST", "/api/v1/clientes", {**NEW_CLIENT, "cedula": "V8000\x000002"},
     "cedula"),
    ("NUL in email", "POST", "/api/v1/clientes", {**NEW_CLIENT, "email": "luis\x00@example.com"},
     "email"),
    ("NUL in phone", "POST", "/api/v1/clientes", {**NEW_CLIENT, "telefono": "0412\x00555"},
     "telefono"),
    ("newline in phone", "POST", "/api/v1/clientes", {**NEW_CLIENT, "telefono": "0412\n555"},
     "telefono"),
    ("NUL in search", "GET", "/api/v1/clientes?search=%00", None, "search"),
    ("NUL in payments cedula", "GET", "/api/v1/pagos?cedula=V8000%000001", None, "cedula"),
    ("NUL in document", "POST", "/api/v1/pagos", {**PAYMENT, "numero_documento": "T-1\x00"},
     "numero_documento"),
    ("NUL in payment cedula", "POST", "/api/v1/pagos", {**PAYMENT, "cedula": "V80000001\x00"},
     "cedula"),
    ("NUL in loan cedula", "POST", "/api/v1/prestamos", {**LOAN, "cedula": "\x00V80000001"},
     "cedula"),
    ("NUL in subject", "POST", "/api/v1/notificaciones", {**NOTIFICATION, "asunto": "Hola\x00"},
     "asunto"),
    ("header injection in subject", "POST", "/api/v1/notificaciones",
     {**NOTIFICATION, "asunto": "Hola\r\nBcc: all@example.com"}, "asunto"),
    ("right-to-left override in name", "POST", "/api/v1/clientes",
     {**NEW_CLIENT, "nombres": "Luis \u202eziuR"}, "nombres"),
    ("zero-width space in name", "POST", "/api/v1/clientes",
     {**NEW_CLIENT, "nombres": "Lu\u200bis"}, "nombres"),
    ("letters as a phone", "POST", "/api/v1/clientes", {**NEW_CLIENT, "telefono": "abc"},
     "telefono"),
    ("too few digits for a phone", "POST", "/api/v1/clientes",
     {**NEW_CLIENT, "telefono": "555-12"}, "telefono"),
]  # fmt: skip

CALENDAR_EDGES: list[Case] = [
    ("payment in year 9999", "POST", "/api/v1/pagos",
     {**PAYMENT, "fecha_pago": "9999-12-31T23:59:59"}, "fecha_pago"),
    ("payment in year 1", "POST", "/api/v1/pagos",
     {**PAYMENT, "fecha_pago": "0001-01-01T00:00:00"}, "fecha_pago"),
    ("payment in year 1 east of UTC", "POST", "/api/v1/pagos",
     {**PAYMENT, "fecha_pago": "0001-01-01T00:00:00+05:00"}, "fecha_pago"),
    ("payment in year 3000", "POST", "/api/v1/pagos",
     {**PAYMENT, "fecha_pago": "3000-01-01T00:00:00-04:00"}, "fecha_pago"),
    ("payment in 1899", "POST", "/api/v1/pagos", {**PAYMENT, "fecha_pago": "1899-12-31"},
     "fecha_pago"),
    ("payments until 9999-12-31", "GET", "/api/v1/pagos?fecha_hasta=9999-12-31", None,
     "fecha_hasta"),
    ("payments from 0001-01-01", "GET", "/api/v1/pagos?fecha_desde=0001-01-01", None,
     "fecha_desde"),
    ("loan based in year 9999", "POST", "/api/v1/prestamos",
     {**LOAN, "fecha_base_calculo": "9999-12-01"}, "fecha_base_calculo"),
    ("loan based in year 1", "POST", "/api/v1/prestamos",
     {**LOAN, "fecha_base_calculo": "0001-01-01"}, "fecha_base_calculo"),
    ("loan due after 2999", "POST", "/api/v1/prestamos",
     {**LOAN, "fecha_base_calculo": "2999-06-01"}, "fecha_base_calculo"),
    ("weekly loan due after 2999", "POST", "/api/v1/prestamos",
     {**LOAN, "modalidad_pago": "SEMANAL", "numero_cuotas": 600,
      "fecha_base_calculo": "2990-01-01"}, "fecha_base_calculo"),
]  # fmt: skip

MONEY: list[Case] = [
    ("QA's loan: 999 % a year", "POST", "/api/v1/prestamos",
     {**LOAN, "total_financiamiento": 999999999999.99, "numero_cuotas": 1, "tasa_interes": 999},
     "tasa_interes"),
    ("rate above 100 %", "POST", "/api/v1/prestamos", {**LOAN, "tasa_interes": "100.01"},
     "tasa_interes"),
    ("installment beyond Numeric(14,2)", "POST", "/api/v1/prestamos",
     {**LOAN, "total_financiamiento": "999999999999.99", "numero_cuotas": 1,
      "tasa_interes": "100"}, "total_financiamiento"),
    ("weekly installment beyond Numeric(14,2)", "POST", "/api/v1/prestamos",
     {**LOAN, "total_financiamiento": "999999999999.99", "numero_cuotas": 1,
      "modalidad_pago": "SEMANAL", "tasa_interes": "1"}, "total_financiamiento"),
    ("principal beyond Numeric(14,2)", "POST", "/api/v1/prestamos",
     {**LOAN, "total_financiamiento": "1000000000000"}, "total_financiamiento"),
    ("payment beyond Numeric(14,2)", "POST", "/api/v1/pagos",
     {**PAYMENT, "monto_pagado": "1000000000000.00"}, "monto_pagado"),
    ("infinite payment", "POST", "/api/v1/pagos", {**PAYMENT, "monto_pagado": float("inf")},
     "monto_pagado"),
]  # fmt: skip

# (test id, method, url, body, status, error code, field)
UNICODE_DIGITS: list[tuple[str, str, str, dict[str, Any], int, str, str]] = [
    ("Arabic-Indic cedula", "POST", "/api/v1/clientes",
     {"cedula": "V١٢٣٤٥٦٧٨", "nombres": "Otra"}, 409, "duplicate_cedula", "cedula"),
    ("fullwidth cedula", "POST", "/api/v1/clientes",
     {"cedula": "V１２３４５６７８", "nombres": "Otra"}, 409, "duplicate_cedula", "cedula"),
    ("fullwidth letter", "POST", "/api/v1/clientes",
     {"cedula": "Ｖ12345678", "nombres": "Otra"}, 409, "duplicate_cedula", "cedula"),
    ("Devanagari cedula with dots", "POST", "/api/v1/clientes",
     {"cedula": "v-१२.३४५.६७८", "nombres": "Otra"}, 409, "duplicate_cedula", "cedula"),
    ("Arabic-Indic amount", "POST", "/api/v1/pagos", {**PAYMENT, "monto_pagado": "١٢"}, 422,
     "validation_error", "monto_pagado"),
    ("fullwidth amount", "POST", "/api/v1/pagos", {**PAYMENT, "monto_pagado": "１２.５０"}, 422,
     "validation_error", "monto_pagado"),
    ("amount with underscores", "POST", "/api/v1/pagos", {**PAYMENT, "monto_pagado": "1_000"},
     422, "validation_error", "monto_pagado"),
    ("amount with exponent", "POST", "/api/v1/pagos", {**PAYMENT, "monto_pagado": "1e3"}, 422,
     "validation_error", "monto_pagado"),
    ("Arabic-Indic principal", "POST", "/api/v1/prestamos",
     {**LOAN, "total_financiamiento": "١٠٠٠"}, 422, "validation_error", "total_financiamiento"),
]  # fmt: skip


async def _row_counts(db_url: str) -> dict[str, int]:
    """Rows per table, read with plain SQL: a refused request changes none of them."""
    engine = create_async_engine(async_database_url(db_url))
    try:
        async with engine.connect() as connection:
            counts = {}
            for table in TABLES:
                query = text(f"SELECT COUNT(*) FROM {table}")
                counts[table] = (await connection.execute(query)).scalar_one()
            return counts
    finally:
        await engine.dispose()


def _fill(body: dict[str, Any] | None, client_id: int) -> bytes | None:
    if body is None:
        return None
    filled = {key: client_id if value == CLIENT else value for key, value in body.items()}
    # ASCII JSON: control characters and lone surrogates travel as \\u escapes, as a browser
    # would send them
    return json.dumps(filled).encode()


async def _refused(
    db_url: str, cache_prefix: str, method: str, url: str, body: dict[str, Any] | None
) -> tuple[httpx.Response, dict[str, int], dict[str, int]]:
    async with app_client(settings_for(db_url, cache_prefix)) as http:
        client = await new_client(http, "V80000001")
        await new_client(http, "V12345678")
        before = await _row_counts(db_url)
        response = await http.request(
            method,
            url,
            content=_fill(body, client["id"]),
            headers={"Content-Type": "application/json"} if body is not None else {},
        )
        after = await _row_counts(db_url)
    return response, before, after


def _assert_error(response: httpx.Response, status: int, code: str, field: str) -> None:
    assert response.status_code == status, response.text
    error = response.json()
    assert set(error) == {"error", "message", "details", "request_id"}
    assert error["error"] == code
    assert field in [detail["field"] for detail in error["details"]], error
    assert error["request_id"] and error["request_id"] == response.headers["X-Request-ID"]
    assert "Traceback" not in response.text and "sqlalchemy" not in response.text.lower()


def _params(cases: list[Case]) -> Any:
    return pytest.mark.parametrize(
        ("method", "url", "body", "field"), [c[1:] for c in cases], ids=[c[0] for c in cases]
    )


@_params(IDS)
async def test_an_id_outside_1_to_2_pow_63_minus_1_is_422_naming_it(
    db_url: str, cache_prefix: str, method: str, url: str, body: dict[str, Any] | None, field: str
) -> None:
    response, before, after = await _refused(db_url, cache_prefix, method, url, body)
    _assert_error(response, 422, "validation_error", field)
    assert after == before


@_params(CONTROL_CHARACTERS)
async def test_control_characters_are_422_naming_the_field(
    db_url: str, cache_prefix: str, method: str, url: str, body: dict[str, Any] | None, field: str
) -> None:
    response, before, after = await _refused(db_url, cache_prefix, method, url, body)
    _assert_error(response, 422, "validation_error", field)
    assert after == before


@_params(CALENDAR_EDGES)
async def test_dates_outside_1900_to_2999_are_422_naming_the_field(
    db_url: str, cache_prefix: str, method: str, url: str, body: dict[str, Any] | None, field: str
) -> None:
    response, before, after = await _refused(db_url, cache_prefix, method, url, body)
    _assert_error(response, 422, "validation_error", field)
    assert after == before


@_params(MONEY)
async def test_money_that_would_overflow_numeric_14_2_is_422_naming_the_field(
    db_url: str, cache_prefix: str, method: str, url: str, body: dict[str, Any] | None, field: str
) -> None:
    response, before, after = await _refused(db_url, cache_prefix, method, url, body)
    _assert_error(response, 422, "validation_error", field)
    assert after == before


@pytest.mark.parametrize(
    ("method", "url", "body", "status", "code", "field"),
    [c[1:] for c in UNICODE_DIGITS],
    ids=[c[0] for c in UNICODE_DIGITS],
)
async def test_unicode_digits_are_one_cedula_and_never_money(
    db_url: str,
    cache_prefix: str,
    method: str,
    url: str,
    body: dict[str, Any],
    status: int,
    code: str,
    field: str,
) -> None:
    response, before, after = await _refused(db_url, cache_prefix, method, url, body)
    _assert_error(response, status, code, field)
    assert after == before


async def test_what_stays_accepted_at_the_edges(db_url: str, cache_prefix: str) -> None:
    """The limits are limits, not a new way to refuse ordinary input."""
    async with app_client(settings_for(db_url, cache_prefix)) as http:
        await new_client(http, "V80000001")
        tabbed = await http.post(
            "/api/v1/clientes", json={"cedula": "V80000002", "nombres": "Luis\tRamírez\n"}
        )
        by_arabic_cedula = await http.post("/api/v1/pagos", json={**PAYMENT, "cedula": "V٨٠٠٠٠٠٠١"})
        today = datetime.now(ZoneInfo("America/Caracas")).date()  # the business day
        last_day = await http.post(
            "/api/v1/pagos", json={**PAYMENT, "fecha_pago": f"{today}T00:00:00"}
        )
        tomorrow = await http.post(
            "/api/v1/pagos", json={**PAYMENT, "fecha_pago": f"{today + timedelta(days=1)}"}
        )
        until_2999 = await http.get("/api/v1/pagos", params={"fecha_hasta": "2999-12-31"})
        at_100 = await http.post(
            "/api/v1/prestamos",
            json={**LOAN, "total_financiamiento": "999999999999.99", "tasa_interes": "100",
                  "numero_cuotas": 600},
        )  # fmt: skip
        searched = await http.get("/api/v1/clientes", params={"search": "V٨٠٠٠"})
    assert tabbed.status_code == 201 and tabbed.json()["nombres"] == "Luis Ramírez"
    assert by_arabic_cedula.status_code == 201, by_arabic_cedula.text
    assert by_arabic_cedula.json()["cedula"] == "V80000001"
    assert last_day.status_code == 201, last_day.text
    assert tomorrow.status_code == 422  # a payment received is not in the future
    assert tomorrow.json()["details"][0]["field"] == "fecha_pago"
    assert until_2999.status_code == 200 and until_2999.json()["total"] == 2
    assert at_100.status_code == 201, at_100.text
    assert [c["cedula"] for c in searched.json()["items"]] == ["V80000001", "V80000002"]
