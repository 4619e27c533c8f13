"""Helpers for the log analyzer tests: run ``pagos logs analyze`` as a user would."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from service.cli import main

DATA = Path(__file__).resolve().parents[2] / "data" / "logs"


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.out)
        return data


Runner = Callable[..., Result]


@pytest.fixture
def analyze(capsys: pytest.CaptureFixture[str]) -> Runner:
    """``analyze(*args)`` runs ``pagos logs analyze *args`` in-process and captures it."""

    def run(*args: str | Path) -> Result:
        capsys.readouterr()
        try:
            code = main(["logs", "analyze", *map(str, args)])
        except SystemExit as exit_:  # argparse usage errors
            code = int(exit_.code or 0)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def data() -> Path:
    return DATA


def metric(report: dict[str, Any], name: str) -> dict[str, Any]:
    for row in report["key_metrics"]:
        if row["metric"].startswith(name):
            return row
    names = [m["metric"] for m in report["key_metrics"]]
    raise AssertionError(f"no key metric {name!r} in {names}")
