"""Client JSON, in the existing frontend's (Spanish) field names."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, field_validator

from service.api import render_instant
from service.db.models import Client
from service.domain import ClientStatus
from service.types import Line, Words, ascii_digits

# a letter (V, E, J, P, G) and 5 to 12 ASCII digits; dots, dashes and spaces are dropped
_CEDULA = re.compile(r"^[VEJPG]?[0-9]{5,12}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# an optional +, then digits with the usual separators: 0412-555.12.34, +58 (412) 5551234
_PHONE = re.compile(r"^\+?[0-9][0-9 ().\-]*$")
_PHONE_DIGITS = (7, 15)  # a local number to E.164's longest


def normalise_cedula(value: str) -> str:
    """``v-12.345.678``, ``V１２３４５６７８`` and ``V١٢٣٤٥٦٧٨`` are all ``V12345678``: one
    national id, one client."""
    cleaned = re.sub(r"[\s.\-]", "", ascii_digits(value)).upper()
    if not _CEDULA.match(cleaned):
        raise ValueError("expected a cédula such as V12345678")
    return cleaned


class ClientCreate(BaseModel):
    cedula: Annotated[Line, Field(min_length=1, max_length=20)]
    nombres: Annotated[Words, Field(min_length=1, max_length=200)]
    email: Annotated[Line | None, Field(max_length=200)] = None
    telefono: Annotated[Line | None, Field(max_length=40)] = None
    estado: ClientStatus = ClientStatus.ACTIVO

    @field_validator("cedula")
    @classmethod
    def _cedula(cls, value: str) -> str:
        return normalise_cedula(value)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not _EMAIL.match(value.strip()):
            raise ValueError("expected an e-mail address such as ana@example.com")
        return value.strip()

    @field_validator("telefono")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        phone = ascii_digits(value.strip())
        digits = sum(character.isdigit() for character in phone)
        if not _PHONE.match(phone) or not _PHONE_DIGITS[0] <= digits <= _PHONE_DIGITS[1]:
            raise ValueError("expected a phone number of 7 to 15 digits such as 0412-5551234")
        return phone

    @field_validator("nombres")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a name is required")
        return " ".join(value.split())


def client_json(client: Client, tz: ZoneInfo) -> dict[str, Any]:
    created: datetime | None = client.created_at
    return {
        "id": client.id,
        "cedula": client.cedula,
        "nombres": client.name,
        "email": client.email,
        "telefono": client.phone,
        "estado": client.status,
        "fecha_registro": render_instant(created, tz),
    }
