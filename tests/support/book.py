"""Small, hand-made loan books written straight into the database for tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import create_async_engine

from service.db.models import Client, Installment, Loan, Notification, Payment
from service.db.url import async_database_url

Row = dict[str, Any]


@dataclass
class Book:
    clients: list[Row] = field(default_factory=list)
    loans: list[Row] = field(default_factory=list)
    installments: list[Row] = field(default_factory=list)
    payments: list[Row] = field(default_factory=list)
    notifications: list[Row] = field(default_factory=list)

    def client(self) -> int:
        client_id = len(self.clients) + 1
        self.clients.append(
            {
                "id": client_id,
                "cedula": f"V{10_000_000 + client_id}",
                "name": f"Cliente {client_id}",
                "status": "ACTIVO",
            }
        )
        return client_id

    def loan(
        self,
        client_id: int,
        schedule: list[tuple[date, str, str]],
        status: str = "APROBADO",
    ) -> int:
        """``schedule``: (due date, amount due, amount paid) per installment."""
        loan_id = len(self.loans) + 1
        total = sum((Decimal(due) for _, due, _ in schedule), Decimal("0"))
        self.loans.append(
            {
                "id": loan_id,
                "client_id": client_id,
                "principal": total,
                "installment_amount": Decimal(schedule[0][1]),
                "installments_count": len(schedule),
                "frequency": "MENSUAL",
                "interest_rate": Decimal("0"),
                "base_date": schedule[0][0],
                "status": status,
            }
        )
        for number, (due_date, due, paid) in enumerate(schedule, start=1):
            self.installments.append(
                {
                    "id": len(self.installments) + 1,
                    "loan_id": loan_id,
                    "number": number,
                    "due_date": due_date,
                    "amount_due": Decimal(due),
                    "amount_paid": Decimal(paid),
                    "status": "PENDIENTE",
                }
            )
        return loan_id

    def payment(
        self,
        client_id: int,
        paid_at: datetime,
        amount: str,
        *,
        loan_id: int | None = None,
        document_number: str | None = "REF-0001",
        reconciled: bool = True,
        active: bool = True,
    ) -> None:
        assert paid_at.tzinfo is not None
        self.payments.append(
            {
                "id": len(self.payments) + 1,
                "client_id": client_id,
                "loan_id": loan_id,
                "paid_at": paid_at,
                "amount": Decimal(amount),
                "document_number": document_number,
                "reconciled": reconciled,
                "active": active,
            }
        )

    def notification(
        self, client_id: int, status: str, *, read: bool, channel: str = "EMAIL"
    ) -> None:
        self.notifications.append(
            {
                "id": len(self.notifications) + 1,
                "client_id": client_id,
                "channel": channel,
                "status": status,
                "subject": "Recordatorio de pago",
                "read": read,
                "sent_at": datetime.now(UTC) if status == "ENVIADA" else None,
            }
        )

    async def write(self, database_url: str) -> None:
        engine = create_async_engine(async_database_url(database_url))
        try:
            async with engine.begin() as connection:
                for model, rows in (
                    (Client, self.clients),
                    (Loan, self.loans),
                    (Installment, self.installments),
                    (Payment, self.payments),
                    (Notification, self.notifications),
                ):
                    if rows:
                        await connection.execute(insert(model), rows)
                if engine.dialect.name == "postgresql":
                    for table in ("clients", "loans", "installments", "payments", "notifications"):
                        await connection.exec_driver_sql(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                        )
        finally:
            await engine.dispose()


async def read_rows(database_url: str) -> dict[str, list[Row]]:
    """Every row of the KPI tables, as plain dicts, for the reference computations."""
    engine = create_async_engine(async_database_url(database_url))
    try:
        async with engine.connect() as connection:
            tables: dict[str, list[Row]] = {}
            for name, model in (
                ("payments", Payment),
                ("installments", Installment),
                ("loans", Loan),
                ("notifications", Notification),
            ):
                result = await connection.execute(select(model.__table__))
                tables[name] = [dict(row._mapping) for row in result]
            return tables
    finally:
        await engine.dispose()
