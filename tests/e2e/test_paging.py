"""Every list pages: a signed cursor, newest first, filters by type and date, bad pages refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.agencies import register
from tests.support.consents import issue_birth_certificate
from tests.support.raw import RawCitizen
from tests.support.server import WalletServer

PDF = b"%PDF-1.7\n" + b"x" * 2000 + b"\n%%EOF\n"


def _page(citizen: RawCitizen, path: str, **params: Any) -> dict[str, Any]:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    r = citizen.request("GET", f"{path}?{query}" if query else path)
    assert r.status_code == 200, r.text
    page: dict[str, Any] = r.json()
    return page


def _walk(citizen: RawCitizen, path: str, **params: Any) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        page = _page(citizen, path, **params, **({"cursor": cursor} if cursor else {}))
        pages.append([item["id"] for item in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            return pages


def _upload(citizen: RawCitizen, n: int, doc_type: str = "other") -> str:
    r = citizen.upload(PDF, doc_type=doc_type, filename=f"trang-{n}.pdf")
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def test_documents_page_newest_first(citizen: RawCitizen) -> None:
    assert _page(citizen, "/v1/me/documents") == {"items": [], "next_cursor": None}
    ids = [_upload(citizen, n) for n in range(5)]
    newest_first = ids[::-1]
    assert _walk(citizen, "/v1/me/documents", limit=2) == [
        newest_first[:2],
        newest_first[2:4],
        newest_first[4:],
    ]
    assert _walk(citizen, "/v1/me/documents", limit=5) == [newest_first]  # exactly one full page
    assert _walk(citizen, "/v1/me/documents", limit=4) == [newest_first[:4], newest_first[4:]]
    assert _page(citizen, "/v1/me/documents")["items"][0]["id"] == ids[-1]  # default limit: 50


def test_filters_combine_with_paging(citizen: RawCitizen) -> None:
    births = [_upload(citizen, n, "birth-certificate") for n in range(3)]
    _upload(citizen, 9, "driving-licence")
    pages = _walk(citizen, "/v1/me/documents", limit=2, type="birth-certificate")
    assert pages == [births[::-1][:2], births[::-1][2:]]
    everything = _page(citizen, "/v1/me/documents")["items"]
    middle = everything[2]["created_at"]  # the third newest
    since = _walk(citizen, "/v1/me/documents", limit=1, since=middle.replace("+", "%2B"))
    assert [ids[0] for ids in since] == [item["id"] for item in everything[:3]]
    until = _walk(citizen, "/v1/me/documents", limit=10, until=middle.replace("+", "%2B"))
    assert until == [[item["id"] for item in everything[3:]]]


def test_an_upload_while_paging_neither_repeats_nor_skips(citizen: RawCitizen) -> None:
    older = [_upload(citizen, n) for n in range(4)][::-1]
    first = _page(citizen, "/v1/me/documents", limit=2)
    newer = _upload(citizen, 99)
    rest = _page(citizen, "/v1/me/documents", limit=10, cursor=first["next_cursor"])
    seen = [item["id"] for item in first["items"] + rest["items"]]
    assert seen == older and newer not in seen  # the new one shows on the next walk from the top
    assert _page(citizen, "/v1/me/documents", limit=1)["items"][0]["id"] == newer


def test_bad_pages_are_refused(server: WalletServer, citizen: RawCitizen) -> None:
    for n in range(3):
        _upload(citizen, n)
    cursor = _page(citizen, "/v1/me/documents", limit=1)["next_cursor"]
    head, mac = cursor.split(".")
    tampered = head[:-2] + ("AA" if head[-2:] != "AA" else "BB") + "." + mac
    other = RawCitizen(server.url)
    assert other.enrol().status_code == 201 and other.login().status_code == 200
    cases = [
        (citizen, "/v1/me/documents?cursor=" + tampered),
        (citizen, "/v1/me/documents?cursor=not-a-cursor"),
        (citizen, "/v1/me/credentials?cursor=" + cursor),  # another list's cursor
        (other, "/v1/me/documents?cursor=" + cursor),  # another citizen's cursor
        (citizen, "/v1/me/documents?limit=0"),
        (citizen, "/v1/me/documents?limit=501"),
        (citizen, "/v1/me/documents?limit=-1"),
        (citizen, "/v1/me/documents?limit=abc"),
        (citizen, "/v1/me/documents?since=yesterday"),
        (citizen, "/v1/me/consents?cursor=" + cursor),
    ]
    for who, path in cases:
        r = who.request("GET", path, headers={"Accept-Language": "en"})
        assert r.status_code == 400, (path, r.status_code, r.text)
        assert r.headers["content-type"].startswith("application/problem+json"), path
        assert cursor not in r.text  # nothing echoed


def test_credentials_and_consents_page(server: WalletServer, citizen: RawCitizen, tmp_path: Path) -> None:
    issuer = register(server, tmp_path, types="birth-certificate")
    issued = [issue_birth_certificate(issuer, citizen) for _ in range(3)]
    assert _walk(citizen, "/v1/me/credentials", limit=2) == [issued[::-1][:2], issued[::-1][2:]]
    page = _page(citizen, "/v1/me/consents", limit=1)
    assert page == {"items": [], "next_cursor": None}  # the same parameters (no request yet)


@pytest.mark.parametrize("path", ["/v1/me/documents", "/v1/me/credentials", "/v1/me/consents"])
def test_every_list_says_where_the_next_page_starts(citizen: RawCitizen, path: str) -> None:
    assert set(_page(citizen, path, limit=3)) == {"items", "next_cursor"}
