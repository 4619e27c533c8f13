"""Every metric pagos exports, declared once. Dashboards and alerts may use only these names.

Under gunicorn, prometheus_client runs in multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``):
each worker writes its samples to files and ``/metrics`` aggregates them. Gauges therefore
say how workers combine: ``livesum`` adds the live workers, ``livemax`` takes one value.
"""

from __future__ import annotations

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram

from telemetry.metric_batch import UpdateBatch

# Latency buckets serve the KPI SLO (99% under 500 ms) and the 1 s slow-request threshold:
# 0.5 and 1 must be bucket bounds so both can be read without interpolation.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 10.0)
# Response sizes: the empty KPI/summary answers are ~100 B; lists reach tens of KiB.
SIZE_BUCKETS = (64, 128, 256, 512, 1024, 2048, 4096, 16384, 65536, 262144, 1048576)
# Cache recomputations: a miss must stay under 50 ms at 10x the real book.
COMPUTE_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Metrics:
    """The metric objects of one registry. ``METRICS`` is the process-wide instance;
    tests that need isolation build their own with a fresh ``CollectorRegistry``."""

    def __init__(self, registry: CollectorRegistry = REGISTRY) -> None:
        # the request middleware's updates, added to these metrics once per event-loop
        # iteration (telemetry.metric_batch)
        self.batch = UpdateBatch()
        self.request_duration = Histogram(
            "http_server_request_duration_seconds",
            "Duration of HTTP server requests, by route template.",
            ["method", "route", "status_code"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.response_size = Histogram(
            "http_server_response_body_size_bytes",
            "Size of HTTP response bodies as sent (streaming included).",
            ["method", "route"],
            buckets=SIZE_BUCKETS,
            registry=registry,
        )
        self.active_requests = Gauge(
            "http_server_active_requests",
            "HTTP requests in flight, summed over live workers.",
            ["method"],
            multiprocess_mode="livesum",
            registry=registry,
        )
        self.slow_requests = Counter(
            "http_server_slow_requests",
            "Requests slower than their route's threshold.",
            ["method", "route"],
            registry=registry,
        )
        self.small_responses = Counter(
            "http_server_small_responses",
            "2xx JSON responses under their route's expected size; kind=empty when the "
            "handler said the answer is legitimately empty.",
            ["method", "route", "kind"],
            registry=registry,
        )
        self.cache_hits = Counter(
            "cache_hits",
            "Cache lookups answered from the cache.",
            ["namespace", "backend"],
            registry=registry,
        )
        self.cache_misses = Counter(
            "cache_misses",
            "Cache lookups that had to compute.",
            ["namespace", "backend"],
            registry=registry,
        )
        self.cache_errors = Counter(
            "cache_errors", "Cache backend failures.", ["backend", "operation"], registry=registry
        )
        self.cache_stale_served = Counter(
            "cache_stale_served",
            "Values past their fresh TTL answered at once while one worker recomputes.",
            ["namespace", "backend"],
            registry=registry,
        )
        self.cache_singleflight_waits = Counter(
            "cache_singleflight_waits",
            "Misses that waited for another computation of the same key: outcome=shared "
            "(same worker), value (another worker's value arrived) or timeout (computed here).",
            ["namespace", "outcome"],
            registry=registry,
        )
        self.cache_refresh_errors = Counter(
            "cache_refresh_errors",
            "Background recomputations of stale values that failed (stale kept serving).",
            ["namespace"],
            registry=registry,
        )
        self.cache_compute_duration = Histogram(
            "cache_compute_duration_seconds",
            "Time to compute a value on a cache miss.",
            ["namespace"],
            buckets=COMPUTE_BUCKETS,
            registry=registry,
        )
        self.cache_backend_workers = Gauge(
            "cache_backend_workers",
            "Live workers serving from each cache backend.",
            ["backend"],
            multiprocess_mode="livesum",
            registry=registry,
        )
        self.worker_starts = Counter(
            "worker_starts", "Worker processes started.", registry=registry
        )
        self.worker_exits = Counter(
            "worker_exits",
            "Worker processes that exited, by cause.",
            ["reason"],
            registry=registry,
        )
        self.worker_lifecycle_errors = Counter(
            "worker_lifecycle_errors",
            "Worker registry and lifecycle-stream writes that failed (Redis down or slow).",
            ["operation"],
            registry=registry,
        )
        self.workers_alive = Gauge(
            "workers_alive",
            "Live worker processes.",
            multiprocess_mode="livesum",
            registry=registry,
        )
        self.db_pool_connections = Gauge(
            "db_pool_connections",
            "Database pool connections by state, summed over live workers.",
            ["state"],
            multiprocess_mode="livesum",
            registry=registry,
        )
        self.db_pool_max_connections = Gauge(
            "db_pool_max_connections",
            "Connections the database pools may open (size + overflow), summed over live "
            "workers; 0 when a pool has no bound. Used against state=used for exhaustion.",
            multiprocess_mode="livesum",
            registry=registry,
        )
        self.db_errors = Counter(
            "db_errors",
            "Database failures answered as 503, by exception class.",
            ["error"],
            registry=registry,
        )
        self.log_lines_lost = Counter(
            "log_lines_lost",
            "Log lines that could not be written (stderr's reader gone, or its pipe full).",
            registry=registry,
        )
        self.app_info = Gauge(
            "app_info",
            "Always 1; the labels say which build runs where.",
            ["version", "environment"],
            multiprocess_mode="livemax",
            registry=registry,
        )


METRICS = Metrics()


def declared_metric_names() -> frozenset[str]:
    """Every name as exported (counters gain ``_total``), for the dashboard and alert checks."""
    registry = CollectorRegistry()
    Metrics(registry)
    names: set[str] = set()
    for family in registry.collect():
        names.add(f"{family.name}_total" if family.type == "counter" else family.name)
    return frozenset(names)
