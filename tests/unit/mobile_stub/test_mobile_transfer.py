"""Downloads and exports: written whole and atomically, or not at all."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from mobile_fakes import FakeWallet

from mobile_stub import TransferIntegrityError, WalletClient

# -- download -----------------------------------------------------------------


def stored(enrolled: WalletClient, tmp_path: Path, data: bytes) -> str:
    source = tmp_path / "source.pdf"
    source.write_bytes(data)
    return str(enrolled.upload(source, "result")["id"])


def test_download_writes_the_whole_file(enrolled: WalletClient, tmp_path: Path) -> None:
    data = bytes(range(256)) * 4000
    doc_id = stored(enrolled, tmp_path, data)
    out = tmp_path / "out" / "copy.pdf"
    out.parent.mkdir()
    progress: list[tuple[int, int | None]] = []
    enrolled.download(doc_id, out, lambda d, t: progress.append((d, t)))
    assert out.read_bytes() == data
    assert progress[-1] == (len(data), len(data))
    assert list(out.parent.iterdir()) == [out]


def test_download_of_a_short_body_raises_and_leaves_no_file(
    enrolled: WalletClient, wallet: FakeWallet, tmp_path: Path
) -> None:
    doc_id = stored(enrolled, tmp_path, b"x" * 1000)
    wallet.override[f"/v1/me/documents/{doc_id}/content"] = httpx.Response(
        200, content=b"x" * 500, headers={"Content-Length": "1000"}
    )
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    with pytest.raises(TransferIntegrityError):
        enrolled.download(doc_id, out_dir / "copy.pdf")
    assert list(out_dir.iterdir()) == []


def test_download_cut_off_midway_raises_and_leaves_no_file(
    enrolled: WalletClient, wallet: FakeWallet, tmp_path: Path
) -> None:
    doc_id = stored(enrolled, tmp_path, b"x" * 1000)

    def body() -> Iterator[bytes]:
        yield b"x" * 400
        raise httpx.ReadError("connection reset")

    wallet.override[f"/v1/me/documents/{doc_id}/content"] = httpx.Response(
        200, content=body(), headers={"Content-Length": "1000"}
    )
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    (out_dir / "copy.pdf").write_bytes(b"older copy")
    with pytest.raises(TransferIntegrityError):
        enrolled.download(doc_id, out_dir / "copy.pdf")
    assert [p.name for p in out_dir.iterdir()] == ["copy.pdf"]
    assert (out_dir / "copy.pdf").read_bytes() == b"older copy"


def test_download_without_content_length_is_refused(
    enrolled: WalletClient, wallet: FakeWallet, tmp_path: Path
) -> None:
    doc_id = stored(enrolled, tmp_path, b"x")
    wallet.override[f"/v1/me/documents/{doc_id}/content"] = httpx.Response(200, content=iter([b"x"]))
    with pytest.raises(TransferIntegrityError):
        enrolled.download(doc_id, tmp_path / "copy.pdf")
    assert not (tmp_path / "copy.pdf").exists()


# -- export ---------------------------------------------------------------------


def test_export_saves_a_checked_zip(enrolled: WalletClient, tmp_path: Path) -> None:
    doc_id = stored(enrolled, tmp_path, b"%PDF result")
    enrolled.export(tmp_path / "all.zip")
    with zipfile.ZipFile(tmp_path / "all.zip") as archive:
        assert f"documents/{doc_id}-source.pdf" in archive.namelist()


def test_a_truncated_export_leaves_no_file(
    enrolled: WalletClient, wallet: FakeWallet, tmp_path: Path
) -> None:
    stored(enrolled, tmp_path, b"%PDF result" * 100)
    whole = wallet.export(wallet.seen[-1].request).content
    wallet.override["/v1/me/export"] = httpx.Response(200, content=iter([whole[: len(whole) // 2]]))
    with pytest.raises(TransferIntegrityError):
        enrolled.export(tmp_path / "all.zip")
    assert not (tmp_path / "all.zip").exists()
