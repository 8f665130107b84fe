"""Register agencies through the real ``wallet agency`` CLI and drive them with the agency SDK."""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import crypto
from tests.support.server import WalletServer
from wallet_api.clients.agency import AgencyClient


@dataclass
class TestAgency:
    """An agency with its own key, registered with the operator's CLI."""

    __test__ = False  # not a pytest class

    server: WalletServer
    agency_id: str
    key: crypto.EcPrivateKey = field(default_factory=crypto.generate_private_key)

    @property
    def kid(self) -> str:
        return crypto.jwk_thumbprint(crypto.public_jwk(self.key))

    def jwks(self) -> dict[str, object]:
        return {"keys": [{**crypto.public_jwk(self.key), "kid": self.kid}]}

    def client(self) -> AgencyClient:
        return AgencyClient(self.server.url, self.agency_id, self.key, kid=self.kid, accept_language="en")


def register(
    server: WalletServer,
    tmp: Path,
    name: str = "Sở Tư pháp thành phố Đà Nẵng",
    roles: str = "issuer",
    types: str = "birth-certificate,marriage-certificate",
    valid_until: str = "2099-01-01",
    valid_from: str | None = None,
    agency_id: str | None = None,
) -> TestAgency:
    """Register a fresh agency; returns it with its private key (kept by the test)."""
    agency = TestAgency(server, agency_id or f"so-tu-phap-{uuid.uuid4().hex[:8]}")
    jwks = tmp / f"{agency.agency_id}.jwks.json"
    jwks.write_text(json.dumps(agency.jwks()))
    args = [
        "agency",
        "add",
        "--id",
        agency.agency_id,
        "--name",
        name,
        "--roles",
        roles,
        "--types",
        types,
        "--jwks",
        str(jwks),
        "--valid-until",
        valid_until,
    ]
    if valid_from:
        args += ["--valid-from", valid_from]
    result = server.wallet(*args)
    assert "Registered" in result.stdout, result.stderr
    return agency


BIRTH_CLAIMS = {
    "full_name": "Nguyễn Thị Minh Khai",
    "date_of_birth": "1990-05-01",
    "place_of_birth": "Bệnh viện Phụ sản Đà Nẵng",
    "sex": "Nữ",
    "father_name": "Nguyễn Văn Bảy",
    "mother_name": "Lê Thị Tám",
    "registration_number": "123/2024",
    "registration_date": "1990-05-10",
}


def document_jws(agency: TestAgency, content: bytes, content_type: str, **changes: object) -> str:
    """The detached JWS an agency sends with an issued file that is not a signed PDF."""
    claims = {
        "iss": agency.agency_id,
        "iat": int(time.time()),
        "sha256": base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=").decode(),
        "type": "procedure-result",
        "number": "123/QĐ-STP",
        "issue_date": "2026-11-20",
        "procedure_code": "1.001193",
        "content_type": content_type,
        **changes,
    }
    return crypto.sign_jws(agency.key, claims, typ="wallet-document+jwt", kid=agency.kid)
