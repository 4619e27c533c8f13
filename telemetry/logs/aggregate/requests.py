"""Per-route request statistics, slow requests and small responses."""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from telemetry.logs.model import AppFlag, LineContext, Request
from telemetry.logs.percentiles import Quantiles

MAX_ROUTES = 500  # label values stay bounded; the rest is "(other routes)"
MAX_SMALL_KEYS = 500
TOP_SLOW = 25
MAX_SLOW_IDS = 100_000
OTHER_ROUTES = "(other routes)"
_LOOKUP_RESULTS = frozenset({"hit", "miss", "stale"})


@dataclass(slots=True)
class RouteSeries:
    count: int = 0
    errors: int = 0  # 5xx
    client_errors: int = 0  # 4xx
    latency: Quantiles = field(default_factory=Quantiles)
    bytes_total: int = 0
    bytes_count: int = 0
    bytes_max: int = 0
    first_error: str | None = None


@dataclass(slots=True)
class SmallGroup:
    count: int
    first: str
    last: str


class RequestStats:
    def __init__(self, slow_ms: float, small_bytes: int, kpi_route: str = "") -> None:
        self.slow_ms = slow_ms
        self.kpi_route = kpi_route
        # the KPI route's latency split by cache outcome: is it slow on misses only?
        self.kpi_by_cache: dict[str, Quantiles] = {}
        self.small_bytes = small_bytes
        self.series: dict[tuple[str, str, str], RouteSeries] = {}
        self._slow: list[tuple[float, int, dict[str, Any]]] = []
        self._seq = 0
        self.slow_count: Counter[tuple[str, str]] = Counter()
        # request ids of the slow request lines, so the app's own slow events for the same
        # requests are not listed twice (bounded: beyond it, such events count once more)
        self._slow_ids: set[str] = set()
        self.slow_flagged_only = 0  # slow flags without an id to match (legacy): listed only
        self.small: dict[tuple[str, str, int, int | None, str], SmallGroup] = {}
        self.small_count = 0
        self.sizes_judged_by_app = 0  # pagos's request lines: its own flags speak for them
        self.cache_lookups: Counter[str] = Counter()  # from the request lines' cache field
        self.missing_request_id = 0
        self.missing_request_id_first: str | None = None

    def add(self, request: Request, ctx: LineContext) -> None:
        """Count one request; ``ctx`` gives its time and, only when kept, its location."""
        source = request.source
        key = (request.method, request.route, source)
        series = self.series.get(key)
        if series is None:
            if len(self.series) >= MAX_ROUTES:
                key = (request.method, OTHER_ROUTES, source)
                series = self.series.get(key)
            if series is None:
                series = self.series[key] = RouteSeries()
        series.count += 1
        status = request.status
        if status is not None:
            if status >= 500:
                series.errors += 1
                if series.first_error is None:
                    series.first_error = ctx.loc
            elif status >= 400:
                series.client_errors += 1
        duration = request.duration_ms
        if duration is not None:
            series.latency.add(duration)
            if duration >= self.slow_ms:
                self._slow_request(request, duration, ctx.loc, ctx.ts)
                if request.request_id and len(self._slow_ids) < MAX_SLOW_IDS:
                    self._slow_ids.add(request.request_id)
        size = request.response_bytes
        if size is not None:
            series.bytes_total += size
            series.bytes_count += 1
            if size > series.bytes_max:
                series.bytes_max = size
            self.sizes_judged_by_app += request.sizes_judged
            if (
                size < self.small_bytes
                and not request.sizes_judged
                and status not in (204, 304)
                and request.method != "HEAD"
            ):
                self._small(request.method, request.route, size, status, source, ctx.loc)
        cache = request.cache
        if cache is not None and cache in _LOOKUP_RESULTS:
            self.cache_lookups[cache] += 1
            if duration is not None and request.route == self.kpi_route:
                by_cache = self.kpi_by_cache.get(cache)
                if by_cache is None:
                    by_cache = self.kpi_by_cache[cache] = Quantiles()
                by_cache.add(duration)
        if request.request_id in ("None", "null", "") and source == "app":
            self.missing_request_id += 1
            self.missing_request_id_first = self.missing_request_id_first or ctx.loc

    def flag(self, flag: AppFlag, loc: str, ts: float | None) -> None:
        if flag.kind == "slow":
            if flag.value < self.slow_ms:
                return  # the app's own threshold was lower than the one asked for
            if flag.request_id in self._slow_ids:
                return  # its request line is counted and listed already
            route = flag.route
            request = Request(flag.method, route, route, None, flag.value, None, "app-flag")
            # an event naming its request, whose line is not in the input, is that request's
            # only trace; a legacy flag may repeat a request line of another source: listed
            counted = flag.request_id is not None
            self.slow_flagged_only += not counted
            self._slow_request(request, flag.value, loc, ts, count=counted)
        elif flag.declared == "empty":  # a true empty answer, whatever its size
            self._small(flag.method, flag.route, int(flag.value), None, "app-flag:empty", loc)
        elif flag.method != "HEAD" and flag.value < self.small_bytes:
            self._small(flag.method, flag.route, int(flag.value), None, "app-flag", loc)

    def _slow_request(
        self, request: Request, duration: float, loc: str, ts: float | None, count: bool = True
    ) -> None:
        if count:
            self.slow_count[(request.method, request.route)] += 1
        self._seq += 1
        record = {
            "ts": ts,
            "method": request.method,
            "path": request.path,
            "route": request.route,
            "status": request.status,
            "duration_ms": duration,
            "source": request.source,
            "evidence": loc,
        }
        entry = (duration, -self._seq, record)
        if len(self._slow) < TOP_SLOW:
            heapq.heappush(self._slow, entry)
        elif entry > self._slow[0]:
            heapq.heapreplace(self._slow, entry)

    def _small(
        self, method: str, route: str, size: int, status: int | None, source: str, loc: str
    ) -> None:
        if not source.startswith("app-flag"):
            self.small_count += 1
        key = (method, route, size, status, source)
        group = self.small.get(key)
        if group is None:
            if len(self.small) >= MAX_SMALL_KEYS:
                return
            self.small[key] = SmallGroup(1, loc, loc)
        else:
            group.count += 1
            group.last = loc

    def slowest(self) -> list[dict[str, Any]]:
        return [record for _, _, record in sorted(self._slow, reverse=True)]
