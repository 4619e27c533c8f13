"""Turn the database URLs users paste into the async URL SQLAlchemy needs."""

from __future__ import annotations

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

_ASYNC_DRIVERS = {
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
    "postgresql+psycopg2": "postgresql+asyncpg",
    "postgresql+psycopg": "postgresql+asyncpg",
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "sqlite+pysqlite": "sqlite+aiosqlite",
}


class InvalidDatabaseURL(ValueError):
    """The configured DATABASE_URL is not a PostgreSQL or SQLite URL."""


def async_database_url(raw: str) -> URL:
    """``postgres://…``, ``postgresql://…`` or ``sqlite:///path`` → the async-driver URL."""
    text = raw.strip()
    if text.startswith("postgres://"):  # Heroku/Render style; SQLAlchemy only knows postgresql
        text = "postgresql://" + text.removeprefix("postgres://")
    try:
        url = make_url(text)
    except ArgumentError as exc:
        raise InvalidDatabaseURL(f"DATABASE_URL is not a database URL: {raw!r}") from exc
    driver = _ASYNC_DRIVERS.get(url.drivername)
    if driver is None:
        raise InvalidDatabaseURL(
            f"DATABASE_URL uses {url.drivername!r}; pagos supports PostgreSQL and SQLite"
        )
    url = url.set(drivername=driver)
    if driver.startswith("postgresql") and "sslmode" in url.query:
        # asyncpg spells libpq's sslmode as ssl
        query = dict(url.query)
        query["ssl"] = query.pop("sslmode")
        url = url.set(query=query)
    return url


def is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"
