"""Application services: the use cases behind the HTTP routes and the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field

from wallet_api.assisted.counter import CounterService
from wallet_api.assisted.service import AssistService
from wallet_api.context import Context
from wallet_api.devices.pairing import PairingService
from wallet_api.devices.service import DeviceService
from wallet_api.limits.limiter import RateLimiter
from wallet_api.mandates.attestation import AttestationService
from wallet_api.mandates.guardian import GuardianService
from wallet_api.mandates.service import MandateService
from wallet_api.recovery import RecoveryCodes, RecoveryService
from wallet_api.recovery.reissue import ReissueService
from wallet_api.resilience.group_spend import GroupSpend
from wallet_api.resilience.lanes import Lanes
from wallet_api.rights.correction import CorrectionService
from wallet_api.rights.deletion import DeletionService
from wallet_api.rights.requests import RightsSweep
from wallet_api.rights.service import IncidentService, RestrictionService
from wallet_api.services.access_log import AccessLogService
from wallet_api.services.agencies import AgencyService
from wallet_api.services.auth import AuthService, Principal
from wallet_api.services.citizens import CitizenService
from wallet_api.services.consent_decisions import ConsentDecisionService
from wallet_api.services.consent_pulls import ConsentPullService
from wallet_api.services.consents import ConsentService
from wallet_api.services.credentials import CredentialService
from wallet_api.services.documents import DocumentService
from wallet_api.services.issuance import IssuanceService
from wallet_api.services.issued_documents import IssuedDocumentService
from wallet_api.services.qr_codes import QrService
from wallet_api.services.trust import TrustService
from wallet_api.verifier.nonces import CounterNonces


@dataclass(slots=True)
class Services:
    """Every use case, sharing one context."""

    ctx: Context
    auth: AuthService
    citizens: CitizenService
    documents: DocumentService
    agencies: AgencyService
    issuance: IssuanceService
    credentials: CredentialService
    trust: TrustService
    issued_documents: IssuedDocumentService
    qr: QrService
    nonces: CounterNonces
    consents: ConsentService
    decisions: ConsentDecisionService
    pulls: ConsentPullService
    access_log: AccessLogService
    restrictions: RestrictionService
    incidents: IncidentService
    devices: DeviceService
    pairings: PairingService
    mandates: MandateService
    attestations: AttestationService
    guardians: GuardianService
    assist: AssistService
    counter: CounterService
    limiter: RateLimiter
    recovery: RecoveryService
    reissues: ReissueService
    deletions: DeletionService
    corrections: CorrectionService
    rights_sweep: RightsSweep
    lanes: Lanes = field(init=False)
    spends: GroupSpend | None = field(init=False)  # where storage runs inline: proofs spent in groups

    def __post_init__(self) -> None:
        self.lanes = Lanes(self.ctx.settings)
        self.spends = GroupSpend(self.ctx.metadata.replay_guard) if self.lanes.inline else None

    @classmethod
    def over(cls, ctx: Context) -> Services:
        """Build every service on ``ctx``."""
        agencies = AgencyService(ctx)
        documents = DocumentService(ctx)
        codes = RecoveryCodes(ctx)
        citizens, trust = CitizenService(ctx, codes), TrustService(ctx)
        issuance = IssuanceService(ctx, agencies, trust)
        restrictions = RestrictionService(ctx)
        consents = ConsentService(ctx, agencies, issuance, documents, restrictions)
        nonces = CounterNonces(ctx)
        mandates = MandateService(ctx)
        credentials = CredentialService(ctx, agencies)
        decisions = ConsentDecisionService(ctx, consents)
        assist = AssistService(ctx, agencies, documents)
        return cls(
            ctx=ctx,
            auth=AuthService(ctx),
            citizens=citizens,
            documents=documents,
            agencies=agencies,
            issuance=issuance,
            credentials=credentials,
            trust=trust,
            issued_documents=IssuedDocumentService(ctx, issuance, documents),
            qr=QrService(ctx, citizens, trust, nonces),
            nonces=nonces,
            consents=consents,
            decisions=decisions,
            pulls=ConsentPullService(ctx, consents, CredentialService(ctx, agencies), documents),
            access_log=AccessLogService(ctx),
            restrictions=restrictions,
            incidents=IncidentService(ctx),
            devices=DeviceService(ctx),
            pairings=PairingService(ctx),
            mandates=mandates,
            attestations=AttestationService(ctx, mandates, credentials),
            guardians=GuardianService(ctx, agencies, mandates),
            assist=assist,
            counter=CounterService(ctx, assist, citizens, decisions, codes),
            limiter=RateLimiter(ctx),
            recovery=RecoveryService(ctx, codes),
            reissues=ReissueService(ctx, agencies, issuance),
            deletions=DeletionService(ctx, agencies),
            corrections=CorrectionService(ctx, agencies, citizens),
            rights_sweep=RightsSweep(ctx),
        )


__all__ = ["Principal", "Services"]
