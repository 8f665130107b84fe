"""Client authentication (RFC 7523 assertions) and DPoP-bound access tokens (RFC 9449)."""

from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import crypto
import storage
from wallet_api.context import Context
from wallet_api.errors import InvalidClient, InvalidRequest, Unauthenticated
from wallet_api.services.agencies import active_at, agency_keys, agency_thumbprints

log = logging.getLogger("wallet.auth")
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
DPOP_LEEWAY = 5


@dataclass(frozen=True, slots=True)
class Principal:
    """Who an authenticated request comes from."""

    subject: str
    kind: str
    jkt: str


@dataclass(frozen=True, slots=True)
class CheckedRequest:
    """A request whose token and DPoP proof passed every check but one: the proof is not yet spent."""

    principal: Principal
    scope: str
    jti: str
    expires_at: int  # when the proof can no longer be presented (epoch seconds)
    expires: dt.datetime  # the same, as the replay guard stores it
    holder: storage.Holder  # who must still be there when the proof is spent


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """An access token and its lifetime."""

    access_token: str
    expires_in: int


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _single_proof(proofs: Sequence[str]) -> str:
    if len(proofs) != 1 or not proofs[0]:
        raise crypto.InvalidSignature("exactly one DPoP header is required")
    return proofs[0]


class AuthService:
    """Issues and checks DPoP-bound access tokens."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def issue_token(
        self,
        *,
        grant_type: str,
        client_id: str,
        assertion_type: str,
        assertion: str,
        proofs: Sequence[str],
        token_url: str,
    ) -> IssuedToken:
        """Check the client assertion and DPoP proof; mint a token bound to the device key."""
        if grant_type != "client_credentials" or assertion_type != ASSERTION_TYPE:
            raise InvalidRequest(
                "grant",
                reason_vi="grant_type hoặc client_assertion_type không hỗ trợ",
                reason_en="unsupported grant_type or client_assertion_type",
            )
        now = self.ctx.now()
        try:
            proof = crypto.check_dpop_proof(
                _single_proof(proofs),
                method="POST",
                url=token_url,
                now=now,
                access_token=None,
                max_age=self.ctx.settings.dpop_max_age_seconds,
                leeway=DPOP_LEEWAY,
            )
            kind, key = self._client_key(client_id, assertion, proof.jkt)
            claim = crypto.check_client_assertion(
                assertion, key, client_id=client_id, audience=token_url, now=now
            )
            self._remember("assertion", claim.jti, claim.exp)
            self._remember(
                "dpop", proof.jti, proof.iat + self.ctx.settings.dpop_max_age_seconds + DPOP_LEEWAY
            )
        except (crypto.CryptoError, storage.NotFound) as exc:
            log.info("token refused: %s", type(exc).__name__)
            raise InvalidClient() from None
        if kind == "citizen":
            self._touch(client_id, proof.jkt)
        ttl = self.ctx.settings.token_ttl_seconds
        token = self.ctx.tokens.mint(
            {"sub": client_id, "kind": kind, "cnf": {"jkt": proof.jkt}, "iat": now, "exp": now + ttl}
        )
        return IssuedToken(token, ttl)

    def _client_key(self, client_id: str, assertion: str, jkt: str) -> tuple[str, crypto.EcPublicKey]:
        """The client kind and the key its assertion must verify with (the DPoP key must be one of its)."""
        if _is_uuid(client_id):
            with self.ctx.metadata.unit_of_work(readonly=True) as uow:
                device = uow.devices.active(client_id, jkt)  # one indexed read, however many devices
            if device is None:
                raise crypto.InvalidSignature("proof key is not an active device key of the citizen")
            return "citizen", crypto.public_key_from_jwk(json.loads(device.jwk))
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            agency = uow.agencies.get(client_id)
        if not active_at(agency, self.ctx.utcnow()):
            raise crypto.InvalidSignature("agency not active")
        if jkt not in agency_thumbprints(agency):
            raise crypto.InvalidSignature("proof key is not a registered agency key")
        key = agency_keys(agency).get(str(crypto.unverified_header(assertion).get("kid", "")))
        if key is None:
            raise crypto.InvalidSignature("unknown assertion kid")
        return "agency", key

    def authenticate(
        self, *, authorization: str | None, proofs: Sequence[str], method: str, url: str
    ) -> Principal:
        """Check ``Authorization: DPoP`` and its proof; refuse replays; return the caller."""
        checked = self.check(authorization=authorization, proofs=proofs, method=method, url=url)
        self.spend(checked)
        return checked.principal

    def check(
        self, *, authorization: str | None, proofs: Sequence[str], method: str, url: str
    ) -> CheckedRequest:
        """Everything ``authenticate`` checks but spending the proof: the token's MAC, the proof's
        signature and claims, their binding. CPU only (no I/O): the caller must spend the proof
        (``spent`` or the replay guard) before acting on the request."""
        now = self.ctx.now()
        try:
            scheme, _, token = (authorization or "").partition(" ")
            if scheme.lower() != "dpop" or not token:
                raise crypto.InvalidToken("no DPoP token")
            claims = self.ctx.tokens.check(token.strip(), now=now)
            proof = crypto.check_dpop_proof(
                _single_proof(proofs),
                method=method,
                url=url,
                now=now,
                access_token=token.strip(),
                max_age=self.ctx.settings.dpop_max_age_seconds,
                leeway=DPOP_LEEWAY,
            )
            cnf = claims.get("cnf")
            if not isinstance(cnf, dict) or not hmac.compare_digest(
                proof.jkt.encode(), str(cnf.get("jkt", "")).encode()
            ):
                raise crypto.InvalidSignature("proof key does not match the token")
        except crypto.CryptoError as exc:
            log.info("request refused: %s", type(exc).__name__)
            raise Unauthenticated() from None
        principal = Principal(subject=str(claims["sub"]), kind=str(claims["kind"]), jkt=proof.jkt)
        expires_at = proof.iat + self.ctx.settings.dpop_max_age_seconds + DPOP_LEEWAY
        when = dt.datetime.fromtimestamp(expires_at, tz=dt.UTC)
        return CheckedRequest(principal, "dpop", proof.jti, expires_at, when, self._holder(principal))

    def spend(self, checked: CheckedRequest) -> None:
        """Spend a ``check``ed proof in the replay guard on its own: ``Unauthenticated`` if it was
        spent before or its holder is gone."""
        try:
            self._remember(checked.scope, checked.jti, checked.expires_at, checked.holder)
        except crypto.CryptoError as exc:
            log.info("request refused: %s", type(exc).__name__)
            raise Unauthenticated() from None

    def spent(self, fresh: bool) -> None:
        """The answer of a replay guard that spent a ``check``ed proof inside a larger statement
        (``ReplayGuard.remember_then_read``): a replayed proof, or one whose holder is gone, is
        refused like ``authenticate`` refuses it."""
        if not fresh:
            log.info("request refused: %s", crypto.InvalidSignature.__name__)
            raise Unauthenticated()

    def _holder(self, principal: Principal) -> storage.Holder:
        """Who must still be there for the token to count: checked by the statement that spends the proof."""
        if principal.kind == "agency":
            return storage.AgencyHolder(principal.subject, self.ctx.utcnow())
        return storage.CitizenHolder(principal.subject, principal.jkt)

    def _touch(self, citizen_id: str, jkt: str) -> None:
        """Remember when the device last logged in (what ``GET /v1/me/devices`` shows). Best effort:
        a full disk or a busy database must not stop a login, which only reads."""
        try:
            with self.ctx.metadata.unit_of_work() as uow:
                uow.devices.touch(citizen_id, jkt, self.ctx.utcnow())
                uow.commit()
        except storage.StorageError as exc:
            log.warning("device last-used time not recorded: %s", type(exc).__name__)

    def _remember(self, scope: str, jti: str, expires_at: int, holder: storage.Holder | None = None) -> None:
        when = dt.datetime.fromtimestamp(expires_at, tz=dt.UTC)
        guard = self.ctx.metadata.replay_guard()
        try:
            fresh = guard.remember(scope, jti, when, holder)
        except storage.InsufficientStorage:
            # A full disk: forget the ids whose proofs can no longer be presented (their pages are
            # reused) and try once more. Detection is unchanged: every live id is still kept.
            log.warning("replay guard: disk full, purging expired one-time ids")
            guard.purge(self.ctx.utcnow())
            fresh = guard.remember(scope, jti, when, holder)
        if not fresh:
            raise crypto.InvalidSignature("replayed, or its holder is gone")
