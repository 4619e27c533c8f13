"""One sample file per format family (tests/data/logs), with the counts it was built with."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.telemetry.logs.conftest import Runner, metric


def _report(analyze: Runner, path: Path) -> dict[str, Any]:
    result = analyze(path, "--format", "json")
    assert result.code == 0, result.err
    return result.json()


def _restarts(report: dict[str, Any]) -> list[tuple[int | None, str]]:
    return [(row["pid"], row["cause"]) for row in report["restarts"]["timeline"]]


def test_render_api_json(analyze: Runner, data: Path) -> None:
    report = _report(analyze, data / "render_api.jsonl")
    assert report["input"]["unparsed"]["count"] == 0
    assert report["input"]["families"]["render-http"] == 8
    assert report["input"]["instances"] == ["srv-d4abc-6f7g8", "srv-d4abc-h9j2k"]
    assert len(report["input"]["deploys"]) == 1
    # the old instance is stopped by SIGTERM five minutes after the deploy started
    assert report["restarts"]["by_cause"] == {"deploy": 1}
    slowest = report["slow_requests"]["slowest"][0]
    assert (slowest["route"], slowest["duration_ms"]) == ("/api/v1/prestamos/{id}", 5200)
    pagos = next(r for r in report["routes"] if r["route"] == "/api/v1/pagos")
    assert (pagos["count"], pagos["errors_5xx"], pagos["error_rate"]) == (4, 2, 0.5)
    # new instance: warning then "Conectado a Redis"; old one: connection refused → memory
    backends = {(r["instance"], r["pid"]): r["backend"] for r in report["cache"]["per_worker"]}
    assert backends == {
        ("srv-d4abc-6f7g8", 7): "redis",
        ("srv-d4abc-6f7g8", 8): "redis",
        ("srv-d4abc-h9j2k", 7): "memory",
        ("srv-d4abc-h9j2k", 8): "memory",
    }
    assert report["cache"]["redis_errors"]["redis_connection_refused"]["count"] == 1


def test_render_syslog_stream_with_gunicorn_20(analyze: Runner, data: Path) -> None:
    report = _report(analyze, data / "render_syslog.log")
    assert report["input"]["wrappers"] == {"syslog": 21}
    assert report["input"]["instances"] == ["srv-d4abc-6f7g8"]
    assert _restarts(report) == [
        (10, "worker timeout"),  # WORKER TIMEOUT then SIGKILL "Perhaps out of memory?"
        (11, "probable OOM (SIGKILL)"),  # SIGKILL with no timeout before it
        (12, "crash without graceful shutdown"),  # exited with code 1
    ]
    (boot,) = report["workers"]["boots"]
    assert boot["pids"] == [10, 11, 12, 13, 14, 15]
    assert boot["max_alive"] == 3
    assert boot["declared_workers"] == 3
    assert boot["versions"] == {"gunicorn": "20.1.0"}
    # the six-line traceback is one event; its last line and a plain line are pool errors
    assert report["input"]["families"]["traceback"] == 6
    errors = {e["class"]: e["count"] for e in report["errors"]}
    assert errors == {"db_pool_exhausted": 2, "traceback sqlalchemy.exc.TimeoutError": 1}
    assert report["database"]["pool_exhausted"] == 2
    assert report["database"]["pool_limits"] == [5, 10]


def test_gunicorn_versions_and_boot_failures(analyze: Runner, data: Path) -> None:
    report = _report(analyze, data / "gunicorn_versions.log")
    assert report["input"]["unparsed"]["count"] == 0
    assert report["restarts"]["by_cause"] == {"boot failure": 2, "platform stop (SIGTERM)": 1}
    boots = report["workers"]["boots"]
    assert [b["versions"]["gunicorn"] for b in boots] == ["19.9.0", "23.0.0", "21.2.0"]
    assert [b["pids"] for b in boots] == [[8], [9, 10], [11]]
    assert [b["worker_class"] for b in boots[:2]] == ["sync", "uvicorn.workers.UvicornWorker"]
    assert {e["class"]: e["count"] for e in report["errors"]} == {
        "traceback ModuleNotFoundError": 1
    }


def test_uvicorn_supervisor_and_access_lines(analyze: Runner, data: Path) -> None:
    report = _report(analyze, data / "uvicorn_supervisor.log")
    assert report["input"]["unparsed"]["count"] == 0
    assert _restarts(report) == [
        (31, "crash without graceful shutdown"),  # "Child process [31] died"
        (30, "platform stop (SIGTERM)"),
    ]
    (boot,) = report["workers"]["boots"]
    assert (boot["master_pid"], boot["pids"], boot["max_alive"]) == (30, [31, 32, 33], 2)
    routes = {(r["method"], r["route"]): r for r in report["routes"]}
    assert routes[("GET", "/api/v1/clientes/{id}")]["count"] == 7
    assert routes[("POST", "/api/v1/pagos")]["errors_5xx"] == 2
    assert routes[("POST", "/api/v1/pagos")]["latency_from"].startswith("uvicorn")
    assert {e["class"]: e["count"] for e in report["errors"]} == {"traceback ValueError": 1}


def test_heroku_router_and_r_codes(analyze: Runner, data: Path) -> None:
    report = _report(analyze, data / "heroku.log")
    assert report["input"]["unparsed"]["count"] == 0
    assert report["input"]["instances"] == ["web.1"]
    assert _restarts(report) == [(2, "probable OOM (SIGKILL)"), (2, "platform stop (SIGTERM)")]
    errors = {e["class"]: e["count"] for e in report["errors"]}
    assert errors == {"heroku_R14": 2, "heroku_H12": 1, "heroku_R15": 1}
    slowest = report["slow_requests"]["slowest"][0]
    assert (slowest["route"], slowest["duration_ms"], slowest["status"]) == (
        "/api/v1/pagos/kpis",
        30000,
        503,
    )
    assert slowest["latency_from"].startswith("Heroku")
    assert [b["pids"] for b in report["workers"]["boots"]] == [[4, 5], [4, 5]]


def test_pagos_json_lines(analyze: Runner, data: Path) -> None:
    report = _report(analyze, data / "pagos.jsonl")
    assert report["input"]["families"] == {"pagos-json": 27}
    # 6 hits and 2 misses were written
    assert report["cache"]["hit_rate"] == 6 / 8
    # below the 80 % target, but 8 lookups are too few to call it a breach
    assert metric(report, "Cache hit rate")["status"] == "warn"
    assert "Cache hit rate" not in report["breached"]
    # memory at start, then redis for both workers, and redis for the replacement worker
    assert metric(report, "Cache backend")["observed_value"] == "redis"
    assert {r["pid"]: r["backend"] for r in report["cache"]["per_worker"]} == {
        101: "redis",
        102: "redis",
        103: "redis",
    }
    kpis = [12.5, 14.0, 9.8, 220.0, 15.1, 11.0, 13.3, 1450.0]  # as written, with:
    caches = ["hit", "hit", "hit", "miss", "hit", "hit", "hit", "miss"]
    ordered = sorted(kpis)
    row = next(r for r in report["routes"] if r["route"] == "/api/v1/pagos/kpis")
    assert row["p50_ms"] == ordered[3]  # nearest rank: ceil(0.50 * 8) = 4th value
    assert row["p95_ms"] == ordered[7]
    assert row["count"] == len(kpis)
    # the same requests split by the cache outcome written beside each
    hits = sorted(ms for ms, c in zip(kpis, caches, strict=True) if c == "hit")
    misses = sorted(ms for ms, c in zip(kpis, caches, strict=True) if c == "miss")
    split = report["kpi"]["by_cache"]
    assert split["hit"]["p95_ms"] == hits[-1] and split["hit"]["count"] == len(hits)
    assert split["miss"]["p50_ms"] == misses[0] and split["miss"]["p95_ms"] == misses[-1]
    # the master's worker_exited lines: a timeout (its SIGKILL is the timeout's), then a
    # SIGKILL with no timeout before it
    assert _restarts(report) == [(101, "worker timeout"), (102, "probable OOM (SIGKILL)")]
    # pagos judges its own answers' sizes: its request lines (83 B summary, 95 B 404, 120 B
    # 503) are not guessed at; its small_response event is read, and it said "empty"
    groups = report["small_responses"]["groups"]
    assert [(g["route"], g["bytes"], g["kind"], g["source"]) for g in groups] == [
        ("/api/v1/notificaciones/estadisticas/resumen", 83, "declared-empty", "app-flag:empty")
    ]
    failed = {(r["method"], r["route"]): r["errors_5xx"] for r in report["routes"]}
    assert failed[("POST", "/api/v1/pagos")] == 1
    assert report["database"]["pool_exhausted"] == 1


def test_text_errors_redis_and_health_check_kill(analyze: Runner, data: Path) -> None:
    report = _report(analyze, data / "errors_health.log")
    errors = {e["class"]: e["count"] for e in report["errors"]}
    assert errors == {
        "redis_connection_refused": 3,
        "redis_timeout": 2,
        "health_check_failed": 2,
        "traceback sqlalchemy.exc.TimeoutError": 1,
        "db_pool_exhausted": 1,
    }
    assert _restarts(report) == [(1, "health-check kill")]
    assert report["input"]["unparsed"]["count"] == 1
    sample = report["input"]["unparsed"]["samples"][0]
    assert sample["text"] == "this line is not a log format anyone knows"
    assert sample["evidence"].endswith("errors_health.log:23")


def test_legacy_request_lines_in_their_shapes(analyze: Runner, tmp_path: Path) -> None:
    log = tmp_path / "legacy.log"
    log.write_text(
        "2025-11-10 14:00:00,000 - app.mw - INFO - GET /api/v1/pagos/kpis - status=200 "
        "responseTimeMS=1206ms responseBytes=145 requestID=None\n"
        "2025-11-10 14:00:01,000 - app.mw - INFO - POST /api/v1/pagos - 503 - "
        "responseTimeMS=30001ms responseBytes=120 requestID=abc\n"
        "GET /api/v1/clientes/7 statusCode=404 responseTimeMS=3.5 responseBytes=90\n",
        encoding="utf-8",
    )
    report = _report(analyze, log)
    rows = {(r["method"], r["route"]): r for r in report["routes"]}
    assert rows[("GET", "/api/v1/pagos/kpis")]["max_ms"] == 1206
    assert rows[("POST", "/api/v1/pagos")]["errors_5xx"] == 1
    assert rows[("GET", "/api/v1/clientes/{id}")]["errors_4xx"] == 1
    assert rows[("GET", "/api/v1/clientes/{id}")]["p50_ms"] == 3.5
    assert report["request_ids"]["missing"] == 1
    assert report["input"]["families"] == {"legacy-app": 2, "app-text": 1}


def test_render_export_text(analyze: Runner, data: Path) -> None:
    """Render's text export: time, instance, then the line; request lines carry no path."""
    report = _report(analyze, data / "render_export.log")
    assert report["input"]["families"] == {"render-http": 5, "gunicorn": 2}
    assert report["input"]["instances"] == ["srv-d4abc-6f7g8"]
    (row,) = report["routes"]
    times = sorted([45, 120, 2300, 80, 610])  # as written into the file
    assert row["route"] == "(path not logged)"
    assert (row["count"], row["p50_ms"], row["max_ms"]) == (5, times[2], times[-1])
    assert report["slow_requests"]["count"] == 1
    assert report["restarts"]["by_cause"] == {"platform stop (SIGTERM)": 1}


@pytest.mark.parametrize(("hits", "misses"), [(40, 20), (2, 1), (50, 0)])
def test_cache_hit_rate_judged_on_enough_lookups(
    analyze: Runner, tmp_path: Path, hits: int, misses: int
) -> None:
    log = tmp_path / "lookups.jsonl"
    outcomes = ["hit"] * hits + ["miss"] * misses
    log.write_text(
        "".join(
            f'{{"event":"request","method":"GET","route":"/api/v1/pagos/kpis","status":200,'
            f'"duration_ms":5,"response_bytes":180,"cache":"{c}","worker_pid":7}}\n'
            for c in outcomes
        ),
        encoding="utf-8",
    )
    report = _report(analyze, log)
    rate = hits / (hits + misses)
    assert report["cache"]["hit_rate"] == round(rate, 4)
    row = metric(report, "Cache hit rate")
    titles = [p["title"] for p in report["problems"]]
    flagged = [t for t in titles if t.startswith("Cache hit rate below its target")]
    if rate >= 0.80:
        assert row["status"] == "ok" and not flagged
    elif hits + misses < 50:  # a few first misses after a start are not a breach
        assert row["status"] == "warn" and not flagged
        assert "Cache hit rate" not in report["breached"]
    else:  # every breached target has its problem in the report
        assert row["status"] == "breach"
        assert "Cache hit rate" in report["breached"]
        assert flagged == [
            f"Cache hit rate below its target: {rate:.1%} of {hits + misses} lookups"
        ]
