"""``GET /api/v1/ops/cache``: which backend and breaker state every live worker is in, and the
hit ratio they saw, from the states the workers publish in Redis."""

from __future__ import annotations

import os
from typing import Any

from fastapi import APIRouter

from service.auth import ReadAccess
from service.cache.states import worker_states
from service.deps import CacheDep

router = APIRouter(prefix="/api/v1/ops", tags=["ops"])


def hit_ratio(hits: int, stale: int, misses: int) -> float | None:
    """Answers served from the cache (fresh or stale) over all lookups; None before any."""
    lookups = hits + stale + misses
    return round((hits + stale) / lookups, 4) if lookups else None


@router.get("/cache")
async def cache_state(_: ReadAccess, cache: CacheDep) -> dict[str, Any]:
    states, complete = await worker_states(cache)
    workers = sorted(states, key=lambda w: (w["host"], w["pid"]))
    backends: dict[str, int] = {}
    for worker in workers:
        backends[worker["backend"]] = backends.get(worker["backend"], 0) + 1
    hits = sum(w["hits"] for w in workers)
    stale = sum(w["stale"] for w in workers)
    misses = sum(w["misses"] for w in workers)
    return {
        "answered_by": os.getpid(),
        "shared": cache.store.serving == "redis",
        "backends": backends,
        # False while Redis is away: only the worker that answered can speak for itself
        "complete": complete,
        "workers": workers,
        "lookups": {"hits": hits, "stale": stale, "misses": misses},
        "hit_ratio": hit_ratio(hits, stale, misses),
    }
