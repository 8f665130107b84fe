"""What verifiers show (labels, dates) and what a pasted code becomes: properties over every input."""

from __future__ import annotations

import base64
import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

import qr
from qr.display import IDENTITY_LABELS, TECHNICAL, format_date, shown_fields
from qr.pasted import payload_from_text
from qr.trust import TypeEntry

BIRTH = TypeEntry(
    id="birth-certificate",
    vct="urn:vn:wallet:vct:birth-certificate:1",
    name_vi="Giấy khai sinh",
    name_en="Birth certificate",
    claims={"full_name": ("Họ và tên", "Full name"), "date_of_birth": ("Ngày sinh", "Date of birth")},
)


@given(st.dates(min_value=dt.date(1, 1, 1)))
def test_every_date_is_written_the_vietnamese_way(day: dt.date) -> None:
    shown = format_date(day.isoformat())
    assert shown is not None
    vi, en = shown
    assert (
        dt.datetime.strptime(vi, "%d/%m/%Y").date() == day if day.year >= 1000 else vi.endswith(str(day.year))
    )
    assert en.startswith(f"{day.day} ") and en.endswith(f" {day.year}")


@given(st.text(max_size=12))
def test_anything_else_is_not_a_date(text: str) -> None:
    try:
        real = dt.date.fromisoformat(text) and len(text) == 10 and text[4] == "-"
    except ValueError:
        real = False
    assert (format_date(text) is not None) == bool(real)


def test_impossible_dates_are_shown_as_given() -> None:
    assert format_date("2023-02-29") is None and format_date("2024-02-29") == (
        "29/02/2024",
        "29 February 2024",
    )
    fields = shown_fields({"date_of_birth": "2023-02-30"}, kind="credential", doc_type=BIRTH)
    assert fields[0].value_vi == "2023-02-30"


def test_catalog_labels_order_and_no_technical_claims() -> None:
    claims = {
        "cnf": {"jwk": {}},
        "date_of_birth": "1990-05-01",
        "iss": "x",
        "full_name": "Hà Thị Ba",
        "extra": 3,
    }
    fields = shown_fields(claims | {k: 1 for k in TECHNICAL}, kind="credential", doc_type=BIRTH)
    assert [f.key for f in fields] == ["full_name", "date_of_birth", "extra"]
    assert (fields[1].label_vi, fields[1].value_vi, fields[1].value_en) == (
        "Ngày sinh",
        "01/05/1990",
        "1 May 1990",
    )
    assert (fields[2].label_vi, fields[2].value_vi) == ("extra", "3")  # unknown to the catalog: its name


def test_identity_labels_cover_every_disclosable_claim() -> None:
    assert set(IDENTITY_LABELS) == set(qr.DISCLOSABLE)
    shown = shown_fields({"name": "Đặng Thuỳ Trâm", "status": "verified"}, kind="identity")
    assert [(f.label_vi, f.value_vi, f.value_en) for f in shown] == [
        ("Họ và tên", "Đặng Thuỳ Trâm", "Đặng Thuỳ Trâm"),
        ("Xác thực danh tính", "đã xác minh", "verified"),
    ]


@given(st.text(max_size=300))
def test_any_pasted_text_is_decoded_or_refused_with_a_reason(text: str) -> None:
    payload = payload_from_text(text)
    keys = qr.QrKeySet({})
    try:
        qr.decode_any(payload, keys=keys, now=1_790_000_000)
    except qr.QrError as exc:
        assert exc.reason in qr.QR_REASONS


def test_pasted_forms_of_one_code_give_one_payload() -> None:
    url = "https://vi.example.gov.vn/v1/presentations/AbCdEf123456"
    reference = qr.encode_reference(url)
    assert payload_from_text(url) == payload_from_text(f"\n {url} \t") == reference
    assert payload_from_text(reference.decode()) == reference
    assert payload_from_text(base64.b64encode(reference).decode()) == reference
    # A presentation's own text ("…~…~"): compressed as a scanned presentation code would be.
    text = "eyJhbGciOiJFUzI1NiJ9.e30.c2ln~WyJzYWx0IiwiYSIsMV0~"
    assert payload_from_text(text) == qr.encode_presentation(text, max_version=40)
