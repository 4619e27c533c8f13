"""Why a worker process ended, read from its wait status as the process manager saw it.

The reasons are the ``reason`` label of ``worker_exits_total``:

- ``timeout``: the manager killed it for not answering in time (gunicorn's ``WORKER TIMEOUT``
  sends SIGABRT, then SIGKILL on later rounds). Whatever signal ended it, a timeout comes first.
- ``sigkill``: killed with SIGKILL by someone else: the kernel's out-of-memory killer is the
  usual suspect, so it is flagged ``possible_oom``, unless the server was stopping (its own
  last-resort kill after the graceful timeout) or a timeout preceded it.
- ``sigterm``: asked to stop (deploys, scaling, Render's shutdown).
- ``sigint``: interrupted (Ctrl-C, or SIGQUIT, gunicorn's quick shutdown).
- ``error``: any other signal (SIGSEGV, an unexplained SIGABRT), a non-zero exit code, or a
  status nobody recorded.
- ``normal``: exit code 0 without a signal (e.g. ``max_requests`` recycling).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

EXIT_REASONS = ("sigterm", "sigint", "timeout", "sigkill", "error", "normal")
ABNORMAL_REASONS = frozenset({"timeout", "sigkill", "error"})

_SIGNAL_REASONS: dict[int, str] = {
    signal.SIGTERM: "sigterm",
    signal.SIGINT: "sigint",
    signal.SIGQUIT: "sigint",
    signal.SIGKILL: "sigkill",
}


@dataclass(frozen=True)
class WorkerExit:
    reason: str
    signal: str | None = None
    exit_code: int | None = None
    possible_oom: bool = False

    @property
    def abnormal(self) -> bool:
        return self.reason in ABNORMAL_REASONS


def signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def classify_exit(
    status: int | None, *, timed_out: bool = False, server_stopping: bool = False
) -> WorkerExit:
    """``status`` is the raw wait status (``os.waitpid``); ``None`` when it was not seen.
    ``timed_out``: the manager had already declared this worker timed out."""
    sig: str | None = None
    code: int | None = None
    signum: int | None = None
    if status is not None and os.WIFSIGNALED(status):
        signum = os.WTERMSIG(status)
        sig = signal_name(signum)
    elif status is not None and os.WIFEXITED(status):
        code = os.WEXITSTATUS(status)

    if timed_out:
        return WorkerExit("timeout", sig, code)
    if signum is not None:
        reason = _SIGNAL_REASONS.get(signum, "error")
        oom = reason == "sigkill" and not server_stopping
        return WorkerExit(reason, sig, None, possible_oom=oom)
    if code == 0:
        return WorkerExit("normal", None, 0)
    return WorkerExit("error", None, code)


EXIT_EVENTS = frozenset({"worker_stopped", "worker_exited"})


def restart_counts(
    events: Iterable[Mapping[str, object]], now_ms: int, windows: Mapping[str, float]
) -> dict[str, dict[str, object]]:
    """Starts and exits (by reason) per window, from lifecycle events that carry their stream
    id (``"<ms>-<seq>"``). ``windows`` maps a name to its length in seconds."""
    counts: dict[str, dict[str, object]] = {}
    for name, seconds in windows.items():
        since = now_ms - int(seconds * 1000)
        starts = 0
        by_reason: dict[str, int] = {}
        for event in events:
            if int(str(event["id"]).split("-")[0]) < since:
                continue
            if event.get("event") == "worker_started":
                starts += 1
            elif event.get("event") in EXIT_EVENTS:
                reason = str(event.get("reason", "error"))
                by_reason[reason] = by_reason.get(reason, 0) + 1
        counts[name] = {
            "starts": starts,
            "exits": sum(by_reason.values()),
            "by_reason": dict(sorted(by_reason.items())),
        }
    return counts
