"""Every request body through one strict reader: the app's request class.

Litestar decodes ``data:`` parameters itself (msgspec for JSON, which keeps the
last of duplicate members and accepts any media type; ``parse_qsl`` for forms,
which accepts anything). ``StrictRequest`` is the one seam every body passes
through: the media type must be the one the route reads (415), the size is
bounded with the limit named (413), JSON goes through ``crypto.json_object``
(no duplicate members, bounded depth, UTF-8 text only) and a form must be
ASCII with UTF-8 escapes and each field once (400). Only then does litestar
convert the value to the route's wire ``Struct``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from litestar import Request
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.params import BodyKwarg
from litestar.utils.scope.state import ScopeState

import crypto
from wallet_api.errors import InvalidRequest, PayloadTooLarge, UnsupportedBodyType

MAX_FORM_FIELDS = 16
_JSON_FAULTS = {  # crypto.json_object's reasons, in the reader's words
    "malformed JSON": ("JSON không hợp lệ", "malformed JSON"),
    "JSON text is not UTF-8": ("JSON không phải văn bản UTF-8", "the JSON is not UTF-8 text"),
    "duplicate JSON member": ("JSON có một trường xuất hiện hai lần", "a JSON member appears twice"),
    "JSON nested too deeply": (
        f"JSON lồng nhau quá {crypto.MAX_JSON_DEPTH} cấp",
        f"the JSON is nested deeper than {crypto.MAX_JSON_DEPTH} levels",
    ),
    "lone surrogate in JSON string": ("chuỗi JSON không phải văn bản UTF-8", "a JSON string is not text"),
    "JSON value is not an object": ("nội dung phải là một đối tượng JSON", "the body must be a JSON object"),
}


class StrictRequest(Request[Any, Any, Any]):
    """The request class of the app: bodies are read strictly or refused with a problem."""

    async def body(self) -> bytes:
        """The whole body, after checking its media type against the route's ``data``."""
        expected = _expected_media(self)
        if expected is not None and not _media_matches(self, expected):
            raise UnsupportedBodyType(expected=expected)
        try:
            body = await super().body()
        except RequestEntityTooLarge:
            raise PayloadTooLarge(limit=self.route_handler.resolve_request_max_body_size()) from None
        if expected == RequestEncodingType.URL_ENCODED:
            # Litestar's form extractor takes this instead of parsing the body leniently itself.
            ScopeState.from_scope(self.scope).form = _strict_form(body)
        return body

    async def json(self) -> Any:
        """The body as a JSON object, parsed by the project's one strict decoder."""
        body = await self.body()
        try:
            value = crypto.json_object(body)
        except ValueError as exc:
            fault = _JSON_FAULTS.get(str(exc.__cause__)) or _JSON_FAULTS.get(str(exc))
            vi, en = fault or _JSON_FAULTS["malformed JSON"]
            raise _malformed(vi, en) from None
        if b"\\u0000" in body:  # text columns (PostgreSQL) cannot hold NUL: no field needs one
            raise _malformed("JSON chứa ký tự NUL", "the JSON holds a NUL character")
        return value

    async def msgpack(self) -> Any:
        """No route reads MessagePack."""
        raise UnsupportedBodyType(expected=RequestEncodingType.JSON.value)


async def refuse_ambiguous_parameters(request: Request[Any, Any, Any]) -> None:
    """``before_request`` of the app: a query parameter given twice, or a NUL in the path or query,
    is refused before any handler reads it (litestar would keep one of the two; text columns on
    PostgreSQL cannot hold NUL)."""
    query: bytes = request.scope.get("query_string", b"")
    raw_path: bytes = request.scope.get("raw_path") or b""
    if b"%00" in raw_path or "\x00" in request.scope["path"] or b"%00" in query:
        raise _malformed("tham số chứa ký tự NUL", "a parameter holds a NUL character")
    if query:
        names = [name for name, _ in parse_qsl(query.decode("latin-1"), keep_blank_values=True)]
        if len(names) != len(set(names)):
            raise _malformed("một tham số xuất hiện hai lần", "a query parameter appears twice")


def _expected_media(request: StrictRequest) -> str | None:
    """The media type the route's ``data`` parameter is read as; None when the route reads no body."""
    field = request.route_handler.parsed_fn_signature.parameters.get("data")
    if field is None:
        return None
    kwarg = field.kwarg_definition
    media = kwarg.media_type if isinstance(kwarg, BodyKwarg) else RequestEncodingType.JSON
    return str(media.value if isinstance(media, RequestEncodingType) else media)


def _media_matches(request: StrictRequest, expected: str) -> bool:
    media, options = request.content_type
    if options.get("charset", "utf-8").lower() not in ("utf-8", "utf8"):
        return False
    if expected == RequestEncodingType.JSON:
        return media == expected or (media.startswith("application/") and media.endswith("+json"))
    return bool(media == expected)


def _strict_form(body: bytes) -> dict[str, str | list[str] | UploadFile]:
    """``application/x-www-form-urlencoded``: ASCII, UTF-8 escapes, each field once, no NUL."""
    try:
        pairs = parse_qsl(
            body.decode("ascii"),
            keep_blank_values=True,
            strict_parsing=bool(body),
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_FORM_FIELDS,
        )
    except (UnicodeDecodeError, ValueError):
        raise _malformed("biểu mẫu không hợp lệ", "malformed form") from None
    form: dict[str, str | list[str] | UploadFile] = dict(pairs)
    if len(form) != len(pairs):
        raise _malformed("một trường xuất hiện hai lần", "a field appears twice")
    if any("\x00" in key or "\x00" in value for key, value in pairs):
        raise _malformed("biểu mẫu chứa ký tự NUL", "the form holds a NUL character")
    return form


def _malformed(vi: str, en: str) -> InvalidRequest:
    return InvalidRequest("body", reason_vi=vi, reason_en=en)
