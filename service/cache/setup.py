"""Building the cache from settings, and its per-worker upkeep (probe and publish)."""

from __future__ import annotations

import asyncio
import contextlib

from service.cache.backends import MemoryBackend, RedisBackend, redis_client
from service.cache.cache import Cache, Namespace
from service.cache.failover import FailoverBackend
from service.cache.states import publish_state
from service.settings import Settings


def kpis_namespace(settings: Settings) -> Namespace:
    fresh = settings.cache_kpis_ttl_seconds
    return Namespace("kpis", fresh, max(fresh, settings.cache_kpis_stale_ttl_seconds))


def notifications_namespace(settings: Settings) -> Namespace:
    fresh = settings.cache_notifications_ttl_seconds
    return Namespace(
        "notificaciones", fresh, max(fresh, settings.cache_notifications_stale_ttl_seconds)
    )


async def open_cache(settings: Settings) -> Cache:
    """The worker's cache, on the backend that really answers now (said once, in the log)."""
    redis = (
        RedisBackend(
            redis_client(
                settings.redis_url,
                connect_timeout=settings.redis_connect_timeout_seconds,
                socket_timeout=settings.redis_socket_timeout_seconds,
                max_connections=settings.redis_max_connections,
            )
        )
        if settings.redis_url
        else None
    )
    store = FailoverBackend(
        redis,
        MemoryBackend(settings.cache_memory_max_entries),
        failure_threshold=settings.redis_failure_threshold,
        retry_after_seconds=settings.redis_retry_after_seconds,
        workers=settings.web_concurrency,
    )
    await store.probe()
    cache = Cache(
        store,
        settings.cache_prefix,
        lock_ttl_seconds=settings.cache_lock_ttl_seconds,
        lock_wait_seconds=settings.cache_lock_wait_seconds,
        memory_ttl_seconds=settings.cache_memory_ttl_seconds,
    )
    await publish_state(cache, ttl_seconds=3 * settings.cache_probe_interval_seconds)
    return cache


async def keep_cache(cache: Cache, interval_seconds: float) -> None:
    """Runs for the worker's life: back to Redis by itself when it returns, state published."""
    while True:
        await asyncio.sleep(interval_seconds)
        await cache.store.probe_if_allowed()
        await publish_state(cache, ttl_seconds=3 * interval_seconds)


async def close_cache(cache: Cache, upkeep: asyncio.Task[None]) -> None:
    upkeep.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await upkeep
    await cache.close()
    cache.store.release()
    if cache.store.redis is not None:
        await cache.store.redis.client.aclose()
