"""One pure ASGI middleware: request id, timing, bytes sent, route template, detectors, the
``request`` log line. Pure ASGI (not ``BaseHTTPMiddleware``) so streaming responses are
counted as sent and nothing is buffered."""

from __future__ import annotations

import os
import random
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from opentelemetry import trace
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from telemetry.logging import REQUEST_ID, log_event
from telemetry.metrics import METRICS, HistogramSeries, Metrics, gauge_adder

UNMATCHED_ROUTE = "unmatched"
REQUEST_ID_HEADERS = (b"x-request-id", b"rndr-id")
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
_EMPTY_MARK = "telemetry.empty_result"
STATE_REQUEST_ID = "request_id"
LOGGER_NAME = "telemetry.request"


@dataclass(frozen=True)
class TelemetryConfig:
    slow_threshold_seconds: float = 1.0
    slow_threshold_overrides: Mapping[str, float] = field(default_factory=dict)
    small_response_bytes: Mapping[str, int] = field(default_factory=dict)
    # Routes left out of the latency and size histograms (probes and scrapes).
    unmeasured_routes: frozenset[str] = frozenset(
        {"/metrics", "/health/live", "/health/ready", "/api/v1/health/render"}
    )
    # False when the app records no traces: no span is looked up and trace ids are null
    traced: bool = True

    def slow_threshold(self, route: str) -> float:
        return self.slow_threshold_overrides.get(route, self.slow_threshold_seconds)


def mark_empty_result(scope_state: dict[str, Any]) -> None:
    """Say that this 2xx answer is legitimately empty (an empty table is a true answer)."""
    scope_state[_EMPTY_MARK] = True


def route_template(scope: Scope) -> str:
    """The matched route's template, read from the scope after routing (never by re-matching
    the path against the route list); one fixed label for unmatched requests."""
    path = getattr(scope.get("route"), "path", None)
    if not isinstance(path, str):
        return UNMATCHED_ROUTE
    root_path = scope.get("root_path")
    return root_path + path if root_path else path


def incoming_request_id(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:  # ASGI gives header names in lower case
        if name in REQUEST_ID_HEADERS:
            text = value.decode("latin-1")
            if _SAFE_REQUEST_ID.fullmatch(text):
                return text
    return None


class _Series:
    """Everything the middleware needs for one (method, route, status), looked up once: label
    values are bounded (route templates), so this cache is too."""

    __slots__ = ("measured", "size", "slow_threshold", "small_minimum", "time")

    def __init__(
        self, metrics: Metrics, config: TelemetryConfig, method: str, route: str, status: int
    ) -> None:
        self.measured = route not in config.unmeasured_routes
        self.slow_threshold = config.slow_threshold(route)
        self.small_minimum = config.small_response_bytes.get(route)
        self.time: Callable[[float], None] | None = None
        self.size: Callable[[float], None] | None = None
        if self.measured:  # an unmeasured route has no series at all, not zero-valued ones
            timer = metrics.request_duration.labels(method, route, str(status))
            self.time = HistogramSeries(timer).observe
            self.size = HistogramSeries(metrics.response_size.labels(method, route)).observe


class TelemetryMiddleware:
    def __init__(
        self, app: ASGIApp, config: TelemetryConfig | None = None, metrics: Metrics = METRICS
    ) -> None:
        self.app = app
        self.config = config or TelemetryConfig()
        self.metrics = metrics
        self.pid = os.getpid()
        self._active: dict[str, Callable[[float], None]] = {}
        self._series: dict[tuple[str, str, int], _Series] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        # an id, not a secret: 128 random bits from the per-process generator (reseeded at fork)
        request_id = incoming_request_id(scope["headers"]) or f"{random.getrandbits(128):032x}"
        scope.setdefault("state", {})[STATE_REQUEST_ID] = request_id
        status = 500
        sent_bytes = 0
        content_type = b""
        cache_outcome: str | None = None
        request_id_header = (b"x-request-id", request_id.encode("latin-1"))

        # a plain function handing back send's awaitable: no coroutine of its own per message
        def send_with_telemetry(message: Message) -> Awaitable[None]:
            nonlocal status, sent_bytes, content_type, cache_outcome
            if message["type"] == "http.response.body":
                sent_bytes += len(message.get("body", b""))
            elif message["type"] == "http.response.start":
                status = message["status"]
                # ASGI header names are lower-case bytes; the list is ours to extend
                headers = message.setdefault("headers", [])
                if not isinstance(headers, list):
                    headers = message["headers"] = list(headers)
                for name, value in headers:
                    if name == b"content-type":
                        content_type = value
                    elif name == b"x-cache":
                        cache_outcome = value.decode("latin-1")
                headers.append(request_id_header)
            return send(message)

        method = scope["method"]
        move_active = self._active.get(method) or self._active_adder(method)
        move_active(1)
        request_id_token = REQUEST_ID.set(request_id)
        span = trace.get_current_span() if self.config.traced else None  # the server span
        if span is not None and span.is_recording():
            span.set_attribute("http.request_id", request_id)
        error: str | None = None
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_telemetry)
        except BaseException as exc:
            status = 500
            error = type(exc).__name__
            raise
        finally:
            duration = time.perf_counter() - started
            move_active(-1)
            self._record(
                scope, span, status, duration, sent_bytes, content_type, cache_outcome, error
            )
            REQUEST_ID.reset(request_id_token)

    def _active_adder(self, method: str) -> Callable[[float], None]:
        adder = self._active[method] = gauge_adder(self.metrics.active_requests.labels(method))
        return adder

    def _record(
        self,
        scope: Scope,
        span: trace.Span | None,
        status: int,
        duration: float,
        sent_bytes: int,
        content_type: bytes,
        cache_outcome: str | None,
        error: str | None,
    ) -> None:
        method = scope["method"]
        route = route_template(scope)
        series = self._series.get((method, route, status))
        if series is None:
            series = self._series[method, route, status] = _Series(
                self.metrics, self.config, method, route, status
            )
        # an exception that escaped the app is answered further out (the server's 500): its
        # bytes are not ours to count
        unanswered = error is not None and sent_bytes == 0
        if series.time is not None and series.size is not None:
            series.time(duration)
            if not unanswered:
                series.size(sent_bytes)
        fields: dict[str, Any] = {
            "method": method,
            "route": route,
            "path": scope["path"],
            "status": status,
            "duration_ms": round(duration * 1000, 2),
            "response_bytes": None if unanswered else sent_bytes,
            "worker_pid": self.pid,
            "trace_id": None,
            "span_id": None,
        }
        span_context = span.get_span_context() if span is not None else None
        if span_context is not None and span_context.is_valid:
            fields["trace_id"] = format(span_context.trace_id, "032x")
            fields["span_id"] = format(span_context.span_id, "016x")
        if cache_outcome is not None:
            fields["cache"] = cache_outcome
        # the detectors' events repeat the request's fields: copied before the line takes them
        slow = duration > series.slow_threshold and series.measured
        if slow:
            slow_event = {"threshold_ms": round(series.slow_threshold * 1000), **fields}
        small_kind = None  # of a 2xx JSON answer
        if 200 <= status < 300 and content_type.startswith(b"application/json"):
            if scope.get("state", {}).get(_EMPTY_MARK):
                small_kind = "empty"  # the handler said so: a true answer, whatever its size
            elif series.small_minimum is not None and sent_bytes < series.small_minimum:
                small_kind = "small"
        if small_kind is not None:
            small_event = {"kind": small_kind, "expected_min_bytes": series.small_minimum, **fields}
        if error is None:
            log_event(LOGGER_NAME, "info", "request", fields)
        else:
            log_event(LOGGER_NAME, "error", "request", {"error": error, **fields})

        if slow:
            self.metrics.slow_requests.labels(method, route).inc()
            log_event(LOGGER_NAME, "warning", "slow_request", slow_event)
        if small_kind is not None:
            self.metrics.small_responses.labels(method, route, small_kind).inc()
            level = "info" if small_kind == "empty" else "warning"
            log_event(LOGGER_NAME, level, "small_response", small_event)
