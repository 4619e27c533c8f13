"""Raw paths to route templates, and the all-empty answers of pagos's own endpoints."""

from __future__ import annotations

import json
import re
from functools import lru_cache

_ID_SEGMENT = re.compile(
    r"/(?:\d+|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|[0-9a-fA-F]{24,})(?=/|$)"
)
_MAX_PATH = 300


@lru_cache(maxsize=8192)  # paths repeat a lot in request logs
def route_template(path: str) -> str:
    """``/api/v1/prestamos/42?x=1`` → ``/api/v1/prestamos/{id}`` (numeric, uuid, long hex)."""
    cut = path.find("?")
    raw = path[:cut] if cut >= 0 else path
    return _ID_SEGMENT.sub("/{id}", raw[:_MAX_PATH]) or "/"


NOTIFICATIONS_SUMMARY_ROUTE = "/api/v1/notificaciones/estadisticas/resumen"
NOTIFICATIONS_SUMMARY_EMPTY: dict[str, int | float] = {
    "total": 0,
    "enviadas": 0,
    "pendientes": 0,
    "fallidas": 0,
    "no_leidas": 0,
    "tasa_exito": 0.0,
}


def _encodings(value: dict[str, int | float]) -> dict[int, str]:
    """Byte sizes of the same JSON value as common serializers write it.

    ``0.0`` and ``0`` are the same JSON number; a backend that computes ``tasa_exito`` as the
    integer ``0`` on an empty table sends the same answer two bytes shorter.
    """
    as_ints = {key: int(number) if number == 0 else number for key, number in value.items()}
    sizes: dict[int, str] = {}
    for variant, zeros in ((value, "0.0"), (as_ints, "0")):
        for separators, spacing in (((",", ":"), "compact"), ((", ", ": "), "spaced")):
            text = json.dumps(variant, separators=separators)
            sizes.setdefault(len(text.encode()), f"{text} ({spacing}, zero rate as {zeros})")
    return sizes


KNOWN_EMPTY_ANSWERS: dict[str, dict[int, str]] = {
    NOTIFICATIONS_SUMMARY_ROUTE: _encodings(NOTIFICATIONS_SUMMARY_EMPTY),
}

# What a small 200 may hide on a route, when the route's history says so.
SMALL_ANSWER_NOTES: dict[str, str] = {
    "/api/v1/pagos/kpis": (
        "the replaced backend answered database errors with 200 and all-zero KPIs; "
        "pagos answers 503 or a stale value marked X-Cache: stale"
    ),
}
