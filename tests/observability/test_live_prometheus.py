"""The dashboards and rules against the real thing: pagos under gunicorn (2 workers, real
PostgreSQL, a Redis of the test's own), a real Prometheus scraping it every second with
alerts/*.yml loaded, and traffic a user would cause: hits, misses, stale answers, slow and
small answers, killed workers, Redis stopped for a while. Then, through Prometheus's HTTP
API: every panel query and recording rule returns data, no rule fails to evaluate, and the
expected alerts (and only those) are pending or firing."""

from __future__ import annotations

import json
import math
import os
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from telemetry.observe import local_prometheus, prometheus_config, rule_files
from tests.observability.queries import dashboard_queries, recorded_names
from tests.support.databases import create_pg_database, drop_pg_database
from tests.support.metrics import sample_value
from tests.support.redis_server import redis_server
from tests.support.servers import ServerProcess, free_port, gunicorn_server, server_env
from tests.support.tcpproxy import TcpProxy, tcp_proxy

pytestmark = pytest.mark.slow

KPIS = "/api/v1/pagos/kpis"
SUMMARY = "/api/v1/notificaciones/estadisticas/resumen"
# what Grafana would put in the queries' variables for this test's Prometheus
GRAFANA_VARIABLES = {"$__rate_interval": "1m", "$__range": "5m", "$job": "pagos"}
ALWAYS_EXPECTED = {"PagosWorkerKilled", "PagosWorkerRestartsFrequent", "PagosSmallResponsesSpike"}
WHILE_REDIS_IS_DOWN = {"PagosCacheMemoryWithSeveralWorkers", "PagosCacheRedisFallback"}


class Prometheus:
    def __init__(self, url: str) -> None:
        self.url = url

    def _get(self, path: str, **params: object) -> Any:
        answer = httpx.get(self.url + path, params=params, timeout=10)  # type: ignore[arg-type]
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["status"] == "success", body
        return body["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._get("/api/v1/query", query=expr)["result"]
        return result

    def value(self, expr: str) -> float | None:
        result = self.query(expr)
        return float(result[0]["value"][1]) if result else None

    def range_values(self, expr: str, start: float) -> list[float]:
        data = self._get("/api/v1/query_range", query=expr, start=start, end=time.time(), step="1s")
        return [float(v) for series in data["result"] for _, v in series["values"]]

    def alerts(self) -> dict[str, set[str]]:
        """Active alerts by name, with their states (pending, firing)."""
        found: dict[str, set[str]] = {}
        for alert in self._get("/api/v1/alerts")["alerts"]:
            found.setdefault(alert["labels"]["alertname"], set()).add(alert["state"])
        return found

    def alert_descriptions(self, name: str) -> list[str]:
        return [
            alert["annotations"]["description"]
            for alert in self._get("/api/v1/alerts")["alerts"]
            if alert["labels"]["alertname"] == name
        ]

    def rules(self) -> list[dict[str, Any]]:
        groups = self._get("/api/v1/rules")["groups"]
        return [rule for group in groups for rule in group["rules"]]


def wait_for(
    what: str, check: Callable[[], bool], timeout: float = 15.0, *, required: bool = True
) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            if required:
                raise AssertionError(f"timed out waiting for {what}")
            return  # the assertions that follow say what is different
        time.sleep(0.2)


def worker_pids(master: int) -> set[int]:
    pids = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        if int(fields[1]) == master:
            pids.add(int(stat.parent.name))
    return pids


def server_metric(server: ServerProcess, name: str, **labels: str) -> float:
    answer = httpx.get(server.base_url + "/metrics")
    if answer.status_code != 200:
        # a scrape racing a new worker's metric file can fail (prometheus/client_python#1199)
        return math.nan
    return sample_value(answer.text, name, **labels)


class Traffic:
    """Requests as a user sends them, with what the user saw (X-Cache) counted."""

    def __init__(self, server: ServerProcess, database: TcpProxy) -> None:
        self.server = server
        self.database = database
        self.seen: Counter[tuple[str, str]] = Counter()

    def get(self, path: str, **params: int) -> httpx.Response:
        answer = httpx.get(
            self.server.base_url + path, params=params, headers=self.server.headers, timeout=10
        )
        assert answer.status_code == 200, answer.text
        self.seen[(path, answer.headers.get("x-cache", "none"))] += 1
        return answer

    def kpis(self, months: range, repeats: int = 1) -> None:
        for _ in range(repeats):
            for month in months:
                self.get(KPIS, mes=month, **{"año": 2020})

    def burst(self, month: int, requests: int = 8) -> None:
        """Concurrent misses of one key while the database is slow: they wait for one
        computation (single-flight) instead of each running it."""
        self.database.delay_seconds = 0.03
        try:
            with ThreadPoolExecutor(max_workers=requests) as pool:
                list(
                    pool.map(lambda _: self.get(KPIS, mes=month, **{"año": 2019}), range(requests))
                )
        finally:
            self.database.delay_seconds = 0.0


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    url = create_pg_database("observe")
    yield url
    drop_pg_database(url)


def test_every_panel_and_rule_has_data_and_the_right_alerts_fire(
    database: str, cache_prefix: str, tmp_path: Path
) -> None:
    with redis_server(tmp_path) as redis, tcp_proxy("127.0.0.1", 5432) as proxy:
        env = server_env(
            database.replace(":5432/", f":{proxy.port}/"),  # a database the test can slow
            cache_prefix,
            REDIS_URL=redis.url,
            # every KPI answer counts as slow and as small: real thresholds, set by env
            PAGOS_SLOW_ROUTE_SECONDS=json.dumps({KPIS: 0.0001}),
            PAGOS_SMALL_RESPONSE_BYTES=json.dumps({KPIS: 100_000, SUMMARY: 70}),
            PAGOS_CACHE_KPIS_TTL_SECONDS="1",  # stale answers after a second
            PAGOS_CACHE_PROBE_INTERVAL_SECONDS="0.5",
            PAGOS_REDIS_RETRY_AFTER_SECONDS="1",
        )
        with gunicorn_server(env, tmp_path / "gunicorn.log", workers=2) as server:
            target = server.base_url.removeprefix("http://")
            config = prometheus_config(
                [target], rule_files(), scrape_interval_seconds=1, evaluation_interval_seconds=1
            )
            with local_prometheus(config, tmp_path / "prometheus", free_port()) as local:
                prometheus = Prometheus(local.url)
                _run(server, redis, prometheus, Traffic(server, proxy))


def _run(server: ServerProcess, redis: Any, prometheus: Prometheus, traffic: Traffic) -> None:
    started = time.time()
    wait_for(
        "both workers on Redis, scraped",
        lambda: prometheus.value('sum(cache_backend_workers{backend="redis"})') == 2,
    )
    # a killed worker's exit is an increase from 0, not a series appearing at 1
    assert prometheus.value('worker_exits_total{reason="sigkill"}') == 0

    # hits, misses, single-flight waits, stale answers, declared-empty answers
    traffic.kpis(range(1, 7))
    traffic.burst(7)
    traffic.burst(8)
    traffic.kpis(range(1, 7), repeats=8)
    time.sleep(1.2)  # past the 1 s fresh TTL: stale answers while one worker recomputes
    traffic.kpis(range(1, 7), repeats=3)
    for _ in range(10):
        assert traffic.get(SUMMARY).json()["total"] == 0

    # three workers killed, one after the other; gunicorn replaces each
    master = server.process.pid
    for _ in range(3):
        victim = min(worker_pids(master))
        os.kill(victim, signal.SIGKILL)
        wait_for(
            "a replacement worker",
            lambda victim=victim: (
                (pids := worker_pids(master))
                and len(pids) == 2
                and victim not in pids
                and server_metric(server, "workers_alive") == 2
            ),
        )
        traffic.kpis(range(1, 7))

    # Redis stopped for a while: both workers fall back to memory, and say so
    redis.stop()
    wait_for(
        "both workers on memory, scraped",
        lambda: prometheus.value('sum(cache_backend_workers{backend="memory"})') == 2,
    )
    wait_for(
        "the memory-cache alerts",
        lambda: prometheus.alerts().keys() >= WHILE_REDIS_IS_DOWN,
    )
    while_down = prometheus.alerts()
    traffic.kpis(range(1, 4), repeats=2)
    redis.start()
    wait_for(
        "both workers back on Redis, scraped",
        lambda: prometheus.value('sum(cache_backend_workers{backend="redis"})') == 2,
    )
    traffic.kpis(range(1, 7), repeats=4)

    # every scraped sample counted what the user saw (killed workers' counts included)
    time.sleep(1.5)  # one more scrape
    hits = prometheus.value('sum(cache_hits_total{namespace="kpis"})')
    stale = prometheus.value('sum(cache_stale_served_total{namespace="kpis"})')
    misses = prometheus.value('sum(cache_misses_total{namespace="kpis"})')
    seen = {outcome: n for (path, outcome), n in traffic.seen.items() if path == KPIS}
    assert (hits, stale, misses) == (seen["hit"], seen["stale"], seen["miss"])

    wait_for(
        "the end-of-test alerts",
        lambda: prometheus.alerts().keys() == ALWAYS_EXPECTED,
        required=False,
    )
    at_the_end = prometheus.alerts()
    killed = prometheus.alert_descriptions("PagosWorkerKilled")
    empty = _queries_without_data(prometheus, started)
    broken = [
        (rule["name"], rule.get("lastError"))
        for rule in prometheus.rules()
        if rule["health"] != "ok"
    ]

    assert {name: while_down[name] for name in WHILE_REDIS_IS_DOWN} == {
        "PagosCacheMemoryWithSeveralWorkers": {"pending"},  # for: 2m
        "PagosCacheRedisFallback": {"pending"},  # for: 1m
    }
    assert at_the_end == {
        "PagosWorkerKilled": {"firing"},
        "PagosWorkerRestartsFrequent": {"firing"},
        "PagosSmallResponsesSpike": {"pending"},  # for: 5m
    }
    assert len(killed) == 1 and killed[0].startswith("3 worker(s) of pagos ended by sigkill")
    assert broken == []
    assert empty == []


def _queries_without_data(prometheus: Prometheus, since: float) -> list[str]:
    """Every dashboard query (Grafana's variables filled in) and every recording rule that
    returned no finite value over the test."""
    empty = []
    for query in dashboard_queries():
        expr = query.expr
        for variable, value in GRAFANA_VARIABLES.items():
            expr = expr.replace(variable, value)
        if not any(math.isfinite(v) for v in prometheus.range_values(expr, since)):
            empty.append(f"{query.where}: {expr}")
    for name in sorted(recorded_names()):
        if not any(math.isfinite(v) for v in prometheus.range_values(name, since)):
            empty.append(f"recording rule {name}")
    return empty
