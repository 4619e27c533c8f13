"""Fixtures on the real services: PostgreSQL and Redis on their standard local ports.

Every test gets its own database name or Redis key prefix, so runs never clobber each other.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest
import redis

from service.db.migrate import upgrade
from service.db.url import async_database_url
from tests.support.databases import create_pg_database, drop_pg_database, truncate_book
from tests.support.servers import REDIS_URL


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A migrated PostgreSQL database for this test session; tests empty it as they need."""
    url = create_pg_database("main")
    yield url
    drop_pg_database(url)


@pytest.fixture
def sqlite_url(tmp_path: object) -> str:
    url = f"sqlite:///{tmp_path}/pagos.db"
    upgrade(async_database_url(url))
    return url


@pytest.fixture(params=["postgresql", "sqlite"])
def db_url(request: pytest.FixtureRequest) -> str:
    """Both supported databases: the same behaviour is expected of each."""
    if request.param == "postgresql":
        url: str = request.getfixturevalue("pg_url")
        asyncio.run(truncate_book(url))
        return url
    sqlite: str = request.getfixturevalue("sqlite_url")
    return sqlite


@pytest.fixture
def cache_prefix() -> Iterator[str]:
    """A Redis key prefix of this test alone; its keys are deleted afterwards."""
    prefix = f"pagos-test-{uuid.uuid4().hex[:10]}"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match=f"{prefix}:*", count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()
