"""SD-JWT VC vectors (sdjwt.json): valid ones, and negative ones each with the reason it must fail for.

The file is made by ``build`` below; to remake it (same keys, fresh signatures):
``PYTHONPATH=. .venv/bin/python tests/unit/crypto/test_crypto_sdjwt_vectors.py``.
Hostile tokens (``alg: none``, HS256 keyed with the public key, a tampered
payload) are forged with ``json``/``base64``/``hmac`` directly; re-signed
variants use ``crypto.jose.sign_jws``, tested on its own elsewhere. Every
presentation whose fault is not in the Key Binding JWT carries a KB-JWT that is
right for it, so exactly one check fails.
"""

import base64
import hashlib
import hmac
import json
import sys
from typing import Any

import pytest
from crypto_testkit import VECTOR_DIR, load_vectors

from crypto import (
    CredentialError,
    EcPrivateKey,
    EcPublicKey,
    generate_private_key,
    issue_sd_jwt_vc,
    load_private_key_pem,
    present,
    private_key_pem,
    public_jwk,
    sign_jws,
    verify_presentation,
    verify_sd_jwt,
)

FILE = "sdjwt.json"
NOW = 1767225600  # 2026-01-01T00:00:00Z
ISS, KID, VCT = "https://issuer.example.gov.vn", "issuer-2026-01", "urn:vn:gov:citizen-id:1"
NONCE, AUDIENCE, LIFETIME = "c2VydmljZS1ub25jZS0x", "https://verifier.example.gov.vn", 365 * 86400
STATUS = {"status_list": {"idx": 1207, "uri": "https://issuer.example.gov.vn/status/3"}}
CLAIMS: dict[str, Any] = {
    "given_name": "Văn An",
    "family_name": "Nguyễn",
    "birthdate": "1990-05-01",
    "address": {"street_address": "12 Lê Lợi", "locality": "Huế", "country": "VN"},
    "nationalities": ["VN"],
    "age_over_18": True,
}
DISCLOSE = ("given_name", "address.locality")
PRESENTED_CLAIMS = {"age_over_18": True, "given_name": "Văn An", "address": {"locality": "Huế"}}


# --- forging helpers (no code under test) --------------------------------------------------------


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def segment(value: dict[str, Any]) -> str:
    return b64(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def parts_of(jwt: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    header, payload, signature = jwt.split(".")
    return json.loads(base64_text(header)), json.loads(base64_text(payload)), signature


def hmac_jwt(header: dict[str, Any], payload: dict[str, Any], secret: bytes) -> str:
    signing_input = f"{segment(header)}.{segment(payload)}"
    return f"{signing_input}.{b64(hmac.digest(secret, signing_input.encode(), 'sha256'))}"


def public_pem(key: EcPrivateKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def sd_hash(presented: str) -> str:
    return b64(hashlib.sha256(presented.encode("ascii")).digest())


def joined(jwt: str, disclosures: list[str]) -> str:
    return "~".join([jwt, *disclosures, ""])


# --- the builder ---------------------------------------------------------------------------------


class Builder:
    """Makes every case from three keys: issuer, holder, and an unrelated one."""

    def __init__(self, issuer: EcPrivateKey, holder: EcPrivateKey, other: EcPrivateKey) -> None:
        self.issuer, self.holder, self.other = issuer, holder, other
        self.issued = self.issue(NOW - 60)
        self.jwt = self.issued.issuer_signed_jwt
        self.header, self.payload, self.signature = parts_of(self.jwt)
        self.foreign = self.issue(NOW - 60).disclosures[0]  # same issuer, another credential

    def issue(self, now: int, **overrides: Any) -> Any:
        arguments: dict[str, Any] = {"kid": KID, "iss": ISS, "vct": VCT, "claims": CLAIMS}
        arguments.update(holder_jwk=public_jwk(self.holder), now=now, lifetime=LIFETIME, status=STATUS)
        arguments.update(always_visible=("age_over_18",), **overrides)
        return issue_sd_jwt_vc(self.issuer, **arguments)

    def disclosure(self, name: str) -> str:
        return next(d for d in self.issued.disclosures if f'"{name}"' in base64_text(d))

    def resigned(self, *, typ: str = "dc+sd-jwt", kid: str = KID, **changes: Any) -> str:
        payload = {**self.payload, **changes}
        payload = {name: value for name, value in payload.items() if value is not None}
        return sign_jws(self.issuer, payload, typ=typ, kid=kid)

    def kb(
        self, presented: str, *, key: EcPrivateKey | None = None, typ: str = "kb+jwt", **changes: Any
    ) -> str:
        claims = {"iat": NOW, "aud": AUDIENCE, "nonce": NONCE, "sd_hash": sd_hash(presented), **changes}
        claims = {name: value for name, value in claims.items() if value is not None}
        return sign_jws(key or self.holder, claims, typ=typ)

    def presentation(self, jwt: str, disclosures: list[str], **kb_changes: Any) -> str:
        presented = joined(jwt, disclosures)
        return presented + self.kb(presented, **kb_changes)

    def chosen(self) -> list[str]:
        return [self.disclosure("given_name"), self.disclosure("address"), self.disclosure("locality")]

    def forged_issuer_jwts(self) -> dict[str, tuple[str, str]]:
        """Issuer-signed JWTs that are not the issuer's ES256 signature, each with its reason."""
        header, payload, signature = segment(self.header), segment(self.payload), self.signature
        tampered = segment({**self.payload, "exp": self.payload["exp"] + 10 * LIFETIME})
        flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
        none = segment({"alg": "none", "typ": "dc+sd-jwt", "kid": KID})
        hs256 = {"alg": "HS256", "typ": "dc+sd-jwt", "kid": KID}
        return {
            "tampered_payload": (f"{header}.{tampered}.{signature}", "bad_signature"),
            "tampered_signature": (f"{header}.{payload}.{flipped}", "bad_signature"),
            "signed_by_another_key": (
                sign_jws(self.other, self.payload, typ="dc+sd-jwt", kid=KID),
                "bad_signature",
            ),
            "alg_none_unsigned": (f"{none}.{payload}.", "malformed"),
            "alg_none_with_signature": (f"{none}.{payload}.{signature}", "unsupported_algorithm"),
            "hs256_keyed_with_public_pem": (
                hmac_jwt(hs256, self.payload, public_pem(self.issuer)),
                "unsupported_algorithm",
            ),
            "hs256_keyed_with_public_jwk": (
                hmac_jwt(hs256, self.payload, json.dumps(public_jwk(self.issuer)).encode()),
                "unsupported_algorithm",
            ),
        }

    def resigned_issuer_jwts(self) -> dict[str, tuple[str, str]]:
        """Issuer-signed JWTs with one header or claim wrong, each with its reason."""
        sd, bad_jwk = self.payload["_sd"], {**public_jwk(self.holder), "d": "AA"}
        return {
            "unknown_kid": (self.resigned(kid="retired-2019"), "unknown_issuer"),
            "unknown_iss": (self.resigned(iss="https://issuer.example.com"), "unknown_issuer"),
            "typ_jwt": (self.resigned(typ="JWT"), "malformed"),
            "no_vct": (self.resigned(vct=None), "malformed"),
            "no_cnf": (self.resigned(cnf=None), "malformed"),
            "cnf_with_private_key": (self.resigned(cnf={"jwk": bad_jwk}), "malformed"),
            "status_without_idx": (self.resigned(status={"status_list": {"uri": ISS}}), "malformed"),
            "expired": (self.issue(NOW - LIFETIME - 3600).issuer_signed_jwt, "expired"),
            "issued_in_the_future": (self.issue(NOW + 3600).issuer_signed_jwt, "not_yet_valid"),
            "nbf_in_the_future": (self.resigned(nbf=NOW + 3600), "not_yet_valid"),
            "sd_alg_sha512": (self.resigned(_sd_alg="sha-512"), "unsupported_algorithm"),
            "digest_twice_in_payload": (self.resigned(_sd=sorted([*sd, sd[0]])), "malformed"),
        }

    def sd_jwt_cases(self) -> list[dict[str, str]]:
        """Cases for verify_sd_jwt: bad issuer JWTs (with every Disclosure), bad Disclosures, bad form."""
        every = list(self.issued.disclosures)
        cases = {
            name: (joined(jwt, every), reason) for name, (jwt, reason) in self.forged_issuer_jwts().items()
        }
        cases.update(
            (name, (joined(jwt, every), why)) for name, (jwt, why) in self.resigned_issuer_jwts().items()
        )
        cases["disclosure_not_in_sd_jwt"] = (
            joined(self.jwt, [*every, self.foreign]),
            "disclosure_not_in_sd_jwt",
        )
        cases["duplicate_disclosure"] = (joined(self.jwt, [*every, every[0]]), "duplicate_disclosure")
        cases["empty_disclosure"] = (self.jwt + "~~", "malformed")
        cases["no_tilde"] = (self.jwt, "malformed")
        cases["with_key_binding"] = (self.presentation(self.jwt, self.chosen()), "malformed")
        return [case("sd_jwt", name, text, reason) for name, (text, reason) in cases.items()]

    def presentation_cases(self) -> list[dict[str, str]]:
        """Cases for verify_presentation: a bad Key Binding JWT, or a presentation wrong otherwise."""
        chosen, jwt, show = self.chosen(), self.jwt, self.presentation
        presented = joined(jwt, chosen)
        kb_claims = {"iat": NOW, "aud": AUDIENCE, "nonce": NONCE, "sd_hash": sd_hash(presented)}
        kb_none = (
            f"{segment({'alg': 'none', 'typ': 'kb+jwt'})}.{segment(kb_claims)}.{show(jwt, chosen)[-86:]}"
        )
        kb_hs256 = hmac_jwt({"alg": "HS256", "typ": "kb+jwt"}, kb_claims, public_pem(self.holder))
        expired = self.issue(NOW - LIFETIME - 3600).issuer_signed_jwt
        cases = {
            "wrong_nonce": (show(jwt, chosen, nonce="another-nonce"), "wrong_nonce"),
            "wrong_audience": (show(jwt, chosen, aud="https://evil.example"), "wrong_audience"),
            "audience_as_list": (show(jwt, chosen, aud=[AUDIENCE]), "wrong_audience"),
            "disclosure_dropped_after_signing": (
                joined(jwt, chosen[1:]) + show(jwt, chosen).rsplit("~", 1)[1],
                "sd_hash_mismatch",
            ),
            "sd_hash_of_the_issued_sd_jwt": (
                show(jwt, chosen, sd_hash=sd_hash(self.issued.sd_jwt)),
                "sd_hash_mismatch",
            ),
            "kb_too_old": (show(jwt, chosen, iat=NOW - 301), "stale_key_binding"),
            "kb_from_the_future": (show(jwt, chosen, iat=NOW + 3600), "stale_key_binding"),
            "kb_without_iat": (show(jwt, chosen, iat=None), "bad_key_binding"),
            "kb_signed_by_another_key": (show(jwt, chosen, key=self.other), "bad_key_binding"),
            "kb_typ_jwt": (show(jwt, chosen, typ="JWT"), "bad_key_binding"),
            "kb_alg_none": (presented + kb_none, "bad_key_binding"),
            "kb_hs256_keyed_with_public_key": (presented + kb_hs256, "bad_key_binding"),
            "missing_key_binding": (self.issued.sd_jwt, "missing_key_binding"),
            "disclosure_not_in_sd_jwt": (show(jwt, [*chosen, self.foreign]), "disclosure_not_in_sd_jwt"),
            "duplicate_disclosure": (show(jwt, [*chosen, chosen[0]]), "duplicate_disclosure"),
            "expired_credential": (show(expired, []), "expired"),
        }
        return [case("presentation", name, text, reason) for name, (text, reason) in cases.items()]

    def vectors(self) -> dict[str, Any]:
        """The whole file."""
        legacy = joined(self.resigned(typ="vc+sd-jwt"), list(self.issued.disclosures))
        good = present(
            self.issued.sd_jwt,
            disclose=DISCLOSE,
            holder_key=self.holder,
            nonce=NONCE,
            audience=AUDIENCE,
            now=NOW,
        )
        keys = (("issuer", self.issuer), ("holder", self.holder), ("other", self.other))
        return {
            "_comment": __doc__.split("\n\n")[0] + " Made by tests/unit/crypto/test_crypto_sdjwt_vectors.py.",
            **{"now": NOW, "iss": ISS, "kid": KID, "vct": VCT, "nonce": NONCE, "audience": AUDIENCE},
            "keys": {name: private_key_pem(key).decode() for name, key in keys},
            "valid": [
                {"name": "issued", "check": "sd_jwt", "text": self.issued.sd_jwt, "claims": CLAIMS},
                {"name": "legacy_typ_vc+sd-jwt", "check": "sd_jwt", "text": legacy, "claims": CLAIMS},
                {"name": "presentation", "check": "presentation", "text": good, "claims": PRESENTED_CLAIMS},
            ],
            "invalid": self.sd_jwt_cases() + self.presentation_cases(),
        }


def case(check: str, name: str, text: str, reason: str) -> dict[str, str]:
    return {"name": name, "check": check, "text": text, "reason": reason}


def base64_text(text: str) -> str:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("utf-8")


def keys_of(vectors: dict[str, Any]) -> tuple[EcPrivateKey, EcPrivateKey, EcPrivateKey]:
    pems = vectors["keys"]
    issuer, holder, other = (
        load_private_key_pem(pems[name].encode()) for name in ("issuer", "holder", "other")
    )
    return issuer, holder, other


# --- the checks ----------------------------------------------------------------------------------


VECTORS = load_vectors(FILE) if (VECTOR_DIR / FILE).exists() else {}  # absent only before `main` runs
ISSUER_KEY = keys_of(VECTORS)[0].public_key() if VECTORS else None


def issuer_key_for(iss: str, kid: str | None) -> EcPublicKey:
    if (iss, kid) != (ISS, KID) or ISSUER_KEY is None:
        raise LookupError("no such issuer key")
    return ISSUER_KEY


def check(case: dict[str, Any]) -> Any:
    if case["check"] == "sd_jwt":
        return verify_sd_jwt(case["text"], issuer_key_for=issuer_key_for, now=NOW)
    return verify_presentation(
        case["text"], issuer_key_for=issuer_key_for, nonce=NONCE, audience=AUDIENCE, now=NOW
    )


@pytest.mark.parametrize("case", VECTORS.get("valid", []), ids=lambda c: c["name"])
def test_valid_vectors(case: dict[str, Any]) -> None:
    credential = check(case)
    assert credential.claims == case["claims"]
    assert (credential.issuer, credential.kid, credential.vct) == (ISS, KID, VCT)
    assert credential.status is not None and credential.status.idx == STATUS["status_list"]["idx"]


@pytest.mark.parametrize("case", VECTORS.get("invalid", []), ids=lambda c: f"{c['check']}-{c['name']}")
def test_invalid_vectors(case: dict[str, Any]) -> None:
    with pytest.raises(CredentialError) as caught:
        check(case)
    assert caught.value.reason == case["reason"]
    assert caught.value.code == "invalid_credential"
    message = str(caught.value)
    assert not any(str(value) in message for value in ("Văn An", "Nguyễn", "Huế", "1990-05-01", NONCE))


def test_the_builder_still_makes_the_same_cases() -> None:
    """Fresh signatures, same names and reasons: the file and its builder have not drifted apart."""
    fresh = Builder(*keys_of(VECTORS)).vectors()
    assert [(c["name"], c["check"], c["reason"]) for c in fresh["invalid"]] == [
        (c["name"], c["check"], c["reason"]) for c in VECTORS["invalid"]
    ]
    for case in fresh["invalid"]:
        with pytest.raises(CredentialError) as caught:
            check(case)
        assert caught.value.reason == case["reason"], case["name"]
    for case in fresh["valid"]:
        assert check(case).claims == case["claims"]


def main(argv: list[str]) -> None:
    """Write sdjwt.json, keeping its keys if it exists (``--new-keys`` to make new ones)."""
    path = VECTOR_DIR / FILE
    if path.exists() and "--new-keys" not in argv:
        keys = keys_of(json.loads(path.read_text(encoding="utf-8")))
    else:
        keys = (generate_private_key(), generate_private_key(), generate_private_key())
    vectors = Builder(*keys).vectors()
    path.write_text(json.dumps(vectors, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
