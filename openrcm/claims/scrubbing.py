"""The Django side of the claim scrubber: ORM rows in, pure ``ScrubClaim`` values out.

* :func:`claims_load` reads claims with everything the scrubber and the 837P writer need
  in a fixed number of queries (select_related + prefetch), whatever the number of claims.
* :class:`CodeSetsScrubReference` answers the scrubber's ``ScrubReference`` questions from
  the loaded code sets (``CodeSets`` snapshots per date of service, the ICD-10-CM index).
* :func:`payer_rules_for` turns a payer's ``PayerClaimRules`` row into ``PayerRules``.
* :func:`claims_scrub` is the service: scrub draft and held claims, store the findings,
  and move each claim to held (errors) or ready.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from openrcm.accounts.permissions import permission_check
from openrcm.claims.lifecycle import claim_transition, claims_lock
from openrcm.claims.models import (
    Claim,
    ClaimFrequency,
    ClaimLine,
    ClaimStatus,
    EncounterDiagnosis,
    ScrubFinding,
)
from openrcm.codesets.demographics import age_range, sex_restriction
from openrcm.codesets.icd10cm import Icd10cmIndex, LookupReason, icd10cm_index
from openrcm.codesets.snapshot import CodeSets, Verdict
from openrcm.coding.selectors import codesets_on
from openrcm.core.actor import Actor
from openrcm.core.errors import ApplicationError
from openrcm.payers.models import Payer, PayerClaimRules
from openrcm.privacy.models import AuditAction
from openrcm.privacy.services import audit_record
from openrcm.rules.scrubber import (
    DiagnosisFacts,
    DiagnosisStatus,
    DuplicateIndex,
    DuplicateKey,
    Finding,
    MueLimit,
    PayerRules,
    PostalAddress,
    ScrubClaim,
    ScrubLine,
    ScrubResult,
    Severity,
    scrub_claim,
)

SCRUBBABLE = frozenset({ClaimStatus.DRAFT, ClaimStatus.HELD})
# A claim named explicitly (a biller fixed it) may also be re-scrubbed after a rejection.
RESCRUBBABLE = SCRUBBABLE | {ClaimStatus.REJECTED}
# Claims that count as already billed when looking for duplicates.
BILLED = frozenset(
    {
        ClaimStatus.READY,
        ClaimStatus.BATCHED,
        ClaimStatus.SUBMITTED,
        ClaimStatus.ACCEPTED,
        ClaimStatus.REJECTED,
        ClaimStatus.ADJUDICATED,
        ClaimStatus.CLOSED,
    }
)
NEAREST_RELEASE_RULE = "ICD-RELEASE-NEAREST"
CHUNK = 500


# --- loading -------------------------------------------------------------------------------


def claims_load(ids: Iterable[int]) -> list[Claim]:
    """Claims with client, patient, coverage, payer (and its claim rules), encounter,
    rendering provider, original claim, diagnoses and lines: 3 queries in all."""
    return list(
        Claim.objects.filter(pk__in=list(ids))
        .select_related(
            "client",
            "patient",
            "coverage",
            "payer",
            "payer__claim_rules",
            "encounter",
            "encounter__rendering_provider",
            "original_claim",
        )
        .prefetch_related(
            Prefetch("lines", queryset=ClaimLine.objects.order_by("line_number")),
            Prefetch(
                "encounter__diagnoses", queryset=EncounterDiagnosis.objects.order_by("position")
            ),
        )
        .order_by("pk")
    )


def _address(street1: str, street2: str, city: str, state: str, zip_code: str) -> PostalAddress:
    return PostalAddress(
        street1=street1, street2=street2, city=city, state=state, zip_code=zip_code
    )


def subscriber_address(claim: Claim) -> PostalAddress | None:
    coverage, patient = claim.coverage, claim.patient
    if coverage.subscriber_street1:
        return _address(
            coverage.subscriber_street1,
            "",
            coverage.subscriber_city,
            coverage.subscriber_state,
            coverage.subscriber_zip_code,
        )
    if coverage.relationship == "18" and patient.street1:
        return _address(
            patient.street1, patient.street2, patient.city, patient.state, patient.zip_code
        )
    return None


def scrub_claim_from(claim: Claim, *, today: datetime.date) -> ScrubClaim:
    """The pure ``ScrubClaim`` of a claim loaded by :func:`claims_load`."""
    client, patient, coverage, payer = claim.client, claim.patient, claim.coverage, claim.payer
    encounter = claim.encounter
    provider = encounter.rendering_provider
    original = claim.original_claim
    return ScrubClaim(
        patient_control_number=claim.patient_control_number,
        patient_id=str(claim.patient_id),
        billing_npi=client.group_npi,
        billing_tin=client.tin,
        billing_taxonomy=client.taxonomy,
        billing_address=_address(
            client.street1, client.street2, client.city, client.state, client.zip_code
        ),
        rendering_npi=provider.npi if provider.npi != client.group_npi else "",
        rendering_taxonomy=provider.taxonomy,
        referring_npi=encounter.referring_npi,
        referring_name=encounter.referring_last_name,
        patient_sex=patient.sex,
        patient_birth_date=patient.date_of_birth,
        subscriber_member_id=coverage.subscriber_id or coverage.member_id,
        subscriber_birth_date=coverage.subscriber_date_of_birth,
        subscriber_address=subscriber_address(claim),
        relationship=coverage.relationship,
        payer_id=payer.payer_id,
        payer_type=payer.payer_type,
        claim_filing_indicator=payer.claim_filing_indicator,
        coverage_effective_from=coverage.effective_from,
        coverage_effective_to=coverage.effective_to,
        date_of_service=encounter.date_of_service,
        place_of_service=encounter.place_of_service,
        prior_authorization=encounter.prior_authorization,
        frequency_code=claim.frequency_code,
        original_payer_claim_number=original.payer_claim_number if original else "",
        diagnoses=tuple(d.code for d in encounter.diagnoses.all()),
        lines=tuple(
            ScrubLine(
                procedure_code=line.procedure_code,
                modifiers=tuple(line.modifiers),
                units=line.units,
                charge=line.charge_amount,
                diagnosis_pointers=tuple(line.diagnosis_pointers),
            )
            for line in claim.lines.all()
        ),
        total_charge=claim.total_charge,
        today=today,
    )


# --- the code sets as a ScrubReference ------------------------------------------------------


class CodeSetsScrubReference:
    """``ScrubReference`` over the loaded code sets.

    One ``CodeSets`` snapshot per date of service (kept for the life of this object, so
    one scrub run reads each date's releases once). CPT codes and modifiers are accepted
    by form; HCPCS Level II, places of service, taxonomy, MUE and PTP come from the loaded
    releases, and where nothing is loaded the answer is "valid" (unknown is not invalid).
    Diagnoses come from the ICD-10-CM index; where no loaded release covers the date of
    service the nearest release answers and :meth:`nearest_release_finding` says so.
    """

    def __init__(self, icd10cm: Icd10cmIndex | None = None) -> None:
        self._snapshots: dict[datetime.date, CodeSets] = {}
        self._icd10cm = icd10cm

    def codesets(self, on: datetime.date) -> CodeSets:
        found = self._snapshots.get(on)
        if found is None:
            found = self._snapshots[on] = codesets_on(on)
        return found

    @property
    def icd10cm(self) -> Icd10cmIndex:
        if self._icd10cm is None:
            self._icd10cm = icd10cm_index(settings.OPENRCM_CODESETS_DIR)
        return self._icd10cm

    def icd10cm_day(self, on: datetime.date) -> datetime.date:
        """``on`` when the loaded release covers it, else the nearest day it covers."""
        release = self.icd10cm.release
        if release.in_force(on):
            return on
        if on < release.effective_from:
            return release.effective_from
        return release.effective_to or on

    def nearest_release_finding(self, on: datetime.date) -> Finding | None:
        day = self.icd10cm_day(on)
        if day == on:
            return None
        release = self.icd10cm.release
        return Finding(
            NEAREST_RELEASE_RULE,
            Severity.WARNING,
            f"no loaded ICD-10-CM release covers {on.isoformat()}; the diagnoses were "
            f"checked against the nearest one, {release.label}",
            "Load the ICD-10-CM release in force on the date of service and scrub again, "
            "or have a coder confirm the codes.",
        )

    def diagnosis(self, code: str, *, on: datetime.date) -> DiagnosisFacts:
        found = self.icd10cm.lookup(code, on=self.icd10cm_day(on))
        status = DiagnosisStatus(found.reason.value)
        if found.reason is not LookupReason.BILLABLE and found.reason is not LookupReason.HEADER:
            return DiagnosisFacts(found.code, status, found.message)
        restriction = sex_restriction(found.code)
        ages = age_range(found.code)
        strict = ages is not None and ages.strict
        return DiagnosisFacts(
            found.code,
            status,
            "" if found.billable else found.message,
            str(restriction.sex) if restriction else None,
            ages.min_years if ages and strict else None,
            ages.max_years if ages and strict else None,
        )

    def hcpcs_valid(self, code: str, *, on: datetime.date) -> bool:
        return self.codesets(on).procedure_check(code).verdict is not Verdict.INVALID

    def modifier_valid(self, modifier: str, *, on: datetime.date) -> bool:
        return self.codesets(on).modifier_check(modifier).verdict is not Verdict.INVALID

    def place_of_service_valid(self, code: str, *, on: datetime.date) -> bool:
        return self.codesets(on).place_of_service_check(code).ok

    def taxonomy_valid(self, code: str, *, on: datetime.date) -> bool:
        return self.codesets(on).taxonomy_check(code).verdict is not Verdict.INVALID

    def mue(self, code: str, *, on: datetime.date) -> MueLimit | None:
        found = self.codesets(on).mue(code)
        return None if found is None else MueLimit(found.max_units, found.adjudication_indicator)

    def ptp(self, column1: str, column2: str, *, on: datetime.date) -> int | None:
        found = self.codesets(on).ptp_edit(column1, column2)
        return None if found is None else found.modifier_indicator


# --- payer rules and duplicates -------------------------------------------------------------


def payer_rules_for(payer: Payer) -> PayerRules:
    """The payer's ``PayerRules`` (its ``PayerClaimRules`` row, when it has one)."""
    try:
        row: PayerClaimRules | None = payer.claim_rules
    except PayerClaimRules.DoesNotExist:
        row = None
    try:
        return PayerRules(
            name=payer.name,
            timely_filing_days=payer.timely_filing_days or None,
            disabled_rules=dict(row.disabled_rules) if row else {},
            requires_referring_for_pos=frozenset(row.referring_required_for_pos if row else ()),
            requires_referring_for_codes=frozenset(row.referring_required_for_codes if row else ()),
            requires_prior_auth_for_codes=frozenset(row.prior_auth_codes if row else ()),
            max_units={k: int(v) for k, v in (row.unit_overrides if row else {}).items()},
        )
    except (ValueError, TypeError) as exc:
        raise ApplicationError(
            f"the claim rules of {payer} are not valid ({exc}); correct them in the payer's "
            "settings",
            code="payer_rules_invalid",
        ) from exc


def duplicate_index_for(patient_ids: Iterable[int]) -> DuplicateIndex:
    """Every billed line of these patients (voids and frequency 8 excluded)."""
    rows = (
        ClaimLine.objects.filter(claim__patient_id__in=list(patient_ids), claim__status__in=BILLED)
        .exclude(claim__frequency_code=ClaimFrequency.VOID)
        .values_list(
            "claim__patient_id",
            "claim__encounter__rendering_provider__npi",
            "claim__client__group_npi",
            "claim__encounter__date_of_service",
            "procedure_code",
            "claim__patient_control_number",
        )
    )
    index = DuplicateIndex()
    for patient_id, rendering, billing, dos, code, pcn in rows.iterator(2000):
        index.add((str(patient_id), rendering or billing, dos, code), pcn)
    return index


def _duplicate_keys(claim: ScrubClaim) -> Iterator[DuplicateKey]:
    for line in claim.lines:
        yield (claim.patient_id, claim.provider_npi, claim.date_of_service, line.procedure_code)


# --- the service ------------------------------------------------------------------------------


@dataclass
class ScrubRun:
    scrubbed: int = 0
    ready: int = 0
    held: int = 0
    skipped: list[str] = field(default_factory=list)  # named claims that could not be scrubbed
    results: dict[int, ScrubResult] = field(default_factory=dict)

    def summary(self) -> str:
        text = f"{self.scrubbed} scrubbed: {self.ready} ready, {self.held} held"
        return text + (f"; {len(self.skipped)} skipped" if self.skipped else "")


def scrub_findings(
    claim: ScrubClaim,
    *,
    reference: CodeSetsScrubReference,
    payer_rules: PayerRules,
    duplicates: DuplicateIndex,
) -> ScrubResult:
    """The scrubber's result plus the adapter's own warning about the ICD-10-CM release."""
    result = scrub_claim(claim, reference=reference, payer_rules=payer_rules, duplicates=duplicates)
    nearest = reference.nearest_release_finding(claim.date_of_service)
    if nearest is None:
        return result
    return ScrubResult((*result.findings, nearest), result.skipped)


def claims_scrub(
    *, actor: Actor, claim_ids: Sequence[int] | None = None, progress: object = None
) -> ScrubRun:
    """Scrub draft and held claims (or the named ones, which may also be rejected claims
    a biller has corrected): store the findings (replacing earlier ones) and move each
    claim to held (any error) or ready. Running it again changes nothing new."""
    permission_check(actor, "claim.submit")
    run = ScrubRun()
    if claim_ids is None:
        ids = list(
            Claim.objects.filter(status__in=SCRUBBABLE).order_by("pk").values_list("pk", flat=True)
        )
        allowed = SCRUBBABLE
    else:
        ids = sorted(set(claim_ids))
        allowed = RESCRUBBABLE
        found = dict(Claim.objects.filter(pk__in=ids).values_list("pk", "status"))
        for pk in ids:
            if pk not in found:
                run.skipped.append(f"claim {pk} does not exist")
            elif found[pk] not in allowed:
                run.skipped.append(f"claim {pk} is {found[pk]}: only draft, held or rejected")
    reference = CodeSetsScrubReference()
    today = timezone.localdate()
    start = getattr(progress, "start", None)
    if callable(start):
        start("Scrub claims", len(ids))
    for offset in range(0, len(ids), CHUNK):
        chunk = ids[offset : offset + CHUNK]
        _scrub_chunk(actor, chunk, allowed, reference, today, run)
        advance = getattr(progress, "advance", None)
        if callable(advance):
            advance(len(chunk))
    return run


def _scrub_chunk(
    actor: Actor,
    ids: list[int],
    allowed: frozenset[str],
    reference: CodeSetsScrubReference,
    today: datetime.date,
    run: ScrubRun,
) -> None:
    with transaction.atomic():
        locked = claims_lock(ids, statuses=allowed)
        if not locked:
            return
        claims = claims_load(c.pk for c in locked)
        status_of = {c.pk: c.status for c in locked}
        duplicates = duplicate_index_for({c.patient_id for c in claims})
        rules: dict[int, PayerRules] = {}
        findings: list[ScrubFinding] = []
        to_ready: list[Claim] = []
        to_held: list[Claim] = []
        for claim in claims:
            claim.status = status_of[claim.pk]
            payer_rules = rules.get(claim.payer_id)
            if payer_rules is None:
                payer_rules = rules[claim.payer_id] = payer_rules_for(claim.payer)
            pure = scrub_claim_from(claim, today=today)
            result = scrub_findings(
                pure, reference=reference, payer_rules=payer_rules, duplicates=duplicates
            )
            run.results[claim.pk] = result
            run.scrubbed += 1
            findings.extend(
                ScrubFinding(
                    claim_id=claim.pk,
                    rule_id=f.rule_id,
                    severity=str(f.severity),
                    message=f.message[:500],
                    hint=f.hint[:500],
                    line=f.line,
                )
                for f in result.findings
            )
            if result.holds:
                run.held += 1
                if claim.status != ClaimStatus.HELD:
                    to_held.append(claim)
            else:
                run.ready += 1
                to_ready.append(claim)
                for key in _duplicate_keys(pure):  # a later claim in this run is a duplicate
                    duplicates.add(key, pure.patient_control_number)
        ScrubFinding.objects.filter(claim_id__in=[c.pk for c in claims]).delete()
        ScrubFinding.objects.bulk_create(findings, batch_size=1000)
        claim_transition(to_held, to=ClaimStatus.HELD, actor=actor, reason="scrubber errors")
        claim_transition(to_ready, to=ClaimStatus.READY, actor=actor, reason="scrubbed clean")
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            detail=f"scrubbed {len(claims)} claims: {len(to_ready)} ready, "
            f"{len(claims) - len(to_ready)} held",
            changes={"ready": [c.pk for c in to_ready], "held": [c.pk for c in to_held]},
        )
