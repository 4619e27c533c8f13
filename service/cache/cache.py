"""The cache interface the service uses: namespaced, generation-versioned, counted.

Keys are ``{prefix}:{namespace}:{hash of params}``; each value carries the namespace
generation it was computed under. A write bumps the generation (``INCR`` in Redis), and a
value of an older generation is a miss: every worker stops reading old values at once.

A lookup is one round trip. On a miss exactly one computation runs: concurrent misses in a
worker share one future, and across workers a short Redis lock (``SET NX PX``) lets one
compute while the others wait briefly for its value (or compute themselves when the wait
runs out). A value past its fresh TTL but within its stale TTL is answered at once as
``stale`` while one worker recomputes in the background; if that recompute fails (the
database is down), the stale value goes on being served until the stale TTL ends."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson
import structlog

from service.cache.backends import Backend
from service.cache.codec import Entry, UndecodableValue, decode, encode
from service.cache.failover import REDIS_FAILURES, FailoverBackend
from telemetry.metrics import METRICS, Metrics

logger = structlog.get_logger("service.cache")
Compute = Callable[[], Awaitable[Any]]
_POLL_SECONDS = (0.002, 0.005, 0.01, 0.02)


@dataclass(frozen=True)
class Namespace:
    name: str
    fresh_seconds: float
    stale_seconds: float  # how long a value is kept at all; ≥ fresh_seconds


class Lookup(NamedTuple):
    value: Any
    outcome: str  # "hit", "stale" or "miss": the X-Cache header
    backend: str


def params_digest(params: Mapping[str, Any]) -> str:
    normalised = orjson.dumps(dict(params), option=orjson.OPT_SORT_KEYS, default=str)
    return hashlib.sha256(normalised).hexdigest()[:24]


class Cache:
    def __init__(
        self,
        store: FailoverBackend,
        prefix: str,
        *,
        lock_ttl_seconds: float = 5.0,
        lock_wait_seconds: float = 1.0,
        memory_ttl_seconds: float = 5.0,
        metrics: Metrics = METRICS,
    ) -> None:
        self.store = store
        self.prefix = prefix
        self.lock_ttl_seconds = lock_ttl_seconds
        self.lock_wait_seconds = lock_wait_seconds
        self.memory_ttl_seconds = memory_ttl_seconds
        self.metrics = metrics
        self.counts = {"hit": 0, "stale": 0, "miss": 0}
        self._counters: dict[tuple[str, str, str], Any] = {}
        self._inflight: dict[str, asyncio.Future[Any]] = {}
        self._refreshing: dict[str, asyncio.Task[None]] = {}
        self._pending_invalidations: set[str] = set()
        store.on_redis_back = self._flush_pending

    def generation_key(self, namespace: str) -> str:
        return f"{self.prefix}:{namespace}:generation"

    async def get_or_compute(
        self, namespace: Namespace, params: Mapping[str, Any], compute: Compute
    ) -> Lookup:
        if self._pending_invalidations and self.store.redis_allowed():
            await self._flush_pending()
        key = f"{self.prefix}:{namespace.name}:{params_digest(params)}"
        generation_key = self.generation_key(namespace.name)
        (generation, raw), backend = await self.store.run(
            "lookup", lambda b: b.lookup(generation_key, key)
        )
        entry = self._decode(raw, backend) if raw is not None else None
        if entry is not None and entry.generation == generation:
            if entry.is_fresh(time.time()):
                self._count("hit", namespace, backend)
                return Lookup(entry.value, "hit", backend)
            self._count("stale", namespace, backend)
            self._refresh_in_background(
                key, generation, namespace, compute, on_redis=backend == "redis"
            )
            return Lookup(entry.value, "stale", backend)
        self._count("miss", namespace, backend)
        value = await self._compute_once(
            key, generation, namespace, compute, on_redis=backend == "redis"
        )
        return Lookup(value, "miss", backend)

    def _count(self, outcome: str, namespace: Namespace, backend: str) -> None:
        self.counts[outcome] += 1
        key = (outcome, namespace.name, backend)
        counter = self._counters.get(key)
        if counter is None:  # labelled once: on the hit path every microsecond shows
            family = {
                "hit": self.metrics.cache_hits,
                "stale": self.metrics.cache_stale_served,
                "miss": self.metrics.cache_misses,
            }[outcome]
            counter = self._counters[key] = family.labels(namespace.name, backend)
        counter.inc()

    def _decode(self, raw: bytes, backend: str, *, quiet: bool = False) -> Entry | None:
        try:
            return decode(raw)
        except UndecodableValue as exc:
            if quiet:  # already counted when this lookup first read it
                return None
            self.metrics.cache_errors.labels(backend, "decode").inc()
            logger.warning("cache_value_undecodable", backend=backend, reason=str(exc))
            return None

    async def _compute_once(
        self, key: str, generation: int, namespace: Namespace, compute: Compute, *, on_redis: bool
    ) -> Any:
        flight = f"{key}:g{generation}"
        running = self._inflight.get(flight)
        if running is not None:
            self.metrics.cache_singleflight_waits.labels(namespace.name, "shared").inc()
            return await asyncio.shield(running)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._inflight[flight] = future
        try:
            value = await self._compute_across_workers(
                key, generation, namespace, compute, on_redis
            )
        except BaseException as exc:
            if isinstance(exc, asyncio.CancelledError):
                future.cancel()
            else:
                future.set_exception(exc)
                future.exception()  # retrieved: waiters re-raise it, nobody warns
            raise
        else:
            future.set_result(value)
            return value
        finally:
            del self._inflight[flight]

    async def _compute_across_workers(
        self, key: str, generation: int, namespace: Namespace, compute: Compute, on_redis: bool
    ) -> Any:
        lock_key, token, backend = await self._lock(key, generation, on_redis)
        if token is None:
            found = await self._wait_for_value(key, generation, namespace)
            if found is not None:
                return found.value
        try:
            if token is not None and backend == "redis":
                # the previous holder may have stored the value between our lookup and our
                # lock: look again before computing it a second time
                raw, again = await self.store.run("get", lambda b: b.get(key))
                entry = self._decode(raw, again, quiet=True) if raw is not None else None
                if (
                    entry is not None
                    and entry.generation == generation
                    and entry.is_fresh(time.time())
                ):
                    self.metrics.cache_singleflight_waits.labels(namespace.name, "value").inc()
                    return entry.value
            value = await self._compute_and_store(key, generation, namespace, compute, backend)
        finally:
            if token is not None:
                await self._release(lock_key, token, backend)
        return value

    async def _lock(self, key: str, generation: int, on_redis: bool) -> tuple[str, str | None, str]:
        """The single-flight lock of one key and generation: its key, our token (None when
        another holds it) and the backend that answered."""
        lock_key = f"{key}:g{generation}:lock"
        token, backend = await self.store.run(
            "lock", lambda b: b.acquire(lock_key, self.lock_ttl_seconds), try_redis=on_redis
        )
        return lock_key, token, backend

    async def _compute_and_store(
        self, key: str, generation: int, namespace: Namespace, compute: Compute, backend: str
    ) -> Any:
        started = time.perf_counter()
        value = await compute()
        self.metrics.cache_compute_duration.labels(namespace.name).observe(
            time.perf_counter() - started
        )
        now = time.time()

        async def put(store: Backend) -> None:
            if store.name == "memory":
                # a worker's memory does not see other workers' writes: keep it briefly
                ttl = min(namespace.stale_seconds, self.memory_ttl_seconds)
                fresh_until = now + min(namespace.fresh_seconds, ttl)
                await store.set(key, encode(Entry(value, fresh_until, generation)), ttl)
            else:
                fresh_until = now + namespace.fresh_seconds
                raw = encode(Entry(value, fresh_until, generation))
                await store.set(key, raw, namespace.stale_seconds)

        await self.store.run("set", put, try_redis=backend == "redis")
        return value

    async def _release(self, lock_key: str, token: str, backend: str) -> None:
        await self.store.run(
            "unlock", lambda b: b.release(lock_key, token), try_redis=backend == "redis"
        )

    async def _wait_for_value(
        self, key: str, generation: int, namespace: Namespace
    ) -> Entry | None:
        """Another worker holds the lock: wait for its value, never longer than the budget."""
        deadline = time.monotonic() + self.lock_wait_seconds
        attempt = 0
        while time.monotonic() < deadline:
            await asyncio.sleep(_POLL_SECONDS[min(attempt, len(_POLL_SECONDS) - 1)])
            attempt += 1
            raw, backend = await self.store.run("get", lambda b: b.get(key))
            if backend != "redis":
                break  # Redis went away while we waited: compute here
            entry = self._decode(raw, backend, quiet=True) if raw is not None else None
            if entry is not None and entry.generation == generation:
                self.metrics.cache_singleflight_waits.labels(namespace.name, "value").inc()
                return entry
        self.metrics.cache_singleflight_waits.labels(namespace.name, "timeout").inc()
        return None

    def _refresh_in_background(
        self, key: str, generation: int, namespace: Namespace, compute: Compute, *, on_redis: bool
    ) -> None:
        if key in self._refreshing or f"{key}:g{generation}" in self._inflight:
            return
        task = asyncio.create_task(self._refresh(key, generation, namespace, compute, on_redis))
        self._refreshing[key] = task
        task.add_done_callback(lambda _: self._refreshing.pop(key, None))

    async def _refresh(
        self, key: str, generation: int, namespace: Namespace, compute: Compute, on_redis: bool
    ) -> None:
        lock_key, token, backend = await self._lock(key, generation, on_redis)
        if token is None:
            return  # another worker is refreshing it
        try:
            await self._compute_and_store(key, generation, namespace, compute, backend)
        except Exception as exc:  # noqa: BLE001 -- a background task: counted and logged here
            self.metrics.cache_refresh_errors.labels(namespace.name).inc()
            logger.warning(
                "cache_refresh_failed", namespace=namespace.name, error=type(exc).__name__
            )
        finally:
            await self._release(lock_key, token, backend)

    async def invalidate(self, namespace: str) -> None:
        """Bump the namespace generation: every worker stops reading the old values. When
        Redis cannot take it now, it is remembered and applied as soon as Redis is back."""
        key = self.generation_key(namespace)
        await self.store.memory.incr(key)
        if not await self._bump_in_redis(namespace):
            self._pending_invalidations.add(namespace)
            logger.warning("cache_invalidation_deferred", namespace=namespace)

    async def _bump_in_redis(self, namespace: str) -> bool:
        if self.store.redis is None or not self.store.redis_allowed():
            return self.store.redis is None  # nothing shared to invalidate without Redis
        try:
            await self.store.redis.incr(self.generation_key(namespace))
        except REDIS_FAILURES:
            self.metrics.cache_errors.labels("redis", "invalidate").inc()
            return False
        return True

    async def _flush_pending(self) -> None:
        for namespace in sorted(self._pending_invalidations):
            if await self._bump_in_redis(namespace):
                self._pending_invalidations.discard(namespace)
                logger.info("cache_invalidation_applied", namespace=namespace)

    async def close(self) -> None:
        for task in list(self._refreshing.values()):
            task.cancel()
        await asyncio.gather(*self._refreshing.values(), return_exceptions=True)


__all__ = ["Backend", "Cache", "Lookup", "Namespace"]
