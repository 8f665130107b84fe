"""A deliberately low-level citizen client for tests that must craft bad requests."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

import crypto

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def valid_cccd(
    birth_year: int | None = None, female: bool | None = None, province: str = "048"
) -> tuple[str, str]:
    """A random CCCD number that passes every rule, with a matching date of birth."""
    year = birth_year or random.randint(1930, 2008)
    sex = random.randint(0, 1) if female is None else int(female)
    century_digit = (year // 100 - 19) * 2 + sex
    number = f"{province}{century_digit}{year % 100:02d}{random.randint(0, 999_999):06d}"
    return number, f"{year}-{random.randint(1, 12):02d}-{random.randint(1, 28):02d}"


@dataclass
class RawCitizen:
    """A device key, an enrolled citizen and helpers to sign requests by hand."""

    base_url: str
    key: crypto.EcPrivateKey = field(default_factory=crypto.generate_private_key)
    citizen_id: str = ""
    token: str = ""
    cccd: str = ""
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=60))

    def enrol(
        self, name: str = "Nguyễn Thị Minh Khai", cccd: str | None = None, dob: str | None = None
    ) -> httpx.Response:
        if cccd is None:
            cccd, dob = valid_cccd()
        self.cccd = cccd
        r = self.http.post(
            self.base_url + "/v1/citizens",
            json={
                "cccd": cccd,
                "full_name": name,
                "date_of_birth": dob,
                "device_jwk": crypto.public_jwk(self.key),
            },
        )
        if r.status_code == 201:
            self.citizen_id = r.json()["citizen_id"]
        return r

    def login(self, now: int | None = None) -> httpx.Response:
        url = self.base_url + "/v1/token"
        now = now or int(time.time())
        r = self.http.post(
            url,
            data={
                "grant_type": "client_credentials",
                "client_id": self.citizen_id,
                "client_assertion_type": ASSERTION_TYPE,
                "client_assertion": crypto.make_client_assertion(self.key, self.citizen_id, url, now=now),
            },
            headers={"DPoP": crypto.make_dpop_proof(self.key, "POST", url, now=now)},
        )
        if r.status_code == 200:
            self.token = r.json()["access_token"]
        return r

    def proof(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        key: crypto.EcPrivateKey | None = None,
        now: int | None = None,
    ) -> str:
        return crypto.make_dpop_proof(
            key or self.key,
            method,
            self.base_url + path.split("?")[0],
            now=now or int(time.time()),
            access_token=token or self.token,
        )

    def headers(self, method: str, path: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"DPoP {self.token}", "DPoP": self.proof(method, path), **extra}

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers(method, path), **kwargs.pop("headers", {})}
        return self.http.request(method, self.base_url + path, headers=headers, **kwargs)

    def upload(
        self,
        body: bytes,
        content_type: str = "application/pdf",
        doc_type: str = "other",
        filename: str = "giấy tờ.pdf",
    ) -> httpx.Response:
        return self.request(
            "POST",
            f"/v1/me/documents?type={doc_type}&filename={filename}",
            content=body,
            headers={"Content-Type": content_type},
        )
