"""Cache values are JSON with a format version; Decimal, date and datetime survive the trip.
Never pickle: a value written by one version of pagos must not execute in another."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson

FORMAT_VERSION = 1
_TAG = "$t"


class UndecodableValue(ValueError):
    """A cached value that is not a pagos value of the current format."""


def _tag(value: Any) -> Any:
    if isinstance(value, Decimal):
        return {_TAG: "decimal", "v": str(value)}
    if isinstance(value, datetime):
        return {_TAG: "datetime", "v": value.isoformat()}
    if isinstance(value, date):
        return {_TAG: "date", "v": value.isoformat()}
    raise TypeError(f"cannot cache a value of type {type(value).__name__}")


def _untag(value: Any) -> Any:
    if isinstance(value, dict):
        kind = value.get(_TAG)
        if kind == "decimal":
            return Decimal(value["v"])
        if kind == "datetime":
            return datetime.fromisoformat(value["v"])
        if kind == "date":
            return date.fromisoformat(value["v"])
        return {key: _untag(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_untag(item) for item in value]
    return value


def encode(value: Any) -> bytes:
    return orjson.dumps(
        {"format": FORMAT_VERSION, "value": value},
        default=_tag,
        option=orjson.OPT_PASSTHROUGH_DATETIME,
    )


def decode(raw: bytes) -> Any:
    try:
        envelope = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise UndecodableValue("not JSON") from exc
    if not isinstance(envelope, dict) or envelope.get("format") != FORMAT_VERSION:
        raise UndecodableValue("unknown format")
    try:
        return _untag(envelope["value"])
    except (KeyError, ValueError, ArithmeticError) as exc:
        raise UndecodableValue("bad tagged value") from exc
