"""One pure ASGI middleware: request id, timing, bytes sent, route template, detectors, the
``request`` log line. Pure ASGI (not ``BaseHTTPMiddleware``) so streaming responses are
counted as sent and nothing is buffered."""

from __future__ import annotations

import os
import random
import re
import time
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, field
from typing import Any

from opentelemetry import trace
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from telemetry.logging import REQUEST_ID, log_event
from telemetry.metric_batch import BatchedGauge, BatchedHistogram
from telemetry.metrics import METRICS, Metrics

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


def route_template(scope: Scope, endpoint_paths: dict[object, str | None]) -> str:
    """The matched route's template, read from the scope after routing (never by re-matching
    the path against the route list); one fixed label for unmatched requests.

    FastAPI puts its own routes in the scope; a plain Starlette route it serves (``/docs``,
    ``/openapi.json``) leaves only its endpoint there, whose route is looked up once in the
    router and kept in ``endpoint_paths``."""
    path = getattr(scope.get("route"), "path", None)
    if not isinstance(path, str):
        endpoint = scope.get("endpoint")
        if endpoint is None:
            return UNMATCHED_ROUTE
        if endpoint not in endpoint_paths:
            endpoint_paths[endpoint] = _path_of(scope.get("router"), endpoint)
        path = endpoint_paths[endpoint]
        if path is None:
            return UNMATCHED_ROUTE
    root_path = scope.get("root_path")
    return root_path + path if root_path else path


def _path_of(router: object, endpoint: object) -> str | None:
    for route in getattr(router, "routes", ()):
        path = getattr(route, "path", None)
        if getattr(route, "endpoint", None) is endpoint and isinstance(path, str):
            return path
    return None


def incoming_request_id(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:  # ASGI gives header names in lower case
        if name in REQUEST_ID_HEADERS:
            text = value.decode("latin-1")
            if _SAFE_REQUEST_ID.fullmatch(text):
                return text
    return None


def new_request_id() -> str:
    """32 hex digits: 128 random bits from the per-process generator (reseeded at fork); an id,
    not a secret."""
    return random.getrandbits(128).to_bytes(16, "big").hex()


class _Series:
    """Everything the middleware needs for one (method, route, status), looked up once: label
    values are bounded (route templates), so this cache is too."""

    __slots__ = ("duration", "size", "slow_threshold", "small_minimum")

    def __init__(
        self, metrics: Metrics, config: TelemetryConfig, method: str, route: str, status: int
    ) -> None:
        self.slow_threshold = config.slow_threshold(route)
        self.small_minimum = config.small_response_bytes.get(route)
        self.duration: BatchedHistogram | None = None
        self.size: BatchedHistogram | None = None
        # an unmeasured route has no series at all, not zero-valued ones
        if route not in config.unmeasured_routes:
            timer = metrics.request_duration.labels(method, route, str(status))
            self.duration = BatchedHistogram(timer, metrics.batch)
            sizes = metrics.response_size.labels(method, route)
            self.size = BatchedHistogram(sizes, metrics.batch)


class TelemetryMiddleware:
    def __init__(
        self, app: ASGIApp, config: TelemetryConfig | None = None, metrics: Metrics = METRICS
    ) -> None:
        self.app = app
        self.config = config or TelemetryConfig()
        self.metrics = metrics
        self.pid = os.getpid()
        self._traced = self.config.traced
        self._active: dict[str, BatchedGauge] = {}
        self._series: dict[tuple[str, str, int], _Series] = {}
        self._endpoint_paths: dict[object, str | None] = {}  # bounded: one per route

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        request_id = incoming_request_id(scope["headers"]) or new_request_id()
        state = scope.setdefault("state", {})
        state[STATE_REQUEST_ID] = request_id
        status = 500
        sent_bytes = 0
        response_headers: dict[bytes, bytes] = {}
        request_id_header = (b"x-request-id", request_id.encode("latin-1"))

        # a plain function handing back send's awaitable: no coroutine of its own per message
        def send_with_telemetry(message: Message) -> Awaitable[None]:
            nonlocal status, sent_bytes, response_headers
            if message["type"] == "http.response.body":
                sent_bytes += len(message.get("body", b""))
            elif message["type"] == "http.response.start":
                status = message["status"]
                # ASGI header names are lower-case bytes; the list is ours to extend
                headers = message.setdefault("headers", [])
                if not isinstance(headers, list):
                    headers = message["headers"] = list(headers)
                response_headers = dict(headers)
                headers.append(request_id_header)
            return send(message)

        method = scope["method"]
        active = self._active.get(method) or self._active_gauge(method)
        active.add(1)
        request_id_token = REQUEST_ID.set(request_id)
        span = trace.get_current_span() if self._traced else None  # the server span
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
            # what follows runs for every request: inline, not in helpers (a call costs more
            # than most of these lines)
            duration = time.perf_counter() - started
            active.add(-1)
            route = route_template(scope, self._endpoint_paths)
            series = self._series.get((method, route, status)) or self._new_series(
                method, route, status
            )
            if method == "HEAD":
                sent_bytes = 0  # the server sends the headers alone, whatever the app wrote
            # an exception that escaped the app is answered further out (the server's 500):
            # its bytes are not ours to count
            response_bytes = None if error is not None and sent_bytes == 0 else sent_bytes
            if series.duration is not None and series.size is not None:
                series.duration.observe(duration)
                if response_bytes is not None:
                    series.size.observe(response_bytes)
            fields: dict[str, Any] = {
                "method": method,
                "route": route,
                "path": scope["path"],
                "status": status,
                # to 0.01 ms, rounded half up (a quarter of round()'s cost)
                "duration_ms": int(duration * 100_000 + 0.5) / 100,
                "response_bytes": response_bytes,
                "worker_pid": self.pid,
                "trace_id": None,
                "span_id": None,
            }
            if span is not None:
                span_context = span.get_span_context()
                if span_context.is_valid:
                    fields["trace_id"] = format(span_context.trace_id, "032x")
                    fields["span_id"] = format(span_context.span_id, "016x")
            cache_outcome = response_headers.get(b"x-cache")
            if cache_outcome is not None:
                fields["cache"] = cache_outcome.decode("latin-1")
            slow = duration > series.slow_threshold and series.duration is not None
            small_kind = None  # of a 2xx JSON answer with a body
            if (
                200 <= status < 300
                and response_headers.get(b"content-type", b"").startswith(b"application/json")
                and method != "HEAD"
            ):
                if state.get(_EMPTY_MARK):
                    small_kind = "empty"  # the handler said so: a true answer, whatever its size
                elif series.small_minimum is not None and sent_bytes < series.small_minimum:
                    small_kind = "small"
            if slow or small_kind is not None:
                # the detectors' events repeat the request's fields: copied before the request
                # line takes them, logged after it
                detected = self._detected(series, method, route, slow, small_kind, fields)
            if error is None:
                log_event(LOGGER_NAME, "info", "request", fields)
            else:
                log_event(LOGGER_NAME, "error", "request", {"error": error, **fields})
            if slow or small_kind is not None:
                for level, event, event_fields in detected:
                    log_event(LOGGER_NAME, level, event, event_fields)
            REQUEST_ID.reset(request_id_token)

    def _active_gauge(self, method: str) -> BatchedGauge:
        child = self.metrics.active_requests.labels(method)
        gauge = self._active[method] = BatchedGauge(child, self.metrics.batch)
        return gauge

    def _new_series(self, method: str, route: str, status: int) -> _Series:
        series = self._series[method, route, status] = _Series(
            self.metrics, self.config, method, route, status
        )
        return series

    def _detected(
        self,
        series: _Series,
        method: str,
        route: str,
        slow: bool,
        small_kind: str | None,
        fields: dict[str, Any],
    ) -> list[tuple[str, str, dict[str, Any]]]:
        """Count what the detectors found; the events to log after the request line."""
        events: list[tuple[str, str, dict[str, Any]]] = []
        if slow:
            self.metrics.slow_requests.labels(method, route).inc()
            threshold_ms = round(series.slow_threshold * 1000)
            events.append(("warning", "slow_request", {"threshold_ms": threshold_ms, **fields}))
        if small_kind is not None:
            self.metrics.small_responses.labels(method, route, small_kind).inc()
            level = "info" if small_kind == "empty" else "warning"
            minimum = series.small_minimum
            event = {"kind": small_kind, "expected_min_bytes": minimum, **fields}
            events.append((level, "small_response", event))
        return events
