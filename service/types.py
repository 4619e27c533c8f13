"""Validated types for what a request carries to the database: ids, text, days, instants and
money. Each refuses, as a 422 naming the field, input that the database would otherwise turn
into a 500 (an id beyond ``bigint``, a NUL in ``text``, a year past 9999 once converted to
UTC, an amount beyond ``Numeric(14,2)``) or that is absurd for a payments book.

The windows, one decision each:

- ids: 1 .. 2**63 - 1 (PostgreSQL ``bigint``); out of range, in a path too, is a 422, not a
  404 — the request is malformed, not about a missing row.
- text: no control characters (Unicode category Cc: C0, DEL, C1) and no invisible format
  characters (Cf: bidi overrides, zero-width spaces; the joiners ZWJ/ZWNJ stay). ``Words``
  (names) also allows tab and newline, which are whitespace it collapses; nothing we store is
  multi-line, and a subject with CR/LF would be an e-mail header injection.
- days and instants: years 1900..2999 (an instant's year as written, in its own offset).
- money strings: ASCII digits, an optional sign, point and decimals; never Unicode digits,
  ``_`` or an exponent, which ``Decimal`` would otherwise read as a number.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from annotated_types import Interval
from pydantic import AfterValidator, BeforeValidator, Field

MAX_ID = 2**63 - 1  # PostgreSQL bigint


def _refuse_bool(value: object) -> object:
    # pydantic's lax mode reads JSON true as 1: a client id of ``true`` would name client 1
    if isinstance(value, bool):
        raise ValueError("an id is a whole number, not true or false")
    return value


Id = Annotated[int, BeforeValidator(_refuse_bool), Interval(ge=1, le=MAX_ID)]

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)

MAX_MONEY = Decimal("999999999999.99")  # Numeric(14,2)

_WHITESPACE_CONTROLS = frozenset("\t\n\r")
_JOINERS = frozenset("\u200c\u200d")  # ZWNJ and ZWJ shape the letters of some scripts
_DECIMAL_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def _refuse_controls(value: str, allowed: frozenset[str] = frozenset()) -> str:
    for character in value:
        category = unicodedata.category(character)
        if category == "Cc" and character not in allowed:
            raise ValueError(f"control character U+{ord(character):04X} is not allowed")
        if category == "Cs":  # a lone surrogate cannot be stored as UTF-8
            raise ValueError(f"lone surrogate U+{ord(character):04X} is not allowed")
        if category == "Cf" and character not in _JOINERS:
            # invisible: a right-to-left override or a zero-width space makes two names
            # that print alike differ, or one that prints reversed
            raise ValueError(f"invisible format character U+{ord(character):04X} is not allowed")
    return value


def _refuse_controls_but_whitespace(value: str) -> str:
    return _refuse_controls(value, _WHITESPACE_CONTROLS)


# one line of text: cédulas, e-mails, phones, document numbers, subjects, search terms
Line = Annotated[str, AfterValidator(_refuse_controls)]
# free words whose whitespace is collapsed afterwards (a person's name)
Words = Annotated[str, AfterValidator(_refuse_controls_but_whitespace)]


def ascii_digits(value: str) -> str:
    """Unicode compatibility forms and decimal digits of any script as ASCII: ``V１２`` and
    ``V١٢`` are ``V12``."""
    folded = unicodedata.normalize("NFKC", value)
    return "".join(
        str(digit) if (digit := unicodedata.decimal(character, None)) is not None else character
        for character in folded
    )


def in_window(day: date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


def _in_window(day: date) -> date:
    if not in_window(day):
        raise ValueError(f"expected a date from {FIRST_DAY} to {LAST_DAY}")
    return day


def _instant_in_window(value: datetime) -> datetime:
    _in_window(value.date())
    return value


Day = Annotated[date, AfterValidator(_in_window)]
InstantInWindow = Annotated[datetime, AfterValidator(_instant_in_window)]


def _decimal_text(value: object) -> object:
    if isinstance(value, str) and not _DECIMAL_TEXT.fullmatch(value.strip()):
        raise ValueError("expected a number in ASCII digits such as 1250.50")
    return value


# a JSON number, or a string of ASCII digits with an optional sign and point
AsciiDecimal = Annotated[Decimal, BeforeValidator(_decimal_text)]
# a positive amount that fits Numeric(14,2)
Amount = Annotated[
    AsciiDecimal,
    Field(gt=0, le=MAX_MONEY, max_digits=14, decimal_places=2, allow_inf_nan=False),
]
