"""The cache interface the service uses: namespaced, generation-versioned, counted.

Keys are ``{prefix}:{namespace}:g{generation}:{hash of params}``. A write bumps the
namespace generation (``INCR`` in Redis), so every worker stops reading old values at once.
Within a worker, concurrent misses of one key share a single computation."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
import structlog

from service.cache.backends import Backend
from service.cache.codec import UndecodableValue, decode, encode
from service.cache.failover import FailoverBackend
from telemetry.metrics import METRICS, Metrics

logger = structlog.get_logger("service.cache")


@dataclass(frozen=True)
class Lookup:
    value: Any
    outcome: str  # "hit" or "miss": the X-Cache header
    backend: str


def params_digest(params: Mapping[str, Any]) -> str:
    normalised = orjson.dumps(dict(params), option=orjson.OPT_SORT_KEYS, default=str)
    return hashlib.sha256(normalised).hexdigest()[:24]


class Cache:
    def __init__(self, store: FailoverBackend, prefix: str, metrics: Metrics = METRICS) -> None:
        self.store = store
        self.prefix = prefix
        self.metrics = metrics
        self._inflight: dict[str, asyncio.Future[Any]] = {}

    def generation_key(self, namespace: str) -> str:
        return f"{self.prefix}:{namespace}:generation"

    async def get_or_compute(
        self,
        namespace: str,
        params: Mapping[str, Any],
        compute: Callable[[], Awaitable[Any]],
        ttl_seconds: float,
    ) -> Lookup:
        generation, backend = await self.store.run(
            "generation",
            lambda redis: redis.counter(self.generation_key(namespace)),
            lambda memory: memory.counter(self.generation_key(namespace)),
        )
        on_redis = backend == "redis"
        key = f"{self.prefix}:{namespace}:g{generation}:{params_digest(params)}"
        raw, backend = await self.store.run(
            "get", lambda b: b.get(key), lambda b: b.get(key), try_redis=on_redis
        )
        if raw is not None:
            try:
                value = decode(raw)
            except UndecodableValue:
                self.metrics.cache_errors.labels(backend, "decode").inc()
                logger.warning("cache_value_undecodable", namespace=namespace, backend=backend)
            else:
                self.metrics.cache_hits.labels(namespace, backend).inc()
                return Lookup(value, "hit", backend)

        self.metrics.cache_misses.labels(namespace, backend).inc()
        value = await self._compute_once(key, namespace, compute)
        _, backend = await self.store.run(
            "set",
            lambda b: b.set(key, encode(value), ttl_seconds),
            lambda b: b.set(key, encode(value), ttl_seconds),
            try_redis=backend == "redis",
        )
        return Lookup(value, "miss", backend)

    async def _compute_once(
        self, key: str, namespace: str, compute: Callable[[], Awaitable[Any]]
    ) -> Any:
        running = self._inflight.get(key)
        if running is not None:
            return await asyncio.shield(running)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        started = time.perf_counter()
        try:
            value = await compute()
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved here: waiters re-raise it, nobody warns
            raise
        else:
            future.set_result(value)
            self.metrics.cache_compute_duration.labels(namespace).observe(
                time.perf_counter() - started
            )
            return value
        finally:
            del self._inflight[key]

    async def invalidate(self, namespace: str) -> None:
        """Bump the namespace generation: every worker stops reading the old values."""
        key = self.generation_key(namespace)
        await self.store.run("invalidate", lambda b: b.incr(key), lambda b: b.incr(key))


__all__ = ["Backend", "Cache", "Lookup"]
