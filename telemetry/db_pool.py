"""``db_pool_connections{state}`` for any SQLAlchemy engine: ``used`` (checked out) and
``idle`` (open in the pool), updated on every checkout, checkin, connect and close, so the
gauge is true at scrape time without polling. A ``livesum`` gauge: ``/metrics`` adds the
live workers' pools."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

from telemetry.metrics import METRICS, Metrics

_EVENTS = ("connect", "checkout", "checkin", "close", "close_detached", "invalidate")


class PoolGauge:
    def __init__(self, engine: Engine, metrics: Metrics = METRICS) -> None:
        self.engine = engine
        self.metrics = metrics
        self._scheduled = False
        self._released = False
        for name in _EVENTS:
            # on the engine: the listeners follow its pool when dispose() recreates it
            event.listen(engine, name, self._changed)
        self._update()

    def _changed(self, *_args: Any) -> None:
        # The pool fires its events before it moves its own counts (a checkin is announced
        # before the connection is back in the queue): read them once the pool is done.
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # a synchronous engine: nothing to wait for
            self._update()
            return
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._update)

    def _update(self) -> None:
        self._scheduled = False
        if self._released:
            return
        pool: Pool = self.engine.pool
        used = getattr(pool, "checkedout", lambda: 0)()
        idle = getattr(pool, "checkedin", lambda: 0)()
        self.metrics.db_pool_connections.labels("used").set(used)
        self.metrics.db_pool_connections.labels("idle").set(idle)
        self.metrics.db_pool_max_connections.set(pool_capacity(pool))

    def release(self) -> None:
        """The engine is disposed: this worker holds no connection any more."""
        self._released = True
        for name in _EVENTS:
            event.remove(self.engine, name, self._changed)
        self.metrics.db_pool_connections.labels("used").set(0)
        self.metrics.db_pool_connections.labels("idle").set(0)
        self.metrics.db_pool_max_connections.set(0)


def pool_capacity(pool: Pool) -> int:
    """The most connections a pool hands out at once: size + max overflow (QueuePool);
    0 for pools without a bound (negative overflow, NullPool, StaticPool)."""
    size = getattr(pool, "size", None)
    overflow = getattr(pool, "_max_overflow", None)  # SQLAlchemy has no public accessor
    if not callable(size) or not isinstance(overflow, int) or overflow < 0:
        return 0
    return int(size()) + overflow
