"""One worker's life, told three ways: named log events, metrics, and Redis (a registration
kept alive by a heartbeat, and entries in the lifecycle stream).

Start: ``worker_started`` (pid, host, start time, boot time, version), ``worker_starts_total``,
``workers_alive``. SIGTERM/SIGINT: ``worker_stopping`` with the signal as soon as it arrives;
the server then drains in-flight requests; ``worker_stopped`` (uptime, requests served) when
the application shuts down. Redis failures are counted and logged, never fatal, and cost at
most the client's short timeouts.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from types import FrameType
from typing import Any

import structlog
from starlette.types import ASGIApp, Receive, Scope, Send

from telemetry.lifecycle_store import LIFECYCLE_FAILURES, LifecycleStore, utc_iso
from telemetry.metrics import METRICS, Metrics
from telemetry.workers import signal_name

logger = structlog.get_logger("telemetry.workers")

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
_SIGNAL_REASONS = {signal.SIGTERM: "sigterm", signal.SIGINT: "sigint"}
SignalHandler = Callable[[int, FrameType | None], Any] | int | None


@dataclass
class RequestTally:
    served: int = 0
    in_flight: int = 0


class CountRequests:
    """Pure ASGI: how many HTTP requests this worker has served and holds right now."""

    def __init__(self, app: ASGIApp, tally: RequestTally) -> None:
        self.app = app
        self.tally = tally

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.tally.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.tally.in_flight -= 1
            self.tally.served += 1


class WorkerLifecycle:
    def __init__(
        self,
        store: LifecycleStore | None,
        *,
        version: str,
        heartbeat_seconds: float,
        tally: RequestTally,
        status: Callable[[], Mapping[str, object]] = dict,
        metrics: Metrics = METRICS,
        host: str | None = None,
    ) -> None:
        self.store = store
        self.version = version
        self.heartbeat_seconds = heartbeat_seconds
        self.tally = tally
        self.status = status
        self.metrics = metrics
        self.host = host or socket.gethostname()
        self.pid = os.getpid()
        self.started_at = time.time()
        self.started_monotonic = time.monotonic()
        self.stop_signal: int | None = None
        self.signalled = False  # set in the signal handler itself, before stop_signal
        self._heartbeat: asyncio.Task[None] | None = None
        self._pending: set[asyncio.Task[None]] = set()
        self._previous_handlers: dict[int, SignalHandler] = {}

    async def start(self, boot_seconds: float) -> None:
        self.started_at = time.time()
        self.started_monotonic = time.monotonic()
        self.metrics.worker_starts.inc()
        self.metrics.workers_alive.inc()
        fields = {
            "pid": self.pid,
            "host": self.host,
            "started_at": utc_iso(self.started_at),
            "boot_ms": round(boot_seconds * 1000, 1),
            "version": self.version,
        }
        logger.info("worker_started", **fields)
        self._install_signal_hooks()
        await self._redis("register", self._register)
        await self._redis("append", lambda store: store.append("worker_started", fields))
        self._heartbeat = asyncio.create_task(self._beat(), name="worker-heartbeat")

    async def stop(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat
        if self._pending:
            await asyncio.gather(*self._pending)
        self._restore_signal_handlers()
        self.metrics.workers_alive.dec()
        signum = self.stop_signal
        fields = {
            "pid": self.pid,
            "host": self.host,
            "reason": _SIGNAL_REASONS.get(signal.Signals(signum), "error") if signum else "normal",
            "signal": signal_name(signum) if signum else None,
            "uptime_seconds": round(time.monotonic() - self.started_monotonic, 3),
            "requests_served": self.tally.served,
            "version": self.version,
        }
        logger.info("worker_stopped", **fields)
        await self._redis("append", lambda store: store.append("worker_stopped", fields))
        await self._redis("unregister", lambda store: store.unregister(self.host, self.pid))

    def record(self) -> dict[str, object]:
        return {
            "pid": self.pid,
            "host": self.host,
            "started_at": utc_iso(self.started_at),
            "last_heartbeat": utc_iso(time.time()),
            "requests_served": self.tally.served,
            "version": self.version,
            **self.status(),
        }

    async def _register(self, store: LifecycleStore) -> None:
        await store.register(self.host, self.pid, self.record())

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_seconds)
            await self._redis("heartbeat", self._register)

    async def _redis(
        self, operation: str, call: Callable[[LifecycleStore], Coroutine[Any, Any, None]]
    ) -> None:
        if self.store is None:
            return
        try:
            await call(self.store)
        except LIFECYCLE_FAILURES as exc:
            self.metrics.worker_lifecycle_errors.labels(operation).inc()
            logger.info("worker_lifecycle_redis_error", operation=operation, error=repr(exc))

    # Signals. The server (uvicorn) owns SIGTERM/SIGINT and drains on them; we chain in front
    # of its handler only to say, at once, which signal is stopping this worker.

    def _install_signal_hooks(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        loop = asyncio.get_running_loop()
        for signum in STOP_SIGNALS:
            previous = signal.getsignal(signum)
            self._previous_handlers[signum] = previous
            signal.signal(signum, _StopSignalHook(self, loop, previous))

    def _restore_signal_handlers(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for signum, previous in self._previous_handlers.items():
            signal.signal(signum, previous if previous is not None else signal.SIG_DFL)
        self._previous_handlers.clear()

    def _stopping(self, signum: int) -> None:
        if self.stop_signal is not None:
            return  # a second signal: the server may force its exit; we said it once
        self.stop_signal = signum
        fields = {
            "pid": self.pid,
            "host": self.host,
            "signal": signal_name(signum),
            "in_flight": self.tally.in_flight,
        }
        logger.info("worker_stopping", **fields)
        task = asyncio.ensure_future(
            self._redis("append", lambda store: store.append("worker_stopping", fields))
        )
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)


class _StopSignalHook:
    """Chained in front of the server's handler of a stop signal: tells the lifecycle at once,
    then hands the signal on. ``stopping`` says to whoever reads the installed handler (the
    gunicorn worker, given SIGQUIT) that a stop signal has come already."""

    def __init__(
        self, lifecycle: WorkerLifecycle, loop: asyncio.AbstractEventLoop, previous: SignalHandler
    ) -> None:
        self.lifecycle = lifecycle
        self.loop = loop
        self.previous = previous

    @property
    def stopping(self) -> bool:
        return self.lifecycle.signalled

    def __call__(self, sig: int, frame: FrameType | None) -> None:
        self.lifecycle.signalled = True
        self.loop.call_soon_threadsafe(self.lifecycle._stopping, sig)
        if callable(self.previous):
            self.previous(sig, frame)
        elif self.previous in (signal.SIG_DFL, None):
            signal.signal(sig, signal.SIG_DFL)
            signal.raise_signal(sig)
