"""Devices benchmark (issue 11): logging in with one of a citizen's 5 devices against logging in
with a citizen's only device, through HTTP on a real server, interleaved in one run (goal: ratio
<= 1.2). Also the next request with each token (the per-request check that the device is not
revoked). The four extra devices are paired through the API, as phones do.

And a request by a delegate against the same request by the owner (goal: ratio >= 0.8, the
owner's time over the delegate's): reading one document's metadata, the delegate under a mandate
(``Wallet-Mandate``: the mandate checked, its liveness re-read and the act written to both
citizens' logs in one write transaction).

Run ``PYTHONPATH=. .venv/bin/python -m bench.bench_devices`` (embedded default), or
``scripts/bench.sh devices`` (adds PostgreSQL + S3).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

import crypto
from tests.support import devices as pairing
from tests.support.raw import RawCitizen
from tests.support.server import WalletServer, scaled_env

DEVICES = 5


def paired(owner: RawCitizen, http: httpx.Client, name: str) -> RawCitizen:
    """A further device of ``owner``, paired through the API."""
    now = int(time.time())
    started = pairing.start(http, crypto.generate_private_key(), now, name, base=owner.base_url)
    assert pairing.show(http, owner.headers, started.code).status_code == 200
    head = pairing.log_head(http, owner.headers)
    token = pairing.approval(owner.key, owner.citizen_id, started, now, head)
    assert pairing.approve(http, owner.headers, started.pairing_id, token).status_code == 201
    device = RawCitizen(owner.base_url, key=started.key, citizen_id=owner.citizen_id)
    assert device.login().status_code == 200
    return device


def timed(call: Callable[[], httpx.Response]) -> float:
    started = time.perf_counter()
    response = call()
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.text[:200]
    return elapsed


def measure(
    label: str, env: dict[str, str], rounds: int, *, delegate_only: bool = False, repeat: int = 1
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = WalletServer(Path(tmp) / "data", env=env)
        server.start()
        try:
            if delegate_only:
                for _ in range(repeat):
                    _delegate(label, server.url, rounds)
                return
            many, only = RawCitizen(server.url), RawCitizen(server.url)
            for person in (many, only):
                assert person.enrol().status_code == 201 and person.login().status_code == 200
            with httpx.Client(base_url=server.url, timeout=60) as http:
                fleet = [many] + [paired(many, http, f"Thiết bị {n}") for n in range(2, DEVICES + 1)]
            one_of_five = fleet[2]  # neither the first nor the last added
            _compare(label, "login", rounds, one_of_five.login, only.login)
            _compare(
                label,
                "GET /v1/me",
                rounds,
                lambda: one_of_five.request("GET", "/v1/me"),
                lambda: only.request("GET", "/v1/me"),
            )
            _delegate(label, server.url, rounds)
        finally:
            server.stop()


def _delegate(label: str, url: str, rounds: int) -> None:
    """The same document read by its owner and by a delegate under a mandate, interleaved."""
    owner, delegate = RawCitizen(url), RawCitizen(url)
    for person in (owner, delegate):
        assert person.enrol().status_code == 201 and person.login().status_code == 200
    doc = owner.upload(b"%PDF-1.7\n" + os.urandom(2000), doc_type="birth-certificate").json()["id"]
    until = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 86400))
    body = {
        "delegate_cccd": delegate.cccd,
        "scope": {"documents": ["birth-certificate"]},
        "valid_until": until,
    }
    granted = owner.request("POST", "/v1/me/mandates", json=body)
    assert granted.status_code == 201, granted.text
    mandate = {"Wallet-Mandate": granted.json()["mandate_id"]}
    path = f"/v1/me/documents/{doc}"
    for _ in range(20):
        (
            timed(lambda: owner.request("GET", path)),
            timed(lambda: delegate.request("GET", path, headers=mandate)),
        )
    owner_times, delegate_times = [], []
    for _ in range(rounds):
        owner_times.append(timed(lambda: owner.request("GET", path)))
        delegate_times.append(timed(lambda: delegate.request("GET", path, headers=mandate)))
    owner_ms, delegate_ms = statistics.median(owner_times) * 1000, statistics.median(delegate_times) * 1000
    print(
        f"{label}: GET {path.rsplit('/', 1)[0]}/{{id}} by a delegate {delegate_ms:.2f} ms, by the owner "
        f"{owner_ms:.2f} ms, ratio {owner_ms / delegate_ms:.2f} (owner / delegate, goal >= 0.8)"
    )


def _compare(
    label: str, what: str, rounds: int, five: Callable[[], httpx.Response], one: Callable[[], httpx.Response]
) -> None:
    for _ in range(20):  # warm both paths
        timed(five), timed(one)
    five_times, one_times = [], []
    for _ in range(rounds):  # interleaved: the machine's noise falls on both alike
        five_times.append(timed(five))
        one_times.append(timed(one))
    five_ms, one_ms = statistics.median(five_times) * 1000, statistics.median(one_times) * 1000
    print(
        f"{label}: {what} with one of {DEVICES} devices {five_ms:.2f} ms, with the only device "
        f"{one_ms:.2f} ms, ratio {five_ms / one_ms:.2f} (goal <= 1.2)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--scaled", action="store_true", help="also on PostgreSQL + S3 (scripts/bench.sh)")
    parser.add_argument(
        "--delegate-only", action="store_true", help="only the delegate-vs-owner read (not the logins)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="with --delegate-only: runs per backend")
    args = parser.parse_args()
    measure("embedded (SQLite)", {}, args.rounds, delegate_only=args.delegate_only, repeat=args.repeat)
    if args.scaled:
        env = scaled_env(os.environ["WALLET_TEST_DATABASE_URL"], os.environ["WALLET_TEST_BLOB_URL"])
        measure(
            "scaled (PostgreSQL + S3)", env, args.rounds, delegate_only=args.delegate_only, repeat=args.repeat
        )


if __name__ == "__main__":
    main()
