"""Timestamps in the shapes the formats write, against datetime's own ISO parser."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from telemetry.logs.timeparse import parse_timestamp


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2025-11-10 14:00:01,123", "2025-11-10T14:00:01.123+00:00"),  # asctime
        ("2025-11-10 14:00:00 +0000", "2025-11-10T14:00:00+00:00"),  # gunicorn
        ("2025-11-10T14:00:00.000000+00:00", "2025-11-10T14:00:00+00:00"),  # heroku
        ("2025-11-10T14:00:00.123456789Z", "2025-11-10T14:00:00.123456+00:00"),  # render
        ("2025-11-10T14:00:00.123Z", "2025-11-10T14:00:00.123+00:00"),  # structlog
        ("2021-03-31T16:00:00-08:00", "2021-03-31T16:00:00-08:00"),  # syslog example
        ("2025-11-10T14:00:00.5+05:30", "2025-11-10T14:00:00.5+05:30"),
        ("2025-11-10T14:00:00+0530", "2025-11-10T14:00:00+05:30"),
        ("2025-11-10T14:00:00", "2025-11-10T14:00:00+00:00"),  # naive is UTC
    ],
)
def test_shapes(text: str, iso: str) -> None:
    expected = datetime.fromisoformat(iso).timestamp()
    got = parse_timestamp(text)
    assert got is not None
    assert abs(got - expected) < 1e-6


@pytest.mark.parametrize("text", ["2025-13-10T14:00:00Z", "2025-11-10T14:00:00.xZ", "yesterday"])
def test_not_a_time(text: str) -> None:
    assert parse_timestamp(text) is None


def test_time_zones_are_utc_epoch() -> None:
    utc = datetime(2025, 11, 10, 22, 0, tzinfo=UTC).timestamp()
    assert parse_timestamp("2025-11-10T18:00:00-04:00") == utc  # Caracas
