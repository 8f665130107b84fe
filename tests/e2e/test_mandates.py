"""Mandates on a pinned clock: a delegate acts for another citizen exactly within the mandate.

The app runs in-process over the embedded default and over PostgreSQL + S3.
Every scope boundary is a request that must be refused with a problem+json in
Vietnamese and English: a type not in scope, after expiry, after revocation or
renunciation, before it starts, another citizen using someone's mandate, and
the owner-only routes (devices, erasure, granting mandates: every ``/v1/me``
route a mandate cannot cover). Both citizens' logs show each act; a consent
receipt decided by a delegate names both. A guardian's mandate comes only from
an identity-provider agency's signed request.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import crypto
from tests.support.hostile import assert_problem, json_text, routes_of
from tests.support.hostile import assert_refused as _refused
from tests.support.inprocess import BACKENDS, backend_settings
from tests.support.mandates import Actor, Office, grant_body, guardian_request, mandate_decision, office
from wallet_api.mandates import OPT
from wallet_api.openapi_codes import MANDATE_ROUTES
from wallet_api.settings import Settings

HOUR = 3600
BIRTH, MARRIAGE = "birth-certificate", "marriage-certificate"
BIRTH_PROCEDURE, MARRIAGE_PROCEDURE = "1.001193", "1.001022"


@pytest.fixture(params=BACKENDS)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    return backend_settings(request, tmp_path)


@pytest.fixture
def world(settings: Settings) -> Iterator[Office]:
    with office(settings) as opened:
        yield opened


def _grant(owner: Actor, delegate: Actor, **kwargs: Any) -> str:
    until = kwargs.pop("until", owner.now + 24 * HOUR)
    body = grant_body(delegate, until, **kwargs)
    return str(owner.ok("POST", "/v1/me/mandates", 201, json=body)["mandate_id"])


def _entries(actor: Actor, prefix: str) -> list[dict[str, Any]]:
    return [e for e in actor.log() if e["entry"]["agency_id"].startswith(prefix)]


def test_a_delegate_reads_exactly_what_the_mandate_covers(world: Office) -> None:
    mother, son, stranger = (
        world.citizen(name="Lê Thị Hoa"),
        world.citizen(name="Lê Văn Nam"),
        world.citizen(),
    )
    birth, marriage = mother.upload(BIRTH), mother.upload(MARRIAGE)
    mandate = _grant(mother, son, documents=(BIRTH,))

    shown = son.ok("GET", f"/v1/me/documents/{birth}", under=mandate)
    assert shown["id"] == birth
    content = son.call("GET", f"/v1/me/documents/{birth}/content", under=mandate)
    assert content.status_code == 200 and content.content.startswith(b"%PDF-")
    listed = son.ok("GET", f"/v1/me/documents?type={BIRTH}", under=mandate)["items"]
    assert [d["id"] for d in listed] == [birth]

    _refused(son.call("GET", f"/v1/me/documents/{marriage}", under=mandate), 403, "mandate_out_of_scope")
    _refused(
        son.call("GET", f"/v1/me/documents/{marriage}/content", under=mandate), 403, "mandate_out_of_scope"
    )
    _refused(son.call("GET", f"/v1/me/documents?type={MARRIAGE}", under=mandate), 403, "mandate_out_of_scope")
    _refused(
        son.call("GET", "/v1/me/documents", under=mandate), 403, "mandate_out_of_scope"
    )  # a type is named
    _refused(son.call("GET", f"/v1/me/credentials?type={BIRTH}", under=mandate), 403, "mandate_out_of_scope")
    assert_problem(son.call("GET", f"/v1/me/documents/{birth}"), 404)  # without the header: his own wallet
    _refused(stranger.call("GET", f"/v1/me/documents/{birth}", under=mandate), 403, "mandate_not_valid")
    for bogus in ("not-a-mandate", str(uuid.uuid4())):
        _refused(son.call("GET", f"/v1/me/documents/{birth}", under=bogus), 403, "mandate_not_valid")
    problem = son.call(
        "GET", f"/v1/me/documents/{marriage}", under=mandate, headers={"Accept-Language": "vi"}
    )
    assert "uỷ quyền" in problem.json()["title"].lower()

    on_behalf = _entries(mother, f"mandate:{mandate}")
    assert {e["entry"]["resource_id"] for e in on_behalf} == {birth, "documents"}
    assert all(e["entry"]["agency_name"] == "Lê Văn Nam" for e in on_behalf)
    assert all("thay bạn" in e["text_vi"] and "for you" in e["text_en"] for e in on_behalf)
    acting_for = _entries(son, f"acting-for:{mandate}")
    assert len(acting_for) == len(on_behalf) == 3  # metadata, content, list: each on both sides
    assert all(e["entry"]["agency_name"] == "Lê Thị Hoa" for e in acting_for)
    assert all("Lê Thị Hoa" in e["text_vi"] for e in acting_for)
    for side in (mother, son):  # the grant itself, in both logs
        grants = [e for e in side.log() if e["entry"]["action"] == "mandate-grant"]
        assert [g["entry"]["resource_id"] for g in grants] == [mandate]
    assert not _entries(stranger, "mandate:") and not _entries(stranger, "acting-for:")


def test_expiry_revocation_renunciation_and_start_end_the_mandate_at_the_next_request(world: Office) -> None:
    owner, delegate = world.citizen(), world.citizen()
    doc = owner.upload(BIRTH)
    path = f"/v1/me/documents/{doc}"

    short = _grant(owner, delegate, documents=(BIRTH,), until=owner.now + HOUR)
    assert delegate.call("GET", path, under=short).status_code == 200
    world.clock.now += HOUR + 1
    _refused(delegate.call("GET", path, under=short), 403, "mandate_not_valid")

    revoked = _grant(owner, delegate, documents=(BIRTH,))
    assert delegate.call("GET", path, under=revoked).status_code == 200
    ended = owner.ok("DELETE", f"/v1/me/mandates/{revoked}")
    assert ended["state"] == "ended" and ended["role"] == "represented"
    _refused(delegate.call("GET", path, under=revoked), 403, "mandate_not_valid")
    _refused(owner.call("DELETE", f"/v1/me/mandates/{revoked}"), 409, "mandate_ended")

    renounced = _grant(owner, delegate, documents=(BIRTH,))
    assert delegate.ok("DELETE", f"/v1/me/mandates/{renounced}")["role"] == "delegate"
    _refused(delegate.call("GET", path, under=renounced), 403, "mandate_not_valid")

    later = grant_body(delegate, owner.now + 3 * HOUR, documents=(BIRTH,))
    later["valid_from"] = dt.datetime.fromtimestamp(owner.now + HOUR, tz=dt.UTC).isoformat()
    pending = owner.ok("POST", "/v1/me/mandates", 201, json=later)
    assert pending["state"] == "pending"
    _refused(delegate.call("GET", path, under=pending["mandate_id"]), 403, "mandate_not_valid")
    world.clock.now += HOUR
    assert delegate.call("GET", path, under=pending["mandate_id"]).status_code == 200

    states = {m["mandate_id"]: m["state"] for m in owner.ok("GET", "/v1/me/mandates")["items"]}
    assert states == {short: "expired", revoked: "ended", renounced: "ended", pending["mandate_id"]: "active"}
    ends = [e for e in owner.log() if e["entry"]["action"] == "mandate-end"]
    assert {e["entry"]["resource_id"] for e in ends} == {revoked, renounced}
    stranger = world.citizen()
    _refused(stranger.call("DELETE", f"/v1/me/mandates/{pending['mandate_id']}"), 404, "mandate_not_found")


def test_granting_checks_its_input_and_changes_nothing_when_refused(world: Office) -> None:
    owner, delegate = world.citizen(), world.citizen()
    until = owner.now + HOUR
    cases = [
        (
            {**grant_body(delegate, until, documents=(BIRTH,)), "delegate_cccd": "048199012345"},
            404,
            "delegate_not_found",
        ),
        (grant_body(owner, until, documents=(BIRTH,)), 422, "invalid_mandate"),  # oneself
        (grant_body(delegate, until), 422, "invalid_mandate"),  # empty scope
        (grant_body(delegate, until, documents=("no-such-type",)), 422, "invalid_mandate"),
        (grant_body(delegate, until, procedures=("9.999999",)), 422, "invalid_mandate"),
        (grant_body(delegate, owner.now - 10, documents=(BIRTH,)), 422, "invalid_mandate"),  # over already
        (grant_body(delegate, owner.now + 6 * 366 * 86400, documents=(BIRTH,)), 422, "invalid_mandate"),
        ({**grant_body(delegate, until, documents=(BIRTH,)), "kind": "guardian"}, 400, "invalid_request"),
    ]
    for body, status, code in cases:
        _refused(owner.call("POST", "/v1/me/mandates", json=body), status, code)
    assert owner.ok("GET", "/v1/me/mandates")["items"] == []
    assert not [e for e in owner.log() if e["entry"]["action"].startswith("mandate")]


def test_a_mandate_never_reaches_the_owners_own_routes(world: Office) -> None:
    owner, delegate = world.citizen(), world.citizen()
    mandate = _grant(owner, delegate, documents=(BIRTH,), procedures=(BIRTH_PROCEDURE,))
    device = owner.ok("GET", "/v1/me/devices")["items"][0]["device_id"]
    engine = world.app.state.services.ctx.metadata.engine
    routes = [r for r in routes_of(world.app) if r.caller == "citizen"]
    swept = {f"{r.method} {r.path}" for r in routes} - MANDATE_ROUTES
    assert {"DELETE /v1/me/devices/{device_id}", "DELETE /v1/me", "POST /v1/me/mandates"} <= swept
    assert _opted_in(world) == MANDATE_ROUTES  # the guard's opt-ins are what the OpenAPI document says
    before = _counts(engine)
    for route in routes:
        if f"{route.method} {route.path}" in MANDATE_ROUTES:
            continue
        path = route.target(device_id=device, mandate_id=mandate)
        body = json_text(list(route.body_fields.items())) if route.body_media else None
        headers = {"Content-Type": route.body_media} if route.body_media else {}
        if route.path == "/v1/me":
            headers["Erase-Confirm"] = owner.client_id
        query = {name: "1" for name, kind in route.query.items() if kind == "integer"}
        response = delegate.call(
            route.method, path, under=mandate, content=body, headers=headers, params=query
        )
        _refused(response, 403, "mandate_not_allowed")
    assert _counts(engine) == before
    assert owner.call("GET", "/v1/me").status_code == 200  # the account, its devices: untouched
    assert len(owner.ok("GET", "/v1/me/devices")["items"]) == 1
    assert [m["mandate_id"] for m in owner.ok("GET", "/v1/me/mandates")["items"]] == [mandate]


def _opted_in(world: Office) -> set[str]:
    found = set()
    for route in world.app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if handler.opt.get(OPT):
                path = re.sub(r":[a-z]+}", "}", route.path)
                found |= {f"{method} {path}" for method in handler.http_methods}
    return found


def _counts(engine: Any) -> dict[str, int]:
    from sqlalchemy import func, inspect, select, table

    with engine.connect() as connection:
        names = sorted(set(inspect(connection).get_table_names()) - {"replay", "alembic_version"})
        return {n: connection.execute(select(func.count()).select_from(table(n))).scalar_one() for n in names}


def _ask(agency: Actor, citizen: Actor, procedure: str, doc_type: str) -> str:
    body = {
        "cccd": citizen.cccd,
        "purpose": "Làm thủ tục cho người thân",
        "procedure_code": procedure,
        "case_number": f"HS-{uuid.uuid4().hex[:8]}",
        "items": [{"type": doc_type}],
        "valid_for_seconds": HOUR,
        "max_uses": 2,
        "retention_days": 30,
    }
    return str(agency.ok("POST", "/v1/agency/consents", 201, json=body)["id"])


def test_a_delegate_answers_consents_of_covered_procedures_and_the_receipt_names_both(world: Office) -> None:
    father, daughter = world.citizen(name="Phạm Văn Đức"), world.citizen(name="Phạm Thu Trang")
    agency = world.agency(["requester"], name="UBND phường Hải Châu")
    doc = father.upload(BIRTH)
    father.upload(MARRIAGE)
    mandate = _grant(father, daughter, procedures=(BIRTH_PROCEDURE,))
    covered = _ask(agency, father, BIRTH_PROCEDURE, BIRTH)
    other = _ask(agency, father, MARRIAGE_PROCEDURE, MARRIAGE)

    seen = daughter.ok("GET", "/v1/me/consents", under=mandate)["items"]
    assert [c["id"] for c in seen] == [covered]
    _refused(daughter.call("GET", f"/v1/me/consents/{other}", under=mandate), 403, "mandate_out_of_scope")
    act = {"sub": daughter.client_id, "mandate_id": mandate}
    items = [{"item": 0, "kind": "document", "id": doc}]
    path = f"/v1/me/consents/{covered}/decision"
    for wrong in (
        None,
        {"sub": father.client_id, "mandate_id": mandate},
        {**act, "mandate_id": str(uuid.uuid4())},
    ):
        token = mandate_decision(daughter.key, covered, daughter.now, items, wrong)
        _refused(
            daughter.call("POST", path, under=mandate, json={"decision": token}), 422, "invalid_decision"
        )
    signed_by_father = mandate_decision(father.key, covered, daughter.now, items, act)
    _refused(
        daughter.call("POST", path, under=mandate, json={"decision": signed_by_father}),
        422,
        "invalid_decision",
    )
    token = mandate_decision(daughter.key, other, daughter.now, [], act)
    _refused(
        daughter.call("POST", f"/v1/me/consents/{other}/decision", under=mandate, json={"decision": token}),
        403,
        "mandate_out_of_scope",
    )

    token = mandate_decision(daughter.key, covered, daughter.now, items, act)
    receipt = daughter.ok("POST", path, under=mandate, json={"decision": token})["receipt"]
    assert receipt["state"] == "approved"
    assert receipt["pii_principal"]["citizen_id"] == father.client_id
    assert receipt["delegate"]["citizen_id"] == daughter.client_id
    assert receipt["delegate"]["mandate_id"] == mandate
    theirs = agency.ok("GET", f"/v1/agency/consents/{covered}/receipt")
    assert theirs["receipt"]["delegate"] == receipt["delegate"]
    key = crypto.public_key_from_jwk(world.client.get("/.well-known/jwks.json").json()["keys"][0])
    signed = crypto.verify_jws(theirs["receipt_jws"], key, typ="consent-receipt+jwt")
    assert signed["delegate"]["citizen_id"] == daughter.client_id
    assert (
        father.ok("GET", f"/v1/me/consents/{covered}/receipt")["receipt"]["delegate"] == receipt["delegate"]
    )

    decided = [e for e in father.log() if e["entry"]["action"] == "decide"]
    assert len(decided) == 1 and decided[0]["entry"]["agency_name"] == "Phạm Thu Trang"
    assert decided[0]["entry"]["consent_id"] == covered and "thay bạn" in decided[0]["text_vi"]
    assert [e for e in daughter.log() if e["entry"]["action"] == "decide"]
    _refused(
        daughter.call("POST", f"/v1/me/consents/{covered}/revoke", under=mandate), 403, "mandate_not_allowed"
    )


def test_a_guardians_mandate_comes_only_from_an_identity_provider(world: Office) -> None:
    child, guardian, adult = world.citizen(birth_year=2020), world.citizen(), world.citizen(birth_year=1990)
    idp, issuer = world.agency(["idp"]), world.agency(["issuer", "requester"])
    doc = child.upload(BIRTH)

    request = guardian_request(idp, child, guardian)
    _refused(issuer.call("POST", "/v1/agency/mandates", json={"request": request}), 403, "forbidden_role")
    forged = guardian_request(idp, child, guardian, key=crypto.generate_private_key())
    _refused(
        idp.call("POST", "/v1/agency/mandates", json={"request": forged}), 422, "invalid_guardian_request"
    )
    grown = guardian_request(idp, adult, guardian)
    _refused(
        idp.call("POST", "/v1/agency/mandates", json={"request": grown}), 422, "invalid_guardian_request"
    )
    stale = guardian_request(idp, child, guardian)
    world.clock.now += 3600
    _refused(
        idp.call("POST", "/v1/agency/mandates", json={"request": stale}), 422, "invalid_guardian_request"
    )
    assert child.ok("GET", "/v1/me/mandates")["items"] == []

    request = guardian_request(idp, child, guardian)
    made = idp.ok("POST", "/v1/agency/mandates", 201, json={"request": request})
    assert made["kind"] == "guardian" and made["basis"] == "minor" and made["role"] == "agency"
    fourteen = dt.datetime.fromisoformat(made["valid_until"])
    assert fourteen.year == 2034  # capped at the 14th birthday, whatever the request asked
    _refused(
        idp.call("POST", "/v1/agency/mandates", json={"request": request}), 422, "invalid_guardian_request"
    )
    mandate = made["mandate_id"]

    assert guardian.ok("GET", f"/v1/me/documents/{doc}", under=mandate)["id"] == doc
    _refused(child.call("DELETE", f"/v1/me/mandates/{mandate}"), 409, "mandate_by_agency")
    _refused(guardian.call("POST", "/v1/me/mandates", under=mandate, json={}), 403, "mandate_not_allowed")
    grants = [e for e in child.log() if e["entry"]["action"] == "mandate-grant"]
    assert grants and grants[0]["entry"]["agency_id"] == idp.client_id

    _refused(issuer.call("DELETE", f"/v1/agency/mandates/{mandate}"), 403, "forbidden_role")
    assert idp.ok("DELETE", f"/v1/agency/mandates/{mandate}")["state"] == "ended"
    _refused(guardian.call("GET", f"/v1/me/documents/{doc}", under=mandate), 403, "mandate_not_valid")
