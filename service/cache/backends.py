"""The two storage backends behind the cache: Redis (shared) and an in-process LRU+TTL."""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Protocol

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff


class Backend(Protocol):
    name: str

    async def get(self, key: str) -> bytes | None: ...
    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None: ...
    async def delete(self, key: str) -> None: ...
    async def incr(self, key: str) -> int: ...
    async def counter(self, key: str) -> int: ...


def redis_client(url: str, *, connect_timeout: float, socket_timeout: float) -> Redis:
    """A client that fails fast: short timeouts and no retries, so a Redis that is down costs
    a request one timeout at most, and the failover decides what happens next."""
    return Redis.from_url(
        url,
        socket_connect_timeout=connect_timeout,
        socket_timeout=socket_timeout,
        retry=Retry(NoBackoff(), retries=0),
        retry_on_timeout=False,
        health_check_interval=0,
    )


class RedisBackend:
    name = "redis"

    def __init__(self, client: Redis) -> None:
        self.client = client

    async def get(self, key: str) -> bytes | None:
        value = await self.client.get(key)
        return value if value is None or isinstance(value, bytes) else value.encode()

    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None:
        await self.client.set(key, value, px=max(1, int(ttl_seconds * 1000)))

    async def delete(self, key: str) -> None:
        await self.client.delete(key)

    async def incr(self, key: str) -> int:
        return int(await self.client.incr(key))

    async def counter(self, key: str) -> int:
        value = await self.client.get(key)
        return int(value) if value is not None else 0

    async def ping(self) -> None:
        await self.client.ping()


class MemoryBackend:
    """Bounded LRU with per-entry expiry. Per worker: nothing here is shared."""

    name = "memory"

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._counters: dict[str, int] = {}

    async def get(self, key: str) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires_at, value = entry
        if expires_at <= time.monotonic():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None:
        self._entries[key] = (time.monotonic() + ttl_seconds, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    async def delete(self, key: str) -> None:
        self._entries.pop(key, None)
        self._counters.pop(key, None)

    async def incr(self, key: str) -> int:
        # counters live apart from the LRU: evicting a generation would resurrect old values
        self._counters[key] = self._counters.get(key, 0) + 1
        return self._counters[key]

    async def counter(self, key: str) -> int:
        return self._counters.get(key, 0)

    def __len__(self) -> int:
        return len(self._entries)
