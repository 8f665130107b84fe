"""Mandates: a citizen acts for another within a scope (issue 11 item 6).

Routes, services, wire types and errors of the capability live together here;
``wallet_api.app`` mounts ``ROUTES`` and ``wallet_api.problems`` merges ``MANDATE_PROBLEMS``.
A delegate acts by naming the mandate in the ``Wallet-Mandate`` header (``MANDATE_HEADER``);
``MandateService.authorize`` is the one decision.
"""

from wallet_api.mandates.errors import MANDATE_PROBLEMS
from wallet_api.mandates.gate import MANDATE_HEADER, MANDATE_OK, OPT, refuse_mandate_header
from wallet_api.mandates.guardian import REQUEST_TYP, GuardianService
from wallet_api.mandates.scope import Scope
from wallet_api.mandates.service import Caller, MandateService

__all__ = [
    "MANDATE_HEADER",
    "MANDATE_OK",
    "MANDATE_PROBLEMS",
    "OPT",
    "REQUEST_TYP",
    "Caller",
    "GuardianService",
    "MandateService",
    "Scope",
    "refuse_mandate_header",
]
