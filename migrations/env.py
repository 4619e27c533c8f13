"""Alembic environment: runs migrations over the async engine pagos uses."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from service.db.models import Base

config = context.config
target_metadata = Base.metadata


def _note_applied(*, step: Any, **_: Any) -> None:
    """What ``pagos migrate`` reports: the revisions this run applied, in order."""
    script = step.up_revision
    title = f"{script.revision}: {script.doc}" if script is not None else str(step.up_revision_id)
    config.attributes.setdefault("applied", []).append(title)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        on_version_apply=_note_applied,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online() -> None:
    engine = create_async_engine(config.attributes["url"])
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    context.configure(url=config.attributes["url"], target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_online())
