"""``crypto.hash_secret`` / ``check_secret``: a slow, salted hash of a short typed secret.

The known-answer vector pins the construction (scrypt N=2^14, r=8, p=1 over the salt, stored as
``b"s1" + salt + digest``) so a change of parameters cannot slip in unnoticed: codes hashed before
must still check.
"""

from __future__ import annotations

import pytest

import crypto
from crypto._hazmat import scrypt

SALT = bytes(range(16))


def test_a_secret_checks_against_its_own_hash_only() -> None:
    stored = crypto.hash_secret("ABCDE23456FGHJK789MN")
    assert crypto.check_secret("ABCDE23456FGHJK789MN", stored)
    assert not crypto.check_secret("ABCDE23456FGHJK789MP", stored)
    assert not crypto.check_secret("", stored)
    assert crypto.hash_secret("same") != crypto.hash_secret("same")  # a fresh salt each time


def test_the_stored_form_is_version_salt_and_scrypt_digest() -> None:
    digest = scrypt(b"ABCDE", SALT, n=2**14, r=8, p=1)
    stored = b"s1" + SALT + digest
    assert crypto.check_secret("ABCDE", stored)
    assert len(crypto.hash_secret("x")) == len(stored)


@pytest.mark.parametrize(
    "stored",
    [b"", b"s1", b"s2" + SALT + bytes(32), b"s1" + SALT + bytes(31), b"s1" + SALT + bytes(33)],
)
def test_a_malformed_stored_hash_never_checks(stored: bytes) -> None:
    assert not crypto.check_secret("ABCDE", stored)
