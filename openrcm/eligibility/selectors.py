"""Reading eligibility answers and claim status answers, through client scoping."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet

from openrcm.accounts.permissions import has_permission
from openrcm.eligibility.models import (
    ClaimStatusInquiry,
    EligibilityBenefit,
    EligibilityInquiry,
    EligibilityOutcome,
    InquiryStatus,
)
from openrcm.patients.models import Coverage, Patient
from openrcm.workqueue.models import WorkItem, WorkItemKind
from openrcm.workqueue.selectors import open_work_items_for_patient

HISTORY_LIMIT = 10
ELIGIBILITY_KINDS = frozenset(
    {
        WorkItemKind.COVERAGE_INACTIVE,
        WorkItemKind.COVERAGE_MISSING,
        WorkItemKind.SUBSCRIBER_NOT_FOUND,
    }
)


@dataclass
class CoverageEligibility:
    coverage: Coverage
    latest: EligibilityInquiry | None  # the newest answered (or failed) inquiry


@dataclass
class PatientEligibility:
    """What the patient page shows about eligibility."""

    rows: list[CoverageEligibility]
    history: list[EligibilityInquiry]
    open_items: list[WorkItem]
    claim_status: list[ClaimStatusInquiry] = field(default_factory=list)
    can_check: bool = False
    today: datetime.date | None = None

    @property
    def flag_items(self) -> list[WorkItem]:
        return [i for i in self.open_items if i.kind in ELIGIBILITY_KINDS]

    @property
    def flagged(self) -> bool:
        """The patient is flagged while an eligibility work item is open for them."""
        return bool(self.flag_items)


def _with_benefits(query: QuerySet[EligibilityInquiry]) -> QuerySet[EligibilityInquiry]:
    return query.select_related("payer", "coverage").prefetch_related(
        Prefetch("benefits", queryset=EligibilityBenefit.objects.order_by("position"))
    )


def patient_eligibility(*, patient: Patient, user: Any, today: datetime.date) -> PatientEligibility:
    """``patient`` must come from ``Patient.objects.for_user(user)``: every row read here
    belongs to it."""
    inquiries = _with_benefits(
        EligibilityInquiry.objects.filter(patient=patient).exclude(status=InquiryStatus.ASKED)
    ).order_by("-pk")
    history = list(inquiries[:HISTORY_LIMIT])
    rows = []
    for coverage in patient.coverages.select_related("payer").order_by(
        "priority", "-effective_from"
    ):
        latest = next((i for i in history if i.coverage_id == coverage.pk), None)
        if latest is None:
            latest = inquiries.filter(coverage=coverage).first()
        rows.append(CoverageEligibility(coverage=coverage, latest=latest))
    claim_status: list[ClaimStatusInquiry] = []
    if has_permission(user, "claim.view"):
        claim_status = list(
            ClaimStatusInquiry.objects.filter(claim__patient=patient)
            .select_related("claim", "payer")
            .order_by("-pk")[:HISTORY_LIMIT]
        )
    return PatientEligibility(
        rows=rows,
        history=history,
        open_items=open_work_items_for_patient(patient=patient),
        claim_status=claim_status,
        can_check=has_permission(user, "eligibility.check"),
        today=today,
    )


def eligibility_results(*, user: Any, patient_id: int) -> QuerySet[EligibilityInquiry]:
    """A patient's inquiries, newest first (scoped: another practice's patient has none)."""
    return _with_benefits(
        EligibilityInquiry.objects.for_user(user).filter(patient_id=patient_id)
    ).order_by("-pk")


def claim_status_list(*, user: Any, client_id: int | None = None) -> QuerySet[ClaimStatusInquiry]:
    rows = ClaimStatusInquiry.objects.for_user(user).select_related(
        "claim", "claim__patient", "payer", "client"
    )
    if client_id:
        rows = rows.filter(client_id=client_id)
    return rows.order_by("-pk")


def flagged_outcomes() -> frozenset[str]:
    return frozenset({EligibilityOutcome.INACTIVE, EligibilityOutcome.NOT_FOUND})
