"""The benchmark's floor app (``bench.floor_app``): its two floor routes answer for a real document
on both backends, as the benchmark needs, and the product's own server has no such route."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from tests.support.raw import RawCitizen
from tests.support.server import WalletServer


def test_the_floor_routes_read_a_real_document(make_server: Callable[..., WalletServer]) -> None:
    server = make_server(module="bench.floor_app")
    person = RawCitizen(server.url)
    assert person.enrol().status_code == 201 and person.login().status_code == 200
    document_id = person.upload(b"%PDF-1.7 floor").json()["id"]
    for route in ("floor", "floor-hot"):
        r = httpx.get(f"{server.url}/bench/{route}/{person.citizen_id}/{document_id}")
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "ok"
    # The read really happens: another citizen's document is not found through it.
    r = httpx.get(f"{server.url}/bench/floor-hot/{person.citizen_id}/{person.citizen_id}")
    assert r.status_code >= 400


def test_the_product_has_no_floor_route(server: WalletServer, citizen: RawCitizen) -> None:
    document_id = citizen.upload(b"%PDF-1.7 floor").json()["id"]
    r = httpx.get(f"{server.url}/bench/floor/{citizen.citizen_id}/{document_id}")
    assert r.status_code == 404
