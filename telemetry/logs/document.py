"""The report as a sequence of blocks (headings, paragraphs, tables, lists) that the text,
Markdown and HTML renderers all print, so the three always say the same thing."""

from __future__ import annotations

from typing import Any

from telemetry.logs import document_details as details
from telemetry.logs.blocks import SEVERITY_MARK, STATUS_MARK, Block, ev

__all__ = ["Block", "build"]


def build(report: dict[str, Any]) -> list[Block]:
    blocks: list[Block] = [Block("h1", "Log analysis report"), _verdict(report)]
    blocks += _summary(report)
    blocks += _metrics(report)
    blocks += _problems(report)
    blocks += details.routes(report)
    blocks += details.slow(report)
    blocks += details.small(report)
    blocks += details.workers(report)
    blocks += details.restarts(report)
    blocks += details.cache(report)
    blocks += details.database_and_errors(report)
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
        [m["metric"], m["observed"], m["target"], STATUS_MARK[m["status"]], ev(m["evidence"], 3)]
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
        items.append(f"Evidence: {ev(problem['evidence'], 8)}")
        items.append(f"Do: {problem['recommendation']}")
        blocks += [Block("h3", text), Block("list", items=items)]
    return blocks


def _recommendations(report: dict[str, Any]) -> list[Block]:
    items = [
        f"[{SEVERITY_MARK[r['priority']]}] {r['action']} — because: {r['because']}"
        for r in report["recommendations"]
    ]
    return [Block("h2", "Recommendations"), Block("list", items=items or ["Nothing to do."])]
