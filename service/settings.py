"""The one settings class. Nothing else in pagos reads ``os.environ``."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

Environment = Literal["development", "test", "production"]

# Public on purpose: signs development and test tokens only; production refuses it.
DEV_SECRET_KEY = "pagos-development-secret-key-never-use-in-production"
MIN_SECRET_LENGTH = 32


def secret_key_problem(secret: SecretStr | None) -> str | None:
    """Why a secret key is unfit for production, or None when it is fine."""
    if secret is None or not secret.get_secret_value().strip():
        return "is missing"
    value = secret.get_secret_value()
    if value == DEV_SECRET_KEY:
        return "is the public development key"
    if len(value) < MIN_SECRET_LENGTH or len(set(value)) < 10:
        return f"is weak (fewer than {MIN_SECRET_LENGTH} characters or too repetitive)"
    return None


class Settings(BaseSettings):
    # hide_input_in_errors: a refused secret key or database URL is never echoed to the logs
    model_config = SettingsConfigDict(
        env_prefix="PAGOS_", extra="ignore", populate_by_name=True, hide_input_in_errors=True
    )

    # Names the platform sets (Render, gunicorn, prometheus_client) are read without prefix.
    database_url: str = Field(
        default="sqlite:///var/pagos.db", validation_alias=AliasChoices("DATABASE_URL")
    )
    redis_url: str = Field(
        default="redis://localhost:6379/0", validation_alias=AliasChoices("REDIS_URL")
    )
    port: int = Field(default=8000, ge=1, le=65535, validation_alias=AliasChoices("PORT"))
    web_concurrency: int = Field(
        default=2, ge=1, le=64, validation_alias=AliasChoices("WEB_CONCURRENCY")
    )
    prometheus_multiproc_dir: Path | None = Field(
        default=None, validation_alias=AliasChoices("PROMETHEUS_MULTIPROC_DIR")
    )

    # OpenTelemetry, by its standard names. Traces go to OTLP/HTTP when an endpoint is set,
    # to the console with OTEL_TRACES_EXPORTER=console, nowhere otherwise.
    otel_exporter_otlp_endpoint: str | None = Field(
        default=None, validation_alias=AliasChoices("OTEL_EXPORTER_OTLP_ENDPOINT")
    )
    otel_traces_exporter: Literal["otlp", "console", "none"] | None = Field(
        default=None, validation_alias=AliasChoices("OTEL_TRACES_EXPORTER")
    )
    otel_traces_sampler_arg: float = Field(
        default=1.0, ge=0, le=1, validation_alias=AliasChoices("OTEL_TRACES_SAMPLER_ARG")
    )
    otel_service_name: str = Field(
        default="pagos", validation_alias=AliasChoices("OTEL_SERVICE_NAME")
    )

    environment: Environment = "development"
    host: str = "127.0.0.1"
    business_timezone: str = "America/Caracas"
    log_format: Literal["json", "console"] | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"

    # Cache. Redis timeouts are short on purpose: an unreachable Redis costs a request at most
    # the connect timeout, a silent one the operation timeout, and only until the circuit
    # breaker opens; then the worker serves from its in-process cache.
    cache_prefix: str = "pagos"
    # Fresh TTL: answered as a hit. Stale TTL: kept that long in all, answered as "stale"
    # (while one worker recomputes) after the fresh TTL, and when the database is down.
    cache_kpis_ttl_seconds: float = Field(default=300, gt=0)
    cache_kpis_stale_ttl_seconds: float = Field(default=1800, gt=0)
    cache_notifications_ttl_seconds: float = Field(default=30, gt=0)
    cache_notifications_stale_ttl_seconds: float = Field(default=300, gt=0)
    cache_memory_max_entries: int = Field(default=1024, ge=1)
    # While Redis is away each worker's memory cache cannot see the others' writes, so what it
    # keeps lives at most this long: a write shows everywhere within this time.
    cache_memory_ttl_seconds: float = Field(default=5.0, gt=0)
    # Single-flight across workers: the lock expires by itself if its owner dies; the others
    # wait at most this long for the owner's value before computing themselves.
    cache_lock_ttl_seconds: float = Field(default=5.0, gt=0)
    cache_lock_wait_seconds: float = Field(default=1.0, ge=0)
    # How often each worker probes Redis while on memory and publishes its cache state.
    cache_probe_interval_seconds: float = Field(default=2.0, gt=0)
    redis_connect_timeout_seconds: float = Field(default=0.1, gt=0)
    redis_socket_timeout_seconds: float = Field(default=0.25, gt=0)
    redis_max_connections: int = Field(default=32, ge=1)
    # Circuit breaker: after this many consecutive Redis failures a worker serves from
    # memory without touching Redis for redis_retry_after_seconds, then tries again.
    redis_failure_threshold: int = Field(default=3, ge=1)
    redis_retry_after_seconds: float = Field(default=5.0, gt=0)

    # Telemetry. Detectors are per route template; the KPI route's SLO is 500 ms.
    slow_request_seconds: float = Field(default=1.0, gt=0)
    slow_route_seconds: dict[str, float] = Field(
        default_factory=lambda: {"/api/v1/pagos/kpis": 0.5}
    )
    # Probes and scrapes are left out of the latency and size histograms.
    unmeasured_routes: frozenset[str] = frozenset(
        {"/metrics", "/health/live", "/health/ready", "/api/v1/health/render"}
    )
    # Below these sizes a 2xx JSON answer is suspicious, unless the handler said "empty".
    small_response_bytes: dict[str, int] = Field(
        default_factory=lambda: {
            "/api/v1/pagos/kpis": 120,
            "/api/v1/notificaciones/estadisticas/resumen": 70,
        }
    )

    # Database. A statement that cannot finish in this time is a failure (503), not a hang.
    db_connect_timeout_seconds: float = Field(default=2.0, gt=0)
    db_statement_timeout_seconds: float = Field(default=10.0, gt=0)
    db_pool_size: int = Field(default=5, ge=1)

    # Auth. Tokens are JWT (HS256) signed with the secret key; production refuses to start
    # without a strong one, development and tests fall back to a fixed, public dev key.
    secret_key: SecretStr | None = None
    token_ttl_seconds: int = Field(default=8 * 3600, ge=60, le=366 * 86400)
    metrics_token: SecretStr | None = None  # when set, /metrics wants it as a bearer token
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)

    # Process model (gunicorn.conf.py). Render waits maxShutdownDelaySeconds (render.yaml)
    # after SIGTERM: the graceful timeout must fit inside it.
    worker_timeout_seconds: int = Field(default=30, ge=1)
    graceful_timeout_seconds: int = Field(default=25, ge=1)
    # Worker lifecycle in Redis: a registration refreshed every heartbeat, expiring after
    # three missed ones, and a capped stream of lifecycle events.
    worker_heartbeat_seconds: float = Field(default=5.0, gt=0)
    lifecycle_max_events: int = Field(default=5000, ge=10)
    # Each readiness check (database SELECT 1, Redis PING) is abandoned after this long.
    health_check_timeout_seconds: float = Field(default=1.0, gt=0, le=5)
    lifecycle_redis_timeout_seconds: float = Field(default=0.25, gt=0, le=5)

    @field_validator("business_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_in_capitals(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("cache_prefix")
    @classmethod
    def _safe_prefix(cls, value: str) -> str:
        if not value or any(ch in value for ch in ": \t\n*?[]"):
            raise ValueError("cache prefix must be non-empty, without ':', spaces or globs")
        return value

    @model_validator(mode="after")
    def _strong_secret_in_production(self) -> Settings:
        if self.environment == "production":
            problem = secret_key_problem(self.secret_key)
            if problem:
                raise ValueError(
                    f"PAGOS_SECRET_KEY {problem}; production needs a random secret of at "
                    f"least {MIN_SECRET_LENGTH} characters (python -c 'import secrets; "
                    "print(secrets.token_urlsafe(48))')"
                )
        return self

    @property
    def signing_key(self) -> str:
        if self.secret_key is None:
            return DEV_SECRET_KEY
        return self.secret_key.get_secret_value()

    @property
    def traces_exporter(self) -> Literal["otlp", "console", "none"]:
        if self.otel_traces_exporter is not None:
            return self.otel_traces_exporter
        return "otlp" if self.otel_exporter_otlp_endpoint else "none"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.business_timezone)

    @property
    def json_logs(self) -> bool:
        if self.log_format is not None:
            return self.log_format == "json"
        return self.environment == "production"


def _variable_name(field: str) -> str:
    """The environment variable that sets ``field`` (a field's name, or already an alias)."""
    info = Settings.model_fields.get(field)
    if info is None:
        return field  # errors name aliased fields by their alias: DATABASE_URL, PORT
    alias = info.validation_alias
    if isinstance(alias, AliasChoices) and isinstance(alias.choices[0], str):
        return alias.choices[0]
    return f"PAGOS_{field.upper()}"


def configuration_message(exc: ValidationError | SettingsError) -> str:
    """``pagos: invalid configuration:`` and what is wrong, a line per variable."""
    return "pagos: invalid configuration:" + "".join(
        f"\n  {problem}" for problem in _configuration_problems(exc)
    )


def _configuration_problems(exc: ValidationError | SettingsError) -> list[str]:
    """What is wrong with the environment, one line per variable, by the variables' names."""
    if isinstance(exc, SettingsError):
        match = re.search(r'field "(\w+)"', str(exc))
        name = _variable_name(match.group(1)) if match else "a setting"
        cause = f": {exc.__cause__}" if exc.__cause__ is not None else ""
        return [f"{name} cannot be parsed (JSON expected){cause}"]
    problems = []
    for error in exc.errors():
        message = error["msg"].removeprefix("Value error, ")
        field = error["loc"][0] if error["loc"] else None
        problems.append(f"{_variable_name(str(field))}: {message}" if field else message)
    return problems


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
