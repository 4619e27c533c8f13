"""KPI endpoint latency on the default book in PostgreSQL, through HTTP (not a test).

Seeds the default book (seed 42, scale 1) into its own database, serves it with gunicorn and
two uvicorn workers, and measures:
- cache misses: before each request the `kpis` generation is bumped, as a payment write does;
- cache hits: the same request again and again.
Prints p50/p95 of each and the ratio to the 1,206 ms the real backend logged on a miss.
Targets: miss p95 < 50 ms, hit p95 < 5 ms.

    .venv/bin/python bench/kpis.py [--misses 100] [--hits 1000] [--scale 1]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import redis

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service.db.url import async_database_url
from service.seed.seeding import seed_database
from tests.support.databases import create_pg_database, drop_pg_database
from tests.support.servers import REDIS_URL, gunicorn_server, server_env

REAL_BACKEND_MISS_MS = 1206.0
KPIS = "/api/v1/pagos/kpis"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def timed_get(client: httpx.Client, url: str, expect_cache: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200 or response.headers.get("x-cache") != expect_cache:
        raise SystemExit(f"unexpected answer {response.status_code} {response.headers}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--misses", type=int, default=100)
    parser.add_argument("--hits", type=int, default=1000)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()

    url = create_pg_database("bench")
    prefix = f"pagos-bench-{uuid.uuid4().hex[:8]}"
    store = redis.Redis.from_url(REDIS_URL)
    try:
        today = datetime.now(ZoneInfo("America/Caracas")).date()
        print(f"seeding the book (scale {args.scale:g}) …", flush=True)
        report = asyncio.run(
            seed_database(async_database_url(url), seed=42, scale=args.scale, today=today)
        )
        print("\n".join(report.lines()), flush=True)
        log = Path(f"/tmp/{prefix}.log")
        with (
            gunicorn_server(server_env(url, prefix), log, workers=2) as server,
            httpx.Client(base_url=server.base_url, headers=server.headers) as client,
        ):
            for _ in range(20):  # warm connections and pools
                store.incr(f"{prefix}:kpis:generation")
                client.get(KPIS)
            misses = []
            for _ in range(args.misses):
                store.incr(f"{prefix}:kpis:generation")  # what a payment write does
                misses.append(timed_get(client, KPIS, "miss"))
            hits = [timed_get(client, KPIS, "hit") for _ in range(args.hits)]
        log.unlink(missing_ok=True)
    finally:
        for key in store.scan_iter(match=f"{prefix}:*"):
            store.delete(key)
        drop_pg_database(url)

    print()
    print(f"{'':10} {'p50 ms':>8} {'p95 ms':>8} {'target':>10}  vs the real backend's 1,206 ms")
    for name, values, target in (("miss", misses, 50.0), ("hit", hits, 5.0)):
        p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
        verdict = "met" if p95 < target else "MISSED"
        print(
            f"{name:10} {p50:8.2f} {p95:8.2f} {'<' + format(target, 'g'):>10}  "
            f"{REAL_BACKEND_MISS_MS / p95:7.1f}x faster at p95 ({verdict})"
        )
    print(
        f"(mean miss {statistics.mean(misses):.2f} ms over {len(misses)}, "
        f"mean hit {statistics.mean(hits):.2f} ms over {len(hits)})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
