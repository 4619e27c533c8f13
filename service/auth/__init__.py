"""Bearer tokens (JWT, HS256) with the scopes ``read`` and ``write``, and the dependency
types routes declare: ``_: ReadAccess`` or ``_: WriteAccess``."""

from __future__ import annotations

from service.auth.dependencies import ReadAccess, WriteAccess, require_metrics_token
from service.auth.tokens import SCOPES, Claims, InvalidToken, create_token, verify_token

__all__ = [
    "SCOPES",
    "Claims",
    "InvalidToken",
    "ReadAccess",
    "WriteAccess",
    "create_token",
    "require_metrics_token",
    "verify_token",
]
