"""Judgement: the key-metrics table, the ranked problems and their recommendations."""

from __future__ import annotations

from typing import Any

from telemetry.logs.aggregate.boots import CAUSE_DEPLOY, CAUSE_PLATFORM
from telemetry.logs.analyzer import Options

OK, WARN, BREACH, UNKNOWN = "ok", "warn", "breach", "unknown"
SEVERITY = {"critical": 3, "high": 2, "medium": 1, "low": 0}

_CAUSE_ADVICE = {
    "worker timeout": (
        "high",
        "Find what blocks a worker past gunicorn's --timeout (slow queries, sync I/O in async "
        "code); the request log around the timeout names the route.",
    ),
    "probable OOM (SIGKILL)": (
        "critical",
        "Measure worker memory (RSS per worker), cap caches, lower --workers or raise the "
        "instance's memory.",
    ),
    "boot failure": (
        "critical",
        "Fix the startup error shown in the evidence (import error, missing setting, port "
        "not bound) before the next deploy.",
    ),
    "health-check kill": (
        "high",
        "Make the health check cheap and truthful (liveness vs readiness) and find why it "
        "failed before the kill.",
    ),
    "crash without graceful shutdown": (
        "high",
        "Read the last lines before each crash (tracebacks, exit codes); crashes leave no "
        "shutdown line.",
    ),
}


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
        observed = f"{live} ({parts} worker(s))" if workers else live
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
        status = WARN if alive > 1 and live in ("memory", "mixed") else OK
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
        status = OK if rate >= target else BREACH
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


def problems(report: dict[str, Any], metrics: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def add(severity: str, title: str, detail: str, evidence: list[str], advice: str) -> None:
        found.append(
            {
                "severity": severity,
                "title": title,
                "detail": detail,
                "evidence": evidence[:8],
                "recommendation": advice,
            }
        )

    by_name = {m["metric"].split(" /")[0]: m for m in metrics}
    cache_metric = by_name["Cache backend"]
    if cache_metric["status"] == BREACH:
        add(
            "critical",
            "In-process memory cache serving with several workers",
            f"The last backend evidence of each worker says: {cache_metric['observed']}. "
            "Each worker keeps its own cache, so misses and recomputation multiply and "
            "writes cannot invalidate other workers' copies.",
            cache_metric["evidence"],
            "Configure Redis (REDIS_URL) so every worker and instance shares one cache; "
            "check the startup line that says which backend each worker selected.",
        )
    kpi_metric = metrics[1]
    if kpi_metric["status"] == BREACH:
        add(
            "critical" if report["kpi"]["p95_ms"] > 2 * report["options"]["kpi_target_ms"]
            else "high",
            f"KPI endpoint slower than its target: {kpi_metric['observed']}",
            f"Target {kpi_metric['target']}.",
            kpi_metric["evidence"],
            "Make the KPI computation one indexed query, cache it in a shared backend with "
            "single-flight so one worker recomputes while the others serve.",
        )
    restarts = report["restarts"]
    for cause, count in restarts["by_cause"].items():
        rows = [r for r in restarts["timeline"] if r["cause"] == cause]
        evidence = [e for r in rows for e in r["evidence"]]
        if cause in _CAUSE_ADVICE:
            severity, advice = _CAUSE_ADVICE[cause]
            pids = sorted({r["pid"] for r in rows if r["pid"] is not None})
            who = f" (pids {', '.join(map(str, pids))})" if pids else ""
            add(severity, f"{count} restart(s): {cause}{who}", rows[0]["detail"] or "", evidence,
                advice)
    planned = sum(restarts["by_cause"].get(c, 0) for c in (CAUSE_DEPLOY, CAUSE_PLATFORM))
    if planned > 1:
        platform = restarts["by_cause"].get(CAUSE_PLATFORM, 0)
        add(
            "medium",
            f"{planned} server stops by SIGTERM ({platform} without a deploy in the log)",
            "Deploys and platform stops restart every worker and empty in-process caches.",
            [e for r in restarts["timeline"] if r["cause"] in (CAUSE_DEPLOY, CAUSE_PLATFORM)
             for e in r["evidence"][-1:]],
            "Check Render's events for the stops without a deploy (plan limits, manual "
            "restarts, autoscaling); keep state out of worker memory.",
        )
    database = report["database"]
    if database["pool_exhausted"] or database["server_connections_exhausted"]:
        limits = database["pool_limits"]
        size = f" (pool size {limits[0]}, overflow {limits[1]})" if limits else ""
        add(
            "critical",
            f"Database connection pool exhausted {database['pool_exhausted']} time(s){size}",
            "Requests waited for a connection and failed (SQLAlchemy QueuePool limit).",
            database["evidence"],
            "Find the long-held sessions (slow queries, sessions held across awaits), then "
            "size pool_size × workers within the database's connection limit.",
        )
    redis = report["cache"]["redis_errors"]
    if redis:
        total = sum(v["count"] for v in redis.values())
        classes = ", ".join(f"{k} ×{v['count']}" for k, v in redis.items())
        add(
            "high",
            f"{total} Redis error(s): {classes}",
            "Each Redis failure falls back to a per-worker memory cache or to the database.",
            [e for v in redis.values() for e in v["evidence"]],
            "Check REDIS_URL and the Key Value instance's status; use short timeouts and a "
            "circuit breaker so Redis failures cost little.",
        )
    for row in report["routes"]:
        if row["errors_5xx"] and row["error_rate"] >= 0.01:
            add(
                "high",
                f"{row['method']} {row['route']}: {row['error_rate']:.1%} 5xx "
                f"({row['errors_5xx']} of {row['count']}, {row['source']})",
                "",
                [row["first_5xx"]] if row["first_5xx"] else [],
                "Read the tracebacks logged with these requests and fix the failing path.",
            )
    for error in report["errors"]:
        if error["class"].startswith("heroku_H") or error["class"] == "heroku_R14":
            add("high", f"Heroku {error['class'][7:]} ×{error['count']}: {error['sample']}",
                "", error["evidence"], "See Heroku's error-code reference for this code.")
    tracebacks = [e for e in report["errors"] if e["class"].startswith("traceback ")]
    if tracebacks:
        total = sum(e["count"] for e in tracebacks)
        add(
            "medium",
            f"{total} traceback(s) in the log",
            ", ".join(f"{e['class'][10:]} ×{e['count']}" for e in tracebacks[:6]),
            [e for t in tracebacks for e in t["evidence"][:2]],
            "Read the tracebacks at the evidence lines; each is one failure, counted once.",
        )
    slow = report["slow_requests"]
    other_slow = [r for r in slow["by_route"] if r["route"] != report["options"]["kpi_route"]]
    if other_slow:
        total = sum(r["count"] for r in other_slow)
        add(
            "medium",
            f"{total} request(s) over {slow['threshold_ms']:,.0f} ms on other routes",
            ", ".join(f"{r['method']} {r['route']} ×{r['count']}" for r in other_slow[:5]),
            [s["evidence"] for s in slow["slowest"]
             if s["route"] != report["options"]["kpi_route"]][:5],
            "Profile the slowest routes listed under 'Slow requests'.",
        )
    suspicious = [g for g in report["small_responses"]["groups"] if g["kind"] in ("small", "empty")]
    if suspicious:
        add(
            "low",
            f"{len(suspicious)} small-response pattern(s) to verify",
            "; ".join(f"{g['method']} {g['route']} {g['bytes']} B ({g['measured_at']})"
                      for g in suspicious[:5]),
            [g["first"] for g in suspicious[:5]],
            "Have each handler say 'empty result' explicitly and give each route its "
            "expected size, so a small answer is classified, not guessed.",
        )
    if metrics[3]["status"] == UNKNOWN:
        add(
            "low",
            "Cache hit rate unknown",
            "The log has no cache hit/miss events (often logged at DEBUG only).",
            [],
            "Count hits and misses per namespace and backend (metrics, or an INFO field on "
            "the request line).",
        )
    missing = report["request_ids"]
    if missing["missing"]:
        add(
            "low",
            f"{missing['missing']} app request line(s) with requestID=None",
            "App and edge logs cannot be joined without the request id.",
            [missing["first"]] if missing["first"] else [],
            "Take the request id from the incoming header (Render's router id or "
            "X-Request-ID) in the first middleware and put it on every line.",
        )
    found.sort(key=lambda p: -SEVERITY[p["severity"]])
    return found


def recommendations(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    result = []
    for problem in found:
        advice = problem["recommendation"]
        if advice in seen:
            continue
        seen.add(advice)
        result.append(
            {"priority": problem["severity"], "action": advice, "because": problem["title"]}
        )
    return result
