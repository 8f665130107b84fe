"""``qr.decision`` on a delegate's presentation, on a hand-built trust store: the one decision
accepts attestation ``~~`` SD-JWT+KB only as qr/format.md says; the checks no wallet attestation
can reach end to end (a type outside the mandate, a life over five minutes) are signed here with
a test service key."""

from __future__ import annotations

import hashlib
from typing import Any

import crypto
from qr.decision import decide_credential
from qr.mandate import MANDATE_TYP, join_presentation
from qr.trust import AgencyEntry, TrustStore, TypeEntry

NOW = 1_780_000_000
URI = "https://wallet.example/v1/status-lists/so-tu-phap"
VCT = "urn:vn:wallet:vct:birth-certificate:1"
NONCE, AUD = "12345678", "https://quay.example.vn"


def _world() -> tuple[TrustStore, crypto.EcPrivateKey, str, str, crypto.EcPrivateKey]:
    service, issuer, owner, delegate = (crypto.generate_private_key() for _ in range(4))
    store = TrustStore(
        service_keys={"svc": service.public_key()},
        issued_at=NOW,
        expires_at=NOW + 3600,
        status_list_base="https://wallet.example/v1/status-lists/",
    )
    store.agencies["so-tu-phap"] = AgencyEntry(
        "so-tu-phap", "Sở Tư pháp", frozenset({"issuer"}), {"k1": issuer.public_key()},
        NOW - 86400, NOW + 86400, None, None, frozenset({"birth-certificate"}),
    )  # fmt: skip
    store.types["birth-certificate"] = TypeEntry(
        "birth-certificate", VCT, "Giấy khai sinh", "Birth certificate", {}
    )
    store.status_lists[URI] = (bytes(16), NOW + 3600)
    issued = crypto.issue_sd_jwt_vc(
        issuer, kid="k1", iss="so-tu-phap", vct=VCT, claims={"full_name": "Lê Thị Hoa"},
        holder_jwk=crypto.public_jwk(owner), now=NOW - 60, lifetime=86400,
        status={"status_list": {"idx": 3, "uri": URI}},
    )  # fmt: skip
    return store, service, issued.sd_jwt, issued.issuer_signed_jwt, delegate


def _attestation(
    service: crypto.EcPrivateKey, issuer_jwt: str, delegate: crypto.EcPrivateKey, **over: Any
) -> str:
    claims = {
        "iss": "https://wallet.example", "iat": NOW - 10, "exp": NOW + 290, "jti": "j1",
        "mid": "m1", "represented_name": "Lê Thị Hoa", "delegate_name": "Lê Văn Nam",
        "credentials": ["birth-certificate"], "valid_until": NOW + 86400,
        "credential_digest": crypto.b64url_encode(hashlib.sha256(issuer_jwt.encode()).digest()),
        "cnf": {"jwk": crypto.public_jwk(delegate)},
    }  # fmt: skip
    claims.update(over)
    return crypto.sign_jws(service, claims, typ=MANDATE_TYP, kid="svc")


def _decide(store: TrustStore, attestation: str, sd_jwt: str, key: crypto.EcPrivateKey) -> list[str]:
    kb = crypto.present(
        sd_jwt, disclose=["full_name"], holder_key=key, nonce=NONCE, audience=AUD, now=NOW, delegated=True
    )
    verdict = decide_credential(store, join_presentation(attestation, kb), now=NOW, nonce=NONCE, audience=AUD)
    assert verdict.valid == (verdict.reasons == [])
    return verdict.reasons


def test_a_good_delegated_presentation_is_valid_and_says_who() -> None:
    store, service, sd_jwt, jwt, delegate = _world()
    kb = crypto.present(
        sd_jwt,
        disclose=["full_name"],
        holder_key=delegate,
        nonce=NONCE,
        audience=AUD,
        now=NOW,
        delegated=True,
    )
    verdict = decide_credential(
        store, join_presentation(_attestation(service, jwt, delegate), kb), now=NOW, nonce=NONCE, audience=AUD
    )
    assert verdict.valid and verdict.mandate is not None and verdict.claims["full_name"] == "Lê Thị Hoa"
    vi, en = verdict.mandate.words()
    assert vi.startswith("Do Lê Văn Nam xuất trình thay Lê Thị Hoa theo uỷ quyền")
    assert en.startswith("Presented by Lê Văn Nam for Lê Thị Hoa under a mandate, until")


def test_each_check_of_the_attestation_has_its_reason() -> None:
    store, service, sd_jwt, jwt, delegate = _world()
    assert _decide(
        store, _attestation(service, jwt, delegate, credentials=["marriage-certificate"]), sd_jwt, delegate
    ) == ["mandate_type_not_covered"]
    assert _decide(
        store, _attestation(service, jwt, delegate, iat=NOW - 400, exp=NOW + 100), sd_jwt, delegate
    ) == ["mandate_malformed"]  # a life over five minutes
    assert _decide(
        store, _attestation(service, jwt, delegate, iat=NOW - 300, exp=NOW - 40), sd_jwt, delegate
    ) == ["mandate_expired"]
    assert _decide(store, _attestation(service, jwt, delegate, valid_until=NOW - 40), sd_jwt, delegate) == [
        "mandate_expired"
    ]  # the mandate itself has ended
    assert _decide(store, _attestation(service, "other", delegate), sd_jwt, delegate) == [
        "mandate_wrong_credential"
    ]
    assert _decide(store, _attestation(service, jwt, delegate), sd_jwt, crypto.generate_private_key()) == [
        "mandate_wrong_key"
    ]
    stranger = crypto.generate_private_key()  # a key the trust list does not hold, under its kid
    assert _decide(store, _attestation(stranger, jwt, delegate), sd_jwt, delegate) == [
        "mandate_bad_signature"
    ]
    assert _decide(store, _attestation(service, jwt, delegate, mid=7), sd_jwt, delegate) == [
        "mandate_malformed"
    ]
    assert _decide(store, _attestation(service, jwt, delegate, cnf={}), sd_jwt, delegate) == [
        "mandate_malformed"
    ]


def test_an_attestation_needs_a_nonce_and_older_forms_stay_as_they_were() -> None:
    store, service, sd_jwt, jwt, delegate = _world()
    text = join_presentation(_attestation(service, jwt, delegate), sd_jwt)
    assert decide_credential(store, text, now=NOW).reasons == ["malformed"]  # not a bare credential
    assert decide_credential(store, sd_jwt, now=NOW).valid  # a credential as issued: unchanged
