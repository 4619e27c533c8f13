"""Domain vocabulary shared by every part of the service: statuses and money."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

CENT = Decimal("0.01")


def money(value: Decimal | int | str) -> Decimal:
    """Round to cents, half up: the one rounding rule for money."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


class ClientStatus(StrEnum):
    ACTIVO = "ACTIVO"
    INACTIVO = "INACTIVO"
    FINALIZADO = "FINALIZADO"


class LoanStatus(StrEnum):
    DRAFT = "DRAFT"
    EN_REVISION = "EN_REVISION"
    APROBADO = "APROBADO"
    RECHAZADO = "RECHAZADO"
    LIQUIDADO = "LIQUIDADO"


class Frequency(StrEnum):
    MENSUAL = "MENSUAL"
    QUINCENAL = "QUINCENAL"
    SEMANAL = "SEMANAL"


class InstallmentStatus(StrEnum):
    PENDIENTE = "PENDIENTE"
    PARCIAL = "PARCIAL"
    PAGADO = "PAGADO"
    VENCIDO = "VENCIDO"
    MORA = "MORA"


class NotificationChannel(StrEnum):
    EMAIL = "EMAIL"
    SMS = "SMS"
    WHATSAPP = "WHATSAPP"


class NotificationStatus(StrEnum):
    PENDIENTE = "PENDIENTE"
    ENVIADA = "ENVIADA"
    FALLIDA = "FALLIDA"
    CANCELADA = "CANCELADA"


# An installment 92 or more days late is in MORA; 1..91 days it is VENCIDO.
MORA_AFTER_DAYS = 92
