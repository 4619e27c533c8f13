"""The schema, as SQLAlchemy models. Changes go through an Alembic migration too."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from service.domain import (
    ClientStatus,
    Frequency,
    InstallmentStatus,
    LoanStatus,
    NotificationChannel,
    NotificationStatus,
)

Money = Numeric(14, 2, asdecimal=True)


class UTCDateTime(TypeDecorator[datetime]):
    """An instant. Stored as ``timestamptz`` in PostgreSQL and as naive UTC text in SQLite
    (which has no time zones), always returned aware in UTC. Naive input is refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for an instant; attach a time zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _one_of(column: str, enum: type[StrEnum]) -> str:
    allowed = ", ".join(f"'{member.value}'" for member in enum)
    return f"{column} IN ({allowed})"


class Base(DeclarativeBase):
    pass


class Client(Base):
    __tablename__ = "clients"
    __table_args__ = (CheckConstraint(_one_of("status", ClientStatus), name="ck_clients_status"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    cedula: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12), default=ClientStatus.ACTIVO)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class Loan(Base):
    __tablename__ = "loans"
    __table_args__ = (
        CheckConstraint(_one_of("status", LoanStatus), name="ck_loans_status"),
        CheckConstraint(_one_of("frequency", Frequency), name="ck_loans_frequency"),
        CheckConstraint("principal > 0", name="ck_loans_principal_positive"),
        CheckConstraint("installments_count > 0", name="ck_loans_installments_positive"),
        CheckConstraint("interest_rate >= 0", name="ck_loans_interest_non_negative"),
        # KPIs read the book of APROBADO loans, grouped by client
        Index("ix_loans_status_client", "status", "client_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    principal: Mapped[Decimal] = mapped_column(Money)
    installment_amount: Mapped[Decimal] = mapped_column(Money)
    installments_count: Mapped[int] = mapped_column(Integer)
    frequency: Mapped[str] = mapped_column(String(10))
    interest_rate: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal("0"))
    base_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default=LoanStatus.DRAFT)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class Installment(Base):
    __tablename__ = "installments"
    __table_args__ = (
        CheckConstraint(_one_of("status", InstallmentStatus), name="ck_installments_status"),
        CheckConstraint("amount_due > 0", name="ck_installments_due_positive"),
        CheckConstraint(
            "amount_paid >= 0 AND amount_paid <= amount_due", name="ck_installments_paid_range"
        ),
        UniqueConstraint("loan_id", "number", name="uq_installments_loan_number"),
        # payments apply oldest due first; KPIs join installments to their loan
        Index("ix_installments_loan_due", "loan_id", "due_date", "number"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"))
    number: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date] = mapped_column(Date)
    amount_due: Mapped[Decimal] = mapped_column(Money)
    amount_paid: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    paid_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default=InstallmentStatus.PENDIENTE)


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("amount > 0", name="ck_payments_amount_positive"),
        # the monthly KPI window scans active payments by time
        Index(
            "ix_payments_active_paid_at",
            "paid_at",
            postgresql_where=text("active"),
            sqlite_where=text("active"),
        ),
        Index("ix_payments_loan_paid_at", "loan_id", "paid_at"),  # migration 0002
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    loan_id: Mapped[int | None] = mapped_column(ForeignKey("loans.id"), index=True)
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime())
    amount: Mapped[Decimal] = mapped_column(Money)
    document_number: Mapped[str | None] = mapped_column(String(100))
    reconciled: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class PaymentAllocation(Base):
    __tablename__ = "payment_allocations"
    __table_args__ = (CheckConstraint("amount > 0", name="ck_allocations_amount_positive"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    installment_id: Mapped[int] = mapped_column(ForeignKey("installments.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    position: Mapped[int] = mapped_column(Integer)


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint(_one_of("channel", NotificationChannel), name="ck_notifications_channel"),
        CheckConstraint(_one_of("status", NotificationStatus), name="ck_notifications_status"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default=NotificationStatus.PENDIENTE)
    subject: Mapped[str] = mapped_column(String(200), default="")
    read: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class IdempotencyKey(Base):
    """The first answer to a write sent with an ``Idempotency-Key`` header (migration 0002)."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("endpoint", "key", name="uq_idempotency_keys_endpoint_key"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    endpoint: Mapped[str] = mapped_column(String(100))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
