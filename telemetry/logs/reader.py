"""Inputs: plain or gzip files and stdin, streamed line by line as text.

Bytes that are not UTF-8 are replaced, never fatal. A line longer than ``MAX_LINE`` bytes
is yielded once, truncated, with ``oversized`` set, so one runaway line cannot exhaust memory.
"""

from __future__ import annotations

import gzip
import io
import os
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

MAX_LINE = 256 * 1024
_GZIP_MAGIC = b"\x1f\x8b"


class InputError(Exception):
    """An input cannot be opened: a usage error, reported without a traceback."""


@dataclass(slots=True)
class Source:
    label: str
    path: str | None  # None for stdin
    size: int | None
    read_error: str | None = None


def open_sources(names: list[str]) -> list[Source]:
    """Check every input before any is read, so a typo fails fast and clearly."""
    sources: list[Source] = []
    for name in names or ["-"]:
        if name == "-":
            sources.append(Source("<stdin>", None, None))
            continue
        if os.path.isdir(name):
            raise InputError(f"{name}: is a directory")
        try:
            with open(name, "rb"):
                pass
            size = os.path.getsize(name)
        except OSError as error:
            raise InputError(f"{name}: {error.strerror or error}") from error
        sources.append(Source(name, name, size))
    return sources


def _binary(source: Source) -> BinaryIO:
    raw: BinaryIO = sys.stdin.buffer if source.path is None else open(source.path, "rb")  # noqa: SIM115
    buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)  # type: ignore[arg-type]
    if buffered.peek(2)[:2] == _GZIP_MAGIC:
        return gzip.GzipFile(fileobj=buffered, mode="rb")  # type: ignore[return-value]
    return buffered


def lines(source: Source) -> Iterator[tuple[int, str, bool]]:
    """Yield ``(line number, text without newline, oversized)``; record read errors."""
    stream = _binary(source)
    number = 0
    try:
        readline = stream.readline
        while True:
            raw = readline(MAX_LINE)
            if not raw:
                break
            number += 1
            oversized = False
            if len(raw) >= MAX_LINE and not raw.endswith(b"\n"):
                oversized = True
                while True:  # skip the rest of the runaway line
                    rest = readline(MAX_LINE)
                    if not rest or rest.endswith(b"\n"):
                        break
            yield number, raw.decode("utf-8", "replace").rstrip("\r\n"), oversized
    except (OSError, EOFError, zlib.error) as error:
        source.read_error = f"stopped after line {number}: {error}"
    finally:
        if source.path is not None:
            stream.close()
