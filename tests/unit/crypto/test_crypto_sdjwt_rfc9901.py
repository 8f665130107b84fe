"""RFC 9901's own examples (sdjwt_rfc9901.json): Disclosures, digests, the §5 SD-JWT and its presentation.

The RFC example is a plain SD-JWT (``typ`` ``example+sd-jwt``, no ``vct``), so it
goes through the profile-free layer (``crypto._sdjwt_core``) that the SD-JWT VC
functions are built on; the public VC verifiers must refuse it as ``malformed``.
"""

import json
from typing import Any

import pytest
from crypto_testkit import load_vectors

from crypto import CredentialError, EcPublicKey, parse_sd_jwt, public_key_from_jwk, verify_presentation
from crypto._encoding import b64url_decode
from crypto._sdjwt_core import check_key_binding, split, verify_issuer_jwt
from crypto._sdjwt_disclosures import decode_disclosures, digest, resolve
from crypto.sdjwt import verify_sd_jwt

RFC = load_vectors("sdjwt_rfc9901.json")
PRESENTATION = RFC["presentation"]
ISSUER_KEY = public_key_from_jwk(RFC["issuer_jwk"])
KB_IAT = PRESENTATION["kb_jwt_payload"]["iat"]
TYPS = (RFC["typ"],)


def issuer_key_for(iss: str, kid: str | None) -> EcPublicKey:
    if iss != RFC["issuer"]:
        raise LookupError(iss)
    return ISSUER_KEY


def holder_key() -> EcPublicKey:
    return public_key_from_jwk(RFC["sd_jwt_payload"]["cnf"]["jwk"])


# --- §4.2: Disclosures and their digests --------------------------------------------------------


@pytest.mark.parametrize("example", RFC["disclosure_examples"], ids=lambda e: e["section"])
def test_disclosure_examples(example: dict[str, str]) -> None:
    contents = json.loads(example["contents_json"])
    assert json.loads(b64url_decode(example["disclosure"])) == contents
    [decoded] = decode_disclosures([example["disclosure"]]).values()
    name, value = (None, contents[1]) if len(contents) == 2 else (contents[1], contents[2])
    assert (decoded.name, decoded.value) == (name, value)
    if "digest" in example:
        assert digest(example["disclosure"]) == example["digest"]


def test_the_same_claim_spelt_twice_has_two_digests() -> None:
    first, second, _ = RFC["disclosure_examples"]
    assert json.loads(first["contents_json"]) == json.loads(second["contents_json"])
    assert digest(first["disclosure"]) != digest(second["disclosure"])


@pytest.mark.parametrize("item", RFC["disclosures"], ids=lambda d: d.get("claim") or "array_element")
def test_example_disclosures_hash_to_the_payload_digests(item: dict[str, Any]) -> None:
    assert digest(item["disclosure"]) == item["digest"]
    assert json.loads(b64url_decode(item["disclosure"])) == item["contents"]
    payload = RFC["sd_jwt_payload"]
    in_sd = item["digest"] in payload["_sd"]
    in_array = {"...": item["digest"]} in payload["nationalities"]
    assert (in_sd, in_array) == (("claim" in item), ("claim" not in item))


# --- §5.1: the issued SD-JWT -------------------------------------------------------------------


def test_sd_jwt_is_the_issuer_jwt_and_every_disclosure() -> None:
    compact = split(RFC["sd_jwt"])
    assert compact.kb_jwt is None
    assert list(compact.disclosures) == [item["disclosure"] for item in RFC["disclosures"]]


def test_issuer_signature_verifies_with_the_appendix_key() -> None:
    payload, kid = verify_issuer_jwt(split(RFC["sd_jwt"]).issuer_jwt, issuer_key_for, typs=TYPS)
    assert payload == RFC["sd_jwt_payload"] and kid is None


def test_all_disclosures_resolve_to_the_user_claims() -> None:
    parsed = parse_sd_jwt(RFC["sd_jwt"])
    registered = {name: RFC["sd_jwt_payload"][name] for name in ("iss", "iat", "exp", "cnf")}
    assert parsed.unverified_claims == {**RFC["user_claims"], **registered}
    assert parsed.unverified_header == {"alg": "ES256", "typ": RFC["typ"]}


# --- §5.2: the presentation with Key Binding ---------------------------------------------------


def verify_rfc_presentation(text: str, *, nonce: str, now: int) -> dict[str, Any]:
    """RFC 9901 §7.3 with the profile-free pieces: issuer, Disclosures, then Key Binding."""
    compact = split(text)
    payload, _ = verify_issuer_jwt(compact.issuer_jwt, issuer_key_for, typs=TYPS)
    claims = resolve(payload, decode_disclosures(compact.disclosures))
    check_key_binding(
        compact.kb_jwt,
        compact.presented,
        holder_key(),
        nonce=nonce,
        audience=PRESENTATION["audience"],
        now=now,
        max_age=300,
        leeway=30,
    )
    return claims


def test_presentation_verifies_to_the_processed_payload() -> None:
    claims = verify_rfc_presentation(PRESENTATION["text"], nonce=PRESENTATION["nonce"], now=KB_IAT + 5)
    assert claims == PRESENTATION["processed_payload"]


def test_sd_hash_is_over_the_presentation_up_to_the_last_tilde() -> None:
    text = PRESENTATION["text"]
    assert digest(text[: text.rindex("~") + 1]) == PRESENTATION["kb_jwt_payload"]["sd_hash"]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"nonce": "0987654321"}, "wrong_nonce"),
        ({"now": KB_IAT + 301}, "stale_key_binding"),
        ({"text": "append-foreign"}, "disclosure_not_in_sd_jwt"),
        ({"text": "repeat-given-name"}, "duplicate_disclosure"),
        ({"text": "drop-one"}, "sd_hash_mismatch"),
    ],
)
def test_presentation_refusals(change: dict[str, Any], reason: str) -> None:
    text = PRESENTATION["text"]
    jwt_and_disclosures, kb = text[: text.rindex("~") + 1], text[text.rindex("~") + 1 :]
    given_name = RFC["disclosures"][0]["disclosure"]
    edits = {
        "append-foreign": jwt_and_disclosures + RFC["disclosure_examples"][0]["disclosure"] + "~" + kb,
        "repeat-given-name": jwt_and_disclosures + given_name + "~" + kb,
        "drop-one": jwt_and_disclosures.replace(given_name + "~", "") + kb,
    }
    arguments = {"text": text, "nonce": PRESENTATION["nonce"], "now": KB_IAT}
    arguments.update(change)
    arguments["text"] = edits.get(arguments["text"], arguments["text"])
    with pytest.raises(CredentialError) as caught:
        verify_rfc_presentation(arguments.pop("text"), **arguments)
    assert caught.value.reason == reason


def test_the_sd_jwt_vc_verifiers_refuse_a_plain_sd_jwt() -> None:
    """``example+sd-jwt`` is not ``dc+sd-jwt`` (and there is no ``vct``)."""
    with pytest.raises(CredentialError) as caught:
        verify_presentation(
            PRESENTATION["text"],
            issuer_key_for=issuer_key_for,
            nonce=PRESENTATION["nonce"],
            audience=PRESENTATION["audience"],
            now=KB_IAT,
        )
    assert caught.value.reason == "malformed"
    with pytest.raises(CredentialError):
        verify_sd_jwt(RFC["sd_jwt"], issuer_key_for=issuer_key_for, now=KB_IAT)
