"""A JSON answer encoded once by msgspec and sent as two ASGI messages, for the hottest routes.

litestar's ``Response.to_asgi_response`` builds an ``ASGIResponse`` around a mutable header
structure (several ``setdefault`` and case-insensitive look-ups per header), resolves serializers
and enum values, then encodes: about 15 us of the metadata GET. ``EncodedJson`` (a route's
``response_class``) sends the same status, headers (the route's own, then ``content-type`` and
``content-length``) and bytes (litestar's own JSON encoder and type encoders) without that
machinery. Anything it does not cover (cookies, background tasks, a ``HEAD`` request, another media
type, a status without a body) goes through litestar's path unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from litestar import Response
from litestar.serialization import encode_json, get_serializer

if TYPE_CHECKING:
    from litestar import Litestar, Request
    from litestar.background_tasks import BackgroundTask, BackgroundTasks
    from litestar.datastructures import Cookie
    from litestar.enums import MediaType
    from litestar.types import Receive, Scope, Send, TypeEncodersMap

_JSON = "application/json"
_NO_BODY = frozenset({204, 304})


class _Encoded:
    """The ASGI answer: its start message and its one body message, both built already."""

    __slots__ = ("body", "start")

    def __init__(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        self.start = {"type": "http.response.start", "status": status, "headers": headers}
        self.body = {"type": "http.response.body", "body": body, "more_body": False}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(self.start)  # type: ignore[arg-type]  # a complete http.response.start
        await send(self.body)  # type: ignore[arg-type]  # a complete http.response.body


class EncodedJson(Response[Any]):
    """``Response`` whose plain JSON answers skip litestar's per-request header machinery."""

    def to_asgi_response(  # a leaner ASGI app than ASGIResponse for the common case
        self,
        app: Litestar | None,
        request: Request[Any, Any, Any],
        *,
        background: BackgroundTask | BackgroundTasks | None = None,
        cookies: Iterable[Cookie] | None = None,
        encoded_headers: Iterable[tuple[bytes, bytes]] | None = None,
        headers: dict[str, str] | None = None,
        is_head_response: bool = False,
        media_type: MediaType | str | None = None,
        status_code: int | None = None,
        type_encoders: TypeEncodersMap | None = None,
    ) -> Any:
        status = self.status_code or status_code or 200
        kind = self.media_type or media_type or _JSON
        plain = (
            app is None
            and kind == _JSON
            and not (self.cookies or cookies or self.background or background or encoded_headers)
            and not is_head_response
            and request.scope["method"] != "HEAD"
            and status >= 200
            and status not in _NO_BODY
        )
        if not plain:
            return super().to_asgi_response(
                app,
                request,
                background=background,
                cookies=cookies,
                encoded_headers=encoded_headers,
                headers=headers,
                is_head_response=is_head_response,
                media_type=media_type,
                status_code=status_code,
                type_encoders=type_encoders,
            )
        encoders = (
            {**type_encoders, **self.response_type_encoders} if type_encoders else self.response_type_encoders
        )
        body = encode_json(self.content, get_serializer(encoders))
        return _Encoded(status, _headers({**(headers or {}), **self.headers}, len(body)), body)


def _headers(given: Mapping[str, Any], length: int) -> list[tuple[bytes, bytes]]:
    """The route's headers as litestar sends them (lower-case names, latin-1), then the body's."""
    out = [(name.lower().encode("latin-1"), str(value).encode("latin-1")) for name, value in given.items()]
    names = {name for name, _ in out}
    if b"content-type" not in names:
        out.append((b"content-type", _JSON.encode()))
    if b"content-length" not in names:
        out.append((b"content-length", str(length).encode()))
    return out
