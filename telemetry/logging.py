"""structlog, configured once, for our events and for third-party stdlib logs alike.

Our own events take structlog's fast path (rendered and written in one step, no stdlib
``LogRecord`` and no caller lookup: the `request` line is written for every request).
Records of uvicorn, gunicorn, SQLAlchemy and friends go through the stdlib handler, with the
same processors and the same renderer, so every line has one shape. Events written for every
request (`request`, `slow_request`, `small_response`) go through :func:`log_event`, which in
JSON mode renders the processors' exact output in one step (a third of the chain's cost)."""

from __future__ import annotations

import logging
import os
import select
import sys
import time
from contextvars import ContextVar
from typing import Any

import orjson
import structlog
from structlog.contextvars import merge_contextvars
from structlog.typing import EventDict, Processor, WrappedLogger

_THIRD_PARTY_LOGGERS = ("uvicorn", "uvicorn.error", "gunicorn.error", "sqlalchemy", "alembic")

# The request being served, for every line logged while it is (set by the middleware).
REQUEST_ID: ContextVar[str | None] = ContextVar("telemetry_request_id", default=None)


def _add_request_id(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    request_id = REQUEST_ID.get()
    if request_id is not None:
        event_dict.setdefault("request_id", request_id)
    return event_dict


class _UtcStamper:
    """``timestamp``: ISO 8601 UTC with microseconds, as structlog's ``TimeStamper(fmt="iso",
    utc=True)`` writes it, at a third of its cost (the date and time of the current second
    are formatted once per second; the request line is written for every request)."""

    __slots__ = ("_current",)

    def __init__(self) -> None:
        # (epoch second as digits, its date and time): one tuple, swapped whole, so a thread
        # never pairs one second's digits with another's prefix
        self._current = ("", "")

    def __call__(self, _logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
        event_dict["timestamp"] = self.now()
        return event_dict

    def now(self) -> str:
        digits = str(time.time_ns() // 1000)  # microseconds since the epoch: the last 6 digits
        second, prefix = self._current
        if digits[:-6] != second:
            second = digits[:-6]
            prefix = time.strftime("%Y-%m-%dT%H:%M:%S.", time.gmtime(int(second)))
            self._current = (second, prefix)
        return prefix + digits[-6:] + "Z"


# Workers share one stderr pipe, and the kernel keeps a write to a pipe whole, never
# interleaved with another process's, only up to PIPE_BUF bytes: a JSON line is kept to that
# size, newline included, or another worker's line could land inside it.
LINE_LIMIT = select.PIPE_BUF
_CUT_MARKER = "…[{} characters left out]…"


def json_line(event: dict[str, Any]) -> bytes:
    """``event`` as one JSON line of at most ``LINE_LIMIT`` bytes: the longest text values
    (a path, a traceback) are cut in the middle, with a marker, until it fits."""
    line = orjson.dumps(event, default=str, option=orjson.OPT_APPEND_NEWLINE)
    if len(line) <= LINE_LIMIT:
        return line
    event = dict(event)
    for _ in range(len(event)):
        key = max(event, key=lambda k: len(v) if isinstance(v := event[k], str) else -1)
        value = event[key]
        if not isinstance(value, str) or len(value) <= 2:
            break  # nothing left to cut
        event[key] = _cut(value, _json_size(value) - (len(line) - LINE_LIMIT))
        line = orjson.dumps(event, default=str, option=orjson.OPT_APPEND_NEWLINE)
        if len(line) <= LINE_LIMIT:
            break
    return line


def _json_size(text: str) -> int:
    """Bytes ``text`` takes inside a JSON line (escapes and UTF-8 counted)."""
    return len(orjson.dumps(text)) - 2


def _cut(value: str, budget: int) -> str:
    """``value`` in at most ``budget`` JSON bytes: its start and end around a marker that says
    how many characters were left out."""
    room = budget - _json_size(_CUT_MARKER.format(len(value)))
    head = _fitting(value, room // 2, from_end=False)
    tail = _fitting(value[head:], room - _json_size(value[:head]), from_end=True)
    end = value[len(value) - tail :] if tail else ""
    return value[:head] + _CUT_MARKER.format(len(value) - head - tail) + end


def _fitting(text: str, budget: int, *, from_end: bool) -> int:
    """The most characters from the start (or the end) of ``text`` within ``budget`` JSON
    bytes: a bisection, each step one orjson call."""
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        part = text[len(text) - middle :] if from_end else text[:middle]
        if _json_size(part) <= budget:
            low = middle
        else:
            high = middle - 1
    return low


def _orjson_text(value: dict[str, Any], **_: object) -> str:
    return json_line(value)[:-1].decode()


def _orjson_bytes(value: dict[str, Any], **_: object) -> bytes:
    return json_line(value)[:-1]


def write_line(line: bytes) -> None:
    """One write(2) of ``line`` to the descriptor of whatever ``sys.stderr`` is now (a third of
    the cost of its buffered write and flush; every writer here writes whole lines and
    flushes), else through the stream itself (a capture, a StringIO). A line that cannot be
    written (the reader is gone, or a non-blocking pipe is full) is counted as lost, never
    raised into the request that logged it."""
    stream = sys.stderr
    try:
        descriptor = stream.fileno()
    except (AttributeError, ValueError, OSError):
        stream.write(line.decode())
        stream.flush()
        return
    try:
        while line:  # a pipe may take a long line in parts
            line = line[os.write(descriptor, line) :]
    except OSError:
        _count_lost_line()


def _count_lost_line() -> None:
    from telemetry.metrics import METRICS  # not at import: see telemetry.gunicorn_hooks

    METRICS.log_lines_lost.inc()


class _StderrLogger:
    """Writes each rendered line to whatever ``sys.stderr`` is at that moment, in one write,
    so loggers can be cached for speed and still follow a redirected stderr."""

    def __init__(self, name: str) -> None:
        self.name = name

    def msg(self, line: bytes | str) -> None:
        write_line(line + b"\n" if isinstance(line, bytes) else (line + "\n").encode())

    debug = info = warning = warn = error = critical = exception = fatal = log = msg


class _StderrHandler(logging.Handler):
    """The stdlib records' handler: each formatted record written as :class:`_StderrLogger`
    writes, to whatever ``sys.stderr`` is at that moment."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except (TypeError, ValueError, KeyError):  # arguments that do not fit the format
            _count_lost_line()
            self.handleError(record)  # the stdlib's report, with the record's origin
            return
        write_line((line + "\n").encode())


def _named_logger(*args: Any) -> WrappedLogger:
    """``structlog.get_logger("service.cache")`` → a logger that knows its name."""
    return _StderrLogger(str(args[0]) if args else "app")


def _add_logger_name(logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    event_dict.setdefault("logger", getattr(logger, "name", "app"))
    return event_dict


class _JsonEvents:
    """What :func:`log_event` needs to render a line as the JSON processor chain would."""

    __slots__ = ("min_level", "stamp")

    def __init__(self, min_level: int, stamp: _UtcStamper) -> None:
        self.min_level = min_level
        self.stamp = stamp


# Set by configure_logging: None until then and in console mode (events go through structlog).
_json_events: _JsonEvents | None = None
_LEVELS = {"debug": 10, "info": 20, "warning": 30, "error": 40, "critical": 50}


def log_event(logger_name: str, level: str, event: str, fields: dict[str, Any]) -> None:
    """``structlog.get_logger(logger_name).<level>(event, **fields)``, for events written on
    every request. In JSON mode the line is rendered here in one step, with the keys, order and
    values the configured processors would give it (``fields``, ``event``, bound context
    variables, ``request_id``, ``level``, ``logger``, ``timestamp``); otherwise it goes through
    structlog. ``fields`` becomes the line: the caller must not reuse it."""
    json_events = _json_events
    if json_events is None:
        getattr(structlog.get_logger(logger_name), level)(event, **fields)
        return
    if _LEVELS[level] < json_events.min_level:
        return
    fields["event"] = event
    merge_contextvars(None, level, fields)
    request_id = REQUEST_ID.get()
    if request_id is not None:
        fields.setdefault("request_id", request_id)
    fields["level"] = level
    fields.setdefault("logger", logger_name)
    fields["timestamp"] = json_events.stamp.now()
    if "exc_info" in fields:  # only ever from a bound context variable
        structlog.processors.format_exc_info(None, level, fields)
    write_line(json_line(fields))


def configure_logging(*, json_lines: bool, level: str = "INFO") -> None:
    """JSON lines in production, a readable console in development. Idempotent."""
    global _json_events
    numeric_level = logging.getLevelName(level.upper())
    if not isinstance(numeric_level, int):
        numeric_level = logging.INFO
    timestamper = _UtcStamper()
    _json_events = _JsonEvents(numeric_level, timestamper) if json_lines else None
    stream = sys.stderr
    console = structlog.dev.ConsoleRenderer(colors=stream.isatty())

    ours: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        _add_request_id,
        structlog.processors.add_log_level,
        _add_logger_name,
        timestamper,
    ]
    if json_lines:
        ours += [
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(serializer=_orjson_bytes),
        ]
    else:
        ours.append(console)
    structlog.configure(
        processors=ours,
        logger_factory=_named_logger,
        wrapper_class=structlog.make_filtering_bound_logger(numeric_level),
        cache_logger_on_first_use=True,
    )

    foreign: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        _add_request_id,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        timestamper,
    ]
    final: list[Processor] = (
        [
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(serializer=_orjson_text),
        ]
        if json_lines
        else [console]
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=foreign,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *final],
    )
    handler = _StderrHandler()
    handler.setFormatter(formatter)
    # records propagated from loggers with levels of their own (gunicorn sets its loggers to
    # its --log-level) are held to the configured level here
    handler.setLevel(numeric_level)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(numeric_level)
    for name in _THIRD_PARTY_LOGGERS:
        third_party = logging.getLogger(name)
        third_party.handlers = []
        third_party.propagate = True
    # our own request line replaces uvicorn's access log
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    # HTTP clients log whole URLs, query tokens included: only their warnings get through
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
