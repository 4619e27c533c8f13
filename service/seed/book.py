"""The loan book, calibrated on the real portfolio this product replaces.

Pure Python: one ``random.Random(seed)`` stream and a fixed ``today`` decide every row, so the
same seed and the same day give the same book. Rows come out in batches of clients so large
books never sit in memory whole.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from service.domain import ClientStatus, Frequency, LoanStatus
from service.seed.context import ZERO, Batch, Context, Row
from service.seed.notifications import add_notifications
from service.seed.payments import InstallmentState, LoanPayer
from service.seed.people import cedula, email, full_name, phone
from service.seed.schedule import build_schedule

CLIENTS_AT_SCALE_1 = 4_300
BATCH_CLIENTS = 5_000

# What a client holds: one APROBADO loan, two, only a paid-off (LIQUIDADO) loan, or only an
# application (DRAFT, EN_REVISION, RECHAZADO). 4,300 clients → ~4,200 with ~4,420 APROBADO.
CLIENT_KINDS = (("one", 0.925), ("two", 0.052), ("finished", 0.010), ("prospect", 0.013))
EXTRA_LIQUIDADO_SHARE = 0.03  # clients with a book who also paid off an older loan
EXTRA_RECHAZADO_SHARE = 0.015
LATE_CLIENT_SHARE = 0.52  # ~4% of clients have nothing due yet, so ~50% end up late
SECOND_LATE_LOAN_SHARE = 0.3
UNASSIGNED_PAYMENT_SHARE = 0.008  # clients with a payment nobody tied to a loan

FREQUENCIES = ((Frequency.MENSUAL, 0.97), (Frequency.QUINCENAL, 0.02), (Frequency.SEMANAL, 0.01))
PERIOD_DAYS = {Frequency.MENSUAL: 31, Frequency.QUINCENAL: 15, Frequency.SEMANAL: 7}
TWELVE_SHARE = 0.91
OTHER_COUNTS = (6, 8, 9, 10, 15, 18, 24, 30, 36)
ZERO_RATE_SHARE = 0.55
RATES = (12, 15, 18, 20, 24, 30, 36)  # annual %
PRINCIPAL_MEAN, PRINCIPAL_SIGMA = 1_450, 0.45  # log-normal, in USD
PRINCIPAL_MIN, PRINCIPAL_MAX, PRINCIPAL_STEP = 300, 6_000, 50
PRINCIPAL_MU = math.log(PRINCIPAL_MEAN) - PRINCIPAL_SIGMA**2 / 2  # log-normal mean = e^(μ+σ²/2)
BOOK_DAYS = 730  # APROBADO loans were approved over the last ~24 months


def client_count(scale: float) -> int:
    return max(1, round(CLIENTS_AT_SCALE_1 * scale))


def generate(
    seed: int,
    scale: float,
    today: date,
    tz: ZoneInfo,
    batch_clients: int = BATCH_CLIENTS,
    now: datetime | None = None,
) -> Iterator[Batch]:
    """The book's rows, batch by batch. Only a run on the real ``today`` depends on the time
    of day (``now``, default the clock): nothing is dated after the moment it runs."""
    end_of_today = datetime.combine(today, time.max, tzinfo=tz)
    moment = now if now is not None else datetime.now(tz)
    ctx = Context(rng=random.Random(seed), today=today, tz=tz, not_after=min(moment, end_of_today))
    total = client_count(scale)
    for start in range(0, total, batch_clients):
        batch = Batch()
        for index in range(start, min(total, start + batch_clients)):
            _add_client(ctx, batch, index)
        yield batch


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([value for value, _ in weighted], [w for _, w in weighted])[0]


def _loan_statuses(rng: random.Random, kind: str) -> list[LoanStatus]:
    if kind == "finished":
        return [LoanStatus.LIQUIDADO]
    if kind == "prospect":
        return [rng.choice((LoanStatus.DRAFT, LoanStatus.EN_REVISION, LoanStatus.RECHAZADO))]
    statuses = [LoanStatus.APROBADO] * (2 if kind == "two" else 1)
    if rng.random() < EXTRA_LIQUIDADO_SHARE:
        statuses.insert(0, LoanStatus.LIQUIDADO)
    if rng.random() < EXTRA_RECHAZADO_SHARE:
        statuses.insert(0, LoanStatus.RECHAZADO)
    return statuses


def _add_client(ctx: Context, batch: Batch, index: int) -> None:
    rng = ctx.rng
    kind = _pick(rng, CLIENT_KINDS)
    client_id = ctx.ids.next("clients")
    name = full_name(rng)
    client: Row = {
        "id": client_id,
        "cedula": cedula(rng, index),
        "name": name,
        "email": email(rng, name),
        "phone": phone(rng),
    }
    approved: list[LoanPayer] = []
    payers: list[LoanPayer] = []
    first_day = ctx.today
    for loan_status in _loan_statuses(rng, kind):
        created, payer = _add_loan(ctx, batch, client_id, loan_status)
        first_day = min(first_day, created)
        if payer is not None:
            payers.append(payer)
            if loan_status is LoanStatus.APROBADO:
                approved.append(payer)
            else:
                payer.pay_off()

    wants_late = rng.random() < LATE_CLIENT_SHARE
    made_late = False
    for payer in approved:
        try_late = wants_late and (not made_late or rng.random() < SECOND_LATE_LOAN_SHARE)
        if try_late and payer.pay_late():
            made_late = True
        else:
            payer.pay_punctually()
    for payer in payers:
        payer.add_strays()
    if payers and rng.random() < UNASSIGNED_PAYMENT_SHARE:
        payer = payers[-1]
        day = ctx.days_ago(0, 90)
        payer.record(max(day, payer.base_date), payer.installments[0].amount_due, assigned=False)

    for payer in payers:
        _add_installments(batch, payer, approved=payer in approved)
    tally = batch.tally
    tally.approved_loans += len(approved)
    if any(payer.installments for payer in approved):
        tally.clients_with_book += 1
    if any(payer.is_late() for payer in approved):
        tally.late_clients += 1

    status = ClientStatus.FINALIZADO if kind == "finished" else ClientStatus.ACTIVO
    if kind == "prospect" and rng.random() < 0.5:
        status = ClientStatus.INACTIVO
    client["status"] = status.value
    client["created_at"] = ctx.instant(first_day - timedelta(days=rng.randint(0, 60)))
    batch.rows["clients"].append(client)
    add_notifications(ctx, batch, client_id)


def _principal(rng: random.Random) -> Decimal:
    amount = rng.lognormvariate(PRINCIPAL_MU, PRINCIPAL_SIGMA)
    steps = round(min(max(amount, PRINCIPAL_MIN), PRINCIPAL_MAX) / PRINCIPAL_STEP)
    return Decimal(steps * PRINCIPAL_STEP).quantize(Decimal("0.01"))


def _base_date(ctx: Context, status: LoanStatus, frequency: Frequency, count: int) -> date:
    if status is LoanStatus.APROBADO:
        return ctx.days_ago(0, BOOK_DAYS - 1)
    if status is LoanStatus.LIQUIDADO:  # the last installment fell due well before today
        span = PERIOD_DAYS[frequency] * count
        return ctx.days_ago(span + 20, span + 400)
    if status is LoanStatus.RECHAZADO:
        return ctx.days_ago(0, BOOK_DAYS - 1)
    return ctx.days_ago(0, 45)


def _add_loan(
    ctx: Context, batch: Batch, client_id: int, status: LoanStatus
) -> tuple[date, LoanPayer | None]:
    rng = ctx.rng
    frequency = Frequency(_pick(rng, FREQUENCIES))
    count = 12 if rng.random() < TWELVE_SHARE else rng.choice(OTHER_COUNTS)
    rate = Decimal(0) if rng.random() < ZERO_RATE_SHARE else Decimal(rng.choice(RATES))
    principal = _principal(rng)
    base = _base_date(ctx, status, frequency, count)
    schedule = build_schedule(principal, rate, count, frequency, base)
    booked = status in (LoanStatus.APROBADO, LoanStatus.LIQUIDADO)
    created = base - timedelta(days=rng.randint(1, 14)) if booked else base
    loan_id = ctx.ids.next("loans")
    batch.rows["loans"].append(
        {
            "id": loan_id,
            "client_id": client_id,
            "principal": principal,
            "installment_amount": schedule.installment_amount,
            "installments_count": count,
            "frequency": frequency.value,
            "interest_rate": rate.quantize(Decimal("0.01")),
            "base_date": base,
            "status": status.value,
            "approved_at": ctx.instant(base) if booked else None,
            "created_at": ctx.instant(created),
        }
    )
    if not booked:
        return created, None
    installments = [
        InstallmentState(ctx.ids.next("installments"), number, due, amount)
        for number, (due, amount) in enumerate(
            zip(schedule.due_dates, schedule.amounts, strict=True), start=1
        )
    ]
    return created, LoanPayer(ctx, batch, client_id, loan_id, installments, base)


def _add_installments(batch: Batch, payer: LoanPayer, *, approved: bool) -> None:
    today = payer.ctx.today
    rows = batch.rows["installments"]
    for installment in payer.installments:
        rows.append(
            {
                "id": installment.id,
                "loan_id": payer.loan_id,
                "number": installment.number,
                "due_date": installment.due_date,
                "amount_due": installment.amount_due,
                "amount_paid": installment.amount_paid,
                "paid_date": installment.paid_date,
                "status": installment.status(today).value,
            }
        )
        if approved:
            batch.tally.outstanding += max(ZERO, installment.owed)
