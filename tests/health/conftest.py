"""A database that fails the way a real one does when the network loses it: it accepts the
connection and never says a word."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest


@pytest.fixture
def silent_database_url() -> Iterator[str]:
    """A PostgreSQL URL whose server accepts TCP connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)  # the kernel completes handshakes; nobody ever reads
        port = listener.getsockname()[1]
        yield f"postgresql://postgres@127.0.0.1:{port}/pagos"
