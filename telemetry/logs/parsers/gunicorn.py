"""gunicorn's error log, gunicorn 19 to 23+: master and worker lifecycle lines."""

from __future__ import annotations

import re

from telemetry.logs.model import SOURCE_APP, Lifecycle, LineContext, Request
from telemetry.logs.routes import route_template

PREFIX = re.compile(
    r"\[(\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:[.,]\d+)?)(?: ?([+-]\d{4}|Z|[A-Z]{3}))?\] "
    r"\[(\d+)\] \[([A-Z]+)\] ",
)
# One alternation, tried once per message: each branch is a message gunicorn writes.
_MESSAGE = re.compile(
    r"Starting gunicorn ?(?P<master_start>\S*)"
    r"|Listening at: (?P<listening>.*)"
    r"|Using worker: (?P<worker_class>.*)"
    r"|Handling signal: (?P<signal>\w+)"
    r"|Shutting down: [Mm]aster(?P<master_shutdown>)"
    r"|Reason: (?P<boot_failed>.*)"
    r"|Booting worker with pid: (?P<worker_boot>\d+)"
    r"|WORKER TIMEOUT \(pid:\s*(?P<worker_timeout>\d+)\)"
    r"|Worker exiting \(pid: ?(?P<worker_exit>\d+)\)"
    r"|Worker \(pid:\s*(?P<sent_pid>\d+)\) was sent (?:code |signal )?(?P<sent>\w+)!"
    r"|Worker \(pid:\s*(?P<exit_pid>\d+)\) exited with code:? (?P<exit_code>\d+)"
    r"|(?P<worker_count>\d+) workers$"
    r"|(?P<other>Exception in worker process|Hang up|Arbiter booted|Worker failed to boot"
    r"|App failed to load)"
)
_ACCESS = re.compile(r'^(\S+) \S+ \S+ \[([^\]]+)\] "([A-Z]+) (\S+)[^"]*" (\d{3}) (\d+|-)')
_WITH_PID = frozenset({"worker_boot", "worker_timeout", "worker_exit"})


def parse_message(msg: str, ctx: LineContext) -> bool:
    """Messages gunicorn's arbiter and workers write; True when one was recognized."""
    match = _MESSAGE.match(msg)
    if match is None:
        return False
    kind = match.lastgroup
    value = match.group(kind) if kind else None
    events = ctx.events
    if kind in _WITH_PID and value:
        events.append(Lifecycle(kind, int(value)))
    elif kind == "sent":  # lastgroup names the last group that closed
        signame = (value or "").upper()
        if signame.isdigit():
            signame = f"SIGNAL {signame}"
        events.append(Lifecycle("worker_signaled", int(match.group("sent_pid")), signame))
    elif kind == "exit_code":
        events.append(
            Lifecycle("worker_exit_code", int(match.group("exit_pid")), match.group("exit_code"))
        )
    elif kind == "other":
        if value in ("Worker failed to boot", "App failed to load"):
            events.append(Lifecycle("boot_failed", ctx.pid, msg.strip()))
    elif kind == "signal":
        events.append(Lifecycle("signal", ctx.pid, (value or "").lower()))
    elif kind is not None:
        events.append(Lifecycle(kind, ctx.pid, (value or "").strip() or None))
    return True


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
