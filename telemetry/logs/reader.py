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
from typing import cast

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


def _binary(source: Source) -> io.BufferedReader | gzip.GzipFile:
    if source.path is None:
        stdin = sys.stdin.buffer
        if isinstance(stdin, io.BufferedReader):
            buffered = stdin
        else:  # a replaced stdin (tests, embedding): any binary stream with readinto
            buffered = io.BufferedReader(cast(io.RawIOBase, stdin))
    else:
        buffered = open(source.path, "rb")  # noqa: SIM115 - closed by batches()
    if buffered.peek(2)[:2] == _GZIP_MAGIC:
        return gzip.GzipFile(fileobj=buffered, mode="rb")
    return buffered


CHUNK = 1 << 20


@dataclass(slots=True)
class Batch:
    """Consecutive lines of one input: ``lines[i]`` is line ``first + i`` of the file."""

    first: int
    lines: list[str]
    oversized: frozenset[int]  # indexes into ``lines`` of lines cut at MAX_LINE


def batches(source: Source) -> Iterator[Batch]:
    """Read in large chunks and split into lines (much cheaper than a call per line).

    Records a read error (corrupt gzip, I/O error) on the source instead of raising.
    """
    stream = _binary(source)
    number = 1
    carry = b""
    head: bytes | None = None  # start of a line longer than MAX_LINE, rest being skipped
    # gzip: read1 hands over what was decompressed so far, so a truncated file loses little
    read = stream.read1 if isinstance(stream, gzip.GzipFile) else stream.read
    try:
        while True:
            chunk = read(CHUNK)
            if not chunk:
                break
            if head is not None:
                cut = chunk.find(b"\n")
                if cut < 0:
                    continue
                yield Batch(number, [_decode(head)], frozenset({0}))
                number += 1
                head = None
                chunk = chunk[cut + 1 :]
            data = carry + chunk if carry else chunk
            cut = data.rfind(b"\n")
            if cut < 0:
                carry = data
            else:
                carry = data[cut + 1 :]
                batch = _split(number, data[:cut])
                number += len(batch.lines)
                yield batch
            if len(carry) > MAX_LINE:
                head, carry = carry[:MAX_LINE], b""
        if head is not None:
            yield Batch(number, [_decode(head)], frozenset({0}))
        elif carry:
            yield _split(number, carry)
    except (OSError, EOFError, zlib.error) as error:
        source.read_error = f"stopped near line {number}: {error}"
    finally:
        if source.path is not None:
            stream.close()


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "replace").rstrip("\r")


def _split(first: int, block: bytes) -> Batch:
    lines = block.decode("utf-8", "replace").split("\n")
    oversized: set[int] = set()
    for index, line in enumerate(lines):
        if line.endswith("\r"):
            lines[index] = line = line[:-1]
        if len(line) > MAX_LINE:
            lines[index] = line[:MAX_LINE]
            oversized.add(index)
    return Batch(first, lines, frozenset(oversized))
