"""A revoked device's token is refused on every citizen route, and nothing changes.

The routes come from the app's own OpenAPI document (``tests.support.hostile``),
so a route added later is covered without touching this file. The second
device is paired through the API, logged in, then revoked by the first; its
still-unexpired token and fresh DPoP proofs must get 401 problem+json on every
``/v1/me`` operation, with no row or blob changed (spent proof ids aside).
Both backends: the embedded default and PostgreSQL + S3.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

import crypto
from tests.support import devices as pairing
from tests.support.hostile import Party, World, assert_problem, hostile_world, json_text
from tests.support.inprocess import BACKENDS, backend_settings


@pytest.fixture(scope="module", params=BACKENDS)
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with hostile_world(backend_settings(request, tmp_path_factory.mktemp("revoked"))) as opened:
        yield opened


def _paired(world: World) -> Party:
    """A second device of the world's citizen, paired through the API and logged in."""
    owner, now = world.citizen, int(time.time())
    started = pairing.start(world.client, crypto.generate_private_key(), now)
    assert pairing.show(world.client, owner.headers, started.code).status_code == 200
    head = pairing.log_head(world.client, owner.headers)
    token = pairing.approval(owner.key, owner.client_id, started, now, head)
    assert pairing.approve(world.client, owner.headers, started.pairing_id, token).status_code == 201
    device = Party(world.client, owner.client_id, started.key)
    device.login()
    return device


def test_a_revoked_device_is_refused_on_every_citizen_route(world: World) -> None:
    second = _paired(world)
    assert second.request("GET", "/v1/me").status_code == 200
    listed = world.citizen.request("GET", "/v1/me/devices").json()["items"]
    second_id = next(d["device_id"] for d in listed if d["how_added"] == "pairing")
    first_id = next(d["device_id"] for d in listed if d["how_added"] == "enrolment")
    assert world.citizen.request("DELETE", f"/v1/me/devices/{second_id}").status_code == 204
    before = world.stored()
    routes = [r for r in world.routes if r.caller == "citizen"]
    assert {"DELETE /v1/me/devices/{device_id}", "GET /v1/me/documents"} <= {
        f"{r.method} {r.path}" for r in routes
    }
    for route in routes:
        path = route.target(device_id=first_id)
        body = json_text(list(route.body_fields.items())) if route.body_media else None
        headers = {"Content-Type": route.body_media} if route.body_media else {}
        if route.path == "/v1/me":
            headers["Erase-Confirm"] = world.citizen.client_id
        query = {name: "1" for name, kind in route.query.items() if kind == "integer"}  # valid counts
        response = second.request(route.method, path, content=body, headers=headers, params=query)
        problem = assert_problem(response, 401)
        assert problem["code"] == "invalid_token", (route.method, route.path, problem)
    assert world.stored() == before
    assert world.citizen.request("GET", "/v1/me").status_code == 200  # the other device is untouched
