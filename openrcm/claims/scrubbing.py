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
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from openrcm.accounts.permissions import permission_check
from openrcm.claims.bulk import ids_q, rows_insert
from openrcm.claims.lifecycle import MANUAL_HOLD_PREFIX, ClaimRef, claims_transition
from openrcm.claims.models import (
    Claim,
    ClaimFrequency,
    ClaimLine,
    ClaimStatus,
    ClaimStatusChange,
    EncounterDiagnosis,
    ScrubFinding,
)
from openrcm.clients.models import Client, Provider
from openrcm.codesets.demographics import age_range, sex_restriction
from openrcm.codesets.icd10cm import Icd10cmIndex, LookupReason, icd10cm_index
from openrcm.codesets.snapshot import CodeSets, Verdict
from openrcm.coding.selectors import codesets_on
from openrcm.core.actor import Actor
from openrcm.core.errors import ApplicationError
from openrcm.patients.models import Coverage, Patient
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
# Claims that count as already billed when looking for duplicates: every status but
# draft, held and void (so statuses added later, such as the ERA outcomes, count).
BILLED = frozenset(ClaimStatus.values) - {ClaimStatus.DRAFT, ClaimStatus.HELD, ClaimStatus.VOID}
NEAREST_RELEASE_RULE = "ICD-RELEASE-NEAREST"
CHUNK = 2000
FINDING_FIELDS = ("claim", "rule_id", "severity", "message", "hint", "line", "created_at")


# --- loading -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PatientFacts:
    """What a claim needs of its patient (decrypted once per patient per load)."""

    pk: int
    first_name: str
    middle_name: str
    last_name: str
    date_of_birth: datetime.date
    sex: str
    street1: str
    street2: str
    city: str
    state: str
    zip_code: str


@dataclass(frozen=True, slots=True)
class CoverageFacts:
    """What a claim needs of its coverage (decrypted once per coverage per load)."""

    pk: int
    member_id: str
    subscriber_id: str
    group_number: str
    relationship: str
    subscriber_first_name: str
    subscriber_last_name: str
    subscriber_date_of_birth: datetime.date
    subscriber_sex: str
    subscriber_street1: str
    subscriber_city: str
    subscriber_state: str
    subscriber_zip_code: str
    effective_from: datetime.date
    effective_to: datetime.date | None


class LineFacts(NamedTuple):
    """One claim line, in line-number order."""

    procedure_code: str
    modifiers: tuple[str, ...]
    units: Decimal
    charge_amount: Decimal
    diagnosis_pointers: tuple[int, ...]
    line_item_control_number: str


@dataclass(frozen=True, slots=True)
class ClaimFacts:
    """A claim with everything the scrubber and the 837P writer read, as plain values.

    ``status`` is the status read (under lock, when the loader locked) with the facts.
    Client, payer (with its claim rules) and rendering provider are model instances
    shared by every claim of the load; patient and coverage facts are shared by the
    claims of the same patient and coverage.
    """

    pk: int
    status: str
    patient_control_number: str
    coverage_level: str
    frequency_code: str
    total_charge: Decimal
    client: Client
    patient: PatientFacts
    coverage: CoverageFacts
    payer: Payer
    rendering_provider: Provider
    date_of_service: datetime.date
    place_of_service: str
    prior_authorization: str
    referring_npi: str
    referring_first_name: str
    referring_last_name: str
    original_payer_claim_number: str | None  # None: not a correction of another claim
    diagnoses: tuple[str, ...]
    lines: tuple[LineFacts, ...]

    @property
    def patient_id(self) -> int:
        return self.patient.pk

    @property
    def payer_id(self) -> int:
        return self.payer.pk

    def ref(self) -> ClaimRef:
        return ClaimRef(self.pk, self.status, self.patient_control_number)


_CLAIM_COLUMNS = (
    "pk",
    "status",
    "patient_control_number",
    "coverage_level",
    "frequency_code",
    "total_charge",
    "client_id",
    "patient_id",
    "coverage_id",
    "payer_id",
    "encounter_id",
    "original_claim_id",
    "encounter__rendering_provider_id",
    "encounter__date_of_service",
    "encounter__place_of_service",
    "encounter__prior_authorization",
    "encounter__referring_npi",
    "encounter__referring_first_name",
    "encounter__referring_last_name",
)
_PATIENT_COLUMNS = tuple(f.name for f in dataclass_fields(PatientFacts))
_COVERAGE_COLUMNS = tuple(f.name for f in dataclass_fields(CoverageFacts))


def claims_load(
    ids: Iterable[int], *, statuses: Iterable[str] | None = None, lock: bool = False
) -> list[ClaimFacts]:
    """Claims (in pk order) with everything the scrubber and the 837P writer need, in a
    fixed number of queries whatever the number of claims: claims with their encounters,
    lines, diagnoses, then each distinct patient, coverage, practice, payer (with its claim
    rules), provider and original claim once. ``statuses`` keeps only claims (still) in
    those statuses; ``lock`` locks the claim rows (call inside a transaction), in pk
    order so concurrent workers never deadlock."""
    query = Claim.objects.filter(ids_q("pk", ids))
    if statuses is not None:
        query = query.filter(status__in=list(statuses))
    if lock:
        query = query.select_for_update(of=("self",))
    rows = list(query.order_by("pk").values_list(*_CLAIM_COLUMNS))
    if not rows:
        return []
    pks = [r[0] for r in rows]
    lines: dict[int, list[LineFacts]] = defaultdict(list)
    for claim_id, code, modifiers, units, charge, pointers, control in (
        ClaimLine.objects.filter(ids_q("claim_id", pks))
        .order_by("claim_id", "line_number")
        .values_list(
            "claim_id",
            "procedure_code",
            "modifiers",
            "units",
            "charge_amount",
            "diagnosis_pointers",
            "line_item_control_number",
        )
    ):
        lines[claim_id].append(
            LineFacts(code, tuple(modifiers), units, charge, tuple(pointers), control)
        )
    diagnoses: dict[int, list[str]] = defaultdict(list)
    for encounter_id, code in (
        EncounterDiagnosis.objects.filter(ids_q("encounter_id", {r[10] for r in rows}))
        .order_by("encounter_id", "position")
        .values_list("encounter_id", "code")
    ):
        diagnoses[encounter_id].append(code)
    patients = {
        r[0]: PatientFacts(*r)
        for r in Patient.objects.filter(ids_q("pk", {r[7] for r in rows})).values_list(
            *_PATIENT_COLUMNS
        )
    }
    coverages = {
        r[0]: CoverageFacts(*r)
        for r in Coverage.objects.filter(ids_q("pk", {r[8] for r in rows})).values_list(
            *_COVERAGE_COLUMNS
        )
    }
    clients = Client.objects.in_bulk({r[6] for r in rows})
    payers = Payer.objects.select_related("claim_rules").in_bulk({r[9] for r in rows})
    providers = Provider.objects.in_bulk({r[12] for r in rows})
    originals: dict[int, str] = {}
    wanted = {r[11] for r in rows if r[11] is not None}
    if wanted:
        originals = dict(
            Claim.objects.filter(pk__in=wanted).values_list("pk", "payer_claim_number")
        )
    return [
        ClaimFacts(
            pk=pk,
            status=status,
            patient_control_number=pcn,
            coverage_level=level,
            frequency_code=frequency,
            total_charge=total,
            client=clients[client_id],
            patient=patients[patient_id],
            coverage=coverages[coverage_id],
            payer=payers[payer_id],
            rendering_provider=providers[provider_id],
            date_of_service=dos,
            place_of_service=pos,
            prior_authorization=authorization,
            referring_npi=referring_npi,
            referring_first_name=referring_first,
            referring_last_name=referring_last,
            original_payer_claim_number=None if original is None else originals[original],
            diagnoses=tuple(diagnoses.get(encounter_id, ())),
            lines=tuple(lines.get(pk, ())),
        )
        for (
            pk,
            status,
            pcn,
            level,
            frequency,
            total,
            client_id,
            patient_id,
            coverage_id,
            payer_id,
            encounter_id,
            original,
            provider_id,
            dos,
            pos,
            authorization,
            referring_npi,
            referring_first,
            referring_last,
        ) in rows
    ]


def _address(street1: str, street2: str, city: str, state: str, zip_code: str) -> PostalAddress:
    return PostalAddress(
        street1=street1, street2=street2, city=city, state=state, zip_code=zip_code
    )


def subscriber_address(claim: ClaimFacts) -> PostalAddress | None:
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


class ScrubClaimBuilder:
    """Turns loaded claims into pure ``ScrubClaim`` values, building the values a load's
    claims share (the billing address, a subscriber's address) once."""

    def __init__(self, *, today: datetime.date) -> None:
        self.today = today
        self._billing: dict[int, PostalAddress] = {}
        self._subscriber: dict[tuple[int, int], PostalAddress | None] = {}

    def __call__(self, claim: ClaimFacts) -> ScrubClaim:
        client, patient, coverage, payer = claim.client, claim.patient, claim.coverage, claim.payer
        provider = claim.rendering_provider
        billing = self._billing.get(client.pk)
        if billing is None:
            billing = self._billing[client.pk] = _address(
                client.street1, client.street2, client.city, client.state, client.zip_code
            )
        key = (coverage.pk, patient.pk)
        if key in self._subscriber:
            address = self._subscriber[key]
        else:
            address = self._subscriber[key] = subscriber_address(claim)
        return ScrubClaim(
            patient_control_number=claim.patient_control_number,
            patient_id=str(patient.pk),
            billing_npi=client.group_npi,
            billing_tin=client.tin,
            billing_taxonomy=client.taxonomy,
            billing_address=billing,
            rendering_npi=provider.npi if provider.npi != client.group_npi else "",
            rendering_taxonomy=provider.taxonomy,
            referring_npi=claim.referring_npi,
            referring_name=claim.referring_last_name,
            patient_sex=patient.sex,
            patient_birth_date=patient.date_of_birth,
            subscriber_member_id=coverage.subscriber_id or coverage.member_id,
            subscriber_birth_date=coverage.subscriber_date_of_birth,
            subscriber_address=address,
            relationship=coverage.relationship,
            payer_id=payer.payer_id,
            payer_type=payer.payer_type,
            claim_filing_indicator=payer.claim_filing_indicator,
            coverage_effective_from=coverage.effective_from,
            coverage_effective_to=coverage.effective_to,
            date_of_service=claim.date_of_service,
            place_of_service=claim.place_of_service,
            prior_authorization=claim.prior_authorization,
            frequency_code=claim.frequency_code,
            original_payer_claim_number=claim.original_payer_claim_number or "",
            diagnoses=claim.diagnoses,
            lines=tuple(
                ScrubLine(
                    procedure_code=line.procedure_code,
                    modifiers=line.modifiers,
                    units=line.units,
                    charge=line.charge_amount,
                    diagnosis_pointers=line.diagnosis_pointers,
                )
                for line in claim.lines
            ),
            total_charge=claim.total_charge,
            today=self.today,
        )


def scrub_claim_from(claim: ClaimFacts, *, today: datetime.date) -> ScrubClaim:
    """The pure ``ScrubClaim`` of a claim loaded by :func:`claims_load`."""
    return ScrubClaimBuilder(today=today)(claim)


# --- the code sets as a ScrubReference ------------------------------------------------------


class CodeSetsScrubReference:
    """``ScrubReference`` over the loaded code sets.

    One ``CodeSets`` snapshot per date of service (kept for the life of this object, so
    one scrub run reads each date's releases once). CPT codes and modifiers are accepted
    by form; HCPCS Level II, places of service, taxonomy, MUE and PTP come from the loaded
    releases, and where nothing is loaded the answer is "valid" (unknown is not invalid).
    Diagnoses come from the ICD-10-CM index; where no loaded release covers the date of
    service the nearest release answers and :meth:`nearest_release_finding` says so.

    Every answer is remembered per code and date for the life of this object (a scrub
    run): a run asks about the same few hundred codes thousands of times.
    """

    def __init__(self, icd10cm: Icd10cmIndex | None = None) -> None:
        self._snapshots: dict[datetime.date, CodeSets] = {}
        self._icd10cm = icd10cm
        self._diagnoses: dict[tuple[str, datetime.date], DiagnosisFacts] = {}
        self._nearest: dict[datetime.date, Finding | None] = {}
        self._valid: dict[tuple[str, str, datetime.date], bool] = {}
        self._mue: dict[tuple[str, datetime.date], MueLimit | None] = {}
        self._ptp: dict[tuple[str, str, datetime.date], int | None] = {}

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
        if on in self._nearest:
            return self._nearest[on]
        found = self._nearest[on] = self._nearest_release_finding(on)
        return found

    def _nearest_release_finding(self, on: datetime.date) -> Finding | None:
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
        key = (code, on)
        facts = self._diagnoses.get(key)
        if facts is None:
            facts = self._diagnoses[key] = self._diagnosis(code, on)
        return facts

    def _diagnosis(self, code: str, on: datetime.date) -> DiagnosisFacts:
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

    def _validity(self, kind: str, code: str, on: datetime.date) -> bool:
        key = (kind, code, on)
        valid = self._valid.get(key)
        if valid is None:
            codesets = self.codesets(on)
            if kind == "pos":
                valid = codesets.place_of_service_check(code).ok
            else:
                check = {
                    "hcpcs": codesets.procedure_check,
                    "modifier": codesets.modifier_check,
                    "taxonomy": codesets.taxonomy_check,
                }[kind]
                valid = check(code).verdict is not Verdict.INVALID
            self._valid[key] = valid
        return valid

    def hcpcs_valid(self, code: str, *, on: datetime.date) -> bool:
        return self._validity("hcpcs", code, on)

    def modifier_valid(self, modifier: str, *, on: datetime.date) -> bool:
        return self._validity("modifier", modifier, on)

    def place_of_service_valid(self, code: str, *, on: datetime.date) -> bool:
        return self._validity("pos", code, on)

    def taxonomy_valid(self, code: str, *, on: datetime.date) -> bool:
        return self._validity("taxonomy", code, on)

    def mue(self, code: str, *, on: datetime.date) -> MueLimit | None:
        key = (code, on)
        if key not in self._mue:
            found = self.codesets(on).mue(code)
            self._mue[key] = (
                None if found is None else MueLimit(found.max_units, found.adjudication_indicator)
            )
        return self._mue[key]

    def ptp(self, column1: str, column2: str, *, on: datetime.date) -> int | None:
        key = (column1, column2, on)
        if key not in self._ptp:
            found = self.codesets(on).ptp_edit(column1, column2)
            self._ptp[key] = None if found is None else found.modifier_indicator
        return self._ptp[key]


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
        ClaimLine.objects.filter(ids_q("claim__patient_id", patient_ids), claim__status__in=BILLED)
        .exclude(claim__frequency_code=ClaimFrequency.VOID)
        .values_list(
            "claim__patient_id",
            "claim__payer__payer_id",
            "claim__encounter__rendering_provider__npi",
            "claim__client__group_npi",
            "claim__encounter__date_of_service",
            "procedure_code",
            "claim__patient_control_number",
        )
    )
    index = DuplicateIndex()
    for patient_id, payer_id, rendering, billing, dos, code, pcn in rows:
        index.add((str(patient_id), payer_id, rendering or billing, dos, code), pcn)
    return index


def _duplicate_keys(claim: ScrubClaim) -> Iterator[DuplicateKey]:
    for line in claim.lines:
        yield (
            claim.patient_id,
            claim.payer_id,
            claim.provider_npi,
            claim.date_of_service,
            line.procedure_code,
        )


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
        last_reason = (
            ClaimStatusChange.objects.filter(claim=OuterRef("pk"))
            .order_by("-at", "-pk")
            .values("reason")[:1]
        )
        ids = list(
            Claim.objects.filter(status__in=SCRUBBABLE)
            .annotate(last_reason=Subquery(last_reason))
            .exclude(status=ClaimStatus.HELD, last_reason__startswith=MANUAL_HOLD_PREFIX)
            .order_by("pk")
            .values_list("pk", flat=True)
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
    builder = ScrubClaimBuilder(today=timezone.localdate())
    rules: dict[int, PayerRules] = {}
    start = getattr(progress, "start", None)
    if callable(start):
        start("Scrub claims", len(ids))
    for offset in range(0, len(ids), CHUNK):
        chunk = ids[offset : offset + CHUNK]
        _scrub_chunk(actor, chunk, allowed, reference, builder, rules, run)
        advance = getattr(progress, "advance", None)
        if callable(advance):
            advance(len(chunk))
    return run


def _scrub_chunk(
    actor: Actor,
    ids: list[int],
    allowed: frozenset[str],
    reference: CodeSetsScrubReference,
    builder: ScrubClaimBuilder,
    rules: dict[int, PayerRules],
    run: ScrubRun,
) -> None:
    with transaction.atomic():
        claims = claims_load(ids, statuses=allowed, lock=True)
        if not claims:
            return
        duplicates = duplicate_index_for({c.patient_id for c in claims})
        findings: list[tuple[object, ...]] = []
        now = timezone.now()
        to_ready: list[ClaimRef] = []
        to_held: list[ClaimRef] = []
        for claim in claims:
            payer_rules = rules.get(claim.payer_id)
            if payer_rules is None:
                payer_rules = rules[claim.payer_id] = payer_rules_for(claim.payer)
            pure = builder(claim)
            result = scrub_findings(
                pure, reference=reference, payer_rules=payer_rules, duplicates=duplicates
            )
            run.results[claim.pk] = result
            run.scrubbed += 1
            findings.extend(
                (claim.pk, f.rule_id, str(f.severity), f.message[:500], f.hint[:500], f.line, now)
                for f in result.findings
            )
            if result.holds:
                run.held += 1
                if claim.status != ClaimStatus.HELD:
                    to_held.append(claim.ref())
            else:
                run.ready += 1
                to_ready.append(claim.ref())
                for key in _duplicate_keys(pure):  # a later claim in this run is a duplicate
                    duplicates.add(key, pure.patient_control_number)
        ScrubFinding.objects.filter(ids_q("claim_id", [c.pk for c in claims])).delete()
        rows_insert(ScrubFinding, FINDING_FIELDS, findings)
        claims_transition(to_held, to=ClaimStatus.HELD, actor=actor, reason="scrubber errors")
        claims_transition(to_ready, to=ClaimStatus.READY, actor=actor, reason="scrubbed clean")
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            detail=f"scrubbed {len(claims)} claims: {len(to_ready)} ready, "
            f"{len(claims) - len(to_ready)} held",
            changes={"ready": [c.pk for c in to_ready], "held": [c.pk for c in to_held]},
        )
