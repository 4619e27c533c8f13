"""Client queries. Repositories read and stage changes; the request commits."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.api import PageParams
from service.db.models import Client
from service.types import ascii_digits


async def client_by_id(session: AsyncSession, client_id: int) -> Client | None:
    return await session.get(Client, client_id)


async def client_by_cedula(session: AsyncSession, cedula: str) -> Client | None:
    return (
        await session.execute(select(Client).where(Client.cedula == cedula))
    ).scalar_one_or_none()


def _search(term: str) -> ColumnElement[bool]:
    needle = term.strip().lower()
    compact = ascii_digits(needle).replace(".", "").replace("-", "").replace(" ", "").upper()
    return or_(
        Client.cedula.startswith(compact, autoescape=True),
        func.lower(Client.name).contains(needle, autoescape=True),
    )


async def list_clients(
    session: AsyncSession, page: PageParams, search: str | None, status: str | None
) -> tuple[Sequence[Client], int]:
    conditions: list[ColumnElement[bool]] = []
    if search and search.strip():
        conditions.append(_search(search))
    if status is not None:
        conditions.append(Client.status == status)
    total = (
        await session.execute(select(func.count()).select_from(Client).where(*conditions))
    ).scalar_one()
    rows = (
        await session.execute(
            select(Client)
            .where(*conditions)
            .order_by(Client.id)
            .offset(page.offset)
            .limit(page.per_page)
        )
    ).scalars()
    return rows.all(), int(total)
