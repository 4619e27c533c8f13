"""The application factory and its lifespan: connections are built here, never at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import Depends, FastAPI

from service import __version__
from service.auth import require_metrics_token
from service.cache.backends import MemoryBackend, RedisBackend, redis_client
from service.cache.cache import Cache
from service.cache.failover import FailoverBackend
from service.db.engine import create_engine, session_factory
from service.db.url import async_database_url
from service.errors import install_error_handlers
from service.kpis.routes import router as kpis_router
from service.notifications.routes import router as notifications_router
from service.responses import MoneyJSONResponse
from service.settings import Settings, get_settings
from telemetry.exposition import metrics_endpoint
from telemetry.logging import configure_logging
from telemetry.metrics import METRICS
from telemetry.middleware import TelemetryConfig, TelemetryMiddleware

logger = structlog.get_logger("service.app")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    engine = create_engine(async_database_url(settings.database_url), settings)
    redis = (
        RedisBackend(
            redis_client(
                settings.redis_url,
                connect_timeout=settings.redis_connect_timeout_seconds,
                socket_timeout=settings.redis_socket_timeout_seconds,
            )
        )
        if settings.redis_url
        else None
    )
    store = FailoverBackend(
        redis,
        MemoryBackend(settings.cache_memory_max_entries),
        retry_after_seconds=settings.redis_retry_after_seconds,
        workers=settings.web_concurrency,
    )
    await store.probe()
    app.state.session_factory = session_factory(engine)
    app.state.cache = Cache(store, settings.cache_prefix)
    METRICS.app_info.labels(__version__, settings.environment).set(1)
    try:
        yield
    finally:
        store.release()
        if redis is not None:
            await redis.client.aclose()
        await engine.dispose()


def create_app(settings: Settings | None = None) -> FastAPI:
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
    # an API route, so the router records its template like any other route
    app.add_api_route(
        "/metrics",
        metrics_endpoint(settings.prometheus_multiproc_dir),
        include_in_schema=False,
        dependencies=[Depends(require_metrics_token)],  # only when PAGOS_METRICS_TOKEN is set
    )

    @app.get("/health/live", include_in_schema=False)
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    app.add_middleware(
        TelemetryMiddleware,
        config=TelemetryConfig(
            slow_threshold_seconds=settings.slow_request_seconds,
            slow_threshold_overrides=settings.slow_route_seconds,
            small_response_bytes=settings.small_response_bytes,
        ),
    )
    return app
