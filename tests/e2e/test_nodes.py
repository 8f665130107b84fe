"""Two ``wallet serve`` nodes over one PostgreSQL and one S3 behave as one service.

The nodes share nothing but the database, the object store and the master key (as two machines
behind a load balancer would); every client reaches them through ``Balancer``, alternating, under
one public origin. Replay ids, consent uses, access-log appends and signing-key rotation must all
hold across the two.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

import crypto
from crypto.transparency.proofs import ConsistencyProof, InclusionProof
from crypto.transparency.verify import verify_entry, verify_head_consistency, verify_tree_head
from tests.support.agencies import TestAgency, register
from tests.support.consents import BIRTH_CLAIMS, BIRTH_VCT, approve_credential, ask, race, reads
from tests.support.nodes import Balancer
from tests.support.raw import ASSERTION_TYPE, RawCitizen
from tests.support.server import WalletServer, free_port, scaled_env
from wallet_api.clients.agency import AgencyClient
from wallet_api.clients.agency_consents import ConsentingAgencyClient

pytestmark = pytest.mark.scaled


@dataclass
class Cluster:
    nodes: list[WalletServer]
    url: str  # the public origin clients address (the load balancer's)
    balancer: Balancer

    def citizen(self) -> RawCitizen:
        person = RawCitizen(self.url, http=httpx.Client(transport=self.balancer, timeout=60))
        assert person.enrol().status_code == 201 and person.login().status_code == 200
        return person

    def issuer(self, agency: TestAgency) -> AgencyClient:
        return AgencyClient(
            self.url,
            agency.agency_id,
            agency.key,
            kid=agency.kid,
            transport=self.balancer,
            accept_language="en",
        )

    def requester(self, agency: TestAgency) -> ConsentingAgencyClient:
        return ConsentingAgencyClient(
            self.url,
            agency.agency_id,
            agency.key,
            kid=agency.kid,
            transport=self.balancer,
            accept_language="en",
        )


@pytest.fixture(scope="module")
def cluster(
    tmp_path_factory: pytest.TempPathFactory, scaled_database_url: str, scaled_blob_url: str
) -> Iterator[Cluster]:
    public = f"http://127.0.0.1:{free_port()}"  # nothing listens here: the balancer stands for it
    env = {**scaled_env(scaled_database_url, scaled_blob_url), "WALLET_PUBLIC_URL": public}
    env["WALLET_KEY_REFRESH_SECONDS"] = "1"
    shared = tmp_path_factory.mktemp("nodes")
    env["WALLET_MASTER_KEY_URL"] = f"file:{shared / 'master.key'}"  # a secret both machines mount
    first = WalletServer(shared / "a", env=env)
    first.start()  # creates the schema and the master key
    second = WalletServer(shared / "b", env=env)
    second.start()
    balancer = Balancer([first, second])
    yield Cluster([first, second], public, balancer)
    for node in (first, second):
        node.stop()
    balancer.close()


def test_a_client_alternating_between_nodes_sees_one_service(cluster: Cluster, tmp_path: Path) -> None:
    citizen = cluster.citizen()
    bodies = [b"%PDF-1.7\n" + f"giấy tờ {n}".encode() * 20_000 + b"\n%%EOF\n" for n in range(4)]
    uploaded = [citizen.upload(body).json()["id"] for body in bodies]
    listed = citizen.request("GET", "/v1/me/documents").json()["items"]
    assert {d["id"] for d in listed} == set(uploaded)
    for doc_id, body in zip(uploaded, bodies, strict=True):  # stored through one node, read by either
        assert citizen.request("GET", f"/v1/me/documents/{doc_id}/content").content == body
    assert citizen.request("DELETE", f"/v1/me/documents/{uploaded[0]}").status_code == 200
    for node in range(2):
        with cluster.balancer.pinned(node):
            r = citizen.request("GET", f"/v1/me/documents/{uploaded[0]}")
            assert r.status_code == 404, "deleted on one node, gone on both"
    issuer = register(cluster.nodes[0], tmp_path, types="birth-certificate")
    client = cluster.issuer(issuer)
    issued = client.issue_credential(
        citizen.cccd, client.sign_credential(citizen.cccd, BIRTH_VCT, BIRTH_CLAIMS)
    )
    for node in range(2):
        with cluster.balancer.pinned(node):
            held = citizen.request("GET", "/v1/me/credentials").json()["items"]
            assert [c["id"] for c in held] == [issued["credential_id"]]
    assert min(cluster.balancer.served[0], cluster.balancer.served[1]) > 5, cluster.balancer.served


def test_replays_are_refused_across_nodes(cluster: Cluster) -> None:
    citizen = cluster.citizen()
    headers = citizen.headers("GET", "/v1/me")
    with cluster.balancer.pinned(0):
        assert citizen.http.get(cluster.url + "/v1/me", headers=headers).status_code == 200
    with cluster.balancer.pinned(1):
        replayed = citizen.http.get(cluster.url + "/v1/me", headers=headers)
    assert replayed.status_code == 401 and replayed.headers["content-type"].startswith("application/problem")

    # The metadata GET spends its proof in the statement that reads the document: still once for both.
    doc = citizen.upload(b"%PDF-1.7 nodes", filename="the-ho-chieu.pdf").json()["id"]
    path = f"/v1/me/documents/{doc}"
    for first, second in ((0, 1), (1, 0)):
        headers = citizen.headers("GET", path)
        with cluster.balancer.pinned(first):
            served = citizen.http.get(cluster.url + path, headers=headers)
        assert served.json()["filename"] == "the-ho-chieu.pdf"
        with cluster.balancer.pinned(second):
            replayed = citizen.http.get(cluster.url + path, headers=headers)
        assert replayed.status_code == 401 and "the-ho-chieu" not in replayed.text

    url, now = cluster.url + "/v1/token", int(time.time())
    login = {
        "data": {
            "grant_type": "client_credentials",
            "client_id": citizen.citizen_id,
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": crypto.make_client_assertion(citizen.key, citizen.citizen_id, url, now=now),
        },
        "headers": {"DPoP": crypto.make_dpop_proof(citizen.key, "POST", url, now=now)},
    }
    with cluster.balancer.pinned(1):
        assert citizen.http.post(url, **login).status_code == 200
    with cluster.balancer.pinned(0):
        assert citizen.http.post(url, **login).status_code in (400, 401)


def test_consent_uses_are_exact_across_nodes(cluster: Cluster, tmp_path: Path) -> None:
    citizen = cluster.citizen()
    issuer = register(cluster.nodes[0], tmp_path, types="birth-certificate")
    requester = register(cluster.nodes[1], tmp_path, name="UBND phường Hải Châu", roles="requester", types="")
    client = cluster.issuer(issuer)
    credential_id = client.issue_credential(
        citizen.cccd, client.sign_credential(citizen.cccd, BIRTH_VCT, BIRTH_CLAIMS)
    )["credential_id"]
    asked = ask(cluster.requester(requester), citizen, [{"type": "birth-certificate"}], max_uses=3)
    assert approve_credential(citizen, asked["id"], credential_id).status_code == 200

    racers = [cluster.requester(requester) for _ in range(8)]
    for racer in racers:
        racer.login()
    outcomes = race([lambda r=r: r.pull_credential(asked["id"], credential_id) for r in racers])  # type: ignore[misc]
    assert sorted(outcomes) == ["consent_used_up"] * 5 + ["ok"] * 3, outcomes
    assert cluster.requester(requester).consent(asked["id"])["uses"] == 3
    assert len(reads(citizen)) == 3


def test_log_appends_for_one_citizen_have_no_gap_or_fork_across_nodes(
    cluster: Cluster, tmp_path: Path
) -> None:
    citizen = cluster.citizen()
    before = citizen.request("GET", "/v1/me/log?limit=1000").json()
    issuer = register(cluster.nodes[0], tmp_path, types="birth-certificate")
    lookups = [cluster.issuer(issuer) for _ in range(12)]  # each lookup is logged for the citizen
    outcomes = race([lambda c=c: c.holder_key(citizen.cccd, "birth-certificate") for c in lookups])  # type: ignore[misc]
    assert outcomes == ["ok"] * 12

    heads = []
    for node in range(2):  # both nodes sign the same tree
        with cluster.balancer.pinned(node):
            page = citizen.request("GET", f"/v1/me/log?limit=1000&since={before['tree_size']}").json()
        key = _service_key(cluster, page["tree_head"])
        head = verify_tree_head(page["tree_head"], key, citizen_id=citizen.citizen_id)
        assert page["tree_size"] == head.size == before["tree_size"] + 12
        assert [e["index"] for e in page["entries"]] == list(range(head.size))
        for entry in page["entries"]:
            verify_entry(head, entry["index"], entry["data"], InclusionProof.from_json(entry["inclusion"]))
        old = verify_tree_head(
            before["tree_head"], _service_key(cluster, before["tree_head"]), citizen_id=citizen.citizen_id
        )
        verify_head_consistency(old, head, ConsistencyProof.from_json(page["consistency"]))
        heads.append(head.root_hash)
    assert heads[0] == heads[1]


def test_a_signing_key_rotation_reaches_every_node_without_a_restart(cluster: Cluster) -> None:
    def kids(node: int) -> set[str]:
        jwks = httpx.get(cluster.nodes[node].url + "/.well-known/jwks.json", timeout=30).json()
        return {k["kid"] for k in jwks["keys"]}

    assert kids(0) == kids(1)
    rotated = cluster.nodes[1].wallet("keys", "rotate-signing")
    new_kid = rotated.stdout.split("New signing key:", 1)[1].split()[0]
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not all(new_kid in kids(n) for n in range(2)):
        time.sleep(0.5)
    assert all(new_kid in kids(n) for n in range(2)), "every node announces the new key"


def _service_key(cluster: Cluster, token: str) -> crypto.EcPublicKey:
    kid = crypto.unverified_header(token)["kid"]
    jwks = httpx.get(cluster.nodes[0].url + "/.well-known/jwks.json", timeout=30).json()
    jwk = next(k for k in jwks["keys"] if k["kid"] == kid)
    return crypto.public_key_from_jwk({k: jwk[k] for k in ("kty", "crv", "x", "y")})


def test_a_master_key_rotation_reaches_every_node_without_a_restart(cluster: Cluster) -> None:
    before = cluster.citizen()
    doc = before.upload(b"%PDF-1.7\n" + "trước khi xoay khoá".encode() * 500 + b"\n%%EOF\n").json()["id"]
    rotated = cluster.nodes[0].wallet("keys", "rotate-master", "--rewrap")
    assert rotated.returncode == 0, rotated.stderr
    after = cluster.citizen()  # enrolled through either node, wrapped under the new version
    fresh = after.upload(b"%PDF-1.7\n" + "sau khi xoay khoá".encode() * 500 + b"\n%%EOF\n").json()["id"]
    for node in range(2):  # each node opens keys wrapped under either version, without a restart
        with cluster.balancer.pinned(node):
            assert before.login().status_code == 200 and after.login().status_code == 200
            assert before.request("GET", f"/v1/me/documents/{doc}/content").status_code == 200
            assert after.request("GET", f"/v1/me/documents/{fresh}/content").status_code == 200
