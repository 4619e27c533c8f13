"""The KPIs of a realistic seeded book equal the plain-Python reference over its rows."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from service.db.url import async_database_url
from service.seed.seeding import seed_database
from tests.support.book import read_rows
from tests.support.databases import create_pg_database, drop_pg_database
from tests.support.reference import reference_kpis, reference_notification_summary
from tests.support.servers import app_client, settings_for

TZ = ZoneInfo("America/Caracas")


@pytest.fixture(scope="module")
def seeded_url() -> Iterator[str]:
    url = create_pg_database("seeded")
    today = datetime.now(TZ).date()
    asyncio.run(seed_database(async_database_url(url), seed=7, scale=0.25, today=today))
    yield url
    drop_pg_database(url)


async def test_kpis_of_a_seeded_book_equal_the_reference(
    seeded_url: str, cache_prefix: str
) -> None:
    rows = await read_rows(seeded_url)
    today = datetime.now(TZ).date()
    previous = (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
    async with app_client(settings_for(seeded_url, cache_prefix)) as client:
        for year, month in [(today.year, today.month), previous]:
            response = await client.get("/api/v1/pagos/kpis", params={"mes": month, "año": year})
            expected = reference_kpis(
                payments=rows["payments"],
                installments=rows["installments"],
                loans=rows["loans"],
                year=year,
                month=month,
                today=today,
                tz=TZ,
            )
            assert response.status_code == 200
            assert response.json() == expected
            assert expected["montoCobradoMes"] > 0 and expected["clientesEnMora"] > 0
        summary = await client.get("/api/v1/notificaciones/estadisticas/resumen")
    assert summary.json() == reference_notification_summary(rows["notifications"])
