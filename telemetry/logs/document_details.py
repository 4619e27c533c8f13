"""The report's detail sections as document blocks: routes, slow and small, workers,
restarts, cache, database and errors."""

from __future__ import annotations

from typing import Any

from telemetry.logs.blocks import Block, ev, num, pid


def routes(report: dict[str, Any]) -> list[Block]:
    rows = [
        [
            f"{r['method']} {r['route']}",
            r["source"],
            num(r["count"]),
            f"{r['error_rate']:.1%}",
            num(r["p50_ms"]),
            num(r["p95_ms"]),
            num(r["p99_ms"]),
            num(r["max_ms"]),
            num(r["bytes_avg"]),
        ]
        for r in report["routes"][:60]
    ]
    headers = ["Route", "Source", "Count", "5xx", "p50 ms", "p95 ms", "p99 ms", "max ms", "avg B"]
    note = (
        "Latency source: app = the app's own request line (origin); render = Render's edge "
        "(responseTimeMS); heroku = Heroku's router (service=); uvicorn = access line, no "
        f"latency. Percentiles: {report['percentiles']}."
    )
    if not rows:
        return [Block("h2", "Routes"), Block("p", "No request lines.")]
    more = len(report["routes"]) - len(rows)
    blocks = [
        Block("h2", "Routes"),
        Block("p", note),
        Block("table", headers=headers, rows=rows, chart="routes"),
    ]
    if more > 0:
        blocks.append(Block("p", f"… {more} more rows in the JSON report."))
    return blocks


def slow(report: dict[str, Any]) -> list[Block]:
    slow = report["slow_requests"]
    blocks = [
        Block("h2", f"Slow requests (≥ {slow['threshold_ms']:,.0f} ms)"),
        Block(
            "p",
            f"{slow['count']:,} request(s) over the threshold"
            + (
                f"; {slow['flagged_only']:,} more flagged by the app itself, which may repeat "
                "requests timed at the edge."
                if slow["flagged_only"]
                else "."
            ),
        ),
    ]
    if slow["slowest"]:
        rows = [
            [
                f"{s['method']} {s['path']}",
                num(s["duration_ms"], " ms"),
                num(s["status"]),
                s["source"],
                s["at"] or "—",
                s["evidence"],
            ]
            for s in slow["slowest"][:15]
        ]
        blocks.append(
            Block(
                "table",
                headers=["Request", "Time", "Status", "Source", "At", "Evidence"],
                rows=rows,
            )
        )
    return blocks


def small(report: dict[str, Any]) -> list[Block]:
    small = report["small_responses"]
    blocks = [
        Block("h2", f"Small responses (< {small['threshold_bytes']:,} B)"),
        Block(
            "p",
            f"{small['count']:,} response(s) under the threshold"
            + (
                f" ({small['judged_by_app']:,} pagos request line(s) not counted: pagos judges "
                "its answers against each route's expected size and flags them itself)"
                if small["judged_by_app"]
                else ""
            )
            + (
                f", {small['flagged']:,} flagged by the app itself (by its own per-route "
                "sizes, or declared empty)"
                if small["flagged"]
                else ""
            )
            + f"; {small['excluded']} excluded; edge = bytes Render/Heroku sent, origin = "
            "bytes the app reported.",
        ),
    ]
    if small["groups"]:
        rows = [
            [
                f"{g['method']} {g['route']}",
                num(g["bytes"]),
                g["measured_at"],
                num(g["count"]),
                g["kind"],
                g["note"],
                g["first"],
            ]
            for g in small["groups"][:20]
        ]
        blocks.append(
            Block(
                "table",
                headers=["Request", "Bytes", "At", "Count", "Kind", "Reading", "First"],
                rows=rows,
            )
        )
    return blocks


def workers(report: dict[str, Any]) -> list[Block]:
    boots = report["workers"]["boots"]
    blocks = [Block("h2", "Workers per boot")]
    if not boots:
        return [*blocks, Block("p", "No server boot lines.")]
    rows = [
        [
            b["instance"],
            b["started"] or "—",
            pid(b["master_pid"]),
            ", ".join(map(str, b["pids"])) or "—",
            num(b["max_alive"]),
            b["worker_class"] or "—",
            ", ".join(f"{k} {v}" for k, v in b["versions"].items()) or "—",
            b["ended"] or "running at end of log",
            b["evidence"],
        ]
        for b in boots[-30:]
    ]
    headers = [
        "Instance",
        "Started",
        "Master",
        "Worker pids",
        "Max alive",
        "Class",
        "Versions",
        "Ended by",
        "Evidence",
    ]
    return [*blocks, Block("table", headers=headers, rows=rows)]


def restarts(report: dict[str, Any]) -> list[Block]:
    restarts = report["restarts"]
    causes = ", ".join(f"{c}: {n}" for c, n in restarts["by_cause"].items()) or "none"
    blocks = [
        Block("h2", "Restarts"),
        Block(
            "p",
            f"{restarts['count']} restart(s), {restarts['unplanned']} unplanned. "
            f"By cause: {causes}.",
            chart="restarts",
        ),
    ]
    if restarts["timeline"]:
        rows = [
            [
                r["at"] or "—",
                r["instance"],
                r["scope"],
                pid(r["pid"]),
                r["cause"],
                r["detail"] or "",
                ev(r["evidence"], 3),
            ]
            for r in restarts["timeline"][-40:]
        ]
        blocks.append(
            Block(
                "table",
                headers=["At", "Instance", "Scope", "Pid", "Cause", "Detail", "Evidence"],
                rows=rows,
            )
        )
    return blocks


def cache(report: dict[str, Any]) -> list[Block]:
    cache = report["cache"]
    rate = cache["hit_rate"]
    items = [
        f"Live backend: {cache['live_backend']} (decided by the last backend line of each "
        "worker in its latest boot; an import-time warning is superseded by a later "
        "connection line of the same worker or instance)",
        "Hit rate: "
        + (
            f"{rate:.1%} ({cache['lookups']})"
            if rate is not None
            else "unknown (no hit/miss events)"
        ),
    ]
    for kind, info in cache["redis_errors"].items():
        items.append(f"{kind}: {info['count']} ({ev(info['evidence'])})")
    blocks = [Block("h2", "Cache"), Block("list", items=items)]
    if cache["per_worker"]:
        rows = [
            [
                w["instance"],
                pid(w["pid"]) if w["pid"] is not None else "all",
                w["backend"],
                w["evidence"],
                w["scope"],
                w["text"],
            ]
            for w in cache["per_worker"]
        ]
        blocks.append(
            Block(
                "table",
                headers=["Instance", "Worker", "Backend", "Decided by", "Line speaks for", "Line"],
                rows=rows,
            )
        )
    return blocks


def database_and_errors(report: dict[str, Any]) -> list[Block]:
    db = report["database"]
    blocks = [
        Block("h2", "Database"),
        Block(
            "p",
            f"Pool exhausted (QueuePool limit): {db['pool_exhausted']}; server "
            f"connection slots exhausted: {db['server_connections_exhausted']}. "
            f"Evidence: {ev(db['evidence'])}.",
        ),
    ]
    if report["errors"]:
        rows = [
            [e["class"], num(e["count"]), ev(e["evidence"], 3), e["sample"][:100]]
            for e in report["errors"][:25]
        ]
        blocks += [
            Block("h2", "Errors by class"),
            Block("table", headers=["Class", "Count", "Evidence", "Sample"], rows=rows),
        ]
    return blocks
