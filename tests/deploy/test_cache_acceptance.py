"""The cache's promises on a real gunicorn with two workers, real Redis, real PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.support.book import Book, read_rows
from tests.support.databases import create_pg_database, drop_pg_database
from tests.support.metrics import sample_value
from tests.support.redis_server import redis_server
from tests.support.reference import reference_kpis
from tests.support.servers import ServerProcess, auth_headers, gunicorn_server, server_env
from tests.support.tcpproxy import tcp_proxy

pytestmark = pytest.mark.slow

TZ = ZoneInfo("America/Caracas")
KPIS = "/api/v1/pagos/kpis"
HEADERS = {**auth_headers(), "Connection": "close"}


@pytest.fixture(scope="module")
def book_url() -> Iterator[str]:
    """A small book with money in this month, and the reference answers for it."""
    url = create_pg_database("cache")
    today = datetime.now(TZ).date()
    book = Book()
    for index in range(6):
        client = book.client()
        loan = book.loan(
            client,
            [
                (today - timedelta(days=20), "100.00", "100.00" if index % 2 else "10.00"),
                (today + timedelta(days=10), "100.00", "0.00"),
            ],
        )
        paid_at = datetime(today.year, today.month, 1, 9, tzinfo=TZ)
        book.payment(client, paid_at, f"{10 + index}.50", loan_id=loan)
    asyncio.run(book.write(url))
    yield url
    drop_pg_database(url)


def expected_kpis(url: str, month: int, year: int) -> dict[str, object]:
    rows = asyncio.run(read_rows(url))
    return reference_kpis(
        payments=rows["payments"],
        installments=rows["installments"],
        loans=rows["loans"],
        year=year,
        month=month,
        today=datetime.now(TZ).date(),
        tz=TZ,
    )


def metric(server: ServerProcess, name: str, **labels: str) -> float:
    return sample_value(httpx.get(server.base_url + "/metrics").text, name, **labels)


def wait_for_metric(
    server: ServerProcess, name: str, value: float, timeout: float = 10, **labels: str
) -> float:
    deadline = time.monotonic() + timeout
    while (seen := metric(server, name, **labels)) != value and time.monotonic() < deadline:
        time.sleep(0.1)
    return seen


def get(server: ServerProcess, params: dict[str, int] | None = None) -> httpx.Response:
    return httpx.get(server.base_url + KPIS, params=params, headers=HEADERS, timeout=10)


def test_cold_cache_50_concurrent_requests_compute_once(
    book_url: str, cache_prefix: str, tmp_path: Path
) -> None:
    today = datetime.now(TZ).date()
    expected = expected_kpis(book_url, today.month, today.year)
    # generous Redis timeouts: this is about single-flight, not about a slow Redis
    env = server_env(
        book_url,
        cache_prefix,
        PAGOS_REDIS_SOCKET_TIMEOUT_SECONDS="2",
        PAGOS_REDIS_CONNECT_TIMEOUT_SECONDS="2",
    )
    with gunicorn_server(env, tmp_path / "g.log") as server:
        assert wait_for_metric(server, "cache_backend_workers", 2, backend="redis") == 2
        computed = metric(server, "cache_compute_duration_seconds_count", namespace="kpis")
        with ThreadPoolExecutor(max_workers=50) as pool:
            answers = list(pool.map(lambda _: get(server), range(50)))
        computed_after = metric(server, "cache_compute_duration_seconds_count", namespace="kpis")
        events = [json.loads(line) for line in server.log_lines() if line.startswith("{")]
    assert [a.status_code for a in answers] == [200] * 50
    assert all(a.json() == expected for a in answers)
    assert computed_after - computed == 1
    request_lines = [e for e in events if e["event"] == "request" and e["route"] == KPIS]
    assert len(request_lines) == 50
    assert {e["cache"] for e in request_lines} <= {"hit", "miss"}


def _steady_load(
    server: ServerProcess, seconds: float, results: list[tuple[int, float, dict]]
) -> None:
    deadline = time.monotonic() + seconds
    index = 0
    while time.monotonic() < deadline:
        started = time.perf_counter()
        try:
            response = get(server, {"mes": index % 3 + 1, "año": 2020})
            results.append((response.status_code, time.perf_counter() - started, response.json()))
        except httpx.HTTPError as exc:
            results.append((0, time.perf_counter() - started, {"error": repr(exc)}))
        index += 1
        time.sleep(0.02)


def test_redis_stopped_under_load_costs_nothing_and_comes_back(
    book_url: str, cache_prefix: str, tmp_path: Path
) -> None:
    expected = {m: expected_kpis(book_url, m, 2020) for m in (1, 2, 3)}
    with redis_server(tmp_path) as redis:
        env = server_env(book_url, cache_prefix, REDIS_URL=redis.url)
        with gunicorn_server(env, tmp_path / "g.log") as server:
            assert wait_for_metric(server, "cache_backend_workers", 2, backend="redis") == 2
            results: list[tuple[int, float, dict]] = []
            with ThreadPoolExecutor(max_workers=4) as pool:
                loads = [pool.submit(_steady_load, server, 7.0, results) for _ in range(4)]
                time.sleep(1.5)
                redis.stop()
                time.sleep(3.0)
                on_memory = metric(server, "cache_backend_workers", backend="memory")
                ops_down = httpx.get(server.base_url + "/api/v1/ops/cache", headers=HEADERS)
                redis.start()
                for load in loads:
                    load.result()
            back_on_redis = wait_for_metric(server, "cache_backend_workers", 2, backend="redis")
            on_memory_at_end = metric(server, "cache_backend_workers", backend="memory")
            events = [json.loads(line) for line in server.log_lines() if line.startswith("{")]

    assert len(results) > 100
    assert [r for r in results if r[0] != 200] == []
    for _status, _, body in results:
        assert body == expected[body["mes"]]
    # as the server measured them: the test's own threads share the two cores with it
    served = [e["duration_ms"] for e in events if e["event"] == "request" and e["route"] == KPIS]
    assert len(served) == len(results)
    assert max(served) < 300, f"a request took {max(served):.0f} ms while Redis went away"
    assert on_memory == 2  # both workers said they serve from memory
    # the other worker's state lives in Redis: the answer says it speaks for one worker only
    assert ops_down.status_code == 200
    assert (ops_down.json()["complete"], len(ops_down.json()["workers"])) == (False, 1)
    assert ops_down.json()["backends"] == {"memory": 1}
    assert (back_on_redis, on_memory_at_end) == (2, 0)


def test_silent_redis_costs_a_timeout_only_until_the_breaker_opens(
    book_url: str, cache_prefix: str, tmp_path: Path
) -> None:
    import socket

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)
        env = server_env(
            book_url,
            cache_prefix,
            REDIS_URL=f"redis://127.0.0.1:{silent.getsockname()[1]}/0",
            PAGOS_REDIS_SOCKET_TIMEOUT_SECONDS="0.2",
            PAGOS_REDIS_CONNECT_TIMEOUT_SECONDS="0.2",
            PAGOS_REDIS_RETRY_AFTER_SECONDS="60",
            PAGOS_CACHE_PROBE_INTERVAL_SECONDS="60",
        )
        with gunicorn_server(env, tmp_path / "g.log") as server:
            assert wait_for_metric(server, "cache_backend_workers", 2, backend="memory") == 2
            durations = []
            for index in range(40):
                started = time.perf_counter()
                assert get(server, {"mes": index % 12 + 1, "año": 2019}).status_code == 200
                durations.append(time.perf_counter() - started)
            errors = metric(server, "cache_errors_total", backend="redis")
            more = [get(server, {"mes": 5, "año": 2018}).status_code for _ in range(20)]
            errors_after = metric(server, "cache_errors_total", backend="redis")

    # 3 consecutive failures open each worker's breaker; the start-up probe was the first
    assert errors == 6
    assert errors_after == errors and more == [200] * 20  # open: Redis is not touched
    slowed = [d for d in durations if d >= 0.2]
    assert len(slowed) <= 4, f"{len(slowed)} requests paid a Redis timeout"
    assert max(durations) < 0.2 + 0.25  # never more than one timeout each


def test_database_down_serves_stale_then_503(
    book_url: str, cache_prefix: str, tmp_path: Path
) -> None:
    today = datetime.now(TZ).date()
    expected = expected_kpis(book_url, today.month, today.year)
    port = int(book_url.split(":")[2].split("/")[0])
    with tcp_proxy("127.0.0.1", port) as proxy:
        proxied = book_url.replace(f":{port}/", f":{proxy.port}/")
        env = server_env(
            proxied,
            cache_prefix,
            PAGOS_CACHE_KPIS_TTL_SECONDS="1",
            PAGOS_CACHE_KPIS_STALE_TTL_SECONDS="4",
        )
        with gunicorn_server(env, tmp_path / "g.log") as server:
            warm = get(server)
            warmed_at = time.monotonic()
            proxy.cut()  # the database is gone
            time.sleep(1.3)  # past the fresh TTL
            stale = [get(server) for _ in range(6)]
            stale_served = metric(server, "cache_stale_served_total", namespace="kpis")
            time.sleep(0.5)
            refresh_errors = metric(server, "cache_refresh_errors_total", namespace="kpis")
            time.sleep(max(0.0, 4.3 - (time.monotonic() - warmed_at)))  # past the stale TTL
            gone = get(server)

    assert (warm.status_code, warm.headers["x-cache"]) == (200, "miss")
    assert [(r.status_code, r.headers["x-cache"]) for r in stale] == [(200, "stale")] * 6
    assert all(r.json() == expected for r in stale)
    assert stale_served == 6
    assert refresh_errors >= 1  # the recompute failed, and said so
    assert gone.status_code == 503
    assert gone.json()["error"] == "database_unavailable"


def test_ops_cache_shows_every_worker_and_the_hit_ratio(
    book_url: str, cache_prefix: str, tmp_path: Path
) -> None:
    env = server_env(book_url, cache_prefix, PAGOS_CACHE_PROBE_INTERVAL_SECONDS="0.2")
    with gunicorn_server(env, tmp_path / "g.log") as server:
        assert wait_for_metric(server, "cache_backend_workers", 2, backend="redis") == 2
        outcomes = [
            get(server, {"mes": i % 4 + 1, "año": 2021}).headers["x-cache"] for i in range(40)
        ]
        time.sleep(0.8)  # every worker has published its counts since
        answer = httpx.get(server.base_url + "/api/v1/ops/cache", headers=HEADERS)
        anonymous = httpx.get(server.base_url + "/api/v1/ops/cache")
    assert answer.status_code == 200
    body = answer.json()
    assert len(body["workers"]) == 2
    assert {w["backend"] for w in body["workers"]} == {"redis"}
    assert {w["circuit"] for w in body["workers"]} == {"closed"}
    assert body["backends"] == {"redis": 2} and body["complete"] is True
    hits, misses = outcomes.count("hit"), outcomes.count("miss")
    assert (body["lookups"]["hits"], body["lookups"]["misses"]) == (hits, misses)
    assert body["hit_ratio"] == round(hits / 40, 4)
    assert anonymous.status_code == 401
