"""Timestamps as seen in the wild, turned into UTC epoch seconds."""

from __future__ import annotations

import re
from datetime import UTC, datetime

ISO_PREFIX = re.compile(
    r"(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?)(?:\s+|$)"
)


def parse_timestamp(text: str) -> float | None:
    """ISO 8601 (``Z``, ``+0000``, ``,123`` and nanoseconds included); naive means UTC."""
    if "," in text:
        text = text.replace(",", ".", 1)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def format_timestamp(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
