"""One pure ASGI middleware: request id, timing, bytes sent, route template, detectors, the
``request`` log line. Pure ASGI (not ``BaseHTTPMiddleware``) so streaming responses are
counted as sent and nothing is buffered."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import structlog
from opentelemetry import trace
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from telemetry.logging import REQUEST_ID
from telemetry.metrics import METRICS, Metrics
from telemetry.tracing import span_ids

UNMATCHED_ROUTE = "unmatched"
REQUEST_ID_HEADERS = (b"x-request-id", b"rndr-id")
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
_EMPTY_MARK = "telemetry.empty_result"
STATE_REQUEST_ID = "request_id"

logger = structlog.get_logger("telemetry.request")


@dataclass(frozen=True)
class TelemetryConfig:
    slow_threshold_seconds: float = 1.0
    slow_threshold_overrides: Mapping[str, float] = field(default_factory=dict)
    small_response_bytes: Mapping[str, int] = field(default_factory=dict)
    # Routes left out of the latency and size histograms (probes and scrapes).
    unmeasured_routes: frozenset[str] = frozenset(
        {"/metrics", "/health/live", "/health/ready", "/api/v1/health/render"}
    )

    def slow_threshold(self, route: str) -> float:
        return self.slow_threshold_overrides.get(route, self.slow_threshold_seconds)


def mark_empty_result(scope_state: dict[str, Any]) -> None:
    """Say that this 2xx answer is legitimately empty (an empty table is a true answer)."""
    scope_state[_EMPTY_MARK] = True


def route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    if not isinstance(path, str):
        return UNMATCHED_ROUTE
    return scope.get("root_path", "") + path if scope.get("root_path") else path


def incoming_request_id(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:  # ASGI gives header names in lower case
        if name in REQUEST_ID_HEADERS:
            text = value.decode("latin-1")
            if _SAFE_REQUEST_ID.fullmatch(text):
                return text
    return None


class TelemetryMiddleware:
    def __init__(
        self, app: ASGIApp, config: TelemetryConfig | None = None, metrics: Metrics = METRICS
    ) -> None:
        self.app = app
        self.config = config or TelemetryConfig()
        self.metrics = metrics
        self.pid = os.getpid()
        # labelled children looked up once: label values are bounded (route templates)
        self._active: dict[str, Any] = {}
        self._measured: dict[tuple[str, str, str], tuple[Any, Any]] = {}

    def _active_gauge(self, method: str) -> Any:
        gauge = self._active.get(method)
        if gauge is None:
            gauge = self._active[method] = self.metrics.active_requests.labels(method)
        return gauge

    def _histograms(self, method: str, route: str, status: str) -> tuple[Any, Any]:
        key = (method, route, status)
        children = self._measured.get(key)
        if children is None:
            children = self._measured[key] = (
                self.metrics.request_duration.labels(method, route, status),
                self.metrics.response_size.labels(method, route),
            )
        return children

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        request_id = incoming_request_id(scope["headers"]) or os.urandom(16).hex()
        state = scope.setdefault("state", {})
        state[STATE_REQUEST_ID] = request_id
        method = scope["method"]
        started = time.perf_counter()
        status = 500
        sent_bytes = 0
        content_type = b""
        cache_outcome: str | None = None

        request_id_header = (b"x-request-id", request_id.encode("latin-1"))

        async def send_with_telemetry(message: Message) -> None:
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
            await send(message)

        active = self._active_gauge(method)
        active.inc()
        request_id_token = REQUEST_ID.set(request_id)
        span = trace.get_current_span()  # the server span, when tracing is on
        if span.is_recording():
            span.set_attribute("http.request_id", request_id)
        error: str | None = None
        try:
            await self.app(scope, receive, send_with_telemetry)
        except BaseException as exc:
            status = 500
            error = type(exc).__name__
            raise
        finally:
            duration = time.perf_counter() - started
            active.dec()
            route = route_template(scope)
            self._record(
                scope,
                span,
                method,
                route,
                status,
                duration,
                sent_bytes,
                content_type,
                cache_outcome,
                error,
            )
            REQUEST_ID.reset(request_id_token)

    def _record(
        self,
        scope: Scope,
        span: trace.Span,
        method: str,
        route: str,
        status: int,
        duration: float,
        sent_bytes: int,
        content_type: bytes,
        cache_outcome: str | None,
        error: str | None = None,
    ) -> None:
        # an exception that escaped the app is answered further out (the server's 500): its
        # bytes are not ours to count
        unanswered = error is not None and sent_bytes == 0
        if route not in self.config.unmeasured_routes:
            timer, sizer = self._histograms(method, route, str(status))
            timer.observe(duration)
            if not unanswered:
                sizer.observe(sent_bytes)
        fields: dict[str, Any] = {
            "method": method,
            "route": route,
            "path": scope["path"],
            "status": status,
            "duration_ms": round(duration * 1000, 2),
            "response_bytes": None if unanswered else sent_bytes,
            "worker_pid": self.pid,
        }
        fields["trace_id"], fields["span_id"] = span_ids(span)
        if cache_outcome is not None:
            fields["cache"] = cache_outcome
        if error is not None:
            logger.error("request", error=error, **fields)
        else:
            logger.info("request", **fields)

        threshold = self.config.slow_threshold(route)
        if duration > threshold and route not in self.config.unmeasured_routes:
            self.metrics.slow_requests.labels(method, route).inc()
            logger.warning("slow_request", threshold_ms=round(threshold * 1000), **fields)

        if not (200 <= status < 300 and content_type.startswith(b"application/json")):
            return
        minimum = self.config.small_response_bytes.get(route)
        if scope.get("state", {}).get(_EMPTY_MARK):
            kind = "empty"  # the handler said so: a true answer, whatever its size
        elif minimum is not None and sent_bytes < minimum:
            kind = "small"
        else:
            return
        self.metrics.small_responses.labels(method, route, kind).inc()
        log = logger.info if kind == "empty" else logger.warning
        log("small_response", kind=kind, expected_min_bytes=minimum, **fields)
