"""``db_pool_max_connections``: the bound the pool-exhaustion alert divides by."""

from __future__ import annotations

from prometheus_client import CollectorRegistry
from sqlalchemy import create_engine
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool, QueuePool

from service.db.url import async_database_url
from telemetry.db_pool import PoolGauge
from telemetry.metrics import Metrics


def _capacity(metrics: Metrics) -> float:
    return float(metrics.db_pool_max_connections._value.get())


async def test_capacity_is_size_plus_overflow_and_zero_once_released(pg_url: str) -> None:
    metrics = Metrics(CollectorRegistry())
    engine = create_async_engine(async_database_url(pg_url), pool_size=3, max_overflow=4)
    gauge = PoolGauge(engine.sync_engine, metrics)
    during = _capacity(metrics)
    await engine.dispose()
    gauge.release()
    assert (during, _capacity(metrics)) == (7, 0)


def test_a_pool_without_a_bound_reports_zero_not_a_guess() -> None:
    metrics = Metrics(CollectorRegistry())
    unbounded = create_engine("sqlite://", poolclass=QueuePool, pool_size=2, max_overflow=-1)
    PoolGauge(unbounded, metrics)
    assert _capacity(metrics) == 0
    PoolGauge(create_engine("sqlite://", poolclass=NullPool), metrics)
    assert _capacity(metrics) == 0
