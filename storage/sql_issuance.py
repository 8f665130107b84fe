"""SQL repositories of agencies, credentials, status lists, idempotency records and PDF trust roots."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Integer, bindparam, case, exc, select, update

from storage.errors import Conflict, NotFound
from storage.records import AgencyRecord, CredentialRecord, PageWindow, StatusListRecord, TrustRootRecord
from storage.sql_base import Repository, columns, keyset_page, translated
from storage.tables import (
    AGENCIES,
    CITIZENS,
    CREDENTIALS,
    IDEMPOTENCY,
    PRESENTATION_REFS,
    STATUS_ALLOCATIONS,
    STATUS_LISTS,
    TRUST_ROOTS,
)

_AGENCY = columns(AGENCIES, AgencyRecord)
_CREDENTIAL = columns(CREDENTIALS, CredentialRecord)
_STATUS_LIST = columns(STATUS_LISTS, StatusListRecord)
_TRUST_ROOT = columns(TRUST_ROOTS, TrustRootRecord)
_GET_AGENCY = select(*_AGENCY).where(AGENCIES.c.id == bindparam("agency_id"))
_ALL_AGENCIES = select(*_AGENCY).order_by(AGENCIES.c.id)
_SUCCEED = (
    update(AGENCIES)
    .where(AGENCIES.c.id == bindparam("agency_id"))
    .values(successor_id=bindparam("successor"), dissolved_at=bindparam("at"))
)
_GET_CREDENTIAL = select(*_CREDENTIAL).where(CREDENTIALS.c.id == bindparam("credential_id"))
_OWNED_CREDENTIAL = _GET_CREDENTIAL.where(CREDENTIALS.c.citizen_id == bindparam("citizen_id"))
# A consented pull's one read of the credential and its owner's wrapped key, joined on the primary key.
_OWNED_CREDENTIAL_WITH_KEY = (
    select(*_CREDENTIAL, CITIZENS.c.wrapped_kek)
    .join(CITIZENS, CITIZENS.c.id == CREDENTIALS.c.citizen_id)
    .where(
        CREDENTIALS.c.id == bindparam("credential_id"), CREDENTIALS.c.citizen_id == bindparam("citizen_id")
    )
)
_LIST_CREDENTIALS = (
    select(*_CREDENTIAL)
    .where(CREDENTIALS.c.citizen_id == bindparam("citizen_id"))
    .order_by(CREDENTIALS.c.created_at, CREDENTIALS.c.id)
)
_REGISTERED = (
    select(CREDENTIALS.c.id)
    .where(
        (CREDENTIALS.c.jwt_sha256 == bindparam("digest"))
        | (
            CREDENTIALS.c.jwt_sha256.is_(None)
            & (CREDENTIALS.c.status_list_id == bindparam("list_id"))
            & (CREDENTIALS.c.status_idx == bindparam("idx"))
        )
    )
    .limit(1)
)
_GET_LIST = select(*_STATUS_LIST).where(STATUS_LISTS.c.id == bindparam("list_id"))
MIN_STATUS_ENTRIES = 1 << 14  # 4 KiB of 2-bit entries, a few dozen bytes once compressed
_DOUBLE = (
    update(STATUS_LISTS)
    .where(STATUS_LISTS.c.id == bindparam("list_id"))
    .values(
        size=case(
            (STATUS_LISTS.c.size < bindparam("size", type_=Integer), bindparam("size", type_=Integer)),
            else_=STATUS_LISTS.c.size,
        ),
        updated_at=bindparam("now"),
    )
    .returning(STATUS_LISTS.c.size)
)
_CLAIMED = select(STATUS_ALLOCATIONS.c.idx).where(
    (STATUS_ALLOCATIONS.c.status_list_id == bindparam("list_id")) & (STATUS_ALLOCATIONS.c.used == True)  # noqa: E712  # SQL comparison, not Python truthiness
)
_SET_BITS = (
    update(STATUS_LISTS)
    .where(STATUS_LISTS.c.id == bindparam("list_id"))
    .values(bits=bindparam("bits"), updated_at=bindparam("now"))
)
_CLAIM = (
    update(STATUS_ALLOCATIONS)
    .where(
        (STATUS_ALLOCATIONS.c.status_list_id == bindparam("list_id"))
        & (STATUS_ALLOCATIONS.c.idx == bindparam("entry"))
        & (STATUS_ALLOCATIONS.c.agency_id == bindparam("agency"))
        & (STATUS_ALLOCATIONS.c.used == False)  # noqa: E712  # SQL comparison, not Python truthiness
    )
    .values(used=True)
)
_GET_IDEMPOTENT = select(IDEMPOTENCY.c.request_sha256, IDEMPOTENCY.c.response).where(
    (IDEMPOTENCY.c.agency_id == bindparam("agency_id")) & (IDEMPOTENCY.c.key == bindparam("key"))
)
_ALL_ROOTS = select(*_TRUST_ROOT).order_by(TRUST_ROOTS.c.created_at)


class SqlAgencyRepository(Repository):
    """Agencies on SQL."""

    @translated
    def add(self, agency: AgencyRecord) -> None:
        self.insert(AGENCIES, agency)

    @translated
    def get(self, agency_id: str) -> AgencyRecord:
        row = self.execute(_GET_AGENCY, {"agency_id": agency_id}).first()
        if row is None:
            raise NotFound("no such agency")
        return AgencyRecord(*row)

    @translated
    def all(self) -> Sequence[AgencyRecord]:
        return [AgencyRecord(*row) for row in self.execute(_ALL_AGENCIES)]

    @translated
    def set_successor(self, agency_id: str, successor_id: str, dissolved_at: dt.datetime) -> None:
        params = {"agency_id": agency_id, "successor": successor_id, "at": dissolved_at}
        if self.execute(_SUCCEED, params).rowcount == 0:
            raise NotFound("no such agency")


class SqlCredentialRepository(Repository):
    """Credentials on SQL, scoped to their holder except for ``get_any`` (issuers revoking)."""

    @translated
    def add(self, credential: CredentialRecord) -> None:
        self.insert(CREDENTIALS, credential)

    @translated
    def get(self, citizen_id: str, credential_id: str) -> CredentialRecord:
        row = self.execute(
            _OWNED_CREDENTIAL, {"citizen_id": citizen_id, "credential_id": credential_id}
        ).first()
        if row is None:
            raise NotFound("no such credential")
        return CredentialRecord(*row)

    @translated
    def get_with_owner_key(self, citizen_id: str, credential_id: str) -> tuple[CredentialRecord, bytes]:
        params = {"citizen_id": citizen_id, "credential_id": credential_id}
        row = self.execute(_OWNED_CREDENTIAL_WITH_KEY, params).first()
        if row is None:
            raise NotFound("no such credential")
        return CredentialRecord(*row[:-1]), bytes(row[-1])

    @translated
    def get_any(self, credential_id: str) -> CredentialRecord:
        row = self.execute(_GET_CREDENTIAL, {"credential_id": credential_id}).first()
        if row is None:
            raise NotFound("no such credential")
        return CredentialRecord(*row)

    @translated
    def list(self, citizen_id: str, doc_type: str | None = None) -> Sequence[CredentialRecord]:
        records = [
            CredentialRecord(*row) for row in self.execute(_LIST_CREDENTIALS, {"citizen_id": citizen_id})
        ]
        return [r for r in records if doc_type is None or r.doc_type == doc_type]

    @translated
    def page(
        self, citizen_id: str, window: PageWindow, doc_type: str | None = None
    ) -> Sequence[CredentialRecord]:
        statement = select(*_CREDENTIAL).where(CREDENTIALS.c.citizen_id == citizen_id)
        if doc_type is not None:
            statement = statement.where(CREDENTIALS.c.doc_type == doc_type)
        return [CredentialRecord(*row) for row in self.execute(keyset_page(statement, CREDENTIALS, window))]

    @translated
    def registered(self, jwt_sha256: bytes, status_list_id: str, status_idx: int) -> bool:
        params = {"digest": jwt_sha256, "list_id": status_list_id, "idx": status_idx}
        return self.execute(_REGISTERED, params).first() is not None


class SqlStatusListRepository(Repository):
    """Status lists (2 bits per entry) and the indexes handed out to issuers."""

    @translated
    def allocate(self, list_id: str, agency_id: str, now: dt.datetime) -> int:
        """A random free index: the list's size says nothing of how many credentials exist
        (draft-ietf-oauth-status-list §12.4, §12.5.1); entries never handed out are decoys."""
        row = self.execute(_GET_LIST, {"list_id": list_id}).first()
        if row is None:
            self.insert(STATUS_LISTS, StatusListRecord(list_id, agency_id, MIN_STATUS_ENTRIES, b"", now))
            size = MIN_STATUS_ENTRIES
        else:
            size = max(StatusListRecord(*row).size, MIN_STATUS_ENTRIES)
        for attempt in range(64):
            if attempt and attempt % 3 == 0:  # three collisions in a row: the list is filling up
                grown = self.execute(_DOUBLE, {"list_id": list_id, "size": size * 2, "now": now})
                size = int(grown.scalar_one())
            idx = secrets.randbelow(size)
            allocation = {"status_list_id": list_id, "idx": idx, "agency_id": agency_id}
            try:
                self.insert_row(STATUS_ALLOCATIONS, {**allocation, "used": False, "created_at": now})
            except exc.IntegrityError:
                continue
            return idx
        raise Conflict("no free status index")

    @translated
    def claimed(self, list_id: str) -> frozenset[int]:
        return frozenset(int(row[0]) for row in self.execute(_CLAIMED, {"list_id": list_id}))

    @translated
    def claim(self, list_id: str, idx: int, agency_id: str) -> bool:
        params = {"list_id": list_id, "entry": idx, "agency": agency_id}
        return bool(self.execute(_CLAIM, params).rowcount == 1)

    @translated
    def get(self, list_id: str) -> StatusListRecord:
        row = self.execute(_GET_LIST, {"list_id": list_id}).first()
        if row is None:
            raise NotFound("no such status list")
        return StatusListRecord(*row)

    @translated
    def set_status(self, list_id: str, idx: int, value: int, now: dt.datetime) -> None:
        current = self.get(list_id)
        if not 0 <= idx < current.size or not 0 <= value <= 3:
            raise NotFound("no such status entry")
        bits = bytearray(current.bits)
        needed = (current.size * 2 + 7) // 8
        bits.extend(b"\x00" * (needed - len(bits)))
        byte, shift = divmod(idx * 2, 8)
        bits[byte] = (bits[byte] & ~(0b11 << shift)) | (value << shift)
        self.execute(_SET_BITS, {"list_id": list_id, "bits": bytes(bits), "now": now})


class SqlIdempotencyRepository(Repository):
    """What an agency's keyed request produced, to answer its retries identically."""

    @translated
    def get(self, agency_id: str, key: str) -> tuple[bytes, str] | None:
        row = self.execute(_GET_IDEMPOTENT, {"agency_id": agency_id, "key": key}).first()
        return None if row is None else (bytes(row[0]), str(row[1]))

    @translated
    def add(self, agency_id: str, key: str, request_sha256: bytes, response: str, now: dt.datetime) -> None:
        row: dict[str, Any] = {
            "agency_id": agency_id,
            "key": key,
            "request_sha256": request_sha256,
            "response": response,
            "created_at": now,
        }
        self.insert_row(IDEMPOTENCY, row)


class SqlTrustRootRepository(Repository):
    """Root certificates accepted for signed PDFs."""

    @translated
    def add(self, root: TrustRootRecord) -> None:
        self.insert(TRUST_ROOTS, root)

    @translated
    def all(self) -> Sequence[TrustRootRecord]:
        return [TrustRootRecord(*row) for row in self.execute(_ALL_ROOTS)]


_TAKE_REF = (
    update(PRESENTATION_REFS)
    .where(
        (PRESENTATION_REFS.c.ref_sha256 == bindparam("ref"))
        & (PRESENTATION_REFS.c.used == False)  # noqa: E712  # SQL comparison, not Python truthiness
        & (PRESENTATION_REFS.c.expires_at > bindparam("now"))
    )
    .values(used=True)
    .returning(PRESENTATION_REFS.c.presentation, PRESENTATION_REFS.c.citizen_id)
)
_REF_STATE = select(PRESENTATION_REFS.c.used, PRESENTATION_REFS.c.expires_at).where(
    PRESENTATION_REFS.c.ref_sha256 == bindparam("ref")
)


class SqlPresentationRefRepository(Repository):
    """Presentations behind short references: each resolves once, before it expires."""

    @translated
    def add(self, ref_sha256: bytes, citizen_id: str, presentation: str, expires_at: dt.datetime) -> None:
        row = {"ref_sha256": ref_sha256, "citizen_id": citizen_id, "presentation": presentation}
        self.insert_row(PRESENTATION_REFS, {**row, "expires_at": expires_at, "used": False})

    @translated
    def take(self, ref_sha256: bytes, now: dt.datetime) -> tuple[str, str]:
        row = self.execute(_TAKE_REF, {"ref": ref_sha256, "now": now}).first()
        if row is None:
            raise NotFound("no such reference")
        return str(row[0]), str(row[1])

    @translated
    def spent(self, ref_sha256: bytes, now: dt.datetime) -> str | None:
        row = self.execute(_REF_STATE, {"ref": ref_sha256}).first()
        if row is None:
            return None
        return "used" if row[0] else "expired" if row[1] <= now else None


__all__ = [
    "SqlAgencyRepository",
    "SqlCredentialRepository",
    "SqlIdempotencyRepository",
    "SqlPresentationRefRepository",
    "SqlStatusListRepository",
    "SqlTrustRootRepository",
]
