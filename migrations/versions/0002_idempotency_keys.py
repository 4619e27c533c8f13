"""Idempotency keys of write requests: the first answer, replayed on a retry.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("endpoint", sa.String(100), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer, nullable=False),
        sa.Column("response_body", sa.Text, nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.UniqueConstraint("endpoint", "key", name="uq_idempotency_keys_endpoint_key"),
    )
    # the write path lists a loan's payments and a client's payments by time
    op.create_index("ix_payments_loan_paid_at", "payments", ["loan_id", "paid_at"])


def downgrade() -> None:
    op.drop_index("ix_payments_loan_paid_at", table_name="payments")
    op.drop_table("idempotency_keys")
