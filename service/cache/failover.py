"""Redis first; when it fails, this worker serves from memory and says so.

A per-worker circuit breaker: after ``failure_threshold`` consecutive Redis failures the
circuit opens and Redis is left alone for ``retry_after`` seconds; then the next operation,
or the background probe, tries it again and closes the circuit when it answers. Every
failure is counted and every change of the serving backend is one
``cache_backend_selected`` log line and a ``cache_backend_workers`` gauge update."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import structlog
from redis.exceptions import RedisError

from service.cache.backends import Backend, MemoryBackend, RedisBackend
from telemetry.metrics import METRICS, Metrics

T = TypeVar("T")
logger = structlog.get_logger("service.cache")

# What a Redis that is down, slow or gone looks like from redis-py and the socket layer.
REDIS_FAILURES = (RedisError, OSError, TimeoutError)


class FailoverBackend:
    def __init__(
        self,
        redis: RedisBackend | None,
        memory: MemoryBackend,
        *,
        failure_threshold: int = 3,
        retry_after_seconds: float = 5.0,
        workers: int = 1,
        metrics: Metrics = METRICS,
    ) -> None:
        self.redis = redis
        self.memory = memory
        self.failure_threshold = failure_threshold
        self.retry_after_seconds = retry_after_seconds
        self.workers = workers
        self.metrics = metrics
        self.consecutive_failures = 0
        self.open_until = 0.0
        self.serving: str | None = None
        self.on_redis_back: Callable[[], Awaitable[None]] | None = None

    @property
    def circuit(self) -> str:
        if self.redis is None:
            return "disabled"
        if self.consecutive_failures < self.failure_threshold:
            return "closed"
        return "open" if time.monotonic() < self.open_until else "half-open"

    def redis_allowed(self) -> bool:
        if self.consecutive_failures < self.failure_threshold:  # closed: the usual case
            return self.redis is not None
        return self.redis is not None and time.monotonic() >= self.open_until

    async def run(
        self, operation: str, action: Callable[[Backend], Awaitable[T]], *, try_redis: bool = True
    ) -> tuple[T, str]:
        """Run one cache operation on Redis if allowed, else on memory; returns the result
        and the backend that answered. ``try_redis=False`` keeps the rest of a lookup on
        memory once Redis failed in it, so one lookup never pays more than one timeout."""
        if try_redis and self.redis is not None and self.redis_allowed():
            try:
                result = await action(self.redis)
            except REDIS_FAILURES as exc:
                self._failed(operation, exc)
            else:
                if self.consecutive_failures or self.serving != "redis":
                    await self._succeeded()
                return result, "redis"
        reason = "redis not configured" if self.redis is None else "redis unavailable"
        self.select("memory", reason=reason)
        return await action(self.memory), "memory"

    async def _succeeded(self) -> None:
        self.consecutive_failures = 0
        if self.serving != "redis":
            self.select("redis", reason="redis answered")
            if self.on_redis_back is not None:
                await self.on_redis_back()

    def _failed(self, operation: str, exc: BaseException) -> None:
        self.metrics.cache_errors.labels("redis", operation).inc()
        self.consecutive_failures += 1
        if self.consecutive_failures >= self.failure_threshold:
            self.open_until = time.monotonic() + self.retry_after_seconds
        logger.info(
            "cache_redis_error",
            operation=operation,
            error=type(exc).__name__,
            consecutive_failures=self.consecutive_failures,
            circuit=self.circuit,
        )

    def select(self, backend: str, *, reason: str) -> None:
        if backend == self.serving:
            return
        previous, self.serving = self.serving, backend
        if previous is not None:
            self.metrics.cache_backend_workers.labels(previous).dec()
        self.metrics.cache_backend_workers.labels(backend).inc()
        shared_badly = backend == "memory" and self.workers > 1
        log = logger.warning if shared_badly else logger.info
        log(
            "cache_backend_selected",
            backend=backend,
            previous=previous,
            reason=reason,
            workers=self.workers,
            shared=backend == "redis",
        )

    async def probe(self) -> None:
        """Ask Redis whether it answers: at worker start, and periodically while on memory."""
        if self.redis is None:
            self.select("memory", reason="redis not configured")
            return
        try:
            await self.redis.ping()
        except REDIS_FAILURES as exc:
            self._failed("ping", exc)
            self.select("memory", reason="redis unavailable")
        else:
            await self._succeeded()

    async def probe_if_allowed(self) -> None:
        """The periodic check: finds Redis gone (or back) even when no request comes."""
        if self.redis_allowed():
            await self.probe()

    def state(self) -> dict[str, Any]:
        return {
            "backend": self.serving,
            "circuit": self.circuit,
            "consecutive_failures": self.consecutive_failures,
            "retry_in_seconds": round(max(0.0, self.open_until - time.monotonic()), 3),
        }

    def release(self) -> None:
        """The worker stops: its backend gauge must not outlive it."""
        if self.serving is not None:
            self.metrics.cache_backend_workers.labels(self.serving).dec()
            self.serving = None
