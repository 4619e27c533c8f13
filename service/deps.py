"""Dependencies as named types: routes ask for what they need by type."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.cache.cache import Cache
from service.db.engine import unit_of_work
from service.settings import Settings


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_cache(request: Request) -> Cache:
    cache: Cache = request.app.state.cache
    return cache


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async for session in unit_of_work(request.app.state.session_factory):
        yield session


def get_session_factory(request: Request) -> async_sessionmaker[AsyncSession]:
    """For cached computations: a background refresh outlives the request's own session."""
    factory: async_sessionmaker[AsyncSession] = request.app.state.session_factory
    return factory


SettingsDep = Annotated[Settings, Depends(get_settings)]
CacheDep = Annotated[Cache, Depends(get_cache)]
# scope="function": the session commits when the handler returns, before the response is
# sent, so a client never sees 201 for a write that then fails to commit, and its next read
# (in any worker) sees the write. The default ("request") would commit after sending.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
SessionFactoryDep = Annotated[async_sessionmaker[AsyncSession], Depends(get_session_factory)]
