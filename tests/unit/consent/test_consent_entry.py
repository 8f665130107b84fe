"""Access entries: validation, canonical JSON (the leaf data), strict parsing."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from crypto.transparency.entry import AccessAction, AccessEntry, parse_entry
from crypto.transparency.errors import InvalidLogEntry, LogError

ENTRY = AccessEntry(
    agency_id="agency-bv-bach-mai",
    agency_name="Bệnh viện Bạch Mai",
    resource_id="doc-7f3a",
    resource_type="bhyt",
    action=AccessAction.READ,
    purpose="Khám chữa bệnh",
    procedure_code="1.001234",
    consent_id="consent-42",
    at=1_767_225_600,
)


def test_canonical_json_is_sorted_compact_utf8() -> None:
    assert ENTRY.canonical() == (
        '{"action":"read","agency_id":"agency-bv-bach-mai","agency_name":"Bệnh viện Bạch Mai",'
        '"at":1767225600,"consent_id":"consent-42","procedure_code":"1.001234",'
        '"purpose":"Khám chữa bệnh","resource_id":"doc-7f3a","resource_type":"bhyt","v":1}'
    )


def test_round_trip() -> None:
    assert parse_entry(ENTRY.canonical()) == ENTRY
    without_consent = replace(ENTRY, consent_id=None, action=AccessAction.ISSUE)
    assert parse_entry(without_consent.canonical()) == without_consent
    assert '"consent_id":null' in without_consent.canonical()


def test_quotes_and_controls_are_escaped_the_json_way() -> None:
    odd = replace(ENTRY, purpose='say "hi"\n\\ \x01')
    assert '"purpose":"say \\"hi\\"\\n\\\\ \\u0001"' in odd.canonical()
    assert parse_entry(odd.canonical()) == odd


@pytest.mark.parametrize(
    "changes",
    [
        {"agency_id": ""},
        {"agency_name": "x" * 513},
        {"resource_id": 7},
        {"consent_id": ""},
        {"action": "read"},
        {"at": -1},
        {"at": True},
        {"at": 1.5},
    ],
)
def test_malformed_entries_are_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(InvalidLogEntry) as raised:
        replace(ENTRY, **changes)
    assert raised.value.code == "log_invalid_entry"
    assert isinstance(raised.value, LogError)


def mutate(**changes: Any) -> str:
    data = ENTRY.to_json() | changes
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


@pytest.mark.parametrize(
    "data",
    [
        "not json",
        "[]",
        mutate(v=2),
        mutate(v=True),
        mutate(extra="field"),
        mutate(action="delete"),
        mutate(at="1767225600"),
        json.dumps(ENTRY.to_json(), ensure_ascii=False, sort_keys=True),  # spaces: not canonical
        json.dumps(ENTRY.to_json(), sort_keys=True, separators=(",", ":")),  # \u escapes: not canonical
        ENTRY.canonical().replace('{"action":"read",', '{"action":"read","action":"read",'),
        '{"a":' + "[" * 100_000,  # runaway nesting: a clear refusal, not a RecursionError
        '{"x":"' + "a" * 20_000 + '"}',  # far longer than any entry
    ],
)
def test_parse_accepts_only_the_canonical_form(data: str) -> None:
    with pytest.raises(InvalidLogEntry):
        parse_entry(data)


def test_missing_field_is_refused() -> None:
    data = ENTRY.to_json()
    del data["purpose"]
    with pytest.raises(InvalidLogEntry):
        parse_entry(json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")))
