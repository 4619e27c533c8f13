"""Determinism, scale, refusal without --reset, --reset, sequences and progress, on a
PostgreSQL database of their own."""

from __future__ import annotations

import asyncpg
import pytest

from service.seed import DatabaseNotEmpty, Progress, SeedReport, database_is_empty, seed_database
from service.settings import Settings
from tests.seed.conftest import TODAY, as_url, digest

SMALL = 0.1


async def seed(dsn: str, settings: Settings, *, seed: int, reset: bool) -> SeedReport:
    return await seed_database(
        as_url(dsn), seed=seed, scale=SMALL, today=TODAY, reset=reset, settings=settings
    )


async def test_same_seed_same_rows_other_seed_other_rows(
    scratch_dsn: str, seed_settings: Settings, book_report: SeedReport
) -> None:
    assert await database_is_empty(as_url(scratch_dsn), seed_settings)
    events: list[Progress] = []
    first = await seed_database(
        as_url(scratch_dsn),
        seed=7,
        scale=SMALL,
        today=TODAY,
        reset=False,
        progress=events.append,
        settings=seed_settings,
    )
    assert not await database_is_empty(as_url(scratch_dsn), seed_settings)
    first_digest = await digest(scratch_dsn)

    # a tenth of the scale-1 book, table by table
    for table, count in first.rows.items():
        assert 0.07 <= count / book_report.rows[table] <= 0.13, table

    # progress reached every table and ended at the true total
    assert {e.table for e in events if e.table_done} == set(first.rows)
    assert events[-1].written == events[-1].total == first.total_rows

    await seed(scratch_dsn, seed_settings, seed=7, reset=True)
    assert await digest(scratch_dsn) == first_digest

    other = await seed(scratch_dsn, seed_settings, seed=8, reset=True)
    assert await digest(scratch_dsn) != first_digest
    # --reset replaced the book instead of adding to it
    connection = await asyncpg.connect(scratch_dsn)
    try:
        assert await connection.fetchval("SELECT count(*) FROM loans") == other.rows["loans"]
    finally:
        await connection.close()


async def test_refuses_a_database_that_has_rows(scratch_dsn: str, seed_settings: Settings) -> None:
    await seed(scratch_dsn, seed_settings, seed=3, reset=True)
    before = await digest(scratch_dsn)
    with pytest.raises(DatabaseNotEmpty, match="--reset"):
        await seed(scratch_dsn, seed_settings, seed=4, reset=False)
    assert await digest(scratch_dsn) == before


async def test_ids_continue_after_the_seeded_ones(
    scratch_dsn: str, seed_settings: Settings
) -> None:
    report = await seed(scratch_dsn, seed_settings, seed=5, reset=True)
    connection = await asyncpg.connect(scratch_dsn)
    try:
        async with connection.transaction():
            client_id = await connection.fetchval(
                "INSERT INTO clients (cedula, name, status) VALUES ('X1', 'Nueva', 'ACTIVO') "
                "RETURNING id"
            )
            notification_id = await connection.fetchval(
                "INSERT INTO notifications (client_id, channel, status, subject, read) "
                "VALUES ($1, 'SMS', 'PENDIENTE', '', false) RETURNING id",
                client_id,
            )
            await connection.execute("DELETE FROM notifications WHERE id = $1", notification_id)
            await connection.execute("DELETE FROM clients WHERE id = $1", client_id)
    finally:
        await connection.close()
    assert client_id == report.rows["clients"] + 1
    assert notification_id == report.rows["notifications"] + 1
