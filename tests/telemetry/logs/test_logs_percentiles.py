"""Percentiles: exact (nearest rank) up to the limit, within 1% beyond it."""

from __future__ import annotations

import math
import random
from pathlib import Path

from telemetry.logs.percentiles import EXACT_LIMIT, RELATIVE_ERROR, Quantiles
from tests.telemetry.logs.conftest import Runner


def nearest_rank(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def test_exact_below_the_limit() -> None:
    rng = random.Random(7)
    values = [round(rng.lognormvariate(4, 1.2), 3) for _ in range(EXACT_LIMIT)]
    q = Quantiles()
    for value in values:
        q.add(value)
    assert q.exact
    for p in (1, 50, 90, 95, 99, 99.9, 100):
        assert q.percentile(p) == nearest_rank(values, p)
    assert q.maximum == max(values)


def test_bounded_error_above_the_limit() -> None:
    rng = random.Random(11)
    values = [rng.lognormvariate(5, 2.0) for _ in range(EXACT_LIMIT * 6)] + [0.0] * 50
    q = Quantiles()
    for value in values:
        q.add(value)
    assert not q.exact
    for p in (1, 25, 50, 75, 90, 95, 99, 99.9):
        expected = nearest_rank(values, p)
        got = q.percentile(p)
        assert got is not None
        assert abs(got - expected) <= RELATIVE_ERROR * expected, (p, got, expected)
    assert q.percentile(0.01) == 0.0
    assert q.maximum == max(values)


def test_percentiles_through_the_cli(analyze: Runner, tmp_path: Path) -> None:
    rng = random.Random(3)
    durations = [rng.randint(1, 3000) for _ in range(1001)]
    lines = [
        f'{{"event":"request","method":"GET","route":"/api/v1/clientes/{{client_id}}",'
        f'"path":"/api/v1/clientes/{n}","status":200,"duration_ms":{ms},"response_bytes":2000,'
        f'"worker_pid":9,"timestamp":"2025-11-10T14:00:00Z"}}'
        for n, ms in enumerate(durations)
    ]
    log = tmp_path / "requests.jsonl"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = analyze(log, "--format", "json").json()
    (row,) = report["routes"]
    assert row["count"] == len(durations)
    assert row["p50_ms"] == nearest_rank(durations, 50)
    assert row["p95_ms"] == nearest_rank(durations, 95)
    assert row["p99_ms"] == nearest_rank(durations, 99)
    assert row["max_ms"] == max(durations)
    assert report["slow_requests"]["count"] == sum(1 for ms in durations if ms >= 1000)
