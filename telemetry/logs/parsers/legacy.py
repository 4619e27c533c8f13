"""Free-text application messages, chiefly those of the backend pagos replaces.

Its lines look like ``2025-11-10 14:00:00,123 - app.main - WARNING - ⚠️ Usando MemoryCache …``;
the same messages also arrive bare (Render's dashboard shows stdout as is).
"""

from __future__ import annotations

import re

from telemetry.logs.model import (
    SOURCE_APP,
    AppFlag,
    CacheBackend,
    CacheLookup,
    LineContext,
    Request,
)
from telemetry.logs.parsers.errors import error_signatures
from telemetry.logs.routes import route_template

PREFIX = re.compile(r"- ([\w.\-:<>\[\]]+) - (DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL|FATAL) - ")
_METHOD_PATH = re.compile(r"\b(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+(/\S*)")
_TIME = re.compile(r"responseTimeMS=\"?(\d+(?:\.\d+)?)")
_BYTES = re.compile(r"responseBytes=\"?(\d+)")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_BARE_STATUS = re.compile(r"\s-\s(\d{3})\b")
_HIT_MISS = re.compile(r"\bcache[ _:-]+(hit|miss)\b", re.IGNORECASE)
_REDIS_OK = re.compile(
    r"(?:conectado a|connected to|usando|using|conexi[oó]n (?:a|con)|connection to) redis"
    r"|redis\w*\b.{0,40}?\b(?:conectado|connected|inicializado|initialized|enabled|activo"
    r"|ready|disponible|established|establecida|ok)\b",
    re.IGNORECASE,
)
_REDIS_FAILED = re.compile(
    r"no se pudo|not connect|could not|couldn't|failed|fall[oó]|error|unable|refused"
    r"|timeout|timed out|no disponible|unavailable",
    re.IGNORECASE,
)

MISSING_REQUEST_ID = "requestID=None"


def parse_message(msg: str, ctx: LineContext) -> bool:
    """Recognize an application message; True when it said something the report uses."""
    if "[SLOW REQUEST]" in msg or "[SMALL RESPONSE]" in msg:
        return _flag(msg, ctx)
    if "responseTimeMS=" in msg or "responseBytes=" in msg:
        return _request(msg, ctx)
    recognized = False
    low_needed = "ache" in msg or "edis" in msg or "EDIS" in msg or "ACHE" in msg
    if low_needed:
        recognized = _cache(msg, ctx)
    signals = error_signatures(msg)
    if signals:
        ctx.events.extend(signals)
        recognized = True
    return recognized


def _flag(msg: str, ctx: LineContext) -> bool:
    head = _METHOD_PATH.search(msg)
    method, path = (head.group(1), head.group(2)) if head else ("?", "(path not logged)")
    if "[SLOW REQUEST]" in msg:
        match = _TIME.search(msg)
        if match:
            ctx.events.append(AppFlag("slow", method, route_template(path), float(match.group(1))))
    else:
        match = _BYTES.search(msg)
        if match:
            ctx.events.append(AppFlag("small", method, route_template(path), int(match.group(1))))
    return True


_VALUE = re.compile(r'"?([^"\s]*)')
_STATUS_KEYS = ("status=", "statusCode=", "status_code=", "status:")


def _field(msg: str, key: str, start: int) -> str:
    """The value after ``key`` (``key=value`` or ``key="value"``), or "" (cheaper than a
    regex scan: ``str.find`` then one anchored match)."""
    at = msg.find(key, start)
    if at < 0:
        return ""
    match = _VALUE.match(msg, at + len(key))
    return match.group(1) if match else ""


def _request(msg: str, ctx: LineContext) -> bool:
    head = _METHOD_PATH.search(msg)
    if head is None:
        return False
    after = head.end()
    timing = _NUMBER.match(_field(msg, "responseTimeMS=", after))
    size = _field(msg, "responseBytes=", after)
    status = ""
    for key in _STATUS_KEYS:
        status = _field(msg, key, after)
        if status:
            break
    else:  # "GET /p - 200 - responseTimeMS=…": the status between dashes
        bare = _BARE_STATUS.search(msg, after)
        status = bare.group(1) if bare else ""
    request_id = _field(msg, "requestID=", after) if "requestID=" in msg else None
    ctx.events.append(
        Request(
            method=head.group(1),
            path=head.group(2),
            route=route_template(head.group(2)),
            status=int(status[:3]) if status[:3].isdigit() else None,
            duration_ms=float(timing.group(0)) if timing else None,
            response_bytes=int(size) if size.isdigit() else None,
            source=SOURCE_APP,
            request_id=request_id,
        )
    )
    return True


def _cache(msg: str, ctx: LineContext) -> bool:
    match = _HIT_MISS.search(msg)
    if match:
        ctx.events.append(CacheLookup(match.group(1).lower()))
        return True
    low = msg.lower()
    memory = ("memorycache" in low or "memoria" in low or "memory" in low) and (
        "usando" in low or "using" in low or "fallback" in low or "falling back" in low
    )
    if "redis" in low:
        if memory or (_REDIS_FAILED.search(msg) and "memory" in low):
            backend = "memory"  # "no se pudo conectar a Redis … usando MemoryCache"
        elif not _REDIS_FAILED.search(msg) and _REDIS_OK.search(msg):
            backend = "redis"
        else:
            return False
    elif memory and "memorycache" in low:
        backend = "memory"
    else:
        return False
    ctx.events.append(CacheBackend(backend, ctx.pid, msg.strip()))
    return True
