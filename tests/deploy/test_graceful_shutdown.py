"""SIGTERM to gunicorn's master under a steady load: every request whose connection was
accepted before the signal completes, none is reset, and the exit is recorded as ``sigterm``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from tests.support.servers import (
    REDIS_URL,
    ServerProcess,
    auth_headers,
    gunicorn_server,
    server_env,
)

pytestmark = pytest.mark.slow

CLIENTS = 6
LOAD_BEFORE_SIGNAL = 1.5  # seconds
LOAD_AFTER_SIGNAL = 1.0
ROUTES = [
    "/test/sleep?seconds=0.25",  # in flight when the signal lands
    "/test/sleep?seconds=0.1",
    "/api/v1/notificaciones/estadisticas/resumen",
]


@dataclass
class Outcome:
    route: str
    started: float
    connected: float | None = None  # the TCP handshake completed (the kernel accepted it)
    finished: float = 0.0
    status: int | None = None
    error: str | None = None


def _client_loop(base_url: str, route: str, stop_at: float, out: list[Outcome]) -> None:
    headers = {"Connection": "close", **auth_headers(("read",))}
    with httpx.Client(base_url=base_url, headers=headers, timeout=10) as client:
        _requests(client, route, stop_at, out)


def _requests(client: httpx.Client, route: str, stop_at: float, out: list[Outcome]) -> None:
    while time.monotonic() < stop_at:
        outcome = Outcome(route, time.monotonic())

        def trace(event: str, _info: dict[str, Any], outcome: Outcome = outcome) -> None:
            if event == "connection.connect_tcp.complete":
                outcome.connected = time.monotonic()

        try:
            response = client.get(route, extensions={"trace": trace})
            outcome.status = response.status_code
        except httpx.HTTPError as exc:
            outcome.error = type(exc).__name__
            time.sleep(0.02)  # refused after the shutdown: do not spin
        outcome.finished = time.monotonic()
        out.append(outcome)


def test_sigterm_under_load_completes_every_accepted_request(
    pg_url: str, cache_prefix: str, tmp_path: Path
) -> None:
    env = server_env(pg_url, cache_prefix, PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prom"))
    args = ["tests.support.probe_app:create_app()"]
    outcomes: list[list[Outcome]] = [[] for _ in range(CLIENTS)]
    with gunicorn_server(env, tmp_path / "gunicorn.log", workers=2, extra_args=args) as server:
        stop_at = time.monotonic() + LOAD_BEFORE_SIGNAL + LOAD_AFTER_SIGNAL
        threads = [
            threading.Thread(
                target=_client_loop,
                args=(server.base_url, ROUTES[i % len(ROUTES)], stop_at, outcomes[i]),
            )
            for i in range(CLIENTS)
        ]
        for thread in threads:
            thread.start()
        time.sleep(LOAD_BEFORE_SIGNAL)
        signalled = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        for thread in threads:
            thread.join()
        exit_code = server.process.wait(timeout=30)
        log = [json.loads(line) for line in server.log_lines() if line.startswith("{")]

    results = [o for per_client in outcomes for o in per_client]
    accepted = [o for o in results if o.connected is not None and o.connected < signalled]
    failed = [o for o in accepted if o.status != 200]
    in_flight = [o for o in accepted if o.finished > signalled]
    print(
        f"\nSIGTERM under load: {len(results)} requests, {len(accepted)} accepted before "
        f"the signal, {len(in_flight)} of them in flight at it, {len(failed)} failed; "
        f"{len(results) - len(accepted)} after it"
    )
    assert len(accepted) > 20
    assert failed == []
    assert len(in_flight) >= 2  # the drain was really exercised
    assert exit_code == 0

    stopping = [e for e in log if e["event"] == "worker_stopping"]
    stopped = [e for e in log if e["event"] == "worker_stopped"]
    exited = [e for e in log if e["event"] == "worker_exited"]
    assert sorted(e["signal"] for e in stopping) == ["SIGTERM", "SIGTERM"]
    assert sum(e["in_flight"] for e in stopping) >= 1
    assert sorted(e["reason"] for e in stopped) == ["sigterm", "sigterm"]
    # every request a worker answered is in its count (probes and refused ones aside)
    served = sum(1 for o in results if o.status is not None)
    assert sum(e["requests_served"] for e in stopped) >= served
    assert sorted((e["reason"], e["possible_oom"]) for e in exited) == [("sigterm", False)] * 2

    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        entries = client.xrange(f"{cache_prefix}:lifecycle")
        assert client.zcard(f"{cache_prefix}:workers") == 0  # nobody left registered
    finally:
        client.close()
    reasons = [fields["reason"] for _, fields in entries if fields["event"] == "worker_stopped"]
    assert reasons == ["sigterm", "sigterm"]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGQUIT])
def test_a_quick_shutdown_of_the_master_stops_the_workers_at_once_as_interrupted(
    pg_url: str, cache_prefix: str, tmp_path: Path, signum: signal.Signals
) -> None:
    """gunicorn's quick shutdown sends the workers SIGQUIT: they stop at once, not after the
    graceful timeout by SIGKILL (which the killed-worker alert would take for a crash)."""
    env = server_env(pg_url, cache_prefix, PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prom"))
    with gunicorn_server(env, tmp_path / "gunicorn.log", workers=2) as server:
        wait_for_workers(server, 2)
        signalled = time.monotonic()
        server.process.send_signal(signum)
        server.process.wait(timeout=30)
        took = time.monotonic() - signalled
        log = [json.loads(line) for line in server.log_lines() if line.startswith("{")]
    stopped = [e["reason"] for e in log if e["event"] == "worker_stopped"]
    exited = [e["reason"] for e in log if e["event"] == "worker_exited"]
    assert took < 10  # the graceful timeout is 25 s
    assert stopped == ["sigint", "sigint"]
    assert exited == ["sigint", "sigint"]


def test_ctrl_c_lets_the_requests_in_flight_finish(
    pg_url: str, cache_prefix: str, tmp_path: Path
) -> None:
    """Ctrl-C in a terminal interrupts the master and every worker at once; the master's
    quick shutdown then sends the workers SIGQUIT too, which must not cut them short."""
    env = server_env(pg_url, cache_prefix, PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prom"))
    args = ["tests.support.probe_app:create_app()"]
    with gunicorn_server(env, tmp_path / "gunicorn.log", workers=2, extra_args=args) as server:
        wait_for_workers(server, 2)
        workers = subprocess.run(
            ["pgrep", "-P", str(server.process.pid)], capture_output=True, text=True, check=True
        ).stdout.split()
        with ThreadPoolExecutor(max_workers=4) as pool:
            answers = [
                pool.submit(httpx.get, server.base_url + "/test/sleep?seconds=1", timeout=10)
                for _ in range(4)
            ]
            time.sleep(0.3)  # the requests are in flight
            # the terminal's process group, all at once: the workers' SIGINT lands before the
            # master's SIGQUIT, which it sends only once it has handled its own
            for pid in [*map(int, workers), server.process.pid]:
                os.kill(pid, signal.SIGINT)
            statuses = [answer.result().status_code for answer in answers]
        server.process.wait(timeout=30)
        log = [json.loads(line) for line in server.log_lines() if line.startswith("{")]
    assert statuses == [200] * 4
    assert sorted(e["reason"] for e in log if e["event"] == "worker_stopped") == ["sigint"] * 2
    assert sorted(e["reason"] for e in log if e["event"] == "worker_exited") == ["sigint"] * 2


def wait_for_workers(server: ServerProcess, count: int) -> None:
    """Until ``count`` workers have started serving (the server answers once one has)."""
    deadline = time.monotonic() + 30
    while sum('"event":"worker_started"' in line for line in server.log_lines()) < count:
        assert time.monotonic() < deadline, "the workers did not start"
        time.sleep(0.1)
