"""Render: HTTP request lines (dashboard copy and export text), platform ``==>`` lines."""

from __future__ import annotations

import re

from telemetry.logs.model import SOURCE_RENDER, Lifecycle, LineContext, Request
from telemetry.logs.parsers.errors import error_signatures
from telemetry.logs.routes import route_template

_DASHBOARD = re.compile(r"\[([A-Z]{3,7})\]\s*(\d{3})\s*([^/\s\[]*)(/\S*?)?(?=clientIP=|\s|$)")
_TIME = re.compile(r"responseTimeMS=\"?(\d+(?:\.\d+)?)")
_BYTES = re.compile(r"responseBytes=\"?(\d+)")
_REQUEST_ID = re.compile(r"requestID=\"?([^\"\s]*)")
NO_PATH = "(path not logged)"


# The dashboard shape in Render's field order, read in one match (the common case).
_DASHBOARD_FULL = re.compile(
    r"\[([A-Z]{3,7})\]\s*(\d{3})\s*[^/\s\[]*(/\S*?)?\s*clientIP=\S*\s+"
    r"requestID=\"?([^\"\s]*)\"?\s+responseTimeMS=(\d+(?:\.\d+)?)\s+responseBytes=(\d+)"
)


def parse_http(msg: str, ctx: LineContext) -> bool:
    full = _DASHBOARD_FULL.match(msg)
    if full is not None:
        path = full.group(3) or "/"
        ctx.events.append(
            Request(
                method=full.group(1),
                path=path,
                route=route_template(path),
                status=int(full.group(2)),
                duration_ms=float(full.group(5)),
                response_bytes=int(full.group(6)),
                source=SOURCE_RENDER,
                request_id=full.group(4),
            )
        )
        return True
    head = _DASHBOARD.match(msg) if msg.startswith("[") else None
    if head is None and not msg.startswith("clientIP=") and "responseTimeMS=" not in msg:
        return False
    if head is None and "clientIP=" not in msg and "userAgent=" not in msg:
        return False
    request = parse_fields(msg)
    if head is not None:
        request.method = head.group(1)
        request.status = int(head.group(2))
        path = head.group(4) or "/"
        request.path = path
        request.route = route_template(path)
    ctx.events.append(request)
    return True


def parse_fields(msg: str) -> Request:
    time_match = _TIME.search(msg)
    bytes_match = _BYTES.search(msg)
    id_match = _REQUEST_ID.search(msg)
    return Request(
        method="?",
        path=NO_PATH,
        route=NO_PATH,
        status=None,
        duration_ms=float(time_match.group(1)) if time_match else None,
        response_bytes=int(bytes_match.group(1)) if bytes_match else None,
        source=SOURCE_RENDER,
        request_id=id_match.group(1) if id_match else None,
    )


_EXIT = re.compile(r"exited with (?:code|status) (\d+)", re.IGNORECASE)
_COMMIT = re.compile(r"Checking out commit (\w+)")
_PYTHON = re.compile(r"Using Python version (\S+)")
_PORT = re.compile(r"Detected (?:a )?(?:new )?(?:open )?(?:service running on )?port (\d+)")


def parse_platform(msg: str, ctx: LineContext) -> bool:
    """``==> …`` lines Render writes around builds, deploys and instance restarts."""
    if not msg.startswith("==>"):
        return False
    text = msg[3:].strip()
    low = text.lower()
    events = ctx.events
    if low.startswith("deploying"):
        events.append(Lifecycle("deploy_start"))
    elif low.startswith("running '") or low.startswith('running "'):
        events.append(Lifecycle("platform_start", value=text[8:].strip().strip("'\".")))
    elif low.startswith("starting service with"):
        events.append(Lifecycle("platform_start", value=text[21:].strip().strip("'\".")))
    elif "service is live" in low:
        events.append(Lifecycle("live"))
    elif "port scan timeout" in low or ("no open ports detected" in low and "timeout" in low):
        events.append(Lifecycle("boot_failed", value="Render found no open port"))
    elif (match := _EXIT.search(text)) is not None:
        events.append(Lifecycle("app_exited", value=match.group(1)))
    elif "out of memory" in low:
        events.append(Lifecycle("oom_kill", value=text))
    elif "restart" in low and "instance" in low:
        events.append(Lifecycle("instance_restart", value=text))
    elif (match := _COMMIT.search(text)) is not None:
        events.append(Lifecycle("deploy_commit", value=match.group(1)))
    elif (match := _PYTHON.search(text)) is not None:
        events.append(Lifecycle("version", value=f"Python {match.group(1)}"))
    elif "build failed" in low:
        events.append(Lifecycle("build_failed", value=text))
    elif (match := _PORT.search(text)) is not None:
        events.append(Lifecycle("port_detected", value=match.group(1)))
    else:
        events.extend(error_signatures(text))
    return True
