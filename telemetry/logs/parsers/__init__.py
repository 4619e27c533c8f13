"""Per-line format detection: each line is unwrapped (syslog, JSON, timestamps, gunicorn
prefix) and its message handed to the parser of its family. Unknown lines are counted."""

from __future__ import annotations

import re

from telemetry.logs.model import LineContext
from telemetry.logs.parsers import console, gunicorn, heroku, jsonlines, legacy, render, uvicorn
from telemetry.logs.parsers.errors import Tracebacks
from telemetry.logs.timeparse import ISO_PREFIX, parse_timestamp

BLANK = "blank"
UNKNOWN = "unknown"
RENDER_HTTP = "render-http"
RENDER_PLATFORM = "render-platform"
GUNICORN = "gunicorn"
UVICORN = "uvicorn"
HEROKU = "heroku"
PAGOS_JSON = "pagos-json"
PAGOS_CONSOLE = "pagos-console"
LEGACY = "legacy-app"
APP = "app-text"
TRACEBACK = "traceback"
FAMILIES = (
    RENDER_HTTP,
    RENDER_PLATFORM,
    GUNICORN,
    UVICORN,
    HEROKU,
    PAGOS_JSON,
    PAGOS_CONSOLE,
    LEGACY,
    APP,
    TRACEBACK,
    BLANK,
    UNKNOWN,
)

_SYSLOG_5424 = re.compile(r"<\d{1,3}>1 (\S+) (\S+) (\S+) (\S+) (\S+) (?:-|(?:\[[^\]]*\])+) ?")
_SYSLOG_3164 = re.compile(r"<\d{1,3}>\w{3} [ \d]\d \d\d:\d\d:\d\d (\S+) ([^:\[\s]+)(?:\[\d+\])?: ")
_RENDER_IDS = ("srv-", "crn-", "wrk-")  # Render service and instance id prefixes
_ANSI_STYLE = re.compile(r"\x1b\[[0-9;]*m")  # a console log written to a terminal
_DASHBOARD_TIME = re.compile(
    r"(?:[A-Z][a-z]{2} \d{1,2}|\d{1,2} [A-Z][a-z]{2}) \d\d:\d\d:\d\d(?: ?[AP]M)?\s+"
)


class Classifier:
    """Stateful only for what spans lines: open tracebacks, per instance."""

    def __init__(self) -> None:
        self.tracebacks = Tracebacks()

    def classify(self, text: str, ctx: LineContext) -> str:
        if not text or text.isspace():
            return BLANK
        first = text[0]
        if first == "\x1b":
            text = _ANSI_STYLE.sub("", text)
            first = text[:1] or " "
        if first == "{":
            return self._json(text, ctx)
        if first == "<":
            match = _SYSLOG_5424.match(text)
            if match is not None:
                ctx.ts = parse_timestamp(match.group(1)) or ctx.ts
                ctx.instance = match.group(3)
                ctx.wrapper = "syslog"
                return self._message(text[match.end() :], ctx)
            match = _SYSLOG_3164.match(text)
            if match is not None:
                ctx.instance = match.group(2)
                ctx.wrapper = "syslog"
                return self._message(text[match.end() :], ctx)
        return self._message(text, ctx)

    def _json(self, text: str, ctx: LineContext) -> str:
        obj = jsonlines.load(text)
        if obj is None:
            return UNKNOWN
        if "event" in obj:
            rest = jsonlines.parse_pagos(obj, ctx)
            if rest:
                self._app_text(rest, ctx)
            return PAGOS_JSON
        if "message" in obj:
            ctx.wrapper = "render-json"
            rest, kind = jsonlines.parse_render(obj, ctx)
            if rest is None:
                return RENDER_HTTP
            family = self._message(rest, ctx)
            if family == UNKNOWN and kind in ("build", "deploy"):
                return RENDER_PLATFORM  # build output (pip, npm…): Render's, not the app's
            return family
        return UNKNOWN

    def _console(self, level: str, text: str, ctx: LineContext) -> str:
        """pagos's development log: the same events as its JSON lines, read the same way."""
        rest = jsonlines.parse_pagos(console.parse(level, text), ctx)
        if rest and not self.tracebacks.start(rest, ctx):
            self._app_text(rest, ctx)
        return PAGOS_CONSOLE

    def _message(self, msg: str, ctx: LineContext) -> str:
        tracebacks = self.tracebacks
        if tracebacks.open and ctx.instance in tracebacks.open and tracebacks.feed(msg, ctx):
            return TRACEBACK
        if not msg or msg.isspace():
            return BLANK
        first = msg[0]
        if first == "=" and render.parse_platform(msg, ctx):
            return RENDER_PLATFORM
        if first == "[":
            match = gunicorn.PREFIX.match(msg)
            if match is not None:
                stamp = match.group(1) + (match.group(2) or "")
                ctx.ts = parse_timestamp(stamp) or ctx.ts
                ctx.pid = int(match.group(3))
                rest = msg[match.end() :]
                if not self.tracebacks.start(rest, ctx):
                    self._app_text(rest, ctx)
                return GUNICORN
            if render.parse_http(msg, ctx):
                return RENDER_HTTP
        elif first.isdigit():
            family = self._timestamped(msg, ctx)
            if family is not None:
                return family
        elif first.isupper():
            match = uvicorn.PREFIX.match(msg)
            if match is not None:
                rest = msg[match.end() :]
                if not self.tracebacks.start(rest, ctx):
                    self._app_text(rest, ctx)
                return UVICORN
            match = _DASHBOARD_TIME.match(msg)
            if match is not None:
                return self._message(msg[match.end() :], ctx)
        if ("clientIP=" in msg or "responseTimeMS=" in msg) and render.parse_http(msg, ctx):
            return RENDER_HTTP
        if self.tracebacks.start(msg, ctx):
            return TRACEBACK
        if self._app_text(msg, ctx):
            return APP
        return UNKNOWN

    def _timestamped(self, msg: str, ctx: LineContext) -> str | None:
        match = ISO_PREFIX.match(msg)
        if match is None:
            if gunicorn.parse_access(msg, ctx):
                return GUNICORN
            return None
        ctx.ts = parse_timestamp(match.group(1)) or ctx.ts
        rest = msg[match.end() :]
        if rest.startswith("["):
            level = console.LEVEL.match(rest)
            if level is not None:
                return self._console(level.group(1), rest[level.end() :], ctx)
        if rest.startswith("- "):
            head = legacy.PREFIX.match(rest)
            if head is not None:
                body = rest[head.end() :]
                if not self.tracebacks.start(body, ctx):
                    legacy.parse_message(body, ctx)
                return LEGACY
        head = heroku.PREFIX.match(rest)
        if head is not None:
            ctx.instance = head.group(2)
            body = rest[head.end() :]
            if head.group(1) == "heroku" or head.group(2) == "api":
                if head.group(2) == "router":
                    heroku.parse_router(body, ctx)
                else:
                    heroku.parse_dyno(body, ctx)
                return HEROKU
            ctx.wrapper = "heroku"
            return self._message(body, ctx)
        if not rest:
            return UNKNOWN
        if rest.startswith(_RENDER_IDS):  # Render's text export: time, instance, message
            instance, _, message = rest.partition(" ")
            ctx.instance = instance
            rest = message.lstrip()
        ctx.wrapper = ctx.wrapper or "timestamp"
        return self._message(rest, ctx)

    def _app_text(self, msg: str, ctx: LineContext) -> bool:
        return (
            gunicorn.parse_message(msg, ctx)
            or uvicorn.parse_message(msg, ctx)
            or legacy.parse_message(msg, ctx)
        )
