"""A guardian's mandate, established by an identity-provider agency (role ``idp``), not by the child.

The agency signs a request (JWS, ``typ: guardian-mandate+jwt``, ES256 only,
with one of its registered keys) and sends it over its own DPoP-bound token:
``represented_cccd``, ``guardian_cccd``, ``basis`` (``minor``: a child under 14,
checked against the date of birth the wallet holds; ``guardianship``: a person
the law puts under guardianship, with the ``decision`` that did), ``scope``
(``documents``, ``procedures``, ``credentials``), ``valid_until`` (Unix seconds;
for a minor, never past the 14th birthday), ``iat`` (fresh) and ``jti``
(single use). Any failure is one opaque ``invalid_guardian_request``.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Mapping
from typing import Any

import crypto
import storage
from wallet_api.context import Context
from wallet_api.errors import ForbiddenRole, WalletError
from wallet_api.mandates import REQUEST_TYP
from wallet_api.mandates.errors import InvalidGuardianRequest
from wallet_api.mandates.scope import checked_scope
from wallet_api.mandates.service import MandateService, MandateView
from wallet_api.services.agencies import AgencyService, active_at, agency_keys
from wallet_api.services.citizens import field_aad, unwrap_citizen_key

log = logging.getLogger("wallet.mandates")
REQUEST_MAX_AGE = 300
LEEWAY = 30
CHILD_AGE = 14
BASES = ("minor", "guardianship")


class GuardianService:
    """Identity-provider agencies establish (and end) guardians' mandates."""

    def __init__(self, ctx: Context, agencies: AgencyService, mandates: MandateService) -> None:
        self.ctx = ctx
        self.agencies = agencies
        self.mandates = mandates

    def agency(self, agency_id: str) -> storage.AgencyRecord:
        """The calling agency, if it is an active identity provider."""
        agency = self.agencies.get(agency_id)
        if "idp" not in agency.role_set or not active_at(agency, self.ctx.utcnow()):
            raise ForbiddenRole()
        return agency

    def establish(self, agency_id: str, request: str) -> MandateView:
        """Check the agency's signed request and store the guardian's mandate (both logs record it)."""
        agency = self.agency(agency_id)
        claims = self._verified(agency, request)
        try:
            represented = self.mandates.find_citizen(str(claims["represented_cccd"]))
            guardian = self.mandates.find_citizen(str(claims["guardian_cccd"]))
            scope = checked_scope(
                *(_strings(claims["scope"], k) for k in ("documents", "procedures", "credentials"))
            )
        except WalletError as exc:
            log.info("guardian request refused: %s", exc.code)
            raise InvalidGuardianRequest() from None
        now = self.ctx.utcnow()
        until = dt.datetime.fromtimestamp(int(claims["valid_until"]), tz=dt.UTC)
        if claims["basis"] == "minor":
            until = min(until, self._fourteenth_birthday(represented))
        if represented == guardian or until <= now:
            log.info("guardian request refused: oneself, or not a child any more, or already over")
            raise InvalidGuardianRequest()
        self._remember(claims)
        record = storage.MandateRecord(
            id=str(uuid.uuid4()),
            represented_id=represented,
            delegate_id=guardian,
            kind="guardian",
            basis=str(claims["basis"]),
            scope=scope.to_json(),
            valid_from=now,
            valid_until=until,
            granted_by=agency.id,
            created_at=now,
        )
        return self.mandates.add(record, actor=(agency.id, agency.display_name))

    def end(self, agency_id: str, mandate_id: str) -> MandateView:
        """The agency ends a guardian's mandate it established (the child came of age, a court ruled)."""
        return self.mandates.end_by_agency(self.agency(agency_id), mandate_id)

    def _fourteenth_birthday(self, citizen_id: str) -> dt.datetime:
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            record = uow.citizens.get(citizen_id)
        kek = unwrap_citizen_key(self.ctx.master, citizen_id, record.wrapped_kek)
        born = dt.date.fromisoformat(
            crypto.open_sealed(kek, record.date_of_birth_sealed, field_aad(citizen_id, "dob")).decode()
        )
        try:
            day = born.replace(year=born.year + CHILD_AGE)
        except ValueError:  # born on 29 February
            day = born.replace(year=born.year + CHILD_AGE, day=28)
        return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)

    def _verified(self, agency: storage.AgencyRecord, request: str) -> dict[str, Any]:
        try:
            key = agency_keys(agency).get(str(crypto.unverified_header(request).get("kid", "")))
            if key is None:
                raise crypto.InvalidSignature("unknown kid")
            claims = crypto.verify_jws(request, key, typ=REQUEST_TYP)
            _check_claims(claims, self.ctx.now())
        except crypto.CryptoError as exc:
            log.info("guardian request refused: %s", exc)
            raise InvalidGuardianRequest() from None
        return claims

    def _remember(self, claims: Mapping[str, Any]) -> None:
        expires = dt.datetime.fromtimestamp(int(claims["iat"]) + REQUEST_MAX_AGE + LEEWAY, tz=dt.UTC)
        if not self.ctx.metadata.replay_guard().remember("guardian-mandate", str(claims["jti"]), expires):
            log.info("guardian request refused: replayed jti")
            raise InvalidGuardianRequest()


def _strings(scope: object, kind: str) -> list[str]:
    if not isinstance(scope, dict):
        raise InvalidGuardianRequest()
    items = scope.get(kind, [])
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise InvalidGuardianRequest()
    return items


def _check_claims(claims: Mapping[str, Any], now: int) -> None:
    """Both CCCDs, a known basis (a guardianship names its decision), a scope, an end, fresh, a jti."""
    iat, jti, until = claims.get("iat"), claims.get("jti"), claims.get("valid_until")
    for name in ("represented_cccd", "guardian_cccd"):
        if not isinstance(claims.get(name), str):
            raise crypto.InvalidSignature(f"no {name}")
    if claims.get("basis") not in BASES:
        raise crypto.InvalidSignature("unknown basis")
    if claims["basis"] == "guardianship" and not isinstance(claims.get("decision"), str):
        raise crypto.InvalidSignature("a guardianship names the decision that set it")
    if not isinstance(claims.get("scope"), dict):
        raise crypto.InvalidSignature("no scope")
    if type(until) is not int or until <= now:
        raise crypto.InvalidSignature("no valid_until in the future")
    if type(iat) is not int or not now - REQUEST_MAX_AGE <= iat <= now + LEEWAY:
        raise crypto.InvalidSignature("request is not fresh")
    if not isinstance(jti, str) or not 1 <= len(jti) <= 256:
        raise crypto.InvalidSignature("request has no jti")
