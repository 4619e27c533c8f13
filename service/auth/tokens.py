"""Creating and verifying pagos tokens: JWT signed with HS256 and ``PAGOS_SECRET_KEY``.

Claims: ``sub`` (who), ``scope`` (space-separated, RFC 8693 style), ``iss`` = ``pagos``,
``iat`` and ``exp``. A token without ``exp`` is refused: every token expires."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

import jwt

ALGORITHM = "HS256"
ISSUER = "pagos"
SCOPES = ("read", "write")
# clocks of the machine that issued a token and of the worker that checks it may differ a bit
LEEWAY_SECONDS = 10


class InvalidToken(ValueError):
    """The token is malformed, expired, not ours, or its signature does not match."""


@dataclass(frozen=True)
class Claims:
    subject: str
    scopes: frozenset[str]
    expires_at: int


def parse_scopes(raw: str | Iterable[str]) -> frozenset[str]:
    """``"read,write"``, ``"read write"`` or an iterable of names; unknown names are refused."""
    if isinstance(raw, str):
        raw = raw.replace(",", " ").split()
    scopes = frozenset(name.strip() for name in raw if name.strip())
    unknown = scopes - set(SCOPES)
    if unknown or not scopes:
        raise ValueError(f"scopes must be among {', '.join(SCOPES)}; got {sorted(scopes)}")
    return scopes


def create_token(
    secret: str,
    scopes: Iterable[str],
    ttl_seconds: int,
    subject: str = "operator",
    now: float | None = None,
) -> str:
    if ttl_seconds <= 0:
        raise ValueError("a token's time to live must be positive")
    issued = int(time.time() if now is None else now)
    payload = {
        "sub": subject,
        "scope": " ".join(sorted(parse_scopes(scopes))),
        "iss": ISSUER,
        "iat": issued,
        "exp": issued + ttl_seconds,
    }
    return jwt.encode(payload, secret, algorithm=ALGORITHM)


def verify_token(secret: str, token: str) -> Claims:
    try:
        payload = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],  # never "none", never what the token's header claims
            issuer=ISSUER,
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "iat", "iss", "sub"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise InvalidToken("the token has expired") from exc
    except jwt.PyJWTError as exc:
        raise InvalidToken("the token is not a valid pagos token") from exc
    scope = payload.get("scope")
    if not isinstance(scope, str):
        raise InvalidToken("the token carries no scope")
    try:
        scopes = parse_scopes(scope)
    except ValueError as exc:
        raise InvalidToken("the token carries unknown scopes") from exc
    return Claims(subject=str(payload["sub"]), scopes=scopes, expires_at=int(payload["exp"]))
