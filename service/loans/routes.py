"""``/api/v1/prestamos``: create a DRAFT loan with its schedule, move its status, read it and
its installments (status derived per installment)."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth import ReadAccess, WriteAccess
from service.businesstime import business_today
from service.clients.repository import client_by_cedula, client_by_id
from service.clients.schemas import normalise_cedula
from service.db.models import Client
from service.deps import CacheDep, SessionDep, SettingsDep
from service.domain import LoanStatus
from service.errors import BadRequest
from service.loans.errors import LoanNotFound
from service.loans.repository import loan_installments, loan_with_cedula
from service.loans.schemas import LoanCreate, LoanStatusChange, installment_json, loan_json
from service.loans.service import change_status, create_loan
from service.responses import MoneyJSONResponse
from service.types import Id
from service.writes import KPIS, invalidate_on_commit, log_on_commit

router = APIRouter(prefix="/api/v1/prestamos", tags=["prestamos"])


async def _borrower(session: AsyncSession, body: LoanCreate) -> Client:
    if body.cliente_id is None and body.cedula is None:
        raise BadRequest(
            "give the client: cliente_id or cedula",
            [{"field": "cliente_id", "message": "cliente_id or cedula is required"}],
        )
    by_id = await client_by_id(session, body.cliente_id) if body.cliente_id else None
    if body.cliente_id is not None and by_id is None:
        raise BadRequest(
            f"no client with id {body.cliente_id}",
            [{"field": "cliente_id", "message": "unknown client"}],
        )
    if body.cedula is None:
        assert by_id is not None
        return by_id
    try:
        cedula = normalise_cedula(body.cedula)
    except ValueError as exc:
        raise BadRequest(str(exc), [{"field": "cedula", "message": str(exc)}]) from exc
    by_cedula = await client_by_cedula(session, cedula)
    if by_cedula is None or (by_id is not None and by_id.id != by_cedula.id):
        message = "unknown client" if by_cedula is None else "not the client of cliente_id"
        raise BadRequest(f"cedula {cedula}: {message}", [{"field": "cedula", "message": message}])
    return by_cedula


@router.post("", status_code=201)
async def create(
    _: WriteAccess, body: LoanCreate, session: SessionDep, settings: SettingsDep
) -> MoneyJSONResponse:
    client = await _borrower(session, body)
    loan, installments = await create_loan(
        session,
        client,
        body.total_financiamiento,
        body.numero_cuotas,
        body.modalidad_pago,
        body.tasa_interes,
        body.fecha_base_calculo or business_today(settings.tz),
    )
    # a DRAFT loan is not in the book: no KPI changes, nothing to invalidate
    return MoneyJSONResponse(
        loan_json(loan, client.cedula, installments, settings.tz), status_code=201
    )


def _touches_book(before: LoanStatus, after: LoanStatus) -> bool:
    return LoanStatus.APROBADO in (before, after)


@router.patch("/{loan_id}/estado")
async def set_status(
    _: WriteAccess,
    loan_id: Id,
    body: LoanStatusChange,
    session: SessionDep,
    cache: CacheDep,
    settings: SettingsDep,
) -> MoneyJSONResponse:
    loan, cedula, before = await change_status(session, loan_id, body.estado)
    log_on_commit(
        session, "loan_status_changed", loan_id=loan_id, previous=before, status=body.estado
    )
    if _touches_book(before, body.estado):
        invalidate_on_commit(session, cache, KPIS)
    installments = list(await loan_installments(session, loan_id))
    return MoneyJSONResponse(loan_json(loan, cedula, installments, settings.tz))


@router.get("/{loan_id}")
async def loan(
    _: ReadAccess, loan_id: Id, session: SessionDep, settings: SettingsDep
) -> MoneyJSONResponse:
    found = await loan_with_cedula(session, loan_id)
    if found is None:
        raise LoanNotFound(f"no loan with id {loan_id}")
    installments = list(await loan_installments(session, loan_id))
    return MoneyJSONResponse(loan_json(found[0], found[1], installments, settings.tz))


@router.get("/{loan_id}/cuotas")
async def installments(
    _: ReadAccess, loan_id: Id, session: SessionDep, settings: SettingsDep
) -> MoneyJSONResponse:
    found = await loan_with_cedula(session, loan_id)
    if found is None:
        raise LoanNotFound(f"no loan with id {loan_id}")
    # a loan not yet approved (or rejected) owes nothing: its schedule is a proposal, never late
    owed = found[0].status in (LoanStatus.APROBADO, LoanStatus.LIQUIDADO)
    today = business_today(settings.tz)
    rows = await loan_installments(session, loan_id)
    return MoneyJSONResponse({"items": [installment_json(i, today, owed=owed) for i in rows]})
