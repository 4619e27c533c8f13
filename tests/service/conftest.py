"""Write-path tests leave the session's PostgreSQL database as they found it: empty, so tests
that write hand-made books with fixed ids into it never collide with their rows."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.databases import truncate_book


@pytest.fixture
async def pg_left_empty(pg_url: str) -> AsyncIterator[None]:
    yield
    await truncate_book(pg_url)
