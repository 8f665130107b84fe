"""The verifier's trust store fails closed: stale, short, cut-off, oversized or forged status lists."""

from __future__ import annotations

import base64
import zlib

import pytest

import crypto
from qr.trust import TrustError, TrustStore, add_status_list

NOW = 1_800_000_000
URI = "https://wallet.example/v1/status-lists/so-tu-phap"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture
def ring() -> crypto.ServiceKeyRing:
    return crypto.ServiceKeyRing([crypto.ServiceKeyRing.new_key(NOW - 10)], clock=lambda: NOW)


def _store(ring: crypto.ServiceKeyRing) -> TrustStore:
    return TrustStore(service_keys=ring.public_keys())


def _token(ring: crypto.ServiceKeyRing, lst: str, *, exp: int = NOW + 3600, bits: object = 2) -> str:
    claims = {"sub": URI, "iat": NOW, "exp": exp, "status_list": {"bits": bits, "lst": lst}}
    return ring.sign(claims, typ="statuslist+jwt")


def test_a_listed_status_is_read(ring: crypto.ServiceKeyRing) -> None:
    store = _store(ring)
    add_status_list(store, _token(ring, _b64(zlib.compress(bytes([0b0100])))))  # idx 1 revoked
    assert store.status(URI, 0, now=NOW) == 0
    assert store.status(URI, 1, now=NOW) == 1


def test_past_its_end_or_after_expiry_the_status_is_unknown(ring: crypto.ServiceKeyRing) -> None:
    store = _store(ring)
    add_status_list(store, _token(ring, _b64(zlib.compress(b"\x00")), exp=NOW + 60))
    assert store.status(URI, 4, now=NOW) is None  # beyond the list: not "valid"
    assert store.status(URI, 0, now=NOW + 60) is None  # stale
    assert store.status("https://elsewhere/list", 0, now=NOW) is None


@pytest.mark.parametrize(
    "lst, bits",
    [
        (_b64(zlib.compress(b"\x00" * 1000)[:-6]), 2),  # cut off
        (_b64(zlib.compress(b"\x00" * (1 << 25))), 2),  # a bomb past the cap
        ("not base64 !", 2),
        (_b64(zlib.compress(b"\x00")), 1),  # another width
        (_b64(zlib.compress(b"\x00")), True),  # a bool is not 2
    ],
)
def test_malformed_lists_are_refused(ring: crypto.ServiceKeyRing, lst: str, bits: object) -> None:
    with pytest.raises(TrustError) as refused:
        add_status_list(_store(ring), _token(ring, lst, bits=bits))
    assert refused.value.reason == "malformed"


def test_a_list_signed_by_another_key_is_refused(ring: crypto.ServiceKeyRing) -> None:
    other = crypto.ServiceKeyRing([crypto.ServiceKeyRing.new_key(NOW)], clock=lambda: NOW)
    with pytest.raises(TrustError):
        add_status_list(_store(ring), _token(other, _b64(zlib.compress(b"\x00")), bits=2))
