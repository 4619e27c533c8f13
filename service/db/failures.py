"""What an unreachable, overloaded or vanished database looks like from SQLAlchemy/asyncpg:
answered as 503 by the API and as a clear message by the CLI."""

from __future__ import annotations

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

DATABASE_FAILURES: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    PoolTimeoutError,
    OSError,
    TimeoutError,
)
