"""The middleware's batched metric updates export exactly what prometheus_client's own calls do,
in one process and in multiprocess mode (they rely on the histogram children's layout: a newer
prometheus_client that changes it fails here first), and they reach the metrics by the end of
the event-loop iteration that made them."""

from __future__ import annotations

import asyncio
import errno
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, Gauge, Histogram, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from telemetry.metric_batch import BatchedGauge, BatchedHistogram, UpdateBatch
from telemetry.metrics import LATENCY_BUCKETS, SIZE_BUCKETS

ROOT = Path(__file__).resolve().parents[2]
# bucket bounds themselves, between them, beyond the last, zero and a negative amount
DURATIONS = [0.0, 0.005, 0.0051, 0.5, 0.4999, 1.0, 1.0000001, 7.3, 10.0, 11.0, 1e9, -0.5, 0.25]
SIZES = [0, 64, 65, 1048576, 1048577, 10, 4096, 4097]


def record(registry: CollectorRegistry | None) -> None:
    """The same requests through the public calls (``public_*``) and the batched ones
    (``batched_*``), committed once midway and once at the end. ``None``: the default registry
    (multiprocess mode, in a child process)."""
    for kind in ("public", "batched"):
        kw = {} if registry is None else {"registry": registry}
        duration = Histogram(f"{kind}_seconds", "h", ["route"], buckets=LATENCY_BUCKETS, **kw)
        size = Histogram(f"{kind}_bytes", "h", ["route"], buckets=SIZE_BUCKETS, **kw)
        active = Gauge(f"{kind}_active", "g", ["method"], multiprocess_mode="livesum", **kw)
        requests = list(zip(DURATIONS, [*SIZES, *SIZES], strict=False))
        if kind == "public":
            for seconds, size_bytes in requests:
                duration.labels("/r").observe(seconds)
                size.labels("/r").observe(size_bytes)
            active.labels("GET").inc(1)  # one request still in flight
            continue
        asyncio.run(serve_batched(duration, size, active, requests))


async def serve_batched(
    duration: Histogram, size: Histogram, active: Gauge, requests: list[tuple[float, int]]
) -> None:
    """The requests' updates, batched (on a running event loop, as the middleware makes them)."""
    batch = UpdateBatch()
    durations = BatchedHistogram(duration.labels("/r"), batch)
    sizes = BatchedHistogram(size.labels("/r"), batch)
    in_flight = BatchedGauge(active.labels("GET"), batch)
    in_flight.add(1)  # one request still in flight
    for number, (seconds, size_bytes) in enumerate(requests):
        in_flight.add(1)
        durations.observe(seconds)
        sizes.observe(size_bytes)
        in_flight.add(-1)
        if number == 4:
            batch.commit()
    batch.commit()


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
    public, batched = samples(exposition, "public"), samples(exposition, "batched")
    assert public and batched == public
    assert public['_seconds_count{"route": "/r"}'] == len(DURATIONS)
    assert public['_bytes_sum{"route": "/r"}'] == sum([*SIZES, *SIZES][: len(DURATIONS)])
    assert public['_active{"method": "GET"}'] == 1


def test_batched_updates_export_what_observe_and_inc_export() -> None:
    registry = CollectorRegistry()
    record(registry)
    assert_same(generate_latest(registry).decode())


def test_batched_updates_export_the_same_in_multiprocess_mode(tmp_path: Path) -> None:
    script = (
        "from prometheus_client import CollectorRegistry, generate_latest, multiprocess\n"
        "from tests.telemetry.test_metric_batch import record\n"
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


def sample(registry: CollectorRegistry, name: str, **labels: str) -> float | None:
    return registry.get_sample_value(name, labels)


async def test_updates_are_committed_by_the_end_of_the_loop_iteration() -> None:
    registry = CollectorRegistry()
    duration = Histogram("d_seconds", "h", ["route"], buckets=LATENCY_BUCKETS, registry=registry)
    batch = UpdateBatch()
    durations = BatchedHistogram(duration.labels("/r"), batch)
    in_flight = BatchedGauge(Gauge("a", "g", ["method"], registry=registry).labels("GET"), batch)

    in_flight.add(1)  # two requests start; one of them finishes
    in_flight.add(1)
    in_flight.add(-1)
    durations.observe(0.2)
    durations.observe(0.3)
    await asyncio.sleep(0)

    assert sample(registry, "d_seconds_count", route="/r") == 2
    assert sample(registry, "d_seconds_bucket", route="/r", le="0.25") == 1
    assert sample(registry, "d_seconds_bucket", route="/r", le="0.1") == 0
    assert sample(registry, "a", method="GET") == 1

    in_flight.add(-1)
    await asyncio.sleep(0)
    assert sample(registry, "a", method="GET") == 0
    assert sample(registry, "d_seconds_sum", route="/r") == 0.5


def test_updates_pending_when_asyncio_run_returns_are_committed() -> None:
    registry = CollectorRegistry()
    duration = Histogram("d_seconds", "h", ["route"], buckets=LATENCY_BUCKETS, registry=registry)
    batch = UpdateBatch()
    durations = BatchedHistogram(duration.labels("/r"), batch)

    async def last_request() -> None:
        durations.observe(0.2)  # and nothing after it on this loop

    asyncio.run(last_request())
    assert sample(registry, "d_seconds_count", route="/r") == 1

    asyncio.run(last_request())  # a new loop schedules its own commit
    assert sample(registry, "d_seconds_count", route="/r") == 2


class WriteFailsOnce:
    """A metric value whose first write fails, as a metric file on a full disk would."""

    def __init__(self, value: Any) -> None:
        self.value = value
        self.failed = False

    def inc(self, amount: float) -> None:
        if not self.failed:
            self.failed = True
            raise OSError(errno.ENOSPC, "No space left on device")
        self.value.inc(amount)

    def __getattr__(self, name: str) -> Any:  # reads (get, get_exemplar) as the value's
        return getattr(self.value, name)


async def test_an_update_that_cannot_be_written_is_written_later_and_strands_no_other() -> None:
    registry = CollectorRegistry()
    duration = Histogram("d_seconds", "h", ["route"], buckets=LATENCY_BUCKETS, registry=registry)
    size = Histogram("s_bytes", "h", ["route"], buckets=SIZE_BUCKETS, registry=registry)
    child = duration.labels("/r")
    failing = LATENCY_BUCKETS.index(0.25)
    child._buckets[failing] = WriteFailsOnce(child._buckets[failing])
    batch = UpdateBatch()
    durations = BatchedHistogram(child, batch)
    sizes = BatchedHistogram(size.labels("/r"), batch)

    durations.observe(0.2)  # into the failing bucket
    durations.observe(0.01)
    sizes.observe(100)
    with pytest.raises(OSError):
        batch.commit()
    batch.commit()  # the sizes, behind the failure, are not stranded
    assert sample(registry, "s_bytes_count", route="/r") == 1

    durations.observe(0.3)  # the next observation brings the rest
    await asyncio.sleep(0)
    assert sample(registry, "d_seconds_count", route="/r") == 3
    assert sample(registry, "d_seconds_bucket", route="/r", le="0.25") == 2
    assert sample(registry, "d_seconds_bucket", route="/r", le="0.01") == 1
    assert sample(registry, "d_seconds_sum", route="/r") == pytest.approx(0.51)
    assert sample(registry, "s_bytes_count", route="/r") == 1
