"""A delegate's act is cheap (``docs/mandates.md``, Speed) but still exact: the node remembers a
mandate's unchanging parts, yet a revocation made elsewhere (another node, straight in the shared
database) stops the delegate's very next request, with nothing answered and nothing logged; and
acts batched into both logs leave both logs' proofs intact. In-process, both backends."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from crypto import public_key_from_jwk, unverified_header
from crypto.transparency import InclusionProof, verify_entry, verify_tree_head
from crypto.transparency.entry import AccessAction
from storage.factory import open_metadata
from tests.support.hostile import assert_problem
from tests.support.inprocess import BACKENDS, backend_settings
from tests.support.mandates import Actor, Office, grant_body, office
from wallet_api.app import create_app
from wallet_api.settings import Settings

BIRTH = "birth-certificate"


@pytest.fixture(params=BACKENDS)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    return backend_settings(request, tmp_path)


@pytest.fixture
def world(settings: Settings) -> Iterator[Office]:
    with office(settings) as opened:
        yield opened


def test_a_revocation_on_another_node_stops_the_next_act_though_this_node_remembers(
    world: Office, settings: Settings
) -> None:
    owner, delegate = world.citizen(name="Lê Thị Hoa"), world.citizen(name="Lê Văn Nam")
    doc = owner.upload(BIRTH)
    mandate = owner.ok(
        "POST", "/v1/me/mandates", 201, json=grant_body(delegate, owner.now + 3600, documents=(BIRTH,))
    )
    mandate_id, path = mandate["mandate_id"], f"/v1/me/documents/{doc}"
    for _ in range(3):  # remembered after the first; each act in both logs
        assert delegate.ok("GET", path, under=mandate_id)["id"] == doc
    sizes = len(owner.log()), len(delegate.log())

    other_node = open_metadata(settings.database_url)  # the shared database, not this node's memory
    try:
        with other_node.unit_of_work() as uow:
            at = dt.datetime.fromtimestamp(world.clock.now, tz=dt.UTC)
            assert uow.mandates.end(mandate_id, at, f"citizen:{owner.client_id}")
            uow.commit()
    finally:
        other_node.close()

    for route in (path, f"{path}/content", f"/v1/me/documents?type={BIRTH}"):
        problem = assert_problem(delegate.call("GET", route, under=mandate_id), 403)
        assert problem["code"] == "mandate_not_valid"
    assert (len(owner.log()), len(delegate.log())) == sizes  # nothing logged, nothing answered


def test_batched_acts_keep_both_logs_provable(world: Office) -> None:
    owner, delegate = world.citizen(), world.citizen()
    doc = owner.upload(BIRTH)
    mandate = owner.ok(
        "POST", "/v1/me/mandates", 201, json=grant_body(delegate, owner.now + 3600, documents=(BIRTH,))
    )
    for n in range(9):  # sizes crossing several powers of two on both logs
        if n % 3 == 2:
            owner.upload(
                BIRTH
            )  # the owner's log moves on without the delegate: the remembered frontier is stale
        assert delegate.call("GET", f"/v1/me/documents/{doc}", under=mandate["mandate_id"]).status_code == 200
    keys = world.client.get("/.well-known/jwks.json").json()["keys"]
    for actor, prefix in ((owner, "mandate:"), (delegate, "acting-for:")):
        body = actor.ok("GET", "/v1/me/log", params={"limit": 500})
        token = body["tree_head"]
        jwk = next(k for k in keys if k["kid"] == unverified_header(token)["kid"])
        head = verify_tree_head(token, public_key_from_jwk(jwk), citizen_id=actor.client_id)
        assert head.size == body["tree_size"]
        assert [e["index"] for e in body["entries"]] == list(range(head.size))
        proved = [  # every entry against the signed head, with the phone's own checks
            verify_entry(head, e["index"], e["data"], InclusionProof.from_json(e["inclusion"]))
            for e in body["entries"]
        ]
        acts = [e for e in proved if e.agency_id.startswith(prefix) and e.action == AccessAction.READ]
        assert len(acts) == 9


def test_the_delegates_fast_read_refuses_like_the_general_path(world: Office) -> None:
    """Once a mandate is remembered, the delegate's metadata GET spends the proof in the statement
    that reads the represented citizen's document; still: a replayed proof is 401, a stranger naming
    the mandate, another citizen's document, a type outside the scope and an unknown id are refused,
    and none of them answers anything or lands in a log."""
    owner, delegate = world.citizen(name="Phạm Thị Lan"), world.citizen(name="Phạm Văn Đức")
    stranger = world.citizen(name="Ngô Văn Tú")
    doc, other_type = owner.upload(BIRTH), owner.upload("marriage-certificate")
    strangers_doc = stranger.upload(BIRTH)
    mandate = owner.ok(
        "POST", "/v1/me/mandates", 201, json=grant_body(delegate, owner.now + 3600, documents=(BIRTH,))
    )
    mandate_id, path = mandate["mandate_id"], f"/v1/me/documents/{doc}"
    assert delegate.ok("GET", path, under=mandate_id)["id"] == doc  # now remembered
    sizes = len(owner.log()), len(delegate.log()), len(stranger.log())

    sent = delegate.call("GET", path, under=mandate_id)  # a fresh proof: served and logged once
    assert sent.status_code == 200 and sent.json()["id"] == doc
    replayed = world.client.get(path, headers=dict(sent.request.headers))
    problem = assert_problem(replayed, 401)
    assert doc not in replayed.text
    sizes = (sizes[0] + 1, sizes[1] + 1, sizes[2])

    problem = assert_problem(stranger.call("GET", path, under=mandate_id), 403)  # not their mandate
    assert problem["code"] == "mandate_not_valid"
    problem = assert_problem(delegate.call("GET", f"/v1/me/documents/{other_type}", under=mandate_id), 403)
    assert problem["code"] == "mandate_out_of_scope"
    for missing in (strangers_doc, str(uuid.uuid4()), "not-a-document-id"):
        assert_problem(delegate.call("GET", f"/v1/me/documents/{missing}", under=mandate_id), 404)
    assert (len(owner.log()), len(delegate.log()), len(stranger.log())) == sizes


MARRIAGE = "marriage-certificate"


def _acts(actor: Actor, prefix: str) -> list[dict[str, Any]]:
    return [e["entry"] for e in actor.log() if e["entry"]["agency_id"].startswith(prefix)]


def test_the_one_statement_read_logs_what_it_read_not_what_it_remembered(world: Office) -> None:
    """Once a document's type is remembered, the delegate's read on PostgreSQL spends the proof,
    reads the document and appends the act in ONE statement, the append made only if the document
    is of the remembered type. A remembered type that is wrong appends nothing there: the act is
    then decided and logged on what was read (the document's real type), refused when the mandate
    does not cover that type (the proof spent all the same), and a document deleted since is 404
    with nothing logged. (On the embedded default the same requests take the act's transaction.)"""
    owner, delegate = world.citizen(name="Đỗ Thị Mai"), world.citizen(name="Đỗ Văn Hùng")
    doc, other = owner.upload(BIRTH), owner.upload(MARRIAGE)
    memory = world.app.state.services.mandates
    wide = owner.ok(
        "POST",
        "/v1/me/mandates",
        201,
        json=grant_body(delegate, owner.now + 3600, documents=(BIRTH, MARRIAGE)),
    )["mandate_id"]
    for _ in range(3):  # the mandate, the type and both logs' frontiers remembered
        assert delegate.ok("GET", f"/v1/me/documents/{doc}", under=wide)["type"] == BIRTH
    memory.remember_type(owner.client_id, doc, MARRIAGE)  # wrong, and covered by the mandate
    assert delegate.ok("GET", f"/v1/me/documents/{doc}", under=wide)["type"] == BIRTH
    reads = _acts(owner, "mandate:")
    assert [(e["resource_id"], e["resource_type"]) for e in reads] == [(doc, BIRTH)] * 4
    assert [e["resource_type"] for e in _acts(delegate, "acting-for:")] == [BIRTH] * 4

    narrow = owner.ok(
        "POST", "/v1/me/mandates", 201, json=grant_body(delegate, owner.now + 3600, documents=(BIRTH,))
    )["mandate_id"]
    assert delegate.ok("GET", f"/v1/me/documents/{doc}", under=narrow)["id"] == doc
    sizes = len(owner.log()), len(delegate.log())
    memory.remember_type(owner.client_id, other, BIRTH)  # wrong, and the real type is not covered
    sent = delegate.call("GET", f"/v1/me/documents/{other}", under=narrow)
    assert assert_problem(sent, 403)["code"] == "mandate_out_of_scope"
    assert other not in sent.text
    assert_problem(world.client.get(f"/v1/me/documents/{other}", headers=dict(sent.request.headers)), 401)
    assert (len(owner.log()), len(delegate.log())) == sizes

    owner.ok("DELETE", f"/v1/me/documents/{doc}")
    sizes = len(owner.log()), len(delegate.log())
    assert_problem(delegate.call("GET", f"/v1/me/documents/{doc}", under=narrow), 404)
    assert (len(owner.log()), len(delegate.log())) == sizes


def test_acts_interleaved_with_other_appends_keep_exactly_one_entry_each(world: Office) -> None:
    """The one-statement append extends the heads this process remembers; when either log moved
    (the owner's own upload, the delegate acting under another mandate) it writes nothing and the
    act's transaction appends instead: every act lands once in each log, and both logs verify."""
    owner, delegate, second = world.citizen(), world.citizen(), world.citizen()
    doc, seconds = owner.upload(BIRTH), second.upload(BIRTH)
    first = owner.ok(
        "POST", "/v1/me/mandates", 201, json=grant_body(delegate, owner.now + 3600, documents=(BIRTH,))
    )["mandate_id"]
    other = second.ok(
        "POST", "/v1/me/mandates", 201, json=grant_body(delegate, owner.now + 3600, documents=(BIRTH,))
    )["mandate_id"]
    for n in range(8):
        assert delegate.ok("GET", f"/v1/me/documents/{doc}", under=first)["id"] == doc
        if n % 4 == 1:
            owner.upload(BIRTH)  # only the owner's log moves
        if n % 4 == 3:  # only the delegate's log (and the second citizen's) moves
            assert delegate.ok("GET", f"/v1/me/documents/{seconds}", under=other)["id"] == seconds
    assert [e["resource_id"] for e in _acts(owner, "mandate:")] == [doc] * 8
    assert [e["resource_id"] for e in _acts(second, "mandate:")] == [seconds] * 2
    assert len(_acts(delegate, "acting-for:")) == 10
    keys = world.client.get("/.well-known/jwks.json").json()["keys"]
    for actor in (owner, delegate, second):
        body = actor.ok("GET", "/v1/me/log", params={"limit": 500})
        token = body["tree_head"]
        jwk = next(k for k in keys if k["kid"] == unverified_header(token)["kid"])
        head = verify_tree_head(token, public_key_from_jwk(jwk), citizen_id=actor.client_id)
        assert [e["index"] for e in body["entries"]] == list(range(head.size))
        for e in body["entries"]:
            verify_entry(head, e["index"], e["data"], InclusionProof.from_json(e["inclusion"]))


def test_a_read_after_another_node_acted_is_logged_once(world: Office, settings: Settings) -> None:
    """Another node (its own app, the same database) acting under the same mandate moves both logs
    past the heads this node remembers: this node's one statement then writes nothing (its heads
    moved) and the act's transaction appends instead; every act lands once in each log."""
    owner, delegate = world.citizen(), world.citizen()
    doc = owner.upload(BIRTH)
    mandate = owner.ok(
        "POST", "/v1/me/mandates", 201, json=grant_body(delegate, owner.now + 3600, documents=(BIRTH,))
    )["mandate_id"]
    path = f"/v1/me/documents/{doc}"
    for _ in range(3):  # the mandate, the type and both logs' frontiers remembered on this node
        assert delegate.ok("GET", path, under=mandate)["id"] == doc
    other_app = create_app(settings, clock=world.clock)
    with TestClient(other_app, base_url=str(world.client.base_url)) as other_client:
        elsewhere = dataclasses.replace(delegate, client=other_client)
        for _ in range(2):
            assert elsewhere.ok("GET", path, under=mandate)["id"] == doc
    for _ in range(2):  # the first finds both heads moved; the second is on remembered heads again
        assert delegate.ok("GET", path, under=mandate)["id"] == doc
    assert [e["resource_id"] for e in _acts(owner, "mandate:")] == [doc] * 7
    assert len(_acts(delegate, "acting-for:")) == 7


def test_acts_completing_many_nodes_keep_both_logs_provable(world: Office) -> None:
    """An act whose leaf completes many interior nodes (index 31: five) sends them as arrays instead
    of rows (one fixed statement): 40 reads in a row cross it on both logs, and every entry of
    both still proves against the signed head."""
    owner, delegate = world.citizen(), world.citizen()
    doc = owner.upload(BIRTH)
    mandate = owner.ok(
        "POST", "/v1/me/mandates", 201, json=grant_body(delegate, owner.now + 3600, documents=(BIRTH,))
    )["mandate_id"]
    for _ in range(40):
        assert delegate.ok("GET", f"/v1/me/documents/{doc}", under=mandate)["id"] == doc
    keys = world.client.get("/.well-known/jwks.json").json()["keys"]
    for actor in (owner, delegate):
        body = actor.ok("GET", "/v1/me/log", params={"limit": 500})
        token = body["tree_head"]
        jwk = next(k for k in keys if k["kid"] == unverified_header(token)["kid"])
        head = verify_tree_head(token, public_key_from_jwk(jwk), citizen_id=actor.client_id)
        assert head.size >= 40 and [e["index"] for e in body["entries"]] == list(range(head.size))
        for e in body["entries"]:
            verify_entry(head, e["index"], e["data"], InclusionProof.from_json(e["inclusion"]))


def test_the_per_device_limit_stays_exact_for_a_delegate(settings: Settings) -> None:
    """The one-statement read decides the per-device limit ahead only far below it (64 calls) and
    counts the call once served; nearer, the limit is decided after the proof is spent and before
    anything is served or logged: the delegate's device gets exactly its limit, then 429 with
    nothing logged. On the embedded default this also reads past the limit's every ``step``-th
    call, which must add to the shared count while no act's transaction holds the write lock (it
    hung there before)."""
    limited = dataclasses.replace(settings, rate_limits="device=70/600,agency=120000/60")
    with office(limited) as world:
        owner, delegate = world.citizen(), world.citizen()
        doc = owner.upload(BIRTH)
        mandate = owner.ok(
            "POST", "/v1/me/mandates", 201, json=grant_body(delegate, owner.now + 3600, documents=(BIRTH,))
        )["mandate_id"]
        path = f"/v1/me/documents/{doc}"
        served = 0
        while (sent := delegate.call("GET", path, under=mandate)).status_code == 200:
            served += 1
            assert served <= 70
        assert served == 70  # one process counts exactly: the first calls ahead, the rest before
        assert assert_problem(sent, 429)["code"] == "rate_limited"
        assert doc not in sent.text
        world.clock.now += 600  # the next window: the delegate's device may read its log again
        assert len(_acts(owner, "mandate:")) == 70
        assert len(_acts(delegate, "acting-for:")) == 70
