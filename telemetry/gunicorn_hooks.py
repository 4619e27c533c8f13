"""gunicorn's master, made to say why each worker ended.

gunicorn reaps workers with ``os.waitpid`` in ``Arbiter.reap_workers`` and then calls
``child_exit(server, worker)`` without the wait status, the one fact that says how the worker
died. :class:`ExitStatusRecorder` stands in for the ``os`` module inside ``gunicorn.arbiter``
only and remembers each status until ``child_exit`` reads it. A timeout is known from the
master's own ``worker.aborted`` flag (set in ``Arbiter.murder_workers`` before it sends SIGABRT,
then SIGKILL), so a timed-out worker is never reported as an out-of-memory kill.

Nothing here imports the metric objects at module import: prometheus_client files opened in
the master before ``on_starting`` wipes the multiprocess directory would be lost.
"""

from __future__ import annotations

import os
import socket
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import structlog

from telemetry.exposition import mark_worker_dead, prepare_multiprocess_dir
from telemetry.lifecycle_store import LIFECYCLE_FAILURES, LifecycleKeys, record_exit
from telemetry.workers import EXIT_REASONS, WorkerExit, classify_exit

logger = structlog.get_logger("telemetry.gunicorn")


class ExitStatusRecorder:
    """An ``os`` look-alike whose ``waitpid`` remembers the statuses it reaps."""

    def __init__(self, real_os: Any = os, max_entries: int = 1024) -> None:
        self._os = real_os
        self._max_entries = max_entries
        self._statuses: OrderedDict[int, int] = OrderedDict()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._os, name)

    def waitpid(self, pid: int, options: int) -> tuple[int, int]:
        wpid, status = self._os.waitpid(pid, options)
        if wpid:
            self._statuses[wpid] = status
            while len(self._statuses) > self._max_entries:
                self._statuses.popitem(last=False)
        return wpid, status

    def pop(self, pid: int) -> int | None:
        return self._statuses.pop(pid, None)


def install_exit_status_recorder(arbiter_module: ModuleType) -> ExitStatusRecorder:
    current = arbiter_module.os
    if isinstance(current, ExitStatusRecorder):
        return current
    recorder = ExitStatusRecorder(current)
    arbiter_module.os = recorder  # type: ignore[attr-defined]
    return recorder


@dataclass
class MasterLifecycle:
    """The master's hooks, parameterised; ``gunicorn.conf.py`` wires them."""

    metrics_dir: Path
    redis_url: str
    keys: LifecycleKeys
    version: str
    max_events: int = 5000
    redis_timeout_seconds: float = 0.1
    host: str = field(default_factory=socket.gethostname)
    recorder: ExitStatusRecorder | None = None

    def on_starting(self, server: Any) -> None:
        prepare_multiprocess_dir(self.metrics_dir)
        from telemetry.metrics import METRICS

        # every reason exported at 0 from the start: a first exit is then an increase that
        # rate() and increase() see, not a series that appears already at 1
        for reason in EXIT_REASONS:
            METRICS.worker_exits.labels(reason)
        import gunicorn.arbiter

        self.recorder = install_exit_status_recorder(gunicorn.arbiter)

    def child_exit(self, server: Any, worker: Any) -> WorkerExit:
        from telemetry.metrics import METRICS

        if self.recorder is None:
            # a reload (SIGHUP) runs the configuration again, on_starting not: the recorder
            # installed at start is still in place, and has the statuses
            import gunicorn.arbiter

            self.recorder = install_exit_status_recorder(gunicorn.arbiter)
        status = self.recorder.pop(worker.pid)
        # Arbiter.stop() empties LISTENERS first: kills from now on are the master's own.
        stopping = not getattr(server, "LISTENERS", True)
        exit_ = classify_exit(status, timed_out=bool(worker.aborted), server_stopping=stopping)
        mark_worker_dead(worker.pid, self.metrics_dir)
        METRICS.worker_exits.labels(exit_.reason).inc()
        fields: dict[str, object] = {
            "pid": worker.pid,
            "host": self.host,
            "reason": exit_.reason,
            "signal": exit_.signal,
            "exit_code": exit_.exit_code,
            "possible_oom": exit_.possible_oom,
            "server_stopping": stopping,
            "version": self.version,
        }
        if status is None:
            fields["status"] = "unknown"
        log = logger.error if exit_.abnormal else logger.info
        log("worker_exited", **fields)
        if not self.redis_url:
            return exit_
        try:
            record_exit(
                self.redis_url,
                self.keys,
                host=self.host,
                pid=worker.pid,
                event={"event": "worker_exited", **fields} if exit_.abnormal else None,
                max_events=self.max_events,
                timeout_seconds=self.redis_timeout_seconds,
            )
        except LIFECYCLE_FAILURES as exc:
            METRICS.worker_lifecycle_errors.labels("record_exit").inc()
            logger.warning("worker_lifecycle_redis_error", operation="record_exit", error=repr(exc))
        return exit_


def post_fork(server: Any, worker: Any) -> None:
    """In the new worker, before it builds the app (``preload_app`` is off, so its engine,
    Redis clients and any tracer are created here, after fork, never shared): forget the
    master's log context and put this worker's pid on every line it logs."""
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(worker_pid=os.getpid())
