"""The access dependencies: a route declares ``_: ReadAccess`` or ``_: WriteAccess``.

Missing or bad token → 401 (with ``WWW-Authenticate: Bearer``), missing scope → 403, both in
the one error shape."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from service.auth.tokens import Claims, InvalidToken, verify_token
from service.errors import Forbidden, Unauthorized
from service.settings import Settings

# auto_error=False: we answer missing credentials ourselves, in the pagos error shape
_bearer = HTTPBearer(auto_error=False, description="pagos token: `pagos token create`")
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _claims(request: Request, credentials: HTTPAuthorizationCredentials | None) -> Claims:
    if credentials is None:
        raise Unauthorized("a bearer token is required (Authorization: Bearer …)")
    try:
        return verify_token(_settings(request).signing_key, credentials.credentials)
    except InvalidToken as exc:
        raise Unauthorized(str(exc), code="invalid_token") from exc


def _require(scope: str) -> Callable[[Request, HTTPAuthorizationCredentials | None], Claims]:
    def check(request: Request, credentials: BearerDep) -> Claims:
        claims = _claims(request, credentials)
        if scope not in claims.scopes:
            raise Forbidden(
                f"this token lacks the {scope!r} scope",
                [{"field": "scope", "message": f"required: {scope}"}],
            )
        return claims

    check.__name__ = f"require_{scope}"
    return check


ReadAccess = Annotated[Claims, Depends(_require("read"))]
WriteAccess = Annotated[Claims, Depends(_require("write"))]


def require_metrics_token(request: Request, credentials: BearerDep) -> None:
    """``/metrics`` takes its own optional token (``PAGOS_METRICS_TOKEN``), never a user's."""
    expected = _settings(request).metrics_token
    if expected is None:
        return
    if credentials is None:
        raise Unauthorized("/metrics requires the metrics token", code="unauthorized")
    given = credentials.credentials
    if not hmac.compare_digest(given.encode(), expected.get_secret_value().encode()):
        raise Unauthorized("that is not the metrics token", code="invalid_token")
