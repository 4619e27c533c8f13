"""The PromQL pagos ships: every dashboard panel query and every rule, and the names in them."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DASHBOARDS = sorted((ROOT / "dashboards").glob("*.json"))
RULE_FILES = sorted((ROOT / "alerts").glob("*.yml"))
RULE_TESTS = sorted((ROOT / "alerts" / "tests").glob("*.yml"))

# Series Prometheus makes itself, not pagos.
PROMETHEUS_OWN = frozenset({"up"})

_KEYWORDS = frozenset(
    {
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
        "offset",
        "bool",
        "and",
        "or",
        "unless",
        "atan2",
        "inf",
        "nan",
    }
)
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_IDENT = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
_NAME_MATCHER = re.compile(r'__name__\s*(=~|=)\s*"([^"]*)"')


@dataclass(frozen=True)
class Query:
    where: str  # "overview.json: Request rate [A]" or "alerts.yml: PagosTargetMissing"
    expr: str


def dashboard(path: Path) -> dict[str, Any]:
    board: dict[str, Any] = json.loads(path.read_text())
    return board


def panels(board: dict[str, Any]) -> list[dict[str, Any]]:
    """Every panel, the ones inside collapsed rows too."""
    found: list[dict[str, Any]] = []
    for panel in board.get("panels", []):
        found.append(panel)
        found.extend(panel.get("panels", []))
    return found


def dashboard_queries() -> list[Query]:
    return [
        Query(f"{path.name}: {panel['title']} [{target['refId']}]", target["expr"])
        for path in DASHBOARDS
        for panel in panels(dashboard(path))
        for target in panel.get("targets", [])
    ]


def rule_groups(path: Path) -> list[dict[str, Any]]:
    groups: list[dict[str, Any]] = yaml.safe_load(path.read_text())["groups"]
    return groups


def rules() -> list[dict[str, Any]]:
    return [rule for path in RULE_FILES for group in rule_groups(path) for rule in group["rules"]]


def rule_queries() -> list[Query]:
    return [
        Query(f"{rule.get('record') or rule.get('alert')}", str(rule["expr"])) for rule in rules()
    ]


def recorded_names() -> frozenset[str]:
    return frozenset(rule["record"] for rule in rules() if "record" in rule)


def metric_names(expr: str) -> set[str]:
    """The series names an expression selects: bare names before a selector or range, and
    ``__name__`` matchers. Functions, keywords, label names and strings are not names."""
    names = {
        name
        for _, value in _NAME_MATCHER.findall(expr)
        for name in value.split("|")
        if re.fullmatch(r"[A-Za-z_:][A-Za-z0-9_:]*", name)
    }
    text = _STRING.sub('""', expr)
    text = re.sub(r"\$\{?\w+\}?", "", text)  # Grafana variables ($job, $__rate_interval)
    text = re.sub(r"\{[^}]*\}", "{}", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", "[]", text)  # ranges and subqueries
    text = _GROUPING.sub(" ", text)
    for match in _IDENT.finditer(text):
        name = match.group(0)
        following = text[match.end() :].lstrip()
        if name.lower() in _KEYWORDS or following.startswith("("):
            continue  # a keyword or a function call
        if re.fullmatch(r"\d+(e\d+)?", name) or text[match.start() - 1 : match.start()].isdigit():
            continue
        names.add(name)
    return names


def series_names(declared: frozenset[str], histograms: frozenset[str]) -> frozenset[str]:
    """Every name a declared metric exports: histograms add _bucket, _count and _sum."""
    suffixed = {
        f"{name}{suffix}" for name in histograms for suffix in ("_bucket", "_count", "_sum")
    }
    return declared | suffixed
