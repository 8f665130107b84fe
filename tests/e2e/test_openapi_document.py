"""The served OpenAPI document tells the truth: problem+json, DPoP, one ``type`` per code."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.server import WalletServer
from wallet_api.problems import CATALOGUE, problem_type

METHODS = ("get", "put", "post", "delete", "patch")
INTERNALS = Path(__file__).parents[2] / "docs" / "internals.md"


@pytest.fixture(scope="module")
def document(server: WalletServer) -> dict[str, Any]:
    response = httpx.get(server.url + "/openapi/openapi.json", timeout=30)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, item[method])
        for path, item in document["paths"].items()
        for method in METHODS
        if method in item
    ]


def test_every_error_answer_is_a_problem_with_examples(document: dict[str, Any]) -> None:
    seen = 0
    for method, path, operation in operations(document):
        for status, response in operation["responses"].items():
            if not status.startswith(("4", "5")):
                continue
            seen += 1
            content = response["content"]
            assert list(content) == ["application/problem+json"], (method, path, status)
            media = content["application/problem+json"]
            assert media["schema"] == {"$ref": "#/components/schemas/Problem"}
            assert media["examples"], (method, path, status)
            for code, example in media["examples"].items():
                assert example["value"]["type"] == problem_type(code)
                assert example["value"]["status"] == int(status) == CATALOGUE[code].status
    assert seen > 100
    assert "ValidationException" not in str(document)  # litestar's {status_code, detail, extra}


def test_routes_say_which_problems_they_give(document: dict[str, Any]) -> None:
    responses = {(m, p): set(op["responses"]) for m, p, op in operations(document)}
    assert {"401", "503"} <= responses[("GET", "/v1/me")]
    assert {"400", "401", "404"} <= responses[("GET", "/v1/me/documents/{document_id}")]
    assert {"400", "422"} <= responses[("GET", "/v1/me/documents")]
    assert "428" in responses[("DELETE", "/v1/me")]
    assert {"403", "413", "415", "422"} <= responses[("POST", "/v1/agency/documents")]
    assert "409" not in responses[("POST", "/v1/citizens")]  # enrolment never says "already enrolled"
    assert {"404", "409", "422"} <= responses[
        ("POST", "/v1/agency/deletion-requests/{request_id}/attestation")
    ]
    assert "503" not in responses[("GET", "/health")]
    limited = {k for k, statuses in responses.items() if "429" in statuses}  # wallet_api.limits
    # Every authenticated route (per device, per agency) and the abuse-limited public ones.
    authenticated = {
        (m, p) for m, p in responses if p == "/v1/me" or p.startswith(("/v1/me/", "/v1/agency/"))
    }
    assert limited == authenticated | {
        ("POST", "/v1/citizens"),
        ("POST", "/v1/token"),
        ("POST", "/v1/devices/pairings"),
        ("POST", "/v1/recovery/nonces"),
        ("POST", "/v1/recovery"),
        ("POST", "/v1/agency/visits/{visit_id}/documents"),  # the PIN's lock-out (wallet_api.assisted)
    }
    assert ("GET", "/v1/me/documents/{document_id}") in limited and ("GET", "/health") not in limited


def test_authenticated_routes_carry_the_dpop_scheme(document: dict[str, Any]) -> None:
    schemes = document["components"]["securitySchemes"]
    assert schemes["DPoP"] == {
        "type": "http",
        "scheme": "DPoP",
        "description": schemes["DPoP"]["description"],
    }
    assert schemes["DPoPProof"]["in"] == "header"
    assert schemes["DPoPProof"]["name"] == "DPoP"
    for method, path, operation in operations(document):
        authenticated = path == "/v1/me" or path.startswith(("/v1/me/", "/v1/agency/"))
        if authenticated:
            assert operation["security"] == [{"DPoP": [], "DPoPProof": []}], (method, path)
            assert "401" in operation["responses"], (method, path)
        elif (method, path) == ("POST", "/v1/token"):
            assert operation["security"] == [{"DPoPProof": []}]
        else:
            assert not operation.get("security"), (method, path)


def test_every_code_has_one_type_in_the_document_and_the_docs(document: dict[str, Any]) -> None:
    problem = document["components"]["schemas"]["Problem"]
    assert set(problem["properties"]["code"]["enum"]) == set(CATALOGUE)
    rule = re.search(r"`type` is `([^`]*)<code>`", INTERNALS.read_text(encoding="utf-8"))
    assert rule, "docs/internals.md states the type rule"
    for code, entry in CATALOGUE.items():
        assert f"- `{code}` ({entry.status}): `{problem_type(code)}`" in problem["description"]
        assert rule.group(1) + code == problem_type(code)


def test_a_served_problem_has_the_documented_type(server: WalletServer) -> None:
    response = httpx.post(server.url + "/v1/citizens", json={"cccd": "1"}, timeout=30)
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"] == problem_type(body["code"])
