"""pagos's own log lines, produced by its real logging set-up, read back by the analyzer."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.telemetry.logs.conftest import Runner, metric

EMIT = r"""
import logging
import sys
import structlog
from telemetry.logging import configure_logging

FORMAT = sys.argv[1]


class Terminal:  # stderr as a terminal sees it: the console renderer turns colours on
    def __init__(self, stream):
        self.stream = stream

    def isatty(self):
        return True

    def __getattr__(self, name):
        return getattr(self.stream, name)


if FORMAT == "colour":
    sys.stderr = Terminal(sys.stderr)
configure_logging(json_lines=FORMAT == "json")
log = structlog.get_logger("pagos")
# the master's lines carry no worker pid; it names itself in "Listening at"
logging.getLogger("gunicorn.error").info("Listening at: http://127.0.0.1:8000 (%s)", 4241)
structlog.contextvars.bind_contextvars(worker_pid=4242)
log.info("worker_started", pid=4242, host="srv-test-1", boot_ms=12.0, version="0.1.0")
log.warning("cache_backend_selected", backend="memory", previous=None, reason="redis unavailable",
            workers=2, shared=False)
kpis = dict(method="GET", route="/api/v1/pagos/kpis", path="/api/v1/pagos/kpis", status=200,
            worker_pid=4242)
for n, ms in enumerate((12.5, 30.0, 1500.0)):
    log.info("request", duration_ms=ms, response_bytes=180, cache="miss", request_id=f"r-{n}",
             **kpis)
# the slow request's own event repeats its line; one whose line is missing is its only trace
log.warning("slow_request", duration_ms=1500.0, threshold_ms=500, request_id="r-2", **kpis)
log.warning("slow_request", duration_ms=2100.0, threshold_ms=500, request_id="r-9", **kpis)
summary = dict(method="GET", route="/api/v1/notificaciones/estadisticas/resumen",
               path="/api/v1/notificaciones/estadisticas/resumen", worker_pid=4242)
log.info("request", status=200, duration_ms=4.0, response_bytes=40, **summary)
log.warning("small_response", kind="small", expected_min_bytes=70, response_bytes=40, **summary)
log.info("cache_backend_selected", backend="redis", previous="memory", reason="redis back",
         workers=2, shared=True)
logging.getLogger("gunicorn.error").info("Booting worker with pid: %s", 4243)
try:
    raise ValueError("boom")
except ValueError:
    log.exception("unhandled_error")
"""


@pytest.mark.parametrize("fmt", ["json", "console", "colour"])
def test_lines_from_pagos_logging_are_understood(analyze: Runner, tmp_path: Path, fmt: str) -> None:
    root = Path(__file__).resolve().parents[3]
    done = subprocess.run(
        [sys.executable, "-c", EMIT, fmt], capture_output=True, text=True, cwd=root, check=True
    )
    assert ("\x1b[" in done.stderr) == (fmt == "colour")
    log = tmp_path / "pagos.log"
    log.write_text(done.stderr, encoding="utf-8")
    lines = done.stderr.count("\n")

    report = analyze(log, "--format", "json").json()
    if fmt == "json":  # the traceback is a field of the JSON line
        assert report["input"]["families"] == {"pagos-json": lines}
    else:  # the console writes it below the line, as Python prints it
        traceback = done.stderr[done.stderr.index("Traceback (most recent") :].count("\n")
        assert traceback >= 3  # the header, the frame, "ValueError: boom"
        assert report["input"]["families"] == {
            "pagos-console": lines - traceback,
            "traceback": traceback,
        }
    assert metric(report, "Cache backend")["observed_value"] == "redis"
    row = next(r for r in report["routes"] if r["route"] == "/api/v1/pagos/kpis")
    assert (row["count"], row["p50_ms"], row["max_ms"]) == (3, 30.0, 1500.0)
    # the 180 B KPI answers are normal for pagos, which judges sizes itself: only the answer
    # it flagged is a small response
    groups = report["small_responses"]["groups"]
    assert [(g["route"], g["bytes"], g["kind"]) for g in groups] == [
        ("/api/v1/notificaciones/estadisticas/resumen", 40, "small")
    ]
    assert report["small_responses"]["flagged"] == 1
    assert report["small_responses"]["judged_by_app"] == 4  # the request lines, said apart
    slow = report["slow_requests"]
    assert (slow["count"], slow["flagged_only"]) == (2, 0)
    assert sorted(r["duration_ms"] for r in slow["slowest"]) == [1500.0, 2100.0]
    assert report["cache"]["lookups"] == {"miss": 3}
    assert report["workers"]["boots"][0]["pids"] == [4242, 4243]
    assert report["workers"]["boots"][0]["master_pid"] == 4241
    assert {e["class"] for e in report["errors"]} == {"traceback ValueError"}
