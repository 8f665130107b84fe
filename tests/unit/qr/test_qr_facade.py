"""The package's surface: facade exports, layering, the closed set of error reasons."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import get_args

import cbor2
import pytest

import qr
from qr import QR_REASONS, QrError, QrReason

QR_DIR = Path(qr.__file__).parent
OURS = {"crypto", "storage", "consent", "qr", "wallet_api", "mobile_stub"}


def test_facade_exports_exist() -> None:
    assert sorted(qr.__all__) == sorted(set(qr.__all__))
    for name in qr.__all__:
        assert hasattr(qr, name), name


def test_qr_imports_only_the_crypto_facade_of_ours() -> None:
    for module in QR_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top in OURS:
                    assert top == "qr" or name == "crypto", f"{module.name} imports {name}"
                assert not name.startswith("cryptography"), f"{module.name} imports {name}"


def test_reasons_are_a_closed_set_with_fixed_messages() -> None:
    assert frozenset(get_args(QrReason)) == QR_REASONS
    assert {
        "malformed",
        "bad_signature",
        "unknown_key",
        "expired",
        "not_yet_valid",
        "too_large",
    } <= QR_REASONS
    assert {"no_code", "multiple_codes", "unreadable_code", "unreadable_image"} <= QR_REASONS
    messages = set()
    for reason in QR_REASONS:
        error = QrError(reason)  # type: ignore[arg-type]
        assert error.reason == reason and error.code == "invalid_qr"
        messages.add(str(error))
    assert len(messages) == len(QR_REASONS)
    with pytest.raises(ValueError):
        QrError("something_else")  # type: ignore[arg-type]


def test_identity_map_keys_are_listed_once_in_deterministic_order() -> None:
    from qr._wire import WIRE_EXP, WIRE_KEY_ORDER, WIRE_NBF, WIRE_NONCE
    from qr.claims import WIRE_KEYS

    assert set(WIRE_KEY_ORDER) == {WIRE_EXP, WIRE_NBF, WIRE_NONCE, *WIRE_KEYS.values()}
    encoded = [cbor2.dumps(key) for key in WIRE_KEY_ORDER]
    assert encoded == sorted(encoded) and all(len(e) == 1 for e in encoded)
