"""Engine and session lifecycle. Built in the app's lifespan, never at import."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from service.db.url import is_sqlite
from service.settings import Settings


@functools.lru_cache(maxsize=16)
def _translation(source: str, target: str) -> dict[int, int | None]:
    # PostgreSQL's rule: characters of ``source`` beyond ``target``'s length are removed
    table: dict[int, int | None] = {ord(c): None for c in source[len(target) :]}
    table.update(str.maketrans(source[: len(target)], target[: len(source)]))
    return table


def _translate(text: str | None, source: str, target: str) -> str | None:
    return None if text is None else text.translate(_translation(source, target))


def create_engine(url: URL, settings: Settings) -> AsyncEngine:
    if is_sqlite(url):
        engine = create_async_engine(
            url, connect_args={"timeout": settings.db_connect_timeout_seconds}
        )

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")  # readers in other workers never block
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()
            # PostgreSQL's translate(), which client search uses to fold accents
            dbapi_connection.create_function("translate", 3, _translate, deterministic=True)

        return engine
    return create_async_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_size,
        pool_timeout=settings.db_connect_timeout_seconds,
        pool_pre_ping=True,
        connect_args={
            "timeout": settings.db_connect_timeout_seconds,
            "command_timeout": settings.db_statement_timeout_seconds,
            "server_settings": {"application_name": "pagos"},
        },
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


AFTER_COMMIT = "pagos.after_commit"


def after_commit(session: AsyncSession, hook: Callable[[], Awaitable[None]]) -> None:
    """Run ``hook`` once the unit of work has committed (never if it rolls back)."""
    session.info.setdefault(AFTER_COMMIT, []).append(hook)


async def unit_of_work(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """The request is the unit of work: commit when the handler returns, roll back on error;
    then the after-commit hooks (cache invalidation), so others recompute from new rows."""
    async with factory() as session:
        try:
            yield session
        except BaseException:
            session.info.pop(AFTER_COMMIT, None)
            await session.rollback()
            raise
        else:
            await session.commit()
            for hook in session.info.pop(AFTER_COMMIT, []):
                await hook()
