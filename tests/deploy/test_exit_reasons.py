"""Exit causes read from real wait statuses: real child processes, really signalled."""

from __future__ import annotations

import os
import signal
import sys
import time
from types import SimpleNamespace

import pytest

from telemetry.gunicorn_hooks import ExitStatusRecorder, install_exit_status_recorder
from telemetry.workers import classify_exit, restart_counts


def _status_of_child(action: str) -> int:
    """Fork a child that ends by ``action`` (``exit:N`` or ``signal:NAME``); its raw status."""
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest, whatever happens
        try:
            kind, _, value = action.partition(":")
            if kind == "exit":
                os._exit(int(value))
            signum = getattr(signal, value)
            if signum != signal.SIGKILL:
                signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            time.sleep(5)
        finally:
            os._exit(99)
    _, status = os.waitpid(pid, 0)
    return status


@pytest.mark.parametrize(
    ("action", "reason", "signal_name", "exit_code"),
    [
        ("signal:SIGTERM", "sigterm", "SIGTERM", None),
        ("signal:SIGINT", "sigint", "SIGINT", None),
        ("signal:SIGQUIT", "sigint", "SIGQUIT", None),
        ("signal:SIGKILL", "sigkill", "SIGKILL", None),
        ("signal:SIGSEGV", "error", "SIGSEGV", None),
        ("signal:SIGABRT", "error", "SIGABRT", None),
        ("exit:0", "normal", None, 0),
        ("exit:3", "error", None, 3),
    ],
)
def test_reason_from_a_real_wait_status(
    action: str, reason: str, signal_name: str | None, exit_code: int | None
) -> None:
    exit_ = classify_exit(_status_of_child(action))
    assert (exit_.reason, exit_.signal, exit_.exit_code) == (reason, signal_name, exit_code)
    assert exit_.possible_oom == (reason == "sigkill")


def test_a_timeout_is_never_an_out_of_memory_kill() -> None:
    # gunicorn sends SIGABRT on a timeout, SIGKILL on the next round if the worker lingers
    for action in ("signal:SIGABRT", "signal:SIGKILL"):
        exit_ = classify_exit(_status_of_child(action), timed_out=True)
        assert (exit_.reason, exit_.possible_oom) == ("timeout", False)


def test_the_servers_own_last_resort_kill_is_not_called_out_of_memory() -> None:
    exit_ = classify_exit(_status_of_child("signal:SIGKILL"), server_stopping=True)
    assert (exit_.reason, exit_.possible_oom) == ("sigkill", False)


def test_an_unseen_status_is_an_error_not_a_guess() -> None:
    assert classify_exit(None).reason == "error"
    assert classify_exit(None, timed_out=True).reason == "timeout"


def test_the_recorder_keeps_the_status_waitpid_reaped() -> None:
    module = SimpleNamespace(os=os)
    recorder = install_exit_status_recorder(module)  # type: ignore[arg-type]
    assert install_exit_status_recorder(module) is recorder  # once only  # type: ignore[arg-type]
    assert module.os.getpid() == os.getpid()  # everything else is the real os
    pid = os.fork()
    if pid == 0:
        os._exit(7)  # the child
    deadline = time.monotonic() + 5
    while (reaped := module.os.waitpid(-1, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert reaped[0] == pid
    status = recorder.pop(pid)
    assert status is not None and os.WEXITSTATUS(status) == 7
    assert recorder.pop(pid) is None


def test_the_recorder_is_bounded() -> None:
    fake_os = SimpleNamespace(waitpid=lambda pid, options: (pid, 0))
    recorder = ExitStatusRecorder(fake_os, max_entries=3)
    for pid in range(10, 20):
        recorder.waitpid(pid, 0)
    assert [recorder.pop(pid) for pid in (16, 17, 18, 19)] == [None, 0, 0, 0]


def test_restart_counts_per_window() -> None:
    now = 1_800_000_000_000
    minute, hour = 60_000, 3_600_000
    events = [
        {"id": f"{now - 1 * minute}-0", "event": "worker_exited", "reason": "sigkill"},
        {"id": f"{now - 2 * minute}-0", "event": "worker_started"},
        {"id": f"{now - 3 * minute}-0", "event": "worker_stopped", "reason": "sigterm"},
        {"id": f"{now - 3 * minute}-1", "event": "worker_stopping", "signal": "SIGTERM"},
        {"id": f"{now - 2 * hour}-0", "event": "worker_exited", "reason": "timeout"},
        {"id": f"{now - 2 * hour}-1", "event": "worker_started"},
        {"id": f"{now - 25 * hour}-0", "event": "worker_exited", "reason": "sigkill"},
    ]
    counts = restart_counts(events, now, {"last_hour": 3600, "last_day": 86400})
    assert counts == {
        "last_hour": {"starts": 1, "exits": 2, "by_reason": {"sigkill": 1, "sigterm": 1}},
        "last_day": {
            "starts": 2,
            "exits": 3,
            "by_reason": {"sigkill": 1, "sigterm": 1, "timeout": 1},
        },
    }


if sys.platform != "linux":  # pragma: no cover
    pytestmark = pytest.mark.skip("wait statuses are POSIX")
