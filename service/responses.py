"""JSON rendering: money (Decimal) leaves as a JSON number with exactly two decimals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
from starlette.responses import JSONResponse

from service.domain import money


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        # a Fragment is written verbatim: 1450 becomes 1450.00, never 1450.0 or "1450.00"
        return orjson.Fragment(str(money(value)).encode())
    raise TypeError(f"cannot render {type(value).__name__} as JSON")


def dumps(content: Any) -> bytes:
    return orjson.dumps(content, default=_default, option=orjson.OPT_NON_STR_KEYS)


class MoneyJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return dumps(content)
