"""``/health/live``: the process answers, nothing else is touched.
``/health/ready`` and ``/api/v1/health/render`` (the path Render probes): the database and
Redis really answer. ``ok`` and ``degraded`` (Redis down, memory cache serving) are 200;
``fail`` (database down) is 503, so the platform stops routing to this instance."""

from __future__ import annotations

import os

from fastapi import APIRouter, Request

from service import __version__
from service.health.checks import readiness
from service.responses import MoneyJSONResponse

router = APIRouter(include_in_schema=False)

LIVE_PATH = "/health/live"
READY_PATH = "/health/ready"
RENDER_PATH = "/api/v1/health/render"


@router.api_route(LIVE_PATH, methods=["GET", "HEAD"])
async def live() -> dict[str, object]:
    return {"status": "ok", "worker_pid": os.getpid()}


async def _ready(request: Request) -> MoneyJSONResponse:
    state = request.app.state
    status, checks = await readiness(
        state.engine, state.cache_store, state.settings.health_check_timeout_seconds
    )
    body = {
        "status": status,
        "checks": [check.as_json() for check in checks],
        "cache_backend": state.cache_store.serving,
        "version": __version__,
        "worker_pid": os.getpid(),
    }
    return MoneyJSONResponse(body, status_code=503 if status == "fail" else 200)


router.add_api_route(READY_PATH, _ready, methods=["GET", "HEAD"])
router.add_api_route(RENDER_PATH, _ready, methods=["GET", "HEAD"])
