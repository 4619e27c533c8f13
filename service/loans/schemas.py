"""Loan and installment JSON, in the existing frontend's (Spanish) field names."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, BeforeValidator, Field

from service.api import parse_date, render_date, render_instant
from service.db.models import Installment, Loan
from service.domain import Frequency, InstallmentStatus, LoanStatus
from service.loans.rules import days_late, installment_status
from service.types import Amount, AsciiDecimal, Day, Id, Line

StrictDay = Annotated[Day, BeforeValidator(parse_date)]
MAX_INSTALLMENTS = 600
MAX_ANNUAL_RATE = Decimal("100")  # % a year; above it is a typo (999 for 9.99), not a loan


class LoanCreate(BaseModel):
    cliente_id: Id | None = None
    cedula: Annotated[Line | None, Field(max_length=20)] = None
    total_financiamiento: Amount
    numero_cuotas: Annotated[int, Field(ge=1, le=MAX_INSTALLMENTS, strict=True)]
    modalidad_pago: Frequency
    tasa_interes: Annotated[
        AsciiDecimal, Field(ge=0, le=MAX_ANNUAL_RATE, decimal_places=2, allow_inf_nan=False)
    ] = Decimal("0")
    # default: today in business time; the last due date must fall by 2999-12-31 too
    fecha_base_calculo: StrictDay | None = None


class LoanStatusChange(BaseModel):
    estado: LoanStatus


def loan_json(
    loan: Loan, cedula: str, installments: list[Installment], tz: ZoneInfo
) -> dict[str, Any]:
    total = sum((i.amount_due for i in installments), Decimal("0"))
    paid = sum((i.amount_paid for i in installments), Decimal("0"))
    return {
        "id": loan.id,
        "cliente_id": loan.client_id,
        "cedula": cedula,
        "total_financiamiento": loan.principal,
        "cuota_periodo": loan.installment_amount,
        "numero_cuotas": loan.installments_count,
        "modalidad_pago": loan.frequency,
        "tasa_interes": loan.interest_rate,
        "fecha_base_calculo": render_date(loan.base_date),
        "estado": loan.status,
        "fecha_aprobacion": render_instant(loan.approved_at, tz),
        "fecha_registro": render_instant(loan.created_at, tz),
        "total_a_pagar": total,
        "total_pagado": paid,
        "saldo_pendiente": total - paid,
    }


def installment_json(installment: Installment, today: date, *, owed: bool) -> dict[str, Any]:
    """``owed``: the loan is APROBADO or LIQUIDADO; otherwise nothing falls due or is late."""
    fields = _installment_fields(installment)
    if not owed:
        return {**fields, "estado": InstallmentStatus.PENDIENTE.value, "dias_mora": 0}
    due, paid = installment.amount_due, installment.amount_paid
    return {
        **fields,
        "estado": installment_status(due, paid, installment.due_date, today),
        "dias_mora": days_late(due, paid, installment.due_date, today),
    }


def _installment_fields(installment: Installment) -> dict[str, Any]:
    return {
        "id": installment.id,
        "prestamo_id": installment.loan_id,
        "numero_cuota": installment.number,
        "fecha_vencimiento": render_date(installment.due_date),
        "monto_cuota": installment.amount_due,
        "total_pagado": installment.amount_paid,
        "fecha_pago": render_date(installment.paid_date),
    }
