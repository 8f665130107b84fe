"""Cursor paging for every list: ``limit``, an opaque signed ``cursor``, ``since``/``until``.

A cursor is the last item's ``(created_at, id)``, bound to the list it came from and to the
caller, and authenticated with a key derived from the master key: a forged, altered, other
list's or other person's cursor is refused (400) before any query runs. Pages are keyset pages
(``storage.PageWindow``): newest first, ties by id, the same cost deep in a long list.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import storage
from wallet_api.context import Context
from wallet_api.errors import InvalidRequest

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_CURSOR = 256
T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class PageQuery:
    """What the caller asked for, checked: the storage window plus who and which list."""

    kind: str
    owner: str
    limit: int
    window: storage.PageWindow  # asks for one row more than ``limit``: is there a next page?


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of items and where the next one starts (``None``: this was the last)."""

    items: list[T]
    after: tuple[dt.datetime, str] | None


def _invalid(en: str, vi: str) -> InvalidRequest:
    return InvalidRequest(en, reason_vi=vi, reason_en=en)


def _key(ctx: Context) -> bytes:
    return ctx.master.derive("page-cursor")


def _mac(ctx: Context, kind: str, owner: str, payload: bytes) -> bytes:
    message = b"\x00".join((kind.encode(), owner.encode(), payload))
    return hmac.new(_key(ctx), message, hashlib.sha256).digest()[:16]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode_cursor(ctx: Context, kind: str, owner: str, after: tuple[dt.datetime, str]) -> str:
    """The opaque cursor that resumes ``kind`` for ``owner`` after ``after``."""
    payload = json.dumps([after[0].astimezone(dt.UTC).isoformat(), after[1]], separators=(",", ":")).encode()
    return f"{_b64(payload)}.{_b64(_mac(ctx, kind, owner, payload))}"


def _decode_cursor(ctx: Context, kind: str, owner: str, cursor: str) -> tuple[dt.datetime, str]:
    refused = _invalid("invalid or foreign cursor", "con trỏ trang không hợp lệ")
    try:
        raw_payload, raw_mac = cursor.split(".")
        payload = _unb64(raw_payload)
        if not hmac.compare_digest(_unb64(raw_mac), _mac(ctx, kind, owner, payload)):
            raise refused
        when, ident = json.loads(payload)
        at = dt.datetime.fromisoformat(when)
    except (ValueError, TypeError) as exc:
        raise refused from exc
    if at.tzinfo is None or not isinstance(ident, str):
        raise refused
    return at, ident


def _moment(name: str, raw: str | None) -> dt.datetime | None:
    if raw is None:
        return None
    try:
        value = dt.datetime.fromisoformat(raw[:40])
    except ValueError:
        raise _invalid(
            f"{name} must be an ISO 8601 date or time", f"{name} phải là ngày giờ ISO 8601"
        ) from None
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def page_query(
    ctx: Context,
    kind: str,
    owner: str,
    *,
    limit: int,
    cursor: str | None,
    since: str | None,
    until: str | None,
) -> PageQuery:
    """The checked page request (400 problem for a bad limit, date or cursor)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise _invalid(f"limit must be between 1 and {MAX_LIMIT}", f"limit phải từ 1 đến {MAX_LIMIT}")
    if cursor is not None and len(cursor) > MAX_CURSOR:
        raise _invalid("invalid or foreign cursor", "con trỏ trang không hợp lệ")
    after = _decode_cursor(ctx, kind, owner, cursor) if cursor else None
    window = storage.PageWindow(limit + 1, after, _moment("since", since), _moment("until", until))
    return PageQuery(kind, owner, limit, window)


def cut(query: PageQuery, rows: Sequence[R], key: Callable[[R], tuple[dt.datetime, str]]) -> Page[R]:
    """The page of ``rows`` (fetched with one extra) and where the next page starts."""
    kept = list(rows[: query.limit])
    more = len(rows) > query.limit and kept
    return Page(kept, key(kept[-1]) if more else None)


def next_cursor(ctx: Context, query: PageQuery, page: Page[T]) -> str | None:
    """The cursor of the page after ``page``, or ``None``."""
    return encode_cursor(ctx, query.kind, query.owner, page.after) if page.after else None
