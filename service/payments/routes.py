"""``/api/v1/pagos``: record (idempotent with ``Idempotency-Key``), list, reconcile, delete.
Every write bumps the ``kpis`` generation after it commits."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Header, Query
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from service.api import PageDep, as_business_instant, page_response
from service.auth import ReadAccess, WriteAccess
from service.businesstime import business_today
from service.clients.repository import client_by_cedula
from service.clients.schemas import normalise_cedula
from service.deps import CacheDep, SessionDep, SettingsDep
from service.errors import BadRequest
from service.idempotency import claim, remember, request_digest
from service.payments.repository import PaymentFilters, list_payments, payment_row
from service.payments.schemas import PaymentCreate, allocation_json, payment_json
from service.payments.service import Application, deactivate, reconcile, record_payment
from service.responses import MoneyJSONResponse
from service.types import Day, Id, Line
from service.writes import KPIS, invalidate_on_commit, log_on_commit

router = APIRouter(prefix="/api/v1/pagos", tags=["pagos"])
ENDPOINT_CREATE = "POST /api/v1/pagos"
IdempotencyKeyHeader = Annotated[
    Line | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)
]


def _cedula(raw: str) -> str:
    try:
        return normalise_cedula(raw)
    except ValueError as exc:
        raise BadRequest(str(exc), [{"field": "cedula", "message": str(exc)}]) from exc


@router.post("", status_code=201)
async def create_payment(
    _: WriteAccess,
    body: PaymentCreate,
    session: SessionDep,
    cache: CacheDep,
    settings: SettingsDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    paid_at = as_business_instant(body.fecha_pago, settings.tz)
    today = business_today(settings.tz)
    if paid_at.astimezone(settings.tz).date() > today:  # refused before anything is touched
        raise BadRequest(
            f"fecha_pago: a payment received cannot be dated after today ({today.isoformat()})",
            [{"field": "fecha_pago", "message": f"after today ({today.isoformat()})"}],
        )
    claimed = None
    if idempotency_key is not None:
        outcome = await claim(session, ENDPOINT_CREATE, idempotency_key, request_digest(body))
        if isinstance(outcome, Response):
            return outcome
        claimed = outcome
    cedula = _cedula(body.cedula)
    client = await client_by_cedula(session, cedula)
    if client is None:
        raise BadRequest(
            f"cedula {cedula}: unknown client", [{"field": "cedula", "message": "unknown client"}]
        )
    payment = await record_payment(
        session, client, body.prestamo_id, paid_at, body.monto_pagado, body.numero_documento
    )
    response = MoneyJSONResponse(
        payment_json(payment, client.cedula, Decimal("0"), settings.tz), status_code=201
    )
    if claimed is not None:
        await remember(session, claimed, response)
    invalidate_on_commit(session, cache, KPIS)
    log_on_commit(
        session, "payment_recorded", payment_id=payment.id, loan_id=payment.loan_id,
        amount=str(payment.amount),
    )  # fmt: skip
    return response


async def _answer(
    session: AsyncSession, application: Application, tz: ZoneInfo, key: str
) -> MoneyJSONResponse:
    row = await payment_row(session, application.payment.id)
    assert row is not None
    body = payment_json(*row, tz)
    body[key] = [allocation_json(i.id, i.number, amount) for i, amount in application.allocations]
    return MoneyJSONResponse(body)


@router.post("/{payment_id}/conciliar")
async def reconcile_payment(
    _: WriteAccess, payment_id: Id, session: SessionDep, cache: CacheDep, settings: SettingsDep
) -> MoneyJSONResponse:
    application = await reconcile(session, payment_id, settings.tz)
    invalidate_on_commit(session, cache, KPIS)
    log_on_commit(
        session,
        "payment_reconciled",
        payment_id=payment_id,
        loan_id=application.payment.loan_id,
        installments=len(application.allocations),
        applied=str(application.applied),
        unapplied=str(application.payment.amount - application.applied),
    )
    return await _answer(session, application, settings.tz, "aplicaciones")


@router.delete("/{payment_id}")
async def delete_payment(
    _: WriteAccess, payment_id: Id, session: SessionDep, cache: CacheDep, settings: SettingsDep
) -> MoneyJSONResponse:
    reversed_ = await deactivate(session, payment_id, settings.tz)
    invalidate_on_commit(session, cache, KPIS)
    log_on_commit(
        session,
        "payment_deactivated",
        payment_id=payment_id,
        loan_id=reversed_.payment.loan_id,
        reversed=str(reversed_.applied),
    )
    return await _answer(session, reversed_, settings.tz, "aplicaciones_revertidas")


def _day_start(day: date | None, tz: ZoneInfo, *, after: bool = False) -> datetime | None:
    if day is None:
        return None
    return datetime.combine(day + timedelta(days=1) if after else day, time.min, tzinfo=tz)


@router.get("")
async def payments(
    _: ReadAccess,
    session: SessionDep,
    settings: SettingsDep,
    page: PageDep,
    cliente_id: Id | None = None,
    cedula: Annotated[Line | None, Query(max_length=20)] = None,
    prestamo_id: Id | None = None,
    fecha_desde: Annotated[Day | None, Query(description="first business day, YYYY-MM-DD")] = None,
    fecha_hasta: Annotated[Day | None, Query(description="last business day, inclusive")] = None,
    conciliado: bool | None = None,
    activo: bool | None = None,
) -> MoneyJSONResponse:
    if fecha_desde and fecha_hasta and fecha_hasta < fecha_desde:
        raise BadRequest(
            "fecha_hasta is before fecha_desde",
            [{"field": "fecha_hasta", "message": "must not be before fecha_desde"}],
        )
    filters = PaymentFilters(
        client_id=cliente_id,
        cedula=_cedula(cedula) if cedula else None,
        loan_id=prestamo_id,
        paid_from=_day_start(fecha_desde, settings.tz),
        paid_until=_day_start(fecha_hasta, settings.tz, after=True),
        reconciled=conciliado,
        active=activo,
    )
    rows, total = await list_payments(session, filters, page)
    return page_response([payment_json(*row, settings.tz) for row in rows], total, page)
