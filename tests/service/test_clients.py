"""/api/v1/clientes: register, list with search and pages, read one; cédula unique."""

from __future__ import annotations

import pytest

from tests.support.api import new_client, row_counts
from tests.support.servers import app_client, settings_for

pytestmark = pytest.mark.usefixtures("pg_left_empty")


async def test_a_registered_client_reads_back_with_the_frontend_field_names(
    db_url: str, cache_prefix: str
) -> None:
    async with app_client(settings_for(db_url, cache_prefix)) as http:
        response = await http.post(
            "/api/v1/clientes",
            json={
                "cedula": "v-12.345.678",
                "nombres": "  María   José Pérez ",
                "email": "maria@example.com",
                "telefono": "+58 412 555 0101",
            },
        )
        read = await http.get(f"/api/v1/clientes/{response.json()['id']}")
    assert response.status_code == 201
    body = response.json()
    assert body["cedula"] == "V12345678"  # dots, dashes and case normalised
    assert body["nombres"] == "María José Pérez"
    assert (body["email"], body["telefono"], body["estado"]) == (
        "maria@example.com",
        "+58 412 555 0101",
        "ACTIVO",
    )
    assert body["fecha_registro"].startswith("20")
    assert read.status_code == 200 and read.json() == body


async def test_a_duplicate_cedula_is_409_and_adds_nothing(pg_url: str, cache_prefix: str) -> None:
    async with app_client(settings_for(pg_url, cache_prefix)) as http:
        await new_client(http, "V20000001")
        before = await row_counts(pg_url)
        again = await http.post(
            "/api/v1/clientes", json={"cedula": "V-20.000.001", "nombres": "Otro"}
        )
    assert again.status_code == 409
    assert again.json()["error"] == "duplicate_cedula"
    assert again.json()["details"][0]["field"] == "cedula"
    assert await row_counts(pg_url) == before


async def test_search_by_cedula_or_name_with_pages(db_url: str, cache_prefix: str) -> None:
    async with app_client(settings_for(db_url, cache_prefix)) as http:
        await new_client(http, "V30000001", "Ana Pérez")
        await new_client(http, "V30000002", "Luis Ramírez")
        await new_client(http, "E31000003", "ana maría 100%_x")
        by_name = (await http.get("/api/v1/clientes", params={"search": "ANA"})).json()
        by_cedula = (await http.get("/api/v1/clientes", params={"search": "v3000"})).json()
        wildcard = (await http.get("/api/v1/clientes", params={"search": "%_"})).json()
        page2 = (await http.get("/api/v1/clientes", params={"page": 2, "per_page": 2})).json()
        unaccented = (await http.get("/api/v1/clientes", params={"search": "RAMIREZ"})).json()
        accented = (await http.get("/api/v1/clientes", params={"search": "maría"})).json()
        digits_only = (await http.get("/api/v1/clientes", params={"search": "3100"})).json()
    assert [c["cedula"] for c in by_name["items"]] == ["V30000001", "E31000003"]
    assert [c["cedula"] for c in by_cedula["items"]] == ["V30000001", "V30000002"]
    assert [c["cedula"] for c in wildcard["items"]] == ["E31000003"]  # % and _ are literal
    assert (page2["total"], page2["page"], page2["per_page"]) == (3, 2, 2)
    assert [c["cedula"] for c in page2["items"]] == ["E31000003"]
    # accents and case aside; a cédula's digits without its letter
    assert [c["cedula"] for c in unaccented["items"]] == ["V30000002"]
    assert [c["cedula"] for c in accented["items"]] == ["E31000003"]
    assert [c["cedula"] for c in digits_only["items"]] == ["E31000003"]


async def test_unknown_client_is_404_in_the_error_shape(pg_url: str, cache_prefix: str) -> None:
    async with app_client(settings_for(pg_url, cache_prefix)) as http:
        response = await http.get("/api/v1/clientes/999999")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"cedula": "12", "nombres": "Ana"}, "cedula"),
        ({"cedula": "V40000001", "nombres": "   "}, "nombres"),
        ({"cedula": "V40000001", "nombres": "Ana", "email": "not-an-email"}, "email"),
        ({"cedula": "V40000001", "nombres": "Ana", "estado": "BORRADO"}, "estado"),
        ({"nombres": "Ana"}, "cedula"),
    ],
)
async def test_bad_client_input_is_422_naming_the_field(
    pg_url: str, cache_prefix: str, body: dict[str, str], field: str
) -> None:
    async with app_client(settings_for(pg_url, cache_prefix)) as http:
        before = await row_counts(pg_url)
        response = await http.post("/api/v1/clientes", json=body)
    assert response.status_code == 422
    assert [d["field"] for d in response.json()["details"]] == [field]
    assert await row_counts(pg_url) == before


async def test_registering_needs_the_write_scope(pg_url: str, cache_prefix: str) -> None:
    async with app_client(settings_for(pg_url, cache_prefix), scopes=("read",)) as http:
        response = await http.post("/api/v1/clientes", json={"cedula": "V5000001", "nombres": "A"})
        listing = await http.get("/api/v1/clientes")
    assert response.status_code == 403 and response.json()["error"] == "forbidden"
    assert listing.status_code == 200
