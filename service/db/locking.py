"""Row locks for the write path.

PostgreSQL locks rows with ``SELECT … FOR UPDATE``. SQLite has no row locks: it has one
writer at a time for the whole database. There a write transaction starts with a no-op write,
which takes that single write lock *before* the transaction reads anything (waiting up to the
busy timeout for another writer, in this or another worker), so every read-modify-write on
SQLite is serialised and reads what the previous writer committed. ``FOR UPDATE`` clauses are
left out by SQLAlchemy on SQLite, so the same queries serve both databases."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_TAKE_SQLITE_WRITE_LOCK = text("UPDATE clients SET id = id WHERE 0")


async def begin_write(session: AsyncSession) -> None:
    """Call first in a write that reads what it then changes."""
    if session.get_bind().dialect.name == "sqlite":
        await session.execute(_TAKE_SQLITE_WRITE_LOCK)
