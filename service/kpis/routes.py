"""``GET /api/v1/pagos/kpis?mes=M&año=Y`` (``anio`` is accepted for ``año``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from service.auth import ReadAccess
from service.businesstime import business_today, month_window
from service.cache.setup import kpis_namespace
from service.deps import CacheDep, SessionFactoryDep, SettingsDep
from service.errors import BadRequest
from service.kpis.repository import kpi_figures
from service.responses import MoneyJSONResponse

router = APIRouter(tags=["kpis"])
MIN_YEAR, MAX_YEAR = 1900, 2999


def _ascii_number(raw: str, max_digits: int) -> int | None:
    """ASCII digits only: ``str.isdigit`` also takes '²' and '٣', which ``int`` refuses or
    reads as another number."""
    text = raw.strip()
    if not text or len(text) > max_digits or not (text.isascii() and text.isdigit()):
        return None
    return int(text)


def _parse_month(raw: str | None, default: int) -> int:
    if raw is None:
        return default
    month = _ascii_number(raw, 2)
    if month is None or not 1 <= month <= 12:
        raise BadRequest(
            "mes must be an integer from 1 to 12",
            [{"field": "mes", "message": f"expected 1..12, got {raw[:20]!r}"}],
        )
    return month


def _parse_year(año: str | None, anio: str | None, default: int) -> int:
    if año is not None and anio is not None and año.strip() != anio.strip():
        raise BadRequest(
            "año and anio disagree; give one of them",
            [{"field": "año", "message": f"año={año[:20]!r} but anio={anio[:20]!r}"}],
        )
    raw = año if año is not None else anio
    if raw is None:
        return default
    year = _ascii_number(raw, 4)
    if year is None or not MIN_YEAR <= year <= MAX_YEAR:
        raise BadRequest(
            f"año must be a four-digit year between {MIN_YEAR} and {MAX_YEAR}",
            [{"field": "año", "message": f"expected a year, got {raw[:20]!r}"}],
        )
    return year


@router.get("/api/v1/pagos/kpis")
async def portfolio_kpis(
    _: ReadAccess,
    sessions: SessionFactoryDep,
    cache: CacheDep,
    settings: SettingsDep,
    mes: Annotated[str | None, Query(description="month 1..12; default: this month")] = None,
    año: Annotated[str | None, Query(alias="año", description="year; default: this year")] = None,
    anio: Annotated[str | None, Query(description="alias of año")] = None,
) -> MoneyJSONResponse:
    today = business_today(settings.tz)
    month = _parse_month(mes, today.month)
    year = _parse_year(año, anio, today.year)
    window_start, window_end = month_window(year, month, settings.tz)

    async def compute() -> dict[str, Any]:
        async with sessions() as session:
            figures = await kpi_figures(session, window_start, window_end, today)
        return {
            "montoCobradoMes": figures.collected,
            "montoNoDefinido": figures.undefined,
            "saldoPorCobrar": figures.receivable,
            "clientesEnMora": figures.late_clients,
            "clientesAlDia": figures.current_clients,
            "mes": month,
            "año": year,
        }

    # "today" is part of the key: lateness changes at midnight in business time
    params = {"mes": month, "año": year, "today": today.isoformat()}
    lookup = await cache.get_or_compute(kpis_namespace(settings), params, compute)
    return MoneyJSONResponse(lookup.value, headers={"X-Cache": lookup.outcome})
