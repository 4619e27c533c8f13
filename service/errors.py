"""One error hierarchy, one renderer: every failure leaves pagos in the same JSON shape
``{error, message, details, request_id}``. 500 is only for bugs.

    PagosError
    ├── BadRequest (422, validation_error)
    ├── Unauthorized (401, unauthorized | invalid_token)
    ├── Forbidden (403, forbidden)
    ├── NotFound (404, not_found)
    ├── Conflict (409, conflict; subclasses name the business fact)
    └── DatabaseUnavailable (503, database_unavailable)
"""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.db.failures import DATABASE_ERRORS, database_unavailable
from service.responses import MoneyJSONResponse
from telemetry.metrics import METRICS
from telemetry.middleware import STATE_REQUEST_ID

logger = structlog.get_logger("service.errors")


class PagosError(Exception):
    status_code = 500
    code = "internal_error"

    headers: dict[str, str] | None = None

    def __init__(
        self,
        message: str,
        details: list[dict[str, Any]] | None = None,
        *,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []
        if code is not None:
            self.code = code


class BadRequest(PagosError):
    status_code = 422
    code = "validation_error"


class Unauthorized(PagosError):
    status_code = 401
    code = "unauthorized"
    headers = {"WWW-Authenticate": "Bearer"}  # noqa: RUF012 (read-only, never mutated)


class Forbidden(PagosError):
    status_code = 403
    code = "forbidden"


class NotFound(PagosError):
    status_code = 404
    code = "not_found"


class Conflict(PagosError):
    status_code = 409
    code = "conflict"


class DatabaseUnavailable(PagosError):
    status_code = 503
    code = "database_unavailable"


def error_response(
    request: Request,
    status_code: int,
    code: str,
    message: str,
    details: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> MoneyJSONResponse:
    body = {
        "error": code,
        "message": message,
        "details": details or [],
        "request_id": request.scope.get("state", {}).get(STATE_REQUEST_ID),
    }
    return MoneyJSONResponse(body, status_code=status_code, headers=headers)


def _field_name(location: tuple[Any, ...]) -> str:
    parts = [str(part) for part in location if part not in ("query", "body", "path", "header")]
    return ".".join(parts) or "request"


async def _pagos_error(request: Request, exc: Exception) -> MoneyJSONResponse:
    assert isinstance(exc, PagosError)
    return error_response(
        request, exc.status_code, exc.code, exc.message, exc.details, headers=exc.headers
    )


def _json_media_type(content_type: str) -> bool:
    media_type = content_type.partition(";")[0].strip().lower()
    # no Content-Type at all is read as JSON (FastAPI does)
    return media_type in ("", "application/json") or media_type.endswith("+json")


def _message(error: Any) -> str:
    # a length checked after our text validators reads "at most 200 items" in pydantic's
    # words; for text the unit is characters
    kind, context = error.get("type"), error.get("ctx") or {}
    if kind in ("too_long", "too_short") and isinstance(error.get("input"), str):
        bound = "at most" if kind == "too_long" else "at least"
        limit = context.get("max_length" if kind == "too_long" else "min_length")
        unit = "character" if limit == 1 else "characters"
        return f"expected {bound} {limit} {unit}, got {len(error['input'])}"
    return str(error["msg"])


async def _validation_error(request: Request, exc: Exception) -> MoneyJSONResponse:
    assert isinstance(exc, RequestValidationError)
    body_refused = any(tuple(error["loc"])[:1] == ("body",) for error in exc.errors())
    if body_refused and not _json_media_type(request.headers.get("content-type", "")):
        return error_response(
            request,
            415,
            "unsupported_media_type",
            "the request body must be JSON (Content-Type: application/json), not "
            f"{request.headers['content-type'].partition(';')[0].strip()[:80]}",
        )
    details = [
        {
            # a body that is not JSON at all: the field is the body, not a character offset
            "field": "body"
            if error.get("type") == "json_invalid"
            else _field_name(tuple(error["loc"])),
            "message": _message(error),
        }
        for error in exc.errors()
    ]
    fields = ", ".join(sorted({d["field"] for d in details}))
    return error_response(request, 422, "validation_error", f"invalid {fields}", details)


async def _http_error(request: Request, exc: Exception) -> MoneyJSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    codes = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}
    code = codes.get(exc.status_code, "http_error")
    return error_response(
        request, exc.status_code, code, str(exc.detail), headers=getattr(exc, "headers", None)
    )


async def _database_failure(request: Request, exc: Exception) -> MoneyJSONResponse:
    if not database_unavailable(exc):  # a driver error the statement caused: a bug, a 500
        raise exc
    METRICS.db_errors.labels(type(exc).__name__).inc()
    cause = getattr(exc, "orig", None) or exc
    logger.error(
        "database_error",
        error=type(exc).__name__,
        cause=f"{type(cause).__name__}: {str(cause)[:200]}",
        path=request.url.path,
    )
    return error_response(
        request, 503, "database_unavailable", "the database is unavailable; try again shortly"
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(PagosError, _pagos_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    for failure in DATABASE_ERRORS:
        app.add_exception_handler(failure, _database_failure)
