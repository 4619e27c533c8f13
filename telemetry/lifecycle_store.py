"""Where worker lifecycle lives in Redis, so its history outlives every process of the service.

- ``{prefix}:workers:{host}:{pid}``: one live worker's registration (JSON), refreshed by its
  heartbeat and expiring ``ttl`` after the last one, so a worker that vanished drops out;
- ``{prefix}:workers``: the live workers by last heartbeat (a sorted set: no ``SCAN``);
- ``{prefix}:lifecycle``: a capped stream (``XADD MAXLEN ~``) of lifecycle events; entry ids
  are millisecond timestamps, so "the last hour" is an id range.

Workers write through the async store; the process manager (gunicorn's master, which has no
event loop) writes abnormal exits through :func:`record_exit`. Both use clients with short
timeouts: a Redis that is down costs a start or a stop one timeout, never a hang.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import redis
from redis.asyncio import Redis as AsyncRedis
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

# What a Redis that is down, slow or gone looks like from redis-py and the socket layer.
LIFECYCLE_FAILURES = (RedisError, OSError, TimeoutError)
_INT_FIELDS = frozenset({"pid", "requests_served", "exit_code"})
_FLOAT_FIELDS = frozenset({"uptime_seconds", "boot_ms"})


@dataclass(frozen=True)
class LifecycleKeys:
    prefix: str

    def worker(self, host: str, pid: int) -> str:
        return f"{self.prefix}:workers:{host}:{pid}"

    @property
    def index(self) -> str:
        return f"{self.prefix}:workers"

    @property
    def stream(self) -> str:
        return f"{self.prefix}:lifecycle"


def utc_iso(epoch_seconds: float) -> str:
    return datetime.fromtimestamp(epoch_seconds, UTC).isoformat(timespec="milliseconds")


def encode_event(event: str, fields: Mapping[str, object]) -> dict[str, str]:
    entry = {"event": event}
    for name, value in fields.items():
        if value is None:
            continue
        entry[name] = str(value).lower() if isinstance(value, bool) else str(value)
    return entry


def decode_event(entry_id: Any, fields: Mapping[Any, Any]) -> dict[str, Any]:
    text_id = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    event: dict[str, Any] = {"id": text_id, "at": utc_iso(int(text_id.split("-")[0]) / 1000)}
    for raw_name, raw_value in fields.items():
        name = raw_name.decode() if isinstance(raw_name, bytes) else raw_name
        value = raw_value.decode() if isinstance(raw_value, bytes) else raw_value
        if name in _INT_FIELDS:
            event[name] = int(value)
        elif name in _FLOAT_FIELDS:
            event[name] = float(value)
        elif value in ("true", "false"):
            event[name] = value == "true"
        else:
            event[name] = value
    return event


def async_client(url: str, *, connect_timeout: float, socket_timeout: float) -> AsyncRedis:
    return AsyncRedis.from_url(
        url,
        socket_connect_timeout=connect_timeout,
        socket_timeout=socket_timeout,
        retry=AsyncRetry(NoBackoff(), retries=0),
        health_check_interval=0,
    )


class LifecycleStore:
    """Registrations, heartbeats and the event stream, for workers and the ops endpoint.
    Every method raises one of ``LIFECYCLE_FAILURES`` when Redis fails; callers decide."""

    def __init__(
        self, client: AsyncRedis, keys: LifecycleKeys, *, ttl_seconds: float, max_events: int
    ) -> None:
        self.client = client
        self.keys = keys
        self.ttl_seconds = ttl_seconds
        self.max_events = max_events

    async def register(self, host: str, pid: int, record: Mapping[str, object]) -> None:
        pipe = self.client.pipeline(transaction=False)
        pipe.set(
            self.keys.worker(host, pid),
            json.dumps(record),
            px=max(1, int(self.ttl_seconds * 1000)),
        )
        pipe.zadd(self.keys.index, {f"{host}:{pid}": time.time()})
        await pipe.execute()

    async def unregister(self, host: str, pid: int) -> None:
        pipe = self.client.pipeline(transaction=False)
        pipe.delete(self.keys.worker(host, pid))
        pipe.zrem(self.keys.index, f"{host}:{pid}")
        await pipe.execute()

    async def append(self, event: str, fields: Mapping[str, object]) -> None:
        await self.client.xadd(
            self.keys.stream,
            encode_event(event, fields),  # type: ignore[arg-type]
            maxlen=self.max_events,
            approximate=True,
        )

    async def live_workers(self) -> list[dict[str, Any]]:
        pipe = self.client.pipeline(transaction=False)
        pipe.zremrangebyscore(self.keys.index, "-inf", time.time() - self.ttl_seconds)
        pipe.zrange(self.keys.index, 0, -1)
        _, members = await pipe.execute()
        if not members:
            return []
        keys = [f"{self.keys.prefix}:workers:{m.decode()}" for m in members]
        records = [json.loads(raw) for raw in await self.client.mget(keys) if raw is not None]
        return sorted(records, key=lambda r: (str(r.get("host")), int(r.get("pid", 0))))

    async def events(
        self, *, since_seconds: float | None = None, limit: int | None = None
    ) -> list[dict[str, Any]]:
        """Newest first: those of the last ``since_seconds`` (all kept, when None), at most
        ``limit`` (the stream keeps no more than ``max_events`` anyway)."""
        since = "-" if since_seconds is None else str(int((time.time() - since_seconds) * 1000))
        entries = await self.client.xrevrange(
            self.keys.stream, max="+", min=since, count=limit or self.max_events
        )
        return [decode_event(entry_id, fields or {}) for entry_id, fields in entries or []]


def record_exit(
    url: str,
    keys: LifecycleKeys,
    *,
    host: str,
    pid: int,
    event: Mapping[str, object] | None,
    max_events: int,
    timeout_seconds: float,
) -> None:
    """From the process manager: drop a dead worker's registration at once (it cannot do it
    itself) and, for an abnormal exit, append the event. Synchronous: the manager has no loop."""
    client = redis.Redis.from_url(
        url,
        socket_connect_timeout=timeout_seconds,
        socket_timeout=timeout_seconds,
        retry=Retry(NoBackoff(), retries=0),
    )
    try:
        pipe = client.pipeline(transaction=False)
        pipe.delete(keys.worker(host, pid))
        pipe.zrem(keys.index, f"{host}:{pid}")
        if event is not None:
            fields = {k: v for k, v in event.items() if k != "event"}
            pipe.xadd(
                keys.stream,
                encode_event(str(event["event"]), fields),  # type: ignore[arg-type]
                maxlen=max_events,
                approximate=True,
            )
        pipe.execute()
    finally:
        client.close()
