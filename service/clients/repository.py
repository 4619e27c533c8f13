"""Client queries. Repositories read and stage changes; the request commits."""

from __future__ import annotations

import unicodedata
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


def _unaccented(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# the accented letters of Spanish (and its neighbours) in names, either case, as the plain
# letter: folded in SQL with translate() (SQLite gets one from the engine)
_ACCENTED = "áéíóúüñàèìòùâêîôûäëïöçÁÉÍÓÚÜÑÀÈÌÒÙÂÊÎÔÛÄËÏÖÇ"
_PLAIN = "".join(_unaccented(letter) for letter in _ACCENTED)


def _folded_name() -> ColumnElement[str]:
    return func.lower(func.translate(Client.name, _ACCENTED, _PLAIN))


def _search(term: str) -> ColumnElement[bool]:
    """A name's part, accents and case aside (``gutierrez`` finds Gutiérrez), or a cédula's
    beginning, with or without its letter (``4000001`` finds V4000001)."""
    needle = _unaccented(term.strip())
    compact = ascii_digits(term.strip()).replace(".", "").replace("-", "").replace(" ", "").upper()
    matches = [
        Client.cedula.startswith(compact, autoescape=True),
        _folded_name().contains(needle, autoescape=True),
    ]
    if compact.isdigit():
        matches.append(func.substr(Client.cedula, 2).startswith(compact, autoescape=True))
    return or_(*matches)


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
