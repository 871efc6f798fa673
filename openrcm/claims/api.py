"""Claims API: the filtered, paginated list with counts, and one claim with its lines."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.paginator import Paginator
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema

from openrcm.accounts.permissions import api_require
from openrcm.claims.models import Claim
from openrcm.claims.selectors import (
    claim_filters,
    claim_list,
    claim_status_counts,
    claims_with_detail,
)
from openrcm.privacy.services import audit_read

router = Router(tags=["claims"])
MAX_PAGE_SIZE = 200


class ClaimListIn(Schema):
    status: str = ""
    client: str = ""  # client id
    payer: str = ""  # payer id
    provider: str = ""  # rendering provider id
    service_from: str = ""  # date of service from, YYYY-MM-DD
    service_to: str = ""  # date of service to (included)
    q: str = ""  # claim number (patient control number)
    page: int = 1
    page_size: int = 50


class ClaimSummaryOut(Schema):
    id: int
    patient_control_number: str
    status: str
    client_id: int
    patient_id: int
    patient_name: str
    payer_id: int
    payer: str
    coverage_level: str
    date_of_service: datetime.date
    rendering_provider_id: int
    total_charge: Decimal


class StatusCountOut(Schema):
    status: str
    count: int
    total_charge: Decimal


class ClaimListOut(Schema):
    count: int
    page: int
    pages: int
    page_size: int
    counts_by_status: list[StatusCountOut]
    results: list[ClaimSummaryOut]


class ClaimLineOut(Schema):
    line_number: int
    procedure_code: str
    modifiers: list[str]
    units: Decimal
    charge_amount: Decimal
    diagnosis_pointers: list[int]
    line_item_control_number: str


class StatusChangeOut(Schema):
    at: datetime.datetime
    from_status: str
    to_status: str
    actor: str
    reason: str


class ClaimDetailOut(ClaimSummaryOut):
    frequency_code: str
    payer_claim_number: str
    encounter_id: int
    place_of_service: str
    diagnoses: list[str]
    lines: list[ClaimLineOut]
    history: list[StatusChangeOut]


def _summary_fields(claim: Claim) -> dict[str, object]:
    return {
        "id": claim.pk,
        "patient_control_number": claim.patient_control_number,
        "status": claim.status,
        "client_id": claim.client_id,
        "patient_id": claim.patient_id,
        "patient_name": f"{claim.patient.last_name}, {claim.patient.first_name}",
        "payer_id": claim.payer_id,
        "payer": claim.payer.name,
        "coverage_level": claim.coverage_level,
        "date_of_service": claim.encounter.date_of_service,
        "rendering_provider_id": claim.encounter.rendering_provider_id,
        "total_charge": claim.total_charge,
    }


@router.get("/", response=ClaimListOut, summary="Claims, filtered and paginated")
def claim_list_route(request: HttpRequest, params: Query[ClaimListIn]) -> ClaimListOut:
    api_require(request, "claim.view")
    raw = params.dict()
    filters = claim_filters({**raw, "from": raw["service_from"], "to": raw["service_to"]})
    size = min(max(params.page_size, 1), MAX_PAGE_SIZE)
    page = Paginator(claim_list(user=request.user, filters=filters), size).get_page(params.page)
    return ClaimListOut(
        count=page.paginator.count,
        page=page.number,
        pages=page.paginator.num_pages,
        page_size=size,
        counts_by_status=[
            StatusCountOut(status=c.status, count=c.count, total_charge=c.total_charge)
            for c in claim_status_counts(user=request.user, filters=filters)
        ],
        results=[ClaimSummaryOut(**_summary_fields(c)) for c in page.object_list],  # type: ignore[arg-type]  # pydantic validates
    )


@router.get("/{claim_id}", response=ClaimDetailOut, summary="One claim with lines and history")
def claim_detail_route(request: HttpRequest, claim_id: int) -> ClaimDetailOut:
    api_require(request, "claim.view")
    claim = get_object_or_404(claims_with_detail(user=request.user), pk=claim_id)
    audit_read(request, claim, via="api")
    return ClaimDetailOut(
        **_summary_fields(claim),  # type: ignore[arg-type]  # pydantic validates
        frequency_code=claim.frequency_code,
        payer_claim_number=claim.payer_claim_number,
        encounter_id=claim.encounter_id,
        place_of_service=claim.encounter.place_of_service,
        diagnoses=[dx.code for dx in claim.encounter.diagnoses.all()],
        lines=[
            ClaimLineOut(
                line_number=line.line_number,
                procedure_code=line.procedure_code,
                modifiers=line.modifiers,
                units=line.units,
                charge_amount=line.charge_amount,
                diagnosis_pointers=line.diagnosis_pointers,
                line_item_control_number=line.line_item_control_number,
            )
            for line in claim.lines.all()
        ],
        history=[
            StatusChangeOut(
                at=h.at,
                from_status=h.from_status,
                to_status=h.to_status,
                actor=h.actor,
                reason=h.reason,
            )
            for h in claim.history.all()
        ],
    )
