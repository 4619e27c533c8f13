"""Worker deaths: which cause each restart gets, from the order of the evidence."""

from __future__ import annotations

import json
from pathlib import Path

from tests.telemetry.logs.conftest import Runner


def _write(tmp_path: Path, lines: list[str]) -> Path:
    log = tmp_path / "gunicorn.log"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return log


def _g(second: int, pid: int, level: str, message: str) -> str:
    return f"[2025-11-10 14:00:{second:02d} +0000] [{pid}] [{level}] {message}"


BOOT = [
    _g(0, 1, "INFO", "Starting gunicorn 22.0.0"),
    _g(0, 10, "INFO", "Booting worker with pid: 10"),
    _g(0, 11, "INFO", "Booting worker with pid: 11"),
]


def test_timeout_then_sigkill_is_a_timeout_not_oom(analyze: Runner, tmp_path: Path) -> None:
    log = _write(
        tmp_path,
        [
            *BOOT,
            _g(30, 1, "CRITICAL", "WORKER TIMEOUT (pid:10)"),
            _g(31, 1, "ERROR", "Worker (pid:10) was sent SIGKILL! Perhaps out of memory?"),
            _g(32, 12, "INFO", "Booting worker with pid: 12"),
        ],
    )
    report = analyze(log, "--format", "json").json()
    (restart,) = report["restarts"]["timeline"]
    assert (restart["pid"], restart["cause"]) == (10, "worker timeout")
    assert restart["evidence"] == [f"{log}:4", f"{log}:5"]  # the timeout and its kill line
    assert "probable OOM (SIGKILL)" not in report["restarts"]["by_cause"]
    text = analyze(log).out
    assert "worker timeout" in text and "probable OOM" not in text


def test_sigkill_of_another_pid_is_still_probable_oom(analyze: Runner, tmp_path: Path) -> None:
    log = _write(
        tmp_path,
        [
            *BOOT,
            _g(30, 1, "CRITICAL", "WORKER TIMEOUT (pid:10)"),
            _g(31, 1, "ERROR", "Worker (pid:11) was sent SIGKILL! Perhaps out of memory?"),
        ],
    )
    report = analyze(log, "--format", "json").json()
    causes = [(r["pid"], r["cause"]) for r in report["restarts"]["timeline"]]
    assert causes == [(10, "worker timeout"), (11, "probable OOM (SIGKILL)")]


def test_timeout_in_an_earlier_boot_does_not_excuse_a_later_kill(
    analyze: Runner, tmp_path: Path
) -> None:
    log = _write(
        tmp_path,
        [
            *BOOT,
            _g(30, 1, "CRITICAL", "WORKER TIMEOUT (pid:10)"),
            _g(40, 1, "INFO", "Handling signal: term"),
            _g(41, 1, "INFO", "Shutting down: Master"),
            _g(50, 1, "INFO", "Starting gunicorn 22.0.0"),
            _g(50, 10, "INFO", "Booting worker with pid: 10"),
            _g(59, 1, "ERROR", "Worker (pid:10) was sent SIGKILL! Perhaps out of memory?"),
        ],
    )
    report = analyze(log, "--format", "json").json()
    causes = [(r["pid"], r["cause"]) for r in report["restarts"]["timeline"]]
    assert causes == [
        (10, "worker timeout"),
        (1, "platform stop (SIGTERM)"),
        (10, "probable OOM (SIGKILL)"),
    ]


def test_sigterm_during_shutdown_is_not_a_restart_per_worker(
    analyze: Runner, tmp_path: Path
) -> None:
    log = _write(
        tmp_path,
        [
            *BOOT,
            _g(40, 1, "INFO", "Handling signal: term"),
            _g(41, 1, "INFO", "Worker (pid:10) was sent SIGTERM!"),
            _g(41, 1, "INFO", "Worker (pid:11) was sent SIGTERM!"),
            _g(42, 1, "INFO", "Shutting down: Master"),
        ],
    )
    report = analyze(log, "--format", "json").json()
    assert report["restarts"]["by_cause"] == {"platform stop (SIGTERM)": 1}


def test_a_quick_shutdown_is_an_operator_stop_not_a_platform_one(
    analyze: Runner, tmp_path: Path
) -> None:
    log = _write(
        tmp_path,
        [
            *BOOT,
            _g(40, 1, "INFO", "Handling signal: int"),
            _g(41, 1, "WARNING", "Worker (pid:10) was sent SIGINT!"),
            _g(41, 1, "WARNING", "Worker (pid:11) was sent SIGINT!"),
            _g(42, 1, "INFO", "Shutting down: Master"),
        ],
    )
    report = analyze(log, "--format", "json").json()
    assert report["restarts"]["by_cause"] == {"operator stop (SIGINT)": 1}
    assert report["restarts"]["unplanned"] == 0


def test_new_boot_without_shutdown_is_a_crash(analyze: Runner, tmp_path: Path) -> None:
    log = _write(tmp_path, [*BOOT, *BOOT])
    report = analyze(log, "--format", "json").json()
    assert report["restarts"]["by_cause"] == {"crash without graceful shutdown": 1}
    assert len(report["workers"]["boots"]) == 2


def test_deploy_then_sigterm_is_a_deploy(analyze: Runner, tmp_path: Path) -> None:
    log = _write(
        tmp_path,
        [
            *BOOT,
            "==> Deploying...",
            "==> Checking out commit 4f2a9c1 in branch main",
            _g(40, 1, "INFO", "Handling signal: term"),
            _g(42, 1, "INFO", "Shutting down: Master"),
        ],
    )
    report = analyze(log, "--format", "json").json()
    (restart,) = report["restarts"]["timeline"]
    assert (restart["cause"], restart["detail"]) == ("deploy", "commit 4f2a9c1")
    assert report["input"]["deploys"][0]["commit"] == "4f2a9c1"


def test_zero_downtime_deploy_old_boot_drains(analyze: Runner, tmp_path: Path) -> None:
    """Render boots the new server before stopping the old one; pids repeat across them."""
    new_boot = [_g(50, 1, "INFO", "Starting gunicorn 22.0.0")] + [
        _g(50, pid, "INFO", f"Booting worker with pid: {pid}") for pid in (10, 11)
    ]
    log = _write(
        tmp_path,
        [
            *BOOT,
            "==> Deploying...",
            *new_boot,
            "==> Your service is live 🎉",
            _g(55, 1, "INFO", "Handling signal: term"),
            _g(55, 10, "INFO", "Worker exiting (pid: 10)"),
            _g(55, 11, "INFO", "Worker exiting (pid: 11)"),
            _g(56, 1, "INFO", "Shutting down: Master"),
            _g(59, 1, "CRITICAL", "WORKER TIMEOUT (pid:10)"),
        ],
    )
    report = analyze(log, "--format", "json").json()
    boots = report["workers"]["boots"]
    assert [(b["pids"], b["max_alive"], b["ended"]) for b in boots] == [
        ([10, 11], 2, "deploy"),
        ([10, 11], 2, None),
    ]
    causes = [(r["pid"], r["cause"]) for r in report["restarts"]["timeline"]]
    assert causes == [(1, "deploy"), (10, "worker timeout")]


def test_the_deploy_that_started_a_boot_did_not_stop_it(analyze: Runner, tmp_path: Path) -> None:
    log = _write(
        tmp_path,
        [
            "2025-11-10T13:59:00Z ==> Deploying...",
            *BOOT,
            _g(40, 1, "INFO", "Handling signal: term"),  # 41 s after the deploy, but no new one
            _g(42, 1, "INFO", "Shutting down: Master"),
        ],
    )
    report = analyze(log, "--format", "json").json()
    assert report["restarts"]["by_cause"] == {"platform stop (SIGTERM)": 1}


def test_worker_lines_only_still_show_a_restart(analyze: Runner, tmp_path: Path) -> None:
    """pagos's own lines: workers stop on SIGTERM, then new workers start."""

    def event(second: int, name: str, **fields: object) -> str:
        line = {"event": name, "level": "info", "timestamp": f"2025-11-10T14:00:{second:02d}Z"}
        return json.dumps({**line, **fields})

    log = tmp_path / "pagos.jsonl"
    log.write_text(
        "\n".join(
            [
                event(0, "worker_started", pid=70),
                event(0, "worker_started", pid=71),
                event(30, "worker_stopping", pid=70, signal="SIGTERM"),
                event(30, "worker_stopping", pid=71, signal="SIGTERM"),
                event(31, "worker_stopped", pid=70, reason="sigterm"),
                event(31, "worker_stopped", pid=71, reason="sigterm"),
                event(40, "worker_started", pid=80),
                event(40, "worker_started", pid=81),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    report = analyze(log, "--format", "json").json()
    assert report["restarts"]["by_cause"] == {"platform stop (SIGTERM)": 1}
    assert [b["pids"] for b in report["workers"]["boots"]] == [[70, 71], [80, 81]]


def test_one_worker_is_not_the_two_the_target_asks_for(analyze: Runner, tmp_path: Path) -> None:
    one = _write(tmp_path, [*BOOT[:2], _g(1, 1, "INFO", "Listening at: http://0.0.0.0:8000 (1)")])
    report = json.loads(analyze(one, "--format", "json").out)
    row = next(m for m in report["key_metrics"] if m["metric"] == "Active workers")
    assert (row["observed_value"], row["status"]) == (1, "warn")
    two = _write(tmp_path, BOOT)
    report = json.loads(analyze(two, "--format", "json").out)
    row = next(m for m in report["key_metrics"] if m["metric"] == "Active workers")
    assert (row["observed_value"], row["status"]) == (2, "ok")
    text = analyze(
        _write(tmp_path, [*BOOT, _g(2, 12345, "INFO", "Booting worker with pid: 12345")])
    )
    assert "12345" in text.out and "12,345" not in text.out  # pids as logs write them


def test_a_kill_after_a_reload_is_still_a_probable_oom(analyze: Runner, data: Path) -> None:
    # a real gunicorn log (pagos's JSON lines): SIGHUP, then SIGKILL of a new worker, then
    # SIGTERM; the reload's workers stopping are not the server's stop
    report = analyze(data / "pagos_reload_then_kill.jsonl", "--format", "json").json()
    assert report["restarts"]["by_cause"] == {
        "probable OOM (SIGKILL)": 1,
        "platform stop (SIGTERM)": 1,
    }


def test_one_worker_given_sigquit_is_neither_a_crash_nor_the_server_s_stop(
    analyze: Runner, data: Path
) -> None:
    # a real gunicorn log: SIGQUIT to one worker (replaced), later SIGTERM to the master
    report = analyze(data / "pagos_one_worker_quit.jsonl", "--format", "json").json()
    assert report["restarts"]["by_cause"] == {"platform stop (SIGTERM)": 1}
