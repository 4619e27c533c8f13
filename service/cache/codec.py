"""Cache values are JSON with a format version; Decimal, date and datetime survive the trip.
Never pickle: a value written by one version of pagos must not execute in another."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

import orjson

FORMAT_VERSION = 2
_TAG = "$t"


class Entry(NamedTuple):  # a tuple: built on every hit, it must cost next to nothing
    value: Any
    fresh_until: float  # epoch seconds; after it the value is stale but may still be served
    generation: int = 0  # the namespace generation it was computed under

    def is_fresh(self, now: float) -> bool:
        return now < self.fresh_until


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
        return {
            key: _untag(item) if type(item) in _CONTAINERS else item for key, item in value.items()
        }
    if isinstance(value, list):
        return [_untag(item) if type(item) in _CONTAINERS else item for item in value]
    return value


_CONTAINERS = (dict, list)


def encode(entry: Entry) -> bytes:
    return orjson.dumps(
        {
            "format": FORMAT_VERSION,
            "generation": entry.generation,
            "fresh_until": entry.fresh_until,
            "value": entry.value,
        },
        default=_tag,
        option=orjson.OPT_PASSTHROUGH_DATETIME,
    )


def decode(raw: bytes) -> Entry:
    try:
        envelope = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise UndecodableValue("not JSON") from exc
    if not isinstance(envelope, dict) or envelope.get("format") != FORMAT_VERSION:
        raise UndecodableValue("unknown format")
    try:
        return Entry(
            _untag(envelope["value"]),
            float(envelope["fresh_until"]),
            int(envelope["generation"]),
        )
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise UndecodableValue("bad envelope") from exc
