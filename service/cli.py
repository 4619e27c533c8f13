"""The ``pagos`` command: serve, migrate, seed, token create, logs analyze."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError
from pydantic_settings import SettingsError

from service.db.failures import DATABASE_ERRORS, database_unavailable
from service.db.url import InvalidDatabaseURL, async_database_url
from service.settings import configuration_message, get_settings

ROOT = Path(__file__).resolve().parents[1]


def _serve(args: argparse.Namespace) -> int:
    get_settings()  # a bad configuration (e.g. no secret key in production) stops here, clearly
    config = ROOT / "gunicorn.conf.py"
    gunicorn = Path(sys.executable).with_name("gunicorn")
    extra = list(args.gunicorn_args)
    if extra[:1] == ["--"]:  # the separator is ours, not gunicorn's
        extra = extra[1:]
    argv = [str(gunicorn), "--config", str(config), *extra]
    os.execv(argv[0], argv)  # gunicorn becomes this process: signals reach it directly


def _migrate(_args: argparse.Namespace) -> int:
    from service.db.migrate import upgrade

    url = async_database_url(get_settings().database_url)
    applied = upgrade(url)
    where = url.render_as_string(hide_password=True)
    for revision in applied:
        print(f"pagos migrate: applied {revision}")
    if applied:
        state = f"brought to the newest schema ({len(applied)} applied)"
    else:
        state = "already at the newest schema; nothing to apply"
    print(f"pagos migrate: {where} {state}")
    return 0


def _seed(args: argparse.Namespace) -> int:
    from service.seed import SeedError
    from service.seed import cli as seed_cli
    from service.seed.writer import database_is_empty

    if args.if_empty:
        url = async_database_url(get_settings().database_url)
        try:
            empty = asyncio.run(database_is_empty(url))
        except SeedError as exc:
            print(f"pagos seed: {exc}", file=sys.stderr)
            return 2
        if not empty:
            print("pagos seed: the database already holds a book; left as it is")
            return 0
    return int(seed_cli.run(args))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pagos",
        description="pagos: the payments API of a consumer-loan servicer, and its tools. "
        "Configuration comes from the environment (DATABASE_URL, REDIS_URL, PORT, "
        "WEB_CONCURRENCY, PAGOS_*); see the README.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    serve = commands.add_parser(
        "serve",
        usage="pagos serve [-h] [-- GUNICORN_ARGS ...]",
        help="serve the API with gunicorn and uvicorn workers (gunicorn.conf.py)",
        description="Serve the API with gunicorn and WEB_CONCURRENCY uvicorn workers on "
        "PAGOS_HOST:PORT. Extra arguments after -- go to gunicorn.",
    )
    serve.add_argument("gunicorn_args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    serve.set_defaults(handler=_serve)

    migrate = commands.add_parser(
        "migrate",
        help="apply the database migrations (PostgreSQL or SQLite, DATABASE_URL)",
        description="Bring the database at DATABASE_URL (postgres://…, postgresql://… or "
        "sqlite:///path) to the newest schema with the Alembic migrations in migrations/. "
        "Safe to run again: applied migrations are skipped.",
    )
    migrate.set_defaults(handler=_migrate)

    from service.seed import cli as seed_cli

    seed = commands.add_parser(
        "seed",
        help="fill the database with a deterministic, realistic loan book",
        description=seed_cli.DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    seed_cli.add_arguments(seed)
    seed.add_argument(
        "--if-empty",
        action="store_true",
        help="do nothing (and succeed) when the database already holds a book",
    )
    seed.set_defaults(handler=_seed)

    from service.auth import cli as token_cli

    token = commands.add_parser("token", help="bearer tokens for the API")
    token_commands = token.add_subparsers(dest="token_command", metavar="COMMAND", required=True)
    create = token_commands.add_parser(
        "create", help="print a bearer token", description=token_cli.DESCRIPTION
    )
    token_cli.add_arguments(create)
    create.set_defaults(handler=token_cli.run)

    logs = commands.add_parser("logs", help="work with production logs")
    logs_commands = logs.add_subparsers(dest="logs_command", metavar="COMMAND", required=True)
    from telemetry.logs import cli as logs_cli

    analyze = logs_commands.add_parser(
        "analyze",
        help="turn raw production logs into a diagnosis report",
        description=logs_cli.DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    logs_cli.add_arguments(analyze)
    analyze.set_defaults(handler=logs_cli.run)
    return parser


def _prepare_metrics_dir() -> None:
    """prometheus_client writes into PROMETHEUS_MULTIPROC_DIR as soon as metrics are declared
    (any subcommand imports them): a directory that is set but missing must not crash us."""
    try:
        directory = get_settings().prometheus_multiproc_dir
    except (ValidationError, SettingsError):
        return  # said clearly when the subcommand reads its settings
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)


def main(argv: Sequence[str] | None = None) -> int:
    _prepare_metrics_dir()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except (ValidationError, SettingsError) as exc:
        print(configuration_message(exc), file=sys.stderr)
        return 2
    except InvalidDatabaseURL as exc:
        print(f"pagos: {exc}", file=sys.stderr)
        return 2
    except DATABASE_ERRORS as exc:
        if not database_unavailable(exc):
            raise
        cause = getattr(exc, "orig", None) or exc
        print(
            f"pagos: cannot reach the database at {_safe_database_url()}: "
            f"{type(cause).__name__}: {cause}",
            file=sys.stderr,
        )
        return 2


def _safe_database_url() -> str:
    try:
        return async_database_url(get_settings().database_url).render_as_string(hide_password=True)
    except (InvalidDatabaseURL, ValidationError, SettingsError):
        return "DATABASE_URL"


if __name__ == "__main__":
    sys.exit(main())
