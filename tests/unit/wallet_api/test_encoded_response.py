"""``EncodedJson`` answers exactly what litestar's ``Response`` answers: status, headers, bytes."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import msgspec
import pytest
from litestar import Litestar, Response, get, post, route
from litestar.datastructures import Cookie
from litestar.testing import TestClient

from wallet_api.routes.encoded import EncodedJson


class Out(msgspec.Struct):
    id: str
    name: str
    size: int
    at: dt.datetime
    extra: dict[str, Any] | None = None


AT = dt.datetime(2026, 11, 29, tzinfo=dt.UTC)
VALUE = Out(str(uuid.uuid4()), 'Giấy khai sinh \u2028 "quoted" </script>', 4101, AT)


def _routes(response_class: type[Response[Any]], prefix: str) -> list[Any]:
    @route(
        f"/{prefix}/plain",
        http_method=["GET", "HEAD"],
        response_class=response_class,
        response_headers={"Cache-Control": "no-store"},
    )
    async def plain() -> Out:
        return VALUE

    @get(f"/{prefix}/nested", response_class=response_class)
    async def nested() -> Out:
        return Out("x", "y", 0, VALUE.at, {"a": [1, 2.5, None, True], "b": {"c": "đ"}})

    @post(f"/{prefix}/created", response_class=response_class, status_code=201)
    async def created() -> Out:
        return VALUE

    @get(f"/{prefix}/cookie", response_class=response_class, response_cookies=[Cookie(key="k", value="v")])
    async def cookie() -> Out:
        return VALUE

    @get(f"/{prefix}/typed", response_class=response_class, media_type="application/problem+json")
    async def typed() -> Out:
        return VALUE

    @get(f"/{prefix}/none", response_class=response_class)
    async def none() -> None:
        return None

    return [plain, nested, created, cookie, typed, none]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "plain"),
        ("HEAD", "plain"),
        ("GET", "nested"),
        ("POST", "created"),
        ("GET", "cookie"),
        ("GET", "typed"),
        ("GET", "none"),
    ],
)
def test_the_answer_is_litestars_byte_for_byte(method: str, path: str) -> None:
    app = Litestar([*_routes(EncodedJson, "fast"), *_routes(Response, "litestar")])
    with TestClient(app) as client:
        fast = client.request(method, f"/fast/{path}")
        reference = client.request(method, f"/litestar/{path}")
    assert fast.status_code == reference.status_code
    assert fast.headers.multi_items() == reference.headers.multi_items()
    assert fast.content == reference.content
