"""uvicorn's gunicorn worker, with gunicorn's quick shutdown working.

gunicorn stops its workers with SIGQUIT when the master gets SIGINT or SIGQUIT. uvicorn's worker
answers SIGQUIT by only marking itself not alive, which its server never reads: it serves on
until the master's graceful timeout, then dies by SIGKILL, counted as ``sigkill`` (the
killed-worker alert) for an orderly stop. This worker hands SIGQUIT to the server as the
interrupt it is: the server finishes its requests, runs the app's shutdown, and ends by SIGINT
(``reason="sigint"``) — unless the server is stopping already (Ctrl-C in a terminal reaches
the workers too), when a second interrupt would make it drop its requests."""

from __future__ import annotations

import os
import signal
from types import FrameType

from uvicorn_worker import UvicornWorker as _UvicornWorker  # type: ignore[import-untyped]


class UvicornWorker(_UvicornWorker):  # type: ignore[misc]  # untyped: uvicorn-worker ships no types
    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        if sig != signal.SIGQUIT:
            return
        # whether the server is stopping already, as SIGINT's handler tells: pagos's worker
        # lifecycle hook, else uvicorn's own (a bound method of the server)
        handler = signal.getsignal(signal.SIGINT)
        stopping = getattr(handler, "stopping", None)
        if stopping is None:
            stopping = getattr(getattr(handler, "__self__", None), "should_exit", False)
        if stopping:
            return
        os.kill(os.getpid(), signal.SIGINT)  # uvicorn's own handler: a graceful stop
