"""Key epochs on SQL (``docs/erasure.md``): erasures not yet final, and the batched re-wrap of
every value wrapped under the master key.

The re-wrap reads a batch in key order, wraps outside any transaction, then writes each new value
with a compare-and-swap (``UPDATE ... WHERE key = ? AND wrapped = <what was read>``): a row
deleted or changed meanwhile matches nothing and is left alone, so a request racing the job never
loses an update, and a crash leaves every row either old (re-wrapped on the next run) or new.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Column, Table, bindparam, delete, literal, select, update

from storage.records import ErasureRecord, WrappedKey
from storage.sql_base import Repository, columns, translated
from storage.tables import CITIZENS, DOCUMENTS, ERASURES, SIGNING_KEYS

__all__ = ["WRAPPED_TABLES", "SqlErasureRepository", "SqlKeyEpochRepository"]


def _spec(table: Table, key: str, owner: str | None, version: str | None, wrapped: str) -> dict[str, Any]:
    return {
        "table": table,
        "key": table.c[key],
        "select": select(
            table.c[key],
            table.c[owner] if owner else table.c[key],
            table.c[version] if version else literal(0),
            table.c[wrapped],
        ),
        "wrapped": table.c[wrapped],
    }


# Every column holding a value wrapped under the master key (directly, or as the outer layer).
_SPECS: dict[str, dict[str, Any]] = {
    "citizens": _spec(CITIZENS, "id", None, None, "wrapped_kek"),
    "documents": _spec(DOCUMENTS, "id", "citizen_id", "version", "wrapped_dek"),
    "signing_keys": _spec(SIGNING_KEYS, "kid", None, None, "wrapped_private"),
}
WRAPPED_TABLES: tuple[str, ...] = tuple(_SPECS)


class SqlKeyEpochRepository(Repository):
    """Reads master-wrapped values in key order and swaps them for re-wrapped ones."""

    __slots__ = ()

    @translated
    def batch(self, table: str, after: str, limit: int) -> Sequence[WrappedKey]:
        spec = _SPECS[table]
        statement = spec["select"].where(spec["key"] > after).order_by(spec["key"]).limit(limit)
        return [WrappedKey(*row) for row in self.execute(statement)]

    @translated
    def swap(self, table: str, key: str, old: bytes, new: bytes) -> bool:
        return self.swap_many(table, [(key, old, new)]) == 1

    @translated
    def swap_many(self, table: str, changes: Sequence[tuple[str, bytes, bytes]]) -> int:
        """Each ``(key, old, new)`` as one compare-and-swap, sent together (executemany: pipelined
        on PostgreSQL); how many rows still held ``old`` and now hold ``new``."""
        if not changes:
            return 0
        spec = _SPECS[table]
        column: Column[bytes] = spec["wrapped"]
        statement = (
            update(spec["table"])
            .where(spec["key"] == bindparam("k"), column == bindparam("old"))
            .values({column.name: bindparam("new")})
        )
        params = [{"k": key, "old": old, "new": new} for key, old, new in changes]
        if len(params) == 1:
            return int(self.execute(statement, params[0]).rowcount)
        return int(self._tx.connection().execute(statement, params).rowcount)


_PENDING = (
    select(*columns(ERASURES, ErasureRecord))
    .where(ERASURES.c.master_version >= bindparam("oldest"))
    .order_by(ERASURES.c.erased_at, ERASURES.c.id)
)
_PRUNE = delete(ERASURES).where(ERASURES.c.master_version < bindparam("oldest"))


class SqlErasureRepository(Repository):
    """Erasures not yet final; a row goes once every version that could open its keys is gone."""

    __slots__ = ()

    @translated
    def add(self, erasure: ErasureRecord) -> None:
        self.insert(ERASURES, erasure)

    @translated
    def pending(self, oldest_version: int) -> Sequence[ErasureRecord]:
        return [ErasureRecord(*row) for row in self.execute(_PENDING, {"oldest": oldest_version})]

    @translated
    def prune(self, oldest_version: int) -> int:
        return int(self.execute(_PRUNE, {"oldest": oldest_version}).rowcount)
