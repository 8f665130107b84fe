"""Bad input is never a 500 (issue 8): each example from the outside review, as its own test.

In-process app over both backends, a real citizen and agency signing with DPoP. The
sweep over every route is ``test_bad_input_sweep.py``; these pin the reported cases.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest

import crypto
from tests.support.hostile import World, assert_problem, enrol, hostile_world, json_text, register_agency
from tests.support.inprocess import BACKENDS, backend_settings
from tests.support.raw import valid_cccd

LIMIT = 1024 * 1024
EN = {"Accept-Language": "en"}


@pytest.fixture(scope="module", params=BACKENDS)
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with hostile_world(backend_settings(request, tmp_path_factory.mktemp("bad-input"))) as opened:
        yield opened


def _enrolment(**changes: Any) -> dict[str, Any]:
    cccd, dob = valid_cccd()
    body = {
        "cccd": cccd,
        "full_name": "Nguyễn Văn An",
        "date_of_birth": dob,
        "device_jwk": crypto.public_jwk(crypto.generate_private_key()),
    }
    return {**body, **changes}


def _post_raw(world: World, path: str, body: bytes, media: str = "application/json", **headers: str) -> Any:
    return world.client.post(path, content=body, headers={"Content-Type": media, **headers})


def test_a_body_nested_1000_deep_is_a_400_and_so_is_500(world: World) -> None:
    before = world.stored()
    for depth in (1000, 500, 33):
        nested = b'{"cccd": ' + b"[" * depth + b"]" * depth + b"}"
        problem = assert_problem(_post_raw(world, "/v1/citizens", nested, **EN), 400)
        assert problem["detail"] == "the JSON is nested deeper than 32 levels"
    assert world.stored() == before


def test_invalid_utf8_in_a_json_string_is_a_400_also_when_authenticated(world: World) -> None:
    before = world.stored()
    jwk = json.dumps(crypto.public_jwk(crypto.generate_private_key())).encode()
    body = (
        b'{"cccd": "\xff\xfe", "full_name": "A", "date_of_birth": "1990-01-01", "device_jwk": ' + jwk + b"}"
    )
    problem = assert_problem(_post_raw(world, "/v1/citizens", body), 400)
    assert problem["detail"] == "JSON không phải văn bản UTF-8"
    for bad in (b'"\xff\xfe"', b'"\\ud800"'):
        response = world.citizen.request(
            "POST",
            "/v1/me/identity-qr",
            content=b'{"fields": [' + bad + b"]}",
            headers={"Content-Type": "application/json"},
        )
        assert_problem(response, 400)
    assert world.stored() == before


def test_duplicate_members_are_refused_and_nothing_is_enrolled(world: World) -> None:
    body = _enrolment()
    other_cccd, _ = valid_cccd()
    pairs = [
        ("cccd", other_cccd),
        ("cccd", body["cccd"]),
        ("full_name", "Nguyễn Văn An"),
        ("full_name", "Kẻ Gian"),
        ("date_of_birth", body["date_of_birth"]),
        ("device_jwk", body["device_jwk"]),
    ]
    before = world.stored()
    problem = assert_problem(_post_raw(world, "/v1/citizens", json_text(pairs), **EN), 400)
    assert problem["detail"] == "a JSON member appears twice"
    nested = json_text([("cccd", body["cccd"]), ("device_jwk", {"kty": "EC"})])[:-1] + b',"x":{"a":1,"a":2}}'
    assert_problem(_post_raw(world, "/v1/citizens", nested), 400)
    assert world.stored() == before
    assert world.client.post("/v1/citizens", json=body).status_code == 201  # the same body, once each


def test_json_sent_as_text_plain_is_a_415(world: World) -> None:
    before = world.stored()
    body = json.dumps(_enrolment()).encode()
    for media in ("text/plain", "", "application/json; charset=latin-1"):
        problem = assert_problem(_post_raw(world, "/v1/citizens", body, media, **EN), 415)
        assert problem["code"] == "unsupported_body_type"
        assert problem["detail"] == "Send the body as application/json (UTF-8)."
    assert world.stored() == before


@pytest.mark.parametrize(
    ("lang", "detail"),
    [("vi", "Kích thước tối đa là 1048576 byte."), ("en", "The maximum size is 1048576 bytes.")],
)
def test_a_json_or_form_body_over_1_mib_names_the_limit(world: World, lang: str, detail: str) -> None:
    before = world.stored()
    big_json = b'{"cccd": "' + b"1" * LIMIT + b'"}'
    big_form = b"grant_type=" + b"a" * LIMIT
    headers = {"Accept-Language": lang}
    for path, body, media in (
        ("/v1/citizens", big_json, "application/json"),
        ("/v1/token", big_form, "application/x-www-form-urlencoded"),
    ):
        problem = assert_problem(_post_raw(world, path, body, media, **headers), 413)
        assert (problem["code"], problem["detail"]) == ("payload_too_large", detail)
    assert world.stored() == before


def test_a_form_with_a_field_twice_or_not_utf8_is_a_400(world: World) -> None:
    form = "application/x-www-form-urlencoded"
    for body in (b"grant_type=a&grant_type=b", b"grant_type=%ff%fe", b"grant_type=\xff", b"a=%00"):
        assert_problem(_post_raw(world, "/v1/token", body, form), 400)
    assert_problem(_post_raw(world, "/v1/token", b'{"grant_type": "x"}'), 415)


ROUTES_OF_A_CITIZEN = [
    ("GET", "/v1/me/export"),
    ("GET", "/v1/me"),
    ("GET", "/v1/me/documents"),
    ("GET", "/v1/me/credentials"),
    ("GET", "/v1/me/consents"),
    ("GET", "/v1/me/log"),
    ("GET", "/v1/me/stats"),
    ("POST", "/v1/me/identity-qr"),
    ("DELETE", "/v1/me"),
]


def test_a_token_of_an_erased_citizen_is_a_401_everywhere(world: World) -> None:
    someone, _ = enrol(world.client)
    assert someone.request("GET", "/v1/me/export").status_code == 200
    erased = someone.request("DELETE", "/v1/me", headers={"Erase-Confirm": someone.client_id})
    assert erased.status_code == 200
    for method, path in ROUTES_OF_A_CITIZEN:  # the token itself is still within its lifetime
        extra = {"json": {}} if method == "POST" else {}
        response = someone.request(method, path, headers={"Erase-Confirm": someone.client_id}, **extra)
        assert assert_problem(response, 401)["code"] == "invalid_token", path
        assert response.headers["www-authenticate"].startswith("DPoP")


def test_a_token_of_a_device_key_no_longer_the_citizens_is_a_401(world: World) -> None:
    someone, _ = enrol(world.client)
    assert someone.request("GET", "/v1/me").status_code == 200
    device_id = someone.request("GET", "/v1/me/devices").json()["items"][0]["device_id"]
    assert someone.request("DELETE", f"/v1/me/devices/{device_id}?last=true").status_code == 204
    for method, path in ROUTES_OF_A_CITIZEN[:3]:
        assert_problem(someone.request(method, path), 401)


def test_a_token_of_an_agency_no_longer_active_is_a_401(world: World) -> None:
    old = register_agency(world.app, world.client)
    heir = register_agency(world.app, world.client)
    assert old.request("POST", "/v1/agency/status-allocations").status_code == 201
    world.services.agencies.succeed(old.client_id, heir.client_id, world.services.ctx.utcnow())
    assert_problem(old.request("POST", "/v1/agency/status-allocations"), 401)
    assert heir.request("POST", "/v1/agency/status-allocations").status_code == 201


@pytest.mark.parametrize(
    ("lang", "detail"), [("vi", "Trường 'cccd' phải là chuỗi"), ("en", "Field 'cccd' must be a string")]
)
def test_validation_messages_are_in_the_readers_language(world: World, lang: str, detail: str) -> None:
    body = json.dumps({**_enrolment(), "cccd": 5}).encode()
    problem = assert_problem(_post_raw(world, "/v1/citizens", body, **{"Accept-Language": lang}), 400)
    assert problem["detail"] == detail
    assert problem["title"] == ("Invalid request" if lang == "en" else "Yêu cầu không hợp lệ")


def test_validation_messages_never_echo_the_input(world: World) -> None:
    filename = "hồ-sơ-" + "x" * 300 + "<script>"
    response = world.citizen.request(
        "POST",
        f"/v1/me/documents?filename={filename}",
        content=b"%PDF-1.4",
        headers={"Content-Type": "application/pdf", **EN},
    )
    problem = assert_problem(response, 400)
    assert problem["detail"] == "Field 'filename' must have at most 255 characters"
    unknown = "<b>" + "y" * 300
    body = json.dumps({**_enrolment(), unknown: 1}).encode()
    problem = assert_problem(_post_raw(world, "/v1/citizens", body, **EN), 400)
    assert "<b>" not in problem["detail"] and len(problem["detail"]) < 100
    missing = assert_problem(
        world.citizen.request("GET", "/v1/me/log/proofs/inclusion?index=1", headers=EN), 400
    )
    assert missing["detail"] == "Missing parameter 'tree_size'"


def test_an_agency_document_with_empty_content_number_or_date_is_a_4xx(world: World) -> None:
    """Found by schemathesis: 500 on empty ``content``, ``number`` and ``issue_date``."""
    pdf = base64.b64encode(b"%PDF-1.7\n%%EOF\n").decode()
    base = {
        "cccd": world.cccd,
        "type": "birth-certificate",
        "number": "123/2024",
        "issue_date": "2024-05-01",
        "filename": "giay-khai-sinh.pdf",
        "content_type": "application/pdf",
        "content": pdf,
    }
    before = world.stored()
    for change, code in (
        ({"content": "", "number": "", "issue_date": ""}, "invalid_request"),
        ({"content": ""}, "invalid_request"),
        ({"number": ""}, "invalid_request"),
        ({"number": "x" * 65}, "invalid_request"),
        ({"issue_date": ""}, "invalid_request"),
        ({"issue_date": "2024-02-30"}, "invalid_request"),
        ({}, "credential_rejected"),  # no trust root configured: refused, not a crash
    ):
        response = world.agency.request("POST", "/v1/agency/documents", json={**base, **change})
        assert assert_problem(response)["code"] == code, change
    assert world.stored() == before


@pytest.mark.parametrize(
    "query",
    [
        "start=23152041992579964928",
        "limit=23152041992579964928",
        "since=23152041992579964928",
        "start=-1",
        "start=1&start=2",
    ],
)
def test_an_integer_past_64_bits_is_a_400(world: World, query: str) -> None:
    assert_problem(world.citizen.request("GET", f"/v1/me/log?{query}"), 400)


@pytest.mark.parametrize("path", ["inclusion?index={n}&tree_size=1", "consistency?first=1&second={n}"])
def test_proof_positions_past_64_bits_are_a_400(world: World, path: str) -> None:
    n = 2**64 + 1
    assert_problem(world.citizen.request("GET", "/v1/me/log/proofs/" + path.format(n=n)), 400)
