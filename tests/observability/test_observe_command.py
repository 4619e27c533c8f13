"""``make observe``'s Prometheus scrapes a /metrics that wants a bearer token, given the name of
the variable holding it; without it, the same target is down with a 401."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.servers import ROOT, free_port, gunicorn_server, server_env

pytestmark = pytest.mark.slow

TOKEN = "observe-test-metrics-token-0123456789"


def _targets(prometheus: str, deadline: float) -> dict[str, Any]:
    while time.monotonic() < deadline:
        try:
            active = httpx.get(f"{prometheus}/api/v1/targets", timeout=2).json()["data"][
                "activeTargets"
            ]
        except (httpx.HTTPError, KeyError, ValueError):
            active = []
        if active and active[0]["health"] != "unknown":
            return dict(active[0])
        time.sleep(0.2)
    raise AssertionError("Prometheus never scraped its target")


@pytest.mark.parametrize("with_token", [True, False])
def test_observe_scrapes_a_metrics_endpoint_behind_a_token(
    sqlite_url: str, cache_prefix: str, tmp_path: Path, with_token: bool
) -> None:
    env = server_env(sqlite_url, cache_prefix, PAGOS_METRICS_TOKEN=TOKEN)
    with gunicorn_server(env, tmp_path / "gunicorn.log", workers=1) as server:
        port = free_port()
        target = server.base_url.removeprefix("http://")
        argv = [sys.executable, "-m", "telemetry.observe", "--target", target,
                "--port", str(port), "--interval", "0.5"]  # fmt: skip
        if with_token:
            argv += ["--bearer-token-env", "OBSERVE_TEST_TOKEN"]
        observe = subprocess.Popen(
            argv, cwd=ROOT, env={**env, "OBSERVE_TEST_TOKEN": TOKEN},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            found = _targets(f"http://127.0.0.1:{port}", time.monotonic() + 30)
        finally:
            observe.send_signal(signal.SIGTERM)
            observe.wait(timeout=30)
    if with_token:
        assert found["health"] == "up", found
    else:
        assert found["health"] == "down" and "401" in found["lastError"], found
    assert observe.returncode == 0
