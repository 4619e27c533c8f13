"""Self-contained HTML: the report document plus inline SVG charts (no scripts, no CDN)."""

from __future__ import annotations

from html import escape
from typing import Any

from telemetry.logs.document import Block, build

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;
max-width:1200px;color:#1f2328;padding:0 1rem}
h1{border-bottom:2px solid #d0d7de}h2{margin-top:2rem;border-bottom:1px solid #d0d7de}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.9rem}
th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}pre{background:#f6f8fa;padding:.5rem;overflow-x:auto}
.chart{margin:.5rem 0 1rem}.chart text{font-size:11px;fill:#1f2328}
"""
_COLORS = ("#cf222e", "#bf8700", "#0969da", "#8250df", "#1a7f37", "#57606a", "#e16f24")


def html(report: dict[str, Any]) -> str:
    body: list[str] = []
    for block in build(report):
        body.append(_block(block))
        if block.chart == "routes":
            body.append(_routes_chart(report))
        elif block.chart == "restarts":
            body.append(_restarts_chart(report))
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>pagos log analysis</title><style>"
        + _STYLE
        + "</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def _block(block: Block) -> str:
    if block.kind in ("h1", "h2", "h3"):
        return f"<{block.kind}>{escape(block.text)}</{block.kind}>"
    if block.kind == "p":
        return f"<p>{escape(block.text)}</p>"
    if block.kind == "list":
        return "<ul>" + "".join(f"<li>{escape(item)}</li>" for item in block.items) + "</ul>"
    if block.kind == "code":
        return "<pre>" + escape("\n".join(block.items)) + "</pre>"
    head = "".join(f"<th>{escape(h)}</th>" for h in block.headers)
    rows = "".join(
        "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in block.rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _routes_chart(report: dict[str, Any]) -> str:
    """Horizontal bars: p95 per route (and source), with the KPI target as a line."""
    rows = [r for r in report["routes"] if r["p95_ms"] is not None][:20]
    if not rows:
        return ""
    target = float(report["options"]["kpi_target_ms"])
    top = max(max(r["p95_ms"] for r in rows), target) or 1.0
    label_w, bar_w, row_h = 380, 560, 18
    height = row_h * len(rows) + 30
    parts = [
        f'<svg class="chart" width="{label_w + bar_w + 80}" height="{height}" '
        'role="img" aria-label="p95 latency per route">'
    ]
    for i, row in enumerate(rows):
        y = 10 + i * row_h
        width = bar_w * row["p95_ms"] / top
        color = _COLORS[0] if row["p95_ms"] > target else _COLORS[2]
        label = escape(f"{row['method']} {row['route']} ({row['source']})"[:60])
        parts.append(f'<text x="{label_w - 6}" y="{y + 12}" text-anchor="end">{label}</text>')
        parts.append(
            f'<rect x="{label_w}" y="{y + 2}" width="{width:.1f}" height="{row_h - 4}" '
            f'fill="{color}"/>'
        )
        parts.append(
            f'<text x="{label_w + width + 4:.1f}" y="{y + 12}">{row["p95_ms"]:,.0f} ms</text>'
        )
    x = label_w + bar_w * target / top
    parts.append(
        f'<line x1="{x:.1f}" x2="{x:.1f}" y1="5" y2="{height - 15}" stroke="#1f2328" '
        'stroke-dasharray="4 3"/>'
    )
    parts.append(f'<text x="{x + 3:.1f}" y="{height - 3}">target {target:,.0f} ms</text>')
    parts.append("</svg>")
    return "".join(parts)


def _restarts_chart(report: dict[str, Any]) -> str:
    """One dot per restart along the input order, one row per instance, colored by cause."""
    timeline = report["restarts"]["timeline"]
    if not timeline:
        return ""
    causes = list(report["restarts"]["by_cause"])
    instances = sorted({r["instance"] for r in timeline})
    label_w, plot_w, row_h = 160, 760, 22
    height = row_h * len(instances) + 20 * (len(causes) + 1) + 20
    parts = [
        f'<svg class="chart" width="{label_w + plot_w + 20}" height="{height}" '
        'role="img" aria-label="restarts per instance over time">'
    ]
    total = max(len(timeline) - 1, 1)
    for i, instance in enumerate(instances):
        y = 10 + i * row_h
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end">{escape(instance[:24])}</text>'
        )
        parts.append(
            f'<line x1="{label_w}" x2="{label_w + plot_w}" y1="{y + 10}" '
            f'y2="{y + 10}" stroke="#d0d7de"/>'
        )
    for n, restart in enumerate(timeline):
        y = 10 + instances.index(restart["instance"]) * row_h + 10
        x = label_w + 8 + (plot_w - 16) * n / total
        color = _COLORS[causes.index(restart["cause"]) % len(_COLORS)]
        title = escape(f"{restart['at'] or ''} {restart['cause']} {restart['detail'] or ''}")
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y}" r="5" fill="{color}"><title>{title}</title></circle>'
        )
    legend_y = 10 + len(instances) * row_h + 10
    for k, cause in enumerate(causes):
        y = legend_y + k * 20
        parts.append(
            f'<circle cx="{label_w + 6}" cy="{y + 6}" r="5" fill="{_COLORS[k % len(_COLORS)]}"/>'
        )
        parts.append(f'<text x="{label_w + 16}" y="{y + 10}">{escape(cause)}</text>')
    parts.append("</svg>")
    return "".join(parts)
