"""Reads lifecycle events in order and keeps boots, workers, deploys and restarts.

Decisions made here, in order of the evidence:
- a worker timeout is one restart, whatever kill line (SIGABRT, SIGKILL "Perhaps out of
  memory?", exit code) follows it for the same pid in the same boot;
- a SIGKILL without a preceding timeout of that pid is a probable OOM kill;
- a server stop is caused by: a boot failure; failed health checks before it; a SIGTERM
  after a deploy (deploy) or without one (platform stop); else a crash, when a new boot
  starts or the process exits without any graceful shutdown line.
"""

from __future__ import annotations

import re

from telemetry.logs.aggregate.boots import (
    CAUSE_BOOT,
    CAUSE_CRASH,
    CAUSE_OOM,
    CAUSE_TIMEOUT,
    CAUSE_UNSEEN,
    Boot,
    Evidence,
    Mark,
    Restart,
)
from telemetry.logs.aggregate.causes import stop_cause
from telemetry.logs.model import Lifecycle

_LISTENING_PID = re.compile(r"\((\d+)\)\s*$")

# Events that belong to a server on its way down (an ended boot may still receive them).
_STOP_KINDS = frozenset(
    {
        "signal",
        "master_shutdown",
        "worker_exit",
        "child_stopping",
        "server_finished",
        "boot_failed",
        "app_exited",
        "crashed",
        "oom_kill",
        "platform_signal",
    }
)
Pid = int | None
Val = str | None
_STOP_SIGNALS = frozenset({"term", "int", "quit", "sigterm", "sigint", "sigquit"})


class _Instance:
    __slots__ = ("boots", "draining", "health")

    def __init__(self) -> None:
        self.boots: list[Boot] = []
        self.draining: Boot | None = None
        self.health: list[Mark] = []

    @property
    def current(self) -> Boot | None:
        return self.boots[-1] if self.boots else None


class LifecycleTracker:
    def __init__(self) -> None:
        self.instances: dict[str, _Instance] = {}
        self.deploys: list[tuple[Mark, str | None]] = []
        self.restarts: list[Restart] = []
        self.versions: dict[str, str] = {}

    # --- boots -------------------------------------------------------------------------
    def _state(self, instance: str) -> _Instance:
        state = self.instances.get(instance)
        if state is None:
            state = self.instances[instance] = _Instance()
        return state

    def _new_boot(self, instance: str, mark: Mark) -> Boot:
        state = self._state(instance)
        current = state.current
        if current is not None and current.ended is None:
            deployed_since = any(d.seq > current.started.seq for d, _ in self.deploys)
            if deployed_since and state.draining is None:
                state.draining = current  # zero-downtime deploy: the old one stops later
            elif current.last_file != mark.file:
                self._end_unseen(current, mark)  # its end fell between two input files
            else:
                self._end(current, mark, None, no_shutdown=True)
        boot = Boot(instance, mark)
        state.boots.append(boot)
        return boot

    def _end_unseen(self, boot: Boot, mark: Mark) -> None:
        restart = Restart(mark, boot.instance, "instance", CAUSE_UNSEEN, boot.master_pid)
        restart.detail = f"last seen in {boot.last_file}; next boot in {mark.file}"
        restart.evidence = [boot.started.loc, mark.loc]
        boot.ended = restart
        self.restarts.append(restart)

    def boot_for(
        self, instance: str, pid: int | None, mark: Mark, stopping: bool, booting: bool = False
    ) -> Boot:
        """The boot an event belongs to: the current one, or the one still draining after a
        deploy when the event is about its pids (a draining boot starts no new workers)."""
        state = self._state(instance)
        current = state.current
        draining = state.draining
        if draining is not None and draining.ended is None and not booting:
            mine = draining.owns(pid) or pid is None
            theirs = current is not None and current.owns(pid)
            if mine and (stopping or not theirs):
                draining.last_seen = mark
                return draining
        if current is None or (current.ended is not None and not stopping):
            current = self._new_boot(instance, mark)
        current.last_seen = mark
        return current

    def _end(self, boot: Boot, mark: Mark, exit_code: str | None, no_shutdown: bool) -> None:
        state = self._state(boot.instance)
        health = state.health if boot.instance == "-" else state.health + self._state("-").health
        cause, detail, evidence = stop_cause(
            boot, mark, exit_code, no_shutdown, self.deploys, health
        )
        restart = Restart(mark, boot.instance, "instance", cause, boot.master_pid, detail)
        restart.evidence = [*evidence, mark.loc]
        boot.ended = restart
        self.restarts.append(restart)
        state = self._state(boot.instance)
        if state.draining is boot:
            state.draining = None

    # --- events ------------------------------------------------------------------------
    def health_failed(self, instance: str, mark: Mark) -> None:
        self._state(instance).health.append(mark)

    def cache_evidence(self, instance: str, evidence: Evidence) -> None:
        self.boot_for(instance, evidence.pid, evidence.mark, False).cache_evidence.append(evidence)

    def oom(self, instance: str, mark: Mark) -> None:
        self.boot_for(instance, None, mark, False).oom_hint = mark

    def apply(self, event: Lifecycle, instance: str, mark: Mark) -> None:
        kind, pid, value = event.kind, event.pid, event.value
        if kind == "deploy_start":
            self.deploys.append((mark, None))
            return
        if kind == "deploy_commit":
            if self.deploys:
                self.deploys[-1] = (self.deploys[-1][0], value)
            return
        if kind == "version" and value:
            self.versions[value.split(" ")[0]] = value
            return
        if kind in ("platform_start", "master_start", "supervisor_start"):
            state = self._state(instance)
            current = state.current
            fresh = current is not None and current.fresh and kind != "platform_start"
            boot = current if fresh and current is not None else self._new_boot(instance, mark)
            if boot is current and mark.ts is not None:
                # "==> Running" has no time of its own; the server's first line does
                boot.started = Mark(boot.started.seq, mark.ts, boot.started.loc)
            boot.last_seen = mark
            if kind != "platform_start":
                boot.master_pid = pid
            if kind == "master_start" and value:
                boot.versions["gunicorn"] = value
            return
        stopping = kind in _STOP_KINDS or (kind == "worker_signaled" and value == "SIGTERM")
        booting = kind in ("worker_boot", "server_started")
        boot = self.boot_for(instance, pid, mark, stopping, booting)
        stopped = boot.stop_signal is not None and boot.workers and not boot.alive
        if booting and stopped and boot.master_pid is None:
            # no master in the log (worker lines only, like pagos's own): every worker
            # stopped on a signal and workers start again, so the server restarted
            self._end(boot, mark, None, no_shutdown=False)
            boot = self._new_boot(instance, mark)
        handler = getattr(self, f"_on_{kind}", None)
        if handler is not None:
            handler(boot, pid, value, mark)

    def _on_worker_boot(self, boot: Boot, pid: Pid, value: Val, mark: Mark) -> None:
        if pid is not None:
            boot.worker(pid, mark)

    def _on_server_started(self, boot: Boot, pid: Pid, value: Val, mark: Mark) -> None:
        if pid is None:
            return
        if boot.master_pid is None and not boot.workers:
            boot.master_pid = pid  # standalone uvicorn: the server is the only process
        boot.worker(pid, mark)

    def _on_worker_count(self, boot: Boot, pid: Pid, value: Val, mark: Mark) -> None:
        if value and value.isdigit():
            boot.declared_workers = max(boot.declared_workers or 0, int(value))

    def _on_worker_class(self, boot: Boot, pid: Pid, value: Val, mark: Mark) -> None:
        boot.worker_class = value

    def _on_listening(self, boot: Boot, pid: Pid, value: Val, mark: Mark) -> None:
        boot.listening = value
        # "Listening at: http://0.0.0.0:8000 (23502)": the master names itself, which counts
        # when its line carries no pid of its own (gunicorn's lines through pagos's logging)
        master = _LISTENING_PID.search(value or "")
        if master is not None and boot.master_pid is None:
            boot.master_pid = int(master.group(1))

    def _on_live(self, boot: Boot, pid: Pid, value: Val, mark: Mark) -> None:
        boot.live = mark

    def _on_signal(self, boot: Boot, pid: Pid, value: Val, mark: Mark) -> None:
        if value in _STOP_SIGNALS and boot.stop_signal is None:
            boot.stop_signal = (value or "term", mark)

    _on_platform_signal = _on_signal

    def _on_platform_cycle(self, boot: Boot, pid: Pid, value: Val, mark: Mark) -> None:
        if boot.stop_signal is None:
            boot.stop_signal = (value or "cycle", mark)

    def _on_master_shutdown(self, boot: Boot, pid: Pid, value: Val, mark: Mark) -> None:
        if boot.ended is None:
            self._end(boot, mark, None, no_shutdown=False)

    def _on_boot_failed(self, boot: Boot, pid: Pid, value: Val, mark: Mark) -> None:
        reason = value or "boot failed"
        if boot.ended is not None:
            if boot.ended.cause != CAUSE_BOOT:
                boot.ended.cause, boot.ended.detail = CAUSE_BOOT, reason
                boot.ended.evidence.append(mark.loc)
            return
        boot.boot_failure = (reason, mark)
        if "Render" in reason or "R10" in reason or "state" in reason:
            self._end(boot, mark, None, no_shutdown=False)

    def _on_app_exited(self, boot: Boot, pid: Pid, value: Val, mark: Mark) -> None:
        if boot.ended is None:
            self._end(boot, mark, value, no_shutdown=boot.stop_signal is None)
        elif mark.loc not in boot.ended.evidence:
            boot.ended.evidence.append(mark.loc)

    def _on_crashed(self, boot: Boot, pid: Pid, value: Val, mark: Mark) -> None:
        if boot.ended is None:
            self._end(boot, mark, None, no_shutdown=True)

    def _on_oom_kill(self, boot: Boot, pid: Pid, value: Val, mark: Mark) -> None:
        boot.oom_hint = mark
        if boot.ended is None and ("R15" in (value or "")):
            self._end(boot, mark, "137", no_shutdown=True)

    _on_instance_restart = _on_crashed

    def _worker_restart(self, boot: Boot, pid: int, cause: str, detail: Val, mark: Mark) -> None:
        worker = boot.worker_gone(pid)
        if worker.restart is not None:
            if mark.loc not in worker.restart.evidence:
                worker.restart.evidence.append(mark.loc)
            return
        restart = Restart(mark, boot.instance, "worker", cause, pid, detail, [mark.loc])
        worker.restart = restart
        self.restarts.append(restart)

    def _on_worker_timeout(self, boot: Boot, pid: Pid, value: Val, mark: Mark) -> None:
        if pid is not None:
            self._worker_restart(boot, pid, CAUSE_TIMEOUT, None, mark)

    def _on_worker_signaled(self, boot: Boot, pid: Pid, value: Val, mark: Mark) -> None:
        if pid is None:
            return
        worker = boot.workers.get(pid)
        if worker is not None and worker.restart is not None:
            self._worker_restart(boot, pid, CAUSE_TIMEOUT, None, mark)  # adds evidence only
        elif value in ("SIGTERM", "SIGINT", "SIGQUIT") or boot.stopping:  # asked to stop
            boot.worker_gone(pid)
            if boot.stop_signal is None and boot.master_pid is None:
                boot.stop_signal = ("term (to worker)", mark)
        elif value == "SIGKILL":
            self._worker_restart(boot, pid, CAUSE_OOM, "SIGKILL without a worker timeout", mark)
        else:
            self._worker_restart(boot, pid, CAUSE_CRASH, f"killed by {value}", mark)

    def _on_worker_exit_code(self, boot: Boot, pid: Pid, value: Val, mark: Mark) -> None:
        if pid is None:
            return
        worker = boot.workers.get(pid)
        if worker is not None and worker.restart is not None:
            self._worker_restart(boot, pid, CAUSE_TIMEOUT, None, mark)
        elif value in ("3", "4"):
            boot.worker_gone(pid)
            reason = "Worker failed to boot." if value == "3" else "App failed to load."
            boot.boot_failure = boot.boot_failure or (reason, mark)
        elif not boot.stopping:
            self._worker_restart(boot, pid, CAUSE_CRASH, f"exit code {value}", mark)
        else:
            boot.worker_gone(pid)

    def _on_child_died(self, boot: Boot, pid: Pid, value: Val, mark: Mark) -> None:
        if pid is not None:
            self._worker_restart(boot, pid, CAUSE_CRASH, "child process died", mark)

    def _on_worker_exit(self, boot: Boot, pid: Pid, value: Val, mark: Mark) -> None:
        if pid is not None:
            boot.worker_gone(pid)

    _on_child_stopping = _on_worker_exit
    _on_server_finished = _on_worker_exit

    def _on_worker_stopping(self, boot: Boot, pid: Pid, value: Val, mark: Mark) -> None:
        # one worker stopping is the server stopping only in a log of workers alone: with the
        # master's lines, its own "Handling signal" says so, and a worker stopped alone (a
        # reload, a signal to that worker) is not the server's stop
        if (
            value
            and value.lower() in _STOP_SIGNALS
            and boot.stop_signal is None
            and boot.master_pid is None
        ):
            boot.stop_signal = (value.lower(), mark)

    def _on_worker_stopped(self, boot: Boot, pid: Pid, value: Val, mark: Mark) -> None:
        if pid is None:
            return
        reason = (value or "").lower()
        if reason == "timeout":
            self._worker_restart(boot, pid, CAUSE_TIMEOUT, None, mark)
        elif reason == "sigkill":
            self._on_worker_signaled(boot, pid, "SIGKILL", mark)
        elif reason == "error":
            self._worker_restart(boot, pid, CAUSE_CRASH, "worker error", mark)
        else:
            boot.worker_gone(pid)

    # --- results -----------------------------------------------------------------------
    def boots(self) -> list[Boot]:
        return [boot for state in self.instances.values() for boot in state.boots]

    def latest_boots(self) -> list[Boot]:
        """Per instance, the last boot that showed workers or cache evidence."""
        latest: list[Boot] = []
        for state in self.instances.values():
            useful = [b for b in state.boots if b.workers or b.cache_evidence or b.master_pid]
            if useful:
                latest.append(useful[-1])
        return latest
