"""Redis first; when it fails, this worker serves from memory and says so.

A per-worker circuit breaker: after ``failure_threshold`` consecutive Redis failures the
circuit opens and Redis is left alone for ``retry_after`` seconds; the next operation after
that is the probe that closes it again. Every failure is counted and every change of the
serving backend is one ``cache_backend_selected`` log line and a gauge update."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import structlog
from redis.exceptions import RedisError

from service.cache.backends import MemoryBackend, RedisBackend
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
        failure_threshold: int = 1,
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

    def redis_allowed(self) -> bool:
        return self.redis is not None and time.monotonic() >= self.open_until

    async def run(
        self,
        operation: str,
        on_redis: Callable[[RedisBackend], Awaitable[T]],
        on_memory: Callable[[MemoryBackend], Awaitable[T]],
        *,
        try_redis: bool = True,
    ) -> tuple[T, str]:
        """Run one cache operation; returns its result and the backend that answered.
        ``try_redis=False`` keeps the rest of a lookup on memory once Redis failed in it, so
        one lookup never pays more than one Redis timeout."""
        if try_redis and self.redis is not None and self.redis_allowed():
            try:
                result = await on_redis(self.redis)
            except REDIS_FAILURES as exc:
                self._failed(operation, exc)
            else:
                self.consecutive_failures = 0
                self.select("redis", reason="redis answered")
                return result, "redis"
        self.select("memory", reason="redis not configured" if self.redis is None else "redis down")
        return await on_memory(self.memory), "memory"

    def _failed(self, operation: str, exc: BaseException) -> None:
        self.metrics.cache_errors.labels("redis", operation).inc()
        self.consecutive_failures += 1
        logger.info(
            "cache_redis_error",
            operation=operation,
            error=type(exc).__name__,
            consecutive_failures=self.consecutive_failures,
        )
        if self.consecutive_failures >= self.failure_threshold:
            self.open_until = time.monotonic() + self.retry_after_seconds

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
        """Pick the starting backend truthfully: ask Redis once, at worker start."""
        if self.redis is None:
            self.select("memory", reason="redis not configured")
            return
        try:
            await self.redis.ping()
        except REDIS_FAILURES as exc:
            self._failed("ping", exc)
            self.select("memory", reason="redis down")
        else:
            self.select("redis", reason="redis answered")

    def release(self) -> None:
        """The worker stops: its backend gauge must not outlive it."""
        if self.serving is not None:
            self.metrics.cache_backend_workers.labels(self.serving).dec()
            self.serving = None
