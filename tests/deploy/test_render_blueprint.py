"""render.yaml is Render's blueprint spec, and it starts, probes and configures pagos the way
the code expects: the start command is the gunicorn one, run here with the blueprint's
environment; the health path is a real readiness probe; every variable is one pagos reads."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from service.cli import build_parser
from service.settings import Settings
from tests.support.servers import BIN, ROOT, app_client, settings_for

BLUEPRINT = ROOT / "render.yaml"
RENDER_PORT = "10000"  # what Render puts in PORT for a web service
# set by or for Render's Python runtime itself, not read by pagos
PLATFORM_VARIABLES = {"PYTHON_VERSION"}


def blueprint() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(BLUEPRINT.read_text())
    return data


def one(items: list[dict[str, Any]], **match: object) -> dict[str, Any]:
    (found,) = [i for i in items if all(i.get(k) == v for k, v in match.items())]
    return found


def web() -> dict[str, Any]:
    return one(blueprint()["services"], type="web")


def env_vars() -> dict[str, dict[str, Any]]:
    return {entry["key"]: entry for entry in web()["envVars"]}


def names_pagos_reads() -> set[str]:
    """The environment variable names of every setting (the prefix, or an alias)."""
    names = set()
    prefix = Settings.model_config.get("env_prefix", "")
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        choices = getattr(alias, "choices", None)
        if choices:
            names.update(str(choice) for choice in choices)
        else:
            names.add(f"{prefix}{name}".upper())
    return names


def test_structure_uses_the_blueprint_fields() -> None:
    data = blueprint()
    assert set(data) == {"services", "databases"}
    service = web()
    assert service["runtime"] == "python"
    for field in ("name", "buildCommand", "startCommand", "preDeployCommand", "healthCheckPath"):
        assert isinstance(service[field], str) and service[field], field
    assert isinstance(service["maxShutdownDelaySeconds"], int)
    assert 1 <= service["maxShutdownDelaySeconds"] <= 300  # Render's accepted range
    for entry in service["envVars"]:
        sources = {"value", "generateValue", "fromDatabase", "fromService"} & set(entry)
        assert len(sources) == 1, entry  # exactly one source per variable
        if "value" in entry:
            assert isinstance(entry["value"], str), f"{entry['key']}: quote it, Render wants text"

    keyvalue = one(data["services"], type="keyvalue")
    assert keyvalue["maxmemoryPolicy"] == "allkeys-lru"
    assert keyvalue["ipAllowList"] == []  # internal connections only
    (database,) = data["databases"]
    regions = {service["region"], keyvalue["region"], database["region"]}
    assert len(regions) == 1  # the private network only joins one region


def test_wiring_points_at_the_declared_resources() -> None:
    data = blueprint()
    variables = env_vars()
    database = variables["DATABASE_URL"]["fromDatabase"]
    assert database == {"name": data["databases"][0]["name"], "property": "connectionString"}
    redis = variables["REDIS_URL"]["fromService"]
    keyvalue = one(data["services"], type="keyvalue")
    assert redis == {"type": "keyvalue", "name": keyvalue["name"], "property": "connectionString"}
    assert variables["PAGOS_SECRET_KEY"] == {"key": "PAGOS_SECRET_KEY", "generateValue": True}
    assert variables["PAGOS_HOST"]["value"] == "0.0.0.0"
    assert variables["PAGOS_ENVIRONMENT"]["value"] == "production"
    assert variables["PROMETHEUS_MULTIPROC_DIR"]["value"].startswith("/")


def test_every_variable_is_one_pagos_reads() -> None:
    unknown = set(env_vars()) - names_pagos_reads() - PLATFORM_VARIABLES
    assert unknown == set()


def test_migrations_run_before_deploy_with_the_pagos_command() -> None:
    argv = shlex.split(web()["preDeployCommand"])
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert argv[0] in scripts  # installed by the build command
    assert build_parser().parse_args(argv[1:]).command == "migrate"
    assert web()["buildCommand"].split()[:2] == ["pip", "install"]


def _print_config(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The start command, with gunicorn's ``--print-config``, in ``env`` alone."""
    argv = shlex.split(web()["startCommand"])
    assert argv[0] == "gunicorn"
    return subprocess.run(
        [str(BIN / "gunicorn"), *argv[1:], "--print-config"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _effective_gunicorn_config(tmp_path: Path) -> dict[str, str]:
    """Run the start command as Render would (its environment, PORT, generated secrets,
    database and Redis URLs), but only to print the configuration it resolves and to load
    the app (gunicorn's ``--print-config``): production settings must validate."""
    env = {"PATH": f"{BIN}:/usr/bin:/bin", "PORT": RENDER_PORT, "HOME": str(tmp_path)}
    for key, entry in env_vars().items():
        if "value" in entry:
            env[key] = entry["value"]
        elif entry.get("generateValue"):
            env[key] = "Zm9yLXRlc3RzLW9ubHktYS1zZWNyZXQtb2YtNDQtY2hhcnMtbG9uZw=="
    env["DATABASE_URL"] = "postgresql://pagos:secret@dpg-test-a/pagos"
    env["REDIS_URL"] = "redis://red-test:6379"
    env["PROMETHEUS_MULTIPROC_DIR"] = str(tmp_path / "prometheus")
    (tmp_path / "prometheus").mkdir()  # on_starting would; --print-config also loads the app
    result = _print_config(env)
    assert result.returncode == 0, result.stderr[-2000:]
    config = {}
    for line in result.stdout.splitlines():
        match = re.match(r"^(\w+)\s+= (.*)$", line)
        if match:
            config[match[1]] = match[2]
    return config


def test_the_start_command_is_gunicorn_with_the_one_config_file(tmp_path: Path) -> None:
    argv = shlex.split(web()["startCommand"])
    assert argv == ["gunicorn", "--config", "gunicorn.conf.py"]
    config = _effective_gunicorn_config(tmp_path)
    assert config["bind"] == f"['0.0.0.0:{RENDER_PORT}']"  # Render routes to 0.0.0.0:PORT
    assert config["worker_class"] == "telemetry.gunicorn_worker.UvicornWorker"
    assert config["workers"] == env_vars()["WEB_CONCURRENCY"]["value"]
    assert config["wsgi_app"] == "service.app:create_app()"
    # Render must wait for the drain to finish before it kills the instance
    assert int(config["graceful_timeout"]) < web()["maxShutdownDelaySeconds"]
    for hook in ("on_starting", "post_fork", "child_exit"):
        assert config[hook] == f"<{hook}()>"  # ours, not gunicorn's no-op default


def test_the_make_run_command_uses_the_same_config_file() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "$(BIN)/pagos serve" in makefile
    cli = (ROOT / "service" / "cli.py").read_text()
    assert '"gunicorn.conf.py"' in cli


@pytest.mark.parametrize("method", ["GET", "HEAD"])
async def test_the_health_check_path_is_the_readiness_probe_without_a_token(
    pg_url: str, cache_prefix: str, method: str
) -> None:
    async with app_client(settings_for(pg_url, cache_prefix), scopes=None) as client:
        response = await client.request(method, web()["healthCheckPath"])
    assert response.status_code == 200
    if method == "GET":
        body = response.json()
        assert body["status"] == "ok"
        assert {c["name"] for c in body["checks"]} == {"database", "redis"}


@pytest.mark.parametrize("separator", [["--"], []])
def test_serve_passes_what_follows_to_gunicorn(separator: list[str]) -> None:
    """``pagos serve -- --workers 3``: gunicorn gets ``--workers 3``, not the ``--``."""
    done = subprocess.run(
        [str(BIN / "pagos"), "serve", *separator, "--print-config", "--workers", "3"],
        cwd=ROOT,
        env={"PATH": str(BIN), "HOME": str(ROOT), "PORT": "8391"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    if not separator:  # options before any "--" are pagos's own, and it has none
        assert done.returncode == 2 and "unrecognized arguments" in done.stderr
        return
    assert done.returncode == 0, done.stderr
    config = dict(
        (name.strip(), value.strip())
        for name, _, value in (line.partition("=") for line in done.stdout.splitlines())
    )
    assert config["workers"] == "3"
    assert config["bind"] == "['127.0.0.1:8391']"
    # the metrics directory the config made for this run went with it
    assert not (Path(tempfile.gettempdir()) / "pagos-prometheus-8391").exists()


def test_the_start_command_names_a_bad_setting_without_a_traceback() -> None:
    result = _print_config({"PATH": os.environ["PATH"], "PAGOS_LOG_LEVEL": "LOUD"})
    assert result.returncode != 0
    assert "pagos: invalid configuration:\n  PAGOS_LOG_LEVEL: Input should be" in result.stderr
    assert "Traceback" not in result.stderr
