"""DPoP for schemathesis: a fresh citizen and agency, and a fresh proof signed for every request."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests
import requests.auth

import crypto
from tests.support.agencies import TestAgency, register
from tests.support.raw import RawCitizen
from tests.support.server import WalletServer

TOKEN_REFRESH_SECONDS = 120  # well inside WALLET_TOKEN_TTL_SECONDS (300 by default)


@dataclass
class Caller:
    """One key and the DPoP token it got; logs in again before the token runs out."""

    key: crypto.EcPrivateKey
    login: object  # () -> str: a fresh access token
    cccd: str = ""  # the citizen's, for requests that name one
    token: str = ""
    since: float = 0.0

    def current_token(self) -> str:
        if not self.token or time.monotonic() - self.since > TOKEN_REFRESH_SECONDS:
            self.token = self.login()  # type: ignore[operator]  # a zero-argument callable
            self.since = time.monotonic()
        return self.token


class DpopAuth(requests.auth.AuthBase):
    """Sign each prepared request: the citizen's key under ``/v1/me``, the agency's under ``/v1/agency``."""

    def __init__(self, citizen: Caller, agency: Caller) -> None:
        self.citizen = citizen
        self.agency = agency

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        url = str(request.url)
        path = urlsplit(url).path
        if path == "/v1/me" or path.startswith("/v1/me/"):
            caller = self.citizen
        elif path.startswith("/v1/agency/"):
            caller = self.agency
        else:
            return request
        token = caller.current_token()
        parts = urlsplit(url)
        htu = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        proof = crypto.make_dpop_proof(
            caller.key, str(request.method), htu, now=int(time.time()), access_token=token
        )
        request.headers["Authorization"] = f"DPoP {token}"
        request.headers["DPoP"] = proof
        return request


def enrolled_citizen(server: WalletServer) -> Caller:
    """A citizen enrolled with a fresh ES256 device key, logging in with RFC 7523 + DPoP."""
    person = RawCitizen(server.url)
    assert person.enrol().status_code == 201

    def login() -> str:
        response = person.login()
        assert response.status_code == 200, response.text
        return person.token

    return Caller(person.key, login, cccd=person.cccd)


def registered_agency(server: WalletServer, tmp: Path) -> Caller:
    """An agency (issuer and requester) registered with the operator CLI, logging in like a device."""
    agency: TestAgency = register(server, tmp, roles="issuer,requester")
    client = agency.client()

    def login() -> str:
        client.login()
        assert client.token is not None
        return client.token

    return Caller(agency.key, login)


def session_for(auth: DpopAuth) -> requests.Session:
    """A requests session that signs every request it sends."""
    session = requests.Session()
    session.auth = auth
    return session
