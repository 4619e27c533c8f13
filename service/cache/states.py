"""What each worker's cache is doing, published in Redis with a short TTL, so any worker can
answer for all of them (``GET /api/v1/ops/cache``)."""

from __future__ import annotations

import os
import socket
import time
from typing import Any

import orjson

from service.cache.cache import Cache
from service.cache.failover import REDIS_FAILURES


def worker_state(cache: Cache) -> dict[str, Any]:
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        **cache.store.state(),
        "hits": cache.counts["hit"],
        "stale": cache.counts["stale"],
        "misses": cache.counts["miss"],
        "pending_invalidations": sorted(cache._pending_invalidations),
        "updated_at": time.time(),
    }


async def publish_state(cache: Cache, ttl_seconds: float) -> None:
    """Say, in Redis, how this worker's cache is doing (``GET /api/v1/ops/cache``)."""
    if cache.store.redis is None or cache.store.serving != "redis":
        return
    key = f"{cache.prefix}:cache:workers:{socket.gethostname()}:{os.getpid()}"
    try:
        await cache.store.redis.set(key, orjson.dumps(worker_state(cache)), ttl_seconds)
    except REDIS_FAILURES:
        cache.metrics.cache_errors.labels("redis", "publish").inc()


async def worker_states(cache: Cache) -> tuple[list[dict[str, Any]], bool]:
    """Every live worker's published state, and True; while Redis is away only this worker's
    own, and False: the others cannot be asked."""
    if cache.store.redis is None or cache.store.serving != "redis":
        return [worker_state(cache)], False
    client = cache.store.redis.client
    try:
        keys = [k async for k in client.scan_iter(match=f"{cache.prefix}:cache:workers:*")]
        values = await client.mget(keys) if keys else []
    except REDIS_FAILURES:
        cache.metrics.cache_errors.labels("redis", "states").inc()
        return [worker_state(cache)], False
    return [orjson.loads(v) for v in values if v is not None], True
