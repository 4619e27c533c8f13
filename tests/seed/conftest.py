"""A scale-1 book seeded once per session into its own PostgreSQL database, read back as
plain rows (asyncpg, no pagos code) for the calibration and invariant tests."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterator
from datetime import date
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import URL

from service.db.url import async_database_url
from service.seed import SeedReport, seed_database
from service.settings import Settings
from tests.support.databases import create_pg_database, drop_pg_database

TABLES = ("clients", "loans", "installments", "payments", "payment_allocations", "notifications")
TODAY = date(2026, 11, 17)  # mid-month, so "this month" holds more than a couple of days
TIME_ZONE = "America/Caracas"

Rows = dict[str, list[dict[str, Any]]]


def create_database(label: str, *, migrate: bool = True) -> str:
    return create_pg_database(f"seed_{label}", migrate=migrate)


def drop_database(dsn: str) -> None:
    drop_pg_database(dsn)


async def read_rows(dsn: str) -> Rows:
    connection = await asyncpg.connect(dsn)
    try:
        return {
            table: [dict(r) for r in await connection.fetch(f"SELECT * FROM {table} ORDER BY id")]
            for table in TABLES
        }
    finally:
        await connection.close()


async def digest(dsn: str) -> str:
    """One hash over every row of the six tables, in id order."""
    rows = await read_rows(dsn)
    hasher = hashlib.sha256()
    for table in TABLES:
        for row in rows[table]:
            hasher.update(repr(sorted(row.items())).encode())
    return hasher.hexdigest()


@pytest.fixture(scope="session")
def seed_settings() -> Settings:
    return Settings(business_timezone=TIME_ZONE)


@pytest.fixture(scope="session")
def book_dsn() -> Iterator[str]:
    dsn = create_database("book")
    yield dsn
    drop_database(dsn)


@pytest.fixture
def scratch_dsn() -> Iterator[str]:
    """A fresh migrated database for a test that seeds, resets or refuses."""
    dsn = create_database("scratch")
    yield dsn
    drop_database(dsn)


def as_url(dsn: str) -> URL:
    return async_database_url(dsn)


@pytest.fixture(scope="session")
async def book_report(book_dsn: str, seed_settings: Settings) -> SeedReport:
    return await seed_database(
        as_url(book_dsn), seed=42, scale=1, today=TODAY, reset=False, settings=seed_settings
    )


@pytest.fixture(scope="session")
async def book(book_report: SeedReport, book_dsn: str) -> AsyncIterator[Rows]:
    yield await read_rows(book_dsn)
