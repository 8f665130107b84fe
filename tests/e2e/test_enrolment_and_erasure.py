"""Enrolment rules and crypto-shredding erasure, over real HTTP and real storage."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

import crypto
import storage
from tests.support.raw import RawCitizen, valid_cccd
from tests.support.server import WalletServer

Backend = Callable[[WalletServer], tuple[storage.Metadata, storage.BlobStore]]


def _enrol(server: WalletServer, cccd: str, dob: str, name: str = "Lê Thị Hồng Gấm") -> httpx.Response:
    return RawCitizen(server.url).enrol(name=name, cccd=cccd, dob=dob)


@pytest.mark.parametrize(
    "cccd, dob, reason",
    [
        ("04809001234", "1990-01-01", "12"),  # 11 digits
        ("0480900123456", "1990-01-01", "12"),  # 13 digits
        ("04809001234a", "1990-01-01", "12"),  # a letter
        ("０４８０９００１２３４５", "1990-01-01", None),  # full-width digits normalise to a valid number
        ("003090012345", "1990-01-01", "003"),  # no province 003
        ("099090012345", "1990-01-01", "099"),  # no province 099
        ("048290012345", "1990-01-01", "century"),  # 2: born in the 2000s, but 1990
        ("048091012345", "1990-01-01", "year"),  # year digits 91, born 1990
        ("048305012345", "1905-06-01", "century"),  # 3: female 2000s, but 1905
    ],
)
def test_cccd_rules(server: WalletServer, cccd: str, dob: str, reason: str | None) -> None:
    r = _enrol(server, cccd, dob)
    if reason is None:
        assert r.status_code in (201, 409)
        return
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["code"] == "invalid_cccd"
    assert problem["type"].endswith("/invalid_cccd")
    assert reason in problem["detail"] or reason in ("century", "year", "12")


def test_century_digit_for_the_2000s(server: WalletServer) -> None:
    cccd, dob = valid_cccd(birth_year=2004, female=True)
    assert cccd[3] == "3"
    assert _enrol(server, cccd, dob).status_code == 201


@pytest.mark.parametrize(
    "name",
    [
        "",
        "   ",
        "Nguyễn\x00Văn",
        "Robert'); DROP TABLE citizens;--",
        "A" * 101,
        "Nguyễn Văn 3",
        "𠀀" * 80,  # letters, but too many bytes for an identity QR: refused rather than enrolled without one
    ],
)
def test_bad_names(server: WalletServer, name: str) -> None:
    cccd, dob = valid_cccd()
    r = _enrol(server, cccd, dob, name=name)
    # A NUL is refused by the body reader for every field (text columns cannot hold it).
    expected = (400, "invalid_request") if "\x00" in name else (422, "invalid_name")
    assert (r.status_code, r.json()["code"]) == expected
    assert _enrol(server, cccd, dob).status_code == 201  # nothing was stored for the bad attempt


@pytest.mark.parametrize("dob", ["1990-02-30", "yesterday", "2999-01-01", "1850-01-01"])
def test_bad_dates(server: WalletServer, dob: str) -> None:
    cccd, _ = valid_cccd(birth_year=1990)
    r = _enrol(server, cccd, dob)
    assert r.status_code == 422 and r.json()["code"] == "invalid_date"


def test_name_is_stored_nfc(server: WalletServer) -> None:
    import unicodedata

    decomposed = unicodedata.normalize("NFD", "Nguyễn  Thị   Ánh")
    person = RawCitizen(server.url)
    assert person.enrol(name=decomposed).status_code == 201 and person.login().status_code == 200
    assert person.request("GET", "/v1/me").json()["full_name"] == "Nguyễn Thị Ánh"


def test_duplicate_enrolment_reveals_nothing_and_logs_nobody_in(server: WalletServer) -> None:
    """A second enrolment of a CCCD answers like a first one (docs/rights.md): same status, same
    shape; only logging in tells the enrolling device that no wallet is its own."""
    cccd, dob = valid_cccd()
    owner = RawCitizen(server.url)
    first = owner.enrol(cccd=cccd, dob=dob)
    assert first.status_code == 201 and owner.login().status_code == 200
    intruder = RawCitizen(server.url)
    again = intruder.enrol(name="Kẻ Mạo Danh", cccd=cccd, dob=dob)
    fresh = RawCitizen(server.url).enrol(name="Kẻ Mạo Danh")
    assert again.status_code == fresh.status_code == 201
    assert again.json().keys() == fresh.json().keys() == {"citizen_id", "recovery_code"}
    assert again.json()["citizen_id"] != first.json()["citizen_id"]
    # The code answered for a wallet that exists is a decoy: it recovers nothing.
    decoy = again.json()["recovery_code"]
    assert len(decoy) == len(first.json()["recovery_code"]) and decoy != first.json()["recovery_code"]
    device = crypto.generate_private_key()
    with httpx.Client(base_url=server.url, timeout=30) as http:
        nonce = http.post("/v1/recovery/nonces", json={"cccd": cccd}).json()["nonce"]
        proof = crypto.make_dpop_proof(device, "POST", server.url + "/v1/recovery", now=int(time.time()))
        body = {"name": "Máy lạ", "device_jwk": crypto.public_jwk(device), "nonce": nonce, "code": decoy}
        tried = http.post("/v1/recovery", json=body, headers={"DPoP": proof})
    assert tried.status_code == 422 and tried.json()["code"] == "wrong_recovery_code", tried.text
    refused = intruder.login()
    assert refused.status_code == 401 and refused.json()["code"] == "invalid_client"
    assert owner.request("GET", "/v1/me").json()["full_name"] != "Kẻ Mạo Danh"


@pytest.mark.parametrize(
    "jwk",
    [
        {},
        {"kty": "RSA", "n": "AQAB", "e": "AQAB"},
        {"kty": "oct", "k": "c2VjcmV0"},
    ],
)
def test_bad_device_keys(server: WalletServer, jwk: dict[str, str]) -> None:
    cccd, dob = valid_cccd()
    r = httpx.post(
        server.url + "/v1/citizens",
        json={"cccd": cccd, "full_name": "Phạm Văn Đồng", "date_of_birth": dob, "device_jwk": jwk},
    )
    assert r.status_code == 400 and r.json()["code"] == "invalid_request"


def test_device_jwk_with_private_part_is_refused(server: WalletServer) -> None:
    key = crypto.generate_private_key()
    jwk = {**crypto.public_jwk(key), "d": "AAAA"}
    cccd, dob = valid_cccd()
    r = httpx.post(
        server.url + "/v1/citizens",
        json={"cccd": cccd, "full_name": "Phạm Văn Đồng", "date_of_birth": dob, "device_jwk": jwk},
    )
    assert r.status_code == 400


def test_malformed_json_body(server: WalletServer) -> None:
    r = httpx.post(
        server.url + "/v1/citizens", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/problem+json")


def test_erasure_crypto_shreds(server: WalletServer, citizen: RawCitizen, backend_of: Backend) -> None:
    body = b"%PDF-" + b"secret content " * 1000
    document_id = citizen.upload(body).json()["id"]
    metadata, blobs = backend_of(server)
    with metadata.unit_of_work() as uow:
        record = uow.documents.get(citizen.citizen_id, document_id)
        wrapped_kek = uow.citizens.get(citizen.citizen_id).wrapped_kek
    ciphertext = b"".join(blobs.open(record.blob_key))

    refused = citizen.request("DELETE", "/v1/me")
    assert refused.status_code == 428
    assert citizen.request("DELETE", "/v1/me", headers={"Erase-Confirm": "someone-else"}).status_code == 428
    assert (
        citizen.request("DELETE", "/v1/me", headers={"Erase-Confirm": citizen.citizen_id}).status_code == 200
    )

    with metadata.unit_of_work() as uow:
        with pytest.raises(storage.NotFound):
            uow.citizens.get(citizen.citizen_id)
        assert uow.documents.list(citizen.citizen_id) == []
    assert list(blobs.list(f"c/{citizen.citizen_id}/")) == []
    # Even the ciphertext copied before erasure cannot be opened: the wrapped data key went with the row,
    # and the citizen key is gone from the database files.
    assert b"secret content" not in ciphertext
    if not server.env.get("WALLET_DATABASE_URL"):
        for path in server.data_dir.glob("wallet.sqlite3*"):
            assert wrapped_kek not in path.read_bytes(), path.name
            assert record.wrapped_dek not in path.read_bytes(), path.name
    assert citizen.request("GET", "/v1/me").status_code in (401, 404)
    # the national ID can enrol again, as a new wallet
    again = RawCitizen(server.url)
    r = again.enrol(cccd=citizen.cccd, dob=None or _dob_of(citizen.cccd))
    assert r.status_code == 201 and again.citizen_id != citizen.citizen_id


def _dob_of(cccd: str) -> str:
    century = 19 + int(cccd[3]) // 2
    return f"{century}{cccd[4:6]}-01-01"


@pytest.mark.parametrize(
    "name",
    [
        "Công Tằng Tôn Nữ Thị Hoàng Ngọc Phương Thảo Nguyễn Trần Lê Phạm Huỳnh Vũ Võ Đặng Bùi Đỗ",  # 82
        " ".join(["Ễ" * 20] * 4) + " " + "Ễ" * 16,  # 100 characters, every letter with two marks
    ],
)
def test_every_enrolable_name_has_an_identity_qr(server: WalletServer, name: str) -> None:
    from qr import qr_version
    from tests.support.raw import RawCitizen

    person = RawCitizen(server.url)
    assert person.enrol(name=name).status_code == 201 and person.login().status_code == 200
    every = ["name", "birth_year", "cccd_last4", "status", "birth_date", "cccd"]
    r = person.request("POST", "/v1/me/identity-qr", json={"count": 1, "fields": every})
    assert r.status_code == 200, r.text
    import base64

    assert qr_version(base64.b64decode(r.json()["tokens"][0]["payload"])) <= 13
