"""The service key ring: sign with the newest key, verify by kid, publish a JWKS."""

import dataclasses

import pytest

from crypto import (
    InvalidSignature,
    KeyError_,
    ServiceKey,
    ServiceKeyRing,
    generate_private_key,
    jwk_thumbprint,
    public_key_from_jwk,
    sign_jws,
    unverified_header,
    verify_jws,
)

TYP = "trust-list+jwt"


def test_new_key_kid_is_its_thumbprint() -> None:
    key = ServiceKeyRing.new_key(1000)
    assert key.created_at == 1000 and key.retired_at is None
    jwk = key.public_jwk()
    assert key.kid == jwk_thumbprint(jwk)
    assert jwk["kid"] == key.kid and jwk["alg"] == "ES256" and jwk["use"] == "sig"
    assert "d" not in jwk


def test_signs_with_the_newest_active_key_and_verifies_by_kid() -> None:
    old = ServiceKeyRing.new_key(100)
    new = ServiceKeyRing.new_key(200)
    retired = dataclasses.replace(ServiceKeyRing.new_key(300), retired_at=400)
    ring = ServiceKeyRing([old, new, retired])
    assert ring.current == new
    token = ring.sign({"sub": "x"}, typ=TYP)
    assert unverified_header(token)["kid"] == new.kid
    assert ring.verify(token, typ=TYP) == {"sub": "x"}
    assert verify_jws(token, new.private.public_key(), typ=TYP) == {"sub": "x"}
    with pytest.raises(InvalidSignature):
        ring.verify(token, typ="other+jwt")


def test_tokens_of_retired_keys_still_verify() -> None:
    first = ServiceKeyRing.new_key(100)
    token = ServiceKeyRing([first]).sign({"n": 1}, typ=TYP)
    second = ServiceKeyRing.new_key(200)
    ring = ServiceKeyRing([dataclasses.replace(first, retired_at=250), second])
    assert ring.current == second
    assert ring.verify(token, typ=TYP) == {"n": 1}


def test_unknown_missing_or_lying_kid_is_refused() -> None:
    ring = ServiceKeyRing([ServiceKeyRing.new_key(1)])
    stranger = generate_private_key()
    for kid in (None, "unknown", ring.current.kid):
        token = sign_jws(stranger, {"n": 1}, typ=TYP, kid=kid)
        with pytest.raises(InvalidSignature):
            ring.verify(token, typ=TYP)
    with pytest.raises(InvalidSignature):
        ring.verify("garbage", typ=TYP)


def test_jwks_publishes_every_key() -> None:
    keys = [ServiceKeyRing.new_key(1), dataclasses.replace(ServiceKeyRing.new_key(2), retired_at=3)]
    ring = ServiceKeyRing(keys)
    jwks = ring.jwks()
    assert [jwk["kid"] for jwk in jwks["keys"]] == [key.kid for key in keys]
    for jwk, key in zip(jwks["keys"], keys, strict=True):
        assert "d" not in jwk
        public = public_key_from_jwk(jwk)
        token = ServiceKeyRing([key]).sign({"k": key.kid}, typ=TYP) if key.retired_at is None else None
        if token is not None:
            assert verify_jws(token, public, typ=TYP) == {"k": key.kid}
    assert ring.keys == tuple(keys)


def test_all_retired_has_no_current_key() -> None:
    ring = ServiceKeyRing([dataclasses.replace(ServiceKeyRing.new_key(1), retired_at=2)])
    with pytest.raises(KeyError_):
        _ = ring.current
    with pytest.raises(KeyError_):
        ring.sign({}, typ=TYP)


def test_ring_validation() -> None:
    key = ServiceKeyRing.new_key(1)
    with pytest.raises(KeyError_):
        ServiceKeyRing([])
    with pytest.raises(KeyError_):
        ServiceKeyRing([key, key])
    with pytest.raises(KeyError_):
        ServiceKeyRing([dataclasses.replace(key, kid="")])


def test_private_key_is_not_in_the_repr() -> None:
    key = ServiceKeyRing.new_key(1)
    assert "private" not in repr(key)
    assert isinstance(key, ServiceKey)
