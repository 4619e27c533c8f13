"""gunicorn's own log records through the same renderer as everything else.

gunicorn attaches its own handlers and format to ``gunicorn.error`` and ``gunicorn.access``;
this logger class drops them so the records reach the root logger, which
``telemetry.logging.configure_logging`` set up (JSON lines in production)."""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger


class PropagatingLogger(Logger):  # type: ignore[misc]  # gunicorn ships no type information
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            log.handlers.clear()
            log.propagate = True
