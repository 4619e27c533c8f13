"""/api/v1/notificaciones: create, change status or mark read, list with filters."""

from __future__ import annotations

import pytest

from tests.support.api import created, new_client, row_counts
from tests.support.servers import app_client, settings_for

pytestmark = pytest.mark.usefixtures("pg_left_empty")

NOTIFICACIONES = "/api/v1/notificaciones"


async def test_create_update_and_filter(db_url: str, cache_prefix: str) -> None:
    async with app_client(settings_for(db_url, cache_prefix)) as http:
        ana = await new_client(http, "V92000001")
        luis = await new_client(http, "V92000002")

        async def notify(client_id: int, channel: str) -> dict[str, object]:
            body = {"cliente_id": client_id, "tipo": channel, "asunto": "Su cuota vence"}
            return await created(await http.post(NOTIFICACIONES, json=body))

        sms = await notify(ana["id"], "SMS")
        email = await notify(ana["id"], "EMAIL")
        whatsapp = await notify(luis["id"], "WHATSAPP")
        sent = await http.patch(f"{NOTIFICACIONES}/{sms['id']}", json={"estado": "ENVIADA"})
        read = await http.patch(f"{NOTIFICACIONES}/{email['id']}", json={"leida": True})
        failed = await http.patch(f"{NOTIFICACIONES}/{whatsapp['id']}", json={"estado": "FALLIDA"})
        resent = await http.patch(f"{NOTIFICACIONES}/{sms['id']}", json={"estado": "PENDIENTE"})
        missing = await http.patch(f"{NOTIFICACIONES}/999999", json={"leida": True})
        empty = await http.patch(f"{NOTIFICACIONES}/{sms['id']}", json={})
        not_a_boolean = [
            await http.patch(f"{NOTIFICACIONES}/{sms['id']}", json={"leida": value})
            for value in ("yes", 1, "true")
        ]

        async def ids(**params: object) -> list[object]:
            response = await http.get(NOTIFICACIONES, params=params)
            assert response.status_code == 200, response.text
            return [n["id"] for n in response.json()["items"]]

        by_client = await ids(cliente_id=ana["id"])
        by_status = await ids(estado="FALLIDA")
        by_channel = await ids(tipo="EMAIL")
        unread = await ids(leida="false")
        summary = (await http.get(f"{NOTIFICACIONES}/estadisticas/resumen")).json()
    assert (sms["estado"], sms["leida"], sms["enviada_en"], sms["tipo"]) == (
        "PENDIENTE", False, None, "SMS",
    )  # fmt: skip
    assert sent.status_code == 200 and sent.json()["estado"] == "ENVIADA"
    assert sent.json()["enviada_en"] is not None
    assert read.json()["leida"] is True and read.json()["estado"] == "PENDIENTE"
    assert failed.json()["estado"] == "FALLIDA"
    assert resent.status_code == 409 and "none (final status)" in resent.json()["message"]
    assert missing.status_code == 404
    assert empty.status_code == 422
    assert [r.status_code for r in not_a_boolean] == [422] * 3
    assert {r.json()["details"][0]["field"] for r in not_a_boolean} == {"leida"}
    assert sorted(by_client) == sorted([sms["id"], email["id"]])  # type: ignore[type-var]
    assert by_status == [whatsapp["id"]] and by_channel == [email["id"]]
    assert sorted(unread) == sorted([sms["id"], whatsapp["id"]])  # type: ignore[type-var]
    assert (summary["total"], summary["enviadas"], summary["fallidas"]) == (3, 1, 1)
    assert summary["no_leidas"] == 2


async def test_a_notification_for_an_unknown_client_is_422(pg_url: str, cache_prefix: str) -> None:
    async with app_client(settings_for(pg_url, cache_prefix)) as http:
        before = await row_counts(pg_url)
        response = await http.post(
            NOTIFICACIONES, json={"cliente_id": 987654, "tipo": "SMS", "asunto": "x"}
        )
        after = await row_counts(pg_url)
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "cliente_id"
    assert after == before
