"""Payment JSON, in the existing frontend's (Spanish) field names."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, BeforeValidator, Field

from service.api import parse_instant, render_instant
from service.db.models import Payment
from service.types import Amount, Id, InstantInWindow, Line

Instant = Annotated[InstantInWindow, BeforeValidator(parse_instant)]


class PaymentCreate(BaseModel):
    cedula: Annotated[Line, Field(min_length=1, max_length=20)]
    prestamo_id: Id | None = None
    fecha_pago: Instant  # with an offset, or business time without one; years 1900..2999
    monto_pagado: Amount
    numero_documento: Annotated[Line | None, Field(max_length=100)] = None


def payment_json(payment: Payment, cedula: str, applied: Decimal, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "id": payment.id,
        "cliente_id": payment.client_id,
        "cedula": cedula,
        "prestamo_id": payment.loan_id,
        "fecha_pago": render_instant(payment.paid_at, tz),
        "monto_pagado": payment.amount,
        "numero_documento": payment.document_number,
        "conciliado": payment.reconciled,
        "activo": payment.active,
        "monto_aplicado": applied,
        # money of an active payment not (yet) applied to an installment: not reconciled, no
        # loan, or beyond what the whole loan owed
        "monto_sin_aplicar": payment.amount - applied if payment.active else Decimal("0"),
        "fecha_registro": render_instant(payment.created_at, tz),
    }


def allocation_json(installment_id: int, number: int, amount: Decimal) -> dict[str, Any]:
    return {"cuota_id": installment_id, "numero_cuota": number, "monto": amount}
