"""Interoperability with the OpenWallet Foundation reference implementation (PyPI ``sd-jwt``), both ways.

Where ``sd-jwt`` 0.10.4 does not follow RFC 9901 / SD-JWT VC, the adaptation is
made here, in the test, never in ``crypto.sdjwt``:

- it signs with ``typ`` ``example+sd-jwt`` unless told otherwise: we pass
  ``extra_header_parameters={"typ": "dc+sd-jwt", ...}`` (its default is refused,
  see ``test_reference_default_typ_is_not_an_sd_jwt_vc``);
- its holder stamps the KB-JWT ``iat`` with the wall clock (``time.time()``):
  we pin that clock with monkeypatch, as our API takes ``now``;
- its verifier checks no time at all (``exp``, ``nbf``, ``iat``, KB-JWT age), nor
  that every Disclosure is referenced by a digest (RFC 9901 §7.1 step 5), nor
  that a digest in an array (``...``) is met only once (step 4), nor that a
  Disclosure is not named ``_sd`` / ``...`` (step 3.2.2); it takes ``alg`` from
  the header (no allow-list of its own; jwcrypto refuses ``none``): the
  ``test_reference_accepts_...`` tests record where it accepts what we refuse.

Its ``sd_hash`` follows RFC 9901 §4.3.1 (hash of the ASCII ``<jwt>~<d>~...~``),
so presentations cross over without adaptation.
"""

import json
import time
from typing import Any

import pytest
import sd_jwt.holder
from hypothesis import given, settings
from hypothesis import strategies as st
from jwcrypto.jwk import JWK
from sd_jwt.common import SDObj
from sd_jwt.holder import SDJWTHolder
from sd_jwt.issuer import SDJWTIssuer
from sd_jwt.verifier import SDJWTVerifier

from crypto import (
    CredentialError,
    EcPrivateKey,
    EcPublicKey,
    generate_private_key,
    issue_sd_jwt_vc,
    parse_sd_jwt,
    present,
    private_key_pem,
    public_jwk,
    sign_jws,
    verify_presentation,
    verify_sd_jwt,
)
from crypto._encoding import b64url_decode, b64url_encode
from crypto._sdjwt_disclosures import digest

ISSUER, HOLDER = generate_private_key(), generate_private_key()
ISS, KID, VCT = "https://issuer.example.gov.vn", "issuer-1", "urn:vn:gov:citizen-id:1"
NONCE, AUDIENCE, NOW, LIFETIME = "5b6e0c", "https://verifier.example.gov.vn", 1767225600, 86400
REGISTERED = ("iss", "vct", "iat", "exp", "nbf", "cnf", "status")
CLAIMS: dict[str, Any] = {
    "given_name": "Văn An",
    "family_name": "Nguyễn",
    "birthdate": "1990-05-01",
    "address": {"street_address": "12 Lê Lợi", "locality": "Huế", "country": "VN"},
    "nationalities": ["VN", "FR"],
    "age_over_18": True,
}


def jwcrypto_key(key: EcPrivateKey, *, private: bool) -> JWK:
    return JWK.from_pem(private_key_pem(key)) if private else JWK.from_json(json.dumps(public_jwk(key)))


def issuer_key_for(iss: str, kid: str | None) -> EcPublicKey:
    if iss != ISS:
        raise LookupError(iss)
    return ISSUER.public_key()


def our_issue(claims: dict[str, Any] = CLAIMS, **overrides: Any) -> str:
    arguments: dict[str, Any] = {"kid": KID, "iss": ISS, "vct": VCT, "claims": claims, "now": NOW}
    arguments.update(holder_jwk=public_jwk(HOLDER), lifetime=LIFETIME, **overrides)
    return issue_sd_jwt_vc(ISSUER, **arguments).sd_jwt


def our_present(sd_jwt: str, disclose: Any) -> str:
    return present(sd_jwt, disclose=disclose, holder_key=HOLDER, nonce=NONCE, audience=AUDIENCE, now=NOW)


def our_verify(presentation: str, **overrides: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {"issuer_key_for": issuer_key_for, "nonce": NONCE, "audience": AUDIENCE}
    arguments.update({"now": NOW, **overrides})
    claims: dict[str, Any] = verify_presentation(presentation, **arguments).claims
    return claims


def ref_issue(user_claims: dict[Any, Any], *, typ: str | None = "dc+sd-jwt", decoys: bool = False) -> str:
    claims = {"iss": ISS, "vct": VCT, "iat": NOW, "exp": NOW + LIFETIME, **user_claims}
    headers = {} if typ is None else {"typ": typ, "kid": KID}
    issuer = SDJWTIssuer(
        claims,
        jwcrypto_key(ISSUER, private=True),
        jwcrypto_key(HOLDER, private=True),
        sign_alg="ES256",
        add_decoy_claims=decoys,
        extra_header_parameters=headers,
    )
    return str(issuer.sd_jwt_issuance)


def ref_present(sd_jwt: str, disclose: dict[str, Any]) -> str:
    holder = SDJWTHolder(sd_jwt)
    holder.create_presentation(disclose, NONCE, AUDIENCE, jwcrypto_key(HOLDER, private=True), "ES256")
    return str(holder.sd_jwt_presentation)


def ref_verify(presentation: str) -> dict[str, Any]:
    def key_for(iss: str, header: dict[str, Any]) -> JWK:
        assert iss == ISS
        return jwcrypto_key(ISSUER, private=False)

    payload: dict[str, Any] = SDJWTVerifier(presentation, key_for, AUDIENCE, NONCE).get_verified_payload()
    return {name: value for name, value in payload.items() if name not in REGISTERED}


@pytest.fixture(autouse=True)
def pinned_reference_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The reference holder reads ``time.time()`` for the KB-JWT ``iat``: pin it to ``NOW``."""
    monkeypatch.setattr(sd_jwt.holder, "time", lambda: float(NOW))


# --- ours -> reference --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("disclose", "expected"),
    [
        (["given_name", "age_over_18"], {"given_name": "Văn An"}),
        (["address.locality"], {"address": {"locality": "Huế"}}),
        (["address", "nationalities.1"], {"address": CLAIMS["address"], "nationalities": ["FR"]}),
    ],
)
def test_reference_verifies_what_we_issue_and_present(disclose: list[str], expected: dict[str, Any]) -> None:
    presentation = our_present(our_issue(always_visible=("age_over_18",)), disclose)
    assert ref_verify(presentation) == {"age_over_18": True, **expected}


def test_reference_holder_presents_what_we_issue_and_we_verify_it() -> None:
    disclose = {"given_name": True, "address": {"locality": True}, "nationalities": [True, False]}
    presentation = ref_present(our_issue(), disclose)
    expected = {"given_name": "Văn An", "address": {"locality": "Huế"}, "nationalities": ["VN"]}
    assert our_verify(presentation) == expected


# --- reference -> ours --------------------------------------------------------------------------

REF_CLAIMS: dict[Any, Any] = {
    SDObj("given_name"): "Văn An",
    "family_name": "Nguyễn",  # in clear
    SDObj("address"): {SDObj("locality"): "Huế", "country": "VN"},  # recursive
    "nationalities": [SDObj("VN"), "FR"],  # one array element disclosable
    SDObj("age_over_18"): True,
}
REF_PLAIN = {
    "given_name": "Văn An",
    "family_name": "Nguyễn",
    "address": {"locality": "Huế", "country": "VN"},
    "nationalities": ["VN", "FR"],
    "age_over_18": True,
}


@pytest.mark.parametrize("decoys", [False, True])
def test_we_verify_what_the_reference_issues(decoys: bool) -> None:
    credential = verify_sd_jwt(ref_issue(REF_CLAIMS, decoys=decoys), issuer_key_for=issuer_key_for, now=NOW)
    assert credential.claims == REF_PLAIN
    assert (credential.issuer, credential.kid, credential.vct) == (ISS, KID, VCT)
    assert credential.holder_jwk["x"] == public_jwk(HOLDER)["x"]  # it adds a `kid` member: accepted


def test_reference_holder_presentation_of_reference_credential_verifies_with_us() -> None:
    disclose = {"given_name": True, "address": {"locality": True}, "nationalities": [False]}
    presentation = ref_present(ref_issue(REF_CLAIMS, decoys=True), disclose)
    expected = {
        "given_name": "Văn An",
        "family_name": "Nguyễn",
        "address": {"locality": "Huế", "country": "VN"},
    }
    assert our_verify(presentation) == {**expected, "nationalities": ["FR"]}


def test_we_present_what_the_reference_issued_and_both_verify_it() -> None:
    presentation = our_present(
        ref_issue(REF_CLAIMS, typ="vc+sd-jwt"), ["address.locality", "nationalities.0"]
    )
    expected = {
        "family_name": "Nguyễn",
        "address": {"locality": "Huế", "country": "VN"},
        "nationalities": ["VN", "FR"],
    }
    assert our_verify(presentation) == expected == ref_verify(presentation)


def test_reference_default_typ_is_not_an_sd_jwt_vc() -> None:
    """Deviation: without extra headers it signs ``typ: example+sd-jwt`` (and no ``kid``)."""
    issued = ref_issue(REF_CLAIMS, typ=None)
    assert parse_sd_jwt(issued).unverified_header["typ"] == "example+sd-jwt"
    with pytest.raises(CredentialError) as caught:
        verify_sd_jwt(issued, issuer_key_for=issuer_key_for, now=NOW)
    assert caught.value.reason == "malformed"


# --- where the reference accepts what RFC 9901 / SD-JWT VC refuse --------------------------------


def test_reference_accepts_a_disclosure_not_in_the_sd_jwt() -> None:
    """RFC 9901 §7.1 step 5: a Disclosure no digest refers to MUST be refused. The reference ignores it."""
    foreign = parse_sd_jwt(our_issue()).disclosures[0]  # from another credential of the same issuer
    presented = our_present(our_issue(), ["given_name"]).rsplit("~", 1)[0] + "~" + foreign + "~"
    kb_claims = {"iat": NOW, "aud": AUDIENCE, "nonce": NONCE, "sd_hash": digest(presented)}
    presentation = presented + sign_jws(HOLDER, kb_claims, typ="kb+jwt")  # a KB-JWT right for it
    assert ref_verify(presentation) == {"given_name": "Văn An"}
    with pytest.raises(CredentialError) as caught:
        our_verify(presentation)
    assert caught.value.reason == "disclosure_not_in_sd_jwt"


def test_reference_accepts_an_expired_credential_and_a_stale_key_binding() -> None:
    """It checks neither ``exp`` (its own TODO) nor the KB-JWT ``iat``; we do both."""
    presentation = our_present(our_issue(), ["given_name"])
    assert ref_verify(presentation) == {"given_name": "Văn An"}
    with pytest.raises(CredentialError) as caught:
        our_verify(presentation, now=NOW + LIFETIME + 3600)
    assert caught.value.reason == "expired"
    with pytest.raises(CredentialError) as caught:
        our_verify(presentation, now=NOW + 3600)
    assert caught.value.reason == "stale_key_binding"


def _signed(payload: dict[str, Any], disclosure: str) -> str:
    claims = {"iss": ISS, "vct": VCT, "iat": NOW, "exp": NOW + LIFETIME, "cnf": {"jwk": public_jwk(HOLDER)}}
    return sign_jws(ISSUER, {**claims, **payload}, typ="dc+sd-jwt", kid=KID) + "~" + disclosure + "~"


@pytest.mark.parametrize(
    ("payload", "contents", "theirs"),
    [
        # §7.1 step 4: a digest met twice. The reference checks this for `_sd` only, not for `...`.
        ({"nationalities": [{"...": "D"}, {"...": "D"}]}, ["salt", "VN"], {"nationalities": ["VN", "VN"]}),
        # §7.1 step 3.2.2: a Disclosure may not be named `_sd` (or `...`). The reference takes it.
        ({"_sd": ["D"]}, ["salt", "_sd", 5], {"_sd": 5}),
    ],
    ids=["digest_twice_in_an_array", "disclosure_named__sd"],
)
def test_reference_accepts_structures_rfc_9901_refuses(
    payload: dict[str, Any], contents: list[Any], theirs: dict[str, Any]
) -> None:
    disclosure = b64url_encode(json.dumps(contents).encode())
    payload = json.loads(json.dumps(payload).replace('"D"', json.dumps(digest(disclosure))))
    text = _signed(payload, disclosure)
    reference = SDJWTVerifier(text, lambda iss, header: jwcrypto_key(ISSUER, private=False))
    assert {k: v for k, v in reference.get_verified_payload().items() if k not in REGISTERED} == theirs
    with pytest.raises(CredentialError) as caught:
        verify_sd_jwt(text, issuer_key_for=issuer_key_for, now=NOW)
    assert caught.value.reason == "malformed"


# --- property: any claims, both directions -------------------------------------------------------

_names = st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=6).filter(lambda n: n not in REGISTERED)
_scalars = (
    st.none() | st.booleans() | st.integers(-(2**31), 2**31) | st.text(max_size=8).filter(str.isprintable)
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_names, inner, max_size=3),
    max_leaves=6,
)


@settings(max_examples=25, deadline=None)
@given(claims=st.dictionaries(_names, _values, max_size=5), data=st.data())
def test_any_claims_cross_over_both_ways(claims: dict[str, Any], data: st.DataObject) -> None:
    chosen = sorted(data.draw(st.sets(st.sampled_from(sorted(claims)))) if claims else [])
    issued = our_issue(claims)
    assert ref_verify(our_present(issued, [(name,) for name in chosen])) == {
        name: claims[name] for name in chosen
    }
    ref_presented = ref_present(issued, {name: True for name in chosen})
    assert our_verify(ref_presented) == ref_verify(ref_presented)


def test_time_is_not_read_by_our_code() -> None:
    """Sanity for the pinned clock above: the reference really stamped ``NOW``."""
    kb = ref_present(our_issue(), {"given_name": True}).rsplit("~", 1)[1]
    assert json.loads(b64url_decode(kb.split(".")[1]))["iat"] == NOW != int(time.time())
