"""Patients API: search, and one patient with coverage (every read audited)."""

from __future__ import annotations

import datetime

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Schema

from openrcm.accounts.permissions import api_require
from openrcm.patients.models import Patient
from openrcm.patients.selectors import (
    patient_coverages,
    patient_search,
    patient_search_criteria,
    ssn_for_display,
)
from openrcm.privacy.services import audit_read

router = Router(tags=["patients"])


class PatientSearchIn(Schema):
    q: str = ""  # name ("Smith", "Smith, Jo"), account number, member ID or phone
    dob: str = ""  # date of birth, YYYY-MM-DD or MM/DD/YYYY
    phone: str = ""


class PatientSummaryOut(Schema):
    id: int
    account_number: str
    first_name: str
    middle_name: str
    last_name: str
    sex: str
    client_id: int
    client: str


class PatientSearchOut(Schema):
    total: int
    truncated: bool
    results: list[PatientSummaryOut]


class CoverageOut(Schema):
    id: int
    priority: str
    payer_id: int
    payer: str
    member_id: str
    group_number: str
    relationship: str
    effective_from: datetime.date
    effective_to: datetime.date | None
    state: str  # active, lapsed or future


class PatientDetailOut(Schema):
    id: int
    client_id: int
    client: str
    account_number: str
    first_name: str
    middle_name: str
    last_name: str
    date_of_birth: datetime.date
    sex: str
    ssn_masked: str  # ***-**-1234, empty for roles that do not need it
    street1: str
    street2: str
    city: str
    state: str
    zip_code: str
    phone: str
    email: str
    coverages: list[CoverageOut]


def _summary(p: Patient) -> PatientSummaryOut:
    return PatientSummaryOut(
        id=p.pk,
        account_number=p.account_number,
        first_name=p.first_name,
        middle_name=p.middle_name,
        last_name=p.last_name,
        sex=p.sex,
        client_id=p.client_id,
        client=p.client.short_name,
    )


@router.get("/", response=PatientSearchOut, summary="Find patients")
def patient_search_route(request: HttpRequest, params: Query[PatientSearchIn]) -> PatientSearchOut:
    api_require(request, "patient.view")
    criteria = patient_search_criteria(params.dict())
    result = patient_search(user=request.user, criteria=criteria)
    return PatientSearchOut(
        total=result.total,
        truncated=result.truncated,
        results=[_summary(p) for p in result.patients],
    )


@router.get("/{patient_id}", response=PatientDetailOut, summary="One patient with coverage")
def patient_detail_route(request: HttpRequest, patient_id: int) -> PatientDetailOut:
    api_require(request, "patient.view")
    patient = get_object_or_404(
        Patient.objects.for_user(request.user).select_related("client"), pk=patient_id
    )
    audit_read(request, patient, via="api")
    rows = patient_coverages(patient=patient, today=timezone.localdate())
    return PatientDetailOut(
        id=patient.pk,
        client_id=patient.client_id,
        client=patient.client.short_name,
        account_number=patient.account_number,
        first_name=patient.first_name,
        middle_name=patient.middle_name,
        last_name=patient.last_name,
        date_of_birth=patient.date_of_birth,
        sex=patient.sex,
        ssn_masked=ssn_for_display(request.user, patient),
        street1=patient.street1,
        street2=patient.street2,
        city=patient.city,
        state=patient.state,
        zip_code=patient.zip_code,
        phone=patient.phone,
        email=patient.email,
        coverages=[
            CoverageOut(
                id=row.coverage.pk,
                priority=row.coverage.priority,
                payer_id=row.coverage.payer_id,
                payer=row.coverage.payer.name,
                member_id=row.coverage.member_id,
                group_number=row.coverage.group_number,
                relationship=row.coverage.relationship,
                effective_from=row.coverage.effective_from,
                effective_to=row.coverage.effective_to,
                state=row.state,
            )
            for row in rows
        ],
    )
