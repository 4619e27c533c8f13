"""``Idempotency-Key``: a retried write gets the first answer; the same key with another body
is a 409. The key is claimed first, in the request's own transaction, so a concurrent twin
waits on the unique index (PostgreSQL) or on the single writer (SQLite) and then replays the
answer the first one committed; a write that fails leaves no claim behind."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import orjson
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from service.db.locking import begin_write
from service.db.models import IdempotencyKey
from service.errors import Conflict

REPLAYED_HEADER = "Idempotent-Replayed"


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"


@dataclass(frozen=True)
class Claim:
    row: IdempotencyKey


def request_digest(body: BaseModel) -> str:
    canonical = orjson.dumps(body.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()


async def _stored(session: AsyncSession, endpoint: str, key: str) -> IdempotencyKey | None:
    query = select(IdempotencyKey).where(
        IdempotencyKey.endpoint == endpoint, IdempotencyKey.key == key
    )
    return (await session.execute(query)).scalar_one_or_none()


def _replay(stored: IdempotencyKey, digest: str) -> Response:
    if stored.request_hash != digest:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was used with another request body",
            [{"field": "Idempotency-Key", "message": "already used with a different body"}],
        )
    return Response(
        stored.response_body,
        status_code=stored.status_code,
        media_type="application/json",
        headers={REPLAYED_HEADER: "true"},
    )


async def claim(session: AsyncSession, endpoint: str, key: str, digest: str) -> Claim | Response:
    """The first answer to replay, or a claim to ``remember`` this request's answer under."""
    await begin_write(session)
    stored = await _stored(session, endpoint, key)
    if stored is not None:
        return _replay(stored, digest)
    row = IdempotencyKey(
        key=key, endpoint=endpoint, request_hash=digest, status_code=0, response_body=""
    )
    if session.get_bind().dialect.name == "sqlite":  # one writer at a time: no twin can race
        session.add(row)
        await session.flush()
        return Claim(row)
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:  # a twin claimed it first; its transaction has now ended
        stored = await _stored(session, endpoint, key)
        if stored is None or stored.status_code == 0:
            raise IdempotencyKeyReused(
                "a request with this Idempotency-Key is still in progress; retry shortly",
                [{"field": "Idempotency-Key", "message": "in progress"}],
            ) from None
        return _replay(stored, digest)
    return Claim(row)


async def remember(session: AsyncSession, claimed: Claim, response: Response) -> None:
    claimed.row.status_code = response.status_code
    claimed.row.response_body = bytes(response.body).decode()
    await session.flush()
