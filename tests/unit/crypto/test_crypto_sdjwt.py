"""SD-JWT VC: issuing, parsing and verifying (crypto.sdjwt); the helpers the other sdjwt tests share.

Presenting and the hypothesis properties are in test_crypto_sdjwt_present.py (which
reuses the helpers here), vector-driven refusals in test_crypto_sdjwt_vectors.py, the
RFC 9901 examples in test_crypto_sdjwt_rfc9901.py, interoperability with the
reference in test_crypto_sdjwt_interop.py.
"""

import json
from typing import Any

import pytest
from crypto_testkit import load_vectors

from crypto import (
    CredentialError,
    CryptoError,
    EcPublicKey,
    IssuedCredential,
    KeyError_,
    StatusListReference,
    issue_sd_jwt_vc,
    load_private_key_pem,
    parse_sd_jwt,
    present,
    public_jwk,
    sign_jws,
    unverified_header,
    verify_jws,
    verify_presentation,
    verify_sd_jwt,
)
from crypto._encoding import b64url_decode, b64url_encode
from crypto._sdjwt_disclosures import digest
from crypto.errors import CREDENTIAL_FAILURES

KEYS = load_vectors("sdjwt.json")["keys"]
ISSUER, HOLDER, OTHER = (load_private_key_pem(KEYS[name].encode()) for name in ("issuer", "holder", "other"))
ISSUER_PUBLIC = ISSUER.public_key()
NOW, LIFETIME = 1767225600, 86400
ISS, KID, VCT = "https://issuer.example.gov.vn", "k1", "urn:vn:gov:birth-certificate:1"
NONCE, AUDIENCE = "nonce-1", "https://verifier.example.gov.vn"
STATUS = {"status_list": {"idx": 7, "uri": "https://issuer.example.gov.vn/status/1"}}
CLAIMS: dict[str, Any] = {
    "given_name": "Văn An",
    "family_name": "Nguyễn",
    "birthdate": "1990-05-01",
    "address": {"street_address": "12 Lê Lợi", "locality": "Huế", "region": {"code": "46", "name": "TT Huế"}},
    "nationalities": ["VN", "FR"],
    "parents": [{"name": "Nguyễn Văn B"}, {"name": "Trần Thị C"}],
    "age_over_18": True,
}


def issuer_key_for(iss: str, kid: str | None) -> EcPublicKey:
    if (iss, kid) != (ISS, KID):
        raise LookupError("unknown issuer")
    return ISSUER_PUBLIC


def issue(claims: dict[str, Any] | None = None, **overrides: Any) -> IssuedCredential:
    arguments: dict[str, Any] = {
        "kid": KID,
        "iss": ISS,
        "vct": VCT,
        "claims": CLAIMS if claims is None else claims,
    }
    arguments.update(holder_jwk=public_jwk(HOLDER), now=NOW, lifetime=LIFETIME, status=STATUS)
    arguments.update(overrides)
    return issue_sd_jwt_vc(ISSUER, **arguments)


ISSUED = issue(always_visible=("age_over_18",))


def show(disclose: Any, sd_jwt: str = ISSUED.sd_jwt, **overrides: Any) -> str:
    arguments: dict[str, Any] = {"holder_key": HOLDER, "nonce": NONCE, "audience": AUDIENCE, "now": NOW}
    arguments.update(overrides)
    return present(sd_jwt, disclose=disclose, **arguments)


def verify(presentation: str, **overrides: Any) -> Any:
    arguments: dict[str, Any] = {
        "issuer_key_for": issuer_key_for,
        "nonce": NONCE,
        "audience": AUDIENCE,
        "now": NOW,
    }
    arguments.update(overrides)
    return verify_presentation(presentation, **arguments)


def reason_of(call: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(CredentialError) as caught:
        call(*args, **kwargs)
    return caught.value.reason


def signed(payload: dict[str, Any], disclosures: list[str], *, typ: str = "dc+sd-jwt") -> str:
    """An SD-JWT of a hand-made payload, signed by the issuer: for structures we would never issue."""
    base = {"iss": ISS, "vct": VCT, "iat": NOW, "exp": NOW + LIFETIME, "cnf": {"jwk": public_jwk(HOLDER)}}
    return "~".join([sign_jws(ISSUER, {**base, **payload}, typ=typ, kid=KID), *disclosures, ""])


def disclosure(*items: Any) -> str:
    return b64url_encode(json.dumps(list(items)).encode())


# --- issuing ---------------------------------------------------------------------------------------


def test_issued_sd_jwt_has_the_profile_shape() -> None:
    header = unverified_header(ISSUED.issuer_signed_jwt)
    payload = verify_jws(ISSUED.issuer_signed_jwt, ISSUER_PUBLIC, typ="dc+sd-jwt")
    assert header == {"alg": "ES256", "typ": "dc+sd-jwt", "kid": KID}
    assert ISSUED.sd_jwt == "~".join([ISSUED.issuer_signed_jwt, *ISSUED.disclosures, ""])
    assert {name: payload[name] for name in ("iss", "vct", "iat", "exp", "status", "_sd_alg")} == {
        "iss": ISS,
        "vct": VCT,
        "iat": NOW,
        "exp": NOW + LIFETIME,
        "status": STATUS,
        "_sd_alg": "sha-256",
    }
    assert payload["cnf"] == {"jwk": public_jwk(HOLDER)}
    assert payload["age_over_18"] is True  # always visible
    assert payload["_sd"] == sorted(payload["_sd"]) and len(payload["_sd"]) == len(CLAIMS) - 1
    assert not {"given_name", "address", "nationalities"} & set(payload)


def test_no_claim_value_is_readable_without_its_disclosure() -> None:
    jwt_payload = b64url_decode(ISSUED.issuer_signed_jwt.split(".")[1]).decode()
    for value in ("Văn An", "Nguyễn", "Huế", "1990-05-01", "Trần Thị C"):  # (too short to test: "VN")
        assert value not in jwt_payload


def test_every_level_is_disclosable_and_salts_are_128_bit_and_fresh() -> None:
    decoded = [json.loads(b64url_decode(d)) for d in ISSUED.disclosures]
    names = sorted(item[1] for item in decoded if len(item) == 3)
    assert names == sorted(
        [
            "given_name",
            "family_name",
            "birthdate",
            "address",
            "street_address",
            "locality",
            "region",
            "code",
            "name",
            "nationalities",
            "parents",
            "name",
            "name",
        ]
    )
    assert sum(len(item) == 2 for item in decoded) == 4  # 2 nationalities, 2 parents
    salts = [item[0] for item in decoded]
    assert all(len(b64url_decode(salt)) == 16 for salt in salts) and len(set(salts)) == len(salts)


def test_holder_jwk_is_reduced_to_its_public_members() -> None:
    issued = issue(holder_jwk={**public_jwk(HOLDER), "kid": "device-1", "alg": "ES256", "use": "sig"})
    assert parse_sd_jwt(issued.sd_jwt).unverified_payload["cnf"] == {"jwk": public_jwk(HOLDER)}


def test_decoys_hide_the_number_of_claims_and_change_nothing_else() -> None:
    issued = issue({"given_name": "An"}, decoys=5)
    assert len(parse_sd_jwt(issued.sd_jwt).unverified_payload["_sd"]) == 6
    assert len(issued.disclosures) == 1
    assert verify_sd_jwt(issued.sd_jwt, issuer_key_for=issuer_key_for, now=NOW).claims == {"given_name": "An"}


@pytest.mark.parametrize(
    "claims",
    [
        {"iss": "x"},
        {"vct": "x"},
        {"cnf": {}},
        {"exp": 1},
        {"status": {}},
        {"_sd": []},
        {"_sd_alg": "x"},
        {"...": 1},
        {"a": {"_sd": []}},
        {"a": [{"...": "x"}]},
        {1: "x"},
        {"a": {1: "x"}},
        {"a": {1, 2}},
        {"a": float("nan")},
        {"a": "\ud800"},
    ],
    ids=repr,
)
def test_claims_that_cannot_be_issued(claims: dict[Any, Any]) -> None:
    with pytest.raises(CryptoError) as caught:
        issue(claims)
    assert type(caught.value) is CryptoError


def test_always_visible_claims_are_checked_too() -> None:
    with pytest.raises(CryptoError):
        issue({"a": {"_sd": ["x"]}}, always_visible=("a",))
    with pytest.raises(CryptoError):
        issue({"a": [1, {2}]}, always_visible=("a",))


def test_claims_nested_too_deeply() -> None:
    deep: Any = "leaf"
    for _ in range(40):
        deep = {"a": deep}
    with pytest.raises(CryptoError):
        issue({"deep": deep})


@pytest.mark.parametrize(
    "overrides",
    [
        {"iss": ""},
        {"vct": ""},
        {"lifetime": 0},
        {"now": "1"},
        {"decoys": -1},
        {"status": {"status_list": {"idx": -1, "uri": "u"}}},
        {"status": {"status_list": {"idx": True, "uri": "u"}}},
        {"status": {"status_list": {"idx": 1}}},
        {"status": {"status_list": {"idx": 1, "uri": "u"}, "x": 1}},
    ],
    ids=repr,
)
def test_bad_issuing_arguments(overrides: dict[str, Any]) -> None:
    with pytest.raises(CryptoError):
        issue({"a": 1}, **overrides)


def test_holder_jwk_must_be_a_public_p256_key() -> None:
    with pytest.raises(KeyError_):
        issue(holder_jwk={**public_jwk(HOLDER), "d": "AAAA"})
    with pytest.raises(KeyError_):
        issue(holder_jwk={"kty": "OKP", "crv": "Ed25519", "x": "AAAA"})


# --- verifying the issued form ---------------------------------------------------------------------


def test_verify_sd_jwt_returns_every_claim_and_the_registered_ones_apart() -> None:
    credential = verify_sd_jwt(ISSUED.sd_jwt, issuer_key_for=issuer_key_for, now=NOW)
    assert credential.claims == CLAIMS
    assert (credential.issuer, credential.kid, credential.vct) == (ISS, KID, VCT)
    assert (credential.iat, credential.exp) == (NOW, NOW + LIFETIME)
    assert credential.holder_jwk == public_jwk(HOLDER)
    assert credential.status == StatusListReference(idx=7, uri=STATUS["status_list"]["uri"])


def test_status_is_optional() -> None:
    issued = issue({"a": 1}, status=None)
    assert verify_sd_jwt(issued.sd_jwt, issuer_key_for=issuer_key_for, now=NOW).status is None


@pytest.mark.parametrize(
    ("now", "reason"),
    [
        (NOW + LIFETIME + 29, None),
        (NOW + LIFETIME + 30, "expired"),
        (NOW - 30, None),
        (NOW - 31, "not_yet_valid"),
    ],
)
def test_validity_window_with_leeway(now: int, reason: str | None) -> None:
    if reason is None:
        verify_sd_jwt(ISSUED.sd_jwt, issuer_key_for=issuer_key_for, now=now)
    else:
        assert reason_of(verify_sd_jwt, ISSUED.sd_jwt, issuer_key_for=issuer_key_for, now=now) == reason
    assert reason_of(verify_sd_jwt, ISSUED.sd_jwt, issuer_key_for=issuer_key_for, now=NOW - 1, leeway=0) == (
        "not_yet_valid"
    )


def test_issuer_lookup_gets_iss_and_kid_and_its_refusals_are_unknown_issuer() -> None:
    seen: list[tuple[str, str | None]] = []

    def lookup(iss: str, kid: str | None) -> EcPublicKey:
        seen.append((iss, kid))
        return ISSUER_PUBLIC

    verify_sd_jwt(ISSUED.sd_jwt, issuer_key_for=lookup, now=NOW)
    assert seen == [(ISS, KID)]

    def refusing(error: Exception) -> Any:
        def lookup(iss: str, kid: str | None) -> EcPublicKey:
            raise error

        return lookup

    for lookup_fn in (
        refusing(KeyError(KID)),
        refusing(KeyError_("retired")),
        lambda i, k: None,
        lambda i, k: ISSUER,
    ):
        assert reason_of(verify_sd_jwt, ISSUED.sd_jwt, issuer_key_for=lookup_fn, now=NOW) == "unknown_issuer"
    with pytest.raises(ZeroDivisionError):  # a bug in the lookup is not turned into a verdict
        verify_sd_jwt(ISSUED.sd_jwt, issuer_key_for=lambda i, k: 1 // 0, now=NOW)


@pytest.mark.parametrize(
    ("payload", "disclosures", "reason"),
    [
        ({"_sd": [digest(disclosure("s", "x"))]}, [disclosure("s", "x")], "malformed"),  # element in _sd
        (
            {"a": [{"...": digest(disclosure("s", "k", 1))}]},
            [disclosure("s", "k", 1)],
            "malformed",
        ),  # member in array
        (
            {"a": [{"...": digest(disclosure("s", 1)), "b": 2}]},
            [disclosure("s", 1)],
            "malformed",
        ),  # extra key
        (
            {"k": 0, "_sd": [digest(disclosure("s", "k", 1))]},
            [disclosure("s", "k", 1)],
            "malformed",
        ),  # name clash
        (
            {"_sd": [digest(disclosure("s", "exp", 1))]},
            [disclosure("s", "exp", 1)],
            "malformed",
        ),  # registered
        ({"_sd": "not-a-list"}, [], "malformed"),
        ({"_sd": [1]}, [], "malformed"),
        ({"a": [{"...": 1}]}, [], "malformed"),
        ({"a": {"_sd": ["x"]}, "b": {"_sd": ["x"]}}, [], "malformed"),  # one digest in two places
        ({"_sd": []}, [disclosure("s", "_sd", 1)], "malformed"),  # reserved name
        ({"_sd": []}, [disclosure("s", "...", 1)], "malformed"),
        ({"_sd": []}, [disclosure(1, "k", 1)], "malformed"),  # salt not a string
        ({"_sd": []}, [disclosure("s")], "malformed"),
        ({"_sd": []}, [disclosure("s", "k", 1, 2)], "malformed"),
        ({"_sd": []}, [b64url_encode(b'{"s": 1}')], "malformed"),
        ({"_sd": []}, [b64url_encode(b'["s", "k", {"a": 1, "a": 2}]')], "malformed"),  # duplicate member
        ({"_sd": []}, [b64url_encode(b'["s", "k", NaN]')], "malformed"),
        ({"_sd": []}, [b64url_encode(b'["s", "k", 1], "x": [1]')], "malformed"),  # not one JSON value
        ({"_sd": []}, [b64url_encode(b'["s", "k", "\xff"]')], "malformed"),  # not UTF-8
        ({"_sd": []}, [disclosure("s", "k", 1) + "="], "malformed"),  # padded
        ({"_sd": []}, [disclosure("s", "k", 1)], "disclosure_not_in_sd_jwt"),
        ({"status": {"other_mechanism": {}}}, [], "malformed"),  # a status we cannot read
    ],
)
def test_structures_refused_on_verify(payload: dict[str, Any], disclosures: list[str], reason: str) -> None:
    text = signed(payload, disclosures)
    assert reason_of(verify_sd_jwt, text, issuer_key_for=issuer_key_for, now=NOW) == reason


def test_a_disclosure_reached_through_an_undisclosed_one_is_not_in_the_sd_jwt() -> None:
    """RFC 9901 §7.1 step 5: ``address.locality`` alone, without ``address`` itself."""
    parsed = parse_sd_jwt(ISSUED.sd_jwt)
    locality = next(d for d in parsed.disclosures if '"locality"' in b64url_decode(d).decode())
    text = "~".join([ISSUED.issuer_signed_jwt, locality, ""])
    assert (
        reason_of(verify_sd_jwt, text, issuer_key_for=issuer_key_for, now=NOW) == "disclosure_not_in_sd_jwt"
    )


def test_oversized_or_non_ascii_input_is_malformed_before_parsing() -> None:
    for text in ("x" * (256 * 1024 + 1), ISSUED.sd_jwt.replace("~", "˜", 1), b"bytes", None):
        assert reason_of(verify_sd_jwt, text, issuer_key_for=issuer_key_for, now=NOW) == "malformed"


# --- parsing (untrusted) ---------------------------------------------------------------------------


def test_parse_names_everything_unverified() -> None:
    presentation = show(["given_name"])
    parsed = parse_sd_jwt(presentation)
    assert parsed.issuer_signed_jwt == ISSUED.issuer_signed_jwt
    assert parsed.unverified_header["typ"] == "dc+sd-jwt"
    assert (
        parsed.unverified_claims["given_name"] == "Văn An" and "family_name" not in parsed.unverified_claims
    )
    assert parsed.key_binding_jwt == presentation.rsplit("~", 1)[1] and len(parsed.disclosures) == 1
    assert parse_sd_jwt(ISSUED.sd_jwt).key_binding_jwt is None


def test_parse_does_not_check_signatures_but_refuses_garbage() -> None:
    header, payload, _ = ISSUED.issuer_signed_jwt.split(".")
    forged = f"{header}.{payload}.{b64url_encode(bytes(64))}~"
    assert parse_sd_jwt(forged).unverified_payload["iss"] == ISS
    for text in ("", "~", "a.b~", "not a jwt~", ISSUED.sd_jwt + "~"):
        assert reason_of(parse_sd_jwt, text) == "malformed"


# --- errors ---------------------------------------------------------------------------------------


def test_error_reasons_are_a_closed_set() -> None:
    assert "bad_key_binding" in CREDENTIAL_FAILURES and len(CREDENTIAL_FAILURES) == 15
    error = CredentialError("expired")
    assert (error.code, error.reason, str(error)) == (
        "invalid_credential",
        "expired",
        f"{error.description}: expired",
    )
    assert isinstance(error, CryptoError)
    with pytest.raises(ValueError):
        CredentialError("because")  # type: ignore[arg-type]


# --- registered claims the SD-JWT VC draft leaves to the issuer --------------------------------


def _hand_made(claims: dict[str, Any], payload_extra: dict[str, Any], drop: tuple[str, ...] = ()) -> str:
    """An SD-JWT VC built by hand: ``claims`` all disclosable (``iat`` may be among them)."""
    from crypto._sdjwt_core import join
    from crypto._sdjwt_disclosures import conceal_claims

    members, disclosures = conceal_claims(claims, always_visible=(), decoys=0)
    payload: dict[str, Any] = {
        "iss": ISS,
        "vct": VCT,
        "iat": NOW,
        "exp": NOW + LIFETIME,
        "cnf": {"jwk": public_jwk(HOLDER)},
        "_sd_alg": "sha-256",
        **members,
        **payload_extra,
    }
    for name in drop:
        payload.pop(name)
    return join(sign_jws(ISSUER, payload, typ="dc+sd-jwt", kid=KID), disclosures)


def test_iat_may_be_selectively_disclosed() -> None:
    """draft-ietf-oauth-sd-jwt-vc §3.2.2.2: ``iat`` MAY be in a Disclosure."""
    text = _hand_made({"given_name": "An", "iat": NOW - 60}, {}, drop=("iat",))
    verified = verify_sd_jwt(text, issuer_key_for=issuer_key_for, now=NOW)
    assert verified.iat == NOW - 60 and verified.claims == {"given_name": "An"}
    hidden = present(
        text, disclose=["given_name"], holder_key=HOLDER, nonce=NONCE, audience=AUDIENCE, now=NOW
    )
    shown = verify_presentation(
        hidden, issuer_key_for=issuer_key_for, nonce=NONCE, audience=AUDIENCE, now=NOW
    )
    assert shown.iat is None and shown.claims == {"given_name": "An"}


@pytest.mark.parametrize(
    "claims, drop, reason",
    [
        ({"given_name": "An", "iat": NOW - 60}, (), "malformed"),  # iat twice: payload and Disclosure
        ({"given_name": "An", "iat": "yesterday"}, ("iat",), "malformed"),
        ({"given_name": "An", "iat": NOW + 3600}, ("iat",), "not_yet_valid"),
        ({"given_name": "An", "exp": NOW + 60}, ("exp",), "missing_expiry"),  # exp may not be disclosable
        ({"given_name": "An"}, ("exp",), "missing_expiry"),
        ({"given_name": "An", "vct": VCT}, (), "malformed"),
    ],
)
def test_registered_claims_in_disclosures(claims: dict[str, Any], drop: tuple[str, ...], reason: str) -> None:
    with pytest.raises(CredentialError) as refused:
        verify_sd_jwt(_hand_made(claims, {}, drop=drop), issuer_key_for=issuer_key_for, now=NOW)
    assert refused.value.reason == reason
