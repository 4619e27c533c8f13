"""``log_event``, the per-request events' renderer, writes what structlog's chain would."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import structlog

from telemetry.logging import REQUEST_ID, configure_logging, log_event

ROOT = Path(__file__).resolve().parents[2]


def fields() -> dict[str, Any]:
    return {
        "method": "GET",
        "route": "/api/v1/pagos/kpis",
        "status": 200,
        "duration_ms": 512.25,
        "response_bytes": 145,
        "trace_id": None,
        "amount": Decimal("10.50"),  # not JSON: rendered as text by both
        "worker_pid": 4242,
    }


def lines(capfd: pytest.CaptureFixture[str]) -> list[str]:
    return capfd.readouterr().err.splitlines()


@pytest.mark.parametrize("level", ["info", "warning", "error"])
def test_a_line_has_the_keys_order_and_values_of_the_structlog_chain(
    level: str, capfd: pytest.CaptureFixture[str]
) -> None:
    configure_logging(json_lines=True)
    token = REQUEST_ID.set("req-7")
    structlog.contextvars.bind_contextvars(deployment="blue", worker_pid=1)
    try:
        getattr(structlog.get_logger("telemetry.request"), level)("slow_request", **fields())
        log_event("telemetry.request", level, "slow_request", fields())
    finally:
        structlog.contextvars.clear_contextvars()
        REQUEST_ID.reset(token)
    chain, fast = (json.loads(line) for line in lines(capfd))
    assert list(fast) == list(chain)
    assert {k: v for k, v in fast.items() if k != "timestamp"} == {
        k: v for k, v in chain.items() if k != "timestamp"
    }
    assert fast["amount"] == "10.50" and fast["worker_pid"] == 4242  # the call's own value wins
    assert fast["deployment"] == "blue" and fast["request_id"] == "req-7"
    assert fast["level"] == level and fast["logger"] == "telemetry.request"


def test_lines_under_the_configured_level_are_not_written(
    capfd: pytest.CaptureFixture[str],
) -> None:
    configure_logging(json_lines=True, level="WARNING")
    try:
        log_event("telemetry.request", "info", "request", fields())
        log_event("telemetry.request", "warning", "slow_request", fields())
        events = [json.loads(line)["event"] for line in lines(capfd)]
    finally:
        configure_logging(json_lines=True)
    assert events == ["slow_request"]


def test_third_party_records_under_the_configured_level_are_not_written(
    capfd: pytest.CaptureFixture[str],
) -> None:
    configure_logging(json_lines=True, level="WARNING")
    gunicorn = logging.getLogger("gunicorn.error")
    gunicorn.setLevel(logging.INFO)  # as gunicorn sets its own logger, below ours
    try:
        gunicorn.info("Booting worker with pid: %s", 4242)
        gunicorn.warning("Worker with pid %s was terminated due to signal %s", 4242, 9)
        events = [json.loads(line)["event"] for line in lines(capfd)]
    finally:
        gunicorn.setLevel(logging.NOTSET)
        configure_logging(json_lines=True)
    assert events == ["Worker with pid 4242 was terminated due to signal 9"]


def test_the_console_format_renders_through_structlog(capfd: pytest.CaptureFixture[str]) -> None:
    configure_logging(json_lines=False)
    try:
        log_event("telemetry.request", "info", "request", fields())
        (line,) = lines(capfd)
    finally:
        configure_logging(json_lines=True)
    assert not line.startswith("{")
    assert "request" in line and "route=/api/v1/pagos/kpis" in line and "status=200" in line


def test_a_bound_exc_info_is_rendered_as_the_chain_renders_it(
    capfd: pytest.CaptureFixture[str],
) -> None:
    configure_logging(json_lines=True)
    structlog.contextvars.bind_contextvars(exc_info=False)
    try:
        structlog.get_logger("telemetry.request").info("request", **fields())
        log_event("telemetry.request", "info", "request", fields())
    finally:
        structlog.contextvars.clear_contextvars()
    chain, fast = (json.loads(line) for line in lines(capfd))
    assert "exc_info" not in chain and list(fast) == list(chain)


def test_a_stderr_without_a_descriptor_gets_the_line_through_the_stream() -> None:
    configure_logging(json_lines=True)
    captured = io.StringIO()
    with contextlib.redirect_stderr(captured):
        log_event("telemetry.request", "info", "request", fields())
    (line,) = captured.getvalue().splitlines()
    assert json.loads(line)["route"] == "/api/v1/pagos/kpis"


def test_a_line_longer_than_a_pipe_holds_arrives_whole() -> None:
    # a pipe holds 64 KiB: this line is written in parts, while the test reads the other end
    script = (
        "from telemetry.logging import configure_logging, log_event\n"
        "configure_logging(json_lines=True)\n"
        "log_event('telemetry.request', 'info', 'request', {'path': '/' + 'x' * 200_000})\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    (line,) = result.stderr.splitlines()
    assert json.loads(line)["path"] == "/" + "x" * 200_000
