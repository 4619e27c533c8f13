"""Judgement: the problems ranked by impact, each with evidence and a recommendation."""

from __future__ import annotations

from typing import Any

from telemetry.logs.aggregate.boots import CAUSE_DEPLOY, CAUSE_PLATFORM
from telemetry.logs.metrics import BREACH, UNKNOWN

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


_HEROKU_ADVICE = {
    "H10": "The app crashed: read the dyno's last lines before the crash.",
    "H12": "Requests hit Heroku's 30 s router timeout: make the route fast or move the work "
    "to a background job.",
    "H13": "The app closed connections without answering: look for worker kills and crashes "
    "at the same time.",
    "H14": "No web dynos are running: scale the web process up.",
    "R14": "The dyno swaps beyond its memory quota: measure memory per worker, lower "
    "--workers or use a larger dyno.",
}


def problems(report: dict[str, Any], metrics: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def add(severity: str, title: str, detail: str, evidence: list[str], advice: str) -> None:
        found.append(
            {
                "severity": severity,
                "title": title,
                "detail": detail,
                "evidence": list(dict.fromkeys(evidence))[:8],
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
            "critical"
            if report["kpi"]["p95_ms"] > 2 * report["options"]["kpi_target_ms"]
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
            pids = sorted({r["pid"] for r in rows if r["scope"] == "worker" and r["pid"]})
            who = f" (worker pids {', '.join(map(str, pids))})" if pids else ""
            add(
                severity,
                f"{count} restart(s): {cause}{who}",
                rows[0]["detail"] or "",
                evidence,
                advice,
            )
    planned = sum(restarts["by_cause"].get(c, 0) for c in (CAUSE_DEPLOY, CAUSE_PLATFORM))
    if planned > 1:
        platform = restarts["by_cause"].get(CAUSE_PLATFORM, 0)
        add(
            "medium",
            f"{planned} server stops by SIGTERM ({platform} without a deploy in the log)",
            "Deploys and platform stops restart every worker and empty in-process caches.",
            [
                e
                for r in restarts["timeline"]
                if r["cause"] in (CAUSE_DEPLOY, CAUSE_PLATFORM)
                for e in r["evidence"][-1:]
            ],
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
        code = error["class"][7:] if error["class"].startswith("heroku_") else ""
        if code.startswith("H") or code == "R14":
            advice = _HEROKU_ADVICE.get(code, "See Heroku's error-code reference for this code.")
            add(
                "high",
                f"Heroku {code} ×{error['count']}: {error['sample']}",
                "",
                error["evidence"],
                advice,
            )
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
            [
                s["evidence"]
                for s in slow["slowest"]
                if s["route"] != report["options"]["kpi_route"]
            ][:5],
            "Profile the slowest routes listed under 'Slow requests'.",
        )
    suspicious = [g for g in report["small_responses"]["groups"] if g["kind"] in ("small", "empty")]
    if suspicious:
        add(
            "low",
            f"{len(suspicious)} small-response pattern(s) to verify",
            "; ".join(
                f"{g['method']} {g['route']} {g['bytes']} B ({g['measured_at']})"
                for g in suspicious[:5]
            ),
            [g["first"] for g in suspicious[:5]],
            "Have each handler say 'empty result' explicitly and give each route its "
            "expected size, so a small answer is classified, not guessed.",
        )
    hit_rate = by_name["Cache hit rate"]
    if hit_rate["status"] == BREACH:
        lookups = report["cache"]["lookups"]
        add(
            "medium",
            f"Cache hit rate below its target: {hit_rate['observed']}",
            f"Target {hit_rate['target']}; lookups: "
            + ", ".join(f"{n:,} {result}" for result, n in sorted(lookups.items()))
            + ". Every miss recomputes the answer from the database.",
            hit_rate["evidence"],
            "Check what empties the cache: restarts with a per-worker cache, writes that "
            "invalidate too much, TTLs shorter than the traffic's period, keys that vary "
            "with parameters the answer does not depend on.",
        )
    elif hit_rate["status"] == UNKNOWN:
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
