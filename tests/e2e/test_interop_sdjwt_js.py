"""Interoperability, both directions, with an independent implementation: the OpenWallet
Foundation's TypeScript ``@sd-jwt/*`` packages (pinned in tests/interop/sdjwt, run with Node).

Ours to theirs: a credential our wallet accepted, a presentation our phone made, and our status
list are read by their verifier. Theirs to ours: a credential they issue (``iat`` selectively
disclosed, as draft-ietf-oauth-sd-jwt-vc §3.2.2.2 allows) is accepted by our wallet and a
presentation they make verifies with ours; one without ``exp`` is refused with a precise reason.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

import crypto
from tests.support.agencies import BIRTH_CLAIMS, TestAgency, register
from tests.support.cli import run_module
from tests.support.raw import RawCitizen
from tests.support.server import WalletServer
from wallet_api.clients.agency import AgencyApiError

HERE = Path(__file__).resolve().parents[1] / "interop" / "sdjwt"
VCT = "urn:vn:wallet:vct:birth-certificate:1"
NODE = shutil.which("node") or "node"


def _node(command: str, request: dict[str, Any]) -> dict[str, Any]:
    if not (HERE / "node_modules" / "@sd-jwt" / "sd-jwt-vc").is_dir():
        pytest.fail("tests/interop/sdjwt/node_modules is missing: scripts/test.sh runs npm ci there")
    result = subprocess.run(
        [NODE, str(HERE / "interop.mjs"), command],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answer: dict[str, Any] = json.loads(result.stdout)
    return answer


def _private_jwk(key: crypto.EcPrivateKey) -> dict[str, str]:
    d = key.private_numbers().private_value.to_bytes(32, "big")
    return {**crypto.public_jwk(key), "d": base64.urlsafe_b64encode(d).rstrip(b"=").decode()}


def _status_request(server: WalletServer, agency: TestAgency) -> dict[str, Any]:
    """Our status list as their verifier fetches it, its signing key, and the time to check at."""
    token = httpx.get(f"{server.url}/v1/status-lists/{agency.agency_id}").text
    kid = crypto.unverified_header(token)["kid"]
    jwks = httpx.get(server.url + "/.well-known/jwks.json").json()["keys"]
    service = next(k for k in jwks if k["kid"] == kid)
    public = {k: service[k] for k in ("kty", "crv", "x", "y")}
    return {"status_list_jwt": token, "service_jwk": public, "now": int(time.time()) + 1}


def test_theirs_verifies_ours(server: WalletServer, citizen: RawCitizen, tmp_path: Path) -> None:
    agency = register(server, tmp_path)
    client = agency.client()
    sd_jwt = client.sign_credential(citizen.cccd, VCT, BIRTH_CLAIMS)
    credential_id = client.issue_credential(citizen.cccd, sd_jwt)["credential_id"]
    issuer = {"issuer_jwk": crypto.public_jwk(agency.key)}

    checked = _node("verify", {"sd_jwt": sd_jwt, **issuer, **_status_request(server, agency)})
    assert checked["ok"], checked
    assert checked["claims"]["full_name"] == BIRTH_CLAIMS["full_name"]

    nonce, audience = "quay-12", server.url + "/verify"
    shown = crypto.present(
        sd_jwt,
        disclose=["full_name"],
        holder_key=citizen.key,
        nonce=nonce,
        audience=audience,
        now=int(time.time()),
    )
    presented = _node(
        "verify", {"sd_jwt": shown, "nonce": nonce, **issuer, **_status_request(server, agency)}
    )
    assert presented["ok"], presented
    assert presented["kb"]["aud"] == audience and "place_of_birth" not in presented["claims"]

    client.set_status(credential_id, "revoked")
    revoked = _node("verify", {"sd_jwt": sd_jwt, **issuer, **_status_request(server, agency)})
    assert not revoked["ok"]

    idx = crypto.parse_sd_jwt(sd_jwt).unverified_payload["status"]["status_list"]["idx"]
    status = _node("status", {**_status_request(server, agency), "idx": idx})
    assert status["ok"] and status["value"] == 1 and status["bits"] == 2
    assert status["size"] >= 16384  # decoys: the size says nothing of how many were issued


def _theirs(agency: TestAgency, citizen: RawCitizen, *, with_exp: bool = True) -> str:
    now = int(time.time())
    payload: dict[str, Any] = {
        "iss": agency.agency_id,
        "vct": VCT,
        "iat": now,
        "cnf": {"jwk": crypto.public_jwk(citizen.key)},
        "status": {"status_list": agency.client().allocate_status()},
        **BIRTH_CLAIMS,
    }
    if with_exp:
        payload["exp"] = now + 86400
    frame = {"_sd": ["iat", *BIRTH_CLAIMS]}  # iat selectively disclosable (SD-JWT VC §3.2.2.2)
    issued = _node(
        "issue",
        {
            "issuer_private_jwk": _private_jwk(agency.key),
            "kid": agency.kid,
            "payload": payload,
            "frame": frame,
        },
    )
    assert issued["ok"], issued
    text: str = issued["sd_jwt"]
    assert "iat" not in crypto.parse_sd_jwt(text).unverified_payload  # only in a Disclosure
    return text


def test_ours_accepts_theirs(server: WalletServer, citizen: RawCitizen, tmp_path: Path) -> None:
    agency = register(server, tmp_path)
    text = _theirs(agency, citizen)
    stored = agency.client().issue_credential(citizen.cccd, text)
    assert stored["type"] == "birth-certificate"

    nonce, audience = "quay-13", "ubnd-hoa-vang"
    shown = _node(
        "present",
        {
            "sd_jwt": text,
            "holder_private_jwk": _private_jwk(citizen.key),
            "frame": {"full_name": True},
            "nonce": nonce,
            "aud": audience,
            "iat": int(time.time()),
        },
    )
    assert shown["ok"], shown
    cache = tmp_path / "verifier"
    assert run_module("qr.cli", "--cache", str(cache), "sync", "--server", server.url).returncode == 0
    file = tmp_path / "theirs.txt"
    file.write_text(shown["presentation"])
    ours = run_module(
        "qr.cli", "--cache", str(cache), "credential", str(file), "--nonce", nonce, "--audience", audience
    )
    assert ours.returncode == 0, ours.stdout + ours.stderr
    assert f"Họ và tên: {BIRTH_CLAIMS['full_name']}" in ours.stdout


def test_theirs_without_expiry_is_refused_precisely(
    server: WalletServer, citizen: RawCitizen, tmp_path: Path
) -> None:
    agency = register(server, tmp_path)
    with pytest.raises(AgencyApiError) as refused:
        agency.client().issue_credential(citizen.cccd, _theirs(agency, citizen, with_exp=False))
    assert refused.value.code == "credential_rejected" and "no expiry" in refused.value.detail
