"""What each write touches in the cache: generations are bumped after the commit, so the next
read in any worker recomputes from the committed rows (a bump before the commit would let
another worker cache the old rows under the new generation)."""

from __future__ import annotations

from functools import partial

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from service.cache.cache import Cache
from service.db.engine import after_commit

logger = structlog.get_logger("service.writes")
KPIS = "kpis"
NOTIFICATIONS = "notificaciones"


def invalidate_on_commit(session: AsyncSession, cache: Cache, *namespaces: str) -> None:
    for namespace in dict.fromkeys(namespaces):
        after_commit(session, partial(cache.invalidate, namespace))


def log_on_commit(session: AsyncSession, event: str, **fields: object) -> None:
    """One named event per business write, logged only once the write has committed."""

    async def log() -> None:
        logger.info(event, **fields)

    after_commit(session, log)
