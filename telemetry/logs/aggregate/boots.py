"""Boots (one server start on one instance), their workers, and the restart records."""

from __future__ import annotations

from dataclasses import dataclass, field

CAUSE_DEPLOY = "deploy"
CAUSE_PLATFORM = "platform stop (SIGTERM)"
CAUSE_INTERRUPT = "operator stop (SIGINT)"
CAUSE_TIMEOUT = "worker timeout"
CAUSE_OOM = "probable OOM (SIGKILL)"
CAUSE_BOOT = "boot failure"
CAUSE_HEALTH = "health-check kill"
CAUSE_CRASH = "crash without graceful shutdown"
CAUSE_UNSEEN = "unknown (stop not in the input)"
CAUSES = (
    CAUSE_DEPLOY,
    CAUSE_PLATFORM,
    CAUSE_INTERRUPT,
    CAUSE_TIMEOUT,
    CAUSE_OOM,
    CAUSE_BOOT,
    CAUSE_HEALTH,
    CAUSE_CRASH,
    CAUSE_UNSEEN,
)
# Restarts nobody asked for: these breach the "restarts" target.
UNPLANNED = frozenset({CAUSE_TIMEOUT, CAUSE_OOM, CAUSE_BOOT, CAUSE_HEALTH, CAUSE_CRASH})


@dataclass(slots=True)
class Mark:
    """A point in the input: position (for order), time when known, evidence location."""

    seq: int
    ts: float | None
    loc: str

    @property
    def file(self) -> str:
        return self.loc.rsplit(":", 1)[0]


@dataclass(slots=True)
class Restart:
    mark: Mark
    instance: str
    scope: str  # "instance" (the server stopped) or "worker" (one worker replaced)
    cause: str
    pid: int | None = None
    detail: str | None = None
    evidence: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Worker:
    pid: int
    started: Mark | None
    alive: bool = True
    restart: Restart | None = None


@dataclass(slots=True)
class Evidence:
    mark: Mark
    backend: str
    pid: int | None
    text: str


@dataclass(slots=True)
class Boot:
    instance: str
    started: Mark
    master_pid: int | None = None
    versions: dict[str, str] = field(default_factory=dict)
    worker_class: str | None = None
    listening: str | None = None
    declared_workers: int | None = None
    workers: dict[int, Worker] = field(default_factory=dict)
    alive: int = 0
    max_alive: int = 0
    live: Mark | None = None
    stop_signal: tuple[str, Mark] | None = None
    boot_failure: tuple[str, Mark] | None = None
    oom_hint: Mark | None = None
    ended: Restart | None = None
    cache_evidence: list[Evidence] = field(default_factory=list)
    last_seen: Mark = field(init=False)

    def __post_init__(self) -> None:
        self.last_seen = self.started

    def worker(self, pid: int, mark: Mark | None) -> Worker:
        found = self.workers.get(pid)
        if found is None:
            found = Worker(pid, mark)
            self.workers[pid] = found
            self.alive += 1
            self.max_alive = max(self.max_alive, self.alive)
        return found

    def worker_gone(self, pid: int) -> Worker:
        found = self.worker(pid, None)
        if found.alive:
            found.alive = False
            self.alive -= 1
        return found

    @property
    def last_file(self) -> str:
        return self.last_seen.file

    def owns(self, pid: int | None) -> bool:
        return pid is not None and (pid == self.master_pid or pid in self.workers)

    @property
    def stopping(self) -> bool:
        return self.stop_signal is not None or self.ended is not None

    @property
    def fresh(self) -> bool:
        return self.master_pid is None and not self.workers and self.ended is None

    def backends(self) -> dict[int | None, Evidence]:
        """The last backend evidence per worker: its own line, or an instance-wide one.

        A line without a pid (or with the master's pid, as with ``preload_app``) speaks for
        every worker of the boot; a later line of the same worker supersedes it.
        """
        if not self.cache_evidence:
            return {}
        pids = {pid for pid in self.workers if pid != self.master_pid}
        pids.update(
            e.pid for e in self.cache_evidence if e.pid is not None and e.pid != self.master_pid
        )
        if not pids:
            return {None: self.cache_evidence[-1]}
        decided: dict[int | None, Evidence] = {}
        for pid in sorted(pids):
            for evidence in reversed(self.cache_evidence):
                if evidence.pid in (pid, None, self.master_pid):
                    decided[pid] = evidence
                    break
        return decided
