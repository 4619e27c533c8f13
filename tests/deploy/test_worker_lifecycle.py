"""Worker lifecycle under a real gunicorn, real Redis and real PostgreSQL: kills, timeouts and
restarts of the whole service are counted, explained and remembered."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from tests.support.metrics import sample_value
from tests.support.servers import ServerProcess, auth_headers, gunicorn_server, server_env

pytestmark = pytest.mark.slow
T = TypeVar("T")
WORKERS = "/api/v1/ops/workers"


def worker_pids(server: ServerProcess) -> set[int]:
    """The master's children, as the kernel sees them."""
    out = subprocess.run(
        ["pgrep", "-P", str(server.process.pid)], capture_output=True, text=True, check=False
    ).stdout
    return {int(pid) for pid in out.split()}


def wait_for(
    fetch: Callable[[], T], ok: Callable[[T], bool], what: str, timeout: float = 15.0
) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = fetch()
        if ok(value):
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}; last seen: {value!r}")


def metrics(server: ServerProcess) -> str:
    return httpx.get(server.base_url + "/metrics", timeout=5).text


def ops_workers(server: ServerProcess) -> dict[str, Any]:
    response = httpx.get(server.base_url + WORKERS, headers=auth_headers(("read",)), timeout=5)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def log_events(server: ServerProcess, event: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in server.log_lines() if line.startswith("{")]
    return [line for line in lines if line.get("event") == event]


def test_kill_9_is_counted_replaced_listed_and_remembered_across_restarts(
    pg_url: str, cache_prefix: str, tmp_path: Path
) -> None:
    env = server_env(pg_url, cache_prefix, PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prom"))
    with gunicorn_server(env, tmp_path / "first.log", workers=2) as server:
        original = wait_for(lambda: worker_pids(server), lambda p: len(p) == 2, "2 workers")
        wait_for(lambda: metrics(server), lambda m: sample_value(m, "workers_alive") == 2, "2")
        before = metrics(server)
        assert sample_value(before, "worker_starts_total") == 2
        assert sample_value(before, "worker_exits_total") == 0

        victim = min(original)
        os.kill(victim, signal.SIGKILL)

        now = wait_for(
            lambda: worker_pids(server), lambda p: len(p) == 2 and victim not in p, "a new one"
        )
        replacement = (now - original).pop()
        after = wait_for(
            lambda: metrics(server),
            lambda m: (
                sample_value(m, "worker_starts_total") == 3
                and sample_value(m, "workers_alive") == 2
            ),
            "the replacement to start",
        )
        assert sample_value(after, "worker_exits_total", reason="sigkill") == 1
        assert sample_value(after, "worker_exits_total") == 1  # nothing else
        assert sample_value(after, "worker_starts_total") == 3

        ops = ops_workers(server)
        assert sorted(w["pid"] for w in ops["workers"]) == sorted(now)
        assert all(w["cache_backend"] == "redis" for w in ops["workers"])
        killed = [e for e in ops["events"] if e["event"] == "worker_exited"]
        assert [(e["pid"], e["reason"], e["signal"], e["possible_oom"]) for e in killed] == [
            (victim, "sigkill", "SIGKILL", True)
        ]
        started = [e["pid"] for e in ops["events"] if e["event"] == "worker_started"]
        assert sorted(started) == sorted([*original, replacement])
        assert ops["restarts"]["last_hour"]["by_reason"] == {"sigkill": 1}
        assert ops["restarts"]["last_day"]["starts"] == 3
        exited_lines = log_events(server, "worker_exited")
        assert [(e["pid"], e["reason"], e["possible_oom"]) for e in exited_lines] == [
            (victim, "sigkill", True)
        ]

    # the whole service stops (both workers: SIGTERM) and starts again, same Redis
    with gunicorn_server(env, tmp_path / "second.log", workers=2) as server:
        ops = wait_for(
            lambda: ops_workers(server), lambda o: len(o["workers"]) == 2, "2 registrations"
        )
        new_pids = worker_pids(server)
        assert {w["pid"] for w in ops["workers"]} == new_pids  # the old ones are gone
        events = ops["events"]
        assert any(e["event"] == "worker_exited" and e["pid"] == victim for e in events)
        stopped = {e["pid"]: e["reason"] for e in events if e["event"] == "worker_stopped"}
        assert stopped == {pid: "sigterm" for pid in now}  # the first run's graceful stop
        assert ops["restarts"]["last_hour"]["by_reason"] == {"sigkill": 1, "sigterm": 2}
        assert ops["restarts"]["last_hour"]["starts"] == 5
        # the metrics directory was wiped at start: this run counts from zero
        fresh = metrics(server)
        assert sample_value(fresh, "worker_exits_total") == 0
        assert sample_value(fresh, "worker_starts_total") == 2


def test_a_worker_past_the_timeout_is_recorded_as_timeout_not_out_of_memory(
    pg_url: str, cache_prefix: str, tmp_path: Path
) -> None:
    env = server_env(pg_url, cache_prefix, PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prom"))
    args = ["--timeout", "2", "tests.support.probe_app:create_app()"]
    with gunicorn_server(env, tmp_path / "gunicorn.log", workers=1, extra_args=args) as server:
        (stuck,) = wait_for(lambda: worker_pids(server), bool, "the worker")
        with pytest.raises(httpx.HTTPError):  # the worker dies under the request
            httpx.get(server.base_url + "/test/block?seconds=30", timeout=20)

        wait_for(lambda: worker_pids(server), lambda p: bool(p) and stuck not in p, "a new one")
        after = wait_for(
            lambda: metrics(server),
            lambda m: sample_value(m, "worker_starts_total") == 2,
            "the replacement to start",
        )
        assert sample_value(after, "worker_exits_total", reason="timeout") == 1
        assert sample_value(after, "worker_exits_total", reason="sigkill") == 0
        assert sample_value(after, "worker_exits_total") == 1
        exited = log_events(server, "worker_exited")
        assert [(e["pid"], e["reason"], e["possible_oom"]) for e in exited] == [
            (stuck, "timeout", False)
        ]
        assert any("WORKER TIMEOUT" in line for line in server.log_lines())  # gunicorn's own
        ops = ops_workers(server)
        recorded = [e for e in ops["events"] if e["event"] == "worker_exited"]
        assert [(e["pid"], e["reason"], e["possible_oom"]) for e in recorded] == [
            (stuck, "timeout", False)
        ]


def test_exits_after_a_reload_keep_their_causes(
    pg_url: str, cache_prefix: str, tmp_path: Path
) -> None:
    env = server_env(pg_url, cache_prefix, PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prom"))
    with gunicorn_server(env, tmp_path / "gunicorn.log", workers=2) as server:
        first = wait_for(lambda: worker_pids(server), lambda pids: len(pids) == 2, "2 workers")
        server.process.send_signal(signal.SIGHUP)  # new workers, the old ones stopped
        wait_for(
            lambda: {e["pid"] for e in log_events(server, "worker_exited")},
            lambda pids: pids >= first,
            "the old workers' exits",
        )
        second = wait_for(
            lambda: worker_pids(server),
            lambda pids: len(pids) == 2 and not pids & first,
            "2 new workers",
        )
        victim = min(second)
        os.kill(victim, signal.SIGKILL)
        wait_for(
            lambda: [e for e in log_events(server, "worker_exited") if e["pid"] == victim],
            bool,
            "the killed worker's exit",
        )
        text = metrics(server)
    exits = {e["pid"]: e for e in log_events(server, "worker_exited")}
    assert [exits[pid]["reason"] for pid in sorted(first)] == ["sigterm", "sigterm"]
    assert (exits[victim]["reason"], exits[victim]["possible_oom"]) == ("sigkill", True)
    assert sample_value(text, "worker_exits_total", reason="sigterm") == 2
    assert sample_value(text, "worker_exits_total", reason="sigkill") == 1
    assert sample_value(text, "worker_exits_total", reason="error") == 0
