"""The middleware's cheaper metric updates export exactly what prometheus_client's own calls do,
in one process and in multiprocess mode (they rely on the children's layout: a newer
prometheus_client that changes it fails here first)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from prometheus_client import CollectorRegistry, Gauge, Histogram, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from telemetry.metrics import LATENCY_BUCKETS, HistogramSeries, gauge_adder

ROOT = Path(__file__).resolve().parents[2]
# bucket bounds themselves, between them, beyond the last, zero and a negative amount
AMOUNTS = [0.0, 0.005, 0.0051, 0.5, 0.4999, 1.0, 1.0000001, 7.3, 10.0, 11.0, 1e9, -0.5, 0.25]


def record(registry: CollectorRegistry | None) -> None:
    """The same observations through the public calls (``public_*``) and the fast paths
    (``fast_*``). ``None``: the default registry (multiprocess mode, in a child process)."""
    for kind in ("public", "fast"):
        kw = {} if registry is None else {"registry": registry}
        histogram = Histogram(
            f"{kind}_seconds", "h", ["route"], buckets=LATENCY_BUCKETS, **kw
        ).labels("/r")
        gauge = Gauge(f"{kind}_active", "g", ["method"], multiprocess_mode="livesum", **kw)
        child = gauge.labels("GET")
        if kind == "public":
            for amount in AMOUNTS:
                histogram.observe(amount)
            child.inc(1)
            child.inc(1)
            child.dec(1)
        else:
            series = HistogramSeries(histogram)
            for amount in AMOUNTS:
                series.observe(amount)
            move = gauge_adder(child)
            move(1)
            move(1)
            move(-1)


def samples(exposition: str, kind: str) -> dict[str, float]:
    """``{sample name without the kind prefix + labels: value}``, creation times left out."""
    found: dict[str, float] = {}
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            if sample.name.startswith(kind + "_") and not sample.name.endswith("_created"):
                key = sample.name.removeprefix(kind) + json.dumps(sample.labels, sort_keys=True)
                found[key] = sample.value
    return found


def assert_same(exposition: str) -> None:
    public, fast = samples(exposition, "public"), samples(exposition, "fast")
    assert public and fast == public
    assert public['_seconds_count{"route": "/r"}'] == len(AMOUNTS)
    assert public['_active{"method": "GET"}'] == 1


def test_fast_paths_export_what_observe_and_inc_export() -> None:
    registry = CollectorRegistry()
    record(registry)
    assert_same(generate_latest(registry).decode())


def test_fast_paths_export_the_same_in_multiprocess_mode(tmp_path: Path) -> None:
    script = (
        "from prometheus_client import CollectorRegistry, generate_latest, multiprocess\n"
        "from tests.telemetry.test_metric_fast_paths import record\n"
        "record(None)\n"
        "registry = CollectorRegistry()\n"
        f"multiprocess.MultiProcessCollector(registry, path={str(tmp_path)!r})\n"
        "print(generate_latest(registry).decode())\n"
    )
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.glob("*.db"))  # the values really went through the mmap files
    assert_same(result.stdout)
