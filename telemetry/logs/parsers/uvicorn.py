"""uvicorn: server lifecycle, the multiprocess supervisor and access lines."""

from __future__ import annotations

import re

from telemetry.logs.model import SOURCE_UVICORN, Lifecycle, LineContext, Request
from telemetry.logs.routes import route_template

# uvicorn pads the level to one width ("INFO:     ", "WARNING:  "); pip's and other tools'
# "WARNING: …" in a build log have one space and are not uvicorn's
PREFIX = re.compile(r"(?:INFO: {4}|WARNING: |ERROR: {3}|DEBUG: {3}|TRACE: {3}|CRITICAL:) +")
_ACCESS = re.compile(r'^(\S+) - "([A-Z]+) (\S+) HTTP/[\d.]+" (\d{3})')
_MESSAGE = re.compile(
    r"Started server process \[(?P<server_started>\d+)\]"
    r"|Finished server process \[(?P<server_finished>\d+)\]"
    r"|Started parent process \[(?P<supervisor_start>\d+)\]"
    r"|Stopping parent process \[(?P<master_shutdown>\d+)\]"
    r"|(?:Waiting for|Terminated) child process \[(?P<child_stopping>\d+)\]"
    r"|Child process \[(?P<child_pid>\d+)\] (?P<child>died|failed to start)"
    r"|(?P<startup_complete>Application startup complete\.)"
    r"|(?P<server_shutting_down>Shutting down)$"
    r"|(?P<boot_failed>Application startup failed\. Exiting\.|Error loading ASGI app.*)"
    r"|Received SIG(?P<signal>TERM|INT), exiting\."
    r"|Uvicorn running on (?P<listening>\S+)"
    r"|(?P<other>Waiting for application|Application shutdown complete)"
)
_PID_KINDS = frozenset(
    {"server_started", "server_finished", "supervisor_start", "master_shutdown", "child_stopping"}
)


def parse_message(msg: str, ctx: LineContext) -> bool:
    match = _MESSAGE.match(msg)
    if match is None:
        return parse_access(msg, ctx)
    kind = match.lastgroup
    value = match.group(kind) if kind else None
    events = ctx.events
    if kind in _PID_KINDS and value:
        events.append(Lifecycle(kind, int(value)))
    elif kind == "child":
        pid = int(match.group("child_pid"))
        if value == "died":
            events.append(Lifecycle("child_died", pid))
        else:
            events.append(Lifecycle("boot_failed", pid, msg))
    elif kind == "signal":
        events.append(Lifecycle("signal", ctx.pid, (value or "").lower()))
    elif kind in ("startup_complete", "server_shutting_down", "listening", "boot_failed"):
        events.append(Lifecycle(kind, ctx.pid, value))
    return True


def parse_access(msg: str, ctx: LineContext) -> bool:
    match = _ACCESS.match(msg)
    if match is None:
        return False
    path = match.group(3)
    ctx.events.append(
        Request(
            method=match.group(2),
            path=path,
            route=route_template(path),
            status=int(match.group(4)),
            duration_ms=None,
            response_bytes=None,
            source=SOURCE_UVICORN,
        )
    )
    return True
