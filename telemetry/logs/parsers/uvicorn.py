"""uvicorn: server lifecycle, the multiprocess supervisor and access lines."""

from __future__ import annotations

import re

from telemetry.logs.model import SOURCE_UVICORN, Lifecycle, LineContext, Request
from telemetry.logs.routes import route_template

PREFIX = re.compile(r"(DEBUG|INFO|WARNING|ERROR|CRITICAL|TRACE):\s+")
_BRACKET_PID = re.compile(r"\[(\d+)\]")
_ACCESS = re.compile(r'^(\S+) - "([A-Z]+) (\S+) HTTP/[\d.]+" (\d{3})')
_WITH_PID: tuple[tuple[str, str], ...] = (
    ("Started server process", "server_started"),
    ("Finished server process", "server_finished"),
    ("Started parent process", "supervisor_start"),
    ("Stopping parent process", "master_shutdown"),
    ("Waiting for child process", "child_stopping"),
    ("Terminated child process", "child_stopping"),
)
_PLAIN: dict[str, str] = {
    "Application startup complete.": "startup_complete",
    "Shutting down": "server_shutting_down",
    "Application startup failed. Exiting.": "boot_failed",
    "Received SIGTERM, exiting.": "signal",
    "Received SIGINT, exiting.": "signal",
}


def parse_message(msg: str, ctx: LineContext) -> bool:
    events = ctx.events
    for prefix, kind in _WITH_PID:
        if msg.startswith(prefix):
            match = _BRACKET_PID.search(msg)
            pid = int(match.group(1)) if match else ctx.pid
            events.append(Lifecycle(kind, pid))
            return True
    if msg.startswith("Child process ["):
        match = _BRACKET_PID.search(msg)
        pid = int(match.group(1)) if match else None
        if "failed to start" in msg:
            events.append(Lifecycle("boot_failed", pid, msg))
        elif "died" in msg:
            events.append(Lifecycle("child_died", pid))
        return True
    kind = _PLAIN.get(msg.rstrip())
    if kind is not None:
        value = "term" if "SIGTERM" in msg else "int" if "SIGINT" in msg else msg
        events.append(Lifecycle(kind, ctx.pid, value))
        return True
    if msg.startswith("Uvicorn running on"):
        events.append(Lifecycle("listening", ctx.pid, msg[19:].split(" (")[0]))
        return True
    if msg.startswith("Error loading ASGI app"):
        events.append(Lifecycle("boot_failed", ctx.pid, msg))
        return True
    if msg.startswith(("Waiting for application", "Application shutdown complete")):
        return True
    return parse_access(msg, ctx)


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
