"""Apply the Alembic migrations in ``migrations/`` to the configured database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import URL

from service.db.url import is_sqlite

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(url: URL) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["url"] = url
    return config


def upgrade(url: URL, revision: str = "head") -> list[str]:
    """Bring the database to ``revision``; the revisions applied now ("0001 …"), in order."""
    if is_sqlite(url) and url.database:
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    config = alembic_config(url)
    command.upgrade(config, revision)
    applied: list[str] = config.attributes.get("applied", [])
    return applied
