"""SD-JWT VC benchmark: our ``crypto.sdjwt`` against the reference ``sd_jwt`` in the same run.

Run with ``PYTHONPATH=. .venv/bin/python -m bench.bench_sdjwt``. A credential of 12
claims is issued, presented with 3 Disclosures and a Key Binding JWT, and the
presentation verified, by both implementations; the verify figure is also put
beside its floor, two bare ES256 verifications with ``cryptography`` (the
Issuer-signed JWT and the KB-JWT), which no implementation can beat. Prints
operations per second and ratios; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Sequence
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from jwcrypto.jwk import JWK
from sd_jwt.common import SDObj
from sd_jwt.holder import SDJWTHolder
from sd_jwt.issuer import SDJWTIssuer
from sd_jwt.verifier import SDJWTVerifier

from crypto import (
    EcPublicKey,
    VerifiedCredential,
    generate_private_key,
    issue_sd_jwt_vc,
    present,
    private_key_pem,
    public_jwk,
    verify_presentation,
)
from crypto._encoding import b64url_decode

ISS, VCT, KID = "https://issuer.example.gov.vn", "urn:vn:gov:citizen-id:1", "issuer-1"
NONCE, AUDIENCE = "n-0S6_WzA2Mj", "https://verifier.example.gov.vn"
DISCLOSE = ("given_name", "birthdate", "nationality")
CLAIMS: dict[str, Any] = {
    "sub": "citizen-8d1f",
    "given_name": "Văn An",
    "family_name": "Nguyễn",
    "birthdate": "1990-05-01",
    "place_of_birth": "Huế",
    "nationality": "VN",
    "sex": 1,
    "personal_id": "048090012345",
    "issuing_authority": "Cục Cảnh sát QLHC về TTXH",
    "issuance_date": "2021-07-01",
    "expiry_date": "2031-07-01",
    "age_over_18": True,
}
STATUS = {"status_list": {"idx": 42, "uri": ISS + "/status/1"}}

Operation = Callable[[], object]


def _calls_for(operation: Operation, min_time: float) -> int:
    """How many calls of ``operation`` last at least ``min_time`` seconds."""
    count = 1
    while True:
        start = time.perf_counter()
        for _ in range(count):
            operation()
        if time.perf_counter() - start >= min_time:
            return count
        count *= 2


def rates(operations: Sequence[Operation], *, min_time: float, rounds: int) -> list[float]:
    """Best operations per second of each, over ``rounds`` rounds taken in turn.

    Interleaved, so that a burst of load on a shared machine hits every contender alike.
    """
    counts = [_calls_for(operation, min_time) for operation in operations]
    best = [float("inf")] * len(operations)
    for _ in range(rounds):
        for index, (operation, count) in enumerate(zip(operations, counts, strict=True)):
            start = time.perf_counter()
            for _ in range(count):
                operation()
            best[index] = min(best[index], time.perf_counter() - start)
    return [count / seconds for count, seconds in zip(counts, best, strict=True)]


def bare_verifies(presentation: str, issuer: EcPublicKey, holder: EcPublicKey) -> Callable[[], None]:
    """Two ES256 verifications with ``cryptography`` alone: the floor of any presentation check."""
    jwts = (presentation.split("~")[0], presentation.rsplit("~", 1)[1])
    checks = []
    for jwt, key in zip(jwts, (issuer, holder), strict=True):
        signing_input, signature = jwt.rsplit(".", 1)
        raw = b64url_decode(signature)
        der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        checks.append((key, der, signing_input.encode("ascii")))
    algorithm = ec.ECDSA(hashes.SHA256())

    def run() -> None:
        for key, der, data in checks:
            key.verify(der, data, algorithm)

    return run


class Setup:
    """Keys for both implementations, one credential each, and the presentation both verify."""

    def __init__(self) -> None:
        self.issuer, self.holder = generate_private_key(), generate_private_key()
        self.issuer_public, self.holder_public = self.issuer.public_key(), self.holder.public_key()
        self.ref_issuer, self.ref_holder = (
            JWK.from_pem(private_key_pem(k)) for k in (self.issuer, self.holder)
        )
        self.ref_issuer_public = JWK.from_json(json.dumps(public_jwk(self.issuer)))
        self.now = int(time.time())  # the reference stamps its KB-JWT with the real clock
        self.credential, self.ref_credential = self.ours_issue(), self.ref_issue()
        self.presentation = self.ours_present()  # both verifiers check this very text

    def ours_issue(self) -> str:
        return issue_sd_jwt_vc(
            self.issuer,
            kid=KID,
            iss=ISS,
            vct=VCT,
            claims=CLAIMS,
            holder_jwk=public_jwk(self.holder),
            now=self.now,
            lifetime=86400,
            status=STATUS,
        ).sd_jwt

    def ref_issue(self) -> str:
        user_claims: dict[Any, Any] = {"iss": ISS, "vct": VCT, "iat": self.now, "exp": self.now + 86400}
        user_claims["status"] = STATUS
        user_claims.update({SDObj(name): value for name, value in CLAIMS.items()})
        headers = {"typ": "dc+sd-jwt", "kid": KID}  # its default typ is example+sd-jwt
        issued = SDJWTIssuer(
            user_claims, self.ref_issuer, self.ref_holder, sign_alg="ES256", extra_header_parameters=headers
        )
        return str(issued.sd_jwt_issuance)

    def ours_present(self) -> str:
        return present(
            self.credential,
            disclose=DISCLOSE,
            holder_key=self.holder,
            nonce=NONCE,
            audience=AUDIENCE,
            now=self.now,
        )

    def ref_present(self) -> str:
        holding = SDJWTHolder(self.ref_credential)
        disclose = {name: True for name in DISCLOSE}
        holding.create_presentation(disclose, NONCE, AUDIENCE, self.ref_holder, "ES256")
        return str(holding.sd_jwt_presentation)

    def ours_verify(self) -> VerifiedCredential:
        return verify_presentation(
            self.presentation,
            issuer_key_for=lambda iss, kid: self.issuer_public,
            nonce=NONCE,
            audience=AUDIENCE,
            now=self.now,
        )

    def ref_verify(self) -> dict[str, Any]:
        verifier = SDJWTVerifier(
            self.presentation, lambda iss, header: self.ref_issuer_public, AUDIENCE, NONCE
        )
        payload: dict[str, Any] = verifier.get_verified_payload()
        return payload

    def check_agreement(self) -> None:
        """Both holders work, and both verifiers read the same claims from the presentation."""
        self.ref_present()
        registered = {"iss", "vct", "iat", "exp", "cnf", "status"}
        ref_claims = {name: value for name, value in self.ref_verify().items() if name not in registered}
        if self.ours_verify().claims != ref_claims or set(ref_claims) != set(DISCLOSE):
            raise SystemExit("the two verifiers disagree")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-time", type=float, default=0.2, help="seconds per timed round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per figure (the best is kept)")
    args = parser.parse_args()
    timing = {"min_time": args.min_time, "rounds": args.rounds}
    setup = Setup()
    setup.check_agreement()

    print(
        f"SD-JWT VC: {len(CLAIMS)} claims; presentation: {len(DISCLOSE)} Disclosures + KB-JWT, "
        f"{len(setup.presentation)} characters"
    )
    print(f"{'operation':<22}{'ours ops/s':>12}{'reference ops/s':>17}{'ours / reference':>18}")
    pairs: list[tuple[str, Operation, Operation]] = [
        ("issue", setup.ours_issue, setup.ref_issue),
        ("present", setup.ours_present, setup.ref_present),
        ("verify presentation", setup.ours_verify, setup.ref_verify),
    ]
    for name, mine, theirs in pairs[:2]:
        ours, reference = rates([mine, theirs], **timing)
        print(f"{name:<22}{ours:>12,.0f}{reference:>17,.0f}{ours / reference:>17.2f}x")
    floor_check = bare_verifies(setup.presentation, setup.issuer_public, setup.holder_public)
    name, mine, theirs = pairs[2]
    verify_rate, reference, floor = rates([mine, theirs, floor_check], **timing)
    print(f"{name:<22}{verify_rate:>12,.0f}{reference:>17,.0f}{verify_rate / reference:>17.2f}x")
    overhead = (1 / verify_rate - 1 / floor) * 1e6
    print(
        f"floor, 2 bare ES256 verifies (cryptography): {floor:,.0f} ops/s; our verify runs at "
        f"{verify_rate / floor:.0%} of the floor ({overhead:.0f} µs per presentation above it)"
    )


if __name__ == "__main__":
    main()
