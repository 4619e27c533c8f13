"""Business time: "today" and month windows are calendar facts in the business time zone,
never the server's UTC date."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo


def business_now(tz: ZoneInfo) -> datetime:
    return datetime.now(UTC).astimezone(tz)


def business_today(tz: ZoneInfo) -> date:
    return business_now(tz).date()


def month_window(year: int, month: int, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """``[first day 00:00, first day of next month 00:00)`` in business time, as aware UTC."""
    start = datetime.combine(date(year, month, 1), time.min, tzinfo=tz)
    next_year, next_month = (year + 1, 1) if month == 12 else (year, month + 1)
    end = datetime.combine(date(next_year, next_month, 1), time.min, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)
