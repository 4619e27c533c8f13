"""``pagos seed`` as a user runs it: exit status, stderr, stdout, no traceback."""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from service.seed import Progress
from service.seed.cli import ProgressPrinter, add_arguments
from tests.seed.conftest import TIME_ZONE, TODAY, create_database, drop_database

ROOT = Path(__file__).resolve().parents[2]
RUN_SEED = (
    "import argparse, sys\n"
    "from service.seed import cli\n"
    "parser = argparse.ArgumentParser(prog='pagos seed')\n"
    "cli.add_arguments(parser)\n"
    "sys.exit(cli.run(parser.parse_args(sys.argv[1:])))\n"
)


def pagos_seed(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PAGOS_") and key != "DATABASE_URL"
    }
    env |= {"DATABASE_URL": database_url, "PAGOS_BUSINESS_TIMEZONE": TIME_ZONE}
    return subprocess.run(
        [sys.executable, "-c", RUN_SEED, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_seeds_reports_and_then_refuses_without_reset(scratch_dsn: str) -> None:
    args = ("--seed", "11", "--scale", "0.05", "--today", TODAY.isoformat())
    done = pagos_seed(scratch_dsn, *args)
    assert done.returncode == 0, done.stderr
    assert "APROBADO loans:" in done.stdout and "clients late:" in done.stdout
    assert "payment_allocations" in done.stdout and scratch_dsn.rsplit("/", 1)[1] in done.stdout
    assert done.stderr == ""  # a small book shows no progress

    refused = pagos_seed(scratch_dsn, *args)
    assert refused.returncode == 2
    assert "--reset" in refused.stderr and "Traceback" not in refused.stderr
    assert refused.stdout == ""

    replaced = pagos_seed(scratch_dsn, *args, "--reset")
    assert replaced.returncode == 0, replaced.stderr
    assert replaced.stdout.splitlines()[1:] == done.stdout.splitlines()[1:]


def test_missing_schema_says_run_migrate(tmp_path: Path) -> None:
    for url in (f"sqlite:///{tmp_path}/absent.db", "sqlite:///" + str(tmp_path / "x" / "y.db")):
        done = pagos_seed(url)
        assert done.returncode == 2
        assert "pagos migrate" in done.stderr and "Traceback" not in done.stderr


def test_a_today_after_today_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    database = tmp_path / "book.db"
    business_today = datetime.now(ZoneInfo(TIME_ZONE)).date()
    tomorrow = (business_today + timedelta(days=1)).isoformat()
    done = pagos_seed(f"sqlite:///{database}", "--today", tomorrow)
    assert done.returncode == 2
    assert f"--today {tomorrow} is after today ({business_today}" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert not database.exists()


def test_missing_tables_on_postgresql_say_run_migrate() -> None:
    dsn = create_database("nomigrate", migrate=False)
    try:
        done = pagos_seed(dsn)
        assert done.returncode == 2
        assert "pagos migrate" in done.stderr and "Traceback" not in done.stderr
        assert asyncio.run(public_tables(dsn)) == []  # and nothing was created
    finally:
        drop_database(dsn)


async def public_tables(dsn: str) -> list[str]:
    connection = await asyncpg.connect(dsn)
    try:
        rows = await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    finally:
        await connection.close()
    return [row["tablename"] for row in rows]


@pytest.mark.parametrize("scale", ["0", "-1", "abc", "nan", "inf"])
def test_scale_must_be_a_positive_number(scale: str, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser(prog="pagos seed")
    add_arguments(parser)
    with pytest.raises(SystemExit) as exit_info:
        parser.parse_args(["--scale", scale])
    assert exit_info.value.code == 2
    assert "--scale" in capsys.readouterr().err


def test_defaults() -> None:
    parser = argparse.ArgumentParser(prog="pagos seed")
    add_arguments(parser)
    args = parser.parse_args([])
    assert (args.seed, args.scale, args.today, args.reset) == (42, 1.0, None, False)
    assert parser.parse_args(["--today", "2026-02-28"]).today.isoformat() == "2026-02-28"


def test_progress_prints_one_line_per_table_when_not_a_terminal() -> None:
    stream = io.StringIO()
    printer = ProgressPrinter(stream, threshold=20_000)
    printer(Progress("clients", 5_000, 5_000, 10_000, table_done=True))  # small book: silent
    for written, done in ((5_000, False), (9_000, True)):
        printer(Progress("installments", written, written, 90_000, table_done=done))
    printer(Progress("payments", 81_000, 90_000, 90_000, table_done=True))
    printer.finish()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("seeding installments: 9,000 rows")
    assert "90,000 / 90,000 rows, 100%" in lines[1]
