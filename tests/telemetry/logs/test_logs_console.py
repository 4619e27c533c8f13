"""Lines of structlog's console renderer, field by field."""

from __future__ import annotations

import pytest

from telemetry.logs.parsers import console


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "request                        [telemetry.request] duration_ms=66.85 status=200",
            {
                "event": "request",
                "logger": "telemetry.request",
                "duration_ms": "66.85",
                "status": "200",
            },
        ),
        (  # a third-party message with brackets of its own
            "Started server process [2271] [uvicorn.error] worker_pid=2271",
            {
                "event": "Started server process [2271]",
                "logger": "uvicorn.error",
                "worker_pid": "2271",
            },
        ),
        (  # quoted values, Python constants, a repr with brackets and spaces
            "cache_backend_selected [pagos] previous=None reason='redis [down] now' "
            "shared=False extra={'a': 1, 'b': [2, 3]}",
            {
                "event": "cache_backend_selected",
                "logger": "pagos",
                "previous": None,
                "reason": "redis [down] now",
                "shared": False,
                "extra": "{'a': 1, 'b': [2, 3]}",
            },
        ),
        (  # no logger column
            "worker_started pid=12",
            {"event": "worker_started", "pid": "12"},
        ),
        (  # free text that only looks like fields at first
            "Listening at: http://0.0.0.0:8000 (12)",
            {"event": "Listening at: http://0.0.0.0:8000 (12)"},
        ),
        (  # an unbalanced repr is not a field list: the whole text is the event
            "odd [pagos] value={'a': 1",
            {"event": "odd [pagos] value={'a': 1"},
        ),
    ],
)
def test_console_line_fields(text: str, expected: dict[str, object]) -> None:
    assert console.parse("info", text) == {"level": "info", **expected}
