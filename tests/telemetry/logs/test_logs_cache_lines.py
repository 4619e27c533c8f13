"""Cache backend evidence in the free-text wordings backends use, English and Spanish."""

from __future__ import annotations

import pytest

from telemetry.logs.model import CacheBackend, CacheLookup, LineContext
from telemetry.logs.parsers import legacy


def _backend(message: str) -> str | None:
    ctx = LineContext("t")
    legacy.parse_message(message, ctx)
    found = [e.backend for e in ctx.events if isinstance(e, CacheBackend)]
    return found[-1] if found else None


@pytest.mark.parametrize(
    "message",
    [
        "✅ Redis conectado: redis://red-x:6379",
        "Connected to Redis at red-x:6379",
        "Cache: Redis inicializado correctamente",
        "RedisCache initialized",
        "Usando RedisCache",
        "✅ Conexión a Redis establecida",
    ],
)
def test_redis_lines(message: str) -> None:
    assert _backend(message) == "redis"


@pytest.mark.parametrize(
    "message",
    [
        "⚠️ Usando MemoryCache - NO recomendado para producción con múltiples workers",
        "⚠️ No se pudo conectar a Redis: Error 111. Usando MemoryCache",
        "Redis connection failed, falling back to memory",
        "Redis not configured, using MemoryCache",
    ],
)
def test_memory_lines(message: str) -> None:
    assert _backend(message) == "memory"


@pytest.mark.parametrize(
    "message", ["redis ping timeout", "memory usage 300MB", "Cache de KPIs invalidado"]
)
def test_not_backend_evidence(message: str) -> None:
    assert _backend(message) is None


def test_hit_and_miss_lines() -> None:
    ctx = LineContext("t")
    for message in ("Cache HIT: kpis:2025-11", "cache miss for kpis:2025-11", "CACHE_HIT x"):
        legacy.parse_message(message, ctx)
    assert [e.result for e in ctx.events if isinstance(e, CacheLookup)] == ["hit", "miss", "hit"]
