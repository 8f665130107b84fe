"""Bad input is never a 500, over the whole surface: every route the app itself lists, fed hostile input.

Each route that reads a body gets malformed, deeply nested, oversized, duplicate-member,
wrong-media-type and non-UTF-8 bodies; each query and path parameter gets values out of
range, over-long, duplicated, NUL and invalid UTF-8. Every answer must be the expected 4xx
problem+json, and nothing may be stored (rows in every table, blobs). The routes come from
the app's OpenAPI document, so a route added later is swept without touching this file.
The citizen and agency are real and signed in (DPoP), on both backends.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.hostile import Route, World, assert_problem, hostile_world, json_text
from tests.support.inprocess import BACKENDS, backend_settings

FORM = "application/x-www-form-urlencoded"
Attack = Callable[[Route, st.DataObject | None], tuple[bytes, str]]  # -> (body, Content-Type)


@pytest.fixture(scope="module", params=BACKENDS)
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with hostile_world(backend_settings(request, tmp_path_factory.mktemp("sweep"))) as opened:
        yield opened


def _pick(data: st.DataObject | None, options: list[Any]) -> Any:
    return options[0] if data is None else data.draw(st.sampled_from(options))


def _pairs(route: Route) -> list[tuple[str, Any]]:
    return list(route.body_fields.items())


def _encode(route: Route, pairs: list[tuple[str, Any]]) -> bytes:
    if route.body_media == FORM:
        return "&".join(f"{k}={v}" for k, v in pairs).encode()
    return json_text(pairs)


def malformed(route: Route, data: st.DataObject | None) -> tuple[bytes, str]:
    whole = _encode(route, _pairs(route)) if route.body_media != FORM else b"grant_type=x&&=%zz"
    cut = len(whole) - 1 if data is None else data.draw(st.integers(1, len(whole) - 1))
    tail = _pick(data, [b"", b",", b"'", b"\x00", b"}}", b"=&"])
    return whole[:cut] + tail, route.body_media or ""


def deep(route: Route, data: st.DataObject | None) -> tuple[bytes, str]:
    depth = 1000 if data is None else data.draw(st.integers(33, 5000))
    opener, closer = _pick(data, [("[", "]"), ('{"a":', "}")])
    name = next(iter(route.body_fields), "a")
    return f'{{"{name}": {opener * depth}1{closer * depth}}}'.encode(), route.body_media or ""


def huge(route: Route, data: st.DataObject | None) -> tuple[bytes, str]:
    extra = 1 if data is None else data.draw(st.integers(1, 64 * 1024))
    name = next(iter(route.body_fields), "a")
    if route.body_media == FORM:
        return f"{name}=".encode() + b"a" * (route.body_limit + extra), FORM
    return f'{{"{name}": "'.encode() + b"a" * (route.body_limit + extra) + b'"}', route.body_media or ""


def duplicate(route: Route, data: st.DataObject | None) -> tuple[bytes, str]:
    pairs = _pairs(route)
    name, value = _pick(data, pairs)
    again = _pick(data, [value, "Kẻ Gian", 2, None])
    position = len(pairs) if data is None else data.draw(st.integers(0, len(pairs)))
    return _encode(route, [*pairs[:position], (name, again), *pairs[position:]]), route.body_media or ""


def wrong_type(route: Route, data: st.DataObject | None) -> tuple[bytes, str]:
    other = "application/json" if route.body_media == FORM else FORM
    media = _pick(
        data,
        [
            "text/plain",
            other,
            "application/xml",
            "text/html",
            "multipart/form-data; boundary=x",
            "application/octet-stream",
            f"{route.body_media}; charset=latin-1",
            "",
        ],
    )
    return _encode(route, _pairs(route)), media


def not_utf8(route: Route, data: st.DataObject | None) -> tuple[bytes, str]:
    pairs = _pairs(route)
    name = _pick(data, [k for k, _ in pairs] or ["a"])
    if route.body_media == FORM:
        bad = _pick(data, [b"%ff%fe", b"\xff\xfe", b"%c0%af", b"%ed%a0%80", b"%00"])
        rest = "&".join(f"{k}={v}" for k, v in pairs if k != name).encode()
        return rest + b"&" + name.encode() + b"=" + bad, FORM
    bad = _pick(
        data, [b"\xff\xfe", b"\xc0\xaf", b"\xed\xa0\x80", b"\x80", b"\\ud800", b"x\\udc00", b"\\u0000"]
    )
    marker = "\x01MARK\x01"
    text = json_text([(k, marker if k == name else v) for k, v in pairs])
    return text.replace(json.dumps(marker).encode(), b'"' + bad + b'"'), route.body_media or ""


ATTACKS: dict[str, tuple[Attack, int]] = {  # each kind and the status it must get
    "malformed": (malformed, 400),
    "deep": (deep, 400),
    "huge": (huge, 413),
    "duplicate": (duplicate, 400),
    "wrong_type": (wrong_type, 415),
    "not_utf8": (not_utf8, 400),
}
INT_VALUES = ["23152041992579964928", "-1", "-23152041992579964928", "1.5", "1e400", "NaN", "", "0x10", "१२"]
TEXT_VALUES = ["x" * 5000, "%00", "a%00b", "%ff%fe", "%c0%af"]
PATH_VALUES = ["%00", "a%00b", "%ff%fe", "x" * 1500, "%ed%a0%80", "%2e%2e"]  # DPoP: URLs up to 4 KiB


def _body_routes(world: World) -> list[Route]:
    return [r for r in world.routes if r.body_media]


def _attack(world: World, route: Route, kind: str, data: st.DataObject | None) -> None:
    build, status = ATTACKS[kind]
    body, media = build(route, data)
    before = world.stored()
    headers = {"Content-Type": media} if media else {}
    response = world.send(route, route.target(), content=body, headers=headers)
    assert_problem(response, status)
    assert world.stored() == before, (route.method, route.path, kind)


def _refused(world: World, route: Route, path: str) -> str | None:
    """None when ``path`` got a 4xx problem and nothing was stored, else what went wrong."""
    before = world.stored()
    response = world.send(route, path)
    try:
        assert_problem(response)
        assert world.stored() == before, "stored"
    except AssertionError as failure:
        return f"{route.method} {path[:120]}: {failure}"
    return None


@pytest.mark.parametrize("kind", sorted(ATTACKS))
def test_every_body_route_refuses_each_kind_of_hostile_body(world: World, kind: str) -> None:
    routes = _body_routes(world)
    assert {"/v1/citizens", "/v1/token", "/v1/agency/documents", "/v1/me/identity-qr"} <= {
        r.path for r in routes
    }
    for route in routes:
        _attack(world, route, kind, None)


def test_every_query_and_path_parameter_refuses_hostile_values(world: World) -> None:
    failures, swept = [], 0
    for route in world.routes:
        for name, kind in route.query.items():
            values = [*(INT_VALUES if kind == "integer" else TEXT_VALUES), "1&{0}=1"]
            for value in values:
                query = f"{name}={value.format(name)}"
                failures.append(_refused(world, route, f"{route.target()}?{query}"))
            swept += 1
        for value in PATH_VALUES if route.path_params else []:
            failures.append(_refused(world, route, route.target(**dict.fromkeys(route.path_params, value))))
        swept += bool(route.path_params)
    refused_badly = [f for f in failures if f]
    assert not refused_badly, "\n".join(refused_badly)
    assert swept >= 20


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_hostile_bodies_of_every_shape(world: World, data: st.DataObject) -> None:
    kind = data.draw(st.sampled_from(sorted(ATTACKS)))
    routes = _body_routes(world)
    if kind == "huge":  # 80 MiB documents are swept once above, not sixty times
        routes = [r for r in routes if r.body_limit <= 2 * 1024 * 1024]
    _attack(world, data.draw(st.sampled_from(routes)), kind, data)


PLAUSIBLE: dict[str, Any] = {  # values that pass the first checks, so the odd ones reach the later ones
    "type": "birth-certificate",
    "number": "123/2024",
    "issue_date": "2024-05-01",
    "filename": "giay-khai-sinh.pdf",
    "content_type": "application/pdf",
    "content": "JVBERi0xLjcK",
    "status": "revoked",
    "purpose": "Đăng ký khai sinh",
    "procedure_code": "1.001193",
    "case_number": "HS-1",
    "valid_for_seconds": 3600,
    "max_uses": 1,
    "retention_days": 30,
    "full_name": "Nguyễn Văn An",
    "date_of_birth": "1990-05-01",
    "fields": ["full_name"],
    "count": 10,
}
ODD_TEXT = st.one_of(
    st.sampled_from(
        ["", " ", "0", "-1", "null", "x" * 300, "2024-02-30", "../../etc", "<b>x</b>", "ﬁ\u0301"]
    ),
    st.text(max_size=40),
)
ODD_VALUE = st.one_of(
    ODD_TEXT,
    st.integers(min_value=-(2**70), max_value=2**70),
    st.booleans(),
    st.none(),
    st.lists(ODD_TEXT, max_size=3),
    st.dictionaries(ODD_TEXT, ODD_TEXT, max_size=2),
)


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_well_formed_bodies_with_odd_values_are_never_a_server_error(
    world: World, data: st.DataObject
) -> None:
    """What schemathesis found (an agency document with empty fields → 500), for every JSON route."""
    route = data.draw(st.sampled_from([r for r in _body_routes(world) if r.body_media == "application/json"]))
    body = {}
    for name, example in route.body_fields.items():  # plausible values, some of them replaced
        plausible = world.cccd if name == "cccd" else PLAUSIBLE.get(name, example)
        body[name] = data.draw(ODD_VALUE, label=name) if data.draw(st.booleans()) else plausible
    response = world.send(route, route.target(), json=body)
    assert response.status_code < 500, (route.path, body, response.text[:300])
    if response.status_code >= 400:
        assert_problem(response)


def test_the_parties_still_work_after_the_sweep(world: World) -> None:
    assert world.citizen.request("GET", "/v1/me").status_code == 200
