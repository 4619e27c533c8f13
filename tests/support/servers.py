"""Running pagos the ways users do: in-process over ASGI, and as real server processes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from opentelemetry.sdk.trace.export import SpanExporter

from service.app import create_app
from service.auth import create_token
from service.settings import DEV_SECRET_KEY, Settings

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REDIS_URL = "redis://127.0.0.1:6379/0"


def settings_for(database_url: str, cache_prefix: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "redis_url": REDIS_URL,
        "cache_prefix": cache_prefix,
        "environment": "test",
        "web_concurrency": 1,
        "prometheus_multiproc_dir": None,
        "log_format": "json",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


ALL_SCOPES = ("read", "write")


def auth_headers(
    scopes: tuple[str, ...] | None = ALL_SCOPES, secret: str = DEV_SECRET_KEY
) -> dict[str, str]:
    """``Authorization: Bearer …`` for a token with ``scopes``; none at all for ``None``."""
    if scopes is None:
        return {}
    return {"Authorization": f"Bearer {create_token(secret, scopes, 3600, subject='tests')}"}


@asynccontextmanager
async def app_client(
    settings: Settings,
    scopes: tuple[str, ...] | None = ALL_SCOPES,
    span_exporter: SpanExporter | None = None,
) -> AsyncIterator[httpx.AsyncClient]:
    """The real app, lifespan included, behind an httpx client over ASGI. The client sends
    a read+write token by default; ``scopes=None`` sends none."""
    app = create_app(settings, span_exporter=span_exporter)
    headers = auth_headers(scopes, settings.signing_key)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://pagos.test", headers=headers
        ) as client:
            yield client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class ServerProcess:
    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)
    # a read+write token signed with the development key the test servers use
    headers: dict[str, str] = field(default_factory=auth_headers)

    def client(self, timeout: float = 10.0) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.base_url, headers=self.headers, timeout=timeout)

    def log_lines(self) -> list[str]:
        return self.log_path.read_text(errors="replace").splitlines()


def server_env(database_url: str, cache_prefix: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAGOS_", "PROMETHEUS"))}
    env.update(
        {
            "DATABASE_URL": database_url,
            "REDIS_URL": REDIS_URL,
            "PAGOS_CACHE_PREFIX": cache_prefix,
            "PAGOS_ENVIRONMENT": "test",
            "PAGOS_LOG_FORMAT": "json",
        }
    )
    env.update(extra)
    return env


def _wait_ready(server: ServerProcess, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError("server exited:\n" + "\n".join(server.log_lines()[-30:]))
        try:
            if httpx.get(server.base_url + "/health/live", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("server not ready:\n" + "\n".join(server.log_lines()[-30:]))


@contextmanager
def running(
    argv: list[str], env: dict[str, str], port: int, log_path: Path
) -> Iterator[ServerProcess]:
    with log_path.open("wb") as log:
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = ServerProcess(process, f"http://127.0.0.1:{port}", log_path, env)
    try:
        _wait_ready(server)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def gunicorn_server(
    env: dict[str, str], log_path: Path, workers: int = 2, extra_args: Sequence[str] = ()
) -> Iterator[ServerProcess]:
    """``extra_args``: more gunicorn options, or an APP_MODULE that replaces pagos's app."""
    port = free_port()
    env = {**env, "PORT": str(port), "WEB_CONCURRENCY": str(workers)}
    argv = [str(BIN / "gunicorn"), "--config", str(ROOT / "gunicorn.conf.py"), *extra_args]
    with running(argv, env, port, log_path) as server:
        yield server


@contextmanager
def uvicorn_server(env: dict[str, str], log_path: Path) -> Iterator[ServerProcess]:
    port = free_port()
    argv = [
        str(BIN / "uvicorn"),
        "--factory",
        "service.app:create_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
    ]
    with running(argv, env, port, log_path) as server:
        yield server
