"""Heroku: router lines (with H-codes) and dyno manager lines (with R-codes)."""

from __future__ import annotations

import re

from telemetry.logs.model import SOURCE_HEROKU, ErrorSignal, Lifecycle, LineContext, Request
from telemetry.logs.routes import route_template

PREFIX = re.compile(r"(heroku|app)\[([\w.\-]+)\]:\s?")
_PAIR = re.compile(r'(\w+)=("[^"]*"|\S*)')
_MS = re.compile(r"(\d+)ms")
_R_CODE = re.compile(r"Error (R\d+) \(([^)]*)\)")
_EXIT = re.compile(r"Process exited with status (\d+)")
_STATE = re.compile(r"State changed from (\w+) to (\w+)")

# R-codes that end a dyno, and what ended it
_R_CAUSES = {
    "R10": ("boot_failed", "R10 boot timeout"),
    "R15": ("oom_kill", "R15 memory quota vastly exceeded"),
    "R12": ("exit_timeout", "R12 exit timeout"),
}


# The router's usual field order; anything else goes through the generic key=value reader.
_ROUTER = re.compile(
    r'at=(?P<at>\S+) (?:code=(?P<code>\S+) desc="(?P<desc>[^"]*)" )?method=(?P<method>\S+) '
    r'path="?(?P<path>[^"\s]*)"? host=\S+ request_id=(?P<request_id>\S+) fwd=\S+ '
    r"dyno=(?P<dyno>\S+) connect=\S+ service=(?P<service>\d+ms) status=(?P<status>\d+) "
    r"bytes=(?P<bytes>\d*)"
)


def parse_router(msg: str, ctx: LineContext) -> bool:
    match = _ROUTER.match(msg)
    if match is not None:
        fields = match.groupdict("")
    else:
        fields = {key: value.strip('"') for key, value in _PAIR.findall(msg)}
    path = fields.get("path")
    if not path or not fields.get("method"):
        return False
    service = _MS.match(fields.get("service", ""))
    size = fields.get("bytes", "")
    status = fields.get("status", "")
    ctx.instance = fields.get("dyno") or ctx.instance
    ctx.events.append(
        Request(
            method=fields["method"],
            path=path,
            route=route_template(path),
            status=int(status) if status.isdigit() else None,
            duration_ms=float(service.group(1)) if service else None,
            response_bytes=int(size) if size.isdigit() else None,
            source=SOURCE_HEROKU,
            request_id=fields.get("request_id"),
        )
    )
    code = fields.get("code")
    if fields.get("at") == "error" and code:
        ctx.events.append(ErrorSignal(f"heroku_{code}", fields.get("desc", code)))
    return True


def parse_dyno(msg: str, ctx: LineContext) -> bool:
    events = ctx.events
    if (match := _R_CODE.search(msg)) is not None:
        code = match.group(1)
        events.append(ErrorSignal(f"heroku_{code}", match.group(2)))
        if code in _R_CAUSES:
            kind, value = _R_CAUSES[code]
            events.append(Lifecycle(kind, value=value))
        return True
    if (match := _EXIT.search(msg)) is not None:
        events.append(Lifecycle("app_exited", value=match.group(1)))
        return True
    if (match := _STATE.search(msg)) is not None:
        before, after = match.group(1), match.group(2)
        if after == "crashed":
            kind = "boot_failed" if before == "starting" else "crashed"
            events.append(Lifecycle(kind, value=f"state {before} → crashed"))
        elif after == "up":
            events.append(Lifecycle("live"))
        return True
    if msg.startswith("Starting process with command"):
        events.append(Lifecycle("platform_start", value=msg[30:].strip().strip("`")))
        return True
    if msg.startswith("Stopping all processes with SIGTERM"):
        events.append(Lifecycle("platform_signal", value="term"))
        return True
    if msg.startswith(("Cycling", "Restarting", "Idling")):
        events.append(Lifecycle("platform_cycle", value=msg.strip()))
        return True
    if msg.startswith("Relocating dyno"):
        events.append(Lifecycle("platform_cycle", value=msg.strip()))
        return True
    return msg.startswith(("Release", "Deploy", "Build"))
