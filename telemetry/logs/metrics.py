"""The key-metrics table: observed vs target vs status, with evidence."""

from __future__ import annotations

from typing import Any

from telemetry.logs.analyzer import Options

OK, WARN, BREACH, UNKNOWN = "ok", "warn", "breach", "unknown"
# a hit rate below target over fewer lookups (a restart's first misses) is not yet a breach
MIN_LOOKUPS_TO_JUDGE = 50


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f} ms"


def _metric(
    name: str, observed: str, value: Any, target: str, status: str, evidence: list[str]
) -> dict[str, Any]:
    return {
        "metric": name,
        "observed": observed,
        "observed_value": value,
        "target": target,
        "status": status,
        "evidence": list(dict.fromkeys(evidence))[:5],
    }


def key_metrics(report: dict[str, Any], options: Options) -> list[dict[str, Any]]:
    cache = report["cache"]
    workers = [row for row in cache["per_worker"] if row["pid"] is not None]
    boots = report["workers"]["boots"]
    latest = _latest_boots(boots)
    alive = sum(boot["max_alive"] for boot in latest)
    pids = sorted({pid for boot in latest for pid in boot["pids"]})
    metrics = []

    live = cache["live_backend"]
    per_backend: dict[str, int] = {}
    for row in cache["per_worker"]:
        per_backend[row["backend"]] = per_backend.get(row["backend"], 0) + 1
    if live == "unknown":
        observed, status = "unknown (no backend evidence in the log)", UNKNOWN
    elif live == "redis":
        observed, status = f"redis on {len(workers) or 1} worker(s)", OK
    else:
        parts = ", ".join(f"{backend} on {n}" for backend, n in sorted(per_backend.items()))
        many = max(alive, len(workers)) > 1
        if live == "mixed":
            observed = f"mixed: {parts} worker(s)"
        else:
            observed = f"{live} on {len(workers)} worker(s)" if workers else f"{live} (instance)"
        status = BREACH if many or live == "mixed" else WARN
    metrics.append(
        _metric(
            "Cache backend",
            observed,
            live,
            "redis, shared by all workers",
            status,
            [row["evidence"] for row in cache["per_worker"]],
        )
    )

    kpi = report["kpi"]
    if kpi["p95_ms"] is None:
        observed, status = f"no requests to {options.kpi_route} in the log", UNKNOWN
    else:
        observed = (
            f"p95 {_ms(kpi['p95_ms'])} (max {_ms(kpi['max_ms'])}, n={kpi['count']}, "
            f"{kpi['latency_from']})"
        )
        split = kpi.get("by_cache") or {}
        if split:
            observed += "; by cache: " + ", ".join(
                f"{outcome} p95 {_ms(row['p95_ms'])} (n={row['count']})"
                for outcome, row in split.items()
            )
        status = BREACH if kpi["p95_ms"] > options.kpi_target_ms else OK
    metrics.append(
        _metric(
            f"KPI latency {options.kpi_route}",
            observed,
            kpi["p95_ms"],
            f"p95 < {options.kpi_target_ms:,.0f} ms",
            status,
            kpi["evidence"],
        )
    )

    if not pids and not alive:
        observed, status = "unknown (no worker boot lines)", UNKNOWN
    else:
        observed = f"{alive} alive at most (pids {', '.join(map(str, pids))})"
        # one worker is one request at a time in a sync section and a gap on every restart;
        # several on a per-worker memory cache do not share it
        status = WARN if alive < 2 or live in ("memory", "mixed") else OK
    metrics.append(
        _metric(
            "Active workers",
            observed,
            alive,
            "≥ 2, sharing one cache",
            status,
            [boot["evidence"] for boot in latest],
        )
    )

    rate = cache["hit_rate"]
    lookups = cache["lookups"]
    target = options.hit_rate_target
    if rate is None:
        observed, status = "unknown: no cache hit/miss events in the log", UNKNOWN
    else:
        total = sum(lookups.values())
        observed = f"{rate:.1%} of {total:,} lookups"
        if rate >= target:
            status = OK
        elif total < MIN_LOOKUPS_TO_JUDGE:
            observed += f" (fewer than {MIN_LOOKUPS_TO_JUDGE} lookups: too few to judge)"
            status = WARN
        else:
            status = BREACH
    metrics.append(_metric("Cache hit rate", observed, rate, f"> {target:.0%}", status, []))

    restarts = report["restarts"]
    causes = ", ".join(f"{n} {cause}" for cause, n in restarts["by_cause"].items())
    count = restarts["count"]
    observed = f"{count} ({causes})" if count else "0"
    status = BREACH if restarts["unplanned"] else WARN if count > 1 else OK
    evidence = [e for row in restarts["timeline"][:5] for e in row["evidence"][-1:]]
    metrics.append(_metric("Restarts", observed, count, "0 unplanned", status, evidence))
    return metrics


def _latest_boots(boots: list[dict[str, Any]]) -> list[dict[str, Any]]:
    latest: dict[str, dict[str, Any]] = {}
    for boot in boots:
        if boot["pids"]:
            latest[boot["instance"]] = boot
    return list(latest.values())


def kpi_summary(routes: list[dict[str, Any]], slow: dict[str, Any], route: str) -> dict[str, Any]:
    """The KPI route's latency: the worst p95 among the sources that timed it."""
    rows = [r for r in routes if r["route"] == route and r["p95_ms"] is not None]
    evidence = [s["evidence"] for s in slow["slowest"] if s["route"] == route][:5]
    if rows:
        worst = max(rows, key=lambda r: r["p95_ms"])
        return {
            "count": worst["timed"],
            "p95_ms": worst["p95_ms"],
            "max_ms": max(r["max_ms"] for r in rows),
            "latency_from": worst["latency_from"],
            "evidence": evidence,
        }
    flagged = [s for s in slow["slowest"] if s["route"] == route]
    if flagged:
        top = max(s["duration_ms"] for s in flagged)
        return {
            "count": len(flagged),
            "p95_ms": top,
            "max_ms": top,
            "latency_from": "the app's own slow-request flag",
            "evidence": evidence,
        }
    return {"count": 0, "p95_ms": None, "max_ms": None, "latency_from": None, "evidence": []}
