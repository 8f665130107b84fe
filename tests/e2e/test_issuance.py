"""Issuing agencies over real HTTP: SD-JWT VCs into wallets, idempotency, refusals, status, mergers."""

from __future__ import annotations

import base64
import zlib
from pathlib import Path

import httpx
import pytest

import crypto
from tests.support.agencies import BIRTH_CLAIMS, TestAgency, register
from tests.support.cli import phone
from tests.support.raw import RawCitizen
from tests.support.server import WalletServer
from wallet_api.clients.agency import AgencyApiError

VCT = "urn:vn:wallet:vct:birth-certificate:1"


def _service_keys(server: WalletServer) -> dict[str, crypto.EcPublicKey]:
    jwks = httpx.get(server.url + "/.well-known/jwks.json").json()
    return {k["kid"]: crypto.public_key_from_jwk(k) for k in jwks["keys"]}


def _verified_service_jwt(server: WalletServer, token: str, typ: str) -> dict[str, object]:
    kid = crypto.unverified_header(token)["kid"]
    return crypto.verify_jws(token, _service_keys(server)[kid], typ=typ)


def _issue(
    agency: TestAgency, citizen: RawCitizen, claims: dict[str, object] | None = None
) -> dict[str, object]:
    client = agency.client()
    sd_jwt = client.sign_credential(
        citizen.cccd, VCT, claims or BIRTH_CLAIMS, always_visible=("registration_number",)
    )
    return client.issue_credential(citizen.cccd, sd_jwt)


def _held(citizen: RawCitizen) -> list[dict[str, object]]:
    r = citizen.request("GET", "/v1/me/credentials", headers={"Accept-Language": "vi"})
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def _status_value(server: WalletServer, uri: str, idx: int) -> int:
    token = httpx.get(uri).text
    claims = _verified_service_jwt(server, token, "statuslist+jwt")
    lst = claims["status_list"]["lst"]  # type: ignore[index]
    bits = zlib.decompress(base64.urlsafe_b64decode(lst + "=" * (-len(lst) % 4)))
    byte, shift = divmod(idx * 2, 8)
    return (bits[byte] >> shift) & 0b11 if byte < len(bits) else 0


def test_credential_reaches_the_wallet_and_verifies(
    server: WalletServer, citizen: RawCitizen, tmp_path: Path
) -> None:
    agency = register(server, tmp_path)
    result = _issue(agency, citizen)
    held = _held(citizen)
    assert [h["id"] for h in held] == [result["credential_id"]]
    item = held[0]
    assert item["issuer_name"] == "Sở Tư pháp thành phố Đà Nẵng" and item["type_name"] == "Giấy khai sinh"
    assert item["status"] == "valid"
    keys = {agency.kid: crypto.public_key_from_jwk(crypto.public_jwk(agency.key))}
    verified = crypto.verify_sd_jwt(
        str(item["sd_jwt"]), issuer_key_for=lambda iss, kid: keys[kid or ""], now=crypto_now()
    )
    assert verified.claims["full_name"] == "Nguyễn Thị Minh Khai"
    presentation = crypto.present(
        str(item["sd_jwt"]),
        disclose=["full_name", "date_of_birth"],
        holder_key=citizen.key,
        nonce="n-123",
        audience="https://verifier.example",
        now=crypto_now(),
    )
    shown = crypto.verify_presentation(
        presentation,
        issuer_key_for=lambda iss, kid: keys[kid or ""],
        nonce="n-123",
        audience="https://verifier.example",
        now=crypto_now(),
    )
    assert shown.claims["full_name"] == "Nguyễn Thị Minh Khai"
    assert "place_of_birth" not in shown.claims and "mother_name" not in shown.claims


def crypto_now() -> int:
    import time

    return int(time.time())


def test_same_idempotency_key_stores_one_copy(
    server: WalletServer, citizen: RawCitizen, tmp_path: Path
) -> None:
    agency = register(server, tmp_path)
    client = agency.client()
    sd_jwt = client.sign_credential(citizen.cccd, VCT, BIRTH_CLAIMS)
    first = client.issue_credential(citizen.cccd, sd_jwt, idempotency_key="case-42")
    again = client.issue_credential(citizen.cccd, sd_jwt, idempotency_key="case-42")
    assert first == again
    assert len(_held(citizen)) == 1
    other = client.sign_credential(citizen.cccd, VCT, BIRTH_CLAIMS)
    with pytest.raises(AgencyApiError) as mismatch:
        client.issue_credential(citizen.cccd, other, idempotency_key="case-42")
    assert mismatch.value.status == 422 and mismatch.value.code == "idempotency_mismatch"
    assert len(_held(citizen)) == 1


def test_type_outside_the_issuers_registration(
    server: WalletServer, citizen: RawCitizen, tmp_path: Path
) -> None:
    agency = register(server, tmp_path, types="marriage-certificate")
    with pytest.raises(AgencyApiError) as refused:
        _issue(agency, citizen)
    assert refused.value.status == 403 and refused.value.code == "document_type_not_allowed"
    assert _held(citizen) == []


def test_agency_without_the_issuer_role(server: WalletServer, citizen: RawCitizen, tmp_path: Path) -> None:
    agency = register(server, tmp_path, roles="requester")
    with pytest.raises(AgencyApiError) as refused:
        agency.client().holder_key(citizen.cccd, "birth-certificate")
    assert refused.value.status == 403 and refused.value.code == "forbidden_role"


def test_credential_signed_with_an_unregistered_key(
    server: WalletServer, citizen: RawCitizen, tmp_path: Path
) -> None:
    agency = register(server, tmp_path)
    client = agency.client()
    client.login()
    impostor = crypto.generate_private_key()
    issued = crypto.issue_sd_jwt_vc(
        impostor,
        kid=agency.kid,
        iss=agency.agency_id,
        vct=VCT,
        claims=BIRTH_CLAIMS,
        holder_jwk=client.holder_key(citizen.cccd, "birth-certificate"),
        now=crypto_now(),
        lifetime=3600,
        status={"status_list": client.allocate_status()},
    )
    with pytest.raises(AgencyApiError) as refused:
        client.issue_credential(citizen.cccd, issued.sd_jwt)
    assert refused.value.status == 422 and refused.value.code == "credential_rejected"
    assert _held(citizen) == []


def test_expired_agency_cannot_log_in(server: WalletServer, tmp_path: Path) -> None:
    agency = register(server, tmp_path, valid_from="2020-01-01", valid_until="2021-01-01")
    with pytest.raises(AgencyApiError) as refused:
        agency.client().login()
    assert refused.value.status == 401


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"place_of_birth": None}, "missing_claim"),
        ({"date_of_birth": 19900501}, "wrong_type"),
        ({"shoe_size": "42"}, "unknown_claim"),
        ({"full_name": "Nguyê\u0303n Thị"}, "not_clean"),
    ],
)
def test_claims_checked_against_the_catalog(
    server: WalletServer, citizen: RawCitizen, tmp_path: Path, change: dict[str, object], reason: str
) -> None:
    claims = {k: v for k, v in {**BIRTH_CLAIMS, **change}.items() if v is not None}
    agency = register(server, tmp_path)
    with pytest.raises(AgencyApiError) as refused:
        _issue(agency, citizen, claims)
    assert refused.value.status == 422 and refused.value.code == "credential_rejected"
    from wallet_api.services.issuance import REJECTIONS

    assert REJECTIONS[reason][1] in refused.value.detail  # the precise reason, in English here
    assert _held(citizen) == []


def test_credential_bound_to_another_key(server: WalletServer, citizen: RawCitizen, tmp_path: Path) -> None:
    agency = register(server, tmp_path)
    client = agency.client()
    issued = crypto.issue_sd_jwt_vc(
        agency.key,
        kid=agency.kid,
        iss=agency.agency_id,
        vct=VCT,
        claims=BIRTH_CLAIMS,
        holder_jwk=crypto.public_jwk(crypto.generate_private_key()),
        now=crypto_now(),
        lifetime=3600,
        status={"status_list": client.allocate_status()},
    )
    with pytest.raises(AgencyApiError) as refused:
        client.issue_credential(citizen.cccd, issued.sd_jwt)
    assert refused.value.code == "credential_rejected"
    assert "device key" in refused.value.detail
    assert _held(citizen) == []


def test_revocation_shows_in_the_status_list_at_once(
    server: WalletServer, citizen: RawCitizen, tmp_path: Path
) -> None:
    agency = register(server, tmp_path)
    result = _issue(agency, citizen)
    status = result["status"]
    assert isinstance(status, dict)
    assert _status_value(server, status["uri"], status["idx"]) == 0
    agency.client().set_status(str(result["credential_id"]), "suspended")
    assert _status_value(server, status["uri"], status["idx"]) == 2
    agency.client().set_status(str(result["credential_id"]), "revoked")
    assert _status_value(server, status["uri"], status["idx"]) == 1
    assert _held(citizen)[0]["status"] == "revoked"


def test_one_agency_cannot_revoke_anothers(server: WalletServer, citizen: RawCitizen, tmp_path: Path) -> None:
    owner, other = register(server, tmp_path), register(server, tmp_path)
    result = _issue(owner, citizen)
    with pytest.raises(AgencyApiError) as refused:
        other.client().set_status(str(result["credential_id"]), "revoked")
    assert refused.value.status == 404
    status = result["status"]
    assert isinstance(status, dict) and _status_value(server, status["uri"], status["idx"]) == 0


def test_successor_takes_over_revocation(server: WalletServer, citizen: RawCitizen, tmp_path: Path) -> None:
    old = register(server, tmp_path, name="UBND xã Hoà Vang")
    new = register(server, tmp_path, name="UBND xã Hoà Vang mới (sau sáp nhập)")
    result = _issue(old, citizen)
    server.wallet("agency", "succeed", old.agency_id, new.agency_id)
    with pytest.raises(AgencyApiError):
        old.client().login()  # dissolved
    new.client().set_status(str(result["credential_id"]), "revoked")
    status = result["status"]
    assert isinstance(status, dict) and _status_value(server, status["uri"], status["idx"]) == 1
    trust = _verified_service_jwt(server, httpx.get(server.url + "/v1/trust-list").text, "trust-list+jwt")
    entries = {a["id"]: a for a in trust["agencies"]}  # type: ignore[union-attr]
    assert entries[old.agency_id]["successor"] == new.agency_id
    assert entries[old.agency_id]["dissolved_at"] is not None
    assert entries[old.agency_id]["jwks"]["keys"][0]["kid"] == old.kid  # still published for verification


def test_other_citizens_credential_is_not_found(
    server: WalletServer, citizen: RawCitizen, tmp_path: Path
) -> None:
    agency = register(server, tmp_path)
    result = _issue(agency, citizen)
    thief = RawCitizen(server.url)
    assert thief.enrol().status_code == 201 and thief.login().status_code == 200
    r = thief.request("GET", f"/v1/me/credentials/{result['credential_id']}")
    assert r.status_code == 404
    assert thief.request("GET", "/v1/me/credentials").json()["items"] == []


def test_holder_key_needs_an_enrolled_citizen(server: WalletServer, tmp_path: Path) -> None:
    agency = register(server, tmp_path)
    with pytest.raises(AgencyApiError) as refused:
        agency.client().holder_key("048090999999", "birth-certificate")
    assert refused.value.status == 404 and refused.value.code == "citizen_not_found"


def test_phone_lists_credentials_and_presents_on_the_device(server: WalletServer, tmp_path: Path) -> None:

    home = tmp_path / "phone"

    mobile = phone(server.url, home)

    assert mobile("device", "init").returncode == 0
    from tests.support.raw import valid_cccd

    cccd, dob = valid_cccd(birth_year=1990)
    assert mobile("enrol", "--cccd", cccd, "--name", "Nguyễn Thị Minh Khai", "--dob", dob).returncode == 0
    agency = register(server, tmp_path)
    client = agency.client()
    result = client.issue_credential(cccd, client.sign_credential(cccd, VCT, BIRTH_CLAIMS))
    listed = mobile("credentials")
    assert listed.returncode == 0, listed.stderr
    assert "Giấy khai sinh" in listed.stdout and "Sở Tư pháp thành phố Đà Nẵng" in listed.stdout
    assert "place_of_birth: Bệnh viện Phụ sản Đà Nẵng" in listed.stdout
    out = tmp_path / "presentation.txt"
    shown = mobile(
        "present",
        str(result["credential_id"]),
        "--claims",
        "full_name",
        "--nonce",
        "abc",
        "--audience",
        "https://quay-tiep-nhan.example",
        "-o",
        str(out),
    )
    assert shown.returncode == 0, shown.stderr
    keys = {agency.kid: crypto.public_key_from_jwk(crypto.public_jwk(agency.key))}
    verified = crypto.verify_presentation(
        out.read_text(),
        issuer_key_for=lambda iss, kid: keys[kid or ""],
        nonce="abc",
        audience="https://quay-tiep-nhan.example",
        now=crypto_now(),
    )
    assert set(verified.claims) & set(BIRTH_CLAIMS) == {
        "full_name",
        "registration_number",
    }  # + always visible
    with pytest.raises(crypto.CredentialError) as wrong:
        crypto.verify_presentation(
            out.read_text(),
            issuer_key_for=lambda iss, kid: keys[kid or ""],
            nonce="another",
            audience="https://quay-tiep-nhan.example",
            now=crypto_now(),
        )
    assert wrong.value.reason == "wrong_nonce"


def test_concurrent_retries_with_one_key_store_one_copy(
    server: WalletServer, citizen: RawCitizen, tmp_path: Path
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    agency = register(server, tmp_path)
    sd_jwt = agency.client().sign_credential(citizen.cccd, VCT, BIRTH_CLAIMS)
    clients = [agency.client() for _ in range(4)]
    for client in clients:
        client.login()
    with ThreadPoolExecutor(4) as pool:
        answers = list(
            pool.map(lambda c: c.issue_credential(citizen.cccd, sd_jwt, idempotency_key="race-1"), clients)
        )
    assert all(answer == answers[0] for answer in answers)
    assert len(_held(citizen)) == 1


def test_export_holds_credentials_too(server: WalletServer, citizen: RawCitizen, tmp_path: Path) -> None:
    import io
    import json
    import zipfile

    agency = register(server, tmp_path)
    result = _issue(agency, citizen)
    archive = zipfile.ZipFile(io.BytesIO(citizen.request("GET", "/v1/me/export").content))
    manifest = json.loads(archive.read("manifest.json"))
    [held] = manifest["credentials"]
    assert held["id"] == result["credential_id"] and held["issuer_name"] == "Sở Tư pháp thành phố Đà Nẵng"
    exported = archive.read(held["path"]).decode()
    assert exported == _held(citizen)[0]["sd_jwt"]


def test_a_holder_key_lookup_needs_a_reason_the_citizen_reads(
    server: WalletServer, citizen: RawCitizen, tmp_path: Path
) -> None:
    agency = register(server, tmp_path, types="birth-certificate")
    client = agency.client()
    for doc_type, status, code in (
        ("marriage-certificate", 403, "document_type_not_allowed"),  # not one it may issue
        ("shoe-size", 422, "unknown_document_type"),
    ):
        with pytest.raises(AgencyApiError) as refused:
            client.holder_key(citizen.cccd, doc_type)
        assert (refused.value.status, refused.value.code) == (status, code)
    bare = client._call  # the SDK always names a type: the raw API must insist too
    with pytest.raises(AgencyApiError) as refused:
        bare("POST", "/v1/agency/holder-keys", json={"cccd": citizen.cccd})
    assert refused.value.status == 400
    before = len(citizen.request("GET", "/v1/me/log?limit=1000").json()["entries"])
    assert before == 0, "refused lookups read nothing and log nothing"

    jwk = client.holder_key(citizen.cccd, "birth-certificate", case_number="KS-2026/118")
    assert jwk["x"] == crypto.public_jwk(citizen.key)["x"]
    shown = citizen.request("GET", "/v1/me/log?limit=1000").json()["entries"]
    assert len(shown) == 1
    assert (
        "đã tra cứu khoá thiết bị của bạn (để cấp giấy khai sinh cho bạn), hồ sơ số KS-2026/118"
        in (shown[0]["text_vi"])
    )
    assert (
        "looked up your device key (to issue you a birth certificate), case KS-2026/118"
        in shown[0]["text_en"]
    )
