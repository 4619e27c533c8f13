"""How clients pay a loan: payments in time order, applied oldest due first.

``LoanPayer`` is a small simulation of one loan's life up to ``today``. Every reconciled,
active, assigned payment is applied at once to the oldest uncovered installment (due date,
then number), the excess carrying to the next one, each application being a
``payment_allocations`` row. Other payments are recorded and never applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from service.domain import MORA_AFTER_DAYS, InstallmentStatus, money
from service.seed.context import ZERO, Batch, Context, Row
from service.seed.people import document_number

UNDEFINED_DOCUMENT_SHARE = 0.07
STRAY_UNRECONCILED_SHARE = 0.22  # loans with a transfer nobody has matched yet
STRAY_INACTIVE_SHARE = 0.04  # loans with a reversed (inactive) payment
EARLY_PAYER_SHARE = 0.25  # punctual clients who pay an installment due next week already


@dataclass(slots=True)
class InstallmentState:
    id: int
    number: int
    due_date: date
    amount_due: Decimal
    amount_paid: Decimal = ZERO
    paid_date: date | None = None

    @property
    def owed(self) -> Decimal:
        return self.amount_due - self.amount_paid

    def status(self, today: date) -> InstallmentStatus:
        if self.amount_paid >= self.amount_due:
            return InstallmentStatus.PAGADO
        days_late = (today - self.due_date).days
        if days_late >= MORA_AFTER_DAYS:
            return InstallmentStatus.MORA
        if days_late >= 1:
            return InstallmentStatus.VENCIDO
        return InstallmentStatus.PARCIAL if self.amount_paid > 0 else InstallmentStatus.PENDIENTE


class LoanPayer:
    def __init__(
        self,
        ctx: Context,
        batch: Batch,
        client_id: int,
        loan_id: int,
        installments: list[InstallmentState],
        base_date: date,
    ) -> None:
        self.ctx, self.batch = ctx, batch
        self.client_id, self.loan_id = client_id, loan_id
        self.installments = installments
        self.base_date = base_date
        self.last_day = base_date
        self.last_instant: datetime | None = None
        self.first_open = 0  # index of the oldest installment not fully covered

    # -- recording and applying ------------------------------------------------------------

    def record(
        self,
        day: date,
        amount: Decimal,
        *,
        reconciled: bool = True,
        active: bool = True,
        assigned: bool = True,
        undefined_share: float = UNDEFINED_DOCUMENT_SHARE,
    ) -> Row | None:
        ctx = self.ctx
        if amount <= 0 or day > ctx.today:
            return None
        applied = reconciled and active and assigned
        if applied:  # applied payments keep time order, so a replay gives the same result
            day = max(day, self.last_day)
        paid_at = ctx.instant(day)
        if applied and self.last_instant is not None and paid_at <= self.last_instant:
            paid_at = self.last_instant + timedelta(minutes=ctx.rng.randint(3, 30))
        if paid_at > ctx.not_after:  # kept in order, it would be after the seed ran
            return None
        row: Row = {
            "id": ctx.ids.next("payments"),
            "client_id": self.client_id,
            "loan_id": self.loan_id if assigned else None,
            "paid_at": paid_at,
            "amount": amount,
            "document_number": document_number(ctx.rng, undefined_share),
            "reconciled": reconciled,
            "active": active,
            "created_at": ctx.at_most_now(paid_at + timedelta(minutes=ctx.rng.randint(1, 20))),
        }
        self.batch.rows["payments"].append(row)
        if active and ctx.month_start <= day:
            self.batch.tally.month_payments += 1
            self.batch.tally.month_amount += amount
        if applied:
            self.last_day, self.last_instant = day, paid_at
            self._apply(row["id"], amount, day)
        return row

    def _apply(self, payment_id: int, amount: Decimal, day: date) -> None:
        remaining, position = amount, 0
        while remaining > 0 and self.first_open < len(self.installments):
            installment = self.installments[self.first_open]
            take = min(installment.owed, remaining)
            position += 1
            self.batch.rows["payment_allocations"].append(
                {
                    "id": self.ctx.ids.next("payment_allocations"),
                    "payment_id": payment_id,
                    "installment_id": installment.id,
                    "amount": take,
                    "position": position,
                }
            )
            installment.amount_paid += take
            remaining -= take
            if installment.owed == 0:
                installment.paid_date = day
                self.first_open += 1

    def owed_through(self, index: int) -> Decimal:
        return sum((i.owed for i in self.installments[: index + 1]), ZERO)

    # -- behaviours ------------------------------------------------------------------------

    def _offset_punctual(self) -> int:
        draw = self.ctx.rng.random()
        if draw < 0.35:
            return -self.ctx.rng.randint(1, 7)
        return 0 if draw < 0.6 else self.ctx.rng.randint(1, 12)

    def _past_due(self) -> int:
        return sum(1 for i in self.installments if i.due_date < self.ctx.today)

    def pay_punctually(self) -> None:
        """Every installment due before today ends up covered; payments sometimes split,
        combine two installments, or round up (the excess carries to the next one)."""
        rng, today, count = self.ctx.rng, self.ctx.today, len(self.installments)
        index = 0
        while index < count:
            installment = self.installments[index]
            if installment.due_date >= today:
                soon = installment.due_date <= today + timedelta(days=7)
                if soon and rng.random() < EARLY_PAYER_SHARE:
                    day = today - timedelta(days=rng.randint(0, 3))
                    self.record(day, self.owed_through(index))
                break
            owed = self.owed_through(index)
            day = min(installment.due_date + timedelta(days=self._offset_punctual()), today)
            draw = rng.random()
            if owed <= 0:
                pass
            elif draw < 0.07:
                first = money(owed * Decimal(rng.randint(30, 70)) / 100)
                self.record(day, first)
                self.record(min(day + timedelta(days=rng.randint(1, 10)), today), owed - first)
            elif draw < 0.12 and index + 1 < count and self._due_soon(index + 1):
                self.record(day, self.owed_through(index + 1))
                index += 1
            elif draw < 0.15 and index + 1 < count:
                self.record(day, owed + Decimal(rng.choice((5, 10, 20, 50))))
            else:
                self.record(day, owed)
            index += 1

    def _due_soon(self, index: int) -> bool:
        return self.installments[index].due_date <= self.ctx.today + timedelta(days=5)

    def pay_late(self) -> bool:
        """Leave at least one installment due before today uncovered; False when the loan
        has nothing due yet (so it cannot be late)."""
        rng, today = self.ctx.rng, self.ctx.today
        past = self._past_due()
        if past == 0:
            return False
        if rng.random() < 0.35:  # pays something every period, never enough
            for installment in self.installments[:past]:
                share = Decimal(rng.randint(40, 95)) / 100
                amount = Decimal(int(installment.amount_due * share / 5) * 5)
                day = installment.due_date + timedelta(days=rng.randint(0, 20))
                self.record(min(day, today), amount)
            return True
        if rng.random() < 0.5:
            stop = rng.randrange(past)
        else:  # most arrears are recent
            stop = max(0, past - rng.choice((1, 1, 1, 2, 3)))
        for index in range(stop):
            day = self.installments[index].due_date + timedelta(days=rng.randint(-3, 15))
            self.record(min(day, today), self.owed_through(index))
        if rng.random() < 0.4:
            stopped = self.installments[stop]
            share = Decimal(rng.randint(20, 80)) / 100
            day = stopped.due_date + timedelta(days=rng.randint(0, 10))
            self.record(min(day, today), money(stopped.owed * share))
        return True

    def pay_off(self) -> None:
        """A LIQUIDADO loan: every installment paid, sometimes the rest at once."""
        rng, count = self.ctx.rng, len(self.installments)
        payoff_at = rng.randrange(count) if rng.random() < 0.3 else count
        for index, installment in enumerate(self.installments):
            day = installment.due_date + timedelta(days=rng.randint(-5, 5))
            if index == payoff_at:
                self.record(day, self.owed_through(count - 1))
                break
            self.record(day, self.owed_through(index))

    def add_strays(self) -> None:
        """Payments that are never applied: unmatched transfers and reversals."""
        rng, today = self.ctx.rng, self.ctx.today
        first_day = self.base_date + timedelta(days=1)
        if first_day > today:
            return
        regular = self.installments[0].amount_due
        for share, kind in (
            (STRAY_UNRECONCILED_SHARE, "unreconciled"),
            (STRAY_INACTIVE_SHARE, "inactive"),
        ):
            if rng.random() >= share:
                continue
            day = max(first_day, today - timedelta(days=rng.randint(0, 60)))
            if kind == "unreconciled":
                self.record(day, regular, reconciled=False, undefined_share=0.35)
            else:
                self.record(day, regular, active=False, reconciled=rng.random() < 0.5)

    # -- results ---------------------------------------------------------------------------

    def is_late(self) -> bool:
        today = self.ctx.today
        return any(i.due_date < today and i.owed > 0 for i in self.installments)
