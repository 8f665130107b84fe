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
from collections.abc import Callable
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


def rate(operation: Callable[[], object], *, min_time: float, rounds: int) -> float:
    """Best operations per second over ``rounds`` rounds of at least ``min_time`` seconds each."""
    count = 1
    while True:  # calibrate: enough calls for one round to last min_time
        start = time.perf_counter()
        for _ in range(count):
            operation()
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            break
        count *= 2
    best = elapsed
    for _ in range(rounds - 1):
        start = time.perf_counter()
        for _ in range(count):
            operation()
        best = min(best, time.perf_counter() - start)
    return count / best


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-time", type=float, default=0.2, help="seconds per timed round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per figure (the best is kept)")
    args = parser.parse_args()
    timing = {"min_time": args.min_time, "rounds": args.rounds}

    issuer, holder = generate_private_key(), generate_private_key()
    issuer_public, holder_public = issuer.public_key(), holder.public_key()
    ref_issuer, ref_holder = (JWK.from_pem(private_key_pem(k)) for k in (issuer, holder))
    ref_issuer_public = JWK.from_json(json.dumps(public_jwk(issuer)))
    now = int(time.time())  # the reference stamps its KB-JWT with the real clock

    def ours_issue() -> str:
        return issue_sd_jwt_vc(
            issuer,
            kid=KID,
            iss=ISS,
            vct=VCT,
            claims=CLAIMS,
            holder_jwk=public_jwk(holder),
            now=now,
            lifetime=86400,
            status={"status_list": {"idx": 42, "uri": ISS + "/status/1"}},
        ).sd_jwt

    def ref_issue() -> str:
        user_claims: dict[Any, Any] = {"iss": ISS, "vct": VCT, "iat": now, "exp": now + 86400}
        user_claims["status"] = {"status_list": {"idx": 42, "uri": ISS + "/status/1"}}
        user_claims.update({SDObj(name): value for name, value in CLAIMS.items()})
        issued = SDJWTIssuer(
            user_claims,
            ref_issuer,
            ref_holder,
            sign_alg="ES256",
            extra_header_parameters={"typ": "dc+sd-jwt", "kid": KID},
        )
        return str(issued.sd_jwt_issuance)

    credential, ref_credential = ours_issue(), ref_issue()

    def ours_present() -> str:
        return present(
            credential, disclose=DISCLOSE, holder_key=holder, nonce=NONCE, audience=AUDIENCE, now=now
        )

    def ref_present() -> str:
        holding = SDJWTHolder(ref_credential)
        holding.create_presentation({name: True for name in DISCLOSE}, NONCE, AUDIENCE, ref_holder, "ES256")
        return str(holding.sd_jwt_presentation)

    presentation = ours_present()  # both verifiers check this very text

    def ours_verify() -> VerifiedCredential:
        return verify_presentation(
            presentation,
            issuer_key_for=lambda iss, kid: issuer_public,
            nonce=NONCE,
            audience=AUDIENCE,
            now=now,
        )

    def ref_verify() -> dict[str, Any]:
        verifier = SDJWTVerifier(presentation, lambda iss, header: ref_issuer_public, AUDIENCE, NONCE)
        payload: dict[str, Any] = verifier.get_verified_payload()
        return payload

    ref_present()  # both holders must work before timing
    registered = {"iss", "vct", "iat", "exp", "cnf", "status"}
    ref_claims = {name: value for name, value in ref_verify().items() if name not in registered}
    if ours_verify().claims != ref_claims or set(ref_claims) != set(DISCLOSE):
        raise SystemExit("the two verifiers disagree")

    print(
        f"SD-JWT VC: {len(CLAIMS)} claims; presentation: {len(DISCLOSE)} Disclosures + KB-JWT, "
        f"{len(presentation)} characters"
    )
    print(f"{'operation':<22}{'ours ops/s':>12}{'reference ops/s':>17}{'ours / reference':>18}")
    figures = {}
    for name, ours, ref in (
        ("issue", ours_issue, ref_issue),
        ("present", ours_present, ref_present),
        ("verify presentation", ours_verify, ref_verify),
    ):
        mine, theirs = rate(ours, **timing), rate(ref, **timing)
        figures[name] = mine
        print(f"{name:<22}{mine:>12,.0f}{theirs:>17,.0f}{mine / theirs:>17.2f}x")

    floor = rate(bare_verifies(presentation, issuer_public, holder_public), **timing)
    ours = figures["verify presentation"]
    overhead = (1 / ours - 1 / floor) * 1e6
    print(
        f"floor, 2 bare ES256 verifies (cryptography): {floor:,.0f} ops/s; our verify runs at "
        f"{ours / floor:.0%} of the floor ({overhead:.0f} µs per presentation above it)"
    )


if __name__ == "__main__":
    main()
