"""DPoP proofs (RFC 9449); vectors in dpop.json, including the RFC's own example."""

from typing import Any

import pytest
from crypto_testkit import load_vectors

from crypto import (
    CryptoError,
    DpopProof,
    InvalidSignature,
    check_dpop_proof,
    generate_private_key,
    jwk_thumbprint,
    load_private_key_pem,
    make_dpop_proof,
    public_jwk,
    unverified_header,
    verify_jws,
)
from crypto.dpop import DPOP_TYP, access_token_hash

VECTORS = load_vectors("dpop.json")
RFC = VECTORS["rfc9449"]
NOW, METHOD, URL, TOKEN = VECTORS["now"], VECTORS["method"], VECTORS["url"], VECTORS["access_token"]
KEY = load_private_key_pem(load_vectors("jws.json")["private_key_pem"].encode())


def check(proof: str, **overrides: Any) -> DpopProof:
    arguments: dict[str, Any] = {"method": METHOD, "url": URL, "now": NOW, "access_token": TOKEN}
    arguments.update(overrides)
    return check_dpop_proof(proof, **arguments)


# --- RFC 9449 example ------------------------------------------------------------------------


def test_rfc9449_example_proof() -> None:
    result = check_dpop_proof(
        RFC["proof"], method=RFC["method"], url=RFC["url"], now=RFC["iat"] + 10, access_token=None
    )
    assert result == DpopProof(jkt=RFC["jkt"], jti=RFC["jti"], iat=RFC["iat"])


def test_rfc9449_example_is_stale_later_and_bound_to_its_request() -> None:
    proof, iat = RFC["proof"], RFC["iat"]
    with pytest.raises(InvalidSignature):
        check_dpop_proof(proof, method="POST", url=RFC["url"], now=iat + 61, access_token=None)
    with pytest.raises(InvalidSignature):
        check_dpop_proof(proof, method="GET", url=RFC["url"], now=iat, access_token=None)
    with pytest.raises(InvalidSignature):
        check_dpop_proof(proof, method="POST", url=RFC["url"], now=iat, access_token="t")


def test_rfc9449_ath_example() -> None:
    assert access_token_hash(RFC["access_token"]) == RFC["ath"]


# --- project vectors -------------------------------------------------------------------------


@pytest.mark.parametrize("case", VECTORS["valid"], ids=lambda c: c["name"])
def test_valid_proofs(case: dict[str, str]) -> None:
    result = check(case["proof"])
    assert result.jkt == VECTORS["jkt"] and result.iat == NOW and result.jti == "proof-1"


@pytest.mark.parametrize("case", VECTORS["invalid"], ids=lambda c: c["name"])
def test_invalid_proofs(case: dict[str, str]) -> None:
    with pytest.raises(InvalidSignature):
        check(case["proof"])


# --- make and check --------------------------------------------------------------------------


def test_made_proof_has_the_rfc_shape() -> None:
    proof = make_dpop_proof(KEY, "POST", URL + "?q=1#frag", now=NOW, access_token=TOKEN, jti="j")
    header = unverified_header(proof)
    assert header == {"typ": DPOP_TYP, "alg": "ES256", "jwk": public_jwk(KEY)}
    claims = verify_jws(proof, KEY.public_key(), typ=DPOP_TYP)
    assert claims == {"jti": "j", "htm": "POST", "htu": URL, "iat": NOW, "ath": access_token_hash(TOKEN)}


def test_make_and_check_round_trip_ignoring_query() -> None:
    proof = make_dpop_proof(KEY, "GET", URL + "?page=2", now=NOW, access_token=TOKEN)
    result = check(proof, url=URL + "?page=3#x")
    assert result.jkt == jwk_thumbprint(public_jwk(KEY))
    assert len(result.jti) >= 16


def test_jti_is_random_and_nonce_is_carried() -> None:
    first = make_dpop_proof(KEY, "GET", URL, now=NOW)
    second = make_dpop_proof(KEY, "GET", URL, now=NOW, nonce="server-nonce")
    assert check(first, access_token=None).jti != check(second, access_token=None).jti
    assert verify_jws(second, KEY.public_key(), typ=DPOP_TYP)["nonce"] == "server-nonce"


@pytest.mark.parametrize(
    ("proof_url", "request_url"),
    [
        ("https://wallet.example/v1/me", "https://WALLET.EXAMPLE/v1/me"),
        ("https://wallet.example:443/v1/me", "https://wallet.example/v1/me"),
        ("http://wallet.example:80/x", "HTTP://wallet.example/x"),
        ("https://wallet.example", "https://wallet.example/"),
        ("http://127.0.0.1:8000/v1/me", "http://127.0.0.1:8000/v1/me?x=1"),
        ("http://[::1]:8000/v1/me", "http://[::1]:8000/v1/me"),
    ],
)
def test_equivalent_urls_match(proof_url: str, request_url: str) -> None:
    proof = make_dpop_proof(KEY, "GET", proof_url, now=NOW)
    check(proof, url=request_url, access_token=None)


@pytest.mark.parametrize(
    "request_url",
    [
        "https://wallet.example/v1/me/",
        "https://wallet.example/v1/ME",
        "http://wallet.example/v1/me",
        "https://wallet.example:8443/v1/me",
        "https://other.example/v1/me",
        "/v1/me",
        "not a url",
        "https://wallet.example:99999/v1/me",
    ],
)
def test_different_urls_are_refused(request_url: str) -> None:
    proof = make_dpop_proof(KEY, "GET", URL, now=NOW)
    with pytest.raises(InvalidSignature):
        check(proof, url=request_url, access_token=None)


@pytest.mark.parametrize("method", ["POST", "get", "PUT", ""])
def test_method_must_match_exactly(method: str) -> None:
    proof = make_dpop_proof(KEY, "GET", URL, now=NOW)
    with pytest.raises(InvalidSignature):
        check(proof, method=method, access_token=None)


@pytest.mark.parametrize("now", [NOW - 5, NOW, NOW + 30, NOW + 60])
def test_iat_window_accepts(now: int) -> None:
    check(make_dpop_proof(KEY, "GET", URL, now=NOW), now=now, access_token=None)


@pytest.mark.parametrize("now", [NOW - 6, NOW + 61, NOW + 3600])
def test_iat_window_refuses(now: int) -> None:
    with pytest.raises(InvalidSignature):
        check(make_dpop_proof(KEY, "GET", URL, now=NOW), now=now, access_token=None)


def test_window_is_configurable() -> None:
    proof = make_dpop_proof(KEY, "GET", URL, now=NOW)
    check(proof, now=NOW + 300, max_age=300, access_token=None)
    check(proof, now=NOW - 30, leeway=30, access_token=None)


def test_ath_checks() -> None:
    bound = make_dpop_proof(KEY, "GET", URL, now=NOW, access_token=TOKEN)
    unbound = make_dpop_proof(KEY, "GET", URL, now=NOW)
    check(bound)
    check(bound, access_token=None)  # ath present but not required
    with pytest.raises(InvalidSignature):
        check(bound, access_token=TOKEN + "x")
    with pytest.raises(InvalidSignature):
        check(unbound)  # a token is presented, so ath is required


def test_proof_by_another_key_has_another_thumbprint() -> None:
    other = generate_private_key()
    result = check(make_dpop_proof(other, "GET", URL, now=NOW), access_token=None)
    assert result.jkt == jwk_thumbprint(public_jwk(other)) != VECTORS["jkt"]


@pytest.mark.parametrize("url", ["/relative", "ftp://wallet.example/x", "https://", ""])
def test_make_refuses_a_non_http_url(url: str) -> None:
    with pytest.raises(CryptoError):
        make_dpop_proof(KEY, "GET", url, now=NOW)


@pytest.mark.parametrize("proof", ["", "abc", "a.b.c", "x" * 300_000])
def test_garbage_is_refused(proof: str) -> None:
    with pytest.raises(InvalidSignature):
        check(proof)


def test_overlong_urls_are_refused() -> None:
    proof = make_dpop_proof(KEY, "GET", URL, now=NOW)
    with pytest.raises(InvalidSignature):
        check(proof, url=URL + "/" + "a" * 5000, access_token=None)
