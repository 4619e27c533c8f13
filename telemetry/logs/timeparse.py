"""Timestamps as seen in the wild, turned into UTC epoch seconds."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache

ISO_PREFIX = re.compile(
    r"(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?)(?:\s+|$)"
)


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
    tail = text[19:]
    if not tail:
        return base
    # the zone first: "Z", "+00:00", "+0000", " +0000"
    offset = 0
    if tail[-1] == "Z":
        tail = tail[:-1]
    elif len(tail) >= 6 and tail[-6] in "+-" and tail[-3] == ":":
        offset = int(tail[-5:-3]) * 3600 + int(tail[-2:]) * 60
        offset = -offset if tail[-6] == "+" else offset
        tail = tail[:-6]
    elif len(tail) >= 5 and tail[-5] in "+-" and tail[-4:].isdigit():
        offset = int(tail[-4:-2]) * 3600 + int(tail[-2:]) * 60
        offset = -offset if tail[-5] == "+" else offset
        tail = tail[:-5].rstrip()
    if tail:  # then the fraction: ".123", ",123456", ".123456789"
        digits = tail[1:7]
        if tail[0] not in ".," or not tail[1:].isdigit():
            return _slow(text)
        base += int(digits) / 10 ** len(digits)
    return base + offset


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
