"""Plain-text and Markdown renderings of the report document."""

from __future__ import annotations

import json
from typing import Any

from telemetry.logs.document import Block, build

_CELL_LIMIT = 60


def _cell(text: str, limit: int = _CELL_LIMIT) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def text(report: dict[str, Any]) -> str:
    out: list[str] = []
    for block in build(report):
        if block.kind == "h1":
            out += [block.text.upper(), "=" * len(block.text), ""]
        elif block.kind == "h2":
            out += [block.text, "-" * len(block.text)]
        elif block.kind == "h3":
            out.append(block.text)
        elif block.kind == "p":
            out += [block.text, ""]
        elif block.kind == "list":
            out += [f"  - {item}" for item in block.items] + [""]
        elif block.kind == "code":
            out += [f"    {_cell(item, 160)}" for item in block.items] + [""]
        elif block.kind == "table":
            out += [*_text_table(block), ""]
    return "\n".join(out).rstrip() + "\n"


def _text_table(block: Block) -> list[str]:
    rows = [[_cell(c) for c in row] for row in block.rows]
    widths = [len(h) for h in block.headers]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=False)]
    line = "  ".join(h.ljust(w) for h, w in zip(block.headers, widths, strict=False))
    result = [line.rstrip(), "  ".join("-" * w for w in widths)]
    for row in rows:
        result.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)).rstrip())
    return result


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(report: dict[str, Any]) -> str:
    out: list[str] = []
    for block in build(report):
        if block.kind == "h1":
            out += [f"# {block.text}", ""]
        elif block.kind == "h2":
            out += [f"## {block.text}", ""]
        elif block.kind == "h3":
            out += [f"### {block.text}", ""]
        elif block.kind == "p":
            out += [block.text, ""]
        elif block.kind == "list":
            out += [f"- {item}" for item in block.items] + [""]
        elif block.kind == "code":
            out += ["```", *(_cell(item, 200) for item in block.items), "```", ""]
        elif block.kind == "table":
            out.append("| " + " | ".join(block.headers) + " |")
            out.append("|" + "|".join("---" for _ in block.headers) + "|")
            for row in block.rows:
                out.append("| " + " | ".join(_md_escape(c) for c in row) + " |")
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def as_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"
