"""The citizen's access log as a service: append what agencies did, serve it with signed heads and proofs.

A change to a citizen's wallet appends its entry inside the change's own
transaction, through the unit of work's ``log_store()`` on its connection (the
change and its entry: one atomic step, docs/internals.md). Without a store,
appends run in the log store's own short transaction: only for what changes
nothing (a read or lookup logged before it is answered, a refused attempt).
Never through the plain store inside an open unit of work: on SQLite that
would wait on its own write lock. The view signs the head it read and proves every
entry it returns against that head, plus consistency from a size the phone saw.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import storage
from consent.log import MAX_PAGE, AccessLog, LoggedEntry
from consent.log_store import LogStore
from consent.wording import NO_PROCEDURE, catalog_names, describe, procedure_names
from crypto.transparency.entry import AccessAction, AccessEntry
from crypto.transparency.errors import LogBusy, LogCorrupted, LogError
from crypto.transparency.proofs import sign_tree_head
from wallet_api.context import Context
from wallet_api.errors import InvalidRequest
from wallet_api.errors_consent import AccessLogBusy, AccessLogCorrupted

log = logging.getLogger("wallet.access_log")
ISSUE_PURPOSE = "Cấp vào ví / Issued into the wallet"
STATUS_PURPOSE = "Thay đổi trạng thái / Status change"
FETCH_PURPOSE = "Đọc bản trình bày qua mã dùng một lần / Read through a one-time code"
VERIFIER = ("verifier", "Một bên kiểm tra qua mã dùng một lần / A verifier, through a one-time code")


class SerialAccessLog(AccessLog):
    """An ``AccessLog`` whose appends to one citizen's log take turns within the process.

    ``AccessLog`` is optimistic: racing appends to one log retry from a fresh
    read, and in a burst (many threads pulling one citizen's data at once) the
    losers can run out of attempts. Threads of one process queue instead, on one
    of a fixed set of locks picked by the citizen id. Processes still race; a run
    of lost races is retried a few times after a short random pause.
    """

    STRIPES = 64

    def __init__(self, store: LogStore, *, attempts: int = 16, retries: int = 4) -> None:
        super().__init__(store, attempts=attempts)
        self._locks = tuple(threading.Lock() for _ in range(self.STRIPES))
        self._retries = retries

    def append_many(
        self, citizen_id: str, entries: Sequence[AccessEntry], *, store: LogStore | None = None
    ) -> range:
        """Append as ``AccessLog`` does, one thread per citizen at a time.

        Inside a caller's transaction (``store``) the database already makes appends to one log
        take turns (its write lock, or the head row locked ``FOR UPDATE``): no stripe, no pause.
        """
        if store is not None:
            return super().append_many(citizen_id, entries, store=store)
        lock = self._locks[zlib.crc32(citizen_id.encode()) % self.STRIPES]
        for _ in range(self._retries):
            try:
                with lock:
                    return super().append_many(citizen_id, entries)
            except LogBusy:
                time.sleep(random.uniform(0.001, 0.02))  # noqa: S311  # jitter between processes, not a secret
        with lock:
            return super().append_many(citizen_id, entries)


def record_access(
    ctx: Context,
    citizen_id: str,
    agency: storage.AgencyRecord,
    resource: tuple[str, str],
    action: AccessAction,
    *,
    purpose: str,
    procedure_code: str = NO_PROCEDURE,
    consent_id: str | None = None,
    case_number: str | None = None,
    store: LogStore | None = None,
) -> int:
    """Append one access by ``agency`` to ``resource`` (id, type) to the citizen's log; its index.

    ``store``: append inside that unit of work's transaction (``UnitOfWork.log_store``).
    """
    actor = (agency.id, agency.display_name)
    return record_by(
        ctx,
        citizen_id,
        actor,
        resource,
        action,
        purpose=purpose,
        procedure_code=procedure_code,
        consent_id=consent_id,
        case_number=case_number,
        store=store,
    )


def record_by(
    ctx: Context,
    citizen_id: str,
    actor: tuple[str, str],
    resource: tuple[str, str],
    action: AccessAction,
    *,
    purpose: str,
    procedure_code: str = NO_PROCEDURE,
    consent_id: str | None = None,
    case_number: str | None = None,
    store: LogStore | None = None,
) -> int:
    """``record_access`` for an actor that is not a registered agency (``VERIFIER``): (id, name)."""
    entry = AccessEntry(
        agency_id=actor[0],
        agency_name=actor[1],
        resource_id=resource[0],
        resource_type=resource[1],
        action=action,
        purpose=purpose[:512],
        procedure_code=(procedure_code or NO_PROCEDURE)[:64],
        consent_id=consent_id,
        at=ctx.now(),
        case_number=(case_number or None) and case_number[:128],
    )
    try:
        return ctx.access_log.append_many(citizen_id, [entry], store=store).start
    except LogCorrupted:
        log.error("access log of %s is damaged: append refused", citizen_id)
        raise AccessLogCorrupted() from None
    except LogBusy:
        raise AccessLogBusy() from None


@dataclass(frozen=True, slots=True)
class LogView:
    """A page of the log proved against one signed head."""

    tree_head: str
    tree_size: int
    entries: list[dict[str, Any]]
    consistency: dict[str, Any] | None


class AccessLogService:
    """What the citizen sees of their access log."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def _head(self, citizen_id: str) -> tuple[str, int]:
        """The current head, signed with the service key, and its size (one read of the head)."""
        key = self.ctx.service_keys.current
        head = self.ctx.access_log.tree_head(citizen_id, now=self.ctx.now())
        return sign_tree_head(head, key.private, kid=key.kid), head.size

    def signed_head(self, citizen_id: str) -> str:
        """The current head of the citizen's log, signed with the service key."""
        return self._head(citizen_id)[0]

    def view(self, citizen_id: str, *, start: int, limit: int, since: int | None) -> LogView:
        """Entries ``start`` onwards (at most ``limit``), each with an inclusion proof against the head."""
        if start < 0 or not 1 <= limit <= MAX_PAGE:
            raise _bad_range()
        token, size = self._head(citizen_id)
        if since is not None and not 0 <= since <= size:
            raise _bad_range()
        try:
            logged = self.ctx.access_log.entries(citizen_id, start, min(start + limit, size))
            entries = [self._entry(citizen_id, item, size) for item in logged]
            consistency = None
            if since is not None:
                consistency = self.ctx.access_log.consistency_proof(citizen_id, since, size).to_json()
        except LogCorrupted:
            log.error("access log of %s is damaged", citizen_id)
            raise AccessLogCorrupted() from None
        except LogError:
            raise _bad_range() from None
        return LogView(token, size, entries, consistency)

    def whole(self, citizen_id: str) -> Iterator[tuple[str, int, list[dict[str, Any]]]]:
        """Every entry, a page at a time, each proved against one signed head read first:
        (head, size, entries) per page. What the export writes, checkable offline."""
        token, size = self._head(citizen_id)
        try:
            for start in range(0, size, MAX_PAGE):
                logged = self.ctx.access_log.entries(citizen_id, start, min(start + MAX_PAGE, size))
                yield token, size, [self._entry(citizen_id, item, size) for item in logged]
        except LogCorrupted:
            log.error("access log of %s is damaged", citizen_id)
            raise AccessLogCorrupted() from None

    def _entry(self, citizen_id: str, item: LoggedEntry, size: int) -> dict[str, Any]:
        vi, en = describe(item.entry)
        proof = self.ctx.access_log.inclusion_proof(citizen_id, item.index, size)
        shown = {
            "index": item.index,
            "data": item.data,
            "text_vi": vi,
            "text_en": en,
            "type_names": list(catalog_names(item.entry.resource_type) or ()),
            "procedure_names": list(procedure_names(item.entry.procedure_code) or ()),
        }
        return {**shown, "inclusion": proof.to_json()}

    def inclusion(self, citizen_id: str, index: int, tree_size: int) -> dict[str, Any]:
        """``PATH(index, D[tree_size])`` as JSON."""
        if not 0 <= index < tree_size:
            raise _bad_range()
        try:
            return self.ctx.access_log.inclusion_proof(citizen_id, index, tree_size).to_json()
        except LogCorrupted:
            raise AccessLogCorrupted() from None
        except LogError:
            raise _bad_range() from None

    def consistency(self, citizen_id: str, first: int, second: int) -> dict[str, Any]:
        """``PROOF(first, D[second])`` as JSON."""
        if not 0 <= first <= second:
            raise _bad_range()
        try:
            return self.ctx.access_log.consistency_proof(citizen_id, first, second).to_json()
        except LogCorrupted:
            raise AccessLogCorrupted() from None
        except LogError:
            raise _bad_range() from None


def _bad_range() -> InvalidRequest:
    return InvalidRequest(
        "range",
        reason_vi="chỉ số hoặc kích thước nhật ký nằm ngoài phạm vi",
        reason_en="an index or tree size is out of range",
    )
