"""gunicorn's error log, gunicorn 19 to 23+: master and worker lifecycle lines."""

from __future__ import annotations

import re

from telemetry.logs.model import SOURCE_APP, Lifecycle, LineContext, Request
from telemetry.logs.routes import route_template

PREFIX = re.compile(
    r"\[(\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:[.,]\d+)?)(?: ?([+-]\d{4}|Z|[A-Z]{3}))?\] "
    r"\[(\d+)\] \[([A-Z]+)\] ",
)
_PID_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"Booting worker with pid: (\d+)"), "worker_boot"),
    (re.compile(r"WORKER TIMEOUT \(pid:\s*(\d+)\)"), "worker_timeout"),
    (re.compile(r"Worker exiting \(pid: ?(\d+)\)"), "worker_exit"),
)
_SENT = re.compile(r"Worker \(pid:\s*(\d+)\) was sent (?:code |signal )?(\w+)!")
_EXITED = re.compile(r"Worker \(pid:\s*(\d+)\) exited with code:? (\d+)")
_COUNT = re.compile(r"^(\d+) workers$")
_ACCESS = re.compile(r'^(\S+) \S+ \S+ \[([^\]]+)\] "([A-Z]+) (\S+)[^"]*" (\d{3}) (\d+|-)')


def parse_message(msg: str, ctx: LineContext) -> bool:
    """Messages gunicorn's arbiter and workers write; True when one was recognized."""
    events = ctx.events
    if msg.startswith("Starting gunicorn"):
        events.append(Lifecycle("master_start", ctx.pid, msg[18:].strip() or None))
        return True
    if msg.startswith("Listening at:"):
        events.append(Lifecycle("listening", ctx.pid, msg[13:].strip()))
        return True
    if msg.startswith("Using worker:"):
        events.append(Lifecycle("worker_class", ctx.pid, msg[13:].strip()))
        return True
    if msg.startswith("Handling signal:"):
        events.append(Lifecycle("signal", ctx.pid, msg[16:].strip().lower()))
        return True
    if msg.startswith("Shutting down: Master") or msg.startswith("Shutting down: master"):
        events.append(Lifecycle("master_shutdown", ctx.pid))
        return True
    if msg.startswith("Reason:"):
        events.append(Lifecycle("boot_failed", ctx.pid, msg[7:].strip()))
        return True
    if "Worker failed to boot" in msg or "App failed to load" in msg:
        events.append(Lifecycle("boot_failed", ctx.pid, msg.strip()))
        return True
    for pattern, kind in _PID_PATTERNS:
        match = pattern.search(msg)
        if match:
            events.append(Lifecycle(kind, int(match.group(1))))
            return True
    if "was sent" in msg and (match := _SENT.search(msg)) is not None:
        signame = match.group(2).upper()
        if signame.isdigit():
            signame = f"SIGNAL {signame}"
        events.append(Lifecycle("worker_signaled", int(match.group(1)), signame))
        return True
    if "exited with code" in msg and (match := _EXITED.search(msg)) is not None:
        events.append(Lifecycle("worker_exit_code", int(match.group(1)), match.group(2)))
        return True
    if (match := _COUNT.match(msg)) is not None:
        events.append(Lifecycle("worker_count", ctx.pid, match.group(1)))
        return True
    return msg.startswith(("Exception in worker process", "Hang up", "Arbiter booted"))


def parse_access(msg: str, ctx: LineContext) -> bool:
    """gunicorn's access log in its default (common log) format."""
    match = _ACCESS.match(msg)
    if match is None:
        return False
    size = match.group(6)
    ctx.events.append(
        Request(
            method=match.group(3),
            path=match.group(4),
            route=route_template(match.group(4)),
            status=int(match.group(5)),
            duration_ms=None,
            response_bytes=None if size == "-" else int(size),
            source=SOURCE_APP,
        )
    )
    return True
