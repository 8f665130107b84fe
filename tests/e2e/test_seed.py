"""``wallet dev seed``: rows, blobs and log entries written directly, readable by the service's own
code (so the encryption is the real one), beside citizens enrolled through the API. Both backends."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from tests.support.raw import RawCitizen
from tests.support.server import WalletServer
from wallet_api.bootstrap import build_context
from wallet_api.errors import DocumentNotFound
from wallet_api.paging import PageQuery, page_query
from wallet_api.services import Services
from wallet_api.settings import Settings


def first_page(services: Services, citizen_id: str, limit: int) -> PageQuery:
    return page_query(services.ctx, "documents", citizen_id, limit=limit, cursor=None, since=None, until=None)


def test_seeded_citizens_documents_and_logs_open_with_the_services_keys(
    make_server: Callable[..., WalletServer],
) -> None:
    server = make_server()
    before = RawCitizen(server.url)
    assert before.enrol().status_code == 201 and before.login().status_code == 200
    out = server.wallet(
        "dev", "seed", "--citizens", "7", "--documents-per-citizen", "3",
        "--log-entries-per-citizen", "2", "--batch", "3", "--blob-bytes", "5000",
    ).stdout  # fmt: skip
    assert re.search(r"7 công dân / citizens, 21 giấy tờ / documents, 14 mục nhật ký / log entries", out), out
    services = Services.over(build_context(Settings.from_env(server.command_env())))
    try:
        engine = services.ctx.metadata.engine  # type: ignore[attr-defined]
        with engine.connect() as connection:
            seeded = [
                row[0]
                for row in connection.exec_driver_sql("SELECT id FROM citizens")
                if row[0] != before.citizen_id
            ]
        assert len(seeded) == 7
        for citizen_id in seeded:
            profile = services.citizens.profile(citizen_id)  # the master key unwraps, the fields open
            assert len(profile.cccd) == 12 and profile.full_name.startswith("Nguyễn Văn Thử")
            page = services.documents.page(
                page_query(
                    services.ctx, "documents", citizen_id, limit=50, cursor=None, since=None, until=None
                )
            )
            assert sorted(m.filename for m in page.items) == [
                "Giấy tờ 0.pdf",
                "Giấy tờ 1.pdf",
                "Giấy tờ 2.pdf",
            ]
            meta, chunks = services.documents.open_content(citizen_id, page.items[0].id)
            body = b"".join(chunks)
            assert body.startswith(b"%PDF-1.7") and len(body) == meta.size == 5000
            view = services.access_log.view(citizen_id, start=0, limit=10, since=None)
            assert view.tree_size == 2
        # Another citizen's document stays out of reach, seeded or not.
        other = services.documents.page(first_page(services, seeded[1], 1)).items[0]
        with pytest.raises(DocumentNotFound):
            services.documents.get(seeded[0], other.id)
    finally:
        services.ctx.metadata.close()
    # The citizen enrolled through the API is untouched and still served.
    assert before.request("GET", "/v1/me").status_code == 200


def test_seeding_is_refused_outside_dev_mode(make_server: Callable[..., WalletServer]) -> None:
    server = make_server()
    production = WalletServer(server.data_dir, env={**server.env, "WALLET_MODE": "strict"})
    result = production.wallet("dev", "seed", "--citizens", "1", check=False)
    assert result.returncode != 0 and "dev-mode wallet only" in result.stderr
