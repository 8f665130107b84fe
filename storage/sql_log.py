"""The access log's store (``consent.log_store.LogStore``) on SQLite or PostgreSQL, SQLAlchemy Core.

Appends are race-free across processes on both dialects: each runs in one
transaction that first advances the citizen's ``log_heads`` row from the size
the caller read (``UPDATE ... WHERE size = :expected``, or for a new log an
``INSERT ... ON CONFLICT DO NOTHING``). On PostgreSQL a racing transaction
waits on that row lock, then finds the size changed and matches no row; on
SQLite the write lock serialises them. The loser writes nothing and reports
False; ``AccessLog`` retries. The primary keys of entries and nodes back this
up: a clash there is a ``Conflict``, never a silent overwrite.

A proof's O(log n) stored hashes come back in one statement, each row by a
primary-key search: per-level ``IN`` lists on SQLite, an ``unnest`` of arrays
joined to the key on PostgreSQL (one fixed statement, prepared once).
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import (
    BigInteger,
    BindParameter,
    Connection,
    Engine,
    SmallInteger,
    and_,
    any_,
    bindparam,
    cast,
    delete,
    func,
    insert,
    literal,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import Executable

from storage.log_tables import LOG_ENTRIES, LOG_HEADS, LOG_NODES
from storage.sql_base import READONLY, translated

if TYPE_CHECKING:  # a protocol's plain types: storage does not import consent at run time
    from consent.log_store import LogAppend

__all__ = ["SqlLogStore"]

_LOG: BindParameter[str] = bindparam("log_id")
_HEAD = select(LOG_HEADS.c.size, LOG_HEADS.c.root_hash).where(LOG_HEADS.c.citizen_id == _LOG)
_ADVANCE = (
    update(LOG_HEADS)
    .where(LOG_HEADS.c.citizen_id == _LOG, LOG_HEADS.c.size == bindparam("expected"))
    .values(size=bindparam("new_size"), root_hash=bindparam("new_root"))
)
_NEW_HEAD = {
    name: dialect.insert(LOG_HEADS)
    .values(citizen_id=_LOG, size=bindparam("new_size"), root_hash=bindparam("new_root"))
    .on_conflict_do_nothing()
    .execution_options(preserve_rowcount=True)
    for name, dialect in (("sqlite", sqlite), ("postgresql", postgresql))
}
_ADD_ENTRIES = insert(LOG_ENTRIES)
_ADD_NODES = insert(LOG_NODES)
_LEAVES = select(literal(0).label("level"), LOG_ENTRIES.c.idx, LOG_ENTRIES.c.leaf_hash).where(
    LOG_ENTRIES.c.citizen_id == _LOG
)


@functools.lru_cache(maxsize=64)
def _sqlite_nodes(levels: int) -> Executable:
    """Leaf hashes (level 0) by index, and interior nodes of ``levels`` levels, in one statement.

    One ``UNION ALL`` branch per level, ``level = :lK AND idx IN (...)``, each a
    primary-key search (a row-value ``IN`` or an OR of pairs made SQLite scan the
    citizen's whole tree). One statement per number of levels.
    """
    branches = [_LEAVES.where(LOG_ENTRIES.c.idx.in_(bindparam("leaves", expanding=True)))]
    for k in range(levels):
        branches.append(
            select(LOG_NODES.c.level, LOG_NODES.c.idx, LOG_NODES.c.hash).where(
                LOG_NODES.c.citizen_id == _LOG,
                LOG_NODES.c.level == bindparam(f"l{k}"),
                LOG_NODES.c.idx.in_(bindparam(f"i{k}", expanding=True)),
            )
        )
    return union_all(*branches) if levels else branches[0]


# PostgreSQL: one fixed statement over arrays (prepared once, planned once): the wanted
# (level, idx) pairs unnested and joined to the primary key, and leaves by ``= ANY``.
_WANTED = (
    func.unnest(
        cast(bindparam("levels"), postgresql.ARRAY(SmallInteger)),
        cast(bindparam("idxs"), postgresql.ARRAY(BigInteger)),
    )
    .table_valued("level", "idx")
    .render_derived(name="wanted")
)
_POSTGRES_NODES = union_all(
    _LEAVES.where(LOG_ENTRIES.c.idx == any_(cast(bindparam("leaves"), postgresql.ARRAY(BigInteger)))),
    select(LOG_NODES.c.level, LOG_NODES.c.idx, LOG_NODES.c.hash).select_from(
        _WANTED.join(
            LOG_NODES,
            and_(
                LOG_NODES.c.citizen_id == _LOG,
                LOG_NODES.c.level == _WANTED.c.level,
                LOG_NODES.c.idx == _WANTED.c.idx,
            ),
        )
    ),
)


def _node_query(dialect: str, ids: Sequence[tuple[int, int]]) -> tuple[Executable, dict[str, Any]]:
    """The statement fetching ``ids`` on ``dialect`` and its parameters (``log_id`` left to add)."""
    leaves = [index for level, index in ids if level == 0]
    inner = [(level, index) for level, index in ids if level > 0]
    if dialect == "postgresql":
        pairs = {"levels": [level for level, _ in inner], "idxs": [index for _, index in inner]}
        return _POSTGRES_NODES, {"leaves": leaves, **pairs}
    by_level: dict[int, list[int]] = {}
    for level, index in inner:
        by_level.setdefault(level, []).append(index)
    params: dict[str, Any] = {"leaves": leaves}
    for k, (level, indexes) in enumerate(by_level.items()):
        params[f"l{k}"], params[f"i{k}"] = level, indexes
    return _sqlite_nodes(len(by_level)), params


_ENTRIES = (
    select(LOG_ENTRIES.c.idx, LOG_ENTRIES.c.entry)
    .where(
        LOG_ENTRIES.c.citizen_id == _LOG,
        LOG_ENTRIES.c.idx >= bindparam("start"),
        LOG_ENTRIES.c.idx < bindparam("stop"),
    )
    .order_by(LOG_ENTRIES.c.idx)
)
_ERASE = [delete(table).where(table.c.citizen_id == _LOG) for table in (LOG_NODES, LOG_ENTRIES, LOG_HEADS)]


class SqlLogStore:
    """Per-citizen Merkle logs in ``log_heads``, ``log_entries`` and ``log_nodes``."""

    def __init__(self, engine: Engine, *, write_lock: threading.Lock | None = None) -> None:
        self._engine = engine
        # SQLite has one writer: threads of one process may queue on a mutex instead of its busy handler.
        self._lock = write_lock
        self._dialect = engine.dialect.name
        if self._dialect not in _NEW_HEAD:
            raise ValueError(f"unsupported log database {self._dialect!r}: use sqlite or postgresql")
        self._new_head = _NEW_HEAD[self._dialect]

    def within(self, connection: Connection) -> _BoundLogStore:
        """This store inside ``connection``'s open transaction: reads and appends join it, commit is
        the caller's. An append then lands, or not, with whatever else that transaction does (a
        consent use and its log entry: one atomic step). The head is read ``FOR UPDATE``."""
        return _BoundLogStore(connection, self._dialect)

    @contextlib.contextmanager
    def _reading(self) -> Iterator[Connection]:
        # Read-only: on SqlMetadata's SQLite engine a plain BEGIN, not the writers' BEGIN IMMEDIATE.
        with self._engine.connect() as connection:
            yield connection.execution_options(**{READONLY: True})

    @contextlib.contextmanager
    def _writing(self) -> Iterator[Connection]:
        with self._lock or contextlib.nullcontext(), self._engine.begin() as connection:
            yield connection

    @translated
    def head(self, log_id: str) -> tuple[int, bytes] | None:
        """``(size, root_hash)``, or ``None`` for a log never appended to."""
        with self._reading() as connection:
            row = connection.execute(_HEAD, {"log_id": log_id}).first()
        return None if row is None else (int(row[0]), bytes(row[1]))

    @translated
    def nodes(self, log_id: str, ids: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        """The stored hashes among ``ids`` (level 0 from the entries), in one query."""
        statement, params = _node_query(self._dialect, ids)
        with self._reading() as connection:
            rows = connection.execute(statement, {"log_id": log_id, **params}).all()
        return {(int(level), int(index)): bytes(value) for level, index, value in rows}

    @translated
    def entries(self, log_id: str, start: int, stop: int) -> list[tuple[int, str]]:
        """``(index, data)`` for ``start <= index < stop``, in index order."""
        params = {"log_id": log_id, "start": start, "stop": stop}
        with self._reading() as connection:
            return [(int(index), str(data)) for index, data in connection.execute(_ENTRIES, params)]

    @translated
    def append(
        self,
        log_id: str,
        expected_size: int,
        entries: Sequence[tuple[int, str, bytes]],
        nodes: Sequence[tuple[int, int, bytes]],
        root_hash: bytes,
    ) -> bool:
        """Store entries, nodes and the new head in one transaction if the size is ``expected_size``."""
        head = {
            "log_id": log_id,
            "expected": expected_size,
            "new_size": expected_size + len(entries),
            "new_root": root_hash,
        }
        with self._writing() as connection:
            statement = self._new_head if expected_size == 0 else _ADVANCE
            if connection.execute(statement, head).rowcount != 1:
                return False  # another append won; nothing was written
            connection.execute(_ADD_ENTRIES, _entry_rows(log_id, entries))
            if nodes:
                connection.execute(_ADD_NODES, _node_rows(log_id, nodes))
        return True

    @translated
    def erase(self, log_id: str) -> None:
        """Delete the log's nodes, entries and head."""
        with self._writing() as connection:
            for statement in _ERASE:
                connection.execute(statement, {"log_id": log_id})


# The bound store's statements, DB-API text with the dialect's mark ({0}): the consented pull runs
# them on every request, and through Core each cost several times the statement itself.
_RAW_HEAD = "SELECT size, root_hash FROM log_heads WHERE citizen_id = {0}"
_RAW_LEAF = "SELECT 0, idx, leaf_hash FROM log_entries WHERE citizen_id = {0} AND idx = {0}"
_RAW_NODE = "SELECT level, idx, hash FROM log_nodes WHERE citizen_id = {0} AND level = {0} AND idx = {0}"
_RAW_ENTRIES = (
    "SELECT idx, entry FROM log_entries WHERE citizen_id = {0} AND idx >= {0} AND idx < {0} ORDER BY idx"
)
_RAW_ADVANCE = "UPDATE log_heads SET size = {0}, root_hash = {0} WHERE citizen_id = {0} AND size = {0}"
_RAW_NEW_HEAD = (
    "INSERT INTO log_heads (citizen_id, size, root_hash) VALUES ({0}, {0}, {0}) ON CONFLICT DO NOTHING"
)
_RAW_ADD_ENTRY = "INSERT INTO log_entries (citizen_id, idx, entry, leaf_hash) VALUES ({0}, {0}, {0}, {0})"
_RAW_ADD_NODE = "INSERT INTO log_nodes (citizen_id, level, idx, hash) VALUES ({0}, {0}, {0}, {0})"
_RAW_HEADS = "SELECT citizen_id, size, root_hash FROM log_heads WHERE citizen_id IN ({1}) ORDER BY citizen_id"
_RAW_ROW = "({0}, {0}, {0}, {0})"  # one row of a multi-row INSERT into log_entries or log_nodes
_RAW_INSERT_ENTRIES = "INSERT INTO log_entries (citizen_id, idx, entry, leaf_hash) VALUES "
_RAW_INSERT_NODES = "INSERT INTO log_nodes (citizen_id, level, idx, hash) VALUES "
_PG_HEAD_ROW = "(%s::text, %s::bigint, %s::bigint, %s::bytea)"
_PG_ADVANCE = (
    "UPDATE log_heads AS h SET size = v.new_size, root_hash = v.root FROM (VALUES {0}) "
    "AS v(citizen_id, expected, new_size, root) "
    "WHERE h.citizen_id = v.citizen_id AND h.size = v.expected RETURNING 1"
)
_MARKS = {"sqlite": "?", "postgresql": "%s"}


def heads_statement(dialect: str, count: int) -> str:
    """``_BoundLogStore.heads``'s statement for ``count`` logs (locking on PostgreSQL)."""
    mark = _MARKS[dialect]
    marks = ", ".join([mark] * count)
    return _RAW_HEADS.format(mark, marks) + (" FOR UPDATE" if dialect == "postgresql" else "")


class _Driver(Protocol):
    """What ``_BoundLogStore`` uses of a connection: its DB-API connection (``.connection``)."""

    @property
    def connection(self) -> Any: ...


@dataclass(frozen=True, slots=True)
class _OnDriver:
    connection: Any  # a DB-API connection inside a transaction its owner began


# ``_BoundLogStore.append_logs``'s one PostgreSQL statement when its answer is not waited for
# (``deferred``): instead of counting the heads advanced, it fails (division by zero) unless every
# head advanced, so the transaction cannot commit a partial append.
_PG_CHECKED = " SELECT 1 / (CASE WHEN count(*) = %s THEN 1 ELSE 0 END) FROM h"


# PostgreSQL: an act's append under a mandate as ONE autocommit statement, when the appends were
# computed ahead from the frontiers this process remembers (``AccessLog.prepare_remembered``): the
# mandate's liveness (``m``, ``FOR SHARE``: a revocation racing the act waits for it, or is seen),
# then the heads locked in id order (as every other multi-log append locks them), each head
# advanced only while ``m`` has its row and the head is still the one the appends extend (size and
# root), the entries and nodes stored only for the heads that advanced. The answer: whether the
# mandate was open, and how many heads advanced (0: nothing written, a head had moved; a part of
# them: the division by zero fails the statement, so nothing is written either).
# ``{first}``: the CTEs before ``m`` (none here; a delegate's read puts its spend and read there).
_PG_ACT = (
    "WITH {first}m AS MATERIALIZED (SELECT 1 FROM mandates WHERE id = %s AND ended_at IS NULL{when}"
    " FOR SHARE),"
    " l AS MATERIALIZED (SELECT citizen_id FROM log_heads WHERE citizen_id IN ({ids})"
    " AND EXISTS (SELECT 1 FROM m) ORDER BY citizen_id FOR UPDATE),"
    " h AS (UPDATE log_heads AS h SET size = v.new_size, root_hash = v.root FROM (VALUES {heads})"
    " AS v(citizen_id, expected, new_size, root, old_root) WHERE h.citizen_id = v.citizen_id"
    " AND h.size = v.expected AND h.root_hash = v.old_root AND h.citizen_id IN (SELECT citizen_id FROM l)"
    " RETURNING h.citizen_id),"
    " e AS (INSERT INTO log_entries (citizen_id, idx, entry, leaf_hash) SELECT * FROM (VALUES {entries})"
    " AS v(citizen_id, idx, entry, leaf_hash) WHERE v.citizen_id IN (SELECT citizen_id FROM h)){nodes}"
    " SELECT {answer}, c / (CASE WHEN c = 0 OR c = %s THEN 1 ELSE 0 END){more}"
    " FROM (SELECT count(*) AS c FROM h) AS x{join}"
)
_PG_ACT_NODES = (
    ", n AS (INSERT INTO log_nodes (citizen_id, level, idx, hash) SELECT * FROM ({0})"
    " AS v(citizen_id, level, idx, hash) WHERE v.citizen_id IN (SELECT citizen_id FROM h))"
)
# Past ``_PG_ACT_ROWS`` nodes, the nodes as four arrays instead of rows: psycopg parses and caches a
# statement of at most 50 parameters only, and one fixed text is prepared once.
_PG_ACT_ROWS = 4
_PG_ACT_NODE_ARRAYS = "SELECT * FROM unnest(%s::text[], %s::smallint[], %s::bigint[], %s::bytea[])"
_PG_ACT_HEAD = "(%s::text, %s::bigint, %s::bigint, %s::bytea, %s::bytea)"
_PG_ACT_ENTRY = "(%s::text, %s::bigint, %s::text, %s::bytea)"
_PG_ACT_NODE = "(%s::text, %s::smallint, %s::bigint, %s::bytea)"
# The plain act: the answer is whether the mandate was open.
ACT_PLAIN = ("", "", "EXISTS (SELECT 1 FROM m)", "", "")


@functools.lru_cache(maxsize=512)
def _act_text(shape: tuple[str, str, str, str, str], logs: int, entries: int, nodes: int) -> str:
    first, when, answer, more, join = shape
    return _PG_ACT.format(
        first=first,
        when=when,
        answer=answer,
        more=more,
        join=join,
        ids=", ".join(["%s"] * logs),
        heads=", ".join([_PG_ACT_HEAD] * logs),
        entries=", ".join([_PG_ACT_ENTRY] * entries),
        nodes=_PG_ACT_NODES.format(_act_nodes(nodes)) if nodes else "",
    )


def _act_nodes(nodes: int) -> str:
    if nodes > _PG_ACT_ROWS:
        return _PG_ACT_NODE_ARRAYS
    return "VALUES " + ", ".join([_PG_ACT_NODE] * nodes)


def act_append_statement(
    mandate_id: str,
    appends: Sequence[LogAppend],
    roots: Mapping[str, bytes],
    shape: tuple[str, str, str, str, str] = ACT_PLAIN,
    first: Sequence[Any] = (),
    when: Sequence[Any] = (),
) -> tuple[str, list[Any]]:
    """PostgreSQL: ``_PG_ACT`` and its parameters for ``appends`` (sorted by log id) that extend
    the heads of sizes ``appends`` names and roots ``roots``. ``shape``: (CTEs before ``m``, more
    conditions on ``m``, the answer's first column, its columns after the count, a join for them)
    with the parameters of the first two in ``first`` and ``when``; ``ACT_PLAIN``: none, the
    answer is whether ``m`` was open."""
    ids: list[Any] = []
    heads: list[Any] = []
    entry_rows: list[Any] = []
    node_rows: list[Any] = []
    for log_id, expected_size, entries, nodes, root_hash in appends:
        ids.append(log_id)
        heads += (log_id, expected_size, expected_size + len(entries), root_hash, roots[log_id])
        for index, data, leaf in entries:
            entry_rows += (log_id, index, data, leaf)
        for level, index, value in nodes:
            node_rows += (log_id, level, index, value)
    count = len(node_rows) // 4
    if count > _PG_ACT_ROWS:  # one fixed text: the four columns as arrays
        node_rows = [node_rows[0::4], node_rows[1::4], node_rows[2::4], node_rows[3::4]]
        count = _PG_ACT_ROWS + 1
    text = _act_text(shape, len(ids), len(entry_rows) // 4, count)
    return text, [*first, mandate_id, *when, *ids, *heads, *entry_rows, *node_rows, len(ids)]


def prefetched_store(
    dbapi_connection: Any,
    dialect: str,
    log_ids: Sequence[str],
    heads: dict[str, tuple[int, bytes]],
    deferred: Callable[[str, list[Any]], None] | None = None,
) -> _BoundLogStore:
    """The store on a DB-API connection inside a transaction its caller owns (``storage.sql_acts``),
    whose ``heads(log_ids)`` were already read and locked in that transaction: answered from
    ``heads`` once, without a statement. ``deferred`` (PostgreSQL): ``append_logs`` hands its one
    statement, made to fail unless every head advanced, to ``deferred`` instead of running it, and
    answers True; the caller sends it with its ``COMMIT`` (one round trip), which then fails if
    the statement did."""
    return _BoundLogStore(
        _OnDriver(dbapi_connection), dialect, prefetched=(tuple(log_ids), heads), deferred=deferred
    )


class _BoundLogStore:
    """``SqlLogStore.within``: every call on one connection whose transaction the caller owns.

    DB-API statements on that connection's driver connection (inside the same open
    transaction): the head read ``FOR UPDATE`` on PostgreSQL, the frontier by one
    primary-key search per stored hash (a ``UNION ALL``), the same conditional head
    advance as ``SqlLogStore.append``.
    """

    def __init__(
        self,
        connection: _Driver,
        dialect: str,
        prefetched: tuple[tuple[str, ...], dict[str, tuple[int, bytes]]] | None = None,
        deferred: Callable[[str, list[Any]], None] | None = None,
    ) -> None:
        self._connection = connection
        self._prefetched = prefetched
        self._deferred = deferred
        self._mark = mark = _MARKS[dialect]
        self._head = _RAW_HEAD.format(mark) + (" FOR UPDATE" if dialect == "postgresql" else "")
        self._leaf = _RAW_LEAF.format(mark)
        self._node = _RAW_NODE.format(mark)
        self._entries = _RAW_ENTRIES.format(mark)
        self._advance = _RAW_ADVANCE.format(mark)
        self._new_head = _RAW_NEW_HEAD.format(mark)
        self._add_entry = _RAW_ADD_ENTRY.format(mark)
        self._add_node = _RAW_ADD_NODE.format(mark)
        self._for_update = " FOR UPDATE" if dialect == "postgresql" else ""

    @contextlib.contextmanager
    def _cursor(self) -> Iterator[Any]:
        cursor = self._connection.connection.cursor()  # the driver connection, inside the transaction
        try:
            yield cursor
        finally:
            cursor.close()

    @translated
    def head(self, log_id: str) -> tuple[int, bytes] | None:
        with self._cursor() as cursor:
            cursor.execute(self._head, (log_id,))
            row = cursor.fetchone()
        return None if row is None else (int(row[0]), bytes(row[1]))

    @translated
    def nodes(self, log_id: str, ids: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        if not ids:
            return {}
        parts: list[str] = []
        params: list[Any] = []
        for level, index in ids:
            if level == 0:
                parts.append(self._leaf)
                params += (log_id, index)
            else:
                parts.append(self._node)
                params += (log_id, level, index)
        with self._cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            rows = cursor.fetchall()
        return {(int(level), int(index)): bytes(value) for level, index, value in rows}

    @translated
    def entries(self, log_id: str, start: int, stop: int) -> list[tuple[int, str]]:
        with self._cursor() as cursor:
            cursor.execute(self._entries, (log_id, start, stop))
            return [(int(index), str(data)) for index, data in cursor.fetchall()]

    @translated
    def append(
        self,
        log_id: str,
        expected_size: int,
        entries: Sequence[tuple[int, str, bytes]],
        nodes: Sequence[tuple[int, int, bytes]],
        root_hash: bytes,
    ) -> bool:
        new_size = expected_size + len(entries)
        with self._cursor() as cursor:
            if expected_size == 0:
                cursor.execute(self._new_head, (log_id, new_size, root_hash))
            else:
                cursor.execute(self._advance, (new_size, root_hash, log_id, expected_size))
            if cursor.rowcount != 1:
                return False  # another append won; nothing was written
            for index, data, leaf in entries:
                cursor.execute(self._add_entry, (log_id, index, data, leaf))
            for level, index, value in nodes:
                cursor.execute(self._add_node, (log_id, level, index, value))
        return True

    @translated
    def heads(self, log_ids: Sequence[str]) -> dict[str, tuple[int, bytes]]:
        """Several heads in one statement, locked in id order on PostgreSQL (``LogTransaction``)."""
        prefetched, self._prefetched = self._prefetched, None
        if prefetched is not None and prefetched[0] == tuple(log_ids):
            return dict(prefetched[1])  # read and locked by this transaction's first round trip
        marks = ", ".join([self._mark] * len(log_ids))
        with self._cursor() as cursor:
            cursor.execute(_RAW_HEADS.format(self._mark, marks) + self._for_update, list(log_ids))
            rows = cursor.fetchall()
        return {str(log_id): (int(size), bytes(root)) for log_id, size, root in rows}

    @translated
    def nodes_of_logs(
        self, wanted: Mapping[str, Sequence[tuple[int, int]]]
    ) -> dict[str, dict[tuple[int, int], bytes]]:
        """``nodes`` of several logs in one ``UNION ALL`` (each branch a primary-key search)."""
        parts: list[str] = []
        params: list[Any] = []
        for log_id, ids in wanted.items():
            for level, index in ids:
                if level == 0:
                    parts.append("SELECT citizen_id, " + self._leaf.removeprefix("SELECT "))
                    params += (log_id, index)
                else:
                    parts.append("SELECT citizen_id, " + self._node.removeprefix("SELECT "))
                    params += (log_id, level, index)
        found: dict[str, dict[tuple[int, int], bytes]] = {log_id: {} for log_id in wanted}
        if not parts:
            return found
        with self._cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            for log_id, level, index, value in cursor.fetchall():
                found[str(log_id)][int(level), int(index)] = bytes(value)
        return found

    @translated
    def append_logs(self, appends: Sequence[LogAppend]) -> bool:
        """Every head advanced, every entry and every node stored: on PostgreSQL one statement
        (data-modifying ``WITH``) for the logs appended to before, on SQLite (in process, no round
        trip) a head advance per log and one INSERT each for entries and nodes. A new log's head is
        inserted first, one statement each. False, with part written, if a head had moved."""
        entry_rows: list[Any] = []
        node_rows: list[Any] = []
        advanced: list[Any] = []
        with self._cursor() as cursor:
            for log_id, expected_size, entries, nodes, root_hash in appends:
                new_size = expected_size + len(entries)
                if expected_size == 0:
                    cursor.execute(self._new_head, (log_id, new_size, root_hash))
                    if cursor.rowcount != 1:
                        return False
                elif self._mark == "?":
                    cursor.execute(self._advance, (new_size, root_hash, log_id, expected_size))
                    if cursor.rowcount != 1:
                        return False
                else:
                    advanced += (log_id, expected_size, new_size, root_hash)
                for index, data, leaf in entries:
                    entry_rows += (log_id, index, data, leaf)
                for level, index, value in nodes:
                    node_rows += (log_id, level, index, value)
            row = _RAW_ROW.format(self._mark)
            entries_sql = _RAW_INSERT_ENTRIES + ", ".join([row] * (len(entry_rows) // 4))
            nodes_sql = _RAW_INSERT_NODES + ", ".join([row] * (len(node_rows) // 4))
            if advanced:  # PostgreSQL: one round trip for the heads, the entries and the nodes
                heads_sql = _PG_ADVANCE.format(", ".join([_PG_HEAD_ROW] * (len(advanced) // 4)))
                parts = [f"h AS ({heads_sql})"]
                if entry_rows:
                    parts.append(f"e AS ({entries_sql})")
                if node_rows:
                    parts.append(f"n AS ({nodes_sql})")
                if self._deferred is not None:  # sent with the caller's COMMIT; fails unless all advanced
                    checked = "WITH " + ", ".join(parts) + _PG_CHECKED  # fixed parts, marks
                    self._deferred(checked, [*advanced, *entry_rows, *node_rows, len(advanced) // 4])
                    return True
                statement = "WITH " + ", ".join(parts) + " SELECT count(*) FROM h"  # noqa: S608  # fixed parts, marks
                cursor.execute(statement, advanced + entry_rows + node_rows)
                found = cursor.fetchone()
                return found is not None and int(found[0]) == len(advanced) // 4
            if entry_rows:
                cursor.execute(entries_sql, entry_rows)
            if node_rows:
                cursor.execute(nodes_sql, node_rows)
        return True

    def erase(self, log_id: str) -> None:
        raise NotImplementedError("a log is erased with its citizen, through SqlLogStore")


def _entry_rows(log_id: str, entries: Sequence[tuple[int, str, bytes]]) -> list[dict[str, Any]]:
    return [
        {"citizen_id": log_id, "idx": index, "entry": data, "leaf_hash": leaf}
        for index, data, leaf in entries
    ]


def _node_rows(log_id: str, nodes: Sequence[tuple[int, int, bytes]]) -> list[dict[str, Any]]:
    return [
        {"citizen_id": log_id, "level": level, "idx": index, "hash": value} for level, index, value in nodes
    ]
