"""ES256 JWS, JWK handling, thumbprints and client assertions; vectors in jws.json, thumbprint.json."""

import base64
import json
from typing import Any

import pytest
from crypto_testkit import load_vectors
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from jose import jws as jose_jws

from crypto import (
    CryptoError,
    InvalidSignature,
    KeyError_,
    check_client_assertion,
    generate_private_key,
    jwk_thumbprint,
    load_private_key_pem,
    make_client_assertion,
    private_key_pem,
    public_jwk,
    public_key_from_jwk,
    sign_jws,
    unverified_header,
    verify_jws,
)
from crypto.jose import CLIENT_ASSERTION_TYP, MAX_JWS_LENGTH

JWS = load_vectors("jws.json")
THUMBPRINTS = load_vectors("thumbprint.json")
PRIVATE = load_private_key_pem(JWS["private_key_pem"].encode())
PUBLIC = public_key_from_jwk(JWS["public_jwk"])
OTHER_PUBLIC = public_key_from_jwk(JWS["other_public_jwk"])
TYP = "test+jwt"


# --- vectors ---------------------------------------------------------------------------------


@pytest.mark.parametrize("case", JWS["valid"], ids=lambda c: c["name"])
def test_valid_vectors_verify(case: dict[str, Any]) -> None:
    assert verify_jws(case["token"], PUBLIC, typ=case["typ"]) == case["claims"]


@pytest.mark.parametrize("case", JWS["invalid"], ids=lambda c: c["name"])
def test_invalid_vectors_are_refused(case: dict[str, Any]) -> None:
    with pytest.raises(InvalidSignature):
        verify_jws(case["token"], PUBLIC, typ=case["typ"])


@pytest.mark.parametrize("case", JWS["bad_jwks"], ids=lambda c: c["name"])
def test_bad_jwks_are_refused(case: dict[str, Any]) -> None:
    with pytest.raises(KeyError_):
        public_key_from_jwk(case["jwk"])


@pytest.mark.parametrize("case", THUMBPRINTS["valid"], ids=lambda c: c["name"])
def test_thumbprint_vectors(case: dict[str, Any]) -> None:
    assert jwk_thumbprint(case["jwk"]) == case["thumbprint"]


@pytest.mark.parametrize("case", THUMBPRINTS["invalid"], ids=lambda c: c["name"])
def test_thumbprint_needs_the_required_members(case: dict[str, Any]) -> None:
    with pytest.raises(KeyError_):
        jwk_thumbprint(case["jwk"])


def test_rfc7638_example_thumbprint() -> None:
    rsa = THUMBPRINTS["valid"][0]
    assert rsa["jwk"]["kty"] == "RSA"
    assert jwk_thumbprint(rsa["jwk"]) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


# --- keys ------------------------------------------------------------------------------------


def test_vector_key_matches_its_jwk() -> None:
    assert public_jwk(PRIVATE) == JWS["public_jwk"]
    assert public_jwk(PUBLIC) == JWS["public_jwk"]
    assert jwk_thumbprint(public_jwk(PRIVATE)) == THUMBPRINTS["valid"][2]["thumbprint"]


def test_public_jwk_has_no_private_part() -> None:
    jwk = public_jwk(generate_private_key())
    assert sorted(jwk) == ["crv", "kty", "x", "y"]
    assert jwk["kty"] == "EC" and jwk["crv"] == "P-256"
    assert len(jwk["x"]) == len(jwk["y"]) == 43


def test_jwk_round_trip_and_optional_members() -> None:
    key = generate_private_key()
    jwk = {**public_jwk(key), "kid": "k", "alg": "ES256", "use": "sig"}
    assert public_jwk(public_key_from_jwk(jwk)) == public_jwk(key)


def test_pem_round_trip() -> None:
    key = generate_private_key()
    pem = private_key_pem(key)
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert public_jwk(load_private_key_pem(pem)) == public_jwk(key)


@pytest.mark.parametrize(
    "pem",
    [
        b"",
        b"not a pem",
        b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        JWS["public_key_pem"].encode(),
        b"x" * 20_000,
    ],
)
def test_bad_pems_are_key_errors(pem: bytes) -> None:
    with pytest.raises(KeyError_):
        load_private_key_pem(pem)


def test_non_p256_keys_are_refused() -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    p384 = ec.generate_private_key(ec.SECP384R1())
    pem = p384.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    for call in (
        lambda: load_private_key_pem(pem),
        lambda: public_jwk(p384),
        lambda: sign_jws(p384, {}, typ=TYP),
        lambda: verify_jws(JWS["valid"][0]["token"], p384.public_key(), typ=TYP),
        lambda: sign_jws(ed25519.Ed25519PrivateKey.generate(), {}, typ=TYP),  # type: ignore[arg-type]
        lambda: verify_jws(JWS["valid"][0]["token"], PRIVATE, typ=TYP),  # type: ignore[arg-type]
        lambda: private_key_pem(p384),
    ):
        with pytest.raises(KeyError_):
            call()


# --- sign / verify ---------------------------------------------------------------------------


def test_sign_then_verify_with_kid_and_extra_headers() -> None:
    claims = {"sub": "citizen-1", "name": "Trần Thị Thu", "nested": {"a": [1, 2]}}
    token = sign_jws(PRIVATE, claims, typ=TYP, kid="k1", extra_headers={"x5u": "https://x"})
    header = unverified_header(token)
    assert header == {"alg": "ES256", "typ": TYP, "kid": "k1", "x5u": "https://x"}
    assert verify_jws(token, PUBLIC, typ=TYP) == claims
    assert verify_jws(token, PUBLIC, typ=None) == claims
    with pytest.raises(InvalidSignature):
        verify_jws(token, OTHER_PUBLIC, typ=TYP)
    with pytest.raises(InvalidSignature):
        verify_jws(token, PUBLIC, typ="other+jwt")


@pytest.mark.parametrize("name", ["alg", "typ", "kid", "crit"])
def test_extra_headers_cannot_override_reserved_ones(name: str) -> None:
    with pytest.raises(CryptoError):
        sign_jws(PRIVATE, {}, typ=TYP, extra_headers={name: "none"})


@pytest.mark.parametrize("claims", [{"n": float("nan")}, {"b": b"bytes"}, {"s": {1, 2}}])
def test_unserialisable_claims_are_refused(claims: dict[str, Any]) -> None:
    with pytest.raises(CryptoError):
        sign_jws(PRIVATE, claims, typ=TYP)


def test_every_character_of_a_token_matters() -> None:
    token = sign_jws(PRIVATE, {"sub": "x"}, typ=TYP)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for index, char in enumerate(token):
        if char == ".":
            continue
        replacement = alphabet[(alphabet.index(char) + 32) % 64]  # changes a data bit
        with pytest.raises(InvalidSignature):
            verify_jws(token[:index] + replacement + token[index + 1 :], PUBLIC, typ=TYP)


def test_oversized_tokens_are_refused_before_parsing() -> None:
    token = sign_jws(PRIVATE, {"pad": "x" * MAX_JWS_LENGTH}, typ=TYP)
    with pytest.raises(InvalidSignature):
        verify_jws(token, PUBLIC, typ=TYP)
    with pytest.raises(InvalidSignature):
        unverified_header(token)


@pytest.mark.parametrize("token", ["", "a.b", "a.b.c.d", "!!.b.c", None, 5])
def test_unverified_header_refuses_malformed(token: Any) -> None:
    with pytest.raises(InvalidSignature):
        unverified_header(token)


def test_hs256_with_public_pem_is_refused_even_by_python_jose_path() -> None:
    forged = next(c for c in JWS["invalid"] if c["name"] == "HS256 keyed with the public key PEM")
    assert unverified_header(forged["token"])["alg"] == "HS256"
    with pytest.raises(InvalidSignature):
        verify_jws(forged["token"], PUBLIC, typ=TYP)


# --- client assertions (RFC 7523) ------------------------------------------------------------

CLIENT = "agency-123"
AUDIENCE = "https://wallet.example/v1/token"
NOW = 1_700_000_000


def test_client_assertion_round_trip() -> None:
    token = make_client_assertion(PRIVATE, CLIENT, AUDIENCE, now=NOW, jti="j-1", kid="k")
    header = unverified_header(token)
    assert header["typ"] == CLIENT_ASSERTION_TYP and header["kid"] == "k"
    checked = check_client_assertion(token, PUBLIC, client_id=CLIENT, audience=AUDIENCE, now=NOW)
    assert (checked.jti, checked.exp) == ("j-1", NOW + 60)


def test_client_assertion_jti_is_random_by_default() -> None:
    first = make_client_assertion(PRIVATE, CLIENT, AUDIENCE, now=NOW)
    second = make_client_assertion(PRIVATE, CLIENT, AUDIENCE, now=NOW)
    check = dict(client_id=CLIENT, audience=AUDIENCE, now=NOW)
    assert check_client_assertion(first, PUBLIC, **check).jti != (  # type: ignore[arg-type]
        check_client_assertion(second, PUBLIC, **check).jti  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("now", [NOW - 30, NOW, NOW + 59, NOW + 60, NOW + 89])
def test_client_assertion_time_window_accepts(now: int) -> None:
    token = make_client_assertion(PRIVATE, CLIENT, AUDIENCE, now=NOW)
    check_client_assertion(token, PUBLIC, client_id=CLIENT, audience=AUDIENCE, now=now)


@pytest.mark.parametrize("now", [NOW - 31, NOW + 90, NOW + 10_000])
def test_client_assertion_time_window_refuses(now: int) -> None:
    token = make_client_assertion(PRIVATE, CLIENT, AUDIENCE, now=NOW)
    with pytest.raises(InvalidSignature):
        check_client_assertion(token, PUBLIC, client_id=CLIENT, audience=AUDIENCE, now=now)


def _assertion(**claims: Any) -> str:
    base: dict[str, Any] = {
        "iss": CLIENT,
        "sub": CLIENT,
        "aud": AUDIENCE,
        "iat": NOW,
        "exp": NOW + 60,
        "jti": "j",
    }
    base.update(claims)
    return sign_jws(PRIVATE, {k: v for k, v in base.items() if v is not None}, typ=CLIENT_ASSERTION_TYP)


def test_client_assertion_audience_may_be_a_list() -> None:
    token = _assertion(aud=["https://other", AUDIENCE])
    check_client_assertion(token, PUBLIC, client_id=CLIENT, audience=AUDIENCE, now=NOW)


@pytest.mark.parametrize(
    "claims",
    [
        {"iss": "agency-999"},
        {"sub": "agency-999"},
        {"iss": None},
        {"aud": "https://other"},
        {"aud": ["https://other"]},
        {"aud": None},
        {"exp": NOW + 301, "iat": NOW},  # longer than max_lifetime
        {"exp": NOW, "iat": NOW},  # no lifetime at all
        {"exp": str(NOW + 60)},
        {"exp": True},
        {"iat": None},
        {"jti": None},
        {"jti": ""},
        {"jti": "x" * 300},
        {"nbf": NOW + 31},
        {"nbf": "soon"},
    ],
    ids=json.dumps,
)
def test_client_assertion_bad_claims(claims: dict[str, Any]) -> None:
    with pytest.raises(InvalidSignature):
        check_client_assertion(_assertion(**claims), PUBLIC, client_id=CLIENT, audience=AUDIENCE, now=NOW)


def _assertion_typed(typ: str | None) -> str:
    claims = {"iss": CLIENT, "sub": CLIENT, "aud": AUDIENCE, "iat": NOW, "exp": NOW + 60, "jti": "j"}
    if typ is not None:
        return sign_jws(PRIVATE, claims, typ=typ)
    # Built by hand: python-jose and sign_jws both add a typ.
    header = _b64(json.dumps({"alg": "ES256"}).encode())
    signing_input = f"{header}.{_b64(json.dumps(claims).encode())}"
    r, s = decode_dss_signature(PRIVATE.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
    return f"{signing_input}.{_b64(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.mark.parametrize("typ", [CLIENT_ASSERTION_TYP, "JWT", "jwt", None])
def test_client_assertion_takes_what_rfc7523_clients_send(typ: str | None) -> None:
    token = _assertion_typed(typ)
    assert ("typ" in jose_jws.get_unverified_header(token)) is (typ is not None)
    assert check_client_assertion(token, PUBLIC, client_id=CLIENT, audience=AUDIENCE, now=NOW).jti == "j"


@pytest.mark.parametrize("typ", ["dpop+jwt", "consent-decision+jwt", "kb+jwt", "dc+sd-jwt", "JOSE", ""])
def test_client_assertion_refuses_other_token_types(typ: str) -> None:
    with pytest.raises(InvalidSignature):
        check_client_assertion(_assertion_typed(typ), PUBLIC, client_id=CLIENT, audience=AUDIENCE, now=NOW)


def test_client_assertion_needs_its_claims_and_key() -> None:
    token = sign_jws(PRIVATE, {"iss": CLIENT}, typ="JWT")
    with pytest.raises(InvalidSignature):
        check_client_assertion(token, PUBLIC, client_id=CLIENT, audience=AUDIENCE, now=NOW)
    good = make_client_assertion(PRIVATE, CLIENT, AUDIENCE, now=NOW)
    with pytest.raises(InvalidSignature):
        check_client_assertion(good, OTHER_PUBLIC, client_id=CLIENT, audience=AUDIENCE, now=NOW)


@pytest.mark.parametrize("jwk", [None, "{}", ["kty", "EC"]])
def test_non_mapping_jwks_are_key_errors(jwk: Any) -> None:
    with pytest.raises(KeyError_):
        public_key_from_jwk(jwk)
    with pytest.raises(KeyError_):
        jwk_thumbprint(jwk)


def test_jwk_coordinates_must_be_base64url() -> None:
    jwk = dict(JWS["public_jwk"])
    jwk["x"] = "+" + jwk["x"][1:]  # right length, wrong alphabet
    with pytest.raises(KeyError_):
        public_key_from_jwk(jwk)
