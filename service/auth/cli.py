"""``pagos token create --scope read,write --ttl 8h``: print a bearer token."""

from __future__ import annotations

import argparse
import re

from service.auth.tokens import SCOPES, create_token, parse_scopes
from service.settings import get_settings

DESCRIPTION = (
    "Print a bearer token (JWT, HS256) signed with PAGOS_SECRET_KEY, for the "
    "Authorization: Bearer header. Scopes: read (GET endpoints), write (changes). "
    "In development without PAGOS_SECRET_KEY, the public development key signs it."
)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")
MIN_TTL_SECONDS = 60  # as PAGOS_TOKEN_TTL_SECONDS: a shorter token expires in transit
MAX_TTL_SECONDS = 366 * 86400


def parse_duration(raw: str) -> int:
    """``"8h"``, ``"30m"``, ``"2d"``, ``"45s"`` or plain seconds → seconds."""
    match = _DURATION.match(raw)
    if match is None or int(match.group(1)) <= 0:
        raise argparse.ArgumentTypeError(
            f"expected a duration such as 8h, 30m or 3600; got {raw!r}"
        )
    seconds = int(match.group(1)) * _UNITS[match.group(2) or "s"]
    if seconds < MIN_TTL_SECONDS:
        raise argparse.ArgumentTypeError(f"a token lives at least 60s; got {raw!r}")
    if seconds > MAX_TTL_SECONDS:
        raise argparse.ArgumentTypeError(
            f"a token lives at most 366d (a bearer token cannot be revoked); got {raw!r}"
        )
    return seconds


def _scopes(raw: str) -> frozenset[str]:
    try:
        return parse_scopes(raw)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scope",
        type=_scopes,
        default=frozenset({"read"}),
        help=f"comma-separated scopes among {', '.join(SCOPES)} (default: read)",
    )
    parser.add_argument(
        "--ttl",
        type=parse_duration,
        default=None,
        help="time to live: 8h, 30m, 2d, or seconds (default: PAGOS_TOKEN_TTL_SECONDS)",
    )
    parser.add_argument("--subject", default="operator", help="who the token is for")


def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    ttl = args.ttl if args.ttl is not None else settings.token_ttl_seconds
    print(create_token(settings.signing_key, args.scope, ttl, subject=args.subject))
    return 0
