"""A fake wallet server behind httpx.MockTransport, for unit tests of mobile_stub only.

It speaks the HTTP API v1 table of docs/internals.md closely enough to drive
the SDK, and checks every DPoP proof and client assertion with the real
``crypto`` functions. End-to-end tests run the real server instead.
"""

from __future__ import annotations

import io
import json
import re
import secrets
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote

import httpx

import crypto
from crypto import (
    CryptoError,
    check_client_assertion,
    check_dpop_proof,
    jwk_thumbprint,
    public_key_from_jwk,
)

BASE = "http://wallet.test"
START = 1_760_000_000.0


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Seen:
    """One request as the server received it."""

    request: httpx.Request
    body: bytes
    chunks: list[int]


@dataclass
class FakeWallet:
    """Just enough of the wallet server to exercise the phone client."""

    clock: FakeClock
    token_lifetime: int = 300
    seen: list[Seen] = field(default_factory=list)
    citizens: dict[str, dict[str, str]] = field(default_factory=dict)
    tokens: dict[str, tuple[str, int, str]] = field(default_factory=dict)
    documents: dict[str, tuple[dict[str, object], bytes]] = field(default_factory=dict)
    pages_served: int = 0
    proof_jtis: set[str] = field(default_factory=set)
    override: dict[str, httpx.Response] = field(default_factory=dict)
    service_key: crypto.EcPrivateKey = field(default_factory=crypto.generate_private_key)

    # -- plumbing ----------------------------------------------------------------
    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path in self.override:
            return self.override.pop(path)
        raw_path = request.url.raw_path.decode("ascii").partition("?")[0]
        for method, pattern, handler in self._routes():
            match = re.fullmatch(pattern, raw_path)
            if request.method == method and match:
                return handler(request, *(unquote(g) for g in match.groups()))
        return problem(404, "not_found", "Không tìm thấy", "no such route")

    def _routes(self) -> list[tuple[str, str, Callable[..., httpx.Response]]]:
        return [
            ("POST", r"/v1/citizens", self.enrol),
            ("POST", r"/v1/token", self.token),
            ("GET", r"/v1/me", self.me),
            ("DELETE", r"/v1/me", self.erase),
            ("GET", r"/v1/me/documents", self.list_docs),
            ("POST", r"/v1/me/documents", self.upload),
            ("GET", r"/v1/me/documents/([^/]+)", self.get_doc),
            ("DELETE", r"/v1/me/documents/([^/]+)", self.delete_doc),
            ("GET", r"/v1/me/documents/([^/]+)/content", self.content),
            ("GET", r"/v1/me/export", self.export),
            ("GET", r"/\.well-known/jwks\.json", self.jwks),
        ]

    def jwks(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"keys": [{**crypto.public_jwk(self.service_key), "kid": "fake-1"}]})

    def erasure_answer(self, kind: str) -> dict[str, object]:
        """The service's answer to an erasure, with a receipt signed like the service's."""
        erasure_id, now = str(uuid.uuid4()), self.now()
        claims = {
            "iss": BASE,
            "sub": erasure_id,
            "kind": kind,
            "erased_at": now,
            "final_by": now + 37 * 86400,
        }
        return {
            "erasure_id": erasure_id,
            "kind": kind,
            "erased_at": "2026-11-29T00:00:00Z",
            "final_by": "2027-01-05T00:00:00Z",
            "receipt_jws": crypto.sign_jws(self.service_key, claims, typ="erasure-receipt+jwt", kid="fake-1"),
        }

    def now(self) -> int:
        return int(self.clock())

    def authenticate(self, request: httpx.Request) -> str | httpx.Response:
        """The citizen id, or a 401 problem."""
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        entry = self.tokens.get(token)
        if scheme != "DPoP" or entry is None or entry[1] <= self.now():
            return problem(401, "invalid_token", "Phiên đăng nhập hết hạn", "token expired")
        try:
            proof = check_dpop_proof(
                request.headers["DPoP"],
                method=request.method,
                url=str(request.url),
                now=self.now(),
                access_token=token,
            )
        except (CryptoError, KeyError):
            return problem(401, "invalid_dpop_proof", "Bằng chứng DPoP sai", "bad proof")
        if proof.jkt != entry[2] or proof.jti in self.proof_jtis:
            return problem(401, "invalid_dpop_proof", "Bằng chứng DPoP sai", "replayed")
        self.proof_jtis.add(proof.jti)
        return entry[0]

    def expire_tokens(self) -> None:
        """The server forgets every token (e.g. its token key rotated)."""
        self.tokens.clear()

    # -- routes ------------------------------------------------------------------
    def enrol(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        jwk = body["device_jwk"]
        public_key_from_jwk(jwk)  # refuses a JWK with "d"
        citizen_id = f"c-{uuid.uuid4().hex[:12]}"
        self.citizens[citizen_id] = {
            "jkt": jwk_thumbprint(jwk),
            "full_name": body["full_name"],
            "date_of_birth": body["date_of_birth"],
            "jwk": json.dumps(jwk),
        }
        return httpx.Response(201, json={"citizen_id": citizen_id})

    def token(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        citizen = self.citizens.get(form.get("client_id", ""))
        if citizen is None:
            return problem(401, "invalid_client", "Thiết bị không hợp lệ", "unknown client")
        try:
            proof = check_dpop_proof(
                request.headers["DPoP"],
                method="POST",
                url=str(request.url),
                now=self.now(),
                access_token=None,
            )
            check_client_assertion(
                form["client_assertion"],
                public_key_from_jwk(json.loads(citizen["jwk"])),
                client_id=form["client_id"],
                audience=str(request.url),
                now=self.now(),
            )
        except (CryptoError, KeyError):
            return problem(401, "invalid_client", "Thiết bị không hợp lệ", "bad assertion")
        if proof.jkt != citizen["jkt"]:
            return problem(401, "invalid_dpop_proof", "Bằng chứng DPoP sai", "wrong key")
        token = secrets.token_urlsafe(24)
        self.tokens[token] = (form["client_id"], self.now() + self.token_lifetime, proof.jkt)
        return httpx.Response(
            200,
            json={"access_token": token, "token_type": "DPoP", "expires_in": self.token_lifetime},
        )

    def me(self, request: httpx.Request) -> httpx.Response:
        who = self.authenticate(request)
        if isinstance(who, httpx.Response):
            return who
        citizen = self.citizens[who]
        return httpx.Response(200, json={"citizen_id": who, "full_name": citizen["full_name"]})

    def erase(self, request: httpx.Request) -> httpx.Response:
        who = self.authenticate(request)
        if isinstance(who, httpx.Response):
            return who
        if request.headers.get("Erase-Confirm") != who:
            return problem(400, "erase_not_confirmed", "Chưa xác nhận", "bad Erase-Confirm")
        del self.citizens[who]
        return httpx.Response(200, json=self.erasure_answer("account"))

    def list_docs(self, request: httpx.Request) -> httpx.Response:
        who = self.authenticate(request)
        if isinstance(who, httpx.Response):
            return who
        wanted = request.url.params.get("type")
        items = [m for m, _ in self.documents.values() if wanted in (None, m["type"])][::-1]  # newest first
        limit = int(request.url.params.get("limit", "50"))
        start = int(
            request.url.params.get("cursor", "0")
        )  # the service's cursors are opaque; any will do here
        self.pages_served += 1
        more = start + limit < len(items)
        page = {"items": items[start : start + limit], "next_cursor": str(start + limit) if more else None}
        return httpx.Response(200, json=page)

    def upload(self, request: httpx.Request) -> httpx.Response:
        who = self.authenticate(request)
        if isinstance(who, httpx.Response):
            return who
        doc_id = f"d-{len(self.documents) + 1}"
        meta: dict[str, object] = {
            "id": doc_id,
            "type": request.url.params["type"],
            "filename": request.url.params.get("filename"),
            "content_type": request.headers["Content-Type"],
            "size": len(request.content),
            "provenance": "uploaded",
        }
        self.documents[doc_id] = (meta, request.content)
        return httpx.Response(201, json=meta)

    def get_doc(self, request: httpx.Request, doc_id: str) -> httpx.Response:
        who = self.authenticate(request)
        if isinstance(who, httpx.Response):
            return who
        if doc_id not in self.documents:
            return problem(404, "not_found", "Không tìm thấy tài liệu", f"no document {doc_id}")
        return httpx.Response(200, json=self.documents[doc_id][0])

    def delete_doc(self, request: httpx.Request, doc_id: str) -> httpx.Response:
        who = self.authenticate(request)
        if isinstance(who, httpx.Response):
            return who
        self.documents.pop(doc_id, None)
        return httpx.Response(200, json=self.erasure_answer("document"))

    def content(self, request: httpx.Request, doc_id: str) -> httpx.Response:
        who = self.authenticate(request)
        if isinstance(who, httpx.Response):
            return who
        meta, data = self.documents[doc_id]
        return httpx.Response(200, content=data, headers={"Content-Type": str(meta["content_type"])})

    def export(self, request: httpx.Request) -> httpx.Response:
        who = self.authenticate(request)
        if isinstance(who, httpx.Response):
            return who
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("manifest.json", json.dumps([m for m, _ in self.documents.values()]))
            for meta, data in self.documents.values():
                archive.writestr(f"documents/{meta['id']}-{meta['filename']}", data)
        return httpx.Response(200, content=buffer.getvalue(), headers={"Content-Type": "application/zip"})


def problem(status: int, code: str, title: str, detail: str) -> httpx.Response:
    body = {
        "type": f"https://wallet.example/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    return httpx.Response(
        status,
        content=json.dumps(body, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/problem+json"},
    )


class ChunkRecordingTransport(httpx.MockTransport):
    """A MockTransport that notes how the request body arrived before handing it on."""

    def __init__(self, wallet: FakeWallet) -> None:
        super().__init__(wallet.handle)
        self.wallet = wallet

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        chunks = [bytes(c) for c in request.stream]
        request.stream = httpx.ByteStream(b"".join(chunks))
        request.read()
        self.wallet.seen.append(Seen(request, request.content, [len(c) for c in chunks]))
        return super().handle_request(request)
