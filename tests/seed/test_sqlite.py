"""The embedded SQLite database (``make run``) gets the same book, read back with sqlite3."""

from __future__ import annotations

import asyncio
import sqlite3
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from service.db.migrate import upgrade
from service.db.url import async_database_url
from service.seed import DatabaseNotEmpty, database_is_empty, seed_database
from service.settings import Settings
from tests.seed.conftest import TABLES, TODAY


def table_rows(path: Path) -> dict[str, list[sqlite3.Row]]:
    connection = sqlite3.connect(path)
    connection.row_factory = sqlite3.Row
    try:
        return {t: connection.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() for t in TABLES}
    finally:
        connection.close()


async def test_seed_sqlite(tmp_path: Path, seed_settings: Settings) -> None:
    path = tmp_path / "pagos.db"
    url = async_database_url(f"sqlite:///{path}")
    await asyncio.to_thread(upgrade, url)
    assert await database_is_empty(url, seed_settings)

    report = await seed_database(
        url, seed=42, scale=0.2, today=TODAY, reset=False, settings=seed_settings
    )
    rows = table_rows(path)
    assert report.rows == {table: len(rows[table]) for table in TABLES}
    assert 800 <= sum(1 for loan in rows["loans"] if loan["status"] == "APROBADO") <= 980

    allocated: dict[int, Decimal] = defaultdict(Decimal)
    for allocation in rows["payment_allocations"]:
        allocated[allocation["installment_id"]] += Decimal(str(allocation["amount"]))
    for installment in rows["installments"]:
        paid = Decimal(str(installment["amount_paid"])).quantize(Decimal("0.01"))
        assert allocated.get(installment["id"], Decimal(0)) == paid

    with pytest.raises(DatabaseNotEmpty):
        await seed_database(url, seed=1, scale=0.2, today=TODAY, settings=seed_settings)
    assert table_rows(path) == rows

    await seed_database(url, seed=42, scale=0.2, today=TODAY, reset=True, settings=seed_settings)
    assert table_rows(path) == rows  # same seed, same rows, after --reset too

    # new rows get ids after the seeded ones
    connection = sqlite3.connect(path)
    try:
        cursor = connection.execute(
            "INSERT INTO clients (cedula, name, status, created_at) "
            "VALUES ('X1', 'Nueva', 'ACTIVO', '2026-11-17 10:00:00')"
        )
        assert cursor.lastrowid == report.rows["clients"] + 1
    finally:
        connection.close()
