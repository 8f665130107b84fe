"""Consent benchmark (issue 4): a consented pull by an agency against the citizen fetching the same item.

    PYTHONPATH=. .venv/bin/python -m bench.bench_consent [--seconds N] [--connections C] [--skip-scaled]

A real ``wallet serve`` (one worker) on loopback; a birth-certificate SD-JWT VC
of about 4 KiB issued into a citizen's wallet; a requester agency with an
approved consent for it. wrk replays pre-made, single-use DPoP proofs:

* baseline: ``GET /v1/me/credentials/{id}``, the citizen reading it (token +
  DPoP + read + decrypt);
* pull: ``GET /v1/agency/consents/{consent}/credentials/{id}``, the agency
  (token + DPoP + consent check + decrypt + cutting the disclosures + one use
  taken atomically + the access appended to the citizen's Merkle log).

Both at the same load (``wrk -t1 -cC``); the ratio pull / baseline is the
figure (aim >= 0.7). With ``WALLET_TEST_DATABASE_URL`` / ``WALLET_TEST_BLOB_URL``
(``scripts/bench.sh``) the same runs on PostgreSQL + S3. The log's own scaling
(1M entries) is ``bench/bench_log.py``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import crypto
from bench.bench_vault import enrolled, proof_lines, run_server, wrk_rate
from tests.support.agencies import BIRTH_CLAIMS, register
from tests.support.consents import BIRTH_VCT, approve_credential, consenting
from tests.support.raw import RawCitizen
from tests.support.server import WalletServer, scaled_env
from wallet_api.clients.agency_consents import ConsentingAgencyClient

TARGET = 4096  # bytes of SD-JWT


def _claims(pad: int) -> dict[str, str]:
    """Birth-certificate claims with three long ones, ``pad`` characters each."""
    place = "Bệnh viện Phụ sản – Nhi Đà Nẵng, 402 Lê Văn Hiến, phường Khuê Mỹ, quận Ngũ Hành Sơn, "
    long = (place * 40)[:pad]
    return {**BIRTH_CLAIMS, "place_of_birth": long, "father_name": long, "mother_name": long}


def issue_4k(server: WalletServer, tmp: Path, citizen: RawCitizen) -> tuple[str, int]:
    """Issue a ~4 KiB credential into the citizen's wallet; its id and size."""
    issuer = register(server, tmp, roles="issuer", types="birth-certificate")
    client = issuer.client()
    pad, sd_jwt = 300, ""
    for _ in range(8):  # the size of the claims that reach TARGET, found by a few tries
        sd_jwt = client.sign_credential(citizen.cccd, BIRTH_VCT, _claims(pad))
        pad = max(10, min(1000, pad + int((TARGET - len(sd_jwt)) * 0.7 / 3)))
        if abs(len(sd_jwt) - TARGET) < 64:
            break
    return str(client.issue_credential(citizen.cccd, sd_jwt)["credential_id"]), len(sd_jwt)


def approved_consent(
    server: WalletServer, tmp: Path, citizen: RawCitizen, credential_id: str
) -> tuple[ConsentingAgencyClient, str]:
    """A requester and a consent to the credential, approved, with uses enough for the run."""
    requester = consenting(
        register(server, tmp, name="Ủy ban nhân dân phường Hải Châu", roles="requester", types="")
    )
    asked = requester.request_consent(
        citizen.cccd,
        purpose="Đăng ký khai sinh cho con",
        procedure_code="1.001193",
        case_number="HS-BENCH",
        items=[{"type": "birth-certificate"}],
        valid_for_seconds=86400,
        max_uses=1_000_000,
    )
    assert approve_credential(citizen, asked["id"], credential_id).status_code == 200
    return requester, str(asked["id"])


def agency_lines(agency: ConsentingAgencyClient, path: str, count: int) -> list[str]:
    """``count`` single-use request lines for ``path`` with the agency's token and DPoP proofs."""
    agency.login()
    now, url = int(time.time()), agency.base_url + path
    token = agency.token or ""
    return [
        f"{path}\tDPoP {token}\t{crypto.make_dpop_proof(agency.key, 'GET', url, now=now, access_token=token)}"
        for _ in range(count)
    ]


def measure(server: WalletServer, tmp: Path, seconds: int, connections: int) -> None:
    """Print both rates and their ratio for ``server``."""
    citizen = enrolled(server)
    credential_id, size = issue_4k(server, tmp, citizen)
    agency, consent_id = approved_consent(server, tmp, citizen, credential_id)
    own = f"/v1/me/credentials/{credential_id}"
    pull = f"/v1/agency/consents/{consent_id}/credentials/{credential_id}"
    health = wrk_rate(server, ["/health\t\t"], seconds, connections)
    count = int(health * seconds * 1.2) + 1000
    citizen.login()
    mine = wrk_rate(server, proof_lines(citizen, own, count), seconds, connections)
    pulls = wrk_rate(server, agency_lines(agency, pull, count), seconds, connections)
    citizen.login()
    log_size = citizen.request("GET", "/v1/me/log?limit=1").json()["tree_size"]
    print(f"  credential: {size} bytes of SD-JWT; wrk -t1 -c{connections}, {seconds} s each")
    print(f"  unauthenticated /health:                 {health:8.0f} req/s")
    print(f"  citizen reads own credential:            {mine:8.0f} req/s")
    print(f"  agency consented pull (+ use + log):     {pulls:8.0f} req/s")
    print(
        f"  ratio pull / own read: {pulls / mine:.2f} (aim >= 0.7); "
        f"the citizen's log now holds {log_size} entries"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--skip-scaled", action="store_true")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="wallet-bench-consent-"))

    print("== Consented pull vs own read of a ~4 KiB credential, embedded default (SQLite + files) ==")
    server = run_server(root, "embedded")
    try:
        measure(server, root, args.seconds, args.connections)
    finally:
        server.stop()

    if args.skip_scaled or not os.environ.get("WALLET_TEST_DATABASE_URL"):
        print("\n(scaled backends skipped: run through scripts/bench.sh or set WALLET_TEST_DATABASE_URL)")
        return
    env = scaled_env(os.environ["WALLET_TEST_DATABASE_URL"], os.environ["WALLET_TEST_BLOB_URL"])
    print("\n== The same on PostgreSQL + S3 (SeaweedFS) ==")
    scaled = run_server(root, "scaled", env=env)
    try:
        measure(scaled, root, args.seconds, args.connections)
    finally:
        scaled.stop()


if __name__ == "__main__":
    main()
