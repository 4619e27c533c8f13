"""The KPI route's telemetry on the real app: one trace per request across HTTP, Redis and
SQL, joined to the `request` log line; the slow detector on a slowed database."""

from __future__ import annotations

import json

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from tests.support.metrics import sample_value
from tests.support.servers import app_client, settings_for
from tests.support.tcpproxy import tcp_proxy

KPIS = "/api/v1/pagos/kpis"


def request_lines(capfd: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    err = capfd.readouterr().err
    events = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    return [e for e in events if e["event"] in ("request", "slow_request")]


async def test_a_kpi_miss_is_one_trace_of_http_redis_and_sql_spans(
    pg_url: str, cache_prefix: str, capfd: pytest.CaptureFixture[str]
) -> None:
    exporter = InMemorySpanExporter()
    settings = settings_for(pg_url, cache_prefix)
    async with app_client(settings, span_exporter=exporter) as client:
        capfd.readouterr()
        exporter.clear()
        response = await client.get(KPIS, params={"mes": 4, "año": 2024, "token": "SECRET"})
        await client.get("/metrics")  # scrapes are not traced
        # nor probes, whose SQL and Redis commands would otherwise be traces of their own
        assert (await client.get("/health/ready")).json()["status"] == "ok"
    assert response.headers["x-cache"] == "miss"
    spans = exporter.get_finished_spans()
    traces = {span.context.trace_id for span in spans}
    assert len(traces) == 1
    (server,) = [s for s in spans if s.kind == SpanKind.SERVER]
    assert server.attributes["http.route"] == KPIS
    assert server.attributes["http.request_id"] == response.headers["x-request-id"]
    assert all("SECRET" not in str(value) for value in server.attributes.values())
    systems = {s.attributes.get("db.system") or s.attributes.get("db.system.name") for s in spans}
    assert "redis" in systems
    assert "postgresql" in systems
    resource = server.resource.attributes
    assert resource["service.name"] == "pagos"
    assert {"service.version", "deployment.environment", "service.instance.id"} <= set(resource)
    (line,) = [e for e in request_lines(capfd) if e["route"] == KPIS]
    assert line["trace_id"] == format(next(iter(traces)), "032x")
    assert line["span_id"] and line["request_id"] == response.headers["x-request-id"]


async def test_a_slowed_database_makes_a_slow_request_and_a_fast_one_does_not(
    pg_url: str, cache_prefix: str, capfd: pytest.CaptureFixture[str]
) -> None:
    port = int(pg_url.split(":")[2].split("/")[0])
    with tcp_proxy("127.0.0.1", port) as proxy:
        proxied = pg_url.replace(f":{port}/", f":{proxy.port}/")
        async with app_client(settings_for(proxied, cache_prefix)) as client:
            capfd.readouterr()
            before = sample_value(
                (await client.get("/metrics")).text, "http_server_slow_requests_total", route=KPIS
            )
            proxy.delay_seconds = 0.2  # every answer of the database now takes 200 ms more
            slow = await client.get(KPIS, params={"mes": 5, "año": 2024})
            proxy.delay_seconds = 0.0
            fast = await client.get(KPIS, params={"mes": 5, "año": 2024})  # a cache hit
            after = sample_value(
                (await client.get("/metrics")).text, "http_server_slow_requests_total", route=KPIS
            )
    assert (slow.status_code, fast.status_code) == (200, 200)
    assert after == before + 1
    slow_lines = [e for e in request_lines(capfd) if e["event"] == "slow_request"]
    assert len(slow_lines) == 1
    (line,) = slow_lines
    assert line["level"] == "warning"
    assert line["route"] == KPIS and line["threshold_ms"] == 500
    assert line["duration_ms"] > 500 and line["cache"] == "miss" and line["status"] == 200
    assert line["request_id"] == slow.headers["x-request-id"]
    assert "trace_id" in line
