"""The ``/metrics`` answer: every worker's samples when running multiprocess, else ours."""

from __future__ import annotations

import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)
from starlette.requests import Request
from starlette.responses import Response

# No module-level import of telemetry.metrics: gunicorn's master imports this module (through
# its hooks) before it wipes the multiprocess directory, and declaring the metrics there and
# then would leave the master writing to deleted files.

# prometheus_client picks multiprocess mode from this variable when it is first imported, so
# the process manager (gunicorn.conf.py) must set it before any worker imports the app.
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def render_metrics(multiprocess_dir: Path | None) -> bytes:
    """Every live and dead worker's samples when multiprocess, else this process's. Called on
    the event loop's thread: this process's batched request updates are committed first."""
    from telemetry.metrics import METRICS

    METRICS.batch.commit()
    if multiprocess_dir is None:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(multiprocess_dir))
    return generate_latest(registry)


def metrics_endpoint(
    multiprocess_dir: Path | None,
) -> Callable[[Request], Awaitable[Response]]:
    async def metrics(_request: Request) -> Response:
        return Response(render_metrics(multiprocess_dir), media_type=CONTENT_TYPE_LATEST)

    return metrics


def prepare_multiprocess_dir(directory: Path) -> None:
    """Start from an empty directory: files of earlier runs must not add into today's counts."""
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)


def mark_worker_dead(pid: int, multiprocess_dir: Path) -> None:
    """Drop a dead worker's live gauges so they stop being reported."""
    multiprocess.mark_process_dead(pid, str(multiprocess_dir))
