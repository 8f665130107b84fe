"""Consent policy: what may be asked, what an approval may cover, when a pull may run, what it discloses."""

from __future__ import annotations

import dataclasses

import pytest

import crypto
from consent import CatalogError, document_types
from consent.policy import (
    ApprovalExceedsRequest,
    ApprovedItem,
    InvalidItems,
    RequestedItem,
    TypeNotForProcedure,
    UnknownClaim,
    UnknownDocumentType,
    UnknownProcedure,
    approved_items,
    keep_disclosures,
    refusal,
    requested_items,
)
from consent.procedures import Procedure, _check_against_types, procedures
from consent.wording import describe
from crypto.transparency.entry import AccessAction, AccessEntry, parse_entry

CREDENTIAL = "7b0e5c0e-0000-4000-8000-000000000001"
DOCUMENT = "7b0e5c0e-0000-4000-8000-000000000002"
HOLDINGS = {("credential", CREDENTIAL): "birth-certificate", ("document", DOCUMENT): "birth-certificate"}
BIRTH_CLAIMS = {
    "full_name": "Nguyễn Văn An",
    "date_of_birth": "2024-01-02",
    "place_of_birth": "Đà Nẵng",
    "sex": "Nam",
    "registration_number": "12/2024",
    "registration_date": "2024-01-05",
}


def test_the_procedure_catalog_is_the_inverse_of_the_document_types() -> None:
    catalog = procedures()
    assert {"1.001193", "1.000656", "2.000908", "1.004222", "2.001001", "1.002804", "1.005388"} <= set(
        catalog
    )
    for entry in document_types().values():
        for code in entry.procedures:
            assert entry.id in catalog[code].accepts
    assert catalog["1.001193"].name_vi == "Đăng ký khai sinh"


def test_a_procedure_accepting_a_type_that_does_not_name_it_fails_start_up() -> None:
    bad = Procedure(
        "1.001193", "Đăng ký khai sinh", "Birth registration", "UBND", "Committee", ("driving-licence",)
    )
    with pytest.raises(CatalogError):
        _check_against_types({**procedures(), "1.001193": bad})
    with pytest.raises(CatalogError):
        _check_against_types({k: v for k, v in procedures().items() if k != "1.004222"})


def test_naming_only_a_procedure_asks_for_everything_it_accepts() -> None:
    assert requested_items("1.001193", None) == (
        RequestedItem("citizen-id"),
        RequestedItem("birth-certificate"),
    )
    assert requested_items("1.002804", []) == (RequestedItem("driving-licence"),)


def test_named_items_are_checked_against_both_catalogs() -> None:
    asked = requested_items("1.001193", [("birth-certificate", ["full_name", "date_of_birth"])])
    assert asked == (RequestedItem("birth-certificate", ("full_name", "date_of_birth")),)
    with pytest.raises(UnknownProcedure):
        requested_items("9.999999", None)
    with pytest.raises(UnknownDocumentType):
        requested_items("1.001193", [("passport", None)])
    with pytest.raises(TypeNotForProcedure):
        requested_items("1.001193", [("driving-licence", None)])
    with pytest.raises(UnknownClaim):
        requested_items("1.001193", [("birth-certificate", ["blood_type"])])
    with pytest.raises(InvalidItems):
        requested_items("1.001193", [("birth-certificate", None), ("birth-certificate", ["sex"])])
    with pytest.raises(InvalidItems):
        requested_items("1.001193", [("birth-certificate", [])])


def test_an_approval_may_cover_less_than_was_asked() -> None:
    asked = (RequestedItem("birth-certificate", ("full_name", "date_of_birth")),)
    whole = approved_items(asked, [{"item": 0, "kind": "credential", "id": CREDENTIAL}], HOLDINGS)
    assert whole == (
        ApprovedItem(0, "credential", CREDENTIAL, "birth-certificate", ("full_name", "date_of_birth")),
    )
    part = approved_items(
        asked, [{"item": 0, "kind": "credential", "id": CREDENTIAL, "claims": ["full_name"]}], HOLDINGS
    )
    assert part[0].claims == ("full_name",)
    everything = (RequestedItem("birth-certificate"),)
    document = approved_items(everything, [{"item": 0, "kind": "document", "id": DOCUMENT}], HOLDINGS)
    assert document == (ApprovedItem(0, "document", DOCUMENT, "birth-certificate"),)


@pytest.mark.parametrize(
    "approval",
    [
        [],
        [{"item": 1, "kind": "credential", "id": CREDENTIAL}],
        [{"item": "0", "kind": "credential", "id": CREDENTIAL}],
        [{"item": 0, "kind": "credential", "id": CREDENTIAL, "claims": ["full_name", "sex"]}],
        [{"item": 0, "kind": "credential", "id": CREDENTIAL, "claims": []}],
        [{"item": 0, "kind": "document", "id": DOCUMENT}],
        [{"item": 0, "kind": "credential", "id": DOCUMENT}],
        [{"item": 0, "kind": "passport", "id": CREDENTIAL}],
        [
            {"item": 0, "kind": "credential", "id": CREDENTIAL},
            {"item": 0, "kind": "credential", "id": CREDENTIAL},
        ],
    ],
)
def test_an_approval_never_covers_more_than_was_asked(approval: list[dict[str, object]]) -> None:
    asked = (RequestedItem("birth-certificate", ("full_name", "date_of_birth")),)
    with pytest.raises(ApprovalExceedsRequest):
        approved_items(asked, approval, HOLDINGS)


def test_another_type_than_requested_is_refused() -> None:
    asked = (RequestedItem("citizen-id"),)
    with pytest.raises(ApprovalExceedsRequest):
        approved_items(asked, [{"item": 0, "kind": "credential", "id": CREDENTIAL}], HOLDINGS)


@pytest.mark.parametrize(
    "status, uses, now, reason",
    [
        ("approved", 0, 99, None),
        ("approved", 2, 99, None),
        ("approved", 3, 99, "used_up"),
        ("approved", 0, 100, "expired"),
        ("pending", 0, 50, "pending"),
        ("denied", 0, 50, "denied"),
        ("revoked", 0, 50, "revoked"),
        ("closed", 0, 50, "closed"),
    ],
)
def test_when_a_pull_may_run(status: str, uses: int, now: int, reason: str | None) -> None:
    assert refusal(status, uses, 3, 100, now) == reason


def _credential() -> crypto.ParsedSdJwt:
    holder = crypto.public_jwk(crypto.generate_private_key())
    issued = crypto.issue_sd_jwt_vc(
        crypto.generate_private_key(),
        kid="k",
        iss="so-tu-phap",
        vct="urn:vn:wallet:vct:birth-certificate:1",
        claims=BIRTH_CLAIMS,
        holder_jwk=holder,
        now=1_800_000_000,
        lifetime=3600,
        always_visible=("registration_number",),
        decoys=2,
    )
    return crypto.parse_sd_jwt(issued.sd_jwt)


def test_only_the_approved_disclosures_are_kept() -> None:
    parsed = _credential()
    top = parsed.unverified_payload["_sd"]
    kept = keep_disclosures(parsed.disclosures, top, ("full_name", "sex"))
    assert sorted(name for _, name in kept) == ["full_name", "sex"]
    shown = crypto.parse_sd_jwt(
        "~".join([parsed.issuer_signed_jwt, *(raw for raw, _ in kept)]) + "~"
    ).unverified_claims
    assert {k: shown[k] for k in ("full_name", "sex", "registration_number")} == {
        "full_name": "Nguyễn Văn An",
        "sex": "Nam",
        "registration_number": "12/2024",
    }
    assert not {"date_of_birth", "place_of_birth", "registration_date"} & set(shown)
    assert len(keep_disclosures(parsed.disclosures, top, None)) == len(BIRTH_CLAIMS) - 1
    assert keep_disclosures(parsed.disclosures, [], None) == []  # a disclosure the payload does not name
    first = keep_disclosures(parsed.disclosures[:1], top, None)
    assert keep_disclosures(["not base64!", *parsed.disclosures[:1]], top, None) == first


def test_an_entry_in_plain_words_vietnamese_first() -> None:
    entry = AccessEntry(
        agency_id="so-tu-phap-da-nang",
        agency_name="Sở Tư pháp Đà Nẵng",
        resource_id=CREDENTIAL,
        resource_type="birth-certificate",
        action=AccessAction.READ,
        purpose="Đăng ký khai sinh cho con thứ hai",
        procedure_code="1.001193",
        consent_id="c-1",
        at=1_798_774_920,  # 2027-01-01 10:42 in Vietnam (UTC+7)
        case_number="HS-2027-0042",
    )
    vi, en = describe(entry)
    name_vi, name_en = procedures()["1.001193"].name_vi, procedures()["1.001193"].name_en
    assert vi == (
        f"Sở Tư pháp Đà Nẵng đã xem giấy khai sinh của bạn cho thủ tục 1.001193 {name_vi}, "
        "hồ sơ số HS-2027-0042 (mục đích: Đăng ký khai sinh cho con thứ hai) lúc 10:42 ngày 01/01/2027"
    )
    assert en == (
        f"Sở Tư pháp Đà Nẵng read your birth certificate for procedure 1.001193 {name_en}, "
        "case HS-2027-0042 (purpose: Đăng ký khai sinh cho con thứ hai) at 10:42 on 2027-01-01"
    )
    without_case = dataclasses.replace(entry, case_number=None)
    assert "hồ sơ số" not in describe(without_case)[0]
    assert "case_number" not in without_case.canonical()  # entries written before it keep their bytes
    assert parse_entry(entry.canonical()) == entry and parse_entry(without_case.canonical()) == without_case
