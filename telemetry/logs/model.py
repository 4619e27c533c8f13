"""What the parsers hand to the aggregators: one small event per meaningful line.

A parser never decides what an event means for the diagnosis (a SIGKILL after a timeout is
still just a ``worker_signaled`` event); the aggregators do, because they see the order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Where a request's latency and size were measured.
SOURCE_APP = "app"  # the application's own request line (origin)
SOURCE_RENDER = "render"  # Render's HTTP request log (edge)
SOURCE_HEROKU = "heroku"  # Heroku's router (edge)
SOURCE_UVICORN = "uvicorn"  # uvicorn's access line (origin; no latency, no size)
SOURCE_APP_FLAG = "app-flag"  # the app's own [SLOW REQUEST]/[SMALL RESPONSE] flag line

EDGE_SOURCES = frozenset({SOURCE_RENDER, SOURCE_HEROKU})


@dataclass(slots=True)
class Request:
    method: str
    path: str
    route: str
    status: int | None
    duration_ms: float | None
    response_bytes: int | None
    source: str
    cache: str | None = None
    request_id: str | None = None
    # the app judges its own answers' sizes (pagos's small_response events, which know each
    # route's expected size): its flags are read, its sizes are not second-guessed
    sizes_judged: bool = False


@dataclass(slots=True)
class AppFlag:
    """The app flagged a request itself (legacy ``[SLOW REQUEST]``, pagos ``slow_request``)."""

    kind: str  # "slow" or "small"
    method: str
    route: str
    value: float  # milliseconds for "slow", bytes for "small"
    declared: str | None = None  # "empty": the handler said its result is empty
    request_id: str | None = None  # pagos's events name their request; legacy flags do not


@dataclass(slots=True)
class Lifecycle:
    """A process lifecycle fact: boots, signals, exits, deploys, platform state changes."""

    kind: str
    pid: int | None = None
    value: str | None = None


@dataclass(slots=True)
class CacheBackend:
    """Evidence of which cache backend a worker (or, without a pid, an instance) uses."""

    backend: str  # "redis" or "memory"
    pid: int | None
    text: str


@dataclass(slots=True)
class CacheLookup:
    result: str  # "hit", "miss" or "stale"


@dataclass(slots=True)
class ErrorSignal:
    """A known error signature (``redis_connection_refused``, ``db_pool_exhausted``, …)."""

    kind: str
    detail: str


Event = Request | AppFlag | Lifecycle | CacheBackend | CacheLookup | ErrorSignal


@dataclass(slots=True)
class LineContext:
    """Per-line facts that wrappers (syslog, Render JSON, gunicorn prefix) reveal.

    One context lives per input file; ``ts`` carries over to lines without their own time.
    """

    file: str
    line: int = 0
    ts: float | None = None
    instance: str = "-"
    pid: int | None = None
    wrapper: str | None = None
    events: list[Event] = field(default_factory=list)
    default_instance: str = "-"

    def start(self, line: int) -> None:
        self.line = line
        self.instance = self.default_instance
        self.pid = None
        self.wrapper = None
        self.events = []

    @property
    def loc(self) -> str:
        return f"{self.file}:{self.line}"
