"""Eligibility API: check a patient now, list a patient's eligibility answers."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Schema

from openrcm.accounts.permissions import api_require
from openrcm.eligibility.models import EligibilityInquiry
from openrcm.eligibility.selectors import eligibility_results
from openrcm.eligibility.services import eligibility_check_patient
from openrcm.patients.models import Patient
from openrcm.privacy.services import audit_read

router = Router(tags=["eligibility"])
RESULTS_LIMIT = 100


class BenefitOut(Schema):
    code: str
    kind: str
    service_type: str
    coverage_level: str
    time_period: str
    amount: Decimal | None
    percent: Decimal | None
    in_network: bool | None
    messages: str


class EligibilityResultOut(Schema):
    id: int
    patient_id: int
    coverage_id: int
    payer: str
    service_date: datetime.date
    asked_at: datetime.datetime
    status: str  # asked, answered or failed
    outcome: str  # active, inactive, not_found, unknown ("" until answered)
    problem: str
    trace_number: str
    plan_begin: datetime.date | None
    plan_end: datetime.date | None
    plan_description: str
    deductible_total: Decimal | None
    deductible_met: Decimal | None
    deductible_remaining: Decimal | None
    out_of_pocket_total: Decimal | None
    out_of_pocket_met: Decimal | None
    out_of_pocket_remaining: Decimal | None
    copay: Decimal | None
    coinsurance_percent: Decimal | None
    benefits: list[BenefitOut]


class EligibilityCheckIn(Schema):
    date: datetime.date | None = None  # date of service asked about; today by default
    force: bool = False  # ask again even if answered earlier today


class EligibilityCheckOut(Schema):
    patient_id: int
    service_date: datetime.date
    messages: list[str]
    flagged: bool  # an inactive or missing coverage opened (or kept) a work item
    results: list[EligibilityResultOut]


def _out(inquiry: EligibilityInquiry) -> EligibilityResultOut:
    return EligibilityResultOut(
        id=inquiry.pk,
        patient_id=inquiry.patient_id,
        coverage_id=inquiry.coverage_id,
        payer=inquiry.payer.name,
        service_date=inquiry.service_date,
        asked_at=inquiry.created_at,
        status=inquiry.status,
        outcome=inquiry.outcome,
        problem=inquiry.problem,
        trace_number=inquiry.trace_number,
        plan_begin=inquiry.plan_begin,
        plan_end=inquiry.plan_end,
        plan_description=inquiry.plan_description,
        deductible_total=inquiry.deductible_total,
        deductible_met=inquiry.deductible_met,
        deductible_remaining=inquiry.deductible_remaining,
        out_of_pocket_total=inquiry.out_of_pocket_total,
        out_of_pocket_met=inquiry.out_of_pocket_met,
        out_of_pocket_remaining=inquiry.out_of_pocket_remaining,
        copay=inquiry.copay,
        coinsurance_percent=inquiry.coinsurance_percent,
        benefits=[
            BenefitOut(
                code=b.code,
                kind=b.kind,
                service_type=b.service_type,
                coverage_level=b.coverage_level,
                time_period=b.time_period,
                amount=b.amount,
                percent=b.percent,
                in_network=b.in_network,
                messages=b.messages,
            )
            for b in inquiry.benefits.all()
        ],
    )


@router.post(
    "/patients/{patient_id}/check", response=EligibilityCheckOut, summary="Check eligibility now"
)
def eligibility_check_route(
    request: HttpRequest, patient_id: int, params: Query[EligibilityCheckIn]
) -> EligibilityCheckOut:
    """Ask the payers now (one 270 per coverage level); ``date`` and ``force`` are query
    parameters, so the request has no body."""
    api_require(request, "eligibility.check")
    patient = get_object_or_404(
        Patient.objects.for_user(request.user).select_related("client"), pk=patient_id
    )
    day = params.date or timezone.localdate()
    checks = eligibility_check_patient(
        actor=request.actor,  # type: ignore[attr-defined]  # RequestActorMiddleware
        patient=patient,
        on_date=day,
        force=params.force,
    )
    audit_read(request, patient, via="api", detail="eligibility")
    ids = [c.inquiry.pk for c in checks if c.inquiry is not None]
    found = {i.pk: i for i in eligibility_results(user=request.user, patient_id=patient.pk)
             .filter(pk__in=ids)}  # fmt: skip
    return EligibilityCheckOut(
        patient_id=patient.pk,
        service_date=day,
        messages=[c.message for c in checks],
        flagged=any(c.work_item is not None for c in checks),
        results=[_out(found[i]) for i in ids if i in found],
    )


@router.get(
    "/patients/{patient_id}/results",
    response=list[EligibilityResultOut],
    summary="A patient's eligibility answers, newest first",
)
def eligibility_results_route(request: HttpRequest, patient_id: int) -> list[EligibilityResultOut]:
    api_require(request, "patient.view")
    patient = get_object_or_404(Patient.objects.for_user(request.user), pk=patient_id)
    audit_read(request, patient, via="api", detail="eligibility results")
    rows = eligibility_results(user=request.user, patient_id=patient.pk)[:RESULTS_LIMIT]
    return [_out(i) for i in rows]
