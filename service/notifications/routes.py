"""``/api/v1/notificaciones``: the summary (cached), create, change status or mark read, list."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request

from service.api import PageDep, page_response
from service.auth import ReadAccess, WriteAccess
from service.cache.setup import notifications_namespace
from service.clients.repository import client_by_id
from service.db.locking import begin_write
from service.db.models import Notification
from service.deps import CacheDep, SessionDep, SessionFactoryDep, SettingsDep
from service.domain import NotificationChannel, NotificationStatus
from service.errors import BadRequest, Conflict, NotFound
from service.notifications.repository import (
    NotificationFilters,
    list_notifications,
    notification_counts,
    notification_for_update,
)
from service.notifications.schemas import (
    TRANSITIONS,
    NotificationCreate,
    NotificationUpdate,
    notification_json,
)
from service.responses import MoneyJSONResponse
from service.types import Id
from service.writes import NOTIFICATIONS, invalidate_on_commit
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


@router.post("/api/v1/notificaciones", status_code=201)
async def create_notification(
    _: WriteAccess,
    body: NotificationCreate,
    session: SessionDep,
    cache: CacheDep,
    settings: SettingsDep,
) -> MoneyJSONResponse:
    if await client_by_id(session, body.cliente_id) is None:
        raise BadRequest(
            f"no client with id {body.cliente_id}",
            [{"field": "cliente_id", "message": "unknown client"}],
        )
    notification = Notification(
        client_id=body.cliente_id,
        channel=body.tipo,
        subject=body.asunto,
        status=body.estado,
        read=False,
        sent_at=datetime.now(UTC) if body.estado is NotificationStatus.ENVIADA else None,
    )
    session.add(notification)
    await session.flush()
    await session.refresh(notification)
    invalidate_on_commit(session, cache, NOTIFICATIONS)
    return MoneyJSONResponse(notification_json(notification, settings.tz), status_code=201)


@router.patch("/api/v1/notificaciones/{notification_id}")
async def update_notification(
    _: WriteAccess,
    notification_id: Id,
    body: NotificationUpdate,
    session: SessionDep,
    cache: CacheDep,
    settings: SettingsDep,
) -> MoneyJSONResponse:
    await begin_write(session)
    notification = await notification_for_update(session, notification_id)
    if notification is None:
        raise NotFound(f"no notification with id {notification_id}")
    current = NotificationStatus(notification.status)
    if body.estado is not None and body.estado is not current:
        allowed = TRANSITIONS[current]
        if body.estado not in allowed:
            names = ", ".join(allowed) if allowed else "none (final status)"
            raise Conflict(
                f"a notification in {current} cannot become {body.estado}; allowed: {names}",
                [{"field": "estado", "message": f"allowed from {current}: {names}"}],
                code="transition_not_allowed",
            )
        notification.status = body.estado
        if body.estado is NotificationStatus.ENVIADA:
            notification.sent_at = datetime.now(UTC)
    if body.leida is not None:
        notification.read = body.leida
    await session.flush()
    invalidate_on_commit(session, cache, NOTIFICATIONS)
    return MoneyJSONResponse(notification_json(notification, settings.tz))


@router.get("/api/v1/notificaciones")
async def notifications(
    _: ReadAccess,
    session: SessionDep,
    settings: SettingsDep,
    page: PageDep,
    cliente_id: Id | None = None,
    estado: NotificationStatus | None = None,
    tipo: NotificationChannel | None = None,
    leida: bool | None = None,
) -> MoneyJSONResponse:
    filters = NotificationFilters(cliente_id, estado, tipo, leida)
    rows, total = await list_notifications(session, filters, page)
    return page_response([notification_json(n, settings.tz) for n in rows], total, page)
