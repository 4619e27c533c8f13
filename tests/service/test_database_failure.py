"""A database failure is a 503 with an error body: never a 200 with zeros."""

from __future__ import annotations

import asyncio

import pytest

from tests.support.databases import admin, create_pg_database, drop_pg_database
from tests.support.metrics import sample_value
from tests.support.servers import app_client, settings_for

UNREACHABLE_PG = "postgresql://postgres@127.0.0.1:1/pagos"


@pytest.mark.parametrize(
    "route", ["/api/v1/pagos/kpis", "/api/v1/notificaciones/estadisticas/resumen"]
)
async def test_unreachable_database_is_a_503_with_an_error_body(
    route: str, cache_prefix: str
) -> None:
    async with app_client(settings_for(UNREACHABLE_PG, cache_prefix)) as client:
        before = sample_value((await client.get("/metrics")).text, "db_errors_total")
        response = await client.get(route)
        after = sample_value((await client.get("/metrics")).text, "db_errors_total")
    assert response.status_code == 503
    body = response.json()
    assert body["error"] == "database_unavailable"
    assert body["message"]
    assert body["request_id"] == response.headers["x-request-id"]
    assert "montoCobradoMes" not in body and "total" not in body
    assert after == before + 1


async def test_a_failure_is_not_cached(cache_prefix: str, pg_url: str) -> None:
    async with app_client(settings_for(UNREACHABLE_PG, cache_prefix)) as client:
        assert (await client.get("/api/v1/pagos/kpis")).status_code == 503
    # same cache prefix, database back: the answer is computed, not a remembered failure
    async with app_client(settings_for(pg_url, cache_prefix)) as client:
        response = await client.get("/api/v1/pagos/kpis")
    assert response.status_code == 200
    assert response.headers["x-cache"] == "miss"


async def test_database_without_schema_is_a_503_not_zeros(
    tmp_path: object, cache_prefix: str
) -> None:
    url = f"sqlite:///{tmp_path}/never-migrated.db"
    async with app_client(settings_for(url, cache_prefix)) as client:
        response = await client.get("/api/v1/pagos/kpis")
    assert response.status_code == 503
    assert response.json()["error"] == "database_unavailable"


async def test_a_database_refusing_connections_is_a_503(cache_prefix: str) -> None:
    """asyncpg reports "database … is not currently accepting connections" as a plain
    DBAPIError (SQLSTATE 55000): it is the database being unavailable, not a bug."""
    url = await asyncio.to_thread(create_pg_database, "refusing")
    name = url.rsplit("/", 1)[1]
    try:
        async with app_client(settings_for(url, cache_prefix)) as client:
            assert (await client.get("/api/v1/clientes")).status_code == 200
            await admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            await admin(
                f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
            )
            responses = [
                await client.get(path)
                for path in ("/api/v1/pagos/kpis", "/api/v1/clientes", "/api/v1/prestamos/1")
            ]
    finally:
        await admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        await asyncio.to_thread(drop_pg_database, url)
    for response in responses:
        assert response.status_code == 503, response.text
        assert response.json()["error"] == "database_unavailable"
