"""Assemble the whole report (plain data) from an Analysis; renderers only format it."""

from __future__ import annotations

from typing import Any

from telemetry.logs import findings, metrics, sections
from telemetry.logs.analyzer import Analysis
from telemetry.logs.timeparse import format_timestamp

BREACH = metrics.BREACH


def build(analysis: Analysis) -> dict[str, Any]:
    options = analysis.options
    report: dict[str, Any] = {
        "options": {
            "kpi_route": options.kpi_route,
            "kpi_target_ms": options.kpi_target_ms,
            "slow_ms": options.slow_ms,
            "small_bytes": options.small_bytes,
            "hit_rate_target": options.hit_rate_target,
            "since": format_timestamp(options.since),
            "until": format_timestamp(options.until),
        },
        "input": sections.input_summary(analysis),
        "routes": sections.routes(analysis),
        "percentiles": sections.percentile_note(),
        "slow_requests": sections.slow_requests(analysis),
        "small_responses": sections.small_responses(analysis),
        "workers": sections.workers(analysis),
        "restarts": sections.restarts(analysis),
        "cache": sections.cache(analysis),
        "database": sections.database(analysis),
        "errors": sections.errors(analysis),
        "request_ids": {
            "missing": analysis.requests.missing_request_id,
            "first": analysis.requests.missing_request_id_first,
        },
    }
    report["kpi"] = metrics.kpi_summary(
        report["routes"], report["slow_requests"], options.kpi_route
    )
    report["kpi"]["by_cache"] = {
        outcome: {"count": q.count, "p50_ms": q.percentile(50), "p95_ms": q.percentile(95)}
        for outcome, q in sorted(analysis.requests.kpi_by_cache.items())
    }
    table = metrics.key_metrics(report, options)
    report["key_metrics"] = table
    report["problems"] = findings.problems(report, table)
    report["recommendations"] = findings.recommendations(report["problems"])
    report["breached"] = [m["metric"] for m in table if m["status"] == BREACH]
    return report
