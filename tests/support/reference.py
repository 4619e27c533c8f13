"""Plain-Python reference computations over rows, written from DESIGN §3's definitions and
independent of the service's SQL. Tests compare the API against these."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

Row = dict[str, Any]


def _undefined_document(document: str | None) -> bool:
    return document is None or document.strip().upper() in ("", "NO DEFINIDO")


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def reference_kpis(
    *,
    payments: list[Row],
    installments: list[Row],
    loans: list[Row],
    year: int,
    month: int,
    today: date,
    tz: ZoneInfo,
) -> dict[str, Any]:
    in_month = [
        p
        for p in payments
        if p["active"]
        and (local := _as_utc(p["paid_at"]).astimezone(tz)).year == year
        and local.month == month
    ]
    collected = sum((Decimal(p["amount"]) for p in in_month), Decimal("0"))
    undefined = sum(
        (
            Decimal(p["amount"])
            for p in in_month
            if not p["reconciled"] or _undefined_document(p["document_number"])
        ),
        Decimal("0"),
    )
    approved = {loan["id"]: loan["client_id"] for loan in loans if loan["status"] == "APROBADO"}
    receivable = Decimal("0")
    late: set[int] = set()
    with_installments: set[int] = set()
    for inst in installments:
        client = approved.get(inst["loan_id"])
        if client is None:
            continue
        due, paid = Decimal(inst["amount_due"]), Decimal(inst["amount_paid"])
        receivable += max(Decimal("0"), due - paid)
        with_installments.add(client)
        if inst["due_date"] < today and paid < due:
            late.add(client)
    return {
        "montoCobradoMes": float(collected.quantize(Decimal("0.01"))),
        "montoNoDefinido": float(undefined.quantize(Decimal("0.01"))),
        "saldoPorCobrar": float(receivable.quantize(Decimal("0.01"))),
        "clientesEnMora": len(late),
        "clientesAlDia": len(with_installments - late),
        "mes": month,
        "año": year,
    }


def reference_notification_summary(notifications: list[Row]) -> dict[str, Any]:
    total = len(notifications)
    sent = sum(1 for n in notifications if n["status"] == "ENVIADA")
    return {
        "total": total,
        "enviadas": sent,
        "pendientes": sum(1 for n in notifications if n["status"] == "PENDIENTE"),
        "fallidas": sum(1 for n in notifications if n["status"] == "FALLIDA"),
        "no_leidas": sum(1 for n in notifications if not n["read"]),
        "tasa_exito": round(sent * 100 / total, 1) if total else 0.0,
    }
