"""Which limits apply: ``WALLET_RATE_LIMITS``, e.g. ``enrol=30/60,token=120/60`` (hits per seconds).

Kinds: ``enrol`` (per source address), ``token`` (per client: a citizen's or agency's id),
``identity_qr`` (per citizen), ``pairing`` and ``recovery`` (recovery nonces and starts, per
source address), ``mandate_lookup`` (a grant looking up its delegate by CCCD, per granting citizen
and per source address: the answer tells whether a CCCD has a wallet, so the hardest limit),
``device`` (every authenticated request of one citizen device key) and ``agency``
(every authenticated request of one agency). The last two are counted in steps
(``wallet_api.limits.shared``). ``off`` turns every limit off
(for a test bench that enrols thousands of citizens from one address); a kind left out is unlimited.
"""

from __future__ import annotations

from typing import Final

from wallet_api.errors import ConfigError

KINDS: Final = ("enrol", "token", "identity_qr", "pairing", "recovery", "mandate_lookup", "device", "agency")
STEPPED: Final = frozenset({"device", "agency"})
DEFAULT: Final = (
    "enrol=30/60,token=120/60,identity_qr=60/3600,pairing=30/60,recovery=20/60,mandate_lookup=10/3600,"
    "device=1200/60,agency=120000/60"
)

Limits = dict[str, tuple[int, int]]  # kind -> (hits, seconds)


def parse(spec: str) -> Limits:
    """The limits ``spec`` names; ``ConfigError`` naming the bad part otherwise."""
    spec = spec.strip()
    if spec == "off":
        return {}
    limits: Limits = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        kind, _, rate = part.partition("=")
        hits, _, seconds = rate.partition("/")
        if kind not in KINDS or not hits.isdigit() or not seconds.isdigit():
            raise ConfigError(f"WALLET_RATE_LIMITS: '{part}' is not KIND=HITS/SECONDS with KIND in {KINDS}")
        if not (0 < int(hits) <= 1_000_000 and 0 < int(seconds) <= 86_400):
            raise ConfigError(f"WALLET_RATE_LIMITS: '{part}': 1-1000000 hits per 1-86400 seconds")
        limits[kind] = (int(hits), int(seconds))
    return limits
