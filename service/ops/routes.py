"""``GET /api/v1/ops/workers``: the live workers of every instance and the lifecycle history,
read from Redis, so it survives restarts of the whole service."""

from __future__ import annotations

import time
from typing import Any

import structlog
from fastapi import APIRouter, Request

from service.auth import ReadAccess
from service.errors import PagosError
from telemetry.lifecycle_store import LIFECYCLE_FAILURES, LifecycleStore
from telemetry.workers import restart_counts

router = APIRouter(prefix="/api/v1/ops", tags=["ops"])
logger = structlog.get_logger("service.ops")

RECENT_EVENTS = 100
WINDOWS = {"last_hour": 3600.0, "last_day": 86400.0}


class LifecycleUnavailable(PagosError):
    status_code = 503
    code = "lifecycle_unavailable"


@router.get("/workers")
async def workers(_: ReadAccess, request: Request) -> dict[str, Any]:
    store: LifecycleStore | None = request.app.state.lifecycle_store
    if store is None:
        raise LifecycleUnavailable("worker lifecycle needs Redis; REDIS_URL is empty")
    try:
        live = await store.live_workers()
        recent = await store.events(limit=RECENT_EVENTS)
        last_day = await store.events(since_seconds=WINDOWS["last_day"])
    except LIFECYCLE_FAILURES as exc:
        logger.warning("lifecycle_read_failed", error=repr(exc))
        raise LifecycleUnavailable("Redis does not answer; worker lifecycle is unknown") from exc
    return {
        "workers": live,
        "events": recent,
        "restarts": restart_counts(last_day, int(time.time() * 1000), WINDOWS),
    }
