"""The loan book: clients, loans, installments, payments, allocations, notifications.

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_MONEY = sa.Numeric(14, 2)
_INSTANT = sa.DateTime(timezone=True)


def _one_of(column: str, *values: str) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "clients",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("cedula", sa.String(20), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(200)),
        sa.Column("phone", sa.String(40)),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("created_at", _INSTANT, nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint(
            _one_of("status", "ACTIVO", "INACTIVO", "FINALIZADO"), name="ck_clients_status"
        ),
    )
    op.create_table(
        "loans",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("client_id", _ID, sa.ForeignKey("clients.id"), nullable=False),
        sa.Column("principal", _MONEY, nullable=False),
        sa.Column("installment_amount", _MONEY, nullable=False),
        sa.Column("installments_count", sa.Integer, nullable=False),
        sa.Column("frequency", sa.String(10), nullable=False),
        sa.Column("interest_rate", sa.Numeric(6, 2), nullable=False),
        sa.Column("base_date", sa.Date, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("approved_at", _INSTANT),
        sa.Column("created_at", _INSTANT, nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint(
            _one_of("status", "DRAFT", "EN_REVISION", "APROBADO", "RECHAZADO", "LIQUIDADO"),
            name="ck_loans_status",
        ),
        sa.CheckConstraint(
            _one_of("frequency", "MENSUAL", "QUINCENAL", "SEMANAL"), name="ck_loans_frequency"
        ),
        sa.CheckConstraint("principal > 0", name="ck_loans_principal_positive"),
        sa.CheckConstraint("installments_count > 0", name="ck_loans_installments_positive"),
        sa.CheckConstraint("interest_rate >= 0", name="ck_loans_interest_non_negative"),
    )
    op.create_index("ix_loans_client_id", "loans", ["client_id"])
    op.create_index("ix_loans_status_client", "loans", ["status", "client_id"])

    op.create_table(
        "installments",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("loan_id", _ID, sa.ForeignKey("loans.id"), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("amount_due", _MONEY, nullable=False),
        sa.Column("amount_paid", _MONEY, nullable=False),
        sa.Column("paid_date", sa.Date),
        sa.Column("status", sa.String(10), nullable=False),
        sa.CheckConstraint(
            _one_of("status", "PENDIENTE", "PARCIAL", "PAGADO", "VENCIDO", "MORA"),
            name="ck_installments_status",
        ),
        sa.CheckConstraint("amount_due > 0", name="ck_installments_due_positive"),
        sa.CheckConstraint(
            "amount_paid >= 0 AND amount_paid <= amount_due", name="ck_installments_paid_range"
        ),
        sa.UniqueConstraint("loan_id", "number", name="uq_installments_loan_number"),
    )
    op.create_index("ix_installments_loan_due", "installments", ["loan_id", "due_date", "number"])

    op.create_table(
        "payments",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("client_id", _ID, sa.ForeignKey("clients.id"), nullable=False),
        sa.Column("loan_id", _ID, sa.ForeignKey("loans.id")),
        sa.Column("paid_at", _INSTANT, nullable=False),
        sa.Column("amount", _MONEY, nullable=False),
        sa.Column("document_number", sa.String(100)),
        sa.Column("reconciled", sa.Boolean, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", _INSTANT, nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("amount > 0", name="ck_payments_amount_positive"),
    )
    op.create_index("ix_payments_client_id", "payments", ["client_id"])
    op.create_index("ix_payments_loan_id", "payments", ["loan_id"])
    op.create_index(
        "ix_payments_active_paid_at",
        "payments",
        ["paid_at"],
        postgresql_where=sa.text("active"),
        sqlite_where=sa.text("active"),
    )

    op.create_table(
        "payment_allocations",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("payment_id", _ID, sa.ForeignKey("payments.id"), nullable=False),
        sa.Column("installment_id", _ID, sa.ForeignKey("installments.id"), nullable=False),
        sa.Column("amount", _MONEY, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.CheckConstraint("amount > 0", name="ck_allocations_amount_positive"),
    )
    op.create_index("ix_payment_allocations_payment_id", "payment_allocations", ["payment_id"])
    op.create_index(
        "ix_payment_allocations_installment_id", "payment_allocations", ["installment_id"]
    )

    op.create_table(
        "notifications",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("client_id", _ID, sa.ForeignKey("clients.id"), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("read", sa.Boolean, nullable=False),
        sa.Column("created_at", _INSTANT, nullable=False, server_default=sa.func.now()),
        sa.Column("sent_at", _INSTANT),
        sa.CheckConstraint(
            _one_of("channel", "EMAIL", "SMS", "WHATSAPP"), name="ck_notifications_channel"
        ),
        sa.CheckConstraint(
            _one_of("status", "PENDIENTE", "ENVIADA", "FALLIDA", "CANCELADA"),
            name="ck_notifications_status",
        ),
    )
    op.create_index("ix_notifications_client_id", "notifications", ["client_id"])


def downgrade() -> None:
    for table in (
        "notifications",
        "payment_allocations",
        "payments",
        "installments",
        "loans",
        "clients",
    ):
        op.drop_table(table)
