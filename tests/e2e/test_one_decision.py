"""The wallet and every verifier refuse the same credentials, for the same reason.

Each hostile credential below is offered to the wallet (an agency issuing it), to
``wallet-verify`` (offline, from its synced cache) and to ``POST /v1/verify`` (what the
``/verify`` page calls) as a presentation QR: none may say "valid" where another says no.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import crypto
import qr
from crypto._sdjwt_core import join
from crypto._sdjwt_disclosures import conceal_claims
from qr.reasons import REASONS
from tests.support.agencies import BIRTH_CLAIMS, TestAgency, register
from tests.support.cli import run_module
from tests.support.counter import check_presentation, counter_nonce, scan
from tests.support.raw import RawCitizen
from tests.support.server import WalletServer
from wallet_api.clients.agency import AgencyApiError

BIRTH = "urn:vn:wallet:vct:birth-certificate:1"
CITIZEN_ID = "urn:vn:wallet:vct:citizen-id:1"
ID_CLAIMS = {
    "cccd_number": "048090012345",
    "full_name": "Nguyễn Thị Minh Khai",
    "date_of_birth": "1990-05-01",
    "sex": "Nữ",
    "nationality": "Việt Nam",
}
Maker = Callable[[TestAgency, RawCitizen], str]


def _signed(agency: TestAgency, citizen: RawCitizen, vct: str, claims: dict[str, Any], **extra: Any) -> str:
    return crypto.issue_sd_jwt_vc(
        agency.key,
        kid=agency.kid,
        iss=agency.agency_id,
        vct=vct,
        claims=claims,
        holder_jwk=crypto.public_jwk(citizen.key),
        now=int(time.time()),
        lifetime=86400,
        **extra,
    ).sd_jwt


def _wrong_type(agency: TestAgency, citizen: RawCitizen) -> str:
    """Registered for birth certificates only, it signs a citizen ID with its own key."""
    status = {"status_list": agency.client().allocate_status()}
    return _signed(agency, citizen, CITIZEN_ID, ID_CLAIMS, status=status)


def _no_status(agency: TestAgency, citizen: RawCitizen) -> str:
    """No status reference: it could never be revoked."""
    return _signed(agency, citizen, BIRTH, BIRTH_CLAIMS)


def _no_expiry(agency: TestAgency, citizen: RawCitizen) -> str:
    members, disclosures = conceal_claims(BIRTH_CLAIMS, always_visible=(), decoys=0)
    payload = {
        "iss": agency.agency_id,
        "vct": BIRTH,
        "iat": int(time.time()),
        "cnf": {"jwk": crypto.public_jwk(citizen.key)},
        "status": {"status_list": agency.client().allocate_status()},
        "_sd_alg": "sha-256",
        **members,
    }
    return join(crypto.sign_jws(agency.key, payload, typ="dc+sd-jwt", kid=agency.kid), disclosures)


def _unknown_vct(agency: TestAgency, citizen: RawCitizen) -> str:
    status = {"status_list": agency.client().allocate_status()}
    return _signed(
        agency,
        citizen,
        "urn:example:shoe-size:1",
        {"full_name": "Nguyễn Văn Ba", "size": "42"},
        status=status,
    )


CASES: dict[str, tuple[Maker, str]] = {
    "wrong_type": (_wrong_type, "document_type_not_allowed"),
    "no_status": (_no_status, "missing_status"),
    "no_expiry": (_no_expiry, "missing_expiry"),
    "unknown_vct": (_unknown_vct, "unknown_type"),
}


def _offline(cache: Path, text: str, tmp_path: Path, **kb: str) -> subprocess.CompletedProcess[str]:
    file = tmp_path / f"offered-{time.monotonic_ns()}.txt"
    file.write_text(text)
    extra = [arg for name, value in kb.items() for arg in (f"--{name}", value)]
    return run_module("qr.cli", "--cache", str(cache), "--lang", "en", "credential", str(file), *extra)


def _presenter(text: str, key: crypto.EcPrivateKey) -> Callable[[str, str], str]:
    def present(nonce: str, audience: str) -> str:
        return crypto.present(
            text, disclose=["full_name"], holder_key=key, nonce=nonce, audience=audience, now=int(time.time())
        )

    return present


@pytest.mark.parametrize("case", sorted(CASES))
def test_wallet_and_verifiers_refuse_alike(
    server: WalletServer, citizen: RawCitizen, tmp_path: Path, case: str
) -> None:
    make, reason = CASES[case]
    agency = register(server, tmp_path, types="birth-certificate")
    text = make(agency, citizen)

    with pytest.raises(AgencyApiError) as refused:  # 1. the wallet, at issuance
        agency.client().issue_credential(citizen.cccd, text)
    assert refused.value.code in ("credential_rejected", reason), refused.value
    if refused.value.code == "credential_rejected":
        assert REASONS[reason][1] in refused.value.detail

    cache = tmp_path / "verifier"  # 2. wallet-verify, offline
    assert run_module("qr.cli", "--cache", str(cache), "sync", "--server", server.url).returncode == 0
    offline = _offline(cache, text, tmp_path)
    assert offline.returncode == 1 and REASONS[reason][1] in offline.stdout, offline.stdout

    present = _presenter(text, citizen.key)  # 3. POST /v1/verify and the /verify page
    online = check_presentation(server, present)
    assert online["valid"] is False and reason in [r["code"] for r in online["reasons"]], online
    nonce, audience = "quay-7", "ubnd-hoa-vang"
    shown = present(nonce, audience)
    kb = _offline(cache, shown, tmp_path, nonce=nonce, audience=audience)
    assert kb.returncode == 1 and REASONS[reason][1] in kb.stdout


def test_a_good_credential_is_valid_everywhere(
    server: WalletServer, citizen: RawCitizen, tmp_path: Path
) -> None:
    agency = register(server, tmp_path, types="birth-certificate")
    text = agency.client().sign_credential(citizen.cccd, BIRTH, BIRTH_CLAIMS)
    assert agency.client().issue_credential(citizen.cccd, text)["type"] == "birth-certificate"
    cache = tmp_path / "verifier"
    assert run_module("qr.cli", "--cache", str(cache), "sync", "--server", server.url).returncode == 0
    assert _offline(cache, text, tmp_path).returncode == 0
    issued = counter_nonce(server)
    shown = _presenter(text, citizen.key)(issued["nonce"], issued["audience"])
    payload = qr.encode_presentation(shown)
    assert scan(server, payload, issued["ticket"])["valid"] is True
    again = scan(server, payload, issued["ticket"])  # the same scan posted twice
    assert again["valid"] is False and [r["code"] for r in again["reasons"]] == ["nonce_used"]
    later = scan(server, payload, counter_nonce(server)["ticket"])  # shown again at the next scan
    assert later["valid"] is False and [r["code"] for r in later["reasons"]] == ["wrong_nonce"]


def test_a_dissolved_agencys_key_that_still_signs(
    server: WalletServer, citizen: RawCitizen, tmp_path: Path
) -> None:
    """After a merger the old key signs, iat backdated to before the dissolution: online the service
    refuses what it never registered; offline the frozen list refuses every unused index."""
    import datetime as dt

    old = register(server, tmp_path, types="birth-certificate", valid_from="2020-01-01")
    new = register(server, tmp_path, name="Sở Tư pháp (sau sáp nhập)", types="birth-certificate")
    genuine = crypto.issue_sd_jwt_vc(  # signed a day before the merger
        old.key,
        kid=old.kid,
        iss=old.agency_id,
        vct=BIRTH,
        claims=BIRTH_CLAIMS,
        holder_jwk=crypto.public_jwk(citizen.key),
        now=int(time.time()) - 86400,
        lifetime=10 * 365 * 86400,
        status={"status_list": old.client().allocate_status()},
    ).sd_jwt
    old.client().issue_credential(citizen.cccd, genuine)
    spare = old.client().allocate_status()  # handed out, never used by a stored credential
    dissolved = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)
    server.wallet("agency", "succeed", old.agency_id, new.agency_id, "--at", dissolved.isoformat())
    backdated = int(dissolved.timestamp()) - 3600
    used_status = crypto.parse_sd_jwt(genuine).unverified_payload["status"]

    def forged(status: dict[str, Any]) -> str:
        return crypto.issue_sd_jwt_vc(
            old.key,
            kid=old.kid,
            iss=old.agency_id,
            vct=BIRTH,
            claims={**BIRTH_CLAIMS, "full_name": "Kẻ Mạo Danh"},
            holder_jwk=crypto.public_jwk(citizen.key),
            now=backdated,
            lifetime=10 * 365 * 86400,
            status=status,
        ).sd_jwt

    reused, unused = forged(used_status), forged({"status_list": spare})
    # an entry of ANOTHER agency's list (the successor's, never used: it reads valid there)
    elsewhere = forged({"status_list": new.client().allocate_status()})
    assert check_presentation(server, _presenter(genuine, citizen.key))["valid"] is True  # after the merger
    for text in (reused, unused, elsewhere):
        verdict = check_presentation(server, _presenter(text, citizen.key))
        assert verdict["valid"] is False and "not_registered" in [r["code"] for r in verdict["reasons"]]

    cache = tmp_path / "verifier"
    assert run_module("qr.cli", "--cache", str(cache), "sync", "--server", server.url).returncode == 0
    assert _offline(cache, genuine, tmp_path).returncode == 0
    frozen = _offline(cache, unused, tmp_path)
    assert frozen.returncode == 1 and REASONS["status_invalid"][1] in frozen.stdout
    foreign = _offline(cache, elsewhere, tmp_path)  # only the issuer's own list speaks for it
    assert foreign.returncode == 1 and REASONS["bad_status"][1] in foreign.stdout
    online = check_presentation(server, _presenter(elsewhere, citizen.key))
    assert "bad_status" in [r["code"] for r in online["reasons"]]
    # What an offline verifier cannot see (docs/verification.md): a reused index of a real credential.
    assert _offline(cache, reused, tmp_path).returncode == 0


def test_a_parked_presentation_is_logged_and_spent(
    server: WalletServer, citizen: RawCitizen, tmp_path: Path
) -> None:
    agency = register(server, tmp_path, types="birth-certificate")
    text = agency.client().sign_credential(citizen.cccd, BIRTH, BIRTH_CLAIMS)
    agency.client().issue_credential(citizen.cccd, text)
    issued = counter_nonce(server)
    presentation = _presenter(text, citizen.key)(issued["nonce"], issued["audience"])
    parked = citizen.request("POST", "/v1/me/presentations", json={"presentation": presentation}).json()
    code = qr.encode_reference(parked["url"])
    unbound = scan(server, code, None)  # no counter nonce: refused before the reference is fetched
    assert [r["code"] for r in unbound["reasons"]] == ["nonce_missing"]
    first = scan(server, code, issued["ticket"])
    assert first["valid"] is True, first
    second = scan(server, code, counter_nonce(server)["ticket"])
    assert [r["code"] for r in second["reasons"]] == ["already_used"]
    log = citizen.request("GET", "/v1/me/log").json()["entries"]
    fetched = [e for e in log if "một bên kiểm tra" in e["text_vi"].lower()]
    assert len(fetched) == 1 and "giấy khai sinh" in fetched[0]["text_vi"], [e["text_vi"] for e in log]
