"""dashboards/: Grafana dashboard JSON that imports as is on any Grafana with a Prometheus
(a datasource variable, no import-only inputs), stable uids, unique panel ids, a layout
without overlaps, and the panels the issue asks each dashboard for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.observability.queries import DASHBOARDS, ROOT, dashboard, metric_names, panels

UIDS = {
    "overview.json": "pagos-overview",
    "cache.json": "pagos-cache",
    "workers.json": "pagos-workers",
}
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}

# the metrics each dashboard must chart (rules are read through their names' metric part)
WANTED = {
    "overview.json": {
        "http_server_requests",  # request rate (recorded)
        "http_server_request_errors",  # error ratio (recorded)
        "http_server_request_duration_seconds",  # p50/p95/p99 per route (recorded)
        "http_server_requests_over_500ms",  # the KPI SLI and its burn rate (recorded)
        "http_server_active_requests",
        "http_server_slow_requests_total",
        "http_server_small_responses_total",
    },
    "cache.json": {
        "cache_hit",  # hit ratio per namespace and backend (recorded)
        "cache_backend_workers",
        "cache_errors_total",
        "cache_compute_duration_seconds_bucket",
        "cache_stale_served_total",
        "cache_singleflight_waits_total",
    },
    "workers.json": {
        "workers_alive",
        "worker_starts_total",
        "worker_exits_total",
        "db_pool_connections",
        "db_pool_max_connections",
    },
}


def _board_ids() -> list[str]:
    return [path.name for path in DASHBOARDS]


def test_the_three_dashboards_and_their_stable_uids() -> None:
    assert {path.name: dashboard(path)["uid"] for path in DASHBOARDS} == UIDS


@pytest.mark.parametrize("path", DASHBOARDS, ids=_board_ids())
def test_dashboard_structure(path: Path) -> None:
    board = dashboard(path)
    assert "__inputs" not in board and "${DS_" not in path.read_text()
    assert board["title"].startswith("pagos / ") and board["schemaVersion"] >= 36
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    assert variables["job"]["datasource"] == DATASOURCE

    ids = [panel["id"] for panel in panels(board)]
    assert len(ids) == len(set(ids)), "panel ids repeat"
    for panel in panels(board):
        if panel["type"] == "row":
            continue
        assert panel["title"] and panel["datasource"] == DATASOURCE, panel["title"]
        assert panel["targets"], f"{panel['title']} has no query"
        refs = [target["refId"] for target in panel["targets"]]
        assert len(refs) == len(set(refs))
        for target in panel["targets"]:
            assert target["datasource"] == DATASOURCE
            assert 'job="$job"' in target["expr"], f"{panel['title']} ignores the job variable"


@pytest.mark.parametrize("path", DASHBOARDS, ids=_board_ids())
def test_panels_do_not_overlap_and_fit_the_grid(path: Path) -> None:
    taken: set[tuple[int, int]] = set()
    for panel in panels(dashboard(path)):
        grid = panel["gridPos"]
        assert grid["x"] >= 0 and grid["x"] + grid["w"] <= 24, panel["title"]
        cells = {
            (x, y)
            for x in range(grid["x"], grid["x"] + grid["w"])
            for y in range(grid["y"], grid["y"] + grid["h"])
        }
        assert not cells & taken, f"{panel['title']} overlaps another panel"
        taken |= cells


@pytest.mark.parametrize("path", DASHBOARDS, ids=_board_ids())
def test_each_dashboard_charts_what_the_issue_asks(path: Path) -> None:
    used: set[str] = set()
    for panel in panels(dashboard(path)):
        for target in panel.get("targets", []):
            for name in metric_names(target["expr"]):
                used.add(name.split(":")[1] if ":" in name else name)
                used.add(name)
    assert WANTED[path.name] - used == set()


def test_the_kpi_panels_show_the_500ms_target_and_burn_thresholds() -> None:
    board = dashboard(ROOT / "dashboards" / "overview.json")
    by_title: dict[str, Any] = {panel["title"]: panel for panel in panels(board)}
    latency = by_title["KPI latency against its 500 ms target"]
    steps = latency["fieldConfig"]["defaults"]["thresholds"]["steps"]
    assert [step["value"] for step in steps] == [None, 0.5]
    assert latency["fieldConfig"]["defaults"]["unit"] == "s"
    assert all('route="/api/v1/pagos/kpis"' in t["expr"] for t in latency["targets"])
    burn = by_title["KPI error-budget burn rate"]
    steps = burn["fieldConfig"]["defaults"]["thresholds"]["steps"]
    assert [step["value"] for step in steps] == [None, 6, 14.4]


def test_provisioning_files() -> None:
    provisioning = ROOT / "dashboards" / "provisioning"
    sources = yaml.safe_load((provisioning / "datasources" / "prometheus.yml").read_text())
    (source,) = sources["datasources"]
    assert (source["type"], source["url"]) == ("prometheus", "${PROMETHEUS_URL}")
    providers = yaml.safe_load((provisioning / "dashboards" / "pagos.yml").read_text())
    (provider,) = providers["providers"]
    assert (provider["type"], provider["options"]["path"]) == ("file", "${PAGOS_DASHBOARDS_DIR}")
