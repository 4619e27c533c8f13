"""The one start command's configuration: ``make run``, ``pagos serve`` and Render all use it.

prometheus_client decides at import whether it runs multiprocess, so the multiprocess
directory is put in the environment here, in the master, before any worker imports the app.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_settings import SettingsError

from service.settings import configuration_message, get_settings

try:
    _settings = get_settings()
except (ValidationError, SettingsError) as _invalid:
    # said as `pagos serve` says it, not as a traceback of gunicorn's config loader
    raise SystemExit(configuration_message(_invalid)) from None
_metrics_dir = _settings.prometheus_multiproc_dir or (
    Path(tempfile.gettempdir()) / f"pagos-prometheus-{_settings.port}"
)
os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(_metrics_dir)
_metrics_dir.mkdir(parents=True, exist_ok=True)  # the master counts into it before on_starting
if _settings.prometheus_multiproc_dir is None:
    # a directory pagos made for itself goes when the process that loaded this file (the
    # master, or a `--print-config` / `--check-config` run) exits; workers leave it alone
    _loader = os.getpid()

    @atexit.register
    def _remove_metrics_dir() -> None:
        if os.getpid() == _loader:
            shutil.rmtree(_metrics_dir, ignore_errors=True)


get_settings.cache_clear()  # workers must see the directory in their settings too

# Only now may prometheus_client be imported (telemetry imports it): imported earlier, the
# master and every forked worker would count in memory, and /metrics would read zeros.
from service import __version__  # noqa: E402
from telemetry.gunicorn_hooks import MasterLifecycle  # noqa: E402
from telemetry.gunicorn_hooks import post_fork as _post_fork  # noqa: E402
from telemetry.lifecycle_store import LifecycleKeys  # noqa: E402
from telemetry.logging import configure_logging  # noqa: E402

# the master's own lines ("Starting gunicorn", worker boots and exits) in our format, too
configure_logging(json_lines=_settings.json_logs, level=_settings.log_level)
logger_class = "telemetry.gunicorn_logging.PropagatingLogger"
loglevel = _settings.log_level.lower()

wsgi_app = "service.app:create_app()"
worker_class = "telemetry.gunicorn_worker.UvicornWorker"
bind = [f"{_settings.host}:{_settings.port}"]
workers = _settings.web_concurrency
timeout = _settings.worker_timeout_seconds  # a worker silent this long is killed: `timeout`
# after SIGTERM, workers have this long to finish in-flight requests; render.yaml's
# maxShutdownDelaySeconds is sized to it
graceful_timeout = _settings.graceful_timeout_seconds
keepalive = 5
# gunicorn's control socket is one fixed path per user: two servers on a machine would fight
# over it, and nothing here uses it
control_socket_disable = True
accesslog = None  # the app's own `request` line replaces access logs
# Each worker imports and builds the app after fork: its engine, Redis clients and tracer are
# its own, never inherited from the master.
preload_app = False

_lifecycle = MasterLifecycle(
    metrics_dir=_metrics_dir,
    redis_url=_settings.redis_url,
    keys=LifecycleKeys(_settings.cache_prefix),
    version=__version__,
    max_events=_settings.lifecycle_max_events,
    redis_timeout_seconds=_settings.lifecycle_redis_timeout_seconds,
)


def on_starting(server: Any) -> None:
    """In the master, before any worker: our log format, an empty metrics directory."""
    configure_logging(json_lines=_settings.json_logs, level=_settings.log_level)
    _tell_workers_their_number(server.cfg.workers)
    _lifecycle.on_starting(server)


def nworkers_changed(server: Any, new_value: int, old_value: int | None) -> None:
    """TTIN/TTOU: workers started from now on know the new number."""
    _tell_workers_their_number(new_value)


def _tell_workers_their_number(workers: int) -> None:
    # workers read their number from the settings (the cache says whether it is shared): the
    # number gunicorn runs, whether WEB_CONCURRENCY, a `--workers` option or TTIN/TTOU set it
    os.environ["WEB_CONCURRENCY"] = str(workers)
    get_settings.cache_clear()


def post_fork(server: Any, worker: Any) -> None:
    _post_fork(server, worker)


def child_exit(server: Any, worker: Any) -> None:
    """In the master: count the exit by cause, mark the worker dead for metrics, record
    abnormal exits (timeouts, kills) in the lifecycle stream."""
    _lifecycle.child_exit(server, worker)
