"""The one strict JSON reader (``crypto.json_object``): tokens and request bodies alike."""

from __future__ import annotations

import pytest

import crypto


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (b'{"a": 1, "a": 2}', "duplicate JSON member"),
        (b'{"a": {"b": 1, "b": 1}}', "duplicate JSON member"),
        (b'{"a": NaN}', "non-finite JSON number"),
        (b'{"a": "\xff\xfe"}', "JSON text is not UTF-8"),
        (b'{"a": "\\ud800"}', "lone surrogate in JSON string"),
        (b'{"\\udc00": 1}', "lone surrogate in JSON string"),
        (b'{"a": ' + b"[" * 33 + b"]" * 33 + b"}", "JSON nested too deeply"),
        (b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "JSON nested too deeply"),
        (b"[1]", "JSON value is not an object"),
        (b'{"a": 1', "malformed JSON"),
    ],
)
def test_refused(text: bytes, reason: str) -> None:
    with pytest.raises(ValueError) as refused:
        crypto.json_object(text)
    assert reason in (str(refused.value), str(refused.value.__cause__))


def test_accepted_up_to_the_depth_bound_and_with_escaped_pairs() -> None:
    depth = crypto.MAX_JSON_DEPTH - 1  # the outer object is one level
    value = crypto.json_object(b'{"a": ' + b"[" * depth + b"]" * depth + b"}")
    assert isinstance(value["a"], list)
    assert crypto.json_object(b'{"a": "\\ud83d\\ude00", "b": "[[[[{{{{"}') == {"a": "😀", "b": "[[[[{{{{"}
