"""Error signatures found in any free-text message, and tracebacks folded into one event."""

from __future__ import annotations

import re

from telemetry.logs.model import ErrorSignal, LineContext

_EXCEPTION_LINE = re.compile(
    r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Timeout|Refused)\w*)(?::\s?(.*))?$"
)
_TRACEBACK_HEAD = "Traceback (most recent call last):"
_CHAINING = (
    "During handling of the above exception",
    "The above exception was the direct cause",
)
_QUEUEPOOL = re.compile(r"QueuePool limit of size (\d+) overflow (\d+) reached")

REDIS_KINDS = ("redis_connection_refused", "redis_timeout", "redis_error")


def error_signatures(msg: str) -> list[ErrorSignal]:
    """Known failure signatures in a free-text message; empty when there is none."""
    low = msg.lower()
    found: list[ErrorSignal] = []
    if "redis" in low or ":6379" in low:
        if "refused" in low or "error 111" in low or "econnrefused" in low:
            found.append(ErrorSignal("redis_connection_refused", msg))
        elif "timeout" in low or "timed out" in low:
            found.append(ErrorSignal("redis_timeout", msg))
        elif "error" in low or "failed" in low or "no se pudo" in low or "exception" in low:
            found.append(ErrorSignal("redis_error", msg))
    if "queuepool limit" in low:
        found.append(ErrorSignal("db_pool_exhausted", msg))
    elif (
        "remaining connection slots" in low
        or "too many connections" in low
        or "toomanyconnections" in low
    ):
        found.append(ErrorSignal("db_connections_exhausted", msg))
    if ("health check" in low or "healthcheck" in low or "probe failed" in low) and (
        "fail" in low or "timed out" in low or "timeout" in low or "unhealthy" in low
    ):
        found.append(ErrorSignal("health_check_failed", msg))
    if "out of memory" in low or "memoryerror" in low:
        found.append(ErrorSignal("out_of_memory", msg))
    return found


def queuepool_limits(detail: str) -> tuple[int, int] | None:
    match = _QUEUEPOOL.search(detail)
    return (int(match.group(1)), int(match.group(2))) if match else None


class Tracebacks:
    """Python tracebacks, one per instance at a time, emitted once at their last line."""

    def __init__(self) -> None:
        self.open: dict[str, tuple[str, int]] = {}

    def start(self, msg: str, ctx: LineContext) -> bool:
        if not msg.startswith(_TRACEBACK_HEAD):
            return False
        self.open.setdefault(ctx.instance, (ctx.file, ctx.line))
        return True

    def feed(self, msg: str, ctx: LineContext) -> bool:
        """Consume a line of an open traceback; False means the traceback ended before it."""
        if (
            not msg
            or msg[0] in " \t"
            or msg.startswith(_CHAINING)
            or msg.startswith(_TRACEBACK_HEAD)
            or msg.startswith("+")
            or msg.startswith("|")
        ):
            return True
        match = _EXCEPTION_LINE.match(msg)
        self.open.pop(ctx.instance, None)
        if match is None:
            ctx.events.append(ErrorSignal("traceback", "(traceback without exception line)"))
            return False
        ctx.events.append(ErrorSignal("traceback", match.group(1)))
        ctx.events.extend(error_signatures(msg))
        return True
