"""The readiness checks: each one real (a query, a PING), timed, and abandoned after a bound,
so a probe never hangs on a dependency that does not answer."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any, Literal

import structlog
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncEngine

from service.cache.failover import REDIS_FAILURES, FailoverBackend

logger = structlog.get_logger("service.health")

CheckStatus = Literal["ok", "fail", "disabled"]
Overall = Literal["ok", "degraded", "fail"]
# What a database that is down, unreachable or refusing us looks like from SQLAlchemy/asyncpg.
DATABASE_FAILURES = (DBAPIError, PoolTimeoutError, OSError)


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: CheckStatus
    latency_ms: float
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


def _forget(task: asyncio.Future[object]) -> None:
    if not task.cancelled():
        task.exception()  # retrieved: an abandoned probe's failure was already reported


async def timed(
    name: str,
    probe: Callable[[], Awaitable[object]],
    timeout_seconds: float,
    failures: tuple[type[BaseException], ...],
) -> CheckResult:
    started = time.perf_counter()
    error: str | None = None
    # The probe runs in its own task: when it overruns, it is cancelled and left to clean up
    # in the background (closing a hung connection can take seconds), and the answer goes now.
    task = asyncio.ensure_future(probe())
    done, _ = await asyncio.wait({task}, timeout=timeout_seconds)
    if not done:
        task.cancel()
        task.add_done_callback(_forget)
        error = f"no answer within {timeout_seconds:g} s"
    else:
        try:
            task.result()
        except failures as exc:
            error = type(exc).__name__
    latency_ms = round((time.perf_counter() - started) * 1000, 2)
    if error is None:
        return CheckResult(name, "ok", latency_ms)
    logger.warning("health_check_failed", check=name, error=error, latency_ms=latency_ms)
    return CheckResult(name, "fail", latency_ms, error)


async def check_database(engine: AsyncEngine, timeout_seconds: float) -> CheckResult:
    async def select_one() -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    return await timed("database", select_one, timeout_seconds, DATABASE_FAILURES)


async def check_redis(store: FailoverBackend, timeout_seconds: float) -> CheckResult:
    if store.redis is None:
        return CheckResult("redis", "disabled", 0.0, "REDIS_URL is empty")
    return await timed("redis", store.redis.ping, timeout_seconds, REDIS_FAILURES)


def overall(database: CheckResult, redis: CheckResult, cache_backend: str | None) -> Overall:
    """``fail`` without the database; ``degraded`` while a worker's cache is not shared."""
    if database.status != "ok":
        return "fail"
    if redis.status != "ok" or cache_backend != "redis":
        return "degraded"
    return "ok"


async def readiness(
    engine: AsyncEngine, store: FailoverBackend, timeout_seconds: float
) -> tuple[Overall, list[CheckResult]]:
    database, redis = await asyncio.gather(
        check_database(engine, timeout_seconds), check_redis(store, timeout_seconds)
    )
    return overall(database, redis, store.serving), [database, redis]
