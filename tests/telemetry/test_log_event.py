"""``log_event``, the per-request events' renderer, writes what structlog's chain would."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import select
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import structlog
from prometheus_client import generate_latest

from telemetry.logging import REQUEST_ID, configure_logging, log_event
from tests.support.metrics import sample_value

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


def _stderr_of(script: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        encoding="utf-8",
    )
    return result.stderr


@pytest.mark.parametrize(
    "filler",
    ["x", "\U0001f600", "\u00e9", '"\\', "\x01"],  # one byte; 4 and 2 in UTF-8; escaped
)
def test_a_json_line_fits_in_one_atomic_pipe_write_with_both_ends_of_a_long_value(
    filler: str,
) -> None:
    # workers share stderr: a pipe write over PIPE_BUF could be spliced with another worker's
    path = "/api/v1/clientes/" + filler * 60_000 + "/end"
    stderr = _stderr_of(
        "import sys\n"
        "from telemetry.logging import configure_logging, log_event\n"
        "configure_logging(json_lines=True)\n"
        "path = '/api/v1/clientes/' + sys.argv[1] * 60_000 + '/end'\n"
        "log_event('telemetry.request', 'info', 'request', {'path': path, 'status': 404})\n",
        filler,
    )
    (line,) = stderr.splitlines()
    assert len(line.encode()) + 1 <= select.PIPE_BUF
    event = json.loads(line)
    assert event["status"] == 404 and event["event"] == "request"
    head, marker, rest = event["path"].partition("…[")
    omitted, _, tail = rest.partition(" characters left out]…")
    assert marker and path.startswith(head) and path.endswith(tail)
    assert len(head) + int(omitted) + len(tail) == len(path)
    # most of the line is the path's start and end, not the marker
    assert len(json.dumps(head + tail, ensure_ascii=False).encode()) > select.PIPE_BUF // 2


def test_a_long_traceback_keeps_its_last_line_within_one_pipe_write() -> None:
    stderr = _stderr_of(
        "import logging\n"
        "from telemetry.logging import configure_logging\n"
        "configure_logging(json_lines=True)\n"
        "def deep(n):\n"
        "    if n == 0:\n"
        "        raise LookupError('the last line says what happened')\n"
        "    deep(n - 1)\n"
        "try:\n"
        "    deep(300)\n"
        "except LookupError:\n"
        "    logging.getLogger('uvicorn.error').exception('Exception in ASGI application')\n"
    )
    (line,) = stderr.splitlines()
    assert len(line.encode()) + 1 <= select.PIPE_BUF
    event = json.loads(line)
    assert event["event"] == "Exception in ASGI application"
    assert event["exception"].startswith("Traceback (most recent call last):")
    assert event["exception"].endswith("LookupError: the last line says what happened")


def test_a_console_line_longer_than_a_pipe_holds_arrives_whole() -> None:
    # a pipe holds 64 KiB: this line is written in parts, while the test reads the other end
    stderr = _stderr_of(
        "from telemetry.logging import configure_logging, log_event\n"
        "configure_logging(json_lines=False)\n"
        "log_event('telemetry.request', 'info', 'request', {'path': '/' + 'x' * 200_000})\n"
    )
    (line,) = stderr.splitlines()
    assert "path=/" + "x" * 200_000 in line


def test_a_line_nobody_reads_is_counted_as_lost_and_never_raised() -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone: writes fail with EPIPE
    lost = "log_lines_lost_total"
    before = sample_value(generate_latest().decode(), lost)
    try:
        with open(write_end, "w") as gone, contextlib.redirect_stderr(gone):
            configure_logging(json_lines=True)
            log_event("telemetry.request", "info", "request", fields())
            structlog.get_logger("service.cache").warning("cache_backend_selected")
            logging.getLogger("uvicorn.error").warning("a third-party line")
    finally:
        configure_logging(json_lines=True)
    assert sample_value(generate_latest().decode(), lost) - before == 3


def test_a_third_party_record_that_cannot_be_formatted_is_counted_as_lost(
    capfd: pytest.CaptureFixture[str],
) -> None:
    configure_logging(json_lines=True)
    lost = "log_lines_lost_total"
    before = sample_value(generate_latest().decode(), lost)
    logging.getLogger("uvicorn.error").warning("%d requests", "many")  # never raises here
    logging.getLogger("uvicorn.error").warning("%d requests", 3)
    assert sample_value(generate_latest().decode(), lost) - before == 1
    events = [json.loads(line)["event"] for line in lines(capfd) if line.startswith("{")]
    assert events == ["3 requests"]
