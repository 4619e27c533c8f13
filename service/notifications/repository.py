"""Notification queries."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Integer, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.models import Notification
from service.domain import NotificationStatus


@dataclass(frozen=True)
class NotificationCounts:
    total: int
    sent: int
    pending: int
    failed: int
    unread: int


def _count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0).cast(Integer)


async def notification_counts(session: AsyncSession) -> NotificationCounts:
    """One statement, one scan of the table."""
    status = Notification.status
    row = (
        await session.execute(
            select(
                func.count().label("total"),
                _count_where(status == NotificationStatus.ENVIADA).label("sent"),
                _count_where(status == NotificationStatus.PENDIENTE).label("pending"),
                _count_where(status == NotificationStatus.FALLIDA).label("failed"),
                _count_where(Notification.read.is_(False)).label("unread"),
            )
        )
    ).one()
    return NotificationCounts(row.total, row.sent, row.pending, row.failed, row.unread)
