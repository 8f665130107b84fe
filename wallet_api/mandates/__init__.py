"""Mandates: a citizen acts for another within a scope (issue 11 item 6).

Routes, services, wire types and errors of the capability live together here;
``wallet_api.app`` mounts ``routes.ROUTES`` and ``wallet_api.problems`` merges ``MANDATE_PROBLEMS``.
A delegate acts by naming the mandate in the ``Wallet-Mandate`` header (``MANDATE_HEADER``);
``MandateService.authorize`` (``wallet_api.mandates.service``) is the one decision. This facade
imports no service: ``wallet_api.services`` builds them, so importing it never starts a cycle.
"""

from wallet_api.mandates.errors import MANDATE_PROBLEMS
from wallet_api.mandates.gate import MANDATE_HEADER, MANDATE_OK, OPT, Caller, Target, refuse_mandate_header
from wallet_api.mandates.scope import Grant, Kind, Scope

REQUEST_TYP = "guardian-mandate+jwt"  # an identity provider's signed request for a guardian's mandate

__all__ = [
    "MANDATE_HEADER",
    "MANDATE_OK",
    "MANDATE_PROBLEMS",
    "OPT",
    "REQUEST_TYP",
    "Caller",
    "Grant",
    "Kind",
    "Scope",
    "Target",
    "refuse_mandate_header",
]
