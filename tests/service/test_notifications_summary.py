"""GET /api/v1/notificaciones/estadisticas/resumen: counts, success rate, the empty table."""

from __future__ import annotations

import pytest

from tests.support.book import Book, read_rows
from tests.support.metrics import sample_value
from tests.support.reference import reference_notification_summary
from tests.support.servers import app_client, settings_for

ROUTE = "/api/v1/notificaciones/estadisticas/resumen"


async def test_summary_counts_every_status_and_unread(db_url: str, cache_prefix: str) -> None:
    book = Book()
    client = book.client()
    statuses = ["ENVIADA"] * 5 + ["PENDIENTE"] * 2 + ["FALLIDA"] * 2 + ["CANCELADA"]
    for index, status in enumerate(statuses):
        book.notification(client, status, read=index % 3 == 0, channel=["EMAIL", "SMS"][index % 2])
    await book.write(db_url)

    async with app_client(settings_for(db_url, cache_prefix)) as http:
        response = await http.get(ROUTE)
    assert response.status_code == 200
    expected = reference_notification_summary((await read_rows(db_url))["notifications"])
    assert response.json() == expected
    # by hand: 5 of 10 sent, 4 read (indexes 0, 3, 6, 9)
    assert response.json()["tasa_exito"] == 50.0
    assert response.json()["no_leidas"] == 6


@pytest.mark.parametrize(("sent", "total", "rate"), [(1, 3, 33.3), (2, 3, 66.7), (7, 7, 100.0)])
async def test_success_rate_is_rounded_to_one_decimal(
    db_url: str, cache_prefix: str, sent: int, total: int, rate: float
) -> None:
    book = Book()
    client = book.client()
    for index in range(total):
        book.notification(client, "ENVIADA" if index < sent else "FALLIDA", read=True)
    await book.write(db_url)
    async with app_client(settings_for(db_url, cache_prefix)) as http:
        assert (await http.get(ROUTE)).json()["tasa_exito"] == rate


async def test_empty_table_is_a_true_answer_counted_as_empty_not_small(
    db_url: str, cache_prefix: str
) -> None:
    async with app_client(settings_for(db_url, cache_prefix)) as http:
        before_empty = sample_value(
            (await http.get("/metrics")).text,
            "http_server_small_responses_total",
            method="GET",
            route=ROUTE,
            kind="empty",
        )
        before_small = sample_value(
            (await http.get("/metrics")).text,
            "http_server_small_responses_total",
            method="GET",
            route=ROUTE,
            kind="small",
        )
        response = await http.get(ROUTE)
        metrics = (await http.get("/metrics")).text
    assert response.status_code == 200
    assert response.json() == {
        "total": 0,
        "enviadas": 0,
        "pendientes": 0,
        "fallidas": 0,
        "no_leidas": 0,
        "tasa_exito": 0.0,
    }
    after_empty = sample_value(
        metrics, "http_server_small_responses_total", method="GET", route=ROUTE, kind="empty"
    )
    after_small = sample_value(
        metrics, "http_server_small_responses_total", method="GET", route=ROUTE, kind="small"
    )
    assert after_empty == before_empty + 1
    assert after_small == before_small
