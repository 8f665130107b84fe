"""Recovering a wallet with ``wallet-mobile recover`` and re-issuing with ``wallet-agency reissue``
against a real server on both backends (a short cooling-off, ``WALLET_RECOVERY_COOLING_OFF_SECONDS``).

The old phone sees the pending recovery announced after its next command and cancels it; the new
phone then recovers with the recovery code printed at enrolment, waits out the cooling-off, joins
(shown a new code once) and the old phone is locked out; an identity provider's assertion signed
with ``wallet-agency vouch`` starts a recovery too; the issuer re-issues the credential bound to
the lost phone's key, and the new phone holds it.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import crypto
from tests.support.agencies import BIRTH_CLAIMS, TestAgency, register
from tests.support.cli import phone, run_module
from tests.support.consents import BIRTH_VCT
from tests.support.raw import valid_cccd
from tests.support.server import WalletServer

COOLING_OFF = 3


def _ok(run: Callable[..., subprocess.CompletedProcess[str]], *args: str) -> subprocess.CompletedProcess[str]:
    result = run(*args, lang="en")
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    return result


def _agency_home(agency: TestAgency, home: Path) -> Path:
    home.mkdir(mode=0o700)
    key = home / "agency.pem"
    key.write_bytes(crypto.private_key_pem(agency.key))
    os.chmod(key, 0o600)
    return home


def _agency_cli(server: WalletServer, agency: TestAgency, home: Path, *args: str) -> str:
    result = run_module(
        "wallet_api.clients.agency_cli",
        *("--server", server.url, "--home", str(home), "--agency", agency.agency_id, "--lang", "en", *args),
    )
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    return result.stdout


def _until_completed(new: Callable[..., subprocess.CompletedProcess[str]]) -> str:
    for _ in range(40):  # the cooling-off is a few seconds; poll, bounded
        out = _ok(new, "recover", "status").stdout
        if "completed" in out:
            return out
        time.sleep(0.25)
    raise AssertionError(f"the recovery did not complete: {out}")


def test_recover_with_the_code_and_reissue(make_server: Callable[..., WalletServer], tmp_path: Path) -> None:
    server = make_server(env={"WALLET_RECOVERY_COOLING_OFF_SECONDS": str(COOLING_OFF)})
    old, new = phone(server.url, tmp_path / "old"), phone(server.url, tmp_path / "new")
    _ok(old, "device", "init")
    cccd, dob = valid_cccd(birth_year=1990)
    enrolled = _ok(old, "enrol", "--cccd", cccd, "--name", "Nguyễn Thị Minh Khai", "--dob", dob).stdout
    code = re.search(r"keep it safe\): (\S+)", enrolled)
    assert code, enrolled
    issuer = register(server, tmp_path, types="birth-certificate")
    client = issuer.client()
    old_credential = client.issue_credential(cccd, client.sign_credential(cccd, BIRTH_VCT, BIRTH_CLAIMS))

    started = _ok(
        new, "recover", "start", "--name", "Điện thoại mới", "--cccd", cccd, "--code", code.group(1)
    )
    assert "pending" in started.stdout and "recovery code" in started.stdout
    listed = _ok(old, "list")  # any command on the old phone announces it
    assert "Your wallet is being recovered on another device" in listed.stderr
    assert "Điện thoại mới" in listed.stderr
    cancelled = _ok(old, "recover", "cancel").stdout
    assert "cancelled" in cancelled
    new_code = re.search(r"New recovery code \(shown once, keep it safe\): (\S+)", cancelled)
    assert new_code, cancelled  # the code it consumed is replaced
    assert "cancelled" in _ok(new, "recover", "status").stdout
    assert "is being recovered" not in _ok(old, "list").stderr

    refused = new(
        "recover", "start", "--name", "Điện thoại mới", "--cccd", cccd, "--code", code.group(1), lang="en"
    )
    assert refused.returncode == 1 and "Wrong recovery code" in refused.stderr
    _ok(new, "recover", "start", "--name", "Điện thoại mới", "--cccd", cccd, "--code", new_code.group(1))
    done = _until_completed(new)
    assert "This device replaced every earlier device" in done and "New recovery code" in done
    locked_out = old("me", lang="en")
    assert locked_out.returncode == 1, locked_out.stdout
    log = _ok(new, "log").stdout
    assert "A recovery of your wallet for new device" in log and "recovery of your wallet completed" in log
    assert "was cancelled by device" in log

    issuer_home = _agency_home(issuer, tmp_path / "issuer")
    assert old_credential["credential_id"] in _agency_cli(server, issuer, issuer_home, "reissue", "--list")
    reissued = _agency_cli(server, issuer, issuer_home, "reissue")
    assert f"Re-issued: {old_credential['credential_id']} → " in reissued
    replacement = re.search(r" → (\S+)", reissued)
    assert replacement, reissued
    held = _ok(new, "credentials").stdout
    assert replacement.group(1) in held and "needs re-issue" not in held, held
    assert "Nothing to re-issue" in _agency_cli(server, issuer, issuer_home, "reissue")
    assert "re-issued" in _ok(new, "log").stdout


def test_recover_with_an_identity_providers_assertion(
    make_server: Callable[..., WalletServer], tmp_path: Path
) -> None:
    server = make_server(env={"WALLET_RECOVERY_COOLING_OFF_SECONDS": str(COOLING_OFF)})
    old, new = phone(server.url, tmp_path / "old"), phone(server.url, tmp_path / "new")
    _ok(old, "device", "init")
    cccd, dob = valid_cccd()
    _ok(old, "enrol", "--cccd", cccd, "--name", "Trần Văn Bình", "--dob", dob)
    idp = register(server, tmp_path, name="Trung tâm định danh điện tử", roles="idp", types="")
    out = _ok(new, "recover", "nonce", "--cccd", cccd).stdout
    nonce, jwk = re.search(r"Nonce: (\S+)", out), re.search(r"identity provider\): (\{.*\})", out)
    assert nonce and jwk, out
    assertion = tmp_path / "assertion.jws"
    home = _agency_home(idp, tmp_path / "idp")
    _agency_cli(
        server,
        idp,
        home,
        "vouch",
        "--cccd",
        cccd,
        "--nonce",
        nonce.group(1),
        "--jwk",
        jwk.group(1),
        "-o",
        str(assertion),
    )
    started = _ok(new, "recover", "start", "--name", "Điện thoại mới", "--assertion", str(assertion)).stdout
    assert "Trung tâm định danh điện tử" in started and "pending" in started
    done = _until_completed(new)
    assert "This device replaced every earlier device" in done
    assert "Trần Văn Bình" in _ok(new, "me").stdout
