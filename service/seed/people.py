"""Realistic-looking strings: names, national ids, contacts, payment document numbers."""

from __future__ import annotations

import random
import unicodedata


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST_NAMES = _words(
    "María José Luis Carmen Ana Carlos Juan Rosa Pedro Luisa Jesús Yusmary Francisco Gabriela "
    "Miguel Daniela Rafael Andreína Jorge Mariela Alejandro Yelitza Antonio Marisol Manuel "
    "Oriana Ricardo Génesis Eduardo Josefina Víctor Milagros Andrés Beatriz Óscar Yolanda "
    "Héctor Nathaly Ramón Elena Wilmer Yenny Freddy Isabel Enrique Leidy Alexis Patricia "
    "Orlando Valentina"
)
LAST_NAMES = _words(
    "González Rodríguez Pérez Hernández García Martínez López Sánchez Ramírez Torres Díaz "
    "Rojas Morales Castillo Flores Gutiérrez Mendoza Contreras Medina Silva Romero Vargas "
    "Suárez Rivas Marcano Guerrero Blanco Acosta Salazar Chacón Briceño Parra Quintero "
    "Carrasco Zambrano Peña Villegas Ochoa Bolívar Urdaneta"
)
MAIL_DOMAINS = ("gmail.com", "gmail.com", "gmail.com", "hotmail.com", "yahoo.com", "outlook.com")
MOBILE_PREFIXES = ("412", "414", "416", "424", "426")
BANK_CODES = ("0102", "0105", "0108", "0134", "0172", "0191")

# How the real book spells "no document number": the KPIs must treat all of them alike.
UNDEFINED_DOCUMENTS: tuple[str | None, ...] = (
    None,
    "",
    "  ",
    "NO DEFINIDO",
    "no definido ",
    " No Definido",
)

# Each client's id number comes from its own slot of this width, so they never collide.
CEDULA_SLOT = 7
CEDULA_BASE = 4_000_000


def full_name(rng: random.Random) -> str:
    first = rng.choice(FIRST_NAMES)
    if rng.random() < 0.4:
        first = f"{first} {rng.choice(FIRST_NAMES)}"
    return f"{first} {rng.choice(LAST_NAMES)} {rng.choice(LAST_NAMES)}"


def cedula(rng: random.Random, index: int) -> str:
    number = CEDULA_BASE + index * CEDULA_SLOT + rng.randrange(CEDULA_SLOT)
    prefix = "E" if rng.random() < 0.03 else "V"
    return f"{prefix}{number}"


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def email(rng: random.Random, name: str) -> str | None:
    if rng.random() < 0.08:
        return None
    parts = [_ascii(part) for part in name.split()]
    local = f"{parts[0]}.{parts[-2]}{rng.randrange(1, 999)}"
    return f"{local}@{rng.choice(MAIL_DOMAINS)}"


def phone(rng: random.Random) -> str | None:
    if rng.random() < 0.05:
        return None
    return f"+58 {rng.choice(MOBILE_PREFIXES)}-{rng.randrange(10**6, 10**7)}"


def document_number(rng: random.Random, undefined_share: float) -> str | None:
    if rng.random() < undefined_share:
        return rng.choice(UNDEFINED_DOCUMENTS)
    style = rng.random()
    if style < 0.6:
        return str(rng.randrange(10**7, 10**12)).zfill(12)
    if style < 0.85:
        return f"{rng.choice(BANK_CODES)}-{rng.randrange(10**7, 10**8)}"
    return f"DEP{rng.randrange(10**5, 10**7)}"
