"""The benchmarks still run against today's code (auth, settings, CLI): each on a tiny input,
asserting what it prints, never how fast it was."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests.support.servers import ROOT

pytestmark = pytest.mark.slow


def _bench(*argv: str) -> str:
    done = subprocess.run(
        [sys.executable, *argv], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done.stdout


def test_kpis_bench() -> None:
    out = _bench("bench/kpis.py", "--misses", "3", "--hits", "3", "--scale", "0.02")
    assert "mean miss" in out and "over 3" in out
    assert any(line.startswith("miss") for line in out.splitlines())


def test_cache_bench() -> None:
    out = _bench("bench/cache.py", "--rounds", "2", "--block", "20")
    assert "ratio" in out and "first answer from memory" in out


def test_logs_bench(tmp_path: object) -> None:
    out = _bench("bench/logs.py", "--lines", "2000", "4000", "--dir", str(tmp_path))
    assert "4,000 lines" in out and "peak RSS ratio" in out


@pytest.mark.skipif(shutil.which("wrk") is None, reason="bench/overhead.py needs wrk")
def test_overhead_bench() -> None:
    out = _bench("bench/overhead.py", "--rounds", "1", "--seconds", "1")
    assert "instrumentator" in out and "target:" in out
