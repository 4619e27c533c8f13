"""The report as a sequence of blocks (headings, paragraphs, tables, lists) that the text,
Markdown and HTML renderers all print, so the three always say the same thing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

STATUS_MARK = {"ok": "✅ ok", "warn": "⚠️ warn", "breach": "❌ breach", "unknown": "❔ unknown"}
SEVERITY_MARK = {
    "critical": "🔴 critical",
    "high": "🟠 high",
    "medium": "🟡 medium",
    "low": "🟢 low",
}


@dataclass(slots=True)
class Block:
    kind: str  # "h1", "h2", "h3", "p", "table", "list", "code"
    text: str = ""
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    chart: str | None = None  # HTML only: which chart to draw beside this block


def _num(value: Any, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}{unit}"
    return f"{value:,.0f}{unit}"


def _ev(evidence: list[str], limit: int = 4) -> str:
    shown = ", ".join(evidence[:limit])
    more = len(evidence) - limit
    return shown + (f" (+{more})" if more > 0 else "") if evidence else "—"


def build(report: dict[str, Any]) -> list[Block]:
    blocks: list[Block] = [Block("h1", "Log analysis report"), _verdict(report)]
    blocks += _summary(report)
    blocks += _metrics(report)
    blocks += _problems(report)
    blocks += _routes(report)
    blocks += _slow(report)
    blocks += _small(report)
    blocks += _workers(report)
    blocks += _restarts(report)
    blocks += _cache(report)
    blocks += _database_and_errors(report)
    blocks += _recommendations(report)
    return blocks


def _verdict(report: dict[str, Any]) -> Block:
    problems = report["problems"]
    by_severity = [
        f"{sum(1 for p in problems if p['severity'] == s)} {s}"
        for s in SEVERITY_MARK
        if any(p["severity"] == s for p in problems)
    ]
    breached = ", ".join(report["breached"]) or "none"
    found = f"{len(problems)} problem(s): {', '.join(by_severity)}" if problems else "no problems"
    return Block("p", f"{found}. Targets breached: {breached}.")


def _summary(report: dict[str, Any]) -> list[Block]:
    data = report["input"]
    window = data["window"]
    files = ", ".join(
        f["name"] + (f" ({f['read_error']})" if f["read_error"] else "") for f in data["files"]
    )
    items = [
        f"Files: {files}",
        f"Lines: {data['lines']:,} — "
        + (", ".join(f"{k} {v:,}" for k, v in data["families"].items()) or "none"),
        f"Time window: {window['first'] or '—'} → {window['last'] or '—'}",
        f"Instances: {', '.join(data['instances']) or '—'}",
        f"Deploys: {len(data['deploys'])}"
        + (
            " (" + ", ".join(d["evidence"] for d in data["deploys"][:5]) + ")"
            if data["deploys"]
            else ""
        ),
    ]
    if data["wrappers"]:
        items.append("Wrapped in: " + ", ".join(f"{k} {v:,}" for k, v in data["wrappers"].items()))
    if data["versions"]:
        items.append("Versions: " + ", ".join(data["versions"].values()))
    if data["filtered_out"]:
        items.append(f"Outside --since/--until: {data['filtered_out']:,} lines")
    blocks = [Block("h2", "Input"), Block("list", items=items)]
    unparsed = data["unparsed"]
    if unparsed["count"]:
        blocks.append(Block("p", f"{unparsed['count']:,} line(s) not recognized; samples:"))
        blocks.append(
            Block("code", items=[f"{s['evidence']}: {s['text']}" for s in unparsed["samples"]])
        )
    return blocks


def _metrics(report: dict[str, Any]) -> list[Block]:
    rows = [
        [m["metric"], m["observed"], m["target"], STATUS_MARK[m["status"]], _ev(m["evidence"], 3)]
        for m in report["key_metrics"]
    ]
    return [
        Block("h2", "Key metrics"),
        Block("table", headers=["Metric", "Observed", "Target", "Status", "Evidence"], rows=rows),
    ]


def _problems(report: dict[str, Any]) -> list[Block]:
    blocks = [Block("h2", "Critical problems, by impact")]
    if not report["problems"]:
        return [*blocks, Block("p", "None found.")]
    for number, problem in enumerate(report["problems"], 1):
        text = f"{number}. {SEVERITY_MARK[problem['severity']]}: {problem['title']}"
        items = []
        if problem["detail"]:
            items.append(problem["detail"])
        items.append(f"Evidence: {_ev(problem['evidence'], 8)}")
        items.append(f"Do: {problem['recommendation']}")
        blocks += [Block("h3", text), Block("list", items=items)]
    return blocks


def _routes(report: dict[str, Any]) -> list[Block]:
    rows = [
        [
            f"{r['method']} {r['route']}",
            r["source"],
            _num(r["count"]),
            f"{r['error_rate']:.1%}",
            _num(r["p50_ms"]),
            _num(r["p95_ms"]),
            _num(r["p99_ms"]),
            _num(r["max_ms"]),
            _num(r["bytes_avg"]),
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


def _slow(report: dict[str, Any]) -> list[Block]:
    slow = report["slow_requests"]
    blocks = [
        Block("h2", f"Slow requests (≥ {slow['threshold_ms']:,.0f} ms)"),
        Block("p", f"{slow['count']:,} request line(s) over the threshold."),
    ]
    if slow["slowest"]:
        rows = [
            [
                f"{s['method']} {s['path']}",
                _num(s["duration_ms"], " ms"),
                _num(s["status"]),
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


def _small(report: dict[str, Any]) -> list[Block]:
    small = report["small_responses"]
    blocks = [
        Block("h2", f"Small responses (< {small['threshold_bytes']:,} B)"),
        Block(
            "p",
            f"{small['count']:,} response(s) under the threshold; "
            f"{small['excluded']} excluded; edge = bytes Render/Heroku sent, origin = "
            "bytes the app reported.",
        ),
    ]
    if small["groups"]:
        rows = [
            [
                f"{g['method']} {g['route']}",
                _num(g["bytes"]),
                g["measured_at"],
                _num(g["count"]),
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


def _workers(report: dict[str, Any]) -> list[Block]:
    boots = report["workers"]["boots"]
    blocks = [Block("h2", "Workers per boot")]
    if not boots:
        return [*blocks, Block("p", "No server boot lines.")]
    rows = [
        [
            b["instance"],
            b["started"] or "—",
            _num(b["master_pid"]),
            ", ".join(map(str, b["pids"])) or "—",
            _num(b["max_alive"]),
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


def _restarts(report: dict[str, Any]) -> list[Block]:
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
                _num(r["pid"]),
                r["cause"],
                r["detail"] or "",
                _ev(r["evidence"], 3),
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


def _cache(report: dict[str, Any]) -> list[Block]:
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
        items.append(f"{kind}: {info['count']} ({_ev(info['evidence'])})")
    blocks = [Block("h2", "Cache"), Block("list", items=items)]
    if cache["per_worker"]:
        rows = [
            [
                w["instance"],
                _num(w["pid"]) if w["pid"] is not None else "all",
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


def _database_and_errors(report: dict[str, Any]) -> list[Block]:
    db = report["database"]
    blocks = [
        Block("h2", "Database"),
        Block(
            "p",
            f"Pool exhausted (QueuePool limit): {db['pool_exhausted']}; server "
            f"connection slots exhausted: {db['server_connections_exhausted']}. "
            f"Evidence: {_ev(db['evidence'])}.",
        ),
    ]
    if report["errors"]:
        rows = [
            [e["class"], _num(e["count"]), _ev(e["evidence"], 3), e["sample"][:100]]
            for e in report["errors"][:25]
        ]
        blocks += [
            Block("h2", "Errors by class"),
            Block("table", headers=["Class", "Count", "Evidence", "Sample"], rows=rows),
        ]
    return blocks


def _recommendations(report: dict[str, Any]) -> list[Block]:
    items = [
        f"[{SEVERITY_MARK[r['priority']]}] {r['action']} — because: {r['because']}"
        for r in report["recommendations"]
    ]
    return [Block("h2", "Recommendations"), Block("list", items=items or ["Nothing to do."])]
