"""Recovery when every device is lost, and the issuers' re-issuance queue (issue 11, items 3-4).

Routes, services, wire types and errors of the capability live together here;
``wallet_api.app`` mounts ``ROUTES`` and ``wallet_api.problems`` merges ``RECOVERY_PROBLEMS``.
"""

from wallet_api.recovery.assertion import ASSERTION_TYP, ASSURANCE_LEVELS, NONCE_SECONDS
from wallet_api.recovery.codes import MAX_TRIES, RecoveryCodes
from wallet_api.recovery.errors import RECOVERY_PROBLEMS
from wallet_api.recovery.service import RecoveryService, RecoveryView

__all__ = [
    "ASSERTION_TYP",
    "ASSURANCE_LEVELS",
    "MAX_TRIES",
    "NONCE_SECONDS",
    "RECOVERY_PROBLEMS",
    "RecoveryCodes",
    "RecoveryService",
    "RecoveryView",
]
