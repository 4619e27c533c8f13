"""What every resource's API shares: money and instants in requests, pages, JSON answers.

Money in requests is a JSON number or a string with at most two decimals; in answers a JSON
number with exactly two decimals (``MoneyJSONResponse``). Instants are ISO 8601; one without
an offset is business time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends, Query
from pydantic import Field

from service.responses import MoneyJSONResponse

PositiveMoney = Annotated[
    Decimal, Field(gt=0, max_digits=14, decimal_places=2, allow_inf_nan=False)
]
MAX_PER_PAGE = 100


def parse_instant(value: object) -> datetime:
    """ISO 8601 date-time (a bare date is its midnight); naive values are returned naive, to
    be read as business time by ``as_business_instant``."""
    if not isinstance(value, str):
        raise ValueError("expected an ISO 8601 date-time string, e.g. 2026-03-01T10:30:00-04:00")
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise ValueError("expected an ISO 8601 date-time, e.g. 2026-03-01T10:30:00-04:00") from exc


def parse_date(value: object) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or len(value.strip()) != 10:
        raise ValueError("expected a date as YYYY-MM-DD")
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise ValueError("expected a date as YYYY-MM-DD") from exc


def as_business_instant(value: datetime, tz: ZoneInfo) -> datetime:
    return value.replace(tzinfo=tz) if value.tzinfo is None else value


def render_instant(value: datetime | None, tz: ZoneInfo) -> str | None:
    """An instant as ISO 8601 in business time, with its offset. Before time zones were
    standardised a zone's offset had seconds (Caracas: -04:27:40 until 1912), which RFC 3339
    cannot write: such an instant is written in UTC."""
    if value is None:
        return None
    local = value.astimezone(tz)
    offset = local.utcoffset()
    if offset is not None and offset.seconds % 60:
        return value.astimezone(UTC).isoformat()
    return local.isoformat()


def render_date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass(frozen=True)
class PageParams:
    page: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def _page_params(
    page: Annotated[int, Query(ge=1, le=1_000_000, description="1-based page number")] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE, description="items per page")] = 20,
) -> PageParams:
    return PageParams(page, per_page)


PageDep = Annotated[PageParams, Depends(_page_params)]


def page_response(
    items: Sequence[dict[str, Any]], total: int, page: PageParams
) -> MoneyJSONResponse:
    return MoneyJSONResponse(
        {"items": list(items), "total": total, "page": page.page, "per_page": page.per_page}
    )
