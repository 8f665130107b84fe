"""The citizen app's log checks, run in the real Chromium against a running server.

``/static/app/lib/proofs.js`` is imported into a page of the service and fed REAL signed heads,
inclusion and consistency proofs from ``GET /v1/me/log``: each passes, and each tampered copy (a row,
a proof hash, an index, a missing entry, a head's signature, a head of another citizen or signed by
an unknown key or with another algorithm, a consistency proof, a rewritten history) is rejected.
The Merkle verification is also checked against the service's own proof generator over many tree
sizes.
"""

from __future__ import annotations

import copy
import hashlib
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import crypto
from crypto.transparency.merkle import consistency_proof, inclusion_proof, leaf_hash, subtree_root
from tests.support.app_browser import app_browser_fixture  # noqa: F401 -- provides app_browser
from tests.support.app_views import chromium_page, enrol, show, stored
from tests.support.consents import (
    JUSTICE,
    Agencies,
    agencies,
    approve_credential,
    ask,
    issue_birth_certificate,
)
from tests.support.raw import RawCitizen, valid_cccd
from tests.support.server import WalletServer


@pytest.fixture(scope="module")
def parties(server: WalletServer, tmp_path_factory: pytest.TempPathFactory) -> Agencies:
    return agencies(server, tmp_path_factory.mktemp("agencies"))


@pytest.fixture
def page(app_browser: Any, server: WalletServer) -> Iterator[Any]:
    """A Chromium page on the service's origin with ``window.proofs`` (lib/proofs.js) imported."""
    context = app_browser.new_context()
    tab = context.new_page()
    tab.goto(server.url + "/health")
    tab.evaluate(
        """async () => {
            window.proofs = await import("/static/app/lib/proofs.js");
            window.jws = await import("/static/app/lib/jws.js");
        }"""
    )
    yield tab
    context.close()


def _jwks(server: WalletServer, citizen: RawCitizen) -> dict[str, Any]:
    data: dict[str, Any] = citizen.http.get(server.url + "/.well-known/jwks.json").json()
    return data


def _log(citizen: RawCitizen, start: int = 0, limit: int = 1000, since: int | None = None) -> dict[str, Any]:
    query = f"?start={start}&limit={limit}" + (f"&since={since}" if since is not None else "")
    r = citizen.request("GET", "/v1/me/log" + query)
    assert r.status_code == 200, r.text
    page: dict[str, Any] = r.json()
    return page


def _check(page: Any, log_page: dict[str, Any], jwks: dict[str, Any], citizen_id: str, **options: Any) -> str:
    """``ok:<size>`` when proofs.checkPage accepts the page, else the rejection's class name."""
    args = {
        "page": log_page,
        "jwks": jwks,
        "citizenId": citizen_id,
        "accepted": options.get("accepted"),
        "start": options.get("start", 0),
        "limit": options.get("limit", 1000),
    }
    outcome: str = page.evaluate(
        """async (a) => {
            try {
                const checked = await window.proofs.checkPage(a.page, {
                    jwks: a.jwks, citizenId: a.citizenId, accepted: a.accepted,
                    start: a.start, limit: a.limit,
                });
                return "ok:" + checked.head.size + ":" + checked.entries.length;
            } catch (exc) {
                return exc.name;
            }
        }""",
        args,
    )
    return outcome


def _head(page: Any, token: str, jwks: dict[str, Any], citizen_id: str) -> dict[str, Any]:
    head: dict[str, Any] = page.evaluate(
        "async (a) => window.proofs.verifyTreeHead(a.token, a.jwks, a.citizenId)",
        {"token": token, "jwks": jwks, "citizenId": citizen_id},
    )
    return head


def _journey(server: WalletServer, parties: Agencies) -> tuple[RawCitizen, int]:
    """A citizen whose log grows in two steps: an issuance (lookup + issue), then a consent pull.
    Returns the citizen and the log size after the first step."""
    citizen = RawCitizen(server.url)
    assert citizen.enrol().status_code == 201 and citizen.login().status_code == 200
    credential_id = issue_birth_certificate(parties.issuer, citizen)
    first = _log(citizen)["tree_size"]
    agency = parties.asking()
    asked = ask(agency, citizen, [{"type": "birth-certificate", "claims": ["full_name", "date_of_birth"]}])
    assert approve_credential(citizen, asked["id"], credential_id, ["full_name"]).status_code == 200
    agency.pull_credential(asked["id"], credential_id)
    return citizen, first


def _resign(token: str, claims: dict[str, Any], key: crypto.EcPrivateKey, kid: str) -> str:
    return crypto.sign_jws(key, claims, typ="wallet-sth+jwt", kid=kid)


def test_real_heads_and_proofs_verify_in_the_browser(
    server: WalletServer, parties: Agencies, page: Any
) -> None:
    citizen, first = _journey(server, parties)
    jwks = _jwks(server, citizen)
    whole = _log(citizen)
    size = whole["tree_size"]
    assert size > first >= 2
    assert _check(page, whole, jwks, citizen.citizen_id) == f"ok:{size}:{size}"

    # The head accepted after the issuance; the later page carries the consistency proof from it.
    old_head = _head(page, _log(citizen, limit=1)["tree_head"], jwks, citizen.citizen_id)
    assert old_head["size"] == size
    early = _log(citizen, 0, first)  # a page of the first entries only, under the current head
    assert _check(page, early, jwks, citizen.citizen_id, limit=first) == f"ok:{size}:{first}"
    proof_json = citizen.request("GET", f"/v1/me/log/proofs/consistency?first={first}&second={size}").json()
    later = _log(citizen, first, 1000, since=first)
    assert later["consistency"] == proof_json

    # An accepted head of size `first`: recomputed from the proved leaves, as the browser kept it.
    leaves = [leaf_hash(e["data"].encode()) for e in whole["entries"]]
    accepted = {
        "citizenId": citizen.citizen_id,
        "size": first,
        "rootHash": subtree_root(leaves[:first]).hex(),
        "timestamp": 0,
        "token": "",
    }
    assert _check(page, later, jwks, citizen.citizen_id, accepted=accepted, start=first) == (
        f"ok:{size}:{size - first}"
    )
    # The same head accepted again: equal sizes, equal roots, no proof needed.
    same = {**accepted, "size": size, "rootHash": old_head["rootHash"]}
    assert _check(page, _log(citizen, since=size), jwks, citizen.citizen_id, accepted=same).startswith("ok:")


def _tampered(whole: dict[str, Any], later: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], bool]]:
    """(what, page, uses_accepted) for every way of tampering with a real page."""

    def edit(base: dict[str, Any], change: Any) -> dict[str, Any]:
        out = copy.deepcopy(base)
        change(out)
        return out

    def swap_row(p: dict[str, Any]) -> None:
        p["entries"][-1]["data"] = p["entries"][-1]["data"].replace("Đăng ký khai sinh", "Kiểm tra định kỳ")

    def respace(p: dict[str, Any]) -> None:  # the same entry, other bytes
        p["entries"][0]["data"] = json.dumps(json.loads(p["entries"][0]["data"]), ensure_ascii=False)

    def flip_hash(p: dict[str, Any]) -> None:
        h = p["entries"][0]["inclusion"]["hashes"][0]
        p["entries"][0]["inclusion"]["hashes"][0] = ("0" if h[0] != "0" else "1") + h[1:]

    def drop_hash(p: dict[str, Any]) -> None:
        p["entries"][0]["inclusion"]["hashes"].pop()

    def wrong_index(p: dict[str, Any]) -> None:
        p["entries"][0]["inclusion"]["index"] = 1

    def drop_entry(p: dict[str, Any]) -> None:
        del p["entries"][1]

    def reorder(p: dict[str, Any]) -> None:
        p["entries"][0], p["entries"][1] = p["entries"][1], p["entries"][0]

    def bad_signature(p: dict[str, Any]) -> None:
        head, payload, signature = p["tree_head"].split(".")
        p["tree_head"] = ".".join([head, payload, ("A" if signature[0] != "A" else "B") + signature[1:]])

    def bigger_size(p: dict[str, Any]) -> None:
        p["tree_size"] += 1

    def alg_none(p: dict[str, Any]) -> None:
        _, payload, _ = p["tree_head"].split(".")
        header = crypto.b64url_encode(b'{"alg":"none","typ":"wallet-sth+jwt"}')
        p["tree_head"] = f"{header}.{payload}.AAAA"

    def hs256(p: dict[str, Any]) -> None:
        token = p["tree_head"]
        kid = crypto.unverified_header(token)["kid"]
        fields = {"alg": "HS256", "typ": "wallet-sth+jwt", "kid": kid}
        header = crypto.b64url_encode(json.dumps(fields).encode())
        payload = token.split(".")[1]
        mac = hashlib.sha256(f"{header}.{payload}".encode()).digest()
        p["tree_head"] = f"{header}.{payload}.{crypto.b64url_encode(mac)}"

    def flip_consistency(p: dict[str, Any]) -> None:
        h = p["consistency"]["hashes"][0]
        p["consistency"]["hashes"][0] = ("0" if h[0] != "0" else "1") + h[1:]

    def no_consistency(p: dict[str, Any]) -> None:
        p["consistency"] = None

    for name, change in [
        ("altered row", swap_row),
        ("same entry other bytes", respace),
        ("inclusion hash flipped", flip_hash),
        ("inclusion proof cut", drop_hash),
        ("inclusion for another leaf", wrong_index),
        ("entry removed", drop_entry),
        ("entries reordered", reorder),
        ("head signature altered", bad_signature),
        ("size beside the head", bigger_size),
        ("alg none", alg_none),
        ("alg HS256", hs256),
    ]:
        yield name, edit(whole, change), False
    for name, change in [("consistency hash flipped", flip_consistency), ("no consistency", no_consistency)]:
        yield name, edit(later, change), True


def test_every_tampered_page_is_rejected(server: WalletServer, parties: Agencies, page: Any) -> None:
    citizen, first = _journey(server, parties)
    other, _ = _journey(server, parties)
    jwks = _jwks(server, citizen)
    whole = _log(citizen)
    size = whole["tree_size"]
    later = _log(citizen, first, 1000, since=first)
    leaves = [leaf_hash(e["data"].encode()) for e in whole["entries"]]
    root = subtree_root(leaves[:first]).hex()
    accepted = {"citizenId": citizen.citizen_id, "size": first, "rootHash": root}
    assert _check(page, later, jwks, citizen.citizen_id, accepted=accepted, start=first).startswith("ok:")

    for what, tampered, with_accepted in _tampered(whole, later):
        options = {"accepted": accepted, "start": first} if with_accepted else {}
        assert _check(page, tampered, jwks, citizen.citizen_id, **options) == "LogInconsistent", what

    # Another citizen's genuine page, offered as this citizen's.
    assert _check(page, _log(other), jwks, citizen.citizen_id) == "LogInconsistent"
    # A head signed by a key the service never published, under the service key's kid.
    claims = json.loads(crypto.b64url_decode(whole["tree_head"].split(".")[1]))
    kid = crypto.unverified_header(whole["tree_head"])["kid"]
    forged = {**whole, "tree_head": _resign(whole["tree_head"], claims, crypto.generate_private_key(), kid)}
    assert _check(page, forged, jwks, citizen.citizen_id) == "LogInconsistent"
    # History rewritten: the accepted head has the same size but another root.
    rewritten = {**accepted, "size": size, "rootHash": "ab" * 32}
    assert _check(page, _log(citizen, since=size), jwks, citizen.citizen_id, accepted=rewritten) == (
        "LogInconsistent"
    )
    # The log shrank below the accepted head.
    bigger = {**accepted, "size": size + 5, "rootHash": "cd" * 32}
    assert _check(page, _log(citizen), jwks, citizen.citizen_id, accepted=bigger) == "LogInconsistent"
    # The accepted head was of another citizen's log.
    theirs = {**accepted, "citizenId": other.citizen_id}
    assert _check(page, later, jwks, citizen.citizen_id, accepted=theirs, start=first) == "LogInconsistent"


def test_merkle_verification_matches_the_service_over_many_sizes(page: Any, tmp_path: Path) -> None:
    """Every inclusion and consistency proof the service's generator makes for trees of 1..40 leaves
    verifies in the browser; each with one hash changed, or for a neighbouring index, does not."""
    rng = random.Random(13)
    leaves = [leaf_hash(rng.randbytes(20)) for _ in range(40)]
    cases = []
    for size in range(1, 41):
        root = subtree_root(leaves[:size]).hex()
        for index in rng.sample(range(size), min(size, 4)):
            cases.append(
                {
                    "kind": "inclusion",
                    "leaf": leaves[index].hex(),
                    "index": index,
                    "size": size,
                    "proof": [h.hex() for h in inclusion_proof(index, leaves[:size])],
                    "root": root,
                }
            )
        for first in rng.sample(range(1, size + 1), min(size, 4)):
            cases.append(
                {
                    "kind": "consistency",
                    "first": first,
                    "size": size,
                    "proof": [h.hex() for h in consistency_proof(first, leaves[:size])],
                    "firstRoot": subtree_root(leaves[:first]).hex(),
                    "root": root,
                }
            )
    results = page.evaluate(
        """async (cases) => {
            const P = window.proofs;
            const hx = P.hexToBytes;
            async function run(c, proof, index) {
                try {
                    if (c.kind === "inclusion") {
                        await P.verifyInclusion(hx(c.leaf), index, c.size, proof.map(hx), hx(c.root));
                    } else {
                        await P.verifyConsistency(
                            c.first, c.size, hx(c.firstRoot), hx(c.root), proof.map(hx));
                    }
                    return true;
                } catch (exc) {
                    if (exc.name !== "LogInconsistent") throw exc;
                    return false;
                }
            }
            const out = [];
            for (const c of cases) {
                const good = await run(c, c.proof, c.index);
                let flipped = null;
                if (c.proof.length) {
                    const bad = [...c.proof];
                    const last = bad[bad.length - 1];
                    bad[bad.length - 1] = (last[0] === "0" ? "1" : "0") + last.slice(1);
                    flipped = await run(c, bad, c.index);
                }
                const moved = c.kind === "inclusion" && c.size > 1
                    ? await run(c, c.proof, (c.index + 1) % c.size) : null;
                out.push([good, flipped, moved]);
            }
            return out;
        }""",
        cases,
    )
    assert len(results) == len(cases) > 200
    for case, (good, flipped, moved) in zip(cases, results, strict=True):
        assert good is True, case
        assert flipped in (False, None), case
        assert moved in (False, None), case


# -- the log view (views/log.js) in a page with the test ctx (tests/support/app_views.py) ---------


def _browser_citizen(server: WalletServer, page: Any) -> RawCitizen:
    """A citizen enrolled by the page's own key; a RawCitizen carrying its CCCD for the agencies."""
    cccd, dob = valid_cccd(birth_year=1990)
    citizen_id = enrol(page, cccd, "Nguyễn Thị Minh Khai", dob)
    return RawCitizen(server.url, citizen_id=citizen_id, cccd=cccd)


def _server_page(page: Any, lang: str = "vi") -> dict[str, Any]:
    data: dict[str, Any] = page.evaluate(
        "(lang) => window.harness.call('GET', '/v1/me/log', {limit: 1000}, undefined, lang)", lang
    )
    return data


def _shown(page: Any) -> list[str]:
    items: list[str] = page.eval_on_selector_all("#log-entries li", "(els) => els.map((e) => e.textContent)")
    return items


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_log_view_words_each_verified_entry_like_the_phone(
    app_browser: Any, server: WalletServer, parties: Agencies, lang: str
) -> None:
    with chromium_page(app_browser, server.url) as page:
        citizen = _browser_citizen(server, page)
        issue_birth_certificate(parties.issuer, citizen)
        show(page, "log", lang)
        words = _server_page(page, lang)
        expected = [e["text_" + lang] for e in reversed(words["entries"])]
        assert _shown(page) == expected and len(expected) == 2
        issued = "đã cấp giấy khai sinh của bạn" if lang == "vi" else "issued your birth certificate"
        assert f"{JUSTICE} {issued}" in _shown(page)[0]
        status = page.inner_text("#log-status")
        assert (
            "Đã kiểm chứng nhật ký: 2 mục (lần trước: 0)" if lang == "vi" else "Log verified: 2 entries"
        ) in status
        assert status in page.evaluate("window.announced")
        assert stored(page, f"log.head.{citizen.citizen_id}")["size"] == 2
        assert page.is_hidden("#log-warning")

        issue_birth_certificate(parties.issuer, citizen)  # the log grows: checked from the kept head
        show(page, "log", lang)
        assert len(_shown(page)) == 4
        assert ("lần trước: 2" if lang == "vi" else "last time: 2") in page.inner_text("#log-status")
        assert stored(page, f"log.head.{citizen.citizen_id}")["size"] == 4
        assert _shown(page) == [e["text_" + lang] for e in reversed(_server_page(page, lang)["entries"])]


def test_the_log_view_pages_back_through_older_entries(
    app_browser: Any, server: WalletServer, parties: Agencies
) -> None:
    with chromium_page(app_browser, server.url) as page:
        citizen = _browser_citizen(server, page)
        for _ in range(11):  # a lookup and an issuance each: 22 entries, more than one page of 20
            issue_birth_certificate(parties.issuer, citizen)
        show(page, "log", "en")
        assert len(_shown(page)) == 20 and page.is_visible("#log-older")
        page.click("#log-older")
        page.wait_for_function("() => document.querySelectorAll('#log-entries li').length === 22")
        assert page.is_hidden("#log-older")
        indexes = page.eval_on_selector_all("#log-entries li", "(els) => els.map((e) => +e.dataset.index)")
        assert indexes == list(range(21, -1, -1))


def _alter_row(p: dict[str, Any]) -> None:
    p["entries"][-1]["data"] = p["entries"][-1]["data"].replace(JUSTICE, "Cơ quan khác")


def _alter_proof(p: dict[str, Any]) -> None:
    hashes = p["entries"][0]["inclusion"]["hashes"]
    hashes[-1] = ("0" if hashes[-1][0] != "0" else "1") + hashes[-1][1:]


def _alter_head(p: dict[str, Any]) -> None:
    head, payload, signature = p["tree_head"].split(".")
    claims = json.loads(crypto.b64url_decode(payload))
    claims["tree_size"] -= 1
    p["tree_head"] = ".".join([head, crypto.b64url_encode(json.dumps(claims).encode()), signature])


def _alter_consistency(p: dict[str, Any]) -> None:
    hashes = p["consistency"]["hashes"]
    hashes[0] = ("0" if hashes[0][0] != "0" else "1") + hashes[0][1:]


def _drop_row(p: dict[str, Any]) -> None:
    del p["entries"][0]


@pytest.mark.parametrize(
    "alter", [_alter_row, _alter_proof, _alter_head, _alter_consistency, _drop_row], ids=lambda f: f.__name__
)
def test_a_tampered_log_shows_a_warning_and_keeps_the_accepted_head(
    app_browser: Any, server: WalletServer, parties: Agencies, alter: Any
) -> None:
    with chromium_page(app_browser, server.url) as page:
        citizen = _browser_citizen(server, page)
        issue_birth_certificate(parties.issuer, citizen)
        show(page, "log", "vi")
        kept = stored(page, f"log.head.{citizen.citizen_id}")
        assert kept["size"] == 2
        issue_birth_certificate(parties.issuer, citizen)  # 4 entries now, a consistency proof from 2

        def tamper(route: Any) -> None:
            response = route.fetch()
            data = response.json()
            alter(data)
            route.fulfill(response=response, json=data)

        page.route("**/v1/me/log?*", tamper)
        show(page, "log", "vi")
        warning = page.inner_text("#log-warning")
        assert "CẢNH BÁO: nhật ký truy cập đã bị sửa hoặc xoá" in warning
        assert page.get_attribute("#log-warning", "role") == "alert"
        assert _shown(page) == [] and page.is_visible("#log-retry")
        assert "CẢNH BÁO: nhật ký truy cập đã bị sửa hoặc xoá" in page.evaluate("window.announced")
        assert stored(page, f"log.head.{citizen.citizen_id}") == kept  # not advanced

        page.unroute("**/v1/me/log?*")
        page.click("#log-retry")
        page.wait_for_function("() => document.querySelectorAll('#log-entries li').length === 4")
        assert page.is_hidden("#log-warning")
        assert stored(page, f"log.head.{citizen.citizen_id}")["size"] == 4


def test_a_row_altered_in_the_database_is_warned_in_the_view(
    app_browser: Any, server: WalletServer, parties: Agencies, backend_of: Any
) -> None:
    """An insider with database access rewrites a logged row: the view warns, keeps its head."""
    from sqlalchemy import text

    with chromium_page(app_browser, server.url) as page:
        citizen = _browser_citizen(server, page)
        issue_birth_certificate(parties.issuer, citizen)
        show(page, "log", "vi")
        kept = stored(page, f"log.head.{citizen.citizen_id}")
        assert kept["size"] == 2
        metadata, _ = backend_of(server)
        with metadata.engine.begin() as connection:
            row = connection.execute(
                text("SELECT entry FROM log_entries WHERE citizen_id = :c AND idx = 1"),
                {"c": citizen.citizen_id},
            ).scalar_one()
            connection.execute(
                text("UPDATE log_entries SET entry = :e WHERE citizen_id = :c AND idx = 1"),
                {"e": row.replace(JUSTICE, "Cơ quan khác"), "c": citizen.citizen_id},
            )
        show(page, "log", "vi")
        assert "CẢNH BÁO: nhật ký truy cập đã bị sửa hoặc xoá" in page.inner_text("#log-warning")
        assert _shown(page) == []
        assert stored(page, f"log.head.{citizen.citizen_id}") == kept


def _latest(page: Any) -> str:
    outcome: str = page.evaluate(
        """async () => {
            const log = await import("/static/app/views/log.js");
            try {
                const head = await log.latestVerifiedHead(window.harness.ctx("vi"));
                return "ok:" + head.size + ":" + head.token.split(".").length;
            } catch (exc) {
                return exc.name;
            }
        }"""
    )
    return outcome


def test_the_latest_head_is_checked_against_the_kept_one(
    app_browser: Any, server: WalletServer, parties: Agencies
) -> None:
    """What a device vouches for when pairing: the current head, proved to extend the kept one."""
    with chromium_page(app_browser, server.url) as page:
        citizen = _browser_citizen(server, page)
        issue_birth_certificate(parties.issuer, citizen)
        assert _latest(page) == "ok:2:3"
        issue_birth_certificate(parties.issuer, citizen)
        kept = stored(page, f"log.head.{citizen.citizen_id}")

        def tamper(route: Any) -> None:
            response = route.fetch()
            data = response.json()
            data["hashes"][0] = ("0" if data["hashes"][0][0] != "0" else "1") + data["hashes"][0][1:]
            route.fulfill(response=response, json=data)

        page.route("**/v1/me/log/proofs/consistency?*", tamper)
        assert _latest(page) == "LogInconsistent"
        assert stored(page, f"log.head.{citizen.citizen_id}") == kept
        page.unroute("**/v1/me/log/proofs/consistency?*")
        assert _latest(page) == "ok:4:3"
        assert stored(page, f"log.head.{citizen.citizen_id}")["size"] == 4


def test_jws_checks_are_strict_and_interoperate(page: Any) -> None:
    """lib/jws.js: a token the service's Python signs verifies in the browser, and one the browser
    signs verifies in Python; every off-form token or key is refused."""
    key = crypto.generate_private_key()
    jwk = {**crypto.public_jwk(key), "kid": "k1"}
    python_token = crypto.sign_jws(key, {"sub": "x", "n": 1}, typ="wallet-sth+jwt", kid="k1")
    out = page.evaluate(
        """async (a) => {
            const J = window.jws;
            const b64 = (s) => J.b64urlEncode(J.utf8(s));
            async function refused(token, key, typ) {
                try { await J.verifyJws(token, key, { typ }); return "accepted"; }
                catch (exc) { return exc.name; }
            }
            const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true,
                ["sign", "verify"]);
            const mine = await crypto.subtle.exportKey("jwk", pair.publicKey);
            const pub = { kty: "EC", crv: "P-256", x: mine.x, y: mine.y };
            const good = await J.signJws(pair.privateKey, { a: 1 }, { typ: "t+jwt" });
            async function signedWith(header) {
                const input = b64(JSON.stringify(header)) + "." + b64('{"a":1}');
                const sig = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" },
                    pair.privateKey, J.utf8(input)));
                return input + "." + J.b64urlEncode(sig);
            }
            const [h, p, s] = good.split(".");
            const sig = J.b64urlDecode(s);
            const der = new Uint8Array(70); der.set(sig.slice(0, 64));
            return {
                python: (await J.verifyWithJwks(
                    a.python, { keys: [a.jwk] }, { typ: "wallet-sth+jwt" })).claims,
                own: (await J.verifyJws(good, pub, { typ: "t+jwt" })).claims,
                ownToken: good,
                ownJwk: pub,
                wrongTyp: await refused(good, pub, "other+jwt"),
                crit: await refused(
                    await signedWith({ alg: "ES256", typ: "t+jwt", crit: ["x"], x: 1 }), pub, "t+jwt"),
                es384: await refused(await signedWith({ alg: "ES384", typ: "t+jwt" }), pub, "t+jwt"),
                none: await refused(b64('{"alg":"none","typ":"t+jwt"}') + "." + p + ".", pub, "t+jwt"),
                padded: await refused(h + "." + p + "." + s + "=", pub, "t+jwt"),
                longSig: await refused(h + "." + p + "." + J.b64urlEncode(der), pub, "t+jwt"),
                otherKey: await refused(good, a.jwk, "t+jwt"),
                privateJwk: await refused(good, { ...pub, d: pub.x }, "t+jwt"),
                rsaAlg: await refused(good, { ...pub, alg: "RS256" }, "t+jwt"),
                p384: await refused(good, { ...pub, crv: "P-384" }, "t+jwt"),
                unknownKid: await (async () => {
                    try {
                        await J.verifyWithJwks(a.python, { keys: [{ ...a.jwk, kid: "k2" }] });
                        return "accepted";
                    } catch (exc) { return exc.name; }
                })(),
            };
        }""",
        {"python": python_token, "jwk": jwk},
    )
    assert out["python"] == {"sub": "x", "n": 1} and out["own"] == {"a": 1}
    assert crypto.verify_jws(out["ownToken"], crypto.public_key_from_jwk(out["ownJwk"]), typ="t+jwt") == {
        "a": 1
    }
    refusals = {k: v for k, v in out.items() if k not in ("python", "own", "ownToken", "ownJwk")}
    assert set(refusals.values()) == {"JwsError"}, refusals


def test_every_action_is_parsed_and_worded_like_the_phone(page: Any) -> None:
    """Every ``AccessAction`` (recovery, mandates, requests, visits ...) is accepted by the browser's
    entry check and worded by ``views/log.js`` exactly as ``crypto.transparency.describe`` words it,
    including what a delegate did for the citizen and what the citizen did for someone."""
    from crypto.transparency.entry import AccessAction, AccessEntry
    from crypto.transparency.wording import ACTING_FOR, ON_BEHALF, describe

    names = {"birth-certificate": ("Giấy khai sinh", "Birth certificate")}
    cases: list[tuple[str, tuple[str, str] | None, tuple[str, str], str]] = []
    for action in AccessAction:
        for who, procedure, case in (
            ("so-tu-phap", "-", None),
            (ON_BEHALF + "m1", "-", None),
            (ACTING_FOR + "m1", "1.001193", "HS-7"),
        ):
            entry = AccessEntry(
                who, "Lê Văn Nam", "r1", "birth-certificate", action,
                "Trả lời / Answer", procedure, None, 1_790_000_000, case,
            )  # fmt: skip
            vi, en = describe(entry, names.get, {"1.001193": ("Đăng ký khai sinh", "Birth registration")}.get)
            named = ("Đăng ký khai sinh", "Birth registration") if procedure != "-" else None
            cases.append((entry.canonical(), named, (vi, en), action.value))
    worded = page.evaluate(
        """async (cases) => {
            const log = await import("/static/app/views/log.js");
            return cases.map(([data, procedureNames]) => {
                try {
                    const entry = window.proofs.parseEntry(data);
                    return log.describe(entry, ["Giấy khai sinh", "Birth certificate"], procedureNames);
                } catch (exc) {
                    return ["refused: " + exc.message, ""];
                }
            });
        }""",
        [[data, named] for data, named, _, _ in cases],
    )
    for (_, _, expected, action), got in zip(cases, worded, strict=True):
        assert tuple(got) == expected, action
