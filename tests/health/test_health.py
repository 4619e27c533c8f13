"""Liveness and readiness against real dependencies, and against dependencies that fail."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from tests.support.redis_server import redis_server
from tests.support.servers import (
    app_client,
    auth_headers,
    gunicorn_server,
    server_env,
    settings_for,
)

READY_PATHS = ["/health/ready", "/api/v1/health/render"]


def check(body: dict[str, object], name: str) -> dict[str, object]:
    checks = body["checks"]
    assert isinstance(checks, list)
    (found,) = [c for c in checks if c["name"] == name]
    assert isinstance(found, dict)
    return found


@pytest.mark.parametrize("path", READY_PATHS)
async def test_ready_when_database_and_redis_answer(
    pg_url: str, cache_prefix: str, path: str
) -> None:
    async with app_client(settings_for(pg_url, cache_prefix)) as client:
        response = await client.get(path)
        head = await client.head(path)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["cache_backend"] == "redis"
    for name in ("database", "redis"):
        result = check(body, name)
        assert result["status"] == "ok"
        assert isinstance(result["latency_ms"], float) and result["latency_ms"] >= 0
    assert (head.status_code, head.content) == (200, b"")


async def test_live_touches_no_dependency(silent_database_url: str, cache_prefix: str) -> None:
    settings = settings_for(silent_database_url, cache_prefix, redis_url="redis://127.0.0.1:1/0")
    async with app_client(settings) as client:
        started = time.monotonic()
        live = await client.get("/health/live")
        head = await client.head("/health/live")
        elapsed = time.monotonic() - started
    assert (live.status_code, live.json()["status"]) == (200, "ok")
    assert head.status_code == 200
    assert elapsed < 0.5  # nothing waited on the silent database


async def test_database_that_refuses_is_fail_503(cache_prefix: str) -> None:
    closed = "postgresql://postgres@127.0.0.1:1/pagos"  # nothing listens on port 1
    async with app_client(settings_for(closed, cache_prefix)) as client:
        response = await client.get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert check(body, "database")["status"] == "fail"
    assert check(body, "redis")["status"] == "ok"


@pytest.mark.slow
def test_database_unreachable_under_gunicorn_fails_fast_while_live_answers(
    silent_database_url: str, cache_prefix: str, tmp_path: Path
) -> None:
    # the driver would wait 10 s to connect: only the health check's own bound keeps it short
    env = server_env(silent_database_url, cache_prefix, PAGOS_DB_CONNECT_TIMEOUT_SECONDS="10")
    with gunicorn_server(env, tmp_path / "gunicorn.log", workers=1) as server:
        assert httpx.get(server.base_url + "/health/live", timeout=5).status_code == 200
        for path in READY_PATHS:
            started = time.monotonic()
            response = httpx.get(server.base_url + path, timeout=10)
            elapsed = time.monotonic() - started
            assert response.status_code == 503
            body = response.json()
            assert body["status"] == "fail"
            database = check(body, "database")
            assert database["status"] == "fail"
            assert "no answer within" in str(database["error"])
            assert elapsed < 2.5, f"{path} took {elapsed:.2f} s"
        assert httpx.get(server.base_url + "/health/live", timeout=5).status_code == 200


@pytest.mark.slow
def test_redis_stopped_under_gunicorn_is_degraded_200(
    pg_url: str, cache_prefix: str, tmp_path: Path
) -> None:
    with (
        redis_server(tmp_path) as throwaway_redis,
        gunicorn_server(
            server_env(pg_url, cache_prefix, REDIS_URL=throwaway_redis.url),
            tmp_path / "gunicorn.log",
            workers=1,
        ) as server,
    ):
        before = httpx.get(server.base_url + "/health/ready", timeout=5)
        assert (before.status_code, before.json()["status"]) == (200, "ok")

        throwaway_redis.stop()
        started = time.monotonic()
        after = httpx.get(server.base_url + "/health/ready", timeout=10)
        elapsed = time.monotonic() - started
        # a request that uses the cache: the worker now serves from memory
        summary = httpx.get(
            server.base_url + "/api/v1/notificaciones/estadisticas/resumen",
            headers=auth_headers(("read",)),
            timeout=10,
        )
        # the worker's circuit breaker moves it to memory after a few failures or its probe
        deadline = time.monotonic() + 10
        while True:
            again = httpx.get(server.base_url + "/health/ready", timeout=10)
            if again.json()["cache_backend"] == "memory" or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        live = httpx.get(server.base_url + "/health/live", timeout=5)

    assert after.status_code == 200
    assert after.json()["status"] == "degraded"
    assert check(after.json(), "redis")["status"] == "fail"
    assert check(after.json(), "database")["status"] == "ok"
    assert elapsed < 2.5
    assert summary.status_code == 200
    assert (again.status_code, again.json()["status"]) == (200, "degraded")
    assert again.json()["cache_backend"] == "memory"
    assert live.status_code == 200
