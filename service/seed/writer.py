"""The database side of the seed: schema check, emptiness, reset, bulk inserts, sequences."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import Table, inspect, select, text
from sqlalchemy.engine import URL, Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from service.db.engine import create_engine
from service.db.models import Base
from service.db.url import is_sqlite
from service.seed.context import TABLES, Row
from service.settings import Settings, get_settings

CHUNK_ROWS = 5_000


class SeedError(Exception):
    """The seed cannot run; the message says why and what to do."""


class SchemaMissing(SeedError):
    pass


class DatabaseNotEmpty(SeedError):
    pass


def table(name: str) -> Table:
    return Base.metadata.tables[name]


async def missing_tables(conn: AsyncConnection) -> list[str]:
    def names(sync_conn: Connection) -> set[str]:
        return set(inspect(sync_conn).get_table_names())

    present = await conn.run_sync(names)
    return [name for name in TABLES if name not in present]


async def require_schema(conn: AsyncConnection) -> None:
    missing = await missing_tables(conn)
    if missing:
        raise SchemaMissing(
            f"the database has no {', '.join(missing)} table(s): run `pagos migrate` first"
        )


async def non_empty_tables(conn: AsyncConnection) -> list[str]:
    found = []
    for name in TABLES:
        if (await conn.execute(select(table(name).c.id).limit(1))).first() is not None:
            found.append(name)
    return found


async def clear(conn: AsyncConnection) -> None:
    """Delete every row of the six book tables; the schema and other tables stay as they are.
    PostgreSQL also restarts their id sequences. No CASCADE: a table outside the book that
    references it makes this fail loudly instead of being emptied behind the user's back."""
    if conn.dialect.name == "postgresql":
        await conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY"))
        return
    for name in reversed(TABLES):
        await conn.execute(table(name).delete())


async def insert_rows(
    conn: AsyncConnection,
    name: str,
    rows: Sequence[Row],
    on_chunk: Callable[[int, bool], None] | None = None,
) -> None:
    statement = table(name).insert()
    for start in range(0, len(rows), CHUNK_ROWS):
        chunk = rows[start : start + CHUNK_ROWS]
        await conn.execute(statement, list(chunk))
        if on_chunk is not None:
            on_chunk(len(chunk), start + CHUNK_ROWS >= len(rows))


async def fix_sequences(conn: AsyncConnection) -> None:
    """Ids were given explicitly; move PostgreSQL's sequences past them so the API's inserts
    do not collide. (SQLite's integer primary keys follow max(id) by themselves.)"""
    if conn.dialect.name != "postgresql":
        return
    for name in TABLES:
        await conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {name}), false)"
            )
        )


def require_sqlite_file(url: URL) -> None:
    # connecting would create an empty file, then fail on the missing tables anyway
    database = url.database
    if is_sqlite(url) and database and database != ":memory:" and not Path(database).exists():
        raise SchemaMissing(f"{database} does not exist: run `pagos migrate` first")


async def database_is_empty(url: URL, settings: Settings | None = None) -> bool:
    """True when the six book tables have no rows. Raises ``SchemaMissing`` without them."""
    require_sqlite_file(url)
    engine = create_engine(url, settings if settings is not None else get_settings())
    try:
        async with engine.connect() as conn:
            await require_schema(conn)
            return not await non_empty_tables(conn)
    finally:
        await engine.dispose()
