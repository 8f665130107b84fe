"""Identity QR payloads: round trip, every verification reason, tampering, clocks, 24-hour batches."""

from __future__ import annotations

import base64
import itertools
import unicodedata

import cbor2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto import ServiceKeyRing, generate_private_key
from qr import (
    DEFAULT_DISCLOSURE,
    DISCLOSABLE,
    IDENTITY_MAX_BYTES,
    IdentityClaims,
    QrError,
    QrKeySet,
    current_token,
    decode_any,
    disclose,
    encode_identity,
    identity_fits,
    issue_identity_batch,
    qr_key_id,
    qr_version,
    verify_identity,
)

SERVICE = generate_private_key()
OTHER = generate_private_key()
KEYS = QrKeySet({"svc-1": SERVICE.public_key()})
NOW = 1_767_225_600  # a multiple of 120
LONG_NAME = "Nguyễn Thị Phương Thảo Hoàng Anh"
CCCD = "001190012345"


def claims(name: str = LONG_NAME, **fields: object) -> IdentityClaims:
    return disclose(full_name=name, date_of_birth="1990-05-17", cccd=CCCD, status="verified", **fields)  # type: ignore[arg-type]


def reason(payload: bytes, keys: object = KEYS, now: int = NOW + 10) -> str:
    with pytest.raises(QrError) as caught:
        verify_identity(payload, keys, now=now)  # type: ignore[arg-type]
    return caught.value.reason


# --- round trip --------------------------------------------------------------------------------


def test_round_trip_default_disclosure() -> None:
    payload = encode_identity(SERVICE, claims(), not_before=NOW)
    identity = verify_identity(payload, KEYS, now=NOW + 60)
    assert identity.claims.disclosed() == {
        "name": LONG_NAME,
        "birth_year": 1990,
        "cccd_last4": "2345",
        "status": "verified",
    }
    assert (identity.not_before, identity.expires, identity.kid) == (NOW, NOW + 120, "svc-1")
    assert len(identity.nonce) == 16


def test_default_disclosure_is_name_year_last4_status() -> None:
    assert frozenset({"name", "birth_year", "cccd_last4", "status"}) == DEFAULT_DISCLOSURE
    payload = encode_identity(SERVICE, claims(), not_before=NOW)
    assert CCCD.encode() not in payload and b"1990-05-17" not in payload


def test_every_claim_can_be_disclosed_and_one_alone() -> None:
    everything = claims(fields=DISCLOSABLE)
    assert (
        verify_identity(encode_identity(SERVICE, everything, not_before=NOW), KEYS, now=NOW).claims
        == everything
    )
    only_status = claims(fields=["status"])
    got = verify_identity(encode_identity(SERVICE, only_status, not_before=NOW), KEYS, now=NOW)
    assert got.claims.disclosed() == {"status": "verified"}


def test_long_vietnamese_name_fits_version_10_at_level_m() -> None:
    payload = encode_identity(SERVICE, claims(), not_before=NOW)
    assert qr_version(payload) <= 10
    assert qr_version(encode_identity(SERVICE, claims(fields=DISCLOSABLE), not_before=NOW)) <= 10


VIETNAMESE_LETTERS = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"
)


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=VIETNAMESE_LETTERS + VIETNAMESE_LETTERS.upper() + " ", min_size=1, max_size=100).map(
        lambda t: " ".join(t.split()) or "A"
    )
)
def test_every_vietnamese_name_up_to_100_letters_fits(name: str) -> None:
    """Any name of the Vietnamese alphabet enrolment accepts: version 10 up to 50 letters, 13 at 100."""
    assert identity_fits(name)
    payload = encode_identity(SERVICE, claims(name, fields=DISCLOSABLE), not_before=NOW)
    assert qr_version(payload) <= (10 if len(name) <= 50 else 13)
    assert verify_identity(payload, KEYS, now=NOW).claims.name == name


def test_a_name_that_could_not_fit_is_reported_before_enrolment() -> None:
    assert identity_fits("Nguyễn Thị Phương Thảo")
    assert not identity_fits("𠀀" * 80)  # four bytes of UTF-8 each: refused at enrolment
    assert not identity_fits("")  # not a name at all


def test_names_are_nfc_whatever_form_they_arrive_in() -> None:
    decomposed = unicodedata.normalize("NFD", LONG_NAME)
    assert decomposed != LONG_NAME
    given = claims(decomposed)
    assert given.name == LONG_NAME
    got = verify_identity(encode_identity(SERVICE, given, not_before=NOW), KEYS, now=NOW)
    assert got.claims.name == LONG_NAME and unicodedata.is_normalized("NFC", got.claims.name)


@pytest.mark.parametrize("name", ["Đặng Thị Ngọc Hân", "Lê Văn Đức", "Trần Ánh Nguyệt", "Hồ Thị Thủy Tiên"])
def test_vietnamese_names_round_trip(name: str) -> None:
    got = verify_identity(encode_identity(SERVICE, claims(name), not_before=NOW), KEYS, now=NOW)
    assert got.claims.name == name


def test_decode_any_dispatches_identity_and_verifies_it() -> None:
    payload = encode_identity(SERVICE, claims(), not_before=NOW)
    assert decode_any(payload, keys={"svc-1": SERVICE.public_key()}, now=NOW).claims == claims()  # type: ignore[union-attr]
    with pytest.raises(QrError) as caught:
        decode_any(payload, keys={"other": OTHER.public_key()}, now=NOW)
    assert caught.value.reason == "unknown_key"


# --- every reason ------------------------------------------------------------------------------


def test_wrong_key_is_unknown_key() -> None:
    payload = encode_identity(OTHER, claims(), not_before=NOW)
    assert reason(payload) == "unknown_key"


def test_a_key_ring_with_the_signer_among_others_verifies() -> None:
    ring = QrKeySet({"old": OTHER.public_key(), "new": SERVICE.public_key()})
    assert verify_identity(encode_identity(OTHER, claims(), not_before=NOW), ring, now=NOW).kid == "old"


def test_other_key_using_our_key_id_is_bad_signature() -> None:
    genuine = encode_identity(SERVICE, claims(), not_before=NOW)
    forged = encode_identity(OTHER, claims(), not_before=NOW)
    spliced = forged[:3] + genuine[3:11] + forged[11:]
    assert reason(spliced) == "bad_signature"


def test_every_single_byte_change_is_refused() -> None:
    payload = encode_identity(SERVICE, claims(), not_before=NOW)
    for index, flip in itertools.product(range(len(payload)), (0x01, 0x80)):
        tampered = bytearray(payload)
        tampered[index] ^= flip
        assert reason(bytes(tampered)) in {"malformed", "unsupported_version", "unknown_key", "bad_signature"}


def test_truncated_and_extended_payloads_are_refused() -> None:
    payload = encode_identity(SERVICE, claims(), not_before=NOW)
    for cut in (0, 1, 3, 11, 50, 75, len(payload) - 1):
        assert reason(payload[:cut]) in {"malformed", "bad_signature"}
    assert reason(payload + b"\x00") == "bad_signature"
    assert reason(payload + bytes(IDENTITY_MAX_BYTES)) == "too_large"


def test_expired_and_not_yet_valid_with_an_injected_clock() -> None:
    payload = encode_identity(SERVICE, claims(), not_before=NOW)
    assert verify_identity(payload, KEYS, now=NOW + 119).expires == NOW + 120
    assert verify_identity(payload, KEYS, now=NOW + 120 + 29).expires == NOW + 120  # within leeway
    assert reason(payload, now=NOW + 120 + 30) == "expired"
    assert reason(payload, now=NOW + 86_400) == "expired"
    assert verify_identity(payload, KEYS, now=NOW - 30).not_before == NOW
    assert reason(payload, now=NOW - 31) == "not_yet_valid"
    with pytest.raises(QrError, match="expired"):
        verify_identity(payload, KEYS, now=NOW + 121, leeway=0)


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        (b"WI3", "unsupported_version"),
        (b"WI9", "unsupported_version"),
        (b"WI1", "bad_signature"),  # signed as WI2: the prefix is covered by the signature
        (b"HC1", "malformed"),
    ],
)
def test_prefixes(prefix: bytes, expected: str) -> None:
    payload = encode_identity(SERVICE, claims(), not_before=NOW)
    assert reason(prefix + payload[3:]) == expected


def test_non_bytes_payloads_are_malformed() -> None:
    assert reason("WI1...") == "malformed"  # type: ignore[arg-type]
    assert reason(None) == "malformed"  # type: ignore[arg-type]
    payload = encode_identity(SERVICE, claims(), not_before=NOW)
    assert verify_identity(bytearray(payload), KEYS, now=NOW).claims == claims()  # type: ignore[arg-type]


def test_error_messages_never_echo_the_payload() -> None:
    payload = encode_identity(SERVICE, claims(), not_before=NOW)
    for tampered in (payload[:-1] + bytes([payload[-1] ^ 1]), b"WI3" + payload[3:], payload[:40]):
        with pytest.raises(QrError) as caught:
            verify_identity(tampered, KEYS, now=NOW)
        text = str(caught.value)
        assert "Nguy" not in text and "2345" not in text and payload.hex()[:16] not in text


def test_bad_clock_arguments_are_a_caller_bug() -> None:
    payload = encode_identity(SERVICE, claims(), not_before=NOW)
    with pytest.raises(TypeError):
        verify_identity(payload, KEYS, now=float(NOW))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        verify_identity(payload, KEYS, now=NOW, leeway=-1)


# --- encoding limits ---------------------------------------------------------------------------


def test_claims_that_would_pass_version_13_are_too_large() -> None:
    long_name = "𠀀" * 70  # letters outside the packed alphabet: five bytes each
    with pytest.raises(QrError) as caught:
        encode_identity(SERVICE, claims(long_name, fields=DISCLOSABLE), not_before=NOW)
    assert caught.value.reason == "too_large"


@pytest.mark.parametrize(
    "bad",
    [
        {"name": ""},
        {"name": " Anh"},
        {"name": "A" * 101},
        {"name": "Nguyễn\u202eAnh"},  # right-to-left override
        {"name": "Anh\nBa"},
        {"name": 42},
        {"birth_year": 1850},
        {"birth_year": True},
        {"cccd_last4": "12a4"},
        {"cccd_last4": "١٢٣٤"},  # Arabic-Indic digits are digits to str.isdigit, not to us
        {"cccd": "12345"},
        {"status": "trusted"},
        {"birth_date": "1990-02-30"},
        {"birth_date": "19900517"},
        {"birth_date": "1990-05-17", "birth_year": 1991},
        {"cccd": CCCD, "cccd_last4": "9999"},
    ],
)
def test_invalid_claims_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(QrError) as caught:
        IdentityClaims(**bad)  # type: ignore[arg-type]
    assert caught.value.reason == "invalid_claims"


def test_disclose_refuses_unknown_fields_and_bad_records() -> None:
    for call in (
        lambda: claims(fields=["name", "photo"]),
        lambda: claims(fields="name"),
        lambda: disclose(full_name="A", date_of_birth="1990-13-01", cccd=CCCD, status="verified"),
        lambda: disclose(full_name="A", date_of_birth="1990-01-01", cccd="0011", status="verified"),
    ):
        with pytest.raises(QrError):
            call()


@pytest.mark.parametrize(
    ("not_before", "lifetime"), [(-1, 120), (NOW, 0), (NOW, 601), (2**32, 120), (NOW, True)]
)
def test_bad_windows_are_refused(not_before: int, lifetime: int) -> None:
    with pytest.raises(QrError) as caught:
        encode_identity(SERVICE, claims(), not_before=not_before, lifetime=lifetime)
    assert caught.value.reason == "invalid_claims"


def test_injected_randomness_must_give_16_bytes() -> None:
    with pytest.raises(QrError):
        encode_identity(SERVICE, claims(), not_before=NOW, random=lambda n: b"\x00" * (n - 1))


# --- keys --------------------------------------------------------------------------------------


def test_key_id_is_the_thumbprint_prefix_of_a_service_key_ring_kid() -> None:
    key = ServiceKeyRing.new_key(NOW)
    assert qr_key_id(key.private) == base64.urlsafe_b64decode(key.kid + "=")[:8]
    assert qr_key_id(key.private) == qr_key_id(key.private.public_key())
    payload = encode_identity(key.private, claims(), not_before=NOW)
    assert payload[3:11] == qr_key_id(key.private)


def test_key_set_refuses_non_p256_and_empty_kids() -> None:
    from crypto import KeyError_

    with pytest.raises(KeyError_):
        QrKeySet({"": SERVICE.public_key()})
    with pytest.raises(KeyError_):
        QrKeySet({"x": "not a key"})  # type: ignore[dict-item]
    with pytest.raises(KeyError_):
        QrKeySet({"a": SERVICE.public_key(), "b": SERVICE.public_key()})


# --- 24-hour batches ---------------------------------------------------------------------------


def _claims_map(payload: bytes) -> dict[int, object]:
    value = cbor2.loads(payload[11:-64])
    assert isinstance(value, dict)
    return value


def test_a_24_hour_batch_covers_the_day_with_independent_tokens() -> None:
    synced = NOW + 77
    batch = issue_identity_batch(SERVICE, claims(), now=synced)
    assert len(batch) == 720
    assert batch[0].not_before <= synced < batch[0].expires
    assert batch[-1].expires - batch[0].not_before == 86_400
    for token in batch:
        identity = verify_identity(token.payload, KEYS, now=token.not_before + 60)  # each one on its own
        assert (identity.not_before, identity.expires) == (token.not_before, token.expires)
        assert identity.not_before % 120 == 0  # on the global grid: says nothing of the sync time
    for earlier, later in itertools.pairwise(batch):
        assert earlier.expires == later.not_before


def test_batch_tokens_share_nothing_but_the_disclosed_claims() -> None:
    batch = issue_identity_batch(SERVICE, claims(), now=NOW, count=50)
    maps = [_claims_map(token.payload) for token in batch]
    disclosed_keys = {-1, -2, -3, -4}
    for first, second in itertools.combinations(range(len(batch)), 2):
        a, b = maps[first], maps[second]
        assert {key for key in a if a[key] == b.get(key)} == disclosed_keys
        assert batch[first].payload[-64:] != batch[second].payload[-64:]
    assert len({m[7] for m in maps}) == len(maps)  # fresh nonces
    assert all(set(m) == disclosed_keys | {4, 5, 7} for m in maps)  # no serial, no iat, nothing else


def test_two_citizens_get_the_same_key_id_and_the_same_window_grid() -> None:
    anh = issue_identity_batch(SERVICE, claims(), now=NOW + 5, count=3)
    binh = issue_identity_batch(SERVICE, claims("Trần Văn Bình"), now=NOW + 101, count=3)
    assert [t.payload[3:11] for t in anh] == [t.payload[3:11] for t in binh]  # the service's key id
    assert [t.not_before for t in anh] == [t.not_before for t in binh]


def test_the_phone_picks_the_token_of_its_clock_offline() -> None:
    batch = issue_identity_batch(SERVICE, claims(), now=NOW, count=720)
    for offset in (0, 119, 120, 3_600, 86_399):
        token = current_token(batch, NOW + offset)
        assert token is not None
        verify_identity(token.payload, KEYS, now=NOW + offset)
    assert current_token(batch, NOW + 86_400) is None  # 24 hours after the sync: nothing left
    assert current_token(batch, NOW - 1) is None


def test_batch_arguments_are_checked() -> None:
    for count in (0, -1, 10_001):
        with pytest.raises(QrError):
            issue_identity_batch(SERVICE, claims(), now=NOW, count=count)
    with pytest.raises(QrError):
        issue_identity_batch(SERVICE, {"name": "x"}, now=NOW)  # type: ignore[arg-type]
