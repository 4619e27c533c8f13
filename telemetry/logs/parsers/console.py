"""pagos's development log: structlog's ``ConsoleRenderer``, colours off.

``2026-12-03T19:29:25.858423Z [info     ] request                        [telemetry.request]
cache=miss duration_ms=66.85 …`` (one line): the time, the level padded in brackets, the event
padded to 30 columns, the logger in brackets, then the fields as ``key=value`` sorted by key.
A value is written bare when it is a plain word, else as Python's ``repr`` (``reason='redis
answered'``, ``previous=None``, ``shared=True``). Third-party records (gunicorn, uvicorn) have
their message in the event column, and it may hold brackets of its own (``Started server
process [2271] [uvicorn.error] worker_pid=2271``).

The line becomes the same object as its JSON rendering, so both formats mean the same.
"""

from __future__ import annotations

import ast
import re
from typing import Any

# after the timestamp; the level is padded to the longest level name ("exception")
LEVEL = re.compile(r"\[(critical|exception|error|warning|warn|info|debug|notset) *\] ")
_LOGGER = re.compile(r" \[([\w.\-]+)\](?= |$)")
_KEY = re.compile(r"([A-Za-z_][\w.\-]*)=")
_QUOTED = {
    "'": re.compile(r"'(?:[^'\\]|\\.)*'"),
    '"': re.compile(r'"(?:[^"\\]|\\.)*"'),
}
_PLAIN = re.compile(r"[^\s'\"(\[{]*")
_CLOSE = {"(": ")", "[": "]", "{": "}"}
_CONSTANTS: dict[str, Any] = {"None": None, "True": True, "False": False}


def parse(level: str, text: str) -> dict[str, Any]:
    """``text`` is what follows the level: the event, the logger and the fields."""
    obj: dict[str, Any] = {"level": level}
    for match in _LOGGER.finditer(text):
        # the first bracket after which only fields follow is the logger: an earlier one
        # belongs to the message ("process [2271]"), a later one to a quoted value
        fields = _fields(text, match.end())
        if fields is not None:
            obj["event"] = text[: match.start()].rstrip()
            obj["logger"] = match.group(1)
            obj.update(fields)
            return obj
    event = text.partition(" ")[0]  # no logger column: our own event, then its fields
    fields = _fields(text, len(event)) if event.isidentifier() else None
    if fields is None:
        obj["event"] = text.rstrip()
    else:
        obj["event"] = event
        obj.update(fields)
    return obj


def _fields(text: str, pos: int) -> dict[str, Any] | None:
    """``key=value`` pairs from ``pos`` to the end, or None when anything else is there."""
    fields: dict[str, Any] = {}
    end = len(text)
    while pos < end:
        if text[pos] != " ":
            return None
        while pos < end and text[pos] == " ":
            pos += 1
        if pos == end:
            break
        key = _KEY.match(text, pos)
        if key is None:
            return None
        value, pos = _value(text, key.end())
        if pos < 0:
            return None
        fields[key.group(1)] = value
    return fields


def _value(text: str, pos: int) -> tuple[Any, int]:
    """One value and the position after it; position -1 when the value is malformed."""
    quote = text[pos : pos + 1]
    if quote in _QUOTED:
        match = _QUOTED[quote].match(text, pos)
        if match is None:
            return None, -1
        raw = match.group(0)
        try:
            return ast.literal_eval(raw), match.end()
        except (ValueError, SyntaxError):  # an escape Python would not write: keep it as is
            return raw[1:-1], match.end()
    plain = _PLAIN.match(text, pos)
    end = plain.end() if plain else pos
    if end < len(text) and text[end] != " ":  # a repr with brackets: dict, list, datetime(…)
        end = _bracketed_end(text, end)
        if end < 0:
            return None, -1
        return text[pos:end], end
    raw = text[pos:end]
    return _CONSTANTS.get(raw, raw), end


def _bracketed_end(text: str, pos: int) -> int:
    """The end of a token whose brackets and quotes balance, from ``pos``; -1 if they don't."""
    closers: list[str] = []
    end = len(text)
    while pos < end:
        char = text[pos]
        if char in _QUOTED:
            match = _QUOTED[char].match(text, pos)
            if match is None:
                return -1
            pos = match.end()
            continue
        if char in _CLOSE:
            closers.append(_CLOSE[char])
        elif closers and char == closers[-1]:
            closers.pop()
        elif not closers and char == " ":
            return pos
        pos += 1
    return -1 if closers else pos
