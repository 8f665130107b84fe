"""Issued documents over real HTTP: PAdES PDFs against configured roots, detached JWS for other files."""

from __future__ import annotations

import base64
import datetime as dt
import os
from pathlib import Path

import pytest

from tests.support.agencies import TestAgency, document_jws, register
from tests.support.pki import TestPki, make_pdf, replace_page_text, sign_pdf
from tests.support.raw import RawCitizen
from tests.support.server import WalletServer
from wallet_api.clients.agency import AgencyApiError

UTC = dt.UTC


@pytest.fixture(scope="module")
def pki() -> TestPki:
    return TestPki()


def _trust(server: WalletServer, pki: TestPki, tmp_path: Path) -> None:
    root = tmp_path / "root.pem"
    root.write_bytes(pki.root_pem)
    result = server.wallet("trust", "add-root", str(root), check=False)
    assert result.returncode == 0 or "already" in result.stderr


def _signed(
    pki: TestPki,
    text: str = "Kết quả thủ tục 1.001193",
    *,
    at: dt.datetime | None = None,
    signer: object | None = None,
) -> bytes:
    issued = signer or pki.issue_signer("Trần Văn Ký", "Sở Tư pháp thành phố Đà Nẵng")
    return sign_pdf(
        make_pdf(text),
        issued.key,
        issued.cert,
        [pki.root.cert],  # type: ignore[attr-defined]
        signing_time=at or dt.datetime.now(UTC) - dt.timedelta(minutes=1),
    )


def _send(
    agency: TestAgency,
    citizen: RawCitizen,
    content: bytes,
    *,
    content_type: str = "application/pdf",
    signature: str | None = None,
    key: str | None = None,
    number: str = "123/QĐ-STP",
) -> dict[str, object]:
    client = agency.client()
    body = {
        "cccd": citizen.cccd,
        "type": "procedure-result",
        "number": number,
        "issue_date": "2026-11-20",
        "procedure_code": "1.001193",
        "filename": "Quyết định.pdf",
        "content_type": content_type,
        "content": base64.b64encode(content).decode(),
        "signature": signature,
    }
    headers = {"Idempotency-Key": key} if key else None
    result: dict[str, object] = client._call("POST", "/v1/agency/documents", json=body, headers=headers)
    return result


def _documents(citizen: RawCitizen) -> list[dict[str, object]]:
    return list(citizen.request("GET", "/v1/me/documents").json()["items"])


def test_signed_pdf_is_stored_as_issued(
    server: WalletServer, citizen: RawCitizen, pki: TestPki, tmp_path: Path
) -> None:
    _trust(server, pki, tmp_path)
    agency = register(server, tmp_path, types="procedure-result", valid_from="2020-01-01")
    pdf = _signed(pki)
    result = _send(agency, citizen, pdf)
    [doc] = _documents(citizen)
    assert doc["id"] == result["document_id"] and doc["provenance"] == "issued"
    issuance = doc["issuance"]
    assert isinstance(issuance, dict) and issuance["signature"] == "pades"
    assert "Trần Văn Ký" in str(issuance["signer"]) and issuance["issuer"] == agency.agency_id
    got = citizen.request("GET", f"/v1/me/documents/{doc['id']}/content").content
    assert got == pdf
    assert _send(agency, citizen, pdf, key="k1") == _send(agency, citizen, pdf, key="k1")
    assert len(_documents(citizen)) == 2  # the first upload, plus one copy for key k1


@pytest.mark.parametrize("case", ["changed", "foreign_root", "expired_at_signing", "unsigned"])
def test_bad_pdfs_are_refused(
    server: WalletServer, citizen: RawCitizen, pki: TestPki, tmp_path: Path, case: str
) -> None:
    _trust(server, pki, tmp_path)
    agency = register(server, tmp_path, types="procedure-result", valid_from="2020-01-01")
    now = dt.datetime.now(UTC)
    if case == "changed":
        pdf = replace_page_text(_signed(pki), "Kết quả đã bị sửa")
    elif case == "foreign_root":
        other = TestPki("Một CA lạ")
        pdf = _signed(other, signer=other.issue_signer("Kẻ giả mạo", "Cơ quan giả"))
    elif case == "expired_at_signing":
        old = pki.issue_signer(
            "Người ký cũ",
            "Sở Tư pháp",
            not_before=now - dt.timedelta(days=800),
            not_after=now - dt.timedelta(days=400),
        )
        pdf = _signed(pki, signer=old, at=now - dt.timedelta(days=10))
    else:
        pdf = make_pdf("không ký")
    with pytest.raises(AgencyApiError) as refused:
        _send(agency, citizen, pdf)
    assert refused.value.status == 422 and refused.value.code == "credential_rejected"
    assert _documents(citizen) == []


def test_pdf_signed_by_a_dissolved_agency_after_dissolution(
    server: WalletServer, citizen: RawCitizen, pki: TestPki, tmp_path: Path
) -> None:
    _trust(server, pki, tmp_path)
    agency = register(server, tmp_path, types="procedure-result", valid_from="2020-01-01")
    successor = register(
        server, tmp_path, name="Sở Tư pháp (sau sáp nhập)", types="procedure-result", valid_from="2020-01-01"
    )
    dissolved = dt.datetime.now(UTC) - dt.timedelta(hours=1)
    server.wallet("agency", "succeed", agency.agency_id, successor.agency_id, "--at", dissolved.isoformat())
    signed_late = _signed(pki, at=dissolved + dt.timedelta(minutes=30))
    with pytest.raises(AgencyApiError) as refused:  # the successor cannot pass it off either
        _send(successor, citizen, signed_late)
    assert refused.value.code == "credential_rejected"
    assert "dissolution" in refused.value.detail
    _send(successor, citizen, _signed(pki, at=dissolved - dt.timedelta(days=1)))  # signed in time: fine


def test_successor_hands_over_a_document_its_predecessor_signed_in_time(
    server: WalletServer, citizen: RawCitizen, pki: TestPki, tmp_path: Path
) -> None:
    _trust(server, pki, tmp_path)
    old = register(server, tmp_path, types="procedure-result", valid_from="2020-01-01")
    signed_in_time = _signed(pki)
    new = register(
        server, tmp_path, name="Sở Tư pháp (sau sáp nhập)", types="procedure-result", valid_from="2020-01-01"
    )
    server.wallet("agency", "succeed", old.agency_id, new.agency_id)
    _send(new, citizen, signed_in_time)
    assert _documents(citizen)[0]["issuance"]["issuer"] == new.agency_id  # type: ignore[index]
    stranger = register(
        server, tmp_path, name="Công an tỉnh Quảng Nam", types="procedure-result", valid_from="2020-01-01"
    )
    with pytest.raises(AgencyApiError) as refused:  # not its name, not its predecessor
        _send(stranger, citizen, _signed(pki))
    assert refused.value.code == "credential_rejected"


def test_any_file_with_a_detached_jws(server: WalletServer, citizen: RawCitizen, tmp_path: Path) -> None:
    agency = register(server, tmp_path, types="procedure-result", valid_from="2020-01-01")
    png = b"\x89PNG\r\n\x1a\n" + os.urandom(3000)
    _send(agency, citizen, png, content_type="image/png", signature=document_jws(agency, png, "image/png"))
    [doc] = _documents(citizen)
    assert doc["provenance"] == "issued" and doc["issuance"]["signature"] == "jws"  # type: ignore[index]


@pytest.mark.parametrize("change", [{"sha256": "AAAA"}, {"number": "999"}, {"iss": "someone-else"}])
def test_detached_jws_must_match(
    server: WalletServer, citizen: RawCitizen, tmp_path: Path, change: dict[str, object]
) -> None:
    agency = register(server, tmp_path, types="procedure-result", valid_from="2020-01-01")
    png = b"\x89PNG\r\n\x1a\n" + os.urandom(3000)
    with pytest.raises(AgencyApiError) as refused:
        _send(
            agency,
            citizen,
            png,
            content_type="image/png",
            signature=document_jws(agency, png, "image/png", **change),
        )
    assert refused.value.code == "credential_rejected"
    assert _documents(citizen) == []


def test_uploaded_documents_never_pass_as_issued(citizen: RawCitizen) -> None:
    r = citizen.upload(b"%PDF-1.7\n" + os.urandom(100))
    assert r.json()["provenance"] == "uploaded" and r.json()["issuance"] is None
