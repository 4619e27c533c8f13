"""Notification JSON, in the existing frontend's (Spanish) field names."""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, model_validator

from service.api import render_instant
from service.db.models import Notification
from service.domain import NotificationChannel, NotificationStatus
from service.types import Id, Line

# ENVIADA and CANCELADA are final; a FALLIDA one may be queued again
TRANSITIONS: dict[NotificationStatus, tuple[NotificationStatus, ...]] = {
    NotificationStatus.PENDIENTE: (
        NotificationStatus.ENVIADA,
        NotificationStatus.FALLIDA,
        NotificationStatus.CANCELADA,
    ),
    NotificationStatus.FALLIDA: (NotificationStatus.PENDIENTE, NotificationStatus.CANCELADA),
    NotificationStatus.ENVIADA: (),
    NotificationStatus.CANCELADA: (),
}


class NotificationCreate(BaseModel):
    cliente_id: Id
    tipo: NotificationChannel
    asunto: Annotated[Line, Field(min_length=1, max_length=200)]  # one line: an e-mail header
    estado: NotificationStatus = NotificationStatus.PENDIENTE


class NotificationUpdate(BaseModel):
    estado: NotificationStatus | None = None
    leida: Annotated[bool, Field(strict=True)] | None = None  # true or false, not "yes" or 1

    @model_validator(mode="after")
    def _something(self) -> NotificationUpdate:
        if self.estado is None and self.leida is None:
            raise ValueError("give estado, leida or both")
        return self


def notification_json(notification: Notification, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "id": notification.id,
        "cliente_id": notification.client_id,
        "tipo": notification.channel,
        "estado": notification.status,
        "leida": notification.read,
        "asunto": notification.subject,
        "created_at": render_instant(notification.created_at, tz),
        "enviada_en": render_instant(notification.sent_at, tz),
    }
