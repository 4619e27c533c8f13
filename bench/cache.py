"""The cache's hit path against a raw redis-py GET of the same value (not a test).

Both go to the same local Redis through the same kind of client (redis.asyncio, hiredis),
interleaved in blocks within one run; the ratio is taken within each round (both sides
measured back to back), then the median. Target: pagos's hit ≤ 1.3x the raw GET. Then the
time from Redis failing (its server killed) to the first answer served from memory.

    .venv/bin/python bench/cache.py [--rounds 20] [--block 500]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service.cache.backends import MemoryBackend, RedisBackend, redis_client
from service.cache.cache import Cache, Namespace
from service.cache.failover import FailoverBackend
from tests.support.redis_server import redis_server

KPI_VALUE = {
    "montoCobradoMes": Decimal("51425.80"),
    "montoNoDefinido": Decimal("11601.34"),
    "saldoPorCobrar": Decimal("2755808.13"),
    "clientesEnMora": 2110,
    "clientesAlDia": 2110,
    "mes": 12,
    "año": 2026,
}
NAMESPACE = Namespace("kpis", 300, 1800)
PARAMS = {"mes": 12, "año": 2026, "today": "2026-12-03"}


async def compute() -> dict[str, object]:
    return KPI_VALUE


def new_cache(url: str, prefix: str) -> Cache:
    redis = RedisBackend(redis_client(url, connect_timeout=0.1, socket_timeout=0.25))
    store = FailoverBackend(redis, MemoryBackend(1024))
    return Cache(store, prefix)


async def hit_path(rounds: int, block: int, url: str) -> tuple[float, float, float]:
    cache = new_cache(url, f"bench-{uuid.uuid4().hex[:8]}")
    await cache.store.probe()
    await cache.get_or_compute(NAMESPACE, PARAMS, compute)  # warm: now every lookup is a hit
    raw_client = redis_client(url, connect_timeout=0.1, socket_timeout=0.25)
    keys = [k async for k in raw_client.scan_iter(match=f"{cache.prefix}:kpis:*")]
    (key,) = [k for k in keys if not k.endswith(b":generation")]
    pagos_us: list[float] = []
    raw_us: list[float] = []
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(block):
            lookup = await cache.get_or_compute(NAMESPACE, PARAMS, compute)
        pagos_us.append((time.perf_counter() - started) / block * 1e6)
        assert lookup.outcome == "hit"
        started = time.perf_counter()
        for _ in range(block):
            await raw_client.get(key)
        raw_us.append((time.perf_counter() - started) / block * 1e6)
    async for stale_key in raw_client.scan_iter(match=f"{cache.prefix}:*"):
        await raw_client.delete(stale_key)
    await raw_client.aclose()
    await cache.store.redis.client.aclose()  # type: ignore[union-attr]
    ratios = [ours / theirs for ours, theirs in zip(pagos_us, raw_us, strict=True)]
    return statistics.median(pagos_us), statistics.median(raw_us), statistics.median(ratios)


async def failover_time(server_url: str, kill: object) -> float:
    cache = new_cache(server_url, "bench-failover")
    await cache.store.probe()
    await cache.get_or_compute(NAMESPACE, PARAMS, compute)
    kill()  # type: ignore[operator]
    started = time.perf_counter()
    while (await cache.get_or_compute(NAMESPACE, PARAMS, compute)).backend != "memory":
        pass
    return (time.perf_counter() - started) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--block", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory, redis_server(Path(directory)) as server:
        pagos_us, raw_us, ratio = asyncio.run(hit_path(args.rounds, args.block, server.url))
        failover_ms = asyncio.run(failover_time(server.url, server.stop))
    print(f"hit path, median of {args.rounds} interleaved blocks of {args.block}:")
    print(f"  raw redis-py GET        {raw_us:8.1f} µs")
    print(f"  pagos cache hit         {pagos_us:8.1f} µs")
    verdict = "met" if ratio <= 1.3 else "MISSED"
    print(f"  ratio (median of the rounds' ratios) {ratio:5.2f}x  (target ≤ 1.30x: {verdict})")
    print(f"Redis killed → first answer from memory: {failover_ms:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
