"""``wallet-verify``: offline checks against a cached, signed trust list and status lists."""

from __future__ import annotations

import base64
import datetime as dt
import json
import subprocess
import time
from pathlib import Path

import crypto
from tests.support.agencies import BIRTH_CLAIMS, TestAgency, register
from tests.support.cli import run_module
from tests.support.pki import TestPki, make_pdf, replace_page_text, sign_pdf
from tests.support.raw import RawCitizen
from tests.support.server import WalletServer

VCT = "urn:vn:wallet:vct:birth-certificate:1"


def _verify(cache: Path, *args: str, lang: str = "vi") -> subprocess.CompletedProcess[str]:
    return run_module("qr.cli", "--cache", str(cache), "--lang", lang, *args)


def _issued(agency: TestAgency, citizen: RawCitizen) -> tuple[str, str]:
    client = agency.client()
    sd_jwt = client.sign_credential(citizen.cccd, VCT, BIRTH_CLAIMS)
    return sd_jwt, str(client.issue_credential(citizen.cccd, sd_jwt)["credential_id"])


def test_offline_verdicts(server: WalletServer, citizen: RawCitizen, tmp_path: Path) -> None:
    agency = register(server, tmp_path)
    sd_jwt, credential_id = _issued(agency, citizen)
    cache = tmp_path / "verifier"
    synced = _verify(cache, "sync", "--server", server.url)
    assert synced.returncode == 0, synced.stderr
    file = tmp_path / "credential.txt"
    file.write_text(sd_jwt)
    ok = _verify(cache, "credential", str(file))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "Hợp lệ" in ok.stdout and "Sở Tư pháp thành phố Đà Nẵng" in ok.stdout

    presentation = crypto.present(
        sd_jwt,
        disclose=["full_name"],
        holder_key=citizen.key,
        nonce="quay-3",
        audience="ubnd-hoa-vang",
        now=int(time.time()),
    )
    shown = tmp_path / "presentation.txt"
    shown.write_text(presentation)
    good = _verify(cache, "credential", str(shown), "--nonce", "quay-3", "--audience", "ubnd-hoa-vang")
    assert good.returncode == 0 and "Họ và tên: Nguyễn Thị Minh Khai" in good.stdout
    assert "Giấy tờ: Giấy khai sinh" in good.stdout and "Nơi sinh" not in good.stdout
    replay = _verify(
        cache, "credential", str(shown), "--nonce", "quay-4", "--audience", "ubnd-hoa-vang", lang="en"
    )
    assert replay.returncode == 1 and "Not bound to this verifier's nonce" in replay.stdout

    tampered = tmp_path / "tampered.txt"
    head, *rest = sd_jwt.split("~")
    header, payload, signature = head.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["exp"] += 10 * 365 * 86400  # the holder tries to extend it
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    tampered.write_text("~".join([f"{header}.{forged}.{signature}", *rest]))
    assert "Chữ ký không hợp lệ: dữ liệu đã bị sửa" in _verify(cache, "credential", str(tampered)).stdout

    agency.client().set_status(credential_id, "revoked")
    assert _verify(cache, "credential", str(file)).returncode == 0  # offline: the cache still says valid
    _verify(cache, "sync", "--server", server.url)
    revoked = _verify(cache, "credential", str(file))
    assert revoked.returncode == 1 and "Đã bị thu hồi" in revoked.stdout


def test_untrusted_and_dissolved_issuers(server: WalletServer, citizen: RawCitizen, tmp_path: Path) -> None:
    agency = register(server, tmp_path, valid_from="2020-01-01")
    successor = register(server, tmp_path, name="Sở Tư pháp (mới)")
    statuses = iter([agency.client().allocate_status() for _ in range(3)])  # while it is active
    dissolved = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    holder = crypto.public_jwk(citizen.key)

    def signed_by(key: crypto.EcPrivateKey, iss: str, kid: str, at: int) -> Path:
        issued = crypto.issue_sd_jwt_vc(
            key,
            kid=kid,
            iss=iss,
            vct=VCT,
            claims=BIRTH_CLAIMS,
            holder_jwk=holder,
            now=at,
            lifetime=10 * 365 * 86400,
            status={"status_list": next(statuses)},
        )
        path = tmp_path / f"{iss}-{at}.txt"
        path.write_text(issued.sd_jwt)
        return path

    before = signed_by(agency.key, agency.agency_id, agency.kid, int(dissolved.timestamp()) - 86400)
    agency.client().issue_credential(citizen.cccd, before.read_text())  # stored before the merger
    server.wallet("agency", "succeed", agency.agency_id, successor.agency_id, "--at", dissolved.isoformat())
    cache = tmp_path / "verifier"
    assert _verify(cache, "sync", "--server", server.url).returncode == 0
    after = signed_by(agency.key, agency.agency_id, agency.kid, int(dissolved.timestamp()) + 600)
    assert _verify(cache, "credential", str(before)).returncode == 0  # still verifiable after the merger
    late = _verify(cache, "credential", str(after))
    assert late.returncode == 1 and "đã giải thể" in late.stdout
    stranger = crypto.generate_private_key()
    unknown = signed_by(stranger, "co-quan-la", "k1", int(time.time()))
    assert "không có trong danh sách tin cậy" in _verify(cache, "credential", str(unknown)).stdout


def test_signed_pdf_offline(server: WalletServer, tmp_path: Path) -> None:
    pki = TestPki()
    root = tmp_path / "root.pem"
    root.write_bytes(pki.root_pem)
    server.wallet("trust", "add-root", str(root))
    register(server, tmp_path, valid_from="2020-01-01", types="procedure-result")
    signer = pki.issue_signer("Trần Văn Ký", "Sở Tư pháp thành phố Đà Nẵng")
    pdf = sign_pdf(
        make_pdf("Quyết định"),
        signer.key,
        signer.cert,
        [pki.root.cert],
        signing_time=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5),
    )
    cache = tmp_path / "verifier"
    assert _verify(cache, "sync", "--server", server.url).returncode == 0
    good, bad = tmp_path / "good.pdf", tmp_path / "bad.pdf"
    good.write_bytes(pdf)
    bad.write_bytes(replace_page_text(pdf, "Quyết định đã sửa"))
    assert _verify(cache, "pdf", str(good)).returncode == 0
    changed = _verify(cache, "pdf", str(bad))
    assert changed.returncode == 1


def test_no_cache_is_a_clear_error(tmp_path: Path) -> None:
    file = tmp_path / "x.txt"
    file.write_text("a~b~")
    result = _verify(tmp_path / "empty", "credential", str(file))
    assert result.returncode == 1 and "wallet-verify sync" in result.stderr


def test_status_past_its_ttl_is_refreshed_online_and_dated_offline(
    server: WalletServer, citizen: RawCitizen, tmp_path: Path
) -> None:
    agency = register(server, tmp_path)
    sd_jwt, credential_id = _issued(agency, citizen)
    cache = tmp_path / "verifier"
    assert _verify(cache, "sync", "--server", server.url).returncode == 0
    file = tmp_path / "credential.txt"
    file.write_text(sd_jwt)
    fresh = _verify(cache, "credential", str(file))
    assert fresh.returncode == 0 and "Trạng thái cập nhật lúc" not in fresh.stdout
    later = str(int(time.time()) + 600)  # past the lists' ttl (300 s), within their exp (24 h)

    agency.client().set_status(credential_id, "revoked")
    online = run_module("qr.cli", "--cache", str(cache), "--at", later, "credential", str(file))
    assert online.returncode == 1 and "Đã bị thu hồi" in online.stdout  # refreshed before deciding

    agency.client().set_status(credential_id, "valid")
    (cache / "server.txt").write_text("http://127.0.0.1:9")  # the counter is offline now
    offline = run_module("qr.cli", "--cache", str(cache), "--at", later, "credential", str(file))
    assert offline.returncode == 1 and "Đã bị thu hồi" in offline.stdout  # what it last knew
    assert "Trạng thái cập nhật lúc" in offline.stdout and "Status as of" in offline.stdout
