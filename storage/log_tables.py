"""Core tables of the access log behind ``storage.sql_log``, on the MetaData of ``storage.tables``.

One Merkle tree per citizen (see ``consent.compact`` for the node layout):

* ``log_heads``: the size and root hash of each citizen's log; appends advance
  it with a conditional UPDATE, which is what serialises them.
* ``log_entries``: entry ``idx`` of a log, its canonical JSON exactly as hashed
  (``Text``, never a JSON type that would re-serialise it) and its leaf hash
  (level 0 of the tree).
* ``log_nodes``: the hash of every complete perfect subtree of level >= 1,
  written once when its last leaf is appended.

No foreign key to ``citizens``: the log outlives nothing by accident, since
``AccessLog.erase`` removes it with the citizen. On SQLite the two big tables
are ``WITHOUT ROWID``: rows are stored in primary-key order, with no second index.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, LargeBinary, MetaData, SmallInteger, String, Table, Text

from storage.tables import CITIZENS

__all__ = ["LOG_ENTRIES", "LOG_HEADS", "LOG_NODES", "LOG_TABLES", "metadata"]

metadata: MetaData = CITIZENS.metadata  # SQLModel's: one MetaData for alembic to compare

LOG_HEADS = Table(
    "log_heads",
    metadata,
    Column("citizen_id", String, primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("root_hash", LargeBinary, nullable=False),
)

LOG_ENTRIES = Table(
    "log_entries",
    metadata,
    Column("citizen_id", String, primary_key=True),
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("entry", Text, nullable=False),
    Column("leaf_hash", LargeBinary, nullable=False),
    sqlite_with_rowid=False,
)

LOG_NODES = Table(
    "log_nodes",
    metadata,
    Column("citizen_id", String, primary_key=True),
    Column("level", SmallInteger, primary_key=True, autoincrement=False),
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary, nullable=False),
    sqlite_with_rowid=False,
)

LOG_TABLES = (LOG_HEADS, LOG_ENTRIES, LOG_NODES)
