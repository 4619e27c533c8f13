"""``GET /api/v1/ops/workers`` in-process: who may read it, what a worker registers, and what
happens when Redis is gone (the worker still starts; the endpoint says it cannot know)."""

from __future__ import annotations

import os
import socket
import time

from prometheus_client import REGISTRY

from tests.support.servers import app_client, settings_for

WORKERS = "/api/v1/ops/workers"


def _lifecycle_errors(operation: str) -> float:
    value = REGISTRY.get_sample_value("worker_lifecycle_errors_total", {"operation": operation})
    return value or 0.0


async def test_a_token_with_read_scope_is_required(pg_url: str, cache_prefix: str) -> None:
    async with app_client(settings_for(pg_url, cache_prefix), scopes=None) as client:
        anonymous = await client.get(WORKERS)
    async with app_client(settings_for(pg_url, cache_prefix), scopes=("write",)) as client:
        writer = await client.get(WORKERS)
    assert (anonymous.status_code, anonymous.json()["error"]) == (401, "unauthorized")
    assert writer.status_code == 403


async def test_this_worker_is_registered_and_its_start_is_an_event(
    pg_url: str, cache_prefix: str
) -> None:
    started = time.time()
    async with app_client(settings_for(pg_url, cache_prefix), scopes=("read",)) as client:
        await client.get("/health/live")
        response = await client.get(WORKERS)
    assert response.status_code == 200
    body = response.json()
    (me,) = body["workers"]
    assert (me["pid"], me["host"]) == (os.getpid(), socket.gethostname())
    assert me["cache_backend"] == "redis"
    assert me["requests_served"] >= 0
    for field in ("started_at", "last_heartbeat", "version"):
        assert me[field]
    (start,) = [e for e in body["events"] if e["event"] == "worker_started"]
    assert start["pid"] == os.getpid()
    assert int(start["id"].split("-")[0]) >= int(started * 1000) - 1000
    assert body["restarts"]["last_hour"] == {"starts": 1, "exits": 0, "by_reason": {}}


async def test_a_clean_stop_is_recorded_and_unregistered(pg_url: str, cache_prefix: str) -> None:
    settings = settings_for(pg_url, cache_prefix)
    async with app_client(settings, scopes=("read",)) as client:
        for _ in range(3):
            await client.get("/health/live")
    async with app_client(settings, scopes=("read",)) as client:
        body = (await client.get(WORKERS)).json()
    stopped = [e for e in body["events"] if e["event"] == "worker_stopped"]
    assert [(e["pid"], e["reason"], e["requests_served"]) for e in stopped] == [
        (os.getpid(), "normal", 3)
    ]
    assert len(body["workers"]) == 1  # the first "worker" unregistered itself
    assert body["restarts"]["last_hour"]["starts"] == 2


async def test_without_redis_the_worker_starts_and_the_endpoint_says_unknown(
    pg_url: str, cache_prefix: str
) -> None:
    before = _lifecycle_errors("register")
    settings = settings_for(pg_url, cache_prefix, redis_url="redis://127.0.0.1:1/0")
    async with app_client(settings, scopes=("read",)) as client:
        live = await client.get("/health/live")
        response = await client.get(WORKERS)
    assert live.status_code == 200
    assert (response.status_code, response.json()["error"]) == (503, "lifecycle_unavailable")
    assert _lifecycle_errors("register") == before + 1


async def test_redis_not_configured_is_503(pg_url: str, cache_prefix: str) -> None:
    settings = settings_for(pg_url, cache_prefix, redis_url="")
    async with app_client(settings, scopes=("read",)) as client:
        response = await client.get(WORKERS)
    assert (response.status_code, response.json()["error"]) == (503, "lifecycle_unavailable")
