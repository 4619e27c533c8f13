"""/metrics from a real gunicorn with two uvicorn workers: one truthful count for them all."""

from __future__ import annotations

import json
import signal
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.support.metrics import sample_value
from tests.support.servers import auth_headers, gunicorn_server, server_env

pytestmark = pytest.mark.slow

KPIS = "/api/v1/pagos/kpis"
REQUESTS = 120


def _get(url: str) -> int:
    # a new connection each time, so gunicorn spreads the requests over its workers
    headers = {"Connection": "close", **auth_headers()}
    return httpx.get(url, headers=headers, timeout=10).status_code


def test_request_count_is_exact_across_two_workers(
    pg_url: str, cache_prefix: str, tmp_path: Path
) -> None:
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    # a file left by an earlier run: wiped at master start, never added into today's counts
    (metrics_dir / "counter_99999.db").write_bytes(b"\x00" * 64)
    env = server_env(pg_url, cache_prefix, PROMETHEUS_MULTIPROC_DIR=str(metrics_dir))
    with gunicorn_server(env, tmp_path / "gunicorn.log", workers=2) as server:
        before = httpx.get(server.base_url + "/metrics").text
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(_get, [server.base_url + KPIS] * REQUESTS))
        scrapes = [httpx.get(server.base_url + "/metrics").text for _ in range(4)]
        log = server.log_lines()

    assert statuses == [200] * REQUESTS
    labels = {"method": "GET", "route": KPIS, "status_code": "200"}
    name = "http_server_request_duration_seconds_count"
    assert sample_value(before, name, **labels) == 0
    # every scrape, whichever worker answers it, sees all of them
    assert [sample_value(text, name, **labels) for text in scrapes] == [REQUESTS] * 4
    hits = sample_value(scrapes[-1], "cache_hits_total", namespace="kpis", backend="redis")
    misses = sample_value(scrapes[-1], "cache_misses_total", namespace="kpis", backend="redis")
    assert hits + misses == REQUESTS
    assert sample_value(scrapes[-1], "app_info") == 1  # one build, not one per worker
    assert sample_value(scrapes[-1], "cache_backend_workers", backend="redis") == 2

    # every line — ours, uvicorn's, gunicorn's master and workers — is one JSON object
    events = [json.loads(line) for line in log if line.strip()]
    assert any(e.get("logger") == "gunicorn.error" for e in events)
    served_by = Counter(e["worker_pid"] for e in events if e.get("route") == KPIS)
    assert sum(served_by.values()) == REQUESTS  # one `request` line per request
    assert len(served_by) == 2, f"one worker served everything: {served_by}"
    selected = [e for e in events if e["event"] == "cache_backend_selected"]
    assert sorted(e["backend"] for e in selected) == ["redis", "redis"]  # once per worker


@pytest.mark.parametrize("own_dir", [False, True])
def test_the_metrics_directory_pagos_made_goes_with_the_server(
    sqlite_url: str, cache_prefix: str, tmp_path: Path, own_dir: bool
) -> None:
    operator_dir = tmp_path / "operator-metrics"
    extra = {"PROMETHEUS_MULTIPROC_DIR": str(operator_dir)} if own_dir else {}
    env = server_env(sqlite_url, cache_prefix, **extra)
    with gunicorn_server(env, tmp_path / "gunicorn.log", workers=1) as server:
        port = server.base_url.rsplit(":", 1)[1]
        used = operator_dir if own_dir else Path(tempfile.gettempdir()) / f"pagos-prometheus-{port}"
        assert any(used.glob("*.db"))  # the worker counts into it
        process = server.process
    assert process.poll() is not None
    assert used.exists() == own_dir  # the operator's directory is theirs to keep


def test_workers_know_the_worker_count_a_command_line_option_set(
    sqlite_url: str, cache_prefix: str, tmp_path: Path
) -> None:
    # one worker on the memory cache is no warning; WEB_CONCURRENCY=2 would make it one
    env = server_env(sqlite_url, cache_prefix, REDIS_URL="redis://127.0.0.1:1/0")
    args = ["--workers", "1"]
    with gunicorn_server(env, tmp_path / "gunicorn.log", workers=2, extra_args=args) as server:
        log = [json.loads(line) for line in server.log_lines() if line.startswith("{")]
    (selected,) = [e for e in log if e["event"] == "cache_backend_selected"]
    assert (selected["backend"], selected["workers"], selected["level"]) == ("memory", 1, "info")


def test_a_worker_added_by_ttin_knows_the_new_worker_count(
    sqlite_url: str, cache_prefix: str, tmp_path: Path
) -> None:
    env = server_env(sqlite_url, cache_prefix, REDIS_URL="redis://127.0.0.1:1/0")
    with gunicorn_server(env, tmp_path / "gunicorn.log", workers=1) as server:
        server.process.send_signal(signal.SIGTTIN)
        deadline = time.monotonic() + 30
        while True:
            log = [json.loads(line) for line in server.log_lines() if line.startswith("{")]
            selected = [e for e in log if e["event"] == "cache_backend_selected"]
            if len(selected) == 2 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
    # the first worker started alone; the second knows there are two, both on memory
    assert [(e["workers"], e["level"]) for e in selected] == [(1, "info"), (2, "warning")]
