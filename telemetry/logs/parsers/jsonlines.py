"""JSON lines: pagos's own structlog events (docs/logs.md) and Render's API/CLI JSON."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from telemetry.logs.model import (
    SOURCE_APP,
    SOURCE_RENDER,
    AppFlag,
    CacheBackend,
    CacheLookup,
    ErrorSignal,
    Lifecycle,
    LineContext,
    Request,
)
from telemetry.logs.parsers import render
from telemetry.logs.parsers.errors import error_signatures
from telemetry.logs.routes import route_template
from telemetry.logs.timeparse import parse_timestamp

try:
    import orjson

    _loads: Callable[[str], Any] = orjson.loads
    DecodeError: type[ValueError] = orjson.JSONDecodeError
except ImportError:  # pragma: no cover - orjson is a dependency; json keeps this usable
    import json

    _loads = json.loads
    DecodeError = json.JSONDecodeError

PAGOS = "pagos-json"
RENDER_JSON = "render-json"
_WORKER_EVENTS = {
    "worker_started": "worker_boot",
    "worker_stopping": "worker_stopping",
    "worker_stopped": "worker_stopped",
}


def load(text: str) -> dict[str, Any] | None:
    try:
        value = _loads(text)
    except DecodeError:
        return None
    return value if isinstance(value, dict) else None


def _int(value: Any) -> int | None:
    """A count, status or pid: a non-negative whole number, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value >= 0 else None
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _float(value: Any) -> float | None:
    """A finite number, or None: "inf"/"nan" strings are not durations."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def parse_pagos(obj: dict[str, Any], ctx: LineContext) -> str | None:
    """Apply a pagos event; returns the event text when it is a third-party message."""
    stamp = obj.get("timestamp")
    if isinstance(stamp, str):
        ctx.ts = parse_timestamp(stamp) or ctx.ts
    event = str(obj.get("event", ""))
    pid = _int(obj.get("worker_pid"))
    if pid is None and event.startswith("worker_"):
        pid = _int(obj.get("pid"))  # lifecycle events name their worker ``pid``
    if pid is not None and event != "worker_exited":  # that one is the master's line
        ctx.pid = pid
    # not ``host``: only lifecycle lines carry it, and one instance must not split in two
    instance = obj.get("instance")
    if isinstance(instance, str) and instance:
        ctx.instance = instance
    events = ctx.events
    if event == "request":
        path = str(obj.get("path") or obj.get("route") or "/")
        route = obj.get("route")
        cache = obj.get("cache")
        events.append(
            Request(
                method=str(obj.get("method", "?")),
                path=path,
                route=str(route) if route else route_template(path),
                status=_int(obj.get("status")),
                duration_ms=_float(obj.get("duration_ms")),
                response_bytes=_int(obj.get("response_bytes")),
                source=SOURCE_APP,
                cache=str(cache) if cache else None,
                request_id=str(obj.get("request_id")) if obj.get("request_id") else None,
                sizes_judged=True,
            )
        )
    elif event in ("slow_request", "small_response"):
        route = str(obj.get("route") or route_template(str(obj.get("path", "/"))))
        method = str(obj.get("method", "?"))
        if event == "slow_request":
            value = _float(obj.get("duration_ms"))
            request_id = str(obj.get("request_id")) if obj.get("request_id") else None
            if value is not None:
                events.append(AppFlag("slow", method, route, value, request_id=request_id))
        else:
            size = _int(obj.get("response_bytes"))
            if size is not None:
                declared = "empty" if obj.get("kind") == "empty" else None
                events.append(AppFlag("small", method, route, size, declared))
    elif event == "cache_backend_selected":
        backend = str(obj.get("backend", "")).lower()
        if backend in ("redis", "memory"):
            events.append(CacheBackend(backend, pid, f"cache_backend_selected backend={backend}"))
    elif event in ("cache_hit", "cache_miss"):
        events.append(CacheLookup(event[6:]))
    elif event == "worker_exited" and pid is not None:
        events.append(_worker_exited(obj, pid))
    elif event in _WORKER_EVENTS:
        reason = obj.get("reason") or obj.get("signal")
        events.append(Lifecycle(_WORKER_EVENTS[event], pid, str(reason) if reason else None))
    else:
        exception = obj.get("exception") or obj.get("exc_info")
        if isinstance(exception, str) and exception:
            last = exception.strip().splitlines()[-1]
            events.append(ErrorSignal("traceback", last.split(":", 1)[0]))
            events.extend(error_signatures(last))
        return event
    return None


def parse_render(obj: dict[str, Any], ctx: LineContext) -> tuple[str | None, str]:
    """Render's ``/v1/logs`` / ``render logs -o json`` object.

    Returns the message still to parse (None when it was a request) and the ``type`` label.
    """
    labels: dict[str, Any] = {}
    raw_labels = obj.get("labels")
    if isinstance(raw_labels, list):
        for label in raw_labels:
            if isinstance(label, dict) and "name" in label:
                labels[str(label["name"])] = label.get("value")
    else:
        labels = obj
    stamp = obj.get("timestamp")
    if isinstance(stamp, str):
        ctx.ts = parse_timestamp(stamp) or ctx.ts
    instance = labels.get("instance")
    if isinstance(instance, str) and instance:
        ctx.instance = instance
    message = str(obj.get("message", ""))
    kind = str(labels.get("type") or "")
    if kind == "request" or ("method" in labels and "path" in labels):
        request = render.parse_fields(message)
        path = str(labels.get("path") or "/")
        request.method = str(labels.get("method") or "?")
        request.path = path
        request.route = route_template(path)
        request.status = _int(labels.get("statusCode"))
        request.source = SOURCE_RENDER
        timing = _float(labels.get("responseTimeMS"))
        if timing is not None:
            request.duration_ms = timing
        size = _int(labels.get("responseBytes"))
        if size is not None:
            request.response_bytes = size
        ctx.events.append(request)
        return None, kind
    return message, kind


def _worker_exited(obj: dict[str, Any], pid: int) -> Lifecycle:
    """The master's account of a worker's end (pagos's gunicorn hooks, from the wait status)."""
    reason = str(obj.get("reason") or "")
    if reason == "timeout":
        return Lifecycle("worker_timeout", pid)
    if obj.get("server_stopping") is True or reason == "normal":
        return Lifecycle("worker_exit", pid)
    if reason == "sigkill":
        return Lifecycle("worker_signaled", pid, "SIGKILL")
    if reason in ("sigterm", "sigint"):
        return Lifecycle("worker_signaled", pid, "SIGTERM")
    code = _int(obj.get("exit_code"))
    if code is not None:
        return Lifecycle("worker_exit_code", pid, str(code))
    return Lifecycle("worker_signaled", pid, str(obj.get("signal") or "unknown signal"))
