"""DATABASE_URL as users paste it, and `pagos migrate` on both databases."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from service.db.migrate import MIGRATIONS_DIR
from service.db.url import InvalidDatabaseURL, async_database_url
from tests.support.databases import create_pg_database, drop_pg_database, fetch_column

PAGOS = str(Path(sys.executable).with_name("pagos"))
TABLES = {"clients", "loans", "installments", "payments", "payment_allocations", "notifications"}


@pytest.mark.parametrize(
    ("raw", "driver", "database"),
    [
        ("postgres://u:p@db.example:5432/book", "postgresql+asyncpg", "book"),
        ("postgresql://u:p@db.example/book", "postgresql+asyncpg", "book"),
        ("postgresql+psycopg2://u@db.example/book", "postgresql+asyncpg", "book"),
        ("  postgresql://u@db.example/book\n", "postgresql+asyncpg", "book"),
        ("sqlite:///var/pagos.db", "sqlite+aiosqlite", "var/pagos.db"),
        ("sqlite:////tmp/pagos.db", "sqlite+aiosqlite", "/tmp/pagos.db"),
    ],
)
def test_pasted_urls_get_the_async_driver(raw: str, driver: str, database: str) -> None:
    url = async_database_url(raw)
    assert (url.drivername, url.database) == (driver, database)


def test_libpq_sslmode_becomes_asyncpg_ssl() -> None:
    url = async_database_url("postgres://u@db.example/book?sslmode=require")
    assert dict(url.query) == {"ssl": "require"}


@pytest.mark.parametrize("raw", ["mysql://u@h/db", "not a url", ""])
def test_unsupported_urls_are_refused_clearly(raw: str) -> None:
    with pytest.raises(InvalidDatabaseURL):
        async_database_url(raw)


def _pagos(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAGOS_")}
    env["DATABASE_URL"] = database_url
    return subprocess.run(
        [PAGOS, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_migrate_creates_the_schema_in_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "pagos.db"
    result = _pagos("migrate", database_url=f"sqlite:///{path}")
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(path) as connection:
        names = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert names >= TABLES


def test_migrate_creates_the_schema_in_postgresql_from_a_postgres_url() -> None:
    url = create_pg_database("migrate", migrate=False)
    try:
        result = _pagos("migrate", database_url=url.replace("postgresql://", "postgres://"))
        assert result.returncode == 0, result.stderr
        again = _pagos("migrate", database_url=url)  # idempotent
        assert again.returncode == 0, again.stderr
        revisions = sorted(p.name[:4] for p in MIGRATIONS_DIR.glob("versions/[0-9]*.py"))
        tables = fetch_column(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        checks = fetch_column(url, "SELECT conname FROM pg_constraint WHERE contype = 'c'")
        indexes = fetch_column(url, "SELECT indexname FROM pg_indexes")
    finally:
        drop_pg_database(url)
    assert tables >= TABLES
    # the first run says what it applied, the second that there was nothing to apply
    applied = [line.split()[3].rstrip(":") for line in result.stdout.splitlines()[:-1]]
    assert applied == revisions
    assert f"({len(revisions)} applied)" in result.stdout.splitlines()[-1]
    assert again.stdout.splitlines() == [again.stdout.strip()]
    assert "nothing to apply" in again.stdout
    assert "ck_installments_status" in checks
    assert {"ix_payments_active_paid_at", "ix_installments_loan_due"} <= indexes


@pytest.mark.parametrize(
    ("database_url", "message"),
    [
        ("mysql://u@localhost/db", "PostgreSQL and SQLite"),
        ("postgresql://postgres@127.0.0.1:1/pagos", "cannot reach the database"),
        ("postgresql://postgres@127.0.0.1:5432/pagos_absent_db", 'database "pagos_absent_db"'),
        ("postgresql://pagos_absent_role@127.0.0.1:5432/test", '"pagos_absent_role"'),
    ],
)
def test_migrate_explains_a_bad_database_without_a_traceback(
    database_url: str, message: str
) -> None:
    result = _pagos("migrate", database_url=database_url)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_seed_if_empty_before_migrating_says_what_to_do(tmp_path: Path) -> None:
    result = _pagos("seed", "--if-empty", database_url=f"sqlite:///{tmp_path}/fresh.db")
    assert result.returncode == 2
    assert "pagos migrate" in result.stderr
    assert "Traceback" not in result.stderr


def test_seed_if_empty_leaves_a_seeded_database_alone(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/book.db"
    assert _pagos("migrate", database_url=url).returncode == 0
    first = _pagos("seed", "--scale", "0.01", "--if-empty", database_url=url)
    again = _pagos("seed", "--if-empty", database_url=url)
    assert first.returncode == 0, first.stderr
    assert (again.returncode, "left as it is" in again.stdout) == (0, True)
    with sqlite3.connect(tmp_path / "book.db") as connection:
        (clients,) = connection.execute("SELECT COUNT(*) FROM clients").fetchone()
    assert 30 <= clients <= 60  # one seeding at scale 0.01, not two


def test_a_missing_metrics_directory_is_created_not_a_crash(tmp_path: Path) -> None:
    missing = tmp_path / "not" / "yet"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAGOS_")}
    env["PROMETHEUS_MULTIPROC_DIR"] = str(missing)
    result = subprocess.run(
        [PAGOS, "token", "create", "--scope", "read"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert missing.is_dir()
