"""Reading patients and their coverage, always through ``for_user`` (client scoping).

Names and account numbers are searched in clear; date of birth, phone and member ID are
encrypted, so they are found by exact match on their keyed hashes.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet, Sum

from openrcm.claims.models import Claim, Encounter
from openrcm.core.errors import ValidationFailed
from openrcm.core.fields import search_hash_for
from openrcm.core.inputs import date_problem, parse_date_input
from openrcm.patients.models import Coverage, Patient
from openrcm.rules.identifiers import phone_problem

SEARCH_LIMIT = 50
PHONE_CHARS = re.compile(r"^[\d\s().+-]+$")


@dataclass(frozen=True)
class PatientSearchCriteria:
    """What to look for; every given criterion must match (AND).

    ``text`` matches a name ("Smith", "Smith, Jo", "Jo Smith"), an account number or a
    member ID (exact), or a phone number when it is one.
    """

    text: str = ""
    date_of_birth: datetime.date | None = None
    phone: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.text or self.date_of_birth or self.phone)


def patient_search_criteria(params: Mapping[str, Any]) -> PatientSearchCriteria:
    """Criteria from query parameters ``q``, ``dob``, ``phone``; refuses bad dates/phones."""
    problems: list[tuple[str, str]] = []
    text = str(params.get("q") or "").strip()[:100]
    raw_dob = str(params.get("dob") or "").strip()
    raw_phone = str(params.get("phone") or "").strip()
    dob = None
    if raw_dob:
        dob = parse_date_input(raw_dob)
        if dob is None:
            problems.append(("dob", date_problem(raw_dob, "Date of birth")))
    elif text and (as_date := parse_date_input(text)) is not None:
        # A date typed into the main box is a date of birth.
        dob, text = as_date, ""
    if raw_phone:
        problem = phone_problem(raw_phone)
        if problem:
            problems.append(("phone", f"{problem}; type 10 digits, e.g. 212-555-0123"))
    if problems:
        raise ValidationFailed(problems)
    return PatientSearchCriteria(text=text, date_of_birth=dob, phone=raw_phone)


def _name_condition(text: str) -> Q:
    if "," in text:
        last, _, first = (part.strip() for part in text.partition(","))
        condition = Q(last_name__istartswith=last) if last else Q()
        if first:
            condition &= Q(first_name__istartswith=first)
        return condition
    condition = Q()
    for token in text.split():
        condition &= Q(first_name__istartswith=token) | Q(last_name__istartswith=token)
    return condition


def _text_condition(text: str) -> Q:
    member_hash = search_hash_for(Coverage, "member_id_hash", text)
    condition = (
        _name_condition(text)
        | Q(account_number__iexact=text)
        | Q(pk__in=Coverage.objects.filter(member_id_hash=member_hash).values("patient_id"))
    )
    if PHONE_CHARS.match(text) and sum(c.isdigit() for c in text) >= 10 and not phone_problem(text):
        condition |= Q(phone_hash=search_hash_for(Patient, "phone_hash", text))
    return condition


@dataclass(frozen=True)
class PatientSearchResult:
    patients: list[Patient]
    total: int
    limit: int

    @property
    def truncated(self) -> bool:
        return self.total > len(self.patients)


def patient_search(
    *, user: Any, criteria: PatientSearchCriteria, limit: int = SEARCH_LIMIT
) -> PatientSearchResult:
    """Patients of the user's clients matching every criterion, by name; none if empty."""
    if criteria.is_empty:
        return PatientSearchResult(patients=[], total=0, limit=limit)
    found: QuerySet[Patient] = Patient.objects.for_user(user)
    if criteria.date_of_birth is not None:
        found = found.filter(
            date_of_birth_hash=search_hash_for(
                Patient, "date_of_birth_hash", criteria.date_of_birth
            )
        )
    if criteria.phone:
        found = found.filter(phone_hash=search_hash_for(Patient, "phone_hash", criteria.phone))
    if criteria.text:
        found = found.filter(_text_condition(criteria.text))
    total = found.count()
    patients = list(
        found.select_related("client").order_by("last_name", "first_name", "pk")[:limit]
    )
    return PatientSearchResult(patients=patients, total=total, limit=limit)


def coverage_state(coverage: Coverage, today: datetime.date) -> str:
    """ "active", "lapsed" (ended before today) or "future" (not yet in force)."""
    if coverage.effective_from > today:
        return "future"
    if coverage.effective_to is not None and coverage.effective_to < today:
        return "lapsed"
    return "active"


@dataclass(frozen=True)
class CoverageRow:
    coverage: Coverage
    state: str

    @property
    def active(self) -> bool:
        return self.state == "active"


@dataclass
class PatientRecord:
    patient: Patient
    coverages: list[CoverageRow]
    encounters: Sequence[Encounter]
    claims: list[Claim]
    has_active_coverage: bool = field(init=False)

    def __post_init__(self) -> None:
        self.has_active_coverage = any(row.active for row in self.coverages)


def patient_coverages(*, patient: Patient, today: datetime.date) -> list[CoverageRow]:
    """The patient's coverage, primary first, each with its state on ``today``."""
    return [
        CoverageRow(coverage=c, state=coverage_state(c, today))
        for c in patient.coverages.select_related("payer").order_by("priority", "-effective_from")
    ]


def patient_record(
    *, patient: Patient, today: datetime.date, with_claims: bool = True
) -> PatientRecord:
    """Everything the patient page shows: coverage (with state), encounters, claims.

    ``patient`` must come from ``Patient.objects.for_user(user)``: the rows read here all
    belong to it. ``with_claims=False`` (a role without "claim.view") leaves out the
    encounters and claims.
    """
    coverages = patient_coverages(patient=patient, today=today)
    if not with_claims:
        return PatientRecord(patient=patient, coverages=coverages, encounters=[], claims=[])
    encounters = list(
        patient.encounters.select_related("rendering_provider")
        .annotate(charge_total=Sum("charges__charge_amount"))
        .prefetch_related(
            "diagnoses",
            "charges",
            Prefetch("claims", queryset=Claim.objects.select_related("payer").order_by("pk")),
        )
        .order_by("-date_of_service", "-pk")
    )
    claims = list(
        patient.claims.select_related("payer", "encounter").order_by("-encounter__date_of_service")
    )
    return PatientRecord(patient=patient, coverages=coverages, encounters=encounters, claims=claims)


def masked_ssn(ssn: str) -> str:
    """***-**-1234: the last four digits only; empty when there is no SSN."""
    digits = "".join(c for c in ssn if c.isdigit())
    return f"***-**-{digits[-4:]}" if len(digits) >= 4 else ""


def ssn_for_display(user: Any, patient: Patient) -> str:
    """The masked SSN for roles that keep demographics (they verify it), else "".

    Nobody sees more than the last four digits on a page or in the API.
    """
    from openrcm.accounts.permissions import has_permission

    return masked_ssn(patient.ssn) if has_permission(user, "patient.change") else ""
