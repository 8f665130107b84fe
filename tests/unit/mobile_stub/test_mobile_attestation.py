"""The phone's own check of a deletion attestation: the agency's key from the trust list, this request."""

from __future__ import annotations

from typing import Any

import crypto
from mobile_stub.cli_rights_requests import ATTESTATION_TYP, check_attestation

AGENCY = crypto.generate_private_key()
KEYS = {"k1": crypto.public_key_from_jwk(crypto.public_jwk(AGENCY))}
ITEM = {"id": "r-1", "consent_id": "c-1", "agency_id": "ward"}


def _signed(key: crypto.EcPrivateKey, kid: str = "k1", **changes: Any) -> dict[str, Any]:
    claims = {
        "iss": "ward",
        "request_id": "r-1",
        "consent_id": "c-1",
        "what": "x",
        "deleted_at": 1,
        "copies": ["y"],
        "iat": 1,
        **changes,
    }
    return {**ITEM, "attestation": crypto.sign_jws(key, claims, typ=ATTESTATION_TYP, kid=kid)}


def test_an_attestation_by_the_agencys_key_about_this_request_verifies() -> None:
    claims = check_attestation(_signed(AGENCY), KEYS)
    assert claims is not None and claims["copies"] == ["y"]


def test_anything_else_does_not() -> None:
    assert check_attestation(_signed(crypto.generate_private_key()), KEYS) is None  # forged: same kid
    assert check_attestation(_signed(AGENCY, kid="k2"), KEYS) is None  # a key the trust list lacks
    assert check_attestation(_signed(AGENCY, request_id="r-2"), KEYS) is None  # another request
    assert check_attestation(_signed(AGENCY, iss="other"), KEYS) is None
    assert check_attestation({**ITEM, "attestation": "a.b.c"}, KEYS) is None
    assert check_attestation(ITEM, KEYS) is None
    assert check_attestation(_signed(AGENCY), {}) is None  # no trust list could be read
