"""Every write shows in the very next KPI or summary read, in another process: two uvicorn
servers share Redis and PostgreSQL; writes go to one, reads to the other."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.support.api import approved_loan, created, new_client, new_payment
from tests.support.databases import create_pg_database, drop_pg_database
from tests.support.servers import server_env, uvicorn_server

KPIS = "/api/v1/pagos/kpis"
SUMMARY = "/api/v1/notificaciones/estadisticas/resumen"
TZ = ZoneInfo("America/Caracas")


@pytest.fixture
def own_database() -> Iterator[str]:
    url = create_pg_database("invalidation")
    yield url
    drop_pg_database(url)


async def _read(reader: httpx.AsyncClient, path: str) -> tuple[str, dict[str, object]]:
    response = await reader.get(path)
    assert response.status_code == 200, response.text
    return response.headers["x-cache"], response.json()


async def test_each_write_in_one_worker_shows_in_the_next_read_in_another(
    own_database: str, cache_prefix: str, tmp_path: Path
) -> None:
    env = server_env(own_database, cache_prefix)
    now = datetime.now(TZ).replace(microsecond=0)
    with (
        uvicorn_server(env, tmp_path / "writer.log") as writer_server,
        uvicorn_server(env, tmp_path / "reader.log") as reader_server,
    ):
        async with writer_server.client() as writer, reader_server.client() as reader:
            await new_client(writer, "V91000001")
            # 2 x 100 at 0 %, both due long ago: one client in arrears, 200 receivable
            loan = await approved_loan(writer, "V91000001", "200", 2, base="2025-01-10")

            outcome, kpis = await _read(reader, KPIS)
            assert (kpis["saldoPorCobrar"], kpis["clientesEnMora"]) == (200.0, 1)
            assert kpis["montoCobradoMes"] == 0.0
            assert (await _read(reader, KPIS))[0] == "hit"  # cached in the reader now

            payment = await new_payment(
                writer, "V91000001", "150.00", loan_id=loan["id"], paid_at=now.isoformat()
            )
            _, kpis = await _read(reader, KPIS)
            assert (kpis["montoCobradoMes"], kpis["montoNoDefinido"]) == (150.0, 150.0)

            reconciled = await writer.post(f"/api/v1/pagos/{payment['id']}/conciliar")
            assert reconciled.status_code == 200
            _, kpis = await _read(reader, KPIS)
            assert (kpis["montoNoDefinido"], kpis["saldoPorCobrar"]) == (0.0, 50.0)
            assert kpis["clientesEnMora"] == 1  # the second installment is still owed

            assert (await writer.delete(f"/api/v1/pagos/{payment['id']}")).status_code == 200
            _, kpis = await _read(reader, KPIS)
            assert (kpis["montoCobradoMes"], kpis["saldoPorCobrar"]) == (0.0, 200.0)

            _, summary = await _read(reader, SUMMARY)
            assert summary["total"] == 0
            note = await created(
                await writer.post(
                    "/api/v1/notificaciones",
                    json={"cliente_id": loan["cliente_id"], "tipo": "SMS", "asunto": "Cuota"},
                )
            )
            _, summary = await _read(reader, SUMMARY)
            assert (summary["total"], summary["pendientes"], summary["no_leidas"]) == (1, 1, 1)
            marked = await writer.patch(
                f"/api/v1/notificaciones/{note['id']}", json={"estado": "ENVIADA", "leida": True}
            )
            assert marked.status_code == 200
            _, summary = await _read(reader, SUMMARY)
            assert (summary["enviadas"], summary["no_leidas"], summary["tasa_exito"]) == (
                1,
                0,
                100.0,
            )
    assert outcome == "miss"
    assert writer_server.process.pid != reader_server.process.pid
