"""The cache as users notice it: X-Cache, the counters in /metrics, the log line, and what
happens when Redis is not there."""

from __future__ import annotations

import asyncio
import json
import socket
import statistics
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import redis

from service.cache.codec import Entry, UndecodableValue, decode, encode
from tests.support.book import Book
from tests.support.databases import truncate_book
from tests.support.metrics import sample_value
from tests.support.servers import (
    REDIS_URL,
    ROOT,
    app_client,
    server_env,
    settings_for,
    uvicorn_server,
)

KPIS = "/api/v1/pagos/kpis"
CLOSED_PORT_REDIS = "redis://127.0.0.1:1/0"


def test_values_survive_the_trip_as_json_with_their_types() -> None:
    value = {
        "amount": Decimal("1450.10"),
        "due": date(2026, 3, 31),
        "at": datetime(2026, 3, 31, 23, 59, tzinfo=UTC),
        "list": [Decimal("0.01"), 3, "x"],
    }
    raw = encode(Entry(value, 1234.5))
    assert json.loads(raw)["format"] == 2  # JSON with a format version, never pickle
    assert decode(raw) == Entry(value, 1234.5)


@pytest.mark.parametrize("raw", [b"\x80\x04K\x01.", b"{}", b'{"format": 99, "value": 1}', b"nul"])
def test_foreign_or_corrupt_values_are_refused(raw: bytes) -> None:
    with pytest.raises(UndecodableValue):
        decode(raw)


async def test_second_read_is_a_hit_counted_for_redis(pg_url: str, cache_prefix: str) -> None:
    async with app_client(settings_for(pg_url, cache_prefix)) as client:
        metrics = (await client.get("/metrics")).text
        hits = sample_value(metrics, "cache_hits_total", namespace="kpis", backend="redis")
        misses = sample_value(metrics, "cache_misses_total", namespace="kpis", backend="redis")
        first = await client.get(KPIS, params={"mes": 1, "año": 2024})
        second = await client.get(KPIS, params={"mes": 1, "año": 2024})
        other = await client.get(KPIS, params={"mes": 2, "año": 2024})
        metrics = (await client.get("/metrics")).text
    assert [first.headers["x-cache"], second.headers["x-cache"]] == ["miss", "hit"]
    assert other.headers["x-cache"] == "miss"  # parameters are part of the key
    assert first.json() == second.json()
    assert sample_value(metrics, "cache_hits_total", namespace="kpis", backend="redis") == hits + 1
    assert (
        sample_value(metrics, "cache_misses_total", namespace="kpis", backend="redis") == misses + 2
    )


async def test_redis_at_a_closed_port_serves_correct_answers_from_memory(
    pg_url: str, cache_prefix: str, capfd: pytest.CaptureFixture[str]
) -> None:
    await truncate_book(pg_url)
    book = Book()
    client_id = book.client()
    book.notification(client_id, "ENVIADA", read=False)
    await book.write(pg_url)
    settings = settings_for(pg_url, cache_prefix, redis_url=CLOSED_PORT_REDIS, web_concurrency=2)
    async with app_client(settings) as client:
        before = (await client.get("/metrics")).text
        outcomes = []
        for _ in range(3):
            response = await client.get("/api/v1/notificaciones/estadisticas/resumen")
            assert response.status_code == 200
            assert response.json()["total"] == 1 and response.json()["enviadas"] == 1
            outcomes.append(response.headers["x-cache"])
        after = (await client.get("/metrics")).text
    assert outcomes == ["miss", "hit", "hit"]
    hits = "cache_hits_total"
    assert sample_value(after, hits, namespace="notificaciones", backend="memory") == (
        sample_value(before, hits, namespace="notificaciones", backend="memory") + 2
    )
    assert sample_value(after, "cache_backend_workers", backend="memory") >= 1
    events = [
        json.loads(line) for line in capfd.readouterr().err.splitlines() if line.startswith("{")
    ]
    selected = [e for e in events if e["event"] == "cache_backend_selected"]
    assert [e["backend"] for e in selected] == ["memory"]  # said once, truthfully
    assert selected[0]["level"] == "warning"  # memory cache while two workers run


@pytest.fixture
def silent_redis() -> Iterator[str]:
    """A port that accepts connections and never answers: the worst Redis there is."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"


async def _durations(client: httpx.AsyncClient, count: int) -> list[float]:
    durations = []
    for index in range(count):
        started = time.perf_counter()
        response = await client.get(KPIS, params={"mes": index % 12 + 1, "año": 2020})
        durations.append(time.perf_counter() - started)
        assert response.status_code == 200
    return durations


async def test_a_silent_redis_costs_a_request_one_timeout_at_most(
    pg_url: str, cache_prefix: str, silent_redis: str
) -> None:
    async with app_client(settings_for(pg_url, cache_prefix, redis_url="")) as client:
        baseline = await _durations(client, 12)
    # the breaker re-probes Redis after 1 ms here, so every request tries it and times out
    settings = settings_for(
        pg_url,
        cache_prefix,
        redis_url=silent_redis,
        redis_retry_after_seconds=0.001,
        redis_connect_timeout_seconds=0.05,
        redis_socket_timeout_seconds=0.05,
    )
    async with app_client(settings) as client:
        errors_before = sample_value((await client.get("/metrics")).text, "cache_errors_total")
        slowed = await _durations(client, 12)
        errors_after = sample_value((await client.get("/metrics")).text, "cache_errors_total")
    assert errors_after - errors_before >= 12  # each request tried Redis, and timed out
    extra = max(slowed) - statistics.median(baseline)
    # one 50 ms timeout per request at most (with 50 ms of slack for a busy machine)
    assert extra < 0.1, f"a request lost {extra * 1000:.0f} ms to a silent Redis"


async def test_miss_in_one_process_is_a_hit_in_another(
    pg_url: str, cache_prefix: str, tmp_path: Path
) -> None:
    env = server_env(pg_url, cache_prefix)
    with (
        uvicorn_server(env, tmp_path / "a.log") as first,
        uvicorn_server(env, tmp_path / "b.log") as second,
    ):
        async with httpx.AsyncClient(headers=first.headers) as http:
            miss = await http.get(first.base_url + KPIS, params={"mes": 5, "año": 2023})
            hit = await http.get(second.base_url + KPIS, params={"mes": 5, "año": 2023})
    assert first.process.pid != second.process.pid
    assert (miss.headers["x-cache"], hit.headers["x-cache"]) == ("miss", "hit")
    assert miss.json() == hit.json()


async def test_concurrent_misses_in_one_worker_compute_once(pg_url: str, cache_prefix: str) -> None:
    async with app_client(settings_for(pg_url, cache_prefix)) as client:
        name = "cache_compute_duration_seconds_count"
        before = sample_value((await client.get("/metrics")).text, name, namespace="kpis")
        answers = await asyncio.gather(
            *(client.get(KPIS, params={"mes": 7, "año": 2022}) for _ in range(20))
        )
        after = sample_value((await client.get("/metrics")).text, name, namespace="kpis")
    assert [a.status_code for a in answers] == [200] * 20
    assert len({a.text for a in answers}) == 1
    assert after - before == 1


async def test_a_value_that_does_not_decode_is_a_counted_miss(
    pg_url: str, cache_prefix: str
) -> None:
    store = redis.Redis.from_url(REDIS_URL)
    async with app_client(settings_for(pg_url, cache_prefix)) as client:
        first = await client.get(KPIS, params={"mes": 8, "año": 2022})
        keys = [
            k
            for k in store.scan_iter(match=f"{cache_prefix}:kpis:*")
            if not k.endswith((b":lock", b":generation"))
        ]
        for key in keys:
            store.set(key, b"\x80\x04\x95 not ours")  # e.g. a pickle from another program
        errors = sample_value(
            (await client.get("/metrics")).text,
            "cache_errors_total",
            backend="redis",
            operation="decode",
        )
        again = await client.get(KPIS, params={"mes": 8, "año": 2022})
        errors_after = sample_value(
            (await client.get("/metrics")).text,
            "cache_errors_total",
            backend="redis",
            operation="decode",
        )
    store.close()
    assert len(keys) == 1
    assert again.headers["x-cache"] == "miss"
    assert again.json() == first.json()
    assert errors_after == errors + 1


async def test_two_deployments_sharing_a_redis_never_read_each_other(
    pg_url: str, cache_prefix: str
) -> None:
    async with app_client(settings_for(pg_url, cache_prefix + "-staging")) as staging:
        await staging.get(KPIS, params={"mes": 9, "año": 2022})
    async with app_client(settings_for(pg_url, cache_prefix)) as production:
        response = await production.get(KPIS, params={"mes": 9, "año": 2022})
    store = redis.Redis.from_url(REDIS_URL)
    for key in store.scan_iter(match=f"{cache_prefix}-staging:*"):
        store.delete(key)
    store.close()
    assert response.headers["x-cache"] == "miss"


def test_nothing_in_pagos_flushes_a_whole_redis_database() -> None:
    sources = [*ROOT.joinpath("service").rglob("*.py"), *ROOT.joinpath("telemetry").rglob("*.py")]
    offenders = [
        path.name
        for path in sources
        if any(word in path.read_text().lower() for word in ("flushdb", "flushall"))
    ]
    assert offenders == []


async def test_memory_with_a_single_worker_is_said_at_info_level(
    pg_url: str, cache_prefix: str, capfd: pytest.CaptureFixture[str]
) -> None:
    settings = settings_for(pg_url, cache_prefix, redis_url=CLOSED_PORT_REDIS, web_concurrency=1)
    async with app_client(settings) as client:
        assert (await client.get(KPIS)).status_code == 200
    events = [
        json.loads(line) for line in capfd.readouterr().err.splitlines() if line.startswith("{")
    ]
    selected = [e for e in events if e["event"] == "cache_backend_selected"]
    assert [(e["backend"], e["level"]) for e in selected] == [("memory", "info")]


async def test_memory_cache_forgets_within_its_ttl_what_other_workers_may_have_changed(
    pg_url: str, cache_prefix: str
) -> None:
    await truncate_book(pg_url)
    book = Book()
    client_id = book.client()
    book.notification(client_id, "ENVIADA", read=False)
    await book.write(pg_url)
    settings = settings_for(pg_url, cache_prefix, redis_url="", cache_memory_ttl_seconds=0.3)
    summary = "/api/v1/notificaciones/estadisticas/resumen"
    async with app_client(settings) as client:
        first = await client.get(summary)
        other = Book()  # a write this worker never heard of (another worker, Redis away)
        other.clients = [{"id": 2, "cedula": "V20000002", "name": "Otra", "status": "ACTIVO"}]
        other.notification(2, "FALLIDA", read=False)
        other.notifications[0]["id"] = 2
        await other.write(pg_url)
        cached = await client.get(summary)
        await asyncio.sleep(0.4)
        later = await client.get(summary)
    assert (first.json()["total"], cached.json()["total"]) == (1, 1)
    assert cached.headers["x-cache"] == "hit"
    assert (later.headers["x-cache"], later.json()["total"]) == ("miss", 2)
