"""GET /api/v1/pagos/kpis on hand-made books, PostgreSQL and SQLite alike, against the
plain-Python reference of DESIGN §3."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.support.book import Book, read_rows
from tests.support.reference import reference_kpis
from tests.support.servers import app_client, settings_for

TZ = ZoneInfo("America/Caracas")


def business_today() -> date:
    return datetime.now(TZ).date()


def previous_month(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


def edge_case_book(today: date) -> Book:
    """Each client is one rule of DESIGN §3; the comments say what the KPIs must make of it."""
    book = Book()
    first = today.replace(day=1)
    last_of_previous = first - timedelta(days=1)

    partly_paid_late = book.client()  # late: due 10 days ago, 40 of 100 paid
    book.loan(
        partly_paid_late,
        [
            (today - timedelta(days=40), "100.00", "100.00"),
            (today - timedelta(days=10), "100.00", "40.00"),
            (today + timedelta(days=20), "100.00", "0.00"),
        ],
    )
    two_loans = book.client()  # late on one loan of two: counts once
    book.loan(two_loans, [(today - timedelta(days=30), "75.50", "75.50")])
    book.loan(two_loans, [(today - timedelta(days=5), "50.25", "0.00")])
    book.loan(two_loans, [(today - timedelta(days=3), "20.00", "0.00")])
    due_today = book.client()  # not late: due today, unpaid
    book.loan(due_today, [(today, "300.00", "0.00"), (today + timedelta(days=30), "300.00", "0")])
    excluded = book.client()  # DRAFT and RECHAZADO loans are not in the book
    book.loan(excluded, [(today - timedelta(days=60), "999.99", "0.00")], status="DRAFT")
    book.loan(excluded, [(today - timedelta(days=60), "888.88", "0.00")], status="RECHAZADO")
    in_mora = book.client()  # 100+ days late
    book.loan(in_mora, [(today - timedelta(days=100), "120.00", "0.00")])
    all_paid = book.client()
    book.loan(all_paid, [(today - timedelta(days=15), "80.00", "80.00")])

    # month boundary in business time: 23:59 on the last day is the previous month, even
    # though it is already the next day in UTC; 00:01 on the first is this month
    book.payment(all_paid, local(last_of_previous, 23, 59), "11.11", document_number="B-1")
    book.payment(all_paid, local(first, 0, 1), "22.22", document_number="B-2")
    # NO DEFINIDO in any case, with spaces; empty and missing numbers; unreconciled
    book.payment(partly_paid_late, local(first, 9), "40.00", document_number="no definido")
    book.payment(partly_paid_late, local(first, 9), "10.00", document_number="  No Definido ")
    book.payment(two_loans, local(first, 10), "5.00", document_number="")
    book.payment(two_loans, local(first, 10), "6.00", document_number=None)
    book.payment(in_mora, local(first, 11), "7.00", document_number="OK-7", reconciled=False)
    book.payment(in_mora, local(first, 11), "1000.00", document_number="OK-8", active=False)
    book.payment(due_today, local(first, 12), "33.33", document_number="OK-9", loan_id=None)
    return book


@pytest.fixture
async def edge_book(db_url: str) -> tuple[str, Book]:
    book = edge_case_book(business_today())
    await book.write(db_url)
    return db_url, book


async def test_kpis_follow_the_definitions_for_every_edge_case(
    edge_book: tuple[str, Book], cache_prefix: str
) -> None:
    db_url, _ = edge_book
    today = business_today()
    async with app_client(settings_for(db_url, cache_prefix)) as client:
        response = await client.get("/api/v1/pagos/kpis")
    assert response.status_code == 200
    body = response.json()
    # by hand from the book: payments of this month, active only
    assert body["montoCobradoMes"] == 22.22 + 40 + 10 + 5 + 6 + 7 + 33.33
    assert body["montoNoDefinido"] == 40 + 10 + 5 + 6 + 7
    # outstanding on APROBADO loans: 60 + 100 + 50.25 + 20 + 600 + 120
    assert body["saldoPorCobrar"] == 950.25
    assert body["clientesEnMora"] == 3  # partly paid late, two loans (once), in mora
    assert body["clientesAlDia"] == 2  # due today, all paid
    assert (body["mes"], body["año"]) == (today.month, today.year)


async def test_kpis_equal_the_reference_for_this_past_and_an_empty_month(
    edge_book: tuple[str, Book], cache_prefix: str
) -> None:
    db_url, _ = edge_book
    today = business_today()
    rows = await read_rows(db_url)
    months = [(today.year, today.month), previous_month(today.year, today.month), (2001, 6)]
    async with app_client(settings_for(db_url, cache_prefix)) as client:
        for year, month in months:
            response = await client.get("/api/v1/pagos/kpis", params={"mes": month, "año": year})
            assert response.status_code == 200
            expected = reference_kpis(
                payments=rows["payments"],
                installments=rows["installments"],
                loans=rows["loans"],
                year=year,
                month=month,
                today=today,
                tz=TZ,
            )
            assert response.json() == expected, (year, month)
    previous = reference_kpis(
        payments=rows["payments"],
        installments=rows["installments"],
        loans=rows["loans"],
        year=months[1][0],
        month=months[1][1],
        today=today,
        tz=TZ,
    )
    assert previous["montoCobradoMes"] == 11.11  # the 23:59 payment, in business time


async def test_money_is_rendered_with_two_decimals(
    edge_book: tuple[str, Book], cache_prefix: str
) -> None:
    db_url, _ = edge_book
    async with app_client(settings_for(db_url, cache_prefix)) as client:
        text = (await client.get("/api/v1/pagos/kpis")).text
    assert re.search(r'"saldoPorCobrar":950\.25[,}]', text)
    assert re.search(r'"montoNoDefinido":68\.00[,}]', text)


async def test_anio_is_an_alias_of_año(edge_book: tuple[str, Book], cache_prefix: str) -> None:
    db_url, _ = edge_book
    today = business_today()
    year, month = previous_month(today.year, today.month)
    async with app_client(settings_for(db_url, cache_prefix)) as client:
        with_año = await client.get("/api/v1/pagos/kpis", params={"mes": month, "año": year})
        with_anio = await client.get("/api/v1/pagos/kpis", params={"mes": month, "anio": year})
    assert with_año.status_code == with_anio.status_code == 200
    assert with_año.json() == with_anio.json()
    assert with_anio.json()["año"] == year


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"mes": "13"}, "mes"),
        ({"mes": "0"}, "mes"),
        ({"mes": "abril"}, "mes"),
        ({"mes": "-1"}, "mes"),
        ({"año": "20x5"}, "año"),
        ({"anio": "99999"}, "año"),
        ({"año": "2025", "anio": "2024"}, "año"),
        ({"mes": "²"}, "mes"),  # a digit to str.isdigit, not to int()
        ({"mes": "٣"}, "mes"),  # Arabic-Indic three
        ({"mes": "９" * 5000}, "mes"),  # longer than int() parses
        ({"año": "²²²²"}, "año"),
        ({"anio": "２０２６"}, "año"),  # fullwidth digits
    ],
)
async def test_bad_month_or_year_is_a_422_naming_the_field(
    pg_url: str, cache_prefix: str, params: dict[str, str], field: str
) -> None:
    async with app_client(settings_for(pg_url, cache_prefix)) as client:
        response = await client.get("/api/v1/pagos/kpis", params=params)
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "validation_error"
    assert field in body["message"]
    assert body["details"][0]["field"] == field
    assert body["request_id"] == response.headers["x-request-id"]
