"""Bad input is a 422 naming the field (413 for a body over 64 KiB), changes nothing, and
never carries internal exception text."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.api import approved_loan, new_client, row_counts
from tests.support.servers import app_client, settings_for

pytestmark = pytest.mark.usefixtures("pg_left_empty")

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

CASES: list[tuple[str, str, dict[str, Any], str]] = [
    ("negative amount", "/api/v1/pagos", {**PAYMENT, "monto_pagado": "-5"}, "monto_pagado"),
    ("zero amount", "/api/v1/pagos", {**PAYMENT, "monto_pagado": 0}, "monto_pagado"),
    ("3 decimals", "/api/v1/pagos", {**PAYMENT, "monto_pagado": 10.005}, "monto_pagado"),
    ("3 decimals text", "/api/v1/pagos", {**PAYMENT, "monto_pagado": "1.999"}, "monto_pagado"),
    ("not a number", "/api/v1/pagos", {**PAYMENT, "monto_pagado": "diez"}, "monto_pagado"),
    ("date format", "/api/v1/pagos", {**PAYMENT, "fecha_pago": "03/03/2026"}, "fecha_pago"),
    ("no date", "/api/v1/pagos", {k: v for k, v in PAYMENT.items() if k != "fecha_pago"},
     "fecha_pago"),
    ("unknown client", "/api/v1/pagos", {**PAYMENT, "cedula": "V89999999"}, "cedula"),
    ("not their loan", "/api/v1/pagos", {**PAYMENT, "cedula": "V80000002", "prestamo_id": 1},
     "prestamo_id"),
    ("unknown frequency", "/api/v1/prestamos", {**LOAN, "modalidad_pago": "DIARIO"},
     "modalidad_pago"),
    ("base date format", "/api/v1/prestamos", {**LOAN, "fecha_base_calculo": "15-01-2026"},
     "fecha_base_calculo"),
    ("no installments", "/api/v1/prestamos", {**LOAN, "numero_cuotas": 0}, "numero_cuotas"),
    ("negative rate", "/api/v1/prestamos", {**LOAN, "tasa_interes": -1}, "tasa_interes"),
    ("principal decimals", "/api/v1/prestamos", {**LOAN, "total_financiamiento": "1.001"},
     "total_financiamiento"),
    ("notification channel", "/api/v1/notificaciones",
     {"cliente_id": 1, "tipo": "FAX", "asunto": "x"}, "tipo"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("path", "body", "field"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
async def test_bad_input_is_422_naming_the_field_and_changes_nothing(
    pg_url: str, cache_prefix: str, path: str, body: dict[str, Any], field: str
) -> None:
    async with app_client(settings_for(pg_url, cache_prefix)) as http:
        for cedula in ("V80000001", "V80000002"):
            if (await http.get("/api/v1/clientes", params={"search": cedula})).json()["total"] == 0:
                await new_client(http, cedula)
        if body.get("prestamo_id") == 1:
            loan = await approved_loan(http, "V80000001", "100", 1)
            body = {**body, "prestamo_id": loan["id"]}
        before = await row_counts(pg_url)
        response = await http.post(path, json=body)
        after = await row_counts(pg_url)
    assert response.status_code == 422, response.text
    error = response.json()
    assert error["error"] == "validation_error"
    assert field in [d["field"] for d in error["details"]]
    assert field in error["message"]
    assert "Traceback" not in response.text and "sqlalchemy" not in response.text.lower()
    assert after == before


async def test_a_body_over_64_kib_is_413_and_changes_nothing(
    pg_url: str, cache_prefix: str
) -> None:
    padded = {**PAYMENT, "numero_documento": "x" * (64 * 1024)}
    async with app_client(settings_for(pg_url, cache_prefix)) as http:
        before = await row_counts(pg_url)
        declared = await http.post("/api/v1/pagos", json=padded)

        async def stream() -> Any:  # no Content-Length: counted as it arrives
            for _ in range(17):
                yield b" " * 4096

        streamed = await http.post(
            "/api/v1/pagos", content=stream(), headers={"Content-Type": "application/json"}
        )
        after = await row_counts(pg_url)
    for response in (declared, streamed):
        assert response.status_code == 413
        assert response.json()["error"] == "payload_too_large"
        assert set(response.json()) == {"error", "message", "details", "request_id"}
    assert after == before


async def test_not_json_at_all_is_422_for_the_body(pg_url: str, cache_prefix: str) -> None:
    async with app_client(settings_for(pg_url, cache_prefix)) as http:
        response = await http.post(
            "/api/v1/pagos", content=b"{not json", headers={"Content-Type": "application/json"}
        )
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "body"


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain", b'{"cedula": "V80000001"}'),
        ("application/x-www-form-urlencoded", b"cedula=V80000001&monto_pagado=10"),
        ("application/xml", b"<pago><cedula>V80000001</cedula></pago>"),
    ],
)
async def test_a_body_that_is_not_json_by_its_type_is_415_and_changes_nothing(
    pg_url: str, cache_prefix: str, content_type: str, body: bytes
) -> None:
    async with app_client(settings_for(pg_url, cache_prefix)) as http:
        await new_client(http, "V80000001")
        before = await row_counts(pg_url)
        response = await http.post(
            "/api/v1/pagos", content=body, headers={"Content-Type": content_type}
        )
        after = await row_counts(pg_url)
    assert response.status_code == 415
    error = response.json()
    assert error["error"] == "unsupported_media_type"
    assert content_type in error["message"] and error["request_id"]
    assert after == before


async def test_a_text_too_long_or_empty_names_characters(pg_url: str, cache_prefix: str) -> None:
    async with app_client(settings_for(pg_url, cache_prefix)) as http:
        response = await http.post(
            "/api/v1/clientes", json={"cedula": "V80000009", "nombres": "", "email": "a" * 300}
        )
    assert response.status_code == 422
    messages = {d["field"]: d["message"] for d in response.json()["details"]}
    assert messages == {
        "nombres": "expected at least 1 character, got 0",
        "email": "expected at most 200 characters, got 300",
    }
