"""The app in-process with a logged-in citizen and agency, its routes read from the app, and a tally
of everything stored: what the bad-input tests need to send hostile requests and prove nothing stuck."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, inspect, select, table

import crypto
from tests.support.inprocess import BASE
from tests.support.raw import ASSERTION_TYPE, valid_cccd
from wallet_api.app import create_app
from wallet_api.bootstrap import initialise
from wallet_api.services import Services
from wallet_api.settings import Settings

PROBLEM_MEMBERS = ("type", "code", "title", "status")
NOT_STORED = frozenset({"replay", "alembic_version"})  # spent proof ids are not data


@dataclass
class Party:
    """A citizen's device or an agency's system, logged in to the in-process app; signs every request."""

    client: TestClient  # type: ignore[type-arg]
    client_id: str
    key: crypto.EcPrivateKey
    kid: str | None = None
    token: str = ""
    logged_in_at: float = 0.0

    def login(self) -> None:
        url, now = BASE + "/v1/token", int(time.time())
        form = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": crypto.make_client_assertion(
                self.key, self.client_id, url, now=now, kid=self.kid
            ),
        }
        proof = crypto.make_dpop_proof(self.key, "POST", url, now=now)
        response = self.client.post("/v1/token", data=form, headers={"DPoP": proof})
        assert response.status_code == 200, response.text
        self.token, self.logged_in_at = response.json()["access_token"], time.time()

    def headers(self, method: str, path: str) -> dict[str, str]:
        """``Authorization`` and a fresh DPoP proof for ``path`` (as sent, percent-encoding kept)."""
        if time.time() - self.logged_in_at > 120:  # tokens live 300 s
            self.login()
        url = BASE + path.split("?", 1)[0]
        proof = crypto.make_dpop_proof(self.key, method, url, now=int(time.time()), access_token=self.token)
        return {"Authorization": f"DPoP {self.token}", "DPoP": proof}

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers(method, path), **kwargs.pop("headers", {})}
        return self.client.request(method, path, headers=headers, **kwargs)


@dataclass(frozen=True)
class Route:
    """One operation of the app, as its OpenAPI document describes it."""

    method: str
    path: str  # with ``{name}`` placeholders
    caller: str  # "citizen", "agency" or "" (no authentication)
    body_media: str | None  # the media type its body is read as; None: no body read
    body_fields: dict[str, Any]  # required members with a value of their type
    query: dict[str, str | None]  # query parameter name -> JSON-schema type (None when a union)
    path_params: tuple[str, ...]
    body_limit: int

    def target(self, **values: str) -> str:
        path = self.path
        for name in self.path_params:
            path = path.replace("{" + name + "}", values.get(name, str(uuid.uuid4())))
        return path


@dataclass
class World:
    """The in-process app over one backend, a citizen and an agency (issuer and requester)."""

    app: Litestar
    client: TestClient  # type: ignore[type-arg]
    citizen: Party
    cccd: str
    agency: Party
    routes: list[Route] = field(default_factory=list)

    @property
    def services(self) -> Services:
        services: Services = self.app.state.services
        return services

    def send(self, route: Route, path: str, **kwargs: Any) -> httpx.Response:
        """Send as the route's caller (signed when it needs one)."""
        if route.caller == "citizen":
            return self.citizen.request(route.method, path, **kwargs)
        if route.caller == "agency":
            return self.agency.request(route.method, path, **kwargs)
        return self.client.request(route.method, path, **kwargs)

    def stored(self) -> dict[str, int]:
        """Rows in every table (spent proof ids aside) and blobs: what a refused request must not change."""
        engine = self.services.ctx.metadata.engine  # type: ignore[attr-defined]  # the SQL backend
        counts: dict[str, int] = {}
        with engine.connect() as connection:
            for name in sorted(set(inspect(connection).get_table_names()) - NOT_STORED):
                counts[name] = connection.execute(select(func.count()).select_from(table(name))).scalar_one()
        counts["blobs"] = sum(1 for _ in self.services.ctx.blobs.list())
        return counts


def assert_problem(response: httpx.Response, *statuses: int) -> dict[str, Any]:
    """A 4xx (one of ``statuses`` when given) problem+json with its stable members."""
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    if statuses:
        assert response.status_code in statuses, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body: dict[str, Any] = response.json()
    assert all(member in body for member in PROBLEM_MEMBERS), body
    assert body["status"] == response.status_code
    return body


def assert_refused(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """A problem+json of exactly ``status`` with the stable ``code``."""
    problem = assert_problem(response, status)
    assert problem["code"] == code, problem
    return problem


@contextmanager
def hostile_world(settings: Settings) -> Iterator[World]:
    """Initialise ``settings``, start the app in-process, enrol a citizen and register an agency."""
    initialise(settings)
    app = create_app(settings)
    with TestClient(app, base_url=BASE) as client:
        citizen, cccd = enrol(client)
        agency = register_agency(app, client)
        world = World(app, client, citizen, cccd, agency)
        world.routes = routes_of(app)
        yield world


def enrol(client: TestClient) -> tuple[Party, str]:  # type: ignore[type-arg]
    """A new citizen with its own device key, logged in; and their CCCD."""
    key = crypto.generate_private_key()
    cccd, dob = valid_cccd()
    body = {
        "cccd": cccd,
        "full_name": "Lê Văn Tám",
        "date_of_birth": dob,
        "device_jwk": crypto.public_jwk(key),
    }
    response = client.post("/v1/citizens", json=body)
    assert response.status_code == 201, response.text
    party = Party(client, response.json()["citizen_id"], key)
    party.login()
    return party, cccd


def register_agency(app: Litestar, client: TestClient) -> Party:  # type: ignore[type-arg]
    """A new agency (issuer and requester of birth certificates) with its own key, logged in."""
    key = crypto.generate_private_key()
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    agency_id = f"so-tu-phap-{uuid.uuid4().hex[:8]}"
    app.state.services.agencies.register(
        agency_id,
        "Sở Tư pháp thành phố Đà Nẵng",
        ["issuer", "requester"],
        ["birth-certificate"],
        {"keys": [{**crypto.public_jwk(key), "kid": "k1"}]},
        since,
        since + dt.timedelta(days=3650),
    )
    party = Party(client, agency_id, key, kid="k1")
    party.login()
    return party


def routes_of(app: Litestar) -> list[Route]:
    """Every operation of the app, from its own OpenAPI document and route handlers."""
    document = app.openapi_schema.to_schema()
    limits = _body_limits(app)
    found = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            params = operation.get("parameters", [])
            content = (operation.get("requestBody") or {}).get("content", {})
            # A file upload (the document stream) is not a structured body: its own tests
            # (tests/e2e/test_documents.py) cover what it refuses.
            media = None if "application/pdf" in content else next(iter(content), None)
            schema = _resolve(document, content[media]["schema"]) if media else {}
            found.append(
                Route(
                    method=method.upper(),
                    path=path,
                    caller="citizen"
                    if path.startswith("/v1/me")
                    else "agency"
                    if path.startswith("/v1/agency")
                    else "",
                    body_media=media,
                    body_fields=_members(document, schema),
                    query={p["name"]: p.get("schema", {}).get("type") for p in params if p["in"] == "query"},
                    path_params=tuple(p["name"] for p in params if p["in"] == "path"),
                    body_limit=limits.get((method.upper(), path), 0),
                )
            )
    return found


def _body_limits(app: Litestar) -> dict[tuple[str, str], int]:
    limits = {}
    for path, methods in app.route_handler_method_map.items():
        plain = re.sub(r"\{(\w+):[^}]*\}", r"{\1}", path)
        for method, handler in methods.items():
            resolve = getattr(handler, "resolve_request_max_body_size", None)
            if resolve is not None:
                limits[(str(method), plain)] = resolve() or 0
    return limits


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _members(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The required members (or the first one, when none is required) with a value of their type."""
    names = schema.get("required") or list(schema.get("properties", {}))[:1]
    return {name: _example(document, schema["properties"][name]) for name in names}


def _example(document: dict[str, Any], schema: dict[str, Any]) -> Any:
    """A value of the member's type (not a valid one: every attack here must fail on its own)."""
    schema = _resolve(document, schema)
    kinds = [schema.get("type")] + [_resolve(document, s).get("type") for s in schema.get("oneOf", [])]
    kind = next((k for k in kinds if k and k != "null"), "string")
    if schema.get("format") == "date-time":  # a value of the type the body decodes to, still refused
        return "2030-01-01T00:00:00Z"
    return {"string": "x", "integer": 1, "number": 1, "boolean": True, "array": [], "object": {}}.get(
        kind, "x"
    )


def json_text(pairs: list[tuple[str, Any]]) -> bytes:
    """A JSON object written member by member, so a member can appear twice."""
    return ("{" + ",".join(f"{json.dumps(k)}:{json.dumps(v)}" for k, v in pairs) + "}").encode()
