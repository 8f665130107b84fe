"""SD-JWT VC presentations (crypto.sdjwt.present / verify_presentation) and hypothesis properties.

The keys, the credential and the helpers come from test_crypto_sdjwt.py.
"""

import string
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_crypto_sdjwt import (
    AUDIENCE,
    CLAIMS,
    HOLDER,
    ISSUED,
    NONCE,
    NOW,
    OTHER,
    issue,
    issuer_key_for,
    reason_of,
    show,
    verify,
)

from crypto import (
    CredentialError,
    CryptoError,
    KeyError_,
    parse_sd_jwt,
    unverified_header,
    verify_jws,
    verify_sd_jwt,
)
from crypto._sdjwt_disclosures import digest

# --- presenting -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("disclose", "expected"),
    [
        ([], {}),
        (["given_name"], {"given_name": "Văn An"}),
        (["address"], {"address": CLAIMS["address"]}),
        (["address.locality"], {"address": {"locality": "Huế"}}),
        (
            ["address.region.code", "address.locality"],
            {"address": {"locality": "Huế", "region": {"code": "46"}}},
        ),
        ([("address", "region")], {"address": {"region": {"code": "46", "name": "TT Huế"}}}),
        (["nationalities.1"], {"nationalities": ["FR"]}),
        ([("nationalities", 0)], {"nationalities": ["VN"]}),
        (["parents.1.name", "parents.0"], {"parents": [{"name": "Nguyễn Văn B"}, {"name": "Trần Thị C"}]}),
        (["parents.1.name"], {"parents": [{"name": "Trần Thị C"}]}),
        (["age_over_18"], {}),  # always visible: nothing to disclose
        (("given_name", "given_name"), {"given_name": "Văn An"}),
    ],
    ids=repr,
)
def test_present_reveals_exactly_the_chosen_paths(disclose: Any, expected: dict[str, Any]) -> None:
    credential = verify(show(disclose))
    assert credential.claims == {"age_over_18": True, **expected}


def test_present_keeps_the_issued_order_and_a_kb_jwt_of_the_rfc_shape() -> None:
    presentation = show(["nationalities", "given_name"])
    parsed = parse_sd_jwt(presentation)
    assert list(parsed.disclosures) == [d for d in ISSUED.disclosures if d in parsed.disclosures]
    assert parsed.key_binding_jwt is not None
    kb = verify_jws(parsed.key_binding_jwt, HOLDER.public_key(), typ="kb+jwt")
    assert unverified_header(parsed.key_binding_jwt) == {"alg": "ES256", "typ": "kb+jwt"}
    presented = presentation[: presentation.rindex("~") + 1]
    assert kb == {"iat": NOW, "aud": AUDIENCE, "nonce": NONCE, "sd_hash": digest(presented)}


@pytest.mark.parametrize(
    "path", ["nope", "address.nope", "given_name.x", "nationalities.2", "nationalities.-1", ""]
)
def test_present_refuses_a_path_that_names_nothing(path: str) -> None:
    with pytest.raises(CryptoError) as caught:
        show([path])
    assert type(caught.value) is CryptoError


def test_present_misuse() -> None:
    with pytest.raises(CryptoError):
        show("given_name")  # one string is not a collection of paths
    with pytest.raises(CryptoError):
        show([()])
    with pytest.raises(KeyError_):
        show(["given_name"], holder_key=OTHER)  # not the key the credential is bound to
    with pytest.raises(CredentialError):
        show(["given_name"], sd_jwt=show(["given_name"]))  # already a presentation


# --- verifying presentations -----------------------------------------------------------------------


def test_key_binding_window() -> None:
    presentation = show(["given_name"], issue(now=NOW - 1000).sd_jwt)
    verify(presentation, now=NOW + 300)
    assert reason_of(verify, presentation, now=NOW + 301) == "stale_key_binding"
    verify(presentation, now=NOW + 1000, max_kb_age=1000)
    verify(presentation, now=NOW - 30)
    assert reason_of(verify, presentation, now=NOW - 31) == "stale_key_binding"


def test_verify_sd_jwt_refuses_a_presentation_and_vice_versa() -> None:
    assert reason_of(verify_sd_jwt, show([]), issuer_key_for=issuer_key_for, now=NOW) == "malformed"
    assert reason_of(verify, ISSUED.sd_jwt) == "missing_key_binding"


# --- properties --------------------------------------------------------------------------------------

_names = st.text(string.ascii_letters + "_.- éế", min_size=1, max_size=8).filter(
    lambda name: name not in {"iss", "vct", "iat", "exp", "nbf", "cnf", "status", "_sd", "_sd_alg", "..."}
)
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_names, inner, max_size=3),
    max_leaves=8,
)
_claims = st.dictionaries(_names, _values, max_size=6)
_objects = st.recursive(
    _scalars, lambda inner: st.dictionaries(_names, inner, min_size=1, max_size=3), max_leaves=8
)
_settings = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_settings
@given(claims=_claims, data=st.data())
def test_round_trip_issue_verify_and_present_any_subset(claims: dict[str, Any], data: st.DataObject) -> None:
    issued = issue(claims)
    assert verify_sd_jwt(issued.sd_jwt, issuer_key_for=issuer_key_for, now=NOW).claims == claims
    chosen = data.draw(st.sets(st.sampled_from(sorted(claims))) if claims else st.just(set()))
    presentation = show([(name,) for name in chosen], issued.sd_jwt)
    assert verify(presentation).claims == {name: claims[name] for name in chosen}


def _paths(value: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    if not isinstance(value, dict):
        return []
    return [
        path for name, member in value.items() for path in [(*prefix, name), *_paths(member, (*prefix, name))]
    ]


def _project(value: Any, paths: set[tuple[str, ...]]) -> Any:
    """What revealing ``paths`` (each whole) of ``value`` shows."""
    if () in paths:
        return value
    shown = {}
    for name, member in value.items():
        below = {path[1:] for path in paths if path[0] == name}
        if below:
            shown[name] = _project(member, below)
    return shown


@_settings
@given(claims=st.dictionaries(_names, _objects, min_size=1, max_size=4), data=st.data())
def test_nested_paths_reveal_their_projection(claims: dict[str, Any], data: st.DataObject) -> None:
    chosen = data.draw(st.sets(st.sampled_from(_paths(claims)), max_size=4))
    presentation = show(chosen, issue(claims).sd_jwt)
    assert verify(presentation).claims == _project(claims, set(chosen))


PRESENTATION = show(["given_name", "address.locality", "nationalities.0"])


@settings(max_examples=300, deadline=None)
@given(
    index=st.integers(0, len(PRESENTATION) - 1), char=st.sampled_from(string.ascii_letters + "0123456789-_.~")
)
def test_any_single_character_change_is_refused(index: int, char: str) -> None:
    if PRESENTATION[index] == char:
        return
    changed = PRESENTATION[:index] + char + PRESENTATION[index + 1 :]
    with pytest.raises(CredentialError):
        verify(changed)
