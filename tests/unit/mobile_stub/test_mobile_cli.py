"""The wallet-mobile CLI through click's CliRunner, against the fake server."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from pathlib import Path

from click.testing import CliRunner, Result
from mobile_fakes import BASE, ChunkRecordingTransport, FakeClock, FakeWallet

from mobile_stub.cli import CliEnv, cli


def run(transport: ChunkRecordingTransport, clock: FakeClock, home: Path, *args: str) -> Result:
    env = CliEnv(transport=transport, clock=clock)
    base = ["--server", BASE, "--home", str(home)]
    return CliRunner().invoke(cli, [*base, *args], obj=env, catch_exceptions=False)


def test_init_enrol_upload_list_show_download(
    transport: ChunkRecordingTransport, clock: FakeClock, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    result = run(transport, clock, home, "device", "init")
    assert result.exit_code == 0, result.output
    assert "Đã tạo khoá thiết bị / Device key created" in result.output
    assert (home / "device.pem").exists()

    nfd = unicodedata.normalize("NFD", "Trần Đức Lộc")
    result = run(
        transport,
        clock,
        home,
        "enrol",
        "--cccd",
        "079201000123",
        "--name",
        nfd,
        "--dob",
        "17/05/2001",
    )
    assert result.exit_code == 0, result.output
    assert "Đã đăng ký thiết bị / Device enrolled: c-" in result.output
    enrol = json.loads(next(s for s in transport.wallet.seen if s.request.url.path == "/v1/citizens").body)
    assert enrol["date_of_birth"] == "2001-05-17"

    result = run(transport, clock, home, "me")
    assert "Họ và tên / Full name: Trần Đức Lộc" in result.stdout
    assert unicodedata.is_normalized("NFC", result.stdout)

    paper = tmp_path / "bằng tốt nghiệp.pdf"
    paper.write_bytes(b"%PDF diploma" * 10_000)
    result = run(transport, clock, home, "upload", str(paper), "--type", "diploma")
    assert result.exit_code == 0, result.output
    assert "Đã tải lên tài liệu / Document uploaded: d-1" in result.stdout

    result = run(transport, clock, home, "list", "--type", "diploma")
    assert "d-1  diploma  bằng tốt nghiệp.pdf  120000  tự tải lên / uploaded" in result.stdout

    result = run(transport, clock, home, "show", "d-1")
    assert "Tên tệp / File name: bằng tốt nghiệp.pdf" in result.stdout

    out = tmp_path / "copy.pdf"
    result = run(transport, clock, home, "download", "d-1", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == paper.read_bytes()


def test_server_problem_prints_title_and_detail_and_fails(
    transport: ChunkRecordingTransport, clock: FakeClock, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    run(transport, clock, home, "device", "init")
    run(
        transport,
        clock,
        home,
        "enrol",
        "--cccd",
        "079201000123",
        "--name",
        "An",
        "--dob",
        "2001-05-17",
    )
    result = run(transport, clock, home, "show", "d-404")
    assert result.exit_code == 1
    assert "Lỗi từ máy chủ / Server error: 404 Không tìm thấy tài liệu" in result.stderr
    assert "no document d-404" in result.stderr


def test_local_errors_are_bilingual(
    transport: ChunkRecordingTransport, clock: FakeClock, tmp_path: Path
) -> None:
    result = run(transport, clock, tmp_path / "empty", "me")
    assert result.exit_code == 1
    assert "Thiết bị chưa đăng ký" in result.stderr
    assert "Device not enrolled" in result.stderr


def test_erase_needs_yes(
    transport: ChunkRecordingTransport, clock: FakeClock, tmp_path: Path, wallet: FakeWallet
) -> None:
    home = tmp_path / "home"
    run(transport, clock, home, "device", "init")
    run(
        transport,
        clock,
        home,
        "enrol",
        "--cccd",
        "079201000123",
        "--name",
        "An",
        "--dob",
        "2001-05-17",
    )
    refused = run(transport, clock, home, "erase")
    assert refused.exit_code == 2
    assert not any(s.request.method == "DELETE" for s in wallet.seen)
    result = run(transport, clock, home, "erase", "--yes")
    assert result.exit_code == 0, result.output
    assert "Đã xoá vĩnh viễn tài khoản / Account erased" in result.stdout
    final = dt.datetime.fromtimestamp(int(clock()) + 37 * 86400, tz=dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    assert "Signed erasure receipt kept" in result.stdout and f"can be opened from: {final}" in result.stdout
    assert wallet.citizens == {}
    listed = run(transport, clock, home, "erasures")  # kept on the phone after the account is gone
    assert listed.exit_code == 0 and "Erasure receipts: 1" in listed.stdout, listed.output
    (kept,) = (home / "erasure-receipts").iterdir()
    body = json.loads(kept.read_text())
    head, payload, signature = body["receipt_jws"].split(".")
    kept.write_text(json.dumps({"receipt_jws": f"{head}.{payload}x.{signature}"}))  # tampered
    tampered = run(transport, clock, home, "erasures")
    assert tampered.exit_code == 1 and "erasure receipt is not valid" in tampered.output
