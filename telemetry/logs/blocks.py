"""The building blocks of the report document, and the small formatting helpers."""

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


def num(value: Any, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}{unit}"
    return f"{value:,.0f}{unit}"


def pid(value: int | None) -> str:
    """A process id as logs write it: no thousands separator."""
    return "—" if value is None else str(value)


def ev(evidence: list[str], limit: int = 4) -> str:
    shown = ", ".join(evidence[:limit])
    more = len(evidence) - limit
    return shown + (f" (+{more})" if more > 0 else "") if evidence else "—"
