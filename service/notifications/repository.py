"""Notification queries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Integer, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.api import PageParams
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


@dataclass(frozen=True)
class NotificationFilters:
    client_id: int | None = None
    status: str | None = None
    channel: str | None = None
    read: bool | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if self.client_id is not None:
            conditions.append(Notification.client_id == self.client_id)
        if self.status is not None:
            conditions.append(Notification.status == self.status)
        if self.channel is not None:
            conditions.append(Notification.channel == self.channel)
        if self.read is not None:
            conditions.append(Notification.read.is_(self.read))
        return conditions


async def list_notifications(
    session: AsyncSession, filters: NotificationFilters, page: PageParams
) -> tuple[Sequence[Notification], int]:
    conditions = filters.conditions()
    total = (
        await session.execute(select(func.count()).select_from(Notification).where(*conditions))
    ).scalar_one()
    rows = await session.execute(
        select(Notification)
        .where(*conditions)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .offset(page.offset)
        .limit(page.per_page)
    )
    return rows.scalars().all(), int(total)


async def notification_for_update(
    session: AsyncSession, notification_id: int
) -> Notification | None:
    query = (
        select(Notification)
        .where(Notification.id == notification_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.execute(query)).scalar_one_or_none()
