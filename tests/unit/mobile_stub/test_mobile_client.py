"""WalletClient against a fake server: key custody, DPoP on every call, streaming."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from mobile_fakes import BASE, ChunkRecordingTransport, FakeClock, FakeWallet, problem

from crypto import check_dpop_proof, unverified_header
from mobile_stub import (
    Device,
    DeviceState,
    NetworkError,
    NotEnrolled,
    UnsupportedContentType,
    WalletClient,
    WalletError,
)

MIB = 1024 * 1024


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jws_claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def keys_anywhere(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from keys_anywhere(item)
    elif isinstance(value, list):
        for item in value:
            yield from keys_anywhere(item)


def authed(wallet: FakeWallet) -> list[httpx.Request]:
    return [s.request for s in wallet.seen if "Authorization" in s.request.headers]


def paths(wallet: FakeWallet) -> list[str]:
    return [f"{s.request.method} {s.request.url.path}" for s in wallet.seen]


def exercise(client: WalletClient, tmp_path: Path) -> None:
    """One of every authenticated call."""
    source = tmp_path / "giấy khai sinh.pdf"
    source.write_bytes(b"%PDF-1.7 birth certificate")
    meta = client.upload(source, "birth_certificate")
    client.me()
    client.list_documents("birth_certificate")
    client.get_document(meta["id"])
    client.download(meta["id"], tmp_path / "copy.pdf")
    client.export(tmp_path / "all.zip")
    client.delete_document(meta["id"])
    client.erase()


def test_only_the_public_jwk_ever_leaves_the_device(
    enrolled: WalletClient, wallet: FakeWallet, device: Device, tmp_path: Path
) -> None:
    exercise(enrolled, tmp_path)
    enrol = json.loads(wallet.seen[0].body)
    assert set(enrol["device_jwk"]) == {"kty", "crv", "x", "y"}
    assert enrol["device_jwk"] == device.public_jwk()
    scalar = device.private_key().private_numbers().private_value.to_bytes(32, "big")
    secrets = [b64url(scalar).encode(), scalar, device.key_path.read_bytes()[40:80]]
    for seen in wallet.seen:
        wire = seen.body + b"".join(k.encode() + v.encode() for k, v in seen.request.headers.items())
        assert not any(secret in wire for secret in secrets)
        if seen.request.headers.get("Content-Type", "").endswith("json"):
            assert "d" not in set(keys_anywhere(json.loads(seen.body)))
        if "DPoP" in seen.request.headers:
            assert "d" not in unverified_header(seen.request.headers["DPoP"])["jwk"]


def test_every_authenticated_request_has_a_matching_fresh_proof(
    enrolled: WalletClient, wallet: FakeWallet, clock: FakeClock, tmp_path: Path
) -> None:
    exercise(enrolled, tmp_path)
    requests = authed(wallet)
    assert len(requests) == 8
    jtis = set()
    for request in requests:
        scheme, token = request.headers["Authorization"].split(" ")
        assert scheme == "DPoP"
        proof = request.headers["DPoP"]
        checked = check_dpop_proof(
            proof, method=request.method, url=str(request.url), now=int(clock()), access_token=token
        )
        claims = jws_claims(proof)
        assert claims["htm"] == request.method
        assert claims["htu"] == str(request.url.copy_with(query=None))
        assert "?" not in claims["htu"]
        assert claims["ath"] == b64url(hashlib.sha256(token.encode()).digest())
        jtis.add(checked.jti)
    assert len(jtis) == len(requests)
    list_request = next(r for r in requests if r.url.params.get("type"))
    assert list_request.url.query  # the query was sent, and left out of htu


def test_login_sends_a_client_assertion_for_the_token_endpoint(
    enrolled: WalletClient, wallet: FakeWallet, clock: FakeClock
) -> None:
    enrolled.login()
    token_request = wallet.seen[-1]
    assert token_request.request.url == httpx.URL(BASE + "/v1/token")
    form = dict(httpx.QueryParams(token_request.body.decode()))
    assert form["grant_type"] == "client_credentials"
    assert form["client_id"] == enrolled.state.citizen_id
    assertion = jws_claims(form["client_assertion"])
    assert assertion["aud"] == BASE + "/v1/token"
    assert assertion["iss"] == assertion["sub"] == enrolled.state.citizen_id
    proof = jws_claims(token_request.request.headers["DPoP"])
    assert proof["htm"] == "POST"
    assert proof["htu"] == BASE + "/v1/token"
    assert "ath" not in proof
    state = Device(enrolled.device.home).load_state()
    assert state.access_token is not None
    assert state.token_expires_at == int(clock()) + wallet.token_lifetime


def test_token_is_reused_then_renewed_before_it_lapses(
    enrolled: WalletClient, wallet: FakeWallet, clock: FakeClock
) -> None:
    enrolled.me()
    enrolled.me()
    clock.advance(wallet.token_lifetime)
    enrolled.me()
    assert paths(wallet).count("POST /v1/token") == 2
    assert paths(wallet).count("GET /v1/me") == 3  # renewed beforehand: no 401 round trip


def test_a_401_logs_in_again_once_and_retries(
    enrolled: WalletClient, wallet: FakeWallet, tmp_path: Path
) -> None:
    enrolled.me()
    wallet.expire_tokens()
    source = tmp_path / "scan.png"
    source.write_bytes(b"\x89PNG" + b"x" * 300_000)
    meta = enrolled.upload(source, "scan")
    assert wallet.documents[meta["id"]][1] == source.read_bytes()  # the retry sent it whole
    assert paths(wallet).count("POST /v1/token") == 2


def test_a_second_401_is_reported(
    enrolled: WalletClient, wallet: FakeWallet, transport: ChunkRecordingTransport
) -> None:
    enrolled.me()
    original = wallet.handle

    def always_401(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/me":
            return problem(401, "invalid_token", "Hết hạn", "expired")
        return original(request)

    transport.handler = always_401
    with pytest.raises(WalletError) as caught:
        enrolled.me()
    assert caught.value.status == 401
    assert paths(wallet).count("GET /v1/me") == 3  # first call, one retry, no more


def test_problem_details_become_wallet_error(enrolled: WalletClient) -> None:
    with pytest.raises(WalletError) as caught:
        enrolled.get_document("nope/../../me")
    error = caught.value
    assert (error.status, error.code) == (404, "not_found")
    assert error.title == "Không tìm thấy tài liệu"
    assert error.detail == "no document nope/../../me"


def test_network_failure_is_its_own_error(device: Device) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with (
        WalletClient(BASE, device, transport=httpx.MockTransport(refuse)) as client,
        pytest.raises(NetworkError),
    ):
        client.enrol("001099012345", "An", "1999-05-17")


def test_calls_need_enrolment(client: WalletClient) -> None:
    with pytest.raises(NotEnrolled):
        client.me()


def test_accept_language(device: Device, transport: ChunkRecordingTransport, clock: FakeClock) -> None:
    with WalletClient(BASE, device, transport=transport, accept_language="en", clock=clock) as client:
        client.enrol("001099012345", "An", "1999-05-17")
    assert transport.wallet.seen[-1].request.headers["Accept-Language"] == "en"


def test_enrol_stores_state_and_normalises_the_name(
    device: Device, transport: ChunkRecordingTransport, clock: FakeClock
) -> None:
    nfd_name = unicodedata.normalize("NFD", "Nguyễn Thị Ánh")
    with WalletClient(BASE + "/", device, transport=transport, clock=clock) as client:
        citizen_id = client.enrol(" 001099012345 ", nfd_name, "1999-05-17")
    # Enrolling logs in at once: that is how the device learns the outcome (docs/rights.md).
    enrol, token = transport.wallet.seen[-2:]
    assert token.request.url.path == "/v1/token"
    body = json.loads(enrol.body)
    assert body["full_name"] == unicodedata.normalize("NFC", nfd_name)
    assert body["cccd"] == "001099012345"
    assert device.load_state().citizen_id == citizen_id and device.load_state().server == BASE


# -- upload -------------------------------------------------------------------


class ReadTracker(io.BufferedReader):
    """A file that remembers how much each read asked for."""

    def __init__(self, path: Path) -> None:
        super().__init__(io.FileIO(path, "rb"))
        self.asked: list[int] = []

    def read(self, size: int | None = -1) -> bytes:
        self.asked.append(-1 if size is None else size)
        return super().read(size)


def test_upload_streams_a_large_file_in_chunks(
    enrolled: WalletClient, wallet: FakeWallet, tmp_path: Path
) -> None:
    source = tmp_path / "big.pdf"
    source.write_bytes(b"%PDF" + bytes(range(256)) * (5 * MIB // 256))
    seen_progress: list[tuple[int, int | None]] = []
    with ReadTracker(source) as stream:
        meta = enrolled.upload(stream, "diploma", progress=lambda d, t: seen_progress.append((d, t)))
    assert stream.asked and all(0 < n <= MIB for n in stream.asked)  # never read(-1)
    upload = next(s for s in wallet.seen if s.request.method == "POST" and "documents" in str(s.request.url))
    assert len(upload.chunks) >= 5
    assert max(upload.chunks) <= MIB
    assert upload.request.headers["Content-Type"] == "application/pdf"
    assert upload.request.headers["Content-Length"] == str(source.stat().st_size)
    assert upload.request.url.params["filename"] == "big.pdf"
    assert wallet.documents[meta["id"]][1] == source.read_bytes()
    assert seen_progress[-1] == (source.stat().st_size, source.stat().st_size)


def test_upload_of_an_unseekable_stream_is_chunked(enrolled: WalletClient, wallet: FakeWallet) -> None:
    data = b'{"a": 1}' * 50_000

    class Pipe(io.RawIOBase):
        def __init__(self) -> None:
            self.inner = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            chunk = self.inner.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    meta = enrolled.upload(Pipe(), "other", "application/json", filename="dữ liệu.json")  # type: ignore[arg-type]
    upload = wallet.seen[-1]
    assert upload.request.headers.get("Transfer-Encoding") == "chunked"
    assert wallet.documents[meta["id"]][1] == data
    assert upload.request.url.params["filename"] == "dữ liệu.json"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("a.PDF", "application/pdf"),
        ("b.jpeg", "image/jpeg"),
        ("c.jpg", "image/jpeg"),
        ("d.png", "image/png"),
        ("e.json", "application/json"),
    ],
)
def test_content_type_is_guessed(
    enrolled: WalletClient, wallet: FakeWallet, tmp_path: Path, name: str, expected: str
) -> None:
    (tmp_path / name).write_bytes(b"x")
    enrolled.upload(tmp_path / name, "scan")
    assert wallet.seen[-1].request.headers["Content-Type"] == expected


def test_unknown_file_type_is_refused_before_sending(
    enrolled: WalletClient, wallet: FakeWallet, tmp_path: Path
) -> None:
    (tmp_path / "notes.txt").write_text("x")
    before = len(wallet.seen)
    with pytest.raises(UnsupportedContentType):
        enrolled.upload(tmp_path / "notes.txt", "scan")
    assert len(wallet.seen) == before


def test_erase_confirms_with_the_citizen_id_and_forgets_the_account(
    enrolled: WalletClient, wallet: FakeWallet, device: Device
) -> None:
    citizen_id = enrolled.state.citizen_id
    enrolled.erase()
    erase = wallet.seen[-1].request
    assert (erase.method, erase.url.path) == ("DELETE", "/v1/me")
    assert erase.headers["Erase-Confirm"] == citizen_id
    assert citizen_id not in wallet.citizens
    assert device.load_state() == DeviceState()


def test_a_long_list_is_walked_page_by_page(
    enrolled: WalletClient, wallet: FakeWallet, tmp_path: Path
) -> None:
    for n in range(5):
        source = tmp_path / f"scan-{n}.pdf"
        source.write_bytes(b"%PDF-1.7\n" + bytes([n]) * 100)
        enrolled.upload(source, "other")
    before = wallet.pages_served
    walked = [m["filename"] for m in enrolled.pages("/v1/me/documents", {}, page_size=2)]
    assert walked == [f"scan-{n}.pdf" for n in (4, 3, 2, 1, 0)]  # newest first, none twice, none lost
    assert wallet.pages_served == before + 3  # 2 + 2 + 1, following next_cursor
    assert [m["filename"] for m in enrolled.list_documents(limit=2)] == ["scan-4.pdf", "scan-3.pdf"]
    assert wallet.pages_served == before + 4  # --limit: one page only
