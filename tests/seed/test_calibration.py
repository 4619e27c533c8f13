"""The scale-1 book looks like the real portfolio: counted over the rows written, in plain
Python, never with the generator's own numbers."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time
from decimal import Decimal
from statistics import mean
from zoneinfo import ZoneInfo

from service.seed import SeedReport
from service.seed.book import generate
from tests.seed.conftest import TIME_ZONE, TODAY, Rows

UNDEFINED = {"", "NO DEFINIDO"}


def approved(book: Rows) -> list[dict[str, object]]:
    return [loan for loan in book["loans"] if loan["status"] == "APROBADO"]


def late_and_booked_clients(book: Rows) -> tuple[set[int], set[int]]:
    """(clients late on an APROBADO installment, clients with any APROBADO installment)."""
    approved_ids = {loan["id"]: loan["client_id"] for loan in approved(book)}
    late: set[int] = set()
    booked: set[int] = set()
    for installment in book["installments"]:
        client = approved_ids.get(installment["loan_id"])
        if client is None:
            continue
        booked.add(client)
        if (
            installment["due_date"] < TODAY
            and installment["amount_paid"] < installment["amount_due"]
        ):
            late.add(client)
    return late, booked


def test_size_of_the_book(book: Rows) -> None:
    loans = approved(book)
    assert 4_200 <= len(loans) <= 4_600
    assert 4_000 <= len(book["clients"]) <= 4_400
    assert 4_000 <= len({loan["client_id"] for loan in loans}) <= 4_400
    two_loans = [c for c, n in Counter(loan["client_id"] for loan in loans).items() if n == 2]
    assert len(two_loans) > 50


def test_frequencies_counts_and_principal(book: Rows) -> None:
    loans = approved(book)
    frequencies = Counter(loan["frequency"] for loan in loans)
    assert 0.96 <= frequencies["MENSUAL"] / len(loans) <= 0.98
    assert frequencies["QUINCENAL"] > 0 and frequencies["SEMANAL"] > 0
    counts = Counter(loan["installments_count"] for loan in loans)
    assert 0.89 <= counts[12] / len(loans) <= 0.93
    assert min(counts) >= 6 and max(counts) <= 36 and len(counts) > 3
    assert 1_350 <= mean(float(loan["principal"]) for loan in loans) <= 1_550
    zero_rate = sum(1 for loan in loans if loan["interest_rate"] == 0) / len(loans)
    assert 0.3 <= zero_rate <= 0.8


def test_approvals_span_two_years_up_to_today(book: Rows) -> None:
    tz = ZoneInfo(TIME_ZONE)
    days = [loan["approved_at"].astimezone(tz).date() for loan in approved(book)]
    assert max(days) <= TODAY
    assert 690 <= (TODAY - min(days)).days <= 760
    assert all(
        loan["approved_at"] is None
        for loan in book["loans"]
        if loan["status"] in ("DRAFT", "EN_REVISION", "RECHAZADO")
    )


def test_every_loan_status_and_paid_off_loans_are_paid(book: Rows) -> None:
    statuses = Counter(loan["status"] for loan in book["loans"])
    assert set(statuses) == {"DRAFT", "EN_REVISION", "APROBADO", "RECHAZADO", "LIQUIDADO"}
    paid_off = {loan["id"] for loan in book["loans"] if loan["status"] == "LIQUIDADO"}
    paid_off_installments = [i for i in book["installments"] if i["loan_id"] in paid_off]
    assert paid_off_installments
    assert all(i["amount_paid"] == i["amount_due"] for i in paid_off_installments)
    clients = Counter(client["status"] for client in book["clients"])
    assert clients["ACTIVO"] / len(book["clients"]) > 0.9


def test_about_half_of_the_clients_are_late(book: Rows) -> None:
    late, booked = late_and_booked_clients(book)
    assert 0.45 <= len(late) / len(booked) <= 0.55
    assert 0.45 <= len(late) / len(book["clients"]) <= 0.55


def test_late_installments_are_both_vencido_and_mora(book: Rows) -> None:
    statuses = Counter(i["status"] for i in book["installments"])
    assert set(statuses) == {"PENDIENTE", "PARCIAL", "PAGADO", "VENCIDO", "MORA"}


def test_payments_fall_in_the_current_month_and_never_in_the_future(book: Rows) -> None:
    tz = ZoneInfo(TIME_ZONE)
    month_start = datetime.combine(TODAY.replace(day=1), time(), tzinfo=tz)
    end_of_today = datetime.combine(TODAY, time.max, tzinfo=tz)
    this_month = [p for p in book["payments"] if month_start <= p["paid_at"] and p["active"]]
    assert len(this_month) > 100
    assert all(p["paid_at"] <= end_of_today for p in book["payments"])
    hours = Counter(p["paid_at"].astimezone(tz).hour for p in book["payments"])
    assert min(hours) >= 6 and max(hours) <= 21


def test_document_numbers_unreconciled_and_unassigned_payments(book: Rows) -> None:
    payments = book["payments"]
    documents = Counter(p["document_number"] for p in payments)
    for spelling in (None, "", "  ", "NO DEFINIDO", "no definido ", " No Definido"):
        assert documents[spelling] > 0, spelling
    undefined = sum(n for d, n in documents.items() if d is None or d.strip().upper() in UNDEFINED)
    assert 0.03 <= undefined / len(payments) <= 0.15
    unreconciled = sum(1 for p in payments if not p["reconciled"])
    assert 0.01 <= unreconciled / len(payments) <= 0.08
    unassigned = sum(1 for p in payments if p["loan_id"] is None)
    assert 5 <= unassigned <= 0.01 * len(payments)
    assert any(not p["active"] for p in payments)


def test_notifications_in_every_channel_and_status(book: Rows) -> None:
    notifications = book["notifications"]
    assert {n["channel"] for n in notifications} == {"EMAIL", "SMS", "WHATSAPP"}
    assert {n["status"] for n in notifications} == {"PENDIENTE", "ENVIADA", "FALLIDA", "CANCELADA"}
    assert any(n["read"] for n in notifications) and not all(n["read"] for n in notifications)
    assert all((n["sent_at"] is not None) == (n["status"] == "ENVIADA") for n in notifications)


def test_the_report_tells_what_was_written(book: Rows, book_report: SeedReport) -> None:
    assert book_report.rows == {table: len(rows) for table, rows in book.items()}
    late, booked = late_and_booked_clients(book)
    assert book_report.tally.late_clients == len(late)
    assert book_report.tally.clients_with_book == len(booked)
    assert book_report.tally.approved_loans == len(approved(book))
    approved_ids = {loan["id"] for loan in approved(book)}
    outstanding = sum(
        (
            max(Decimal(0), i["amount_due"] - i["amount_paid"])
            for i in book["installments"]
            if i["loan_id"] in approved_ids
        ),
        Decimal(0),
    )
    assert book_report.tally.outstanding == outstanding
    tz = ZoneInfo(TIME_ZONE)
    month_start = datetime.combine(TODAY.replace(day=1), time(), tzinfo=tz)
    this_month = [p for p in book["payments"] if p["paid_at"] >= month_start and p["active"]]
    assert book_report.tally.month_payments == len(this_month)
    assert book_report.tally.month_amount == sum((p["amount"] for p in this_month), Decimal(0))
    text = "\n".join(book_report.lines())
    assert f"{len(late):,}" in text and "pagos_test_seed_book_" in text


def test_a_book_seeded_early_in_the_day_holds_nothing_later() -> None:
    """Seeded at 03:00 on its own today: no payment, registration or notification after it."""
    tz = ZoneInfo(TIME_ZONE)
    now = datetime.combine(TODAY, time(3, 0), tzinfo=tz)
    stamps: list[datetime] = []
    today_payments = 0
    for batch in generate(11, 0.1, TODAY, tz, now=now):
        for rows in batch.rows.values():
            stamps += [v for row in rows for v in row.values() if isinstance(v, datetime)]
        today_payments += sum(
            p["paid_at"].astimezone(tz).date() == TODAY for p in batch.rows["payments"]
        )
    assert stamps and max(stamps) <= now
    assert today_payments > 0  # today's early hours still hold some
