"""Dashboards and rules use only metric names declared in telemetry/metrics.py (DESIGN §2)."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry

from telemetry.metrics import Metrics, declared_metric_names
from tests.observability.queries import (
    PROMETHEUS_OWN,
    Query,
    dashboard_queries,
    metric_names,
    recorded_names,
    rule_queries,
    series_names,
)


def _histograms() -> frozenset[str]:
    registry = CollectorRegistry()
    Metrics(registry)
    return frozenset(f.name for f in registry.collect() if f.type == "histogram")


KNOWN = series_names(declared_metric_names(), _histograms()) | recorded_names() | PROMETHEUS_OWN


def test_the_name_reader_finds_names_and_nothing_else() -> None:
    expr = (
        'sum by (route, le) (rate(http_server_request_duration_seconds_bucket{job="$job", '
        'route=~"/a|b"}[$__rate_interval])) / on (job) group_left job:x:rate5m offset 5m '
        '> 0.5 * 1e3 and absent(up{job="pagos"}) or label_replace(cache_hits_total, "outcome", '
        '"hit", "", "") unless {__name__=~"cache_misses_total|cache_errors_total"}'
    )
    assert metric_names(expr) == {
        "http_server_request_duration_seconds_bucket",
        "job:x:rate5m",
        "up",
        "cache_hits_total",
        "cache_misses_total",
        "cache_errors_total",
    }


def test_an_undeclared_name_is_caught() -> None:
    # the mistake this test exists for: a name from another exporter or an old spelling
    used = metric_names("rate(http_requests_total[5m]) / http_server_requests_total")
    assert used - KNOWN == {"http_requests_total", "http_server_requests_total"}


@pytest.mark.parametrize(
    "query",
    dashboard_queries() + rule_queries(),
    ids=lambda q: q.where if isinstance(q, Query) else "",
)
def test_every_name_is_declared(query: Query) -> None:
    used = metric_names(query.expr)
    assert used, f"no metric in {query.where}: {query.expr}"
    assert used <= KNOWN, f"{query.where} uses undeclared {sorted(used - KNOWN)}"


def test_every_declared_contract_metric_is_watched() -> None:
    """Each metric of DESIGN §5's table appears in a dashboard or a rule."""
    used = set().union(*(metric_names(q.expr) for q in dashboard_queries() + rule_queries()))
    contract = {
        "http_server_request_duration_seconds",
        "http_server_response_body_size_bytes",
        "http_server_active_requests",
        "http_server_slow_requests_total",
        "http_server_small_responses_total",
        "cache_hits_total",
        "cache_misses_total",
        "cache_stale_served_total",
        "cache_errors_total",
        "cache_compute_duration_seconds",
        "cache_singleflight_waits_total",
        "cache_backend_workers",
        "worker_starts_total",
        "worker_exits_total",
        "workers_alive",
        "db_pool_connections",
        "db_pool_max_connections",
        "app_info",
    }
    watched = {name.removesuffix("_bucket").removesuffix("_count") for name in used}
    assert contract - watched == set()
