"""The request telemetry of any FastAPI app: a bare app with only pagos's middleware."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
import structlog
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import CollectorRegistry, generate_latest

from telemetry.logging import configure_logging
from telemetry.metrics import Metrics
from telemetry.middleware import TelemetryConfig, TelemetryMiddleware, mark_empty_result
from telemetry.tracing import TracingConfig, build_provider, instrument_app
from tests.support.metrics import sample_value

MIB = 1024 * 1024


def bare_app(metrics: Metrics) -> FastAPI:
    app = FastAPI()

    @app.get("/items/{item_id}")
    async def item(item_id: int) -> dict[str, int]:
        return {"id": item_id, "stock": 12}

    @app.get("/summary")
    async def summary(request: Request, empty: bool = False) -> JSONResponse:
        if empty:
            mark_empty_result(request.scope.setdefault("state", {}))
            return JSONResponse({"total": 0})
        return JSONResponse({"t": 1})  # truncated: a real summary is much longer

    app.add_api_route("/summary", summary, methods=["HEAD"], include_in_schema=False)

    @app.get("/download")
    async def download() -> StreamingResponse:
        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(16):
                yield b"x" * (64 * 1024)

        return StreamingResponse(chunks(), media_type="application/octet-stream")

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("a bug")

    @app.get("/health/live")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    app.add_middleware(
        TelemetryMiddleware,
        config=TelemetryConfig(small_response_bytes={"/summary": 40}),
        metrics=metrics,
    )
    return app


class FreshMetrics(Metrics):
    """Metrics in a registry of their own, so each test counts from zero."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        super().__init__(self.registry)


@pytest.fixture
def metrics() -> FreshMetrics:
    return FreshMetrics()


def read_events(capfd: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    return [
        json.loads(line) for line in capfd.readouterr().err.splitlines() if line.startswith("{")
    ]


def exposition(metrics: Metrics) -> str:
    """What ``/metrics`` answers: it commits the batched request updates first."""
    assert isinstance(metrics, FreshMetrics)
    metrics.batch.commit()
    return generate_latest(metrics.registry).decode()


async def call(app: FastAPI, path: str, **kwargs: object) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.get(path, **kwargs)  # type: ignore[arg-type]


async def test_streamed_mebibyte_is_measured_as_sent(
    metrics: Metrics, capfd: pytest.CaptureFixture[str]
) -> None:
    configure_logging(json_lines=True)
    response = await call(bare_app(metrics), "/download")
    assert len(response.content) == MIB
    size = "http_server_response_body_size_bytes_sum"
    assert sample_value(exposition(metrics), size, route="/download") == MIB
    (line,) = [e for e in read_events(capfd) if e["event"] == "request"]
    assert line["response_bytes"] == MIB


async def test_route_templates_label_requests_and_unmatched_paths_share_one_label(
    metrics: Metrics,
) -> None:
    app = bare_app(metrics)
    for path in ("/items/1", "/items/2", "/items/3", "/wp-login.php", "/nope/123", "/items/1/"):
        await call(app, path)
    text = exposition(metrics)
    count = "http_server_request_duration_seconds_count"
    assert sample_value(text, count, route="/items/{item_id}", status_code="200") == 3
    assert sample_value(text, count, route="unmatched") == 3  # the scans and the redirect
    assert "/items/1" not in text.replace("/items/{item_id}", "")


async def test_the_framework_s_own_pages_are_labelled_by_their_routes(metrics: Metrics) -> None:
    app = bare_app(metrics)
    for path in ("/docs", "/openapi.json", "/openapi.json", "/redoc", "/docs/x"):
        await call(app, path)
    text = exposition(metrics)
    count = "http_server_request_duration_seconds_count"
    assert sample_value(text, count, route="/docs", status_code="200") == 1
    assert sample_value(text, count, route="/openapi.json", status_code="200") == 2
    assert sample_value(text, count, route="/redoc", status_code="200") == 1
    assert sample_value(text, count, route="unmatched", status_code="404") == 1


async def test_an_exception_is_recorded_as_a_500_and_reaches_the_error_handling(
    metrics: Metrics, capfd: pytest.CaptureFixture[str]
) -> None:
    configure_logging(json_lines=True)
    response = await call(bare_app(metrics), "/boom")
    assert response.status_code == 500
    count = "http_server_request_duration_seconds_count"
    assert sample_value(exposition(metrics), count, route="/boom", status_code="500") == 1
    (line,) = [e for e in read_events(capfd) if e["event"] == "request"]
    assert (line["status"], line["level"], line["error"]) == (500, "error", "RuntimeError")
    assert next(iter(line)) == "error"  # the first thing a reader of the raw line sees
    assert line["response_bytes"] is None  # sent further out, by the server: not counted as 0


async def test_health_is_left_out_of_the_latency_histogram(metrics: Metrics) -> None:
    await call(bare_app(metrics), "/health/live")
    text = exposition(metrics)
    assert (
        sample_value(text, "http_server_request_duration_seconds_count", route="/health/live") == 0
    )
    # no series at all, not zero-valued ones: one per probe route would clutter every query
    assert '"/health/live"' not in text


async def test_empty_is_told_apart_from_small(
    metrics: Metrics, capfd: pytest.CaptureFixture[str]
) -> None:
    configure_logging(json_lines=True)
    app = bare_app(metrics)
    await call(app, "/summary", params={"empty": "true"})
    await call(app, "/summary")
    await call(app, "/items/5")  # no expected size configured: never flagged
    text = exposition(metrics)
    small = "http_server_small_responses_total"
    assert sample_value(text, small, route="/summary", kind="empty") == 1
    assert sample_value(text, small, route="/summary", kind="small") == 1
    assert sample_value(text, small, route="/items/{item_id}") == 0
    flagged = [
        (e["kind"], e["level"]) for e in read_events(capfd) if e["event"] == "small_response"
    ]
    assert flagged == [("empty", "info"), ("small", "warning")]


async def test_a_head_answer_counts_no_body_and_is_never_small(
    metrics: Metrics, capfd: pytest.CaptureFixture[str]
) -> None:
    configure_logging(json_lines=True)
    app = bare_app(metrics)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        head = await client.head("/summary")
    assert head.status_code == 200
    text = exposition(metrics)
    size = "http_server_response_body_size_bytes"
    assert sample_value(text, f"{size}_count", method="HEAD", route="/summary") == 1
    assert sample_value(text, f"{size}_sum", method="HEAD", route="/summary") == 0
    assert sample_value(text, "http_server_small_responses_total") == 0
    events = read_events(capfd)
    assert [e["response_bytes"] for e in events if e["event"] == "request"] == [0]
    assert [e for e in events if e["event"] == "small_response"] == []


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"X-Request-ID": "abc-123"}, "abc-123"),
        ({"Rndr-Id": "f3b2c1d0-render"}, "f3b2c1d0-render"),
        ({"X-Request-ID": "a" * 300}, None),  # too long: replaced
        ({"X-Request-ID": 'bad id"; drop'}, None),  # unsafe characters: replaced
    ],
)
async def test_request_id_is_taken_echoed_and_logged(
    metrics: Metrics,
    capfd: pytest.CaptureFixture[str],
    headers: dict[str, str],
    expected: str | None,
) -> None:
    configure_logging(json_lines=True)
    response = await call(bare_app(metrics), "/items/7", headers=headers)
    echoed = response.headers["x-request-id"]
    if expected is not None:
        assert echoed == expected
    else:
        assert echoed not in headers.values() and 16 <= len(echoed) <= 64
    (line,) = [e for e in read_events(capfd) if e["event"] == "request"]
    assert line["request_id"] == echoed


async def test_tokens_never_reach_the_log(
    metrics: Metrics, capfd: pytest.CaptureFixture[str]
) -> None:
    configure_logging(json_lines=True)
    await call(
        bare_app(metrics),
        "/items/9?token=SECRET-QUERY&access_token=SECRET-ACCESS",
        headers={"Authorization": "Bearer SECRET-BEARER"},
    )
    logged = capfd.readouterr().err
    assert '"event":"request"' in logged
    assert "SECRET" not in logged


async def test_every_line_of_a_request_carries_its_id_and_a_utc_timestamp(
    metrics: Metrics, capfd: pytest.CaptureFixture[str]
) -> None:
    configure_logging(json_lines=True)
    app = bare_app(metrics)

    @app.get("/chatty")
    async def chatty() -> dict[str, bool]:
        structlog.get_logger("service.test").info("inside_handler")
        logging.getLogger("uvicorn.error").warning("third-party line inside the handler")
        return {"ok": True}

    before = datetime.now(UTC)
    response = await call(app, "/chatty", headers={"X-Request-ID": "req-42"})
    structlog.get_logger("service.test").info("after_the_request")
    after = datetime.now(UTC)
    events = {str(e["event"]): e for e in read_events(capfd)}
    inside = ("inside_handler", "third-party line inside the handler", "request")
    assert response.headers["x-request-id"] == "req-42"
    for name in inside:
        assert events[name]["request_id"] == "req-42", name
    assert "request_id" not in events["after_the_request"]
    for event in events.values():
        stamp = str(event["timestamp"])
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", stamp), stamp
        assert before <= datetime.fromisoformat(stamp) <= after


async def test_a_traced_app_puts_its_trace_id_on_the_line_and_an_untraced_one_null(
    capfd: pytest.CaptureFixture[str],
) -> None:
    configure_logging(json_lines=True)
    config = TracingConfig("test", "0", "test", sample_ratio=1.0)
    trace_ids: dict[bool, object] = {}
    for traced in (True, False):
        exporter = InMemorySpanExporter()
        app = FastAPI()

        @app.get("/items/{item_id}")
        async def item(item_id: int) -> dict[str, int]:
            return {"id": item_id}

        app.add_middleware(
            TelemetryMiddleware, config=TelemetryConfig(traced=traced), metrics=FreshMetrics()
        )
        provider = build_provider(config, exporter)
        assert provider is not None
        instrument_app(app, provider, config)
        await call(app, "/items/3")
        provider.force_flush()
        (line,) = [e for e in read_events(capfd) if e["event"] == "request"]
        (server_span,) = [s for s in exporter.get_finished_spans() if s.parent is None]
        assert server_span.context is not None
        if traced:
            assert line["trace_id"] == format(server_span.context.trace_id, "032x")
        trace_ids[traced] = line["trace_id"]
    assert trace_ids[True] is not None and trace_ids[False] is None
