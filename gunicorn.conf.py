"""The one start command's configuration: ``make run``, ``pagos serve`` and Render all use it.

prometheus_client decides at import whether it runs multiprocess, so the multiprocess
directory is put in the environment here, in the master, before any worker imports the app.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from service.settings import get_settings

_settings = get_settings()
_metrics_dir = _settings.prometheus_multiproc_dir or (
    Path(tempfile.gettempdir()) / f"pagos-prometheus-{_settings.port}"
)
os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(_metrics_dir)
get_settings.cache_clear()  # workers must see the directory in their settings too

wsgi_app = "service.app:create_app()"
worker_class = "uvicorn_worker.UvicornWorker"
bind = [f"{_settings.host}:{_settings.port}"]
workers = _settings.web_concurrency
timeout = 30
graceful_timeout = 25
keepalive = 5
accesslog = None  # the app's own `request` line replaces access logs


def on_starting(server: Any) -> None:
    from telemetry.exposition import prepare_multiprocess_dir

    prepare_multiprocess_dir(_metrics_dir)


def child_exit(server: Any, worker: Any) -> None:
    from telemetry.exposition import mark_worker_dead

    mark_worker_dead(worker.pid, _metrics_dir)
