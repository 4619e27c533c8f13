"""pagos's app plus two test-only routes, for running under a real gunicorn:
``gunicorn --config gunicorn.conf.py 'tests.support.probe_app:create_app()'``.

- ``/test/block?seconds=N`` blocks the event loop (a synchronous sleep), so the worker stops
  telling gunicorn it is alive: past ``--timeout`` the master kills it;
- ``/test/sleep?seconds=N`` awaits: a request that stays in flight while the worker is healthy.
"""

from __future__ import annotations

import asyncio
import time

from fastapi import FastAPI

from service.app import create_app as create_pagos_app


def create_app() -> FastAPI:
    app = create_pagos_app()

    @app.get("/test/block")
    async def block(seconds: float) -> dict[str, float]:
        time.sleep(seconds)  # noqa: ASYNC251 - blocking the loop is the point
        return {"slept": seconds}

    @app.get("/test/sleep")
    async def sleep(seconds: float) -> dict[str, float]:
        await asyncio.sleep(seconds)
        return {"slept": seconds}

    return app
