"""Timestamps as seen in the wild, turned into UTC epoch seconds."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache

ISO_PREFIX = re.compile(
    r"(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?)(?:\s+|$)"
)
_TAIL = re.compile(r"(?:[.,](\d+))?\s?(Z|[+-]\d\d:?\d\d)?$")


@lru_cache(maxsize=16384)  # log lines share seconds: parse each second once
def _second(head: str) -> float | None:
    """``YYYY-MM-DD HH:MM:SS`` read as UTC, in epoch seconds."""
    try:
        moment = datetime.fromisoformat(head)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC).timestamp()


def parse_timestamp(text: str) -> float | None:
    """ISO 8601 (``Z``, ``+0000``, ``,123`` and nanoseconds included); naive means UTC."""
    if len(text) < 19 or text[10] not in "T ":
        return _slow(text)
    base = _second(text[:19])
    if base is None:
        return None
    size = len(text)
    if size == 19:
        return base
    if size == 23 and text[19] in ",." and text[20:].isdigit():  # asctime's ",123"
        return base + int(text[20:]) / 1000
    tail = _TAIL.match(text, 19)
    if tail is None:
        return _slow(text)
    fraction, zone = tail.group(1), tail.group(2)
    if fraction:
        digits = fraction[:6]
        base += int(digits) / 10 ** len(digits)
    if zone and zone != "Z":
        offset = int(zone[1:3]) * 3600 + int(zone[-2:]) * 60
        base += -offset if zone[0] == "+" else offset
    return base


def _slow(text: str) -> float | None:
    try:
        moment = datetime.fromisoformat(text.replace(",", ".", 1))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def format_timestamp(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
