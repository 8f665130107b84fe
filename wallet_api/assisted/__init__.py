"""The assisted route at a one-stop office (issue 11 item 7): cards, PINs, visits, PDF receipts.

Routes, services, wire types and errors live together here; ``wallet_api.app``
mounts ``ROUTES`` and ``wallet_api.problems`` merges ``ASSIST_PROBLEMS``.
"""

from wallet_api.assisted.errors import ASSIST_PROBLEMS
from wallet_api.assisted.service import CARD_TYP, RECEIPT_TYP, AssistService

__all__ = ["ASSIST_PROBLEMS", "CARD_TYP", "RECEIPT_TYP", "AssistService"]
