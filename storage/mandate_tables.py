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

from sqlalchemy import Column, ForeignKey, Index, Integer, LargeBinary, MetaData, String, Table, Text

from storage.tables import CITIZENS, UtcDateTime

__all__ = ["ASSIST_CARDS", "MANDATES", "VISITS", "metadata"]

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

# The assisted route (issue 11 item 7): a citizen's printed wallet card names an opaque ``card_id``;
# the PIN they confirm actions with at the office is kept as a slow hash (scrypt) with its salt,
# with the run of wrong PINs and the lock-out it earned.
ASSIST_CARDS = Table(
    "assist_cards",
    metadata,
    Column(
        "citizen_id",
        String,
        ForeignKey("citizens.id", ondelete="CASCADE", name="fk_assist_cards_citizen_id"),
        primary_key=True,
    ),
    Column("card_id", String, nullable=False),
    Column("pin_hash", LargeBinary, nullable=True),
    Column("pin_salt", LargeBinary, nullable=True),
    Column("failures", Integer, nullable=False),
    Column("locked_until", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_assist_cards_card_id", "card_id", unique=True),
)

# A visit at a one-stop office: opened by an officer of an ``assistant`` agency by scanning the
# card, alive until ``expires_at`` (or ``ended_at``); ``documents``: JSON list of the ids the
# citizen opened for it with their PIN; ``consents``: JSON list of the consent ids the citizen
# answered in it with their PIN (``NULL``: none). ``wallet collect`` purges visits past their
# retention by ``expires_at`` (migration 0015).
VISITS = Table(
    "visits",
    metadata,
    Column("id", String, primary_key=True),
    Column(
        "citizen_id",
        String,
        ForeignKey("citizens.id", ondelete="CASCADE", name="fk_visits_citizen_id"),
        nullable=False,
    ),
    Column("agency_id", String, nullable=False),
    Column("officer_id", String, nullable=False),
    Column("opened_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("ended_at", UtcDateTime, nullable=True),
    Column("documents", Text, nullable=False),
    Column("consents", Text, nullable=True),
    Index("ix_visits_citizen_id", "citizen_id"),
    Index("ix_visits_expires_at", "expires_at"),
)
