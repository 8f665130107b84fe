"""Core table of the citizen's requests to agencies (deletion, correction), on ``storage.tables``' MetaData.

``rights_requests``: one row per request a citizen (or, when a consent's promised retention passed,
the wallet on their behalf) addressed to an agency. ``kind`` is ``deletion`` (of what the agency
pulled under ``consent_id``) or ``correction`` (of claim ``claim`` of credential ``credential_id``,
the citizen saying ``proposed`` is right). ``status`` is ``open`` until the agency answers
(``answered``: a signed deletion attestation or the re-issued credential's id in ``answer``) or
refuses (``refused``: ``refusal`` names the legal basis or the reason). ``due_at`` is the deadline;
``escalated_at`` is set once, when the overdue request was written to the citizen's log. One deletion
request per consent (``ix_rights_requests_kind_consent``). No personal data beyond what the citizen
wrote; the rows go with the account.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text

from storage.tables import CITIZENS, UtcDateTime

__all__ = ["RIGHTS_REQUESTS"]

RIGHTS_REQUESTS = Table(
    "rights_requests",
    CITIZENS.metadata,
    Column("id", String, primary_key=True),
    Column("kind", String, nullable=False),
    Column(
        "citizen_id",
        String,
        ForeignKey("citizens.id", ondelete="CASCADE", name="fk_rights_requests_citizen_id"),
        nullable=False,
    ),
    Column("agency_id", String, nullable=False),
    Column("consent_id", String, nullable=True),
    Column("credential_id", String, nullable=True),
    Column("claim", String, nullable=True),
    Column("proposed", Text, nullable=True),
    Column("note", Text, nullable=True),
    Column("origin", String, nullable=False),
    Column("status", String, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("answered_at", UtcDateTime, nullable=True),
    Column("answer", Text, nullable=True),
    Column("refusal", Text, nullable=True),
    Column("escalated_at", UtcDateTime, nullable=True),
    Index("ix_rights_requests_citizen_id", "citizen_id", "kind"),
    Index("ix_rights_requests_agency_open", "agency_id", "kind", "status"),
    Index("ix_rights_requests_status_due", "status", "due_at"),
    Index("ix_rights_requests_kind_consent", "kind", "consent_id", unique=True),
)
