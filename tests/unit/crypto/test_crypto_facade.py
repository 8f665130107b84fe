"""The facade and the error tree."""

import ast
import pathlib

import pytest

import crypto
from crypto import (
    CryptoError,
    IntegrityError,
    InvalidSignature,
    InvalidToken,
    KeyError_,
    MasterKeyError,
)


def test_every_exported_name_exists() -> None:
    for name in crypto.__all__:
        assert hasattr(crypto, name), name
    assert len(set(crypto.__all__)) == len(crypto.__all__)


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (CryptoError, "crypto_error"),
        (IntegrityError, "integrity_error"),
        (InvalidSignature, "invalid_signature"),
        (InvalidToken, "invalid_token"),
        (KeyError_, "key_error"),
        (MasterKeyError, "master_key_error"),
    ],
)
def test_error_codes_and_tree(error: type[CryptoError], code: str) -> None:
    assert error.code == code
    assert issubclass(error, CryptoError)
    assert not issubclass(error, ValueError | KeyError)
    instance = error()
    assert str(instance) == error.description
    assert str(error("custom")) == "custom"


def test_only_hazmat_imports_cryptography() -> None:
    package = pathlib.Path(crypto.__file__).parent
    for module in package.glob("*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        imported = {
            alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
        } | {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        uses_cryptography = any(name.split(".")[0] == "cryptography" for name in imported)
        assert uses_cryptography == (module.name == "_hazmat.py"), module.name
