"""pagos's own log lines, produced by its real logging set-up, read back by the analyzer."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.telemetry.logs.conftest import Runner, metric

EMIT = r"""
import logging
import structlog
from telemetry.logging import configure_logging

configure_logging(json_lines=True)
log = structlog.get_logger("pagos")
structlog.contextvars.bind_contextvars(worker_pid=4242)
log.info("worker_started", pid=4242, host="srv-test-1", boot_ms=12.0, version="0.1.0")
log.warning("cache_backend_selected", backend="memory", previous=None, reason="redis unavailable",
            workers=2, shared=False)
for ms in (12.5, 30.0, 1500.0):
    log.info("request", method="GET", route="/api/v1/pagos/kpis", path="/api/v1/pagos/kpis",
             status=200, duration_ms=ms, response_bytes=180, worker_pid=4242, cache="miss")
log.info("cache_backend_selected", backend="redis", previous="memory", reason="redis back",
         workers=2, shared=True)
logging.getLogger("gunicorn.error").info("Booting worker with pid: %s", 4243)
try:
    raise ValueError("boom")
except ValueError:
    log.exception("unhandled_error")
"""


def test_lines_from_pagos_logging_are_understood(analyze: Runner, tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[3]
    done = subprocess.run(
        [sys.executable, "-c", EMIT], capture_output=True, text=True, cwd=root, check=True
    )
    log = tmp_path / "pagos.log"
    log.write_text(done.stderr, encoding="utf-8")
    lines = done.stderr.count("\n")

    report = analyze(log, "--format", "json").json()
    assert report["input"]["families"] == {"pagos-json": lines}
    assert metric(report, "Cache backend")["observed_value"] == "redis"
    (row,) = report["routes"]
    assert (row["count"], row["p50_ms"], row["max_ms"]) == (3, 30.0, 1500.0)
    assert report["cache"]["lookups"] == {"miss": 3}
    assert report["workers"]["boots"][0]["pids"] == [4242, 4243]
    assert {e["class"] for e in report["errors"]} == {"traceback ValueError"}
