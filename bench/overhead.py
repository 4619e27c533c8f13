"""Throughput of the same FastAPI app bare and with pagos's telemetry (not a test).

Each variant is served by its own uvicorn process (one worker, pinned to one core) and loaded
by wrk (pinned to the other core) over loopback, round after round, interleaved, so every
variant sees the same machine; a variant's ratio is the median of its per-round ratios to
bare. The variants:

- bare: the app alone;
- pagos, tracing off: metrics, slow/small detectors, request id, one JSON `request` log line;
- pagos, sampling 0%: the same with OpenTelemetry on but no trace kept;
- pagos, sampling 100%: every request traced (spans exported to a discarding exporter);
- instrumentator: prometheus-fastapi-instrumentator's defaults, for comparison.

Target: pagos with tracing off keeps ≥ 0.85x the bare throughput and beats the
instrumentator's ratio. Needs wrk (`apt-get install wrk`).

    .venv/bin/python bench/overhead.py [--rounds 9] [--seconds 2] [--connections 16]
"""

from __future__ import annotations

import argparse
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from prometheus_client import CollectorRegistry
from prometheus_fastapi_instrumentator import Instrumentator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from telemetry.logging import configure_logging  # noqa: E402
from telemetry.middleware import TelemetryConfig, TelemetryMiddleware  # noqa: E402
from telemetry.tracing import TracingConfig, build_provider, instrument_app  # noqa: E402

PATH = "/api/v1/items/42"


class Discard(SpanExporter):
    def export(self, spans: Sequence[Any]) -> SpanExportResult:
        return SpanExportResult.SUCCESS


def bare() -> FastAPI:
    app = FastAPI()

    @app.get("/api/v1/items/{item_id}")
    async def item(item_id: int) -> dict[str, Any]:
        return {"id": item_id, "name": "cuota", "amount": "145.00", "paid": False}

    return app


def _pagos(sample_ratio: float | None) -> FastAPI:
    configure_logging(json_lines=True)
    app = bare()
    # as the service configures it: no span lookups when tracing is off
    traced = sample_ratio is not None
    app.add_middleware(TelemetryMiddleware, config=TelemetryConfig(traced=traced))
    if sample_ratio is not None:
        config = TracingConfig("bench", "0", "bench", sample_ratio=sample_ratio)
        provider = build_provider(config, Discard())
        assert provider is not None
        instrument_app(app, provider, config)
    return app


def pagos_tracing_off() -> FastAPI:
    return _pagos(None)


def pagos_sampling_0() -> FastAPI:
    return _pagos(0.0)


def pagos_sampling_100() -> FastAPI:
    return _pagos(1.0)


def instrumentator() -> FastAPI:
    app = bare()
    Instrumentator(registry=CollectorRegistry()).instrument(app)
    return app


VARIANTS = {
    "bare": "bare",
    "pagos, tracing off": "pagos_tracing_off",
    "pagos, sampling 0%": "pagos_sampling_0",
    "pagos, sampling 100%": "pagos_sampling_100",
    "instrumentator": "instrumentator",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def pinned(core: int, argv: list[str]) -> list[str]:
    taskset = shutil.which("taskset")
    return [taskset, "-c", str(core), *argv] if taskset else argv


def serve(factory: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    argv = [
        str(Path(sys.executable).with_name("uvicorn")), "--factory", f"bench.overhead:{factory}",
        "--port", str(port), "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    process = subprocess.Popen(
        pinned(0, argv), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + PATH, timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"{factory} did not start")


def load(url: str, seconds: int, connections: int) -> tuple[float, float]:
    """wrk's requests/s and p99 latency (ms)."""
    argv = [
        "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url + PATH,
    ]  # fmt: skip
    out = subprocess.run(pinned(1, argv), capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    p99_ms = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    return rate, p99_ms


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--seconds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("bench/overhead.py needs wrk: apt-get install wrk")

    servers = {name: serve(factory) for name, factory in VARIANTS.items()}
    rates: dict[str, list[float]] = {name: [] for name in servers}
    p99s: dict[str, list[float]] = {name: [] for name in servers}
    try:
        for _name, (_, url) in servers.items():  # warm-up
            load(url, 1, args.connections)
        for round_number in range(1, args.rounds + 1):
            for name, (_, url) in servers.items():
                rate, p99 = load(url, args.seconds, args.connections)
                rates[name].append(rate)
                p99s[name].append(p99)
            print(f"round {round_number}/{args.rounds} done", file=sys.stderr, flush=True)
    finally:
        for process, _ in servers.values():
            process.terminate()
            process.wait(timeout=10)

    # each round's ratio compares measurements taken seconds apart, so the machine's drift
    # between rounds (a shared VM's speed varies by 10-20 %) cancels out
    ratios = {
        name: statistics.median(r / b for r, b in zip(rates[name], rates["bare"], strict=True))
        for name in servers
    }
    print(
        f"median of {args.rounds} interleaved rounds, {args.seconds} s each, "
        f"{args.connections} connections, one uvicorn worker:"
    )
    print(f"  {'variant':22} {'req/s':>9} {'vs bare':>8} {'p99 ms':>8}")
    for name in servers:
        rate = statistics.median(rates[name])
        p99 = statistics.median(p99s[name])
        print(f"  {name:22} {rate:9.0f} {ratios[name]:7.2f}x {p99:8.2f}")
    ours = ratios["pagos, tracing off"]
    theirs = ratios["instrumentator"]
    verdict = "met" if ours >= 0.85 and ours > theirs else "MISSED"
    print(
        f"target: pagos (tracing off) ≥ 0.85x bare and above the instrumentator's "
        f"{theirs:.3f}x: {verdict} ({ours:.3f}x)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
