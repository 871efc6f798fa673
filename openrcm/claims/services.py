"""Every change to encounters, charges and claims goes through here.

Encounters are validated in full before anything is stored: every diagnosis against the
ICD-10-CM release in force on the date of service, every procedure code and modifier by
form (and HCPCS Level II against the loaded code set), pointers against the diagnoses.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from openrcm.claims.models import (
    ChargeLine,
    Claim,
    ClaimFrequency,
    ClaimLine,
    ClaimStatus,
    ClaimStatusChange,
    Encounter,
    EncounterDiagnosis,
)
from openrcm.clients.models import Provider
from openrcm.codesets.icd10cm import icd10cm_index
from openrcm.core.actor import Actor
from openrcm.core.validation import Problems
from openrcm.patients.models import Coverage, CoveragePriority, Patient
from openrcm.privacy.models import AuditAction
from openrcm.privacy.services import audit_record
from openrcm.rules.codes import (
    modifier_problem,
    normalize_icd10cm,
    place_of_service_problem,
    procedure_code_problem,
)
from openrcm.rules.identifiers import npi_problem

MAX_DIAGNOSES = 12
MAX_LINES = 50
MAX_POINTERS = 4


@dataclass(frozen=True)
class ChargeInput:
    procedure_code: str
    charge_amount: Decimal | str | int
    units: Decimal | str | int = 1
    modifiers: tuple[str, ...] = ()
    diagnosis_pointers: tuple[int, ...] = (1,)


@dataclass
class EncounterInput:
    date_of_service: datetime.date
    rendering_provider: Provider
    place_of_service: str
    diagnoses: list[str]
    charges: list[ChargeInput]
    referring_npi: str = ""
    referring_first_name: str = ""
    referring_last_name: str = ""
    prior_authorization: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def diagnosis_problem(code: str, on: datetime.date) -> str | None:
    """Why ``code`` cannot be billed on ``on``, or None.

    The code is looked up in the ICD-10-CM release in force on the date of service. Where
    no loaded release covers that date (a date before the oldest or after the newest
    release openrcm has), the nearest release is used: code sets change by a few hundred
    codes a year, and refusing every encounter would stop billing. The claim scrubber
    warns about such claims so a coder can confirm the code.
    """
    index = icd10cm_index(settings.OPENRCM_CODESETS_DIR)
    release = index.release
    day = on
    if not release.in_force(on):
        day = release.effective_from if on < release.effective_from else release.effective_to or on
    result = index.lookup(code, on=day)
    return None if result.billable else result.message


def _encounter_problems(patient: Patient, data: EncounterInput) -> Problems:
    problems = Problems()
    today = timezone.localdate()
    if data.date_of_service > today:
        problems.add("date_of_service", f"{data.date_of_service} is in the future")
    if patient.date_of_birth and data.date_of_service < patient.date_of_birth:
        problems.add("date_of_service", "is before the patient's date of birth")
    provider = data.rendering_provider
    if provider.client_id != patient.client_id:
        problems.add(
            "rendering_provider", f"{provider} is not a provider of the patient's practice"
        )
    elif not provider.active:
        problems.add("rendering_provider", f"{provider} is not active")
    problems.check("place_of_service", place_of_service_problem(data.place_of_service))
    if data.referring_npi:
        problems.check("referring_npi", npi_problem(data.referring_npi))
        problems.require("referring_last_name", data.referring_last_name)
    if not data.diagnoses:
        problems.add("diagnoses", "an encounter needs at least one diagnosis")
    if len(data.diagnoses) > MAX_DIAGNOSES:
        problems.add("diagnoses", f"at most {MAX_DIAGNOSES} diagnoses fit on a claim")
    seen: set[str] = set()
    for position, raw in enumerate(data.diagnoses, 1):
        code = normalize_icd10cm(raw)
        if code in seen:
            problems.add(f"diagnoses[{position}]", f"{code} is listed twice")
        seen.add(code)
        problems.check(f"diagnoses[{position}]", diagnosis_problem(code, data.date_of_service))
    if not data.charges:
        problems.add("charges", "an encounter needs at least one charge")
    if len(data.charges) > MAX_LINES:
        problems.add("charges", f"at most {MAX_LINES} lines fit on a claim")
    for number, charge in enumerate(data.charges, 1):
        where = f"charges[{number}]"
        problems.check(f"{where}.procedure_code", procedure_code_problem(charge.procedure_code))
        if len(charge.modifiers) > 4:
            problems.add(f"{where}.modifiers", "at most 4 modifiers per line")
        for modifier in charge.modifiers:
            problems.check(f"{where}.modifiers", modifier_problem(modifier))
        problems.money(f"{where}.charge_amount", charge.charge_amount, positive=True)
        units = problems.money(f"{where}.units", charge.units, positive=True)
        if units is not None and units > 9999:
            problems.add(f"{where}.units", f"{units} units is not plausible")
        pointers = charge.diagnosis_pointers
        if not pointers:
            problems.add(f"{where}.diagnosis_pointers", "point to at least one diagnosis")
        if len(pointers) > MAX_POINTERS:
            problems.add(f"{where}.diagnosis_pointers", "at most 4 diagnosis pointers per line")
        for pointer in pointers:
            if not isinstance(pointer, int) or not 1 <= pointer <= len(data.diagnoses):
                problems.add(
                    f"{where}.diagnosis_pointers",
                    f"pointer {pointer!r} does not name one of the {len(data.diagnoses)} diagnoses",
                )
        if len(set(pointers)) != len(pointers):
            problems.add(f"{where}.diagnosis_pointers", "a diagnosis is pointed to twice")
    return problems


@transaction.atomic
def encounter_create(*, actor: Actor, patient: Patient, data: EncounterInput) -> Encounter:
    _encounter_problems(patient, data).raise_if_any()
    encounter = Encounter.objects.create(
        client_id=patient.client_id,
        patient=patient,
        date_of_service=data.date_of_service,
        rendering_provider=data.rendering_provider,
        referring_npi=data.referring_npi,
        referring_first_name=data.referring_first_name,
        referring_last_name=data.referring_last_name,
        place_of_service=data.place_of_service,
        prior_authorization=data.prior_authorization.strip(),
    )
    EncounterDiagnosis.objects.bulk_create(
        EncounterDiagnosis(encounter=encounter, position=i, code=normalize_icd10cm(code))
        for i, code in enumerate(data.diagnoses, 1)
    )
    ChargeLine.objects.bulk_create(
        ChargeLine(
            encounter=encounter,
            line_number=i,
            procedure_code=c.procedure_code,
            modifier1=c.modifiers[0] if len(c.modifiers) > 0 else "",
            modifier2=c.modifiers[1] if len(c.modifiers) > 1 else "",
            modifier3=c.modifiers[2] if len(c.modifiers) > 2 else "",
            modifier4=c.modifiers[3] if len(c.modifiers) > 3 else "",
            units=Decimal(str(c.units)),
            charge_amount=Decimal(str(c.charge_amount)).quantize(Decimal("0.01")),
            diagnosis_pointers=list(c.diagnosis_pointers),
        )
        for i, c in enumerate(data.charges, 1)
    )
    audit_record(actor=actor, action=AuditAction.CREATE, obj=encounter)
    return encounter


def coverages_on(patient: Patient, day: datetime.date) -> list[Coverage]:
    """The patient's coverages in force on ``day``, primary first."""
    order = {
        CoveragePriority.PRIMARY: 0,
        CoveragePriority.SECONDARY: 1,
        CoveragePriority.TERTIARY: 2,
    }
    active = [c for c in patient.coverages.select_related("payer") if c.is_active_on(day)]
    return sorted(active, key=lambda c: order[CoveragePriority(c.priority)])


def patient_control_number(encounter: Encounter, level: str, suffix: str = "") -> str:
    """CLM01: short (≤ 20), unique, and readable back to the encounter and level."""
    return f"E{encounter.pk}{level}{suffix}"


def _record_transition(claim: Claim, *, actor: Actor, to: str, previous: str, reason: str) -> None:
    ClaimStatusChange.objects.create(
        claim=claim, from_status=previous, to_status=to, actor=actor.label, reason=reason
    )


@transaction.atomic
def claims_create_for_encounter(*, actor: Actor, encounter: Encounter) -> list[Claim]:
    """One draft claim for the primary coverage in force on the date of service.

    The secondary and tertiary claims are made later, from the primary's adjudication
    (they need it in their other-payer loops). Calling this twice makes nothing new.
    """
    existing = list(encounter.claims.filter(frequency_code=ClaimFrequency.ORIGINAL))
    if existing:
        return existing
    coverages = coverages_on(encounter.patient, encounter.date_of_service)
    if not coverages:
        problems = Problems()
        problems.add(
            "coverage",
            f"{encounter.patient} has no coverage in force on {encounter.date_of_service}; "
            "check eligibility or bill the patient",
        )
        problems.raise_if_any()
    primary = coverages[0]
    return [_claim_create(actor=actor, encounter=encounter, coverage=primary)]


def _claim_create(*, actor: Actor, encounter: Encounter, coverage: Coverage) -> Claim:
    charges = list(encounter.charges.all())
    total = sum((c.charge_amount for c in charges), Decimal("0.00"))
    claim = Claim.objects.create(
        client_id=encounter.client_id,
        patient_id=encounter.patient_id,
        encounter=encounter,
        coverage=coverage,
        payer_id=coverage.payer_id,
        coverage_level=coverage.priority,
        patient_control_number=patient_control_number(encounter, coverage.priority),
        total_charge=total,
    )
    ClaimLine.objects.bulk_create(
        ClaimLine(
            claim=claim,
            charge_line=c,
            line_number=c.line_number,
            procedure_code=c.procedure_code,
            modifiers=c.modifiers,
            units=c.units,
            charge_amount=c.charge_amount,
            diagnosis_pointers=c.diagnosis_pointers,
            line_item_control_number=f"{claim.patient_control_number}L{c.line_number}",
        )
        for c in charges
    )
    _record_transition(claim, actor=actor, to=ClaimStatus.DRAFT, previous="", reason="created")
    audit_record(actor=actor, action=AuditAction.CREATE, obj=claim)
    return claim
