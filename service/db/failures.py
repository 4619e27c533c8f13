"""What an unreachable, overloaded or vanished database looks like from SQLAlchemy/asyncpg:
answered as 503 by the API and as a clear message by the CLI."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

# always the database being unreachable, overloaded or gone
_UNAVAILABLE: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    PoolTimeoutError,
    OSError,
    TimeoutError,
)
# what callers catch; ``database_unavailable`` then tells a failure from a bug
DATABASE_ERRORS: tuple[type[Exception], ...] = (DBAPIError, *_UNAVAILABLE)

# PostgreSQL error codes that say "the server cannot serve now", whatever the statement:
# class 08 connection exception, 28 invalid authorization (an unknown role, a wrong
# password), 53 insufficient resources (too many connections, disk full), 57 operator
# intervention (shutdown, cannot connect now, statement timeout), 3D000 (the database does
# not exist), and 55000, which asyncpg raises when the database does not accept connections.
# Other codes (a constraint, a syntax error) are the statement's fault: a bug, answered 500.
_UNAVAILABLE_CLASSES = ("08", "28", "53", "57")
_UNAVAILABLE_CODES = frozenset({"3D000", "55000"})


def database_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` means the database cannot serve, not that a statement was wrong."""
    if isinstance(exc, _UNAVAILABLE):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    if not isinstance(code, str):
        return False
    return code[:2] in _UNAVAILABLE_CLASSES or code in _UNAVAILABLE_CODES
