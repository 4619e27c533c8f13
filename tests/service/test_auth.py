"""Bearer tokens as an operator meets them: 401 without or with a bad token, 403 without the
scope, the CLI that prints one, and the settings that refuse to serve production unsafely."""

from __future__ import annotations

import base64
import json
import subprocess
import time

import pytest
from pydantic import ValidationError

from service.auth import create_token
from service.settings import DEV_SECRET_KEY, Settings
from tests.support.api import row_counts
from tests.support.servers import BIN, ROOT, app_client, auth_headers, settings_for

KPIS = "/api/v1/pagos/kpis"
SUMMARY = "/api/v1/notificaciones/estadisticas/resumen"
STRONG_SECRET = "Zq3vX8pL2mN7rT4yW9bK1cF6hJ0sD5gA-strong"


def _unsigned(payload: dict[str, object]) -> str:
    def part(value: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(payload)}."


@pytest.mark.parametrize("route", [KPIS, SUMMARY])
async def test_a_read_endpoint_without_a_token_is_401_in_the_error_shape(
    pg_url: str, cache_prefix: str, route: str
) -> None:
    async with app_client(settings_for(pg_url, cache_prefix), scopes=None) as client:
        response = await client.get(route)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    body = response.json()
    assert body["error"] == "unauthorized"
    assert set(body) == {"error", "message", "details", "request_id"}
    assert body["request_id"] == response.headers["x-request-id"]


@pytest.mark.parametrize(
    "token",
    [
        "not-a-jwt",
        create_token("another-secret-of-someone-else-entirely", ["read"], 3600),
        create_token(DEV_SECRET_KEY, ["read"], 60, now=time.time() - 3600),  # expired
        _unsigned({"sub": "x", "scope": "read write", "iss": "pagos", "iat": 1, "exp": 4e9}),
    ],
    ids=["garbage", "wrong-secret", "expired", "alg-none"],
)
async def test_a_bad_token_is_401(pg_url: str, cache_prefix: str, token: str) -> None:
    async with app_client(settings_for(pg_url, cache_prefix), scopes=None) as client:
        response = await client.get(KPIS, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"
    assert "Traceback" not in response.text and "jwt" not in response.text.lower()


async def test_a_token_without_the_scope_is_403(pg_url: str, cache_prefix: str) -> None:
    async with app_client(settings_for(pg_url, cache_prefix), scopes=("write",)) as client:
        response = await client.get(KPIS)
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"
    assert "read" in response.json()["message"]


async def test_a_read_token_reads(pg_url: str, cache_prefix: str) -> None:
    async with app_client(settings_for(pg_url, cache_prefix), scopes=("read",)) as client:
        response = await client.get(KPIS, params={"mes": 1, "año": 2021})
    assert response.status_code == 200
    assert response.json()["mes"] == 1


async def test_the_configured_secret_signs_and_the_dev_key_no_longer_works(
    pg_url: str, cache_prefix: str
) -> None:
    settings = settings_for(pg_url, cache_prefix, secret_key=STRONG_SECRET)
    async with app_client(settings, scopes=None) as client:
        dev = await client.get(KPIS, headers=auth_headers(("read",), DEV_SECRET_KEY))
        ours = await client.get(KPIS, headers=auth_headers(("read",), STRONG_SECRET))
    assert (dev.status_code, ours.status_code) == (401, 200)


async def test_health_and_metrics_need_no_user_token(pg_url: str, cache_prefix: str) -> None:
    async with app_client(settings_for(pg_url, cache_prefix), scopes=None) as client:
        assert (await client.get("/health/live")).status_code == 200
        assert (await client.get("/metrics")).status_code == 200


async def test_metrics_takes_its_own_token_when_configured(pg_url: str, cache_prefix: str) -> None:
    settings = settings_for(pg_url, cache_prefix, metrics_token="scrape-me-please")
    async with app_client(settings) as client:  # a user's read+write token is not enough
        with_user_token = await client.get("/metrics")
        scraper = await client.get("/metrics", headers={"Authorization": "Bearer scrape-me-please"})
    async with app_client(settings, scopes=None) as client:
        anonymous = await client.get("/metrics")
    assert (anonymous.status_code, anonymous.json()["error"]) == (401, "unauthorized")
    assert with_user_token.status_code == 401
    assert with_user_token.json()["error"] == "invalid_token"
    assert scraper.status_code == 200 and "http_server_request_duration_seconds" in scraper.text


@pytest.mark.parametrize(
    "secret",
    [None, "", "short-secret", DEV_SECRET_KEY, "a" * 64],
    ids=["missing", "empty", "short", "dev-key", "repetitive"],
)
def test_production_refuses_a_missing_or_weak_secret(secret: str | None) -> None:
    values: dict[str, object] = {"environment": "production"}
    if secret is not None:
        values["secret_key"] = secret
    with pytest.raises(ValidationError, match="PAGOS_SECRET_KEY") as caught:
        Settings(**values)  # type: ignore[arg-type]
    if secret:
        assert secret not in str(caught.value)  # a refused secret is never echoed


def test_production_accepts_a_strong_secret() -> None:
    assert Settings(environment="production", secret_key=STRONG_SECRET).signing_key == (  # type: ignore[arg-type]
        STRONG_SECRET
    )


def _pagos(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {"PATH": str(BIN), "HOME": str(ROOT)}
    return subprocess.run(
        [str(BIN / "pagos"), *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_token_create_prints_a_token_the_api_accepts(pg_url: str, cache_prefix: str) -> None:
    result = _pagos("token", "create", "--scope", "read,write", "--ttl", "8h")
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    payload = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    assert payload["scope"] == "read write"
    assert payload["exp"] - payload["iat"] == 8 * 3600
    async with app_client(settings_for(pg_url, cache_prefix), scopes=None) as client:
        response = await client.get(KPIS, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_token_create_refuses_unknown_scopes_and_production_without_secret() -> None:
    unknown = _pagos("token", "create", "--scope", "admin")
    assert unknown.returncode == 2 and "scopes must be among read, write" in unknown.stderr
    forever = _pagos("token", "create", "--ttl", "99999999d")
    assert forever.returncode == 2 and "at most 366d" in forever.stderr and not forever.stdout
    for too_short in ("59", "10s"):
        brief = _pagos("token", "create", "--ttl", too_short)
        assert brief.returncode == 2 and "at least 60s" in brief.stderr and not brief.stdout
    assert _pagos("token", "create", "--ttl", "1m").returncode == 0
    production = _pagos("token", "create", PAGOS_ENVIRONMENT="production")
    assert production.returncode == 2
    assert "PAGOS_SECRET_KEY is missing" in production.stderr
    assert production.stdout == ""


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("PAGOS_LOG_LEVEL", "LOUD", "PAGOS_LOG_LEVEL: Input should be 'DEBUG'"),
        ("PAGOS_SLOW_ROUTE_SECONDS", "{bad", "PAGOS_SLOW_ROUTE_SECONDS cannot be parsed"),
        ("PAGOS_UNMEASURED_ROUTES", "[1", "PAGOS_UNMEASURED_ROUTES cannot be parsed"),
        ("WEB_CONCURRENCY", "many", "WEB_CONCURRENCY: Input should be a valid integer"),
    ],
)
def test_a_bad_setting_is_named_by_its_variable_without_a_traceback(
    variable: str, value: str, message: str
) -> None:
    result = _pagos("token", "create", **{variable: value})
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


WRITES = [
    ("POST", "/api/v1/clientes", {"cedula": "V77000001", "nombres": "Ana"}),
    ("POST", "/api/v1/prestamos", {"cedula": "V77000001", "total_financiamiento": "100",
                                   "numero_cuotas": 1, "modalidad_pago": "MENSUAL"}),
    ("PATCH", "/api/v1/prestamos/1/estado", {"estado": "EN_REVISION"}),
    ("POST", "/api/v1/pagos", {"cedula": "V77000001", "fecha_pago": "2026-03-01T10:00:00",
                               "monto_pagado": "10"}),
    ("POST", "/api/v1/pagos/1/conciliar", None),
    ("DELETE", "/api/v1/pagos/1", None),
    ("POST", "/api/v1/notificaciones", {"cliente_id": 1, "tipo": "SMS", "asunto": "x"}),
    ("PATCH", "/api/v1/notificaciones/1", {"leida": True}),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "body"), WRITES, ids=[f"{m} {p}" for m, p, _ in WRITES])
async def test_every_write_needs_a_token_with_the_write_scope(
    pg_url: str, cache_prefix: str, method: str, path: str, body: dict[str, object] | None
) -> None:
    async with app_client(settings_for(pg_url, cache_prefix), scopes=None) as client:
        before = await row_counts(pg_url)
        anonymous = await client.request(method, path, json=body)
        reader = await client.request(method, path, json=body, headers=auth_headers(("read",)))
        after = await row_counts(pg_url)
    assert (anonymous.status_code, anonymous.json()["error"]) == (401, "unauthorized")
    assert (reader.status_code, reader.json()["error"]) == (403, "forbidden")
    assert after == before
