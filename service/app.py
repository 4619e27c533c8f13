"""The application factory and its lifespan: connections are built here, never at import."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import Depends, FastAPI
from opentelemetry.sdk.trace.export import SpanExporter

from service import __version__
from service.auth import require_metrics_token
from service.bodylimit import BodyLimitMiddleware
from service.cache.setup import close_cache, keep_cache, open_cache
from service.clients.routes import router as clients_router
from service.db.engine import create_engine, session_factory
from service.db.url import async_database_url
from service.errors import install_error_handlers
from service.health.routes import router as health_router
from service.kpis.routes import router as kpis_router
from service.loans.routes import router as loans_router
from service.notifications.routes import router as notifications_router
from service.ops.cache import router as ops_cache_router
from service.ops.routes import router as ops_router
from service.payments.routes import router as payments_router
from service.responses import MoneyJSONResponse
from service.settings import Settings, get_settings
from telemetry.db_pool import PoolGauge
from telemetry.exposition import metrics_endpoint
from telemetry.lifecycle_store import LifecycleKeys, LifecycleStore, async_client
from telemetry.logging import configure_logging
from telemetry.metrics import METRICS
from telemetry.middleware import TelemetryConfig, TelemetryMiddleware
from telemetry.tracing import (
    TracingConfig,
    build_provider,
    instrument_app,
    instrument_engine,
    instrument_redis,
    uninstrument_engine,
)
from telemetry.worker_lifecycle import CountRequests, RequestTally, WorkerLifecycle

logger = structlog.get_logger("service.app")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    boot_started = time.perf_counter()
    engine = create_engine(async_database_url(settings.database_url), settings)
    pool_gauge = PoolGauge(engine.sync_engine)
    cache = await open_cache(settings)
    provider = app.state.tracer_provider
    if provider is not None:
        instrument_engine(engine, provider)
        if cache.store.redis is not None:
            instrument_redis(cache.store.redis.client, provider)
    cache_upkeep = asyncio.create_task(keep_cache(cache, settings.cache_probe_interval_seconds))
    store = cache.store
    app.state.session_factory = session_factory(engine)
    app.state.cache = cache
    METRICS.app_info.labels(__version__, settings.environment).set(1)
    app.state.engine = engine
    app.state.cache_store = store
    lifecycle_redis = (
        async_client(
            settings.redis_url,
            connect_timeout=settings.redis_connect_timeout_seconds,
            socket_timeout=settings.lifecycle_redis_timeout_seconds,
        )
        if settings.redis_url
        else None
    )
    app.state.lifecycle_store = (
        LifecycleStore(
            lifecycle_redis,
            LifecycleKeys(settings.cache_prefix),
            ttl_seconds=3 * settings.worker_heartbeat_seconds,
            max_events=settings.lifecycle_max_events,
        )
        if lifecycle_redis is not None
        else None
    )
    lifecycle = WorkerLifecycle(
        app.state.lifecycle_store,
        version=__version__,
        heartbeat_seconds=settings.worker_heartbeat_seconds,
        tally=app.state.requests,
        status=lambda: {"cache_backend": store.serving},
    )
    await lifecycle.start(boot_seconds=time.perf_counter() - boot_started)
    try:
        yield
    finally:
        await lifecycle.stop()
        if lifecycle_redis is not None:
            await lifecycle_redis.aclose()
        await close_cache(cache, cache_upkeep)
        await engine.dispose()
        if provider is not None:
            uninstrument_engine()
            provider.shutdown()  # flushes the spans still queued
        pool_gauge.release()


def tracing_config(settings: Settings) -> TracingConfig:
    return TracingConfig(
        service_name=settings.otel_service_name,
        service_version=__version__,
        environment=settings.environment,
        exporter=settings.traces_exporter,
        otlp_endpoint=settings.otel_exporter_otlp_endpoint,
        sample_ratio=settings.otel_traces_sampler_arg,
    )


def create_app(
    settings: Settings | None = None, *, span_exporter: SpanExporter | None = None
) -> FastAPI:
    """The app of one worker. ``span_exporter`` replaces the configured trace exporter."""
    settings = settings or get_settings()
    configure_logging(json_lines=settings.json_logs, level=settings.log_level)
    app = FastAPI(
        title="pagos",
        version=__version__,
        lifespan=lifespan,
        default_response_class=MoneyJSONResponse,
    )
    app.state.settings = settings
    install_error_handlers(app)
    app.include_router(kpis_router)
    app.include_router(notifications_router)
    app.include_router(clients_router)
    app.include_router(loans_router)
    app.include_router(payments_router)
    app.include_router(ops_router)
    app.include_router(ops_cache_router)
    app.include_router(health_router)
    # an API route, so the router records its template like any other route
    app.add_api_route(
        "/metrics",
        metrics_endpoint(settings.prometheus_multiproc_dir),
        include_in_schema=False,
        dependencies=[Depends(require_metrics_token)],  # only when PAGOS_METRICS_TOKEN is set
    )

    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.state.requests = RequestTally()
    app.add_middleware(CountRequests, tally=app.state.requests)
    # built here, in the worker, after gunicorn forked it: never shared with the master
    app.state.tracer_provider = build_provider(tracing_config(settings), span_exporter)
    app.add_middleware(
        TelemetryMiddleware,
        config=TelemetryConfig(
            slow_threshold_seconds=settings.slow_request_seconds,
            slow_threshold_overrides=settings.slow_route_seconds,
            small_response_bytes=settings.small_response_bytes,
            unmeasured_routes=settings.unmeasured_routes,
            traced=app.state.tracer_provider is not None,
        ),
    )
    if app.state.tracer_provider is not None:
        instrument_app(app, app.state.tracer_provider, tracing_config(settings))
    return app
