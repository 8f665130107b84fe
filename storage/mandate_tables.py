"""The ``mandates`` table, on the MetaData of ``storage.tables``.

A mandate lets one citizen (the delegate) act for another (the represented
citizen) within a scope (document types to read, procedures whose consents to
answer, credential types to present) and a validity window. ``kind`` is
``citizen`` (granted by the represented citizen) or ``guardian`` (established
by an identity-provider agency for a child or a person under guardianship,
``basis``). ``ended_at`` / ``ended_by`` are set once, when it is revoked,
renounced or ended by the agency. Both citizens' rows cascade: an erased
account takes its mandates with it.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, MetaData, String, Table, Text

from storage.tables import CITIZENS, UtcDateTime

__all__ = ["MANDATES", "metadata"]

metadata: MetaData = CITIZENS.metadata

MANDATES = Table(
    "mandates",
    metadata,
    Column("id", String, primary_key=True),
    Column(
        "represented_id",
        String,
        ForeignKey("citizens.id", ondelete="CASCADE", name="fk_mandates_represented_id"),
        nullable=False,
    ),
    Column(
        "delegate_id",
        String,
        ForeignKey("citizens.id", ondelete="CASCADE", name="fk_mandates_delegate_id"),
        nullable=False,
    ),
    Column("kind", String, nullable=False),
    Column("basis", String, nullable=True),
    Column("scope", Text, nullable=False),
    Column("valid_from", UtcDateTime, nullable=False),
    Column("valid_until", UtcDateTime, nullable=False),
    Column("granted_by", String, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("ended_at", UtcDateTime, nullable=True),
    Column("ended_by", String, nullable=True),
    # A citizen's mandates, both ways: what they granted and what they hold.
    Index("ix_mandates_represented_id", "represented_id"),
    Index("ix_mandates_delegate_id", "delegate_id"),
)
