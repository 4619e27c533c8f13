"""The report's factual sections, as plain JSON-ready data built from an Analysis."""

from __future__ import annotations

from collections import Counter
from typing import Any

from telemetry.logs.aggregate.boots import CAUSES, UNPLANNED, Boot
from telemetry.logs.analyzer import Analysis
from telemetry.logs.model import EDGE_SOURCES, SOURCE_HEROKU, SOURCE_RENDER
from telemetry.logs.parsers import FAMILIES
from telemetry.logs.parsers.errors import REDIS_KINDS, queuepool_limits
from telemetry.logs.percentiles import EXACT_LIMIT, RELATIVE_ERROR
from telemetry.logs.routes import KNOWN_EMPTY_ANSWERS, SMALL_ANSWER_NOTES
from telemetry.logs.timeparse import format_timestamp

LATENCY_FROM = {
    "app": "the app's own request line (origin)",
    SOURCE_RENDER: "Render's edge (responseTimeMS)",
    SOURCE_HEROKU: "Heroku's router (service=)",
    "uvicorn": "uvicorn access line (no latency logged)",
    "app-flag": "the app's own flag line",
}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def input_summary(analysis: Analysis) -> dict[str, Any]:
    families = {name: analysis.families[name] for name in FAMILIES if analysis.families[name]}
    lifecycle = analysis.lifecycle
    return {
        "files": [
            {"name": s.label, "bytes": s.size, "read_error": s.read_error} for s in analysis.sources
        ],
        "lines": analysis.lines,
        "families": families,
        "wrappers": dict(analysis.wrappers),
        "unparsed": {
            "count": analysis.families["unknown"],
            "samples": [{"evidence": loc, "text": text} for loc, text in analysis.unknown_samples],
        },
        "filtered_out": analysis.filtered_out,
        "window": {
            "first": format_timestamp(analysis.first_ts),
            "last": format_timestamp(analysis.last_ts),
            "since": format_timestamp(analysis.options.since),
            "until": format_timestamp(analysis.options.until),
        },
        "instances": sorted(name for name in analysis.instances if name != "-")
        or sorted(analysis.instances),
        "deploys": [
            {"at": format_timestamp(mark.ts), "commit": commit, "evidence": mark.loc}
            for mark, commit in lifecycle.deploys
        ],
        "versions": dict(lifecycle.versions),
        "seconds": round(analysis.seconds, 3),
    }


def routes(analysis: Analysis) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for (method, route, source), series in analysis.requests.series.items():
        latency = series.latency.summary()
        rows.append(
            {
                "method": method,
                "route": route,
                "source": source,
                "latency_from": LATENCY_FROM.get(source, source),
                "count": series.count,
                "errors_5xx": series.errors,
                "errors_4xx": series.client_errors,
                "first_5xx": series.first_error,
                "error_rate": round(series.errors / series.count, 4) if series.count else 0.0,
                "timed": series.latency.count,
                "p50_ms": _round(latency["p50"]),
                "p95_ms": _round(latency["p95"]),
                "p99_ms": _round(latency["p99"]),
                "max_ms": _round(latency["max"]),
                "percentiles_exact": series.latency.exact,
                "bytes_avg": round(series.bytes_total / series.bytes_count)
                if series.bytes_count
                else None,
                "bytes_max": series.bytes_max if series.bytes_count else None,
            }
        )
    rows.sort(key=lambda row: (-(row["p95_ms"] or -1), -row["count"]))
    return rows


def percentile_note() -> str:
    return (
        f"nearest-rank percentiles, exact up to {EXACT_LIMIT:,} timed requests per row, "
        f"within {RELATIVE_ERROR:.0%} relative error beyond"
    )


def slow_requests(analysis: Analysis) -> dict[str, Any]:
    stats = analysis.requests
    by_route = [
        {"method": method, "route": route, "count": count}
        for (method, route), count in stats.slow_count.most_common(20)
    ]
    slowest = []
    for record in stats.slowest():
        entry = dict(record)
        entry["at"] = format_timestamp(entry.pop("ts"))
        entry["latency_from"] = LATENCY_FROM.get(entry["source"], entry["source"])
        slowest.append(entry)
    return {
        "threshold_ms": stats.slow_ms,
        "count": sum(stats.slow_count.values()),
        "flagged_only": stats.slow_flagged_only,
        "by_route": by_route,
        "slowest": slowest,
    }


def small_responses(analysis: Analysis) -> dict[str, Any]:
    stats = analysis.requests
    groups: list[dict[str, Any]] = []
    for (method, route, size, status, source), group in stats.small.items():
        known = KNOWN_EMPTY_ANSWERS.get(route, {})
        if status is not None and status >= 400:
            kind, note = "error", f"HTTP {status}: an error answer, not data"
        elif source == "app-flag:empty":
            kind, note = "declared-empty", "the handler said its result is empty: truthful"
        elif size in known:
            kind = "known-empty"
            note = f"equals the all-empty answer {known[size]}: an empty table, truthful"
        elif size <= 2:
            kind, note = "empty", "empty body"
        else:
            kind = "small"
            note = (
                "small object; no known empty size for this route"
                if not known
                else (f"differs from the all-empty answer ({', '.join(map(str, sorted(known)))} B)")
            )
            if route in SMALL_ANSWER_NOTES:
                note = f"{note}; {SMALL_ANSWER_NOTES[route]}"
        groups.append(
            {
                "method": method,
                "route": route,
                "bytes": size,
                "status": status,
                "source": source,
                "measured_at": "edge" if source in EDGE_SOURCES else "origin",
                "count": group.count,
                "kind": kind,
                "note": note,
                "first": group.first,
                "last": group.last,
            }
        )
    truthful = ("known-empty", "declared-empty")
    groups.sort(key=lambda g: (g["kind"] != "error", g["kind"] in truthful, -g["count"]))
    return {
        "threshold_bytes": stats.small_bytes,
        "count": stats.small_count,
        "flagged": sum(g["count"] for g in groups if g["source"].startswith("app-flag")),
        "judged_by_app": stats.sizes_judged_by_app,
        "excluded": "204, 304 and HEAD responses",
        "groups": groups,
    }


def _boot_row(boot: Boot) -> dict[str, Any]:
    ended = boot.ended
    return {
        "instance": boot.instance,
        "started": format_timestamp(boot.started.ts),
        "evidence": boot.started.loc,
        "master_pid": boot.master_pid,
        "versions": dict(boot.versions),
        "worker_class": boot.worker_class,
        "listening": boot.listening,
        "pids": sorted(pid for pid in boot.workers if pid != boot.master_pid)
        or sorted(boot.workers),
        "max_alive": boot.max_alive,
        "declared_workers": boot.declared_workers,
        "ended": None if ended is None else ended.cause,
        "ended_at": None if ended is None else format_timestamp(ended.mark.ts),
    }


def workers(analysis: Analysis) -> dict[str, Any]:
    boots = [b for b in analysis.lifecycle.boots() if b.workers or b.master_pid or b.ended]
    return {"boots": [_boot_row(boot) for boot in boots]}


def restarts(analysis: Analysis) -> dict[str, Any]:
    records = sorted(analysis.lifecycle.restarts, key=lambda r: r.mark.seq)
    by_cause = Counter(record.cause for record in records)
    timeline = [
        {
            "at": format_timestamp(r.mark.ts),
            "instance": r.instance,
            "scope": r.scope,
            "pid": r.pid,
            "cause": r.cause,
            "detail": r.detail,
            "evidence": r.evidence[:6],
        }
        for r in records
    ]
    return {
        "count": len(records),
        "unplanned": sum(count for cause, count in by_cause.items() if cause in UNPLANNED),
        "by_cause": {cause: by_cause[cause] for cause in CAUSES if by_cause[cause]},
        "timeline": timeline,
    }


def cache(analysis: Analysis) -> dict[str, Any]:
    per_worker: list[dict[str, Any]] = []
    for boot in analysis.lifecycle.latest_boots():
        for pid, evidence in boot.backends().items():
            per_worker.append(
                {
                    "instance": boot.instance,
                    "pid": pid,
                    "backend": evidence.backend,
                    "scope": "worker"
                    if evidence.pid not in (None, boot.master_pid)
                    else "instance (line has no worker pid)",
                    "evidence": evidence.mark.loc,
                    "text": evidence.text,
                }
            )
    backends = {row["backend"] for row in per_worker}
    live = "unknown" if not backends else backends.pop() if len(backends) == 1 else "mixed"
    lookups = analysis.signals.lookups + analysis.requests.cache_lookups
    hits = lookups["hit"] + lookups["stale"]
    total = hits + lookups["miss"]
    errors = analysis.signals.errors
    return {
        "live_backend": live,
        "per_worker": per_worker,
        "evidence_lines": sum(len(b.cache_evidence) for b in analysis.lifecycle.boots()),
        "lookups": dict(lookups),
        "hit_rate": round(hits / total, 4) if total else None,
        "redis_errors": {
            kind: {"count": errors[kind].count, "evidence": errors[kind].evidence}
            for kind in REDIS_KINDS
            if kind in errors
        },
    }


def database(analysis: Analysis) -> dict[str, Any]:
    errors = analysis.signals.errors
    pool = errors.get("db_pool_exhausted")
    slots = errors.get("db_connections_exhausted")
    return {
        "pool_exhausted": pool.count if pool else 0,
        "pool_limits": queuepool_limits(pool.sample) if pool else None,
        "evidence": (pool.evidence if pool else []) + (slots.evidence if slots else []),
        "server_connections_exhausted": slots.count if slots else 0,
    }


def errors(analysis: Analysis) -> list[dict[str, Any]]:
    return sorted(
        (
            {"class": kind, "count": e.count, "evidence": e.evidence, "sample": e.sample}
            for kind, e in analysis.signals.errors.items()
        ),
        key=lambda row: -row["count"],
    )
