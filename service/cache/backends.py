"""The two storage backends behind the cache: Redis (shared) and an in-process LRU+TTL.

Both answer a ``lookup`` — the namespace generation and the stored value — in one step; for
Redis that is one ``MGET``, so a cache hit costs about what one GET costs."""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from typing import Protocol

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

# Only the owner's token releases a lock: an expired lock re-taken by another is left alone.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class Backend(Protocol):
    name: str

    async def lookup(self, generation_key: str, key: str) -> tuple[int, bytes | None]:
        """The namespace generation, and the value stored at ``key``."""
        ...

    async def get(self, key: str) -> bytes | None: ...
    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None: ...
    async def incr(self, key: str) -> int: ...
    async def acquire(self, key: str, ttl_seconds: float) -> str | None: ...
    async def release(self, key: str, token: str) -> None: ...


def redis_client(
    url: str, *, connect_timeout: float, socket_timeout: float, max_connections: int = 32
) -> Redis:
    """A client that fails fast: short timeouts and no retries, so a Redis that is down costs
    a request one timeout at most, and the failover decides what happens next. The pool is
    bounded: a burst of requests shares connections instead of opening one each."""
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=socket_timeout,
        socket_connect_timeout=connect_timeout,
        socket_timeout=socket_timeout,
        retry=Retry(NoBackoff(), retries=0),
        retry_on_timeout=False,
        health_check_interval=0,
    )
    return Redis(connection_pool=pool)


def _as_bytes(value: bytes | str | None) -> bytes | None:
    return value.encode() if isinstance(value, str) else value


class RedisBackend:
    name = "redis"

    def __init__(self, client: Redis) -> None:
        self.client = client
        self._release = client.register_script(_RELEASE)

    async def lookup(self, generation_key: str, key: str) -> tuple[int, bytes | None]:
        generation, value = await self.client.mget(generation_key, key)
        return int(generation or 0), _as_bytes(value)

    async def get(self, key: str) -> bytes | None:
        return _as_bytes(await self.client.get(key))

    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None:
        await self.client.set(key, value, px=max(1, int(ttl_seconds * 1000)))

    async def incr(self, key: str) -> int:
        return int(await self.client.incr(key))

    async def acquire(self, key: str, ttl_seconds: float) -> str | None:
        token = uuid.uuid4().hex
        taken = await self.client.set(key, token, nx=True, px=max(1, int(ttl_seconds * 1000)))
        return token if taken else None

    async def release(self, key: str, token: str) -> None:
        await self._release(keys=[key], args=[token])

    async def ping(self) -> None:
        await self.client.ping()


class MemoryBackend:
    """Bounded LRU with per-entry expiry. Per worker: nothing here is shared, so locks are
    always granted (the cache's in-process single-flight already serialises this worker)."""

    name = "memory"

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        # generations live apart from the LRU: evicting one would resurrect old values
        self._counters: dict[str, int] = {}

    async def lookup(self, generation_key: str, key: str) -> tuple[int, bytes | None]:
        return self._counters.get(generation_key, 0), await self.get(key)

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

    async def incr(self, key: str) -> int:
        self._counters[key] = self._counters.get(key, 0) + 1
        return self._counters[key]

    async def acquire(self, key: str, ttl_seconds: float) -> str | None:
        return "local"

    async def release(self, key: str, token: str) -> None:
        return None

    def __len__(self) -> int:
        return len(self._entries)
