"""A local Prometheus for an app on this machine: scraping it, evaluating the rule files.

``make observe`` runs it beside pagos (``python -m telemetry.observe -- pagos serve``); the
observability tests run it against a live gunicorn. The ``prometheus`` binary is Debian's
``prometheus`` package (2.42); nothing here needs the package's own service, which stays off.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JOB = "pagos"  # the job name the alert rules expect (docs/deploy.md scrapes it so too)


def prometheus_config(
    targets: Sequence[str],
    rule_files: Sequence[Path],
    *,
    scrape_interval_seconds: float = 5.0,
    evaluation_interval_seconds: float = 5.0,
    job: str = JOB,
    credentials_file: Path | None = None,
) -> str:
    """A prometheus.yml (JSON is YAML) scraping ``targets`` (``host:port``) at ``/metrics``,
    with the bearer token in ``credentials_file`` when /metrics wants one."""
    interval = f"{int(scrape_interval_seconds * 1000)}ms"
    config = {
        "global": {
            "scrape_interval": interval,
            "scrape_timeout": interval if scrape_interval_seconds < 10 else "10s",
            "evaluation_interval": f"{int(evaluation_interval_seconds * 1000)}ms",
        },
        "rule_files": [str(path.resolve()) for path in rule_files],
        "scrape_configs": [
            {
                "job_name": job,
                "metrics_path": "/metrics",
                "static_configs": [{"targets": list(targets)}],
            }
        ],
    }
    if credentials_file is not None:
        config["scrape_configs"][0]["authorization"] = {  # type: ignore[index]
            "type": "Bearer",
            "credentials_file": str(credentials_file),
        }
    return json.dumps(config, indent=2) + "\n"


def rule_files(directory: Path = ROOT / "alerts") -> list[Path]:
    return sorted(directory.glob("*.yml"))


def prometheus_binary() -> str:
    found = shutil.which("prometheus")
    if found is None:
        raise FileNotFoundError(
            "prometheus is not installed: apt-get install prometheus (Debian's package; "
            "its service is not needed)"
        )
    return found


@dataclass
class LocalPrometheus:
    process: subprocess.Popen[bytes]
    url: str
    log_path: Path


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/-/ready", timeout=1) as answer:
            return bool(answer.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@contextmanager
def local_prometheus(
    config: str, directory: Path, port: int, *, timeout_seconds: float = 30.0
) -> Iterator[LocalPrometheus]:
    """Prometheus on ``127.0.0.1:port`` with its own storage under ``directory``; stopped
    (SIGTERM, then SIGKILL) on the way out."""
    directory.mkdir(parents=True, exist_ok=True)
    config_path = directory / "prometheus.yml"
    config_path.write_text(config)
    log_path = directory / "prometheus.log"
    argv = [
        prometheus_binary(),
        f"--config.file={config_path}",
        f"--storage.tsdb.path={directory / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--storage.tsdb.retention.time=1d",
        "--log.level=warn",
    ]
    with log_path.open("wb") as log:
        # its own session: a Ctrl-C meant for the caller reaches it as our SIGTERM, in order
        process = subprocess.Popen(
            argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = LocalPrometheus(process, f"http://127.0.0.1:{port}", log_path)
    try:
        deadline = time.monotonic() + timeout_seconds
        while not _ready(server.url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("prometheus did not start:\n" + log_path.read_text())
            time.sleep(0.1)
        yield server
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes], timeout_seconds: float = 15.0) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout_seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def ui_prefix(url: str) -> str:
    """Debian's build serves only the classic web pages, under ``/classic``."""
    try:
        with urllib.request.urlopen(url + "/classic/alerts", timeout=2) as answer:
            return "/classic" if answer.status == 200 else ""
    except (urllib.error.URLError, OSError):
        return ""


GRAFANA_HELP = """\
Grafana: point one at the provisioning files of this repository, e.g.
  PROMETHEUS_URL={prometheus} PAGOS_DASHBOARDS_DIR={root}/dashboards \\
  GF_PATHS_PROVISIONING={root}/dashboards/provisioning grafana-server --homepath /usr/share/grafana
or in Docker:
  docker run --rm --network host -e PROMETHEUS_URL={prometheus} \\
    -e PAGOS_DASHBOARDS_DIR=/pagos/dashboards \\
    -e GF_PATHS_PROVISIONING=/pagos/dashboards/provisioning \\
    -v {root}/dashboards:/pagos/dashboards:ro grafana/grafana
then open http://127.0.0.1:3000 (admin/admin), folder "pagos"."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m telemetry.observe",
        description="Run COMMAND (the app) and a local Prometheus scraping it with alerts/*.yml.",
    )
    parser.add_argument("--target", default="127.0.0.1:8000", help="host:port of /metrics")
    parser.add_argument("--port", type=int, default=9091, help="Prometheus's port")
    parser.add_argument("--interval", type=float, default=5.0, help="scrape/eval seconds")
    parser.add_argument(
        "--bearer-token-env",
        metavar="NAME",
        help="the environment variable holding /metrics's bearer token, when it wants one "
        "(make observe: PAGOS_METRICS_TOKEN); unset or empty scrapes without one",
    )
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- the app's command")
    args = parser.parse_args(argv)
    command = [part for part in args.command if part != "--"]
    # stopped by a process manager or `kill`: the same clean exit as Ctrl-C
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started with it ignored
    directory = Path(tempfile.mkdtemp(prefix="pagos-observe-"))
    token = os.environ.get(args.bearer_token_env, "") if args.bearer_token_env else ""
    credentials = None
    if token:  # in a file of its own (mode 0600), not in the config Prometheus shows
        credentials = directory / "metrics-token"
        credentials.touch(mode=0o600)
        credentials.write_text(token)
    config = prometheus_config(
        [args.target],
        rule_files(),
        scrape_interval_seconds=args.interval,
        evaluation_interval_seconds=args.interval,
        credentials_file=credentials,
    )
    app = (
        subprocess.Popen(command, env=os.environ.copy(), start_new_session=True)
        if command
        else None
    )
    try:
        with local_prometheus(config, directory, args.port) as prometheus:
            url = prometheus.url
            pages = url + ui_prefix(url)
            print(f"pagos:      http://{args.target}  (metrics: http://{args.target}/metrics)")
            print(f"Prometheus: {pages}/graph  (alerts: {pages}/alerts, rules: {pages}/rules)")
            print(f"            config and data in {directory}")
            print(GRAFANA_HELP.format(prometheus=url, root=ROOT))
            print("Ctrl-C stops both.", flush=True)
            while app is None or app.poll() is None:
                if prometheus.process.poll() is not None:
                    print(prometheus.log_path.read_text(), file=sys.stderr)
                    return 1
                time.sleep(0.5)
            return app.returncode or 0
    except KeyboardInterrupt:
        return 0
    finally:
        if app is not None:
            _stop(app, timeout_seconds=30)
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
