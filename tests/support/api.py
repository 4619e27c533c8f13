"""Driving the write path the way an operator does: through the HTTP API."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx

Json = dict[str, Any]


async def created(response: httpx.Response) -> Json:
    assert response.status_code == 201, response.text
    body: Json = response.json()
    return body


async def new_client(http: httpx.AsyncClient, cedula: str, nombres: str = "Ana Pérez") -> Json:
    return await created(
        await http.post("/api/v1/clientes", json={"cedula": cedula, "nombres": nombres})
    )


async def approved_loan(
    http: httpx.AsyncClient,
    cedula: str,
    principal: str,
    count: int,
    *,
    frequency: str = "MENSUAL",
    rate: str = "0",
    base: str = "2026-01-15",
) -> Json:
    loan = await created(
        await http.post(
            "/api/v1/prestamos",
            json={
                "cedula": cedula,
                "total_financiamiento": principal,
                "numero_cuotas": count,
                "modalidad_pago": frequency,
                "tasa_interes": rate,
                "fecha_base_calculo": base,
            },
        )
    )
    for status in ("EN_REVISION", "APROBADO"):
        response = await http.patch(
            f"/api/v1/prestamos/{loan['id']}/estado", json={"estado": status}
        )
        assert response.status_code == 200, response.text
    approved: Json = response.json()
    return approved


async def new_payment(
    http: httpx.AsyncClient,
    cedula: str,
    amount: str,
    *,
    loan_id: int | None = None,
    paid_at: str = "2026-02-10T09:30:00-04:00",
    document: str | None = "REF-1",
) -> Json:
    body: Json = {
        "cedula": cedula,
        "fecha_pago": paid_at,
        "monto_pagado": amount,
        "numero_documento": document,
    }
    if loan_id is not None:
        body["prestamo_id"] = loan_id
    return await created(await http.post("/api/v1/pagos", json=body))


async def installments(http: httpx.AsyncClient, loan_id: int) -> list[Json]:
    response = await http.get(f"/api/v1/prestamos/{loan_id}/cuotas")
    assert response.status_code == 200, response.text
    items: list[Json] = response.json()["items"]
    return items


async def pg_rows(pg_url: str, query: str, *args: object) -> list[asyncpg.Record]:
    """Read straight from PostgreSQL with asyncpg: no pagos code in between."""
    connection = await asyncpg.connect(pg_url)
    try:
        rows: list[asyncpg.Record] = await connection.fetch(query, *args)
        return rows
    finally:
        await connection.close()


TABLES = (
    "clients",
    "loans",
    "installments",
    "payments",
    "payment_allocations",
    "notifications",
    "idempotency_keys",
)


async def row_counts(pg_url: str) -> dict[str, int]:
    """Rows per table: a rejected write changes none of them."""
    query = " UNION ALL ".join(f"SELECT '{t}', COUNT(*) FROM {t}" for t in TABLES)
    return {row[0]: int(row[1]) for row in await pg_rows(pg_url, query)}
