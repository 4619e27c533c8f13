"""``GET /api/v1/notificaciones/estadisticas/resumen``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from service.auth import ReadAccess
from service.cache.setup import notifications_namespace
from service.deps import CacheDep, SessionFactoryDep, SettingsDep
from service.notifications.repository import notification_counts
from service.responses import MoneyJSONResponse
from telemetry.middleware import mark_empty_result

router = APIRouter(tags=["notificaciones"])


def success_rate(sent: int, total: int) -> float:
    return round(sent / total * 100, 1) if total else 0.0


@router.get("/api/v1/notificaciones/estadisticas/resumen")
async def notifications_summary(
    _: ReadAccess,
    request: Request,
    sessions: SessionFactoryDep,
    cache: CacheDep,
    settings: SettingsDep,
) -> MoneyJSONResponse:
    async def compute() -> dict[str, Any]:
        async with sessions() as session:
            counts = await notification_counts(session)
        return {
            "total": counts.total,
            "enviadas": counts.sent,
            "pendientes": counts.pending,
            "fallidas": counts.failed,
            "no_leidas": counts.unread,
            "tasa_exito": success_rate(counts.sent, counts.total),
        }

    lookup = await cache.get_or_compute(notifications_namespace(settings), {}, compute)
    if lookup.value["total"] == 0:
        # no notifications yet is a true answer, not a silent failure
        mark_empty_result(request.scope.setdefault("state", {}))
    return MoneyJSONResponse(lookup.value, headers={"X-Cache": lookup.outcome})
