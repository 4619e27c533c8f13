"""A database that stops answering on a connection the pool already holds: readiness says
`fail` within its bound, not after the driver gives up on the connection."""

from __future__ import annotations

import time

from tests.support.servers import app_client, settings_for
from tests.support.tcpproxy import tcp_proxy


async def test_a_hung_pooled_connection_fails_readiness_within_the_bound(
    pg_url: str, cache_prefix: str
) -> None:
    port = int(pg_url.split(":")[2].split("/")[0])
    with tcp_proxy("127.0.0.1", port) as proxy:
        proxied = pg_url.replace(f":{port}/", f":{proxy.port}/")
        settings = settings_for(proxied, cache_prefix, health_check_timeout_seconds=0.5)
        async with app_client(settings) as client:
            assert (await client.get("/health/ready")).status_code == 200  # pool warmed
            proxy.delay_seconds = 30  # the database goes silent
            timings = []
            for _ in range(3):
                started = time.perf_counter()
                response = await client.get("/health/ready")
                timings.append(time.perf_counter() - started)
                assert response.status_code == 503
                assert response.json()["status"] == "fail"
            live = await client.get("/health/live")
            proxy.delay_seconds = 0
    assert live.status_code == 200
    assert max(timings) < 0.5 + 0.5, timings
