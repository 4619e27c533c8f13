"""Log analyzer throughput and memory: lines/s and peak RSS on 1 M and 5 M mixed lines.

Run: ``.venv/bin/python bench/logs.py [--lines 1000000 5000000] [--dir DIR]``. The input is
generated in a temporary directory (every format family, in realistic proportions, and 1% of
plain print output the analyzer cannot parse, reported as "unparsed"); each size
is analyzed in a fresh process so its peak RSS is its own. Prints the ratio to the target of
100,000 lines/s on one core, and how peak memory grows from the smallest to the largest size.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

TARGET_LINES_PER_S = 100_000
BLOCK = 50_000  # distinct generated lines, repeated to the requested size

_CHILD = """
import json, resource, sys, time
from telemetry.logs import reader, report
from telemetry.logs.analyzer import Options, analyze
started = time.perf_counter()
cpu = time.process_time()
analysis = analyze(reader.open_sources([sys.argv[1]]), Options())
data = report.build(analysis)
seconds = time.perf_counter() - started
cpu = time.process_time() - cpu
peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"lines": analysis.lines, "seconds": seconds, "cpu": cpu, "peak_kib": peak_kib,
                  "unparsed": data["input"]["unparsed"]["count"]}))
"""

ROUTES = [
    "/api/v1/pagos/kpis",
    "/api/v1/clientes/{n}",
    "/api/v1/prestamos/{n}/cuotas",
    "/api/v1/notificaciones/estadisticas/resumen",
    "/api/v1/pagos?page={n}",
]


def _block(rng: random.Random) -> list[str]:
    lines: list[str] = []
    ua = 'userAgent="Mozilla/5.0 (X11; Linux x86_64) Chrome/142.0"'
    for n in range(BLOCK):
        path = rng.choice(ROUTES).format(n=rng.randint(1, 5000))
        ms = int(rng.lognormvariate(4, 1.1))
        size = rng.randint(60, 9000)
        second = f"{n // 60 % 60:02d}:{n % 60:02d}"
        kind = rng.random()
        if kind < 0.30:
            lines.append(
                f'[GET]200pagos-f2qf.onrender.com{path}clientIP="190.2.3.{n % 250}" '
                f'requestID="{n:08x}-aa" responseTimeMS={ms} responseBytes={size} {ua}'
            )
        elif kind < 0.55:
            lines.append(
                json.dumps(
                    {
                        "event": "request",
                        "level": "info",
                        "timestamp": f"2025-11-10T14:{second}.{n % 1000:03d}Z",
                        "method": "GET",
                        "route": path.split("?")[0],
                        "path": path,
                        "status": 200 if n % 50 else 500,
                        "duration_ms": ms + 0.5,
                        "response_bytes": size,
                        "request_id": f"{n:08x}",
                        "trace_id": f"{n:032x}",
                        "worker_pid": 56 + n % 3,
                        "cache": "hit" if n % 4 else "miss",
                    },
                    separators=(",", ":"),
                )
            )
        elif kind < 0.70:
            lines.append(
                f"2025-11-10 14:{second},{n % 1000:03d} - app.middleware - INFO - GET {path} - "
                f"status=200 responseTimeMS={ms} responseBytes={size} requestID=None"
            )
        elif kind < 0.78:
            lines.append(
                f"2025-11-10T14:{second}.000000+00:00 heroku[router]: at=info method=GET "
                f'path="{path}" host=pagos.herokuapp.com request_id=r{n} fwd="1.2.3.4" '
                f"dyno=web.{1 + n % 2} connect=0ms service={ms}ms status=200 bytes={size} "
                "protocol=https"
            )
        elif kind < 0.86:
            lines.append(f'INFO:     10.0.0.{n % 250}:5000 - "GET {path} HTTP/1.1" 200 OK')
        elif kind < 0.94:
            lines.append(
                f"[2025-11-10 14:{second} +0000] [{56 + n % 3}] [INFO] "
                + rng.choice(
                    [
                        "Waiting for application startup.",
                        "Application startup complete.",
                        f"Booting worker with pid: {56 + n % 3}",
                        "Handling signal: winch",
                    ]
                )
            )
        elif kind < 0.97:
            result = "HIT" if n % 3 else "MISS"
            lines.append(
                f"<134>1 2025-11-10T14:{second}.000Z pagos srv-abc-{n % 2} 1 srv-abc - "
                f"2025-11-10 14:{second},000 - app.cache - DEBUG - Cache {result}: kpis"
            )
        elif kind < 0.99:
            lines.append(
                f"2025-11-10 14:{second},000 - app.core.cache - ERROR - Redis error: Error 111 "
                "connecting to red-x:6379. Connection refused."
            )
        else:
            lines.append(f"some unstructured print output number {n}")
    return lines


def generate(path: Path, count: int) -> None:
    block = "\n".join(_block(random.Random(42))) + "\n"
    per_block = BLOCK
    with path.open("w", encoding="utf-8") as handle:
        written = 0
        while written + per_block <= count:
            handle.write(block)
            written += per_block
        if written < count:
            handle.write("\n".join(block.split("\n")[: count - written]) + "\n")


def measure(path: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    result: dict[str, float] = json.loads(done.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument("--dir", help="where to write the generated logs (default: a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        peaks: list[float] = []
        for count in args.lines:
            path = Path(tmp) / f"mixed-{count}.log"
            generate(path, count)
            size_mb = path.stat().st_size / 1e6
            result = measure(path)
            path.unlink()
            rate = result["lines"] / result["cpu"]  # per CPU second: one core, however busy
            peak_mb = result["peak_kib"] / 1024
            peaks.append(peak_mb)
            print(
                f"{count:>10,} lines ({size_mb:,.0f} MB): {result['cpu']:6.2f} s CPU "
                f"({result['seconds']:.2f} s wall), "
                f"{rate:>9,.0f} lines/s = {rate / TARGET_LINES_PER_S:.2f}x the "
                f"{TARGET_LINES_PER_S:,} lines/s target, peak RSS {peak_mb:,.0f} MB, "
                f"unparsed {int(result['unparsed']):,}"
            )
        if len(peaks) > 1:
            print(
                f"peak RSS ratio largest/smallest input: {peaks[-1] / peaks[0]:.2f} "
                f"for {args.lines[-1] / args.lines[0]:.0f}x the lines"
            )


if __name__ == "__main__":
    main()
