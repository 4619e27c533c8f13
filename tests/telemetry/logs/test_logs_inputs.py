"""Inputs a user throws at the analyzer: garbage, binary, huge lines, gzip, stdin, bad paths."""

from __future__ import annotations

import gzip
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.telemetry.logs.conftest import DATA, Runner

PAGOS = Path(sys.executable).with_name("pagos")


@pytest.mark.parametrize("fmt", ["text", "markdown", "json", "html"])
def test_empty_file_gives_a_report(analyze: Runner, tmp_path: Path, fmt: str) -> None:
    empty = tmp_path / "empty.log"
    empty.write_bytes(b"")
    result = analyze(empty, "--format", fmt)
    assert result.code == 0
    assert "Traceback" not in result.err
    assert result.out.strip()


def test_garbage_binary_and_a_1mb_line(analyze: Runner, tmp_path: Path) -> None:
    log = tmp_path / "garbage.log"
    with log.open("wb") as handle:
        handle.write(b"\x00\xff\xfe\x80binary\x00junk\n")
        handle.write(os.urandom(4096).replace(b"\n", b"x") + b"\n")
        handle.write(b"{not json\n")
        handle.write(b"[2025-11-10 99:99:99 +0000] [x] [INFO] broken prefix\n")
        handle.write(b"A" * (1024 * 1024) + b"\n")
        handle.write(b'{"event": "request", "status": "abc", "duration_ms": [1]}\n')
        handle.write(b"<134>1 not-a-time host app - - - \n")
        handle.write(b"[2025-11-10 14:00:00 +0000] [56] [INFO] Booting worker with pid: 56\n")
    result = analyze(log, "--format", "json")
    assert result.code == 0, result.err
    report = result.json()
    assert report["input"]["lines"] == 8
    assert report["input"]["unparsed"]["count"] >= 4
    samples = report["input"]["unparsed"]["samples"]
    assert all(len(s["text"]) < 400 for s in samples)  # the 1 MB line is sampled, truncated
    assert report["workers"]["boots"][0]["pids"] == [56]  # the good line after it still counts


def test_gzip_and_plain_are_read_alike(analyze: Runner, tmp_path: Path) -> None:
    plain = DATA / "heroku.log"
    packed = tmp_path / "heroku.log.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    a = analyze(plain, "--format", "json").json()
    b = analyze(packed, "--format", "json").json()
    assert a["input"]["lines"] == b["input"]["lines"] > 0
    assert a["restarts"]["by_cause"] == b["restarts"]["by_cause"]

    def without_evidence(rows: list[dict[str, object]]) -> list[dict[str, object]]:
        return [{k: v for k, v in row.items() if k != "first_5xx"} for row in rows]

    assert without_evidence(a["routes"]) == without_evidence(b["routes"])


def test_truncated_gzip_reports_what_it_read(analyze: Runner, tmp_path: Path) -> None:
    packed = gzip.compress((DATA / "heroku.log").read_bytes())
    broken = tmp_path / "cut.log.gz"
    broken.write_bytes(packed[: len(packed) // 2])
    result = analyze(broken, "--format", "json")
    assert result.code == 0
    assert "Traceback" not in result.err
    assert "stopped near line" in result.err
    report = result.json()
    assert report["input"]["files"][0]["read_error"]
    assert report["input"]["lines"] > 0  # what was decompressed before the cut is analyzed


def test_unreadable_file_is_a_usage_error(analyze: Runner, tmp_path: Path) -> None:
    result = analyze(tmp_path / "missing.log")
    assert result.code == 2
    assert "missing.log" in result.err
    assert "Traceback" not in result.err
    assert result.out == ""
    assert analyze(tmp_path).code == 2  # a directory


def test_bad_option_values_are_usage_errors(analyze: Runner) -> None:
    assert analyze(DATA / "heroku.log", "--since", "yesterday-ish").code == 2
    assert analyze(DATA / "heroku.log", "--kpi-target-ms", "fast").code == 2
    for option in ("--kpi-target-ms", "--slow-ms", "--small-bytes"):
        for value in ("nan", "inf", "-5", "1e308"):
            result = analyze(DATA / "heroku.log", option, value)
            assert result.code == 2, (option, value)
            assert not result.out  # no report: a usage error
    window = analyze(DATA / "heroku.log", "--since", "2027-01-01", "--until", "2026-01-01")
    assert window.code == 2 and "--since is after --until" in window.err


def test_stdin_through_the_installed_command(tmp_path: Path) -> None:
    if not PAGOS.exists():
        pytest.skip("the pagos console script is not installed in this environment")
    log = (DATA / "uvicorn_supervisor.log").read_bytes()
    done = subprocess.run(
        [str(PAGOS), "logs", "analyze", "-", "--format", "json"],
        input=log,
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert b'"<stdin>"' in done.stdout
    assert done.stderr == b""  # no progress line when stderr is not a terminal


def test_since_and_until_select_a_window(analyze: Runner) -> None:
    log = DATA / "heroku.log"
    everything = analyze(log, "--format", "json").json()
    morning = analyze(
        log, "--format", "json", "--since", "2025-11-13T08:00:00Z", "--until", "2025-11-13T12:00"
    ).json()
    assert everything["restarts"]["by_cause"] == {
        "probable OOM (SIGKILL)": 1,
        "platform stop (SIGTERM)": 1,
    }
    assert morning["restarts"]["by_cause"] == {"probable OOM (SIGKILL)": 1}  # cycling is at 20:00
    assert morning["input"]["filtered_out"] == 6
    assert morning["input"]["window"]["last"] <= "2025-11-13T12:00:00Z"


def test_output_file_and_format_from_its_suffix(analyze: Runner, tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    result = analyze(DATA / "incident_render.log", "--output", target)
    assert result.code == 0 and result.out == ""
    assert target.read_text(encoding="utf-8").startswith("# Log analysis report")


def test_several_files_keep_their_own_evidence(analyze: Runner) -> None:
    report = analyze(DATA / "heroku.log", DATA / "uvicorn_supervisor.log", "--format", "json")
    data = report.json()
    evidence = [e for row in data["restarts"]["timeline"] for e in row["evidence"]]
    assert any(e.startswith(str(DATA / "heroku.log") + ":") for e in evidence)
    assert any(e.startswith(str(DATA / "uvicorn_supervisor.log") + ":") for e in evidence)


def test_progress_only_on_a_terminal() -> None:
    from telemetry.logs.analyzer import Progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    quiet = io.StringIO()
    Progress(quiet).update(10, "x")
    assert quiet.getvalue() == ""
    terminal = Terminal()
    progress = Progress(terminal)
    progress.update(5_000, "big.log")
    assert terminal.getvalue() == ""  # nothing in the first half second
    progress.started -= 1
    progress.update(65_536, "big.log")
    progress.done()
    assert "big.log: 65,536 lines" in terminal.getvalue()
    assert terminal.getvalue().endswith("\n")


def test_reader_keeps_line_numbers_across_chunks_and_huge_lines(tmp_path: Path) -> None:
    from telemetry.logs import reader

    log = tmp_path / "mixed-endings.log"
    huge = b"x" * (3 * reader.CHUNK + 17)  # spans several chunks, cut at MAX_LINE
    log.write_bytes(b"one\r\ntwo\n" + huge + b"\nfour\n\nsix-without-newline")
    (source,) = reader.open_sources([str(log)])
    seen: list[tuple[int, str, bool]] = []
    for batch in reader.batches(source):
        for index, text in enumerate(batch.lines):
            seen.append((batch.first + index, text[:5], index in batch.oversized))
    assert seen == [
        (1, "one", False),
        (2, "two", False),
        (3, "xxxxx", True),
        (4, "four", False),
        (5, "", False),
        (6, "six-w", False),
    ]
    assert source.read_error is None


def test_a_stop_between_two_files_is_not_called_a_crash(analyze: Runner) -> None:
    """The same instance boots again in the second file; its stop is in neither."""
    report = analyze(
        DATA / "render_api.jsonl", DATA / "render_syslog.log", "--format", "json"
    ).json()
    causes = [(r["instance"], r["pid"], r["cause"]) for r in report["restarts"]["timeline"]]
    assert causes == [
        ("srv-d4abc-h9j2k", 1, "deploy"),
        ("srv-d4abc-6f7g8", 1, "unknown (stop not in the input)"),
        ("srv-d4abc-6f7g8", 10, "worker timeout"),
        ("srv-d4abc-6f7g8", 11, "probable OOM (SIGKILL)"),
        ("srv-d4abc-6f7g8", 12, "crash without graceful shutdown"),
    ]
    assert report["restarts"]["unplanned"] == 3


def test_impossible_numbers_are_not_measurements(analyze: Runner, tmp_path: Path) -> None:
    log = tmp_path / "odd.jsonl"
    log.write_text(
        '{"event":"request","method":"GET","route":"/x","status":200,"duration_ms":"inf",'
        '"response_bytes":-5}\n'
        '{"event":"request","method":"GET","route":"/x","status":-1,"duration_ms":"1e400",'
        '"response_bytes":"NaN"}\n'
        '{"event":"request","method":"GET","route":"/x","status":200,"duration_ms":7,'
        '"response_bytes":2000}\n',
        encoding="utf-8",
    )
    report = analyze(log, "--format", "json").json()
    (row,) = report["routes"]
    assert (row["count"], row["timed"], row["max_ms"], row["bytes_max"]) == (3, 1, 7, 2000)
    assert report["small_responses"]["groups"] == []


def test_unlabelled_files_are_not_one_server(analyze: Runner) -> None:
    """Neither file names its instance: the pagos workers must not join the incident's boot."""
    incident, pagos = DATA / "incident_render.log", DATA / "pagos.jsonl"
    report = analyze(incident, pagos, "--format", "json").json()
    boots = report["workers"]["boots"]
    by_file = {b["instance"]: [] for b in boots}
    for boot in boots:
        by_file[boot["instance"]].append(boot["pids"])
    assert by_file == {
        f"- ({incident})": [[56, 57, 58]] * 4,
        f"- ({pagos})": [[101, 102, 103, 104]],
    }
    assert report["restarts"]["by_cause"] == {
        "platform stop (SIGTERM)": 3,
        "worker timeout": 1,
        "probable OOM (SIGKILL)": 1,
    }


def test_build_output_is_not_server_lines(analyze: Runner, tmp_path: Path) -> None:
    """pip's one-space "WARNING: …" in a build log is not uvicorn; uvicorn pads its level."""
    log = tmp_path / "deploy.log"
    log.write_text(
        "WARNING: Location 'https://pypi.org/simple/x/' is ignored: it is not a valid URL\n"
        "WARNING: Running pip as the 'root' user can result in broken permissions\n"
        "INFO:     Started server process [31]\n"
        "WARNING:  Invalid HTTP request received.\n"
        'INFO:     10.0.0.1:5000 - "GET /api/v1/pagos/kpis HTTP/1.1" 200 OK\n',
        encoding="utf-8",
    )
    report = analyze(log, "--format", "json").json()
    assert report["input"]["families"].get("uvicorn") == 3
    (row,) = report["routes"]
    assert (row["route"], row["count"]) == ("/api/v1/pagos/kpis", 1)
