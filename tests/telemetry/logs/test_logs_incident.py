"""The real incident, reproduced: what the hand-written report saw, and what it missed."""

from __future__ import annotations

from pathlib import Path

from tests.telemetry.logs.conftest import Runner, metric

INCIDENT = "incident_render.log"
WARNING = "Usando MemoryCache"
# Built into the fixture file: four boots of gunicorn (master 55, workers 56/57/58), the first
# three ended by SIGTERM with no deploy between them; one deploy line at the top.
PIDS = [56, 57, 58]
SIGTERM_CYCLES = 3


def test_key_metrics_of_the_incident(analyze: Runner, data: Path) -> None:
    result = analyze(data / INCIDENT, "--format", "json")
    assert result.code == 0, result.err
    report = result.json()

    cache = metric(report, "Cache backend")
    assert cache["observed_value"] == "memory"
    assert cache["status"] == "breach"

    kpi = metric(report, "KPI latency")
    assert kpi["observed_value"] == 1206  # the KPI request at 1,206 ms, the worst of three
    assert kpi["status"] == "breach"
    assert "1,206 ms" in kpi["observed"]

    workers = metric(report, "Active workers")
    assert workers["observed_value"] == len(PIDS)
    assert f"pids {', '.join(map(str, PIDS))}" in workers["observed"]

    assert metric(report, "Cache hit rate")["status"] == "unknown"

    restarts = metric(report, "Restarts")
    assert restarts["observed_value"] == SIGTERM_CYCLES
    assert report["restarts"]["by_cause"] == {"platform stop (SIGTERM)": SIGTERM_CYCLES}

    boots = report["workers"]["boots"]
    assert [boot["pids"] for boot in boots] == [PIDS] * (SIGTERM_CYCLES + 1)
    assert report["breached"] == ["Cache backend", "KPI latency /api/v1/pagos/kpis"]


def test_small_responses_are_read_not_guessed(analyze: Runner, data: Path) -> None:
    report = analyze(data / INCIDENT, "--format", "json").json()
    groups = {
        (g["route"], g["bytes"], g["measured_at"]): g for g in report["small_responses"]["groups"]
    }
    summary = "/api/v1/notificaciones/estadisticas/resumen"
    for where in ("edge", "origin"):
        # 81 bytes is the empty summary with tasa_exito written as 0: truthful, not an error
        assert groups[(summary, 81, where)]["kind"] == "known-empty"
        assert groups[(summary, 81, where)]["count"] == 1
    assert groups[("/api/v1/pagos/kpis", 145, "edge")]["kind"] == "small"
    assert groups[("/api/v1/pagos/kpis", 145, "edge")]["count"] == 3
    # the HEAD and the 304 in the file are small too, and are not reported
    assert not [g for g in report["small_responses"]["groups"] if g["method"] == "HEAD"]
    assert not [g for g in report["small_responses"]["groups"] if g["status"] == 304]


def test_text_and_markdown_name_the_findings(analyze: Runner, data: Path) -> None:
    for fmt in ("text", "markdown"):
        out = analyze(data / INCIDENT, "--format", fmt).out
        assert "1,206 ms" in out
        assert "pids 56, 57, 58" in out
        assert "breach" in out
        assert "In-process memory cache serving with several workers" in out
    markdown = analyze(data / INCIDENT, "--format", "markdown").out
    assert "| Metric | Observed | Target | Status | Evidence |" in markdown


def test_fail_on_breach_exits_1(analyze: Runner, data: Path) -> None:
    assert analyze(data / INCIDENT, "--fail-on-breach").code == 1
    assert analyze(data / INCIDENT).code == 0


def test_a_later_redis_line_makes_redis_the_live_backend(
    analyze: Runner, data: Path, tmp_path: Path
) -> None:
    lines = (data / INCIDENT).read_text(encoding="utf-8").splitlines()
    last_warning = max(i for i, line in enumerate(lines) if WARNING in line)
    redis_line = "2025-11-10 16:00:03,900 - app.core.cache - INFO - ✅ Conectado a Redis"
    lines.insert(last_warning + 1, redis_line)
    log = tmp_path / "incident_with_redis.log"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")

    report = analyze(log, "--format", "json").json()
    cache = metric(report, "Cache backend")
    assert cache["observed_value"] == "redis"
    assert cache["status"] == "ok"
    decided = {row["evidence"] for row in report["cache"]["per_worker"]}
    assert decided == {f"{log}:{last_warning + 2}"}  # the Redis line decided it
    assert [row["pid"] for row in report["cache"]["per_worker"]] == PIDS


def test_a_worker_own_redis_line_only_decides_that_worker(
    analyze: Runner, data: Path, tmp_path: Path
) -> None:
    lines = (data / INCIDENT).read_text(encoding="utf-8").splitlines()
    last_warning = max(i for i, line in enumerate(lines) if WARNING in line)
    lines.insert(last_warning + 1, "[2025-11-10 16:00:03 +0000] [57] [INFO] Redis connected")
    log = tmp_path / "one_worker_redis.log"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")

    report = analyze(log, "--format", "json").json()
    backends = {row["pid"]: row["backend"] for row in report["cache"]["per_worker"]}
    assert backends == {56: "memory", 57: "redis", 58: "memory"}
    assert metric(report, "Cache backend")["observed_value"] == "mixed"


def test_kpi_route_and_target_are_options(analyze: Runner, data: Path) -> None:
    relaxed = analyze(data / INCIDENT, "--format", "json", "--kpi-target-ms", "1500").json()
    assert metric(relaxed, "KPI latency")["status"] == "ok"
    assert relaxed["breached"] == ["Cache backend"]

    other = analyze(
        data / INCIDENT, "--format", "json", "--kpi-route", "/api/v1/prestamos/42"
    ).json()
    kpi = metric(other, "KPI latency /api/v1/prestamos/{id}")
    assert kpi["observed_value"] == 12  # the one request to a loan, written at 12 ms
    assert kpi["status"] == "ok"


def test_thresholds_for_slow_and_small(analyze: Runner, data: Path) -> None:
    report = analyze(
        data / INCIDENT, "--format", "json", "--slow-ms", "90", "--small-bytes", "100"
    ).json()
    # Render lines at or over 90 ms in the file: the KPI at 1,206 and the summary at 95
    assert report["slow_requests"]["count"] == 2
    sizes = {(g["bytes"], g["measured_at"]) for g in report["small_responses"]["groups"]}
    assert sizes == {(81, "edge"), (81, "origin")}
