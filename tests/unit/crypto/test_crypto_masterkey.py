"""Master key ring: providers, file permissions, rotation; vectors in masterkey.json."""

import base64
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from crypto_testkit import load_vectors

from crypto import IntegrityError, KeyError_, MasterKeyError, MasterKeyRing, open_master_key
from crypto.masterkey import _KeyFile

VECTORS = load_vectors("masterkey.json")
AAD = bytes.fromhex(VECTORS["aad"])
CITIZEN_KEY = bytes.fromhex(VECTORS["key"])


def write_key_file(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def vector_file(tmp_path: Path) -> Path:
    return write_key_file(tmp_path / "master.json", json.dumps(VECTORS["file"]))


# --- known answers ---------------------------------------------------------------------------


def test_vector_file_unwraps_every_version(vector_file: Path) -> None:
    ring = open_master_key(f"file:{vector_file}")
    assert ring.current_version == 2
    assert ring.versions == (1, 2)
    for entry in VECTORS["wrapped"]:
        assert ring.unwrap(bytes.fromhex(entry["wrapped"]), AAD) == CITIZEN_KEY


@pytest.mark.parametrize("name", ["wrapped_by_unknown_version", "wrapped_with_version_swapped"])
def test_vector_negatives(vector_file: Path, name: str) -> None:
    ring = open_master_key(f"file:{vector_file}")
    with pytest.raises(IntegrityError):
        ring.unwrap(bytes.fromhex(VECTORS[name]), AAD)


def test_vector_derivations(vector_file: Path) -> None:
    ring = open_master_key(f"file://{vector_file}")
    for entry in VECTORS["derive"]:
        assert ring.derive(entry["label"]) == bytes.fromhex(entry["key"])


@pytest.mark.parametrize("case", VECTORS["bad_files"], ids=lambda c: c["name"])
def test_malformed_files_are_refused(tmp_path: Path, case: dict[str, str]) -> None:
    path = write_key_file(tmp_path / "master.json", case["text"])
    with pytest.raises(MasterKeyError) as caught:
        open_master_key(f"file:{path}")
    for key in VECTORS["file"]["keys"].values():
        assert key not in str(caught.value)


# --- wrapping --------------------------------------------------------------------------------


def test_wrap_uses_newest_version_and_binds_aad() -> None:
    ring = MasterKeyRing({1: os.urandom(32), 7: os.urandom(32)})
    wrapped = ring.wrap(CITIZEN_KEY, AAD)
    assert wrapped[:4] == (7).to_bytes(4, "big")
    assert ring.unwrap(wrapped, AAD) == CITIZEN_KEY
    with pytest.raises(IntegrityError):
        ring.unwrap(wrapped, AAD + b"/other")
    for cut in (0, 3, 4, len(wrapped) - 1):
        with pytest.raises(IntegrityError):
            ring.unwrap(wrapped[:cut], AAD)


def test_wrap_refuses_a_non_key() -> None:
    with pytest.raises(KeyError_):
        MasterKeyRing({1: os.urandom(32)}).wrap(b"short", AAD)


@pytest.mark.parametrize("keys", [{}, {1: b"short"}, {1: os.urandom(32), 2: bytes(31)}])
def test_ring_needs_32_byte_keys(keys: dict[int, bytes]) -> None:
    with pytest.raises(MasterKeyError):
        MasterKeyRing(keys)


def test_derive_is_per_label_and_needs_version_one() -> None:
    ring = MasterKeyRing({1: os.urandom(32)})
    assert ring.derive("blind-index") != ring.derive("access-token")
    assert ring.derive("blind-index") == ring.derive("blind-index")
    with pytest.raises(MasterKeyError):
        MasterKeyRing({2: os.urandom(32)}).derive("blind-index")


# --- the file provider -----------------------------------------------------------------------


def test_create_makes_a_0600_file_in_a_0700_directory(tmp_path: Path) -> None:
    path = tmp_path / "data" / "keys" / "master.json"
    old_umask = os.umask(0)
    try:
        ring = open_master_key(f"file:{path}", create=True)
    finally:
        os.umask(old_umask)
    assert mode_of(path) == 0o600
    assert mode_of(path.parent) == 0o700
    document = json.loads(path.read_text())
    assert list(document) == ["keys", "epochs"] and list(document["keys"]) == ["1"]
    assert document["epochs"]["1"]["drained"] is None
    assert len(base64.urlsafe_b64decode(document["keys"]["1"] + "=")) == 32
    assert ring.current_version == 1
    assert [p.name for p in path.parent.iterdir()] == ["master.json"]  # no temp file left
    again = open_master_key(f"file:{path}", create=True)
    assert again.derive("x") == ring.derive("x")  # an existing file is kept, never replaced


def test_missing_file_without_create_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(MasterKeyError):
        open_master_key(f"file:{tmp_path / 'absent.json'}")


def test_create_loses_a_race_gracefully(vector_file: Path) -> None:
    keys = _KeyFile(vector_file).create().keys  # the file appeared after the existence check
    assert sorted(keys) == [1, 2]
    assert [p.name for p in vector_file.parent.iterdir()] == ["master.json"]


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660, 0o666, 0o610, 0o601])
def test_group_or_other_access_is_refused(vector_file: Path, mode: int) -> None:
    vector_file.chmod(mode)
    with pytest.raises(MasterKeyError) as caught:
        open_master_key(f"file:{vector_file}")
    assert "chmod 600" in str(caught.value)


@pytest.mark.parametrize("mode", [0o600, 0o400, 0o700])
def test_owner_only_modes_are_accepted(vector_file: Path, mode: int) -> None:
    vector_file.chmod(mode)
    assert open_master_key(f"file:{vector_file}").current_version == 2


def test_a_directory_is_not_a_key_file(tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir(mode=0o700)
    with pytest.raises(MasterKeyError):
        open_master_key(f"file:{tmp_path / 'dir'}")


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    path = write_key_file(tmp_path / "big.json", " " * 70_000)
    with pytest.raises(MasterKeyError):
        open_master_key(f"file:{path}")


# --- rotation --------------------------------------------------------------------------------


def test_rotate_adds_a_version_and_old_wraps_still_open(tmp_path: Path) -> None:
    path = tmp_path / "master.json"
    ring = open_master_key(f"file:{path}", create=True)
    old = ring.wrap(CITIZEN_KEY, AAD)
    blind = ring.derive("blind-index")
    assert ring.rotate() == 2
    assert ring.current_version == 2
    new = ring.wrap(CITIZEN_KEY, AAD)
    assert new[:4] == (2).to_bytes(4, "big")
    assert ring.unwrap(old, AAD) == ring.unwrap(new, AAD) == CITIZEN_KEY
    assert ring.derive("blind-index") == blind  # stable across rotation
    assert mode_of(path) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["master.json"]
    reopened = open_master_key(f"file:{path}")
    assert reopened.versions == (1, 2)
    assert reopened.unwrap(old, AAD) == reopened.unwrap(new, AAD) == CITIZEN_KEY
    assert reopened.derive("blind-index") == blind
    assert reopened.rotate() == 3
    assert open_master_key(f"file:{path}").versions == (1, 2, 3)


def test_rotate_needs_the_file_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WALLET_TEST_MASTER", base64.urlsafe_b64encode(os.urandom(32)).decode())
    with pytest.raises(MasterKeyError):
        open_master_key("env:WALLET_TEST_MASTER").rotate()
    with pytest.raises(MasterKeyError):
        MasterKeyRing({1: os.urandom(32)}).rotate()


# --- the env provider and URLs ---------------------------------------------------------------


def test_env_single_key_is_version_one(monkeypatch: pytest.MonkeyPatch) -> None:
    key = os.urandom(32)
    monkeypatch.setenv("WALLET_TEST_MASTER", base64.urlsafe_b64encode(key).decode().rstrip("="))
    ring = open_master_key("env:WALLET_TEST_MASTER")
    assert ring.versions == (1,)
    assert ring.unwrap(MasterKeyRing({1: key}).wrap(CITIZEN_KEY, AAD), AAD) == CITIZEN_KEY


def test_env_json_matches_the_file_vectors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WALLET_TEST_MASTER", json.dumps(VECTORS["file"]))
    ring = open_master_key("env:WALLET_TEST_MASTER")
    for entry in VECTORS["wrapped"]:
        assert ring.unwrap(bytes.fromhex(entry["wrapped"]), AAD) == CITIZEN_KEY


@pytest.mark.parametrize(
    "value", ["", "   ", "not base64!", base64.urlsafe_b64encode(bytes(16)).decode(), "{}"]
)
def test_env_bad_values(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("WALLET_TEST_MASTER", value)
    with pytest.raises(MasterKeyError):
        open_master_key("env:WALLET_TEST_MASTER")


def test_env_missing_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WALLET_TEST_MASTER", raising=False)
    with pytest.raises(MasterKeyError):
        open_master_key("env:WALLET_TEST_MASTER")


@pytest.mark.parametrize(
    "url",
    ["", "master.json", "file:relative/master.json", "file://host/master.json", "env:", "vault:x"],
)
def test_bad_urls(url: str) -> None:
    with pytest.raises(MasterKeyError):
        open_master_key(url, create=True)


def test_error_codes() -> None:
    assert MasterKeyError.code == "master_key_error"
    error: Any = MasterKeyError()
    assert error.code == "master_key_error"


def test_ring_keys_must_be_bytes() -> None:
    with pytest.raises(MasterKeyError):
        MasterKeyRing({1: "k" * 32})  # type: ignore[dict-item]


# --- key epochs: rewrap, drain, destroy (docs/erasure.md) ---


def test_destroying_version_one_keeps_every_derived_key(tmp_path: Path) -> None:
    path = tmp_path / "master.json"
    ring = open_master_key(f"file:{path}", create=True)
    before = {label: ring.derive(label) for label in ("blind-index", "access-token", "page-cursor")}
    wrapped = ring.wrap(b"k" * 32, b"aad")
    assert ring.rotate(now=100) == 2
    ring.destroy(1)
    reopened = open_master_key(f"file:{path}")
    assert reopened.versions == (2,)
    assert "1" not in json.loads(path.read_text())["keys"]
    assert {label: reopened.derive(label) for label in before} == before
    with pytest.raises(IntegrityError):  # the root derive keeps cannot open version 1's wraps
        reopened.unwrap(wrapped, b"aad")


def test_derive_root_matches_the_published_vectors(vector_file: Path) -> None:
    ring = open_master_key(f"file:{vector_file}")
    ring.destroy(1)  # the file keeps version 1's extracted root, not version 1
    document = json.loads(vector_file.read_text())
    assert "1" not in document["keys"] and document["derive"] != VECTORS["file"]["keys"]["1"]
    root = open_master_key(f"file:{vector_file}")
    for entry in VECTORS["derive"]:
        assert root.derive(entry["label"]) == bytes.fromhex(entry["key"])


def test_rewrap_moves_a_wrap_to_the_newest_version(tmp_path: Path) -> None:
    ring = open_master_key(f"file:{tmp_path / 'm.json'}", create=True)
    wrapped = ring.wrap(b"k" * 32, b"aad")
    assert ring.rewrap(wrapped, b"aad") == wrapped  # already newest: unchanged
    ring.rotate()
    moved = ring.rewrap(wrapped, b"aad")
    assert MasterKeyRing.version_of(moved) == 2 and MasterKeyRing.version_of(wrapped) == 1
    assert ring.unwrap(moved, b"aad") == b"k" * 32
    with pytest.raises(IntegrityError):
        ring.rewrap(wrapped, b"other aad")


def test_the_newest_or_a_missing_version_is_never_destroyed(tmp_path: Path) -> None:
    ring = open_master_key(f"file:{tmp_path / 'm.json'}", create=True)
    with pytest.raises(MasterKeyError):
        ring.destroy(1)
    ring.rotate()
    with pytest.raises(MasterKeyError):
        ring.destroy(7)
    with pytest.raises(MasterKeyError):
        ring.mark_drained(2, 5)
    ring.mark_drained(1, 5)
    ring.mark_drained(1, 9)  # the first drain time is kept
    assert ring.epoch(1).drained == 5


def test_a_reader_follows_a_rotation_and_a_destruction(tmp_path: Path) -> None:
    url = f"file:{tmp_path / 'm.json'}"
    operator = open_master_key(url, create=True)
    server = open_master_key(url)
    operator.rotate()
    wrapped = operator.wrap(b"k" * 32, b"aad")
    assert server.unwrap(wrapped, b"aad") == b"k" * 32  # unknown newer version: re-read at once
    assert server.current_version == 2
    operator.destroy(1)
    server.refresh(force=True)
    assert server.versions == (2,)


def test_env_ring_cannot_rotate_or_destroy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WALLET_TEST_MK", base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("="))
    ring = open_master_key("env:WALLET_TEST_MK")
    for call in (ring.rotate, lambda: ring.destroy(1), lambda: ring.mark_drained(1, 1)):
        with pytest.raises(MasterKeyError):
            call()


@pytest.mark.parametrize(
    "extra",
    [
        {"derive": "short"},
        {"epochs": []},
        {"epochs": {"1": {"since": -1}}},
        {"epochs": {"1": {"since": True}}},
    ],
)
def test_malformed_epoch_fields_are_refused(tmp_path: Path, extra: dict[str, object]) -> None:
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"keys": {"1": base64.urlsafe_b64encode(os.urandom(32)).decode()}, **extra}))
    path.chmod(0o600)
    with pytest.raises(MasterKeyError):
        open_master_key(f"file:{path}")


def test_a_file_without_version_one_needs_the_derive_root(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"keys": {"2": base64.urlsafe_b64encode(os.urandom(32)).decode()}}))
    path.chmod(0o600)
    with pytest.raises(MasterKeyError):
        open_master_key(f"file:{path}")
