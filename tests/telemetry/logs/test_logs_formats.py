"""The four renderings say the same thing; HTML stands alone."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.telemetry.logs.conftest import DATA, Runner

INCIDENT = DATA / "incident_render.log"


def test_html_is_self_contained_with_charts(analyze: Runner) -> None:
    page = analyze(INCIDENT, "--format", "html").out
    assert page.startswith("<!doctype html>")
    assert page.count("<svg") == 2  # latency per route, restarts per instance
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "<script" not in page
    assert "1,206 ms" in page
    assert "pids 56, 57, 58" in page


def test_html_escapes_log_text(analyze: Runner, tmp_path: Path) -> None:
    log = tmp_path / "xss.log"
    log.write_text("<script>alert(1)</script>\n", encoding="utf-8")
    page = analyze(log, "--format", "html").out
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_json_is_complete_and_machine_readable(analyze: Runner) -> None:
    data = json.loads(analyze(INCIDENT, "--format", "json").out)
    for section in (
        "input",
        "key_metrics",
        "problems",
        "routes",
        "slow_requests",
        "small_responses",
        "workers",
        "restarts",
        "cache",
        "database",
        "errors",
        "recommendations",
    ):
        assert section in data
    for problem in data["problems"]:
        assert problem["recommendation"]
    first = data["problems"][0]
    assert first["severity"] == "critical"
    assert all(re.fullmatch(r".+:\d+", e) for e in first["evidence"])


def test_every_recommendation_is_tied_to_a_problem(analyze: Runner) -> None:
    data = analyze(INCIDENT, "--format", "json").json()
    titles = {p["title"] for p in data["problems"]}
    assert data["recommendations"]
    assert all(r["because"] in titles for r in data["recommendations"])
