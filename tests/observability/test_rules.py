"""alerts/: promtool accepts the rules and passes their unit tests; every alert has a case that
fires and one that must not, a severity, a summary, a description with its value and a
runbook that exists."""

from __future__ import annotations

import re
import shutil
import subprocess
from typing import Any

import pytest
import yaml

from tests.observability.queries import ROOT, RULE_FILES, RULE_TESTS, rules

ALERTS = [rule for rule in rules() if "alert" in rule]
RECORDS = [rule for rule in rules() if "record" in rule]
# level:metric:operations (Prometheus's naming practice for recording rules)
RECORD_NAME = re.compile(r"[a-z][a-z0-9_]*:[a-z][a-z0-9_]*:[a-z0-9_]+")


def promtool() -> str:
    found = shutil.which("promtool")
    assert found, "promtool is missing: apt-get install prometheus (.ci/run installs it)"
    return found


def test_promtool_checks_the_rules() -> None:
    assert RULE_FILES, "no rule files in alerts/"
    result = subprocess.run(
        [promtool(), "check", "rules", *map(str, RULE_FILES)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_unit_tests_pass() -> None:
    result = subprocess.run(
        [promtool(), "test", "rules", *map(str, RULE_TESTS)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("SUCCESS") == len(RULE_TESTS)


def _cases() -> list[dict[str, Any]]:
    found = []
    for path in RULE_TESTS:
        document = yaml.safe_load(path.read_text())
        rule_files = {(path.parent / name).resolve() for name in document["rule_files"]}
        assert rule_files == {p.resolve() for p in RULE_FILES}, f"{path.name} tests other rules"
        for test in document["tests"]:
            found.extend(test.get("alert_rule_test", []))
    return found


@pytest.mark.parametrize("alert", ALERTS, ids=lambda rule: rule["alert"])
def test_every_alert_has_a_case_that_fires_and_one_that_must_not(alert: dict[str, Any]) -> None:
    cases = [case for case in _cases() if case["alertname"] == alert["alert"]]
    assert any(case.get("exp_alerts") for case in cases), "no case where it fires"
    assert any(not case.get("exp_alerts") for case in cases), "no case where it must not fire"


@pytest.mark.parametrize("alert", ALERTS, ids=lambda rule: rule["alert"])
def test_every_alert_says_how_bad_what_and_where_to_look(alert: dict[str, Any]) -> None:
    assert alert["labels"]["severity"] in {"critical", "warning"}
    annotations = alert["annotations"]
    assert annotations["summary"].strip()
    assert "$value" in annotations["description"]
    assert annotations["runbook_url"] == f"docs/runbooks/{alert['alert']}.md"
    runbook = (ROOT / annotations["runbook_url"]).read_text()
    assert runbook.startswith(f"# {alert['alert']}")
    assert "**Check.**" in runbook and "**Do.**" in runbook


def test_every_runbook_belongs_to_an_alert() -> None:
    names = {rule["alert"] for rule in ALERTS}
    runbooks = {path.stem for path in (ROOT / "docs" / "runbooks").glob("*.md")}
    assert runbooks == names


@pytest.mark.parametrize("record", RECORDS, ids=lambda rule: rule["record"])
def test_recording_rules_are_named_level_metric_operations(record: dict[str, Any]) -> None:
    assert RECORD_NAME.fullmatch(record["record"])
    level = record["record"].split(":")[0].split("_")
    # the level names the labels the rule keeps; `job` always, so dashboards can pick one
    assert level[0] == "job"


def test_the_issue_s_alerts_are_all_there() -> None:
    assert {rule["alert"] for rule in ALERTS} == {
        "PagosKpiLatencyBudgetBurnFast",
        "PagosKpiLatencyBudgetBurnSlow",
        "PagosKpiLatencyP95High",
        "PagosCacheHitRatioLow",
        "PagosCacheMemoryWithSeveralWorkers",
        "PagosCacheRedisFallback",
        "PagosWorkerRestartsFrequent",
        "PagosWorkerKilled",
        "PagosSmallResponsesSpike",
        "PagosHttp5xxRatioHigh",
        "PagosDbPoolNearExhaustion",
        "PagosTargetMissing",
    }
