"""``/api/v1/clientes``: register, list (search by cédula or name), read one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.exc import IntegrityError

from service.api import PageDep, page_response
from service.auth import ReadAccess, WriteAccess
from service.clients.errors import ClientNotFound, DuplicateCedula
from service.clients.repository import client_by_cedula, client_by_id, list_clients
from service.clients.schemas import ClientCreate, client_json
from service.db.locking import begin_write
from service.db.models import Client
from service.deps import SessionDep, SettingsDep
from service.domain import ClientStatus
from service.responses import MoneyJSONResponse
from service.types import Id, Line

router = APIRouter(prefix="/api/v1/clientes", tags=["clientes"])


def _duplicate(cedula: str) -> DuplicateCedula:
    return DuplicateCedula(
        f"cedula {cedula}: a client with it already exists",
        [{"field": "cedula", "message": "already registered"}],
    )


@router.post("", status_code=201)
async def create_client(
    _: WriteAccess, body: ClientCreate, session: SessionDep, settings: SettingsDep
) -> MoneyJSONResponse:
    await begin_write(session)
    if await client_by_cedula(session, body.cedula) is not None:
        raise _duplicate(body.cedula)
    client = Client(
        cedula=body.cedula,
        name=body.nombres,
        email=body.email,
        phone=body.telefono,
        status=body.estado,
    )
    session.add(client)
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent registration of the same cédula won
        raise _duplicate(body.cedula) from exc
    await session.refresh(client)
    return MoneyJSONResponse(client_json(client, settings.tz), status_code=201)


@router.get("")
async def clients(
    _: ReadAccess,
    session: SessionDep,
    settings: SettingsDep,
    page: PageDep,
    search: Annotated[
        Line | None, Query(max_length=100, description="cédula prefix or part of the name")
    ] = None,
    estado: ClientStatus | None = None,
) -> MoneyJSONResponse:
    rows, total = await list_clients(session, page, search, estado)
    return page_response([client_json(c, settings.tz) for c in rows], total, page)


@router.get("/{client_id}")
async def client(
    _: ReadAccess, client_id: Id, session: SessionDep, settings: SettingsDep
) -> MoneyJSONResponse:
    found = await client_by_id(session, client_id)
    if found is None:
        raise ClientNotFound(f"no client with id {client_id}")
    return MoneyJSONResponse(client_json(found, settings.tz))
