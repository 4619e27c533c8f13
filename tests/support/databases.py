"""Throwaway PostgreSQL databases, one name per user, so runs never clobber each other."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg

from service.db.migrate import upgrade
from service.db.url import async_database_url

PG_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"


async def admin(statement: str) -> None:
    """One statement as the PostgreSQL superuser, on the maintenance database."""
    connection = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def create_pg_database(label: str, *, migrate: bool = True) -> str:
    name = f"pagos_test_{label}_{uuid.uuid4().hex[:8]}"
    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    if migrate:
        upgrade(async_database_url(url))
    return url


def drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def truncate_book(url: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(
            "TRUNCATE payment_allocations, payments, installments, loans, notifications, "
            "clients, idempotency_keys RESTART IDENTITY CASCADE"
        )
    finally:
        await connection.close()


async def _fetch_column(url: str, query: str) -> set[str]:
    connection = await asyncpg.connect(url)
    try:
        return {row[0] for row in await connection.fetch(query)}
    finally:
        await connection.close()


def fetch_column(url: str, query: str) -> set[str]:
    """The first column of a query's rows, read with asyncpg (no pagos code involved)."""
    return asyncio.run(_fetch_column(url, query))
