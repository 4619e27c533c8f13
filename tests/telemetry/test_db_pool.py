"""``db_pool_connections{state}`` follows a real PostgreSQL pool as connections come and go."""

from __future__ import annotations

import asyncio

from prometheus_client import REGISTRY, CollectorRegistry
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from service.db.url import async_database_url
from telemetry.db_pool import PoolGauge
from telemetry.metrics import Metrics
from tests.support.servers import app_client, settings_for


def _state(metrics: Metrics, state: str) -> float:
    return float(metrics.db_pool_connections.labels(state)._value.get())


async def test_used_and_idle_follow_the_pool(pg_url: str) -> None:
    metrics = Metrics(CollectorRegistry())
    engine = create_async_engine(async_database_url(pg_url))
    gauge = PoolGauge(engine.sync_engine, metrics)
    seen = []
    try:
        async with engine.connect() as first:
            await first.execute(text("SELECT 1"))
            async with engine.connect() as second:
                await second.execute(text("SELECT 1"))
                await asyncio.sleep(0)
                seen.append((_state(metrics, "used"), _state(metrics, "idle")))
            await asyncio.sleep(0)
            seen.append((_state(metrics, "used"), _state(metrics, "idle")))
        await asyncio.sleep(0)
        seen.append((_state(metrics, "used"), _state(metrics, "idle")))
    finally:
        await engine.dispose()
        gauge.release()
    seen.append((_state(metrics, "used"), _state(metrics, "idle")))
    assert seen == [(2, 0), (1, 1), (0, 2), (0, 0)]


async def test_the_app_reports_its_pool(pg_url: str, cache_prefix: str) -> None:
    def state(name: str) -> float | None:
        return REGISTRY.get_sample_value("db_pool_connections", {"state": name})

    async with app_client(settings_for(pg_url, cache_prefix)) as client:
        assert (await client.get("/health/ready")).status_code == 200
        await asyncio.sleep(0)
        during = (state("used"), state("idle"))
    assert during == (0, 1)  # the readiness check's connection, back in the pool
    assert (state("used"), state("idle")) == (0, 0)  # the app stopped: nothing held
