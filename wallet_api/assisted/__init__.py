"""The assisted route at a one-stop office (issue 11 item 7): cards, PINs, visits, PDF receipts.

Routes, services, wire types and errors live together here; ``wallet_api.app``
mounts ``routes.ROUTES`` and ``wallet_api.problems`` merges ``ASSIST_PROBLEMS``.
The service (``wallet_api.assisted.service``) is built by ``wallet_api.services``;
this facade imports only the error table, so importing it never starts that cycle.
"""

import wallet_api.services  # noqa: F401  # first: it builds every service (this one too) before routes import them
from wallet_api.assisted.errors import ASSIST_PROBLEMS

__all__ = ["ASSIST_PROBLEMS"]
