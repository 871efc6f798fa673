"""Claims API: the filtered, paginated list with counts; one claim with its lines, scrub
findings, history, batches, files and acknowledgements; the claim actions (scrub, hold,
release, correct, void); batches; file downloads; the rejection work list.

Every read goes through ``for_user``: another practice's claim, batch or file is a 404,
like one that does not exist. File downloads are written to the audit trail as exports.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from pydantic import ValidationError as PydanticValidationError

from openrcm.accounts.permissions import api_require
from openrcm.claims.actions import claim_action_run, claim_actions_for
from openrcm.claims.exchange_selectors import (
    batch_files,
    batch_filters,
    batch_list,
    batch_status_counts,
    batches_with_detail,
    exchanged_file_open,
    rejection_claims,
    rejection_filters,
    rejection_rows,
)
from openrcm.claims.models import Claim, ClaimBatch, ExchangedFile
from openrcm.claims.selectors import (
    claim_age_counts,
    claim_error_count,
    claim_filters,
    claim_list,
    claim_record,
    claim_status_counts,
    claims_with_detail,
    with_finding_counts,
)
from openrcm.core.errors import ValidationFailed
from openrcm.core.middleware import request_actor
from openrcm.privacy.services import audit_read

router = Router(tags=["claims"])
MAX_PAGE_SIZE = 200


def _actor(request: HttpRequest) -> Any:
    return getattr(request, "actor", None) or request_actor(request)


def _page_size(size: int) -> int:
    return min(max(size, 1), MAX_PAGE_SIZE)


# --- schemas -------------------------------------------------------------------------------


class ClaimListIn(Schema):
    status: str = ""
    client: str = ""  # client id
    payer: str = ""  # payer id
    provider: str = ""  # rendering provider id
    service_from: str = ""  # date of service from, YYYY-MM-DD
    service_to: str = ""  # date of service to (included)
    q: str = ""  # claim number (patient control number)
    age: str = ""  # age bucket in days: 0-30, 31-60, 61-90, 91-120, 121+
    age_by: str = ""  # count the age from "service" (default) or "created"
    scrub_errors: str = ""  # "yes": only claims whose last scrub found errors; "no": none
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


class ClaimListRowOut(ClaimSummaryOut):
    error_count: int
    warning_count: int


class StatusCountOut(Schema):
    status: str
    count: int
    total_charge: Decimal


class AgeCountOut(Schema):
    bucket: str
    count: int


class ClaimListOut(Schema):
    count: int
    page: int
    pages: int
    page_size: int
    counts_by_status: list[StatusCountOut]
    counts_by_age: list[AgeCountOut]
    with_scrub_errors: int
    results: list[ClaimListRowOut]


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


class FindingOut(Schema):
    rule_id: str
    severity: str
    message: str
    hint: str
    line: int | None


class FileOut(Schema):
    id: int
    name: str
    kind: str
    direction: str
    clearinghouse: str
    size: int
    sha256: str
    at: datetime.datetime
    batch_id: int | None
    download_url: str


class BatchSummaryOut(Schema):
    id: int
    reference: str
    client_id: int
    payer_id: int
    payer: str
    clearinghouse: str
    interchange_control_number: int
    group_control_number: int
    status: str
    accepted: bool | None
    submission_id: str
    submitted_at: datetime.datetime | None
    acknowledged_at: datetime.datetime | None
    claim_count: int
    total_charge: Decimal


class AcknowledgementOut(Schema):
    kind: str
    accepted: bool
    status_codes: str
    reason: str  # the codes in words
    received_at: datetime.datetime
    file_id: int | None  # None when the file is not one the user may open


class ClaimDetailOut(ClaimSummaryOut):
    frequency_code: str
    payer_claim_number: str
    original_claim_id: int | None
    encounter_id: int
    place_of_service: str
    diagnoses: list[str]
    lines: list[ClaimLineOut]
    history: list[StatusChangeOut]
    findings: list[FindingOut]
    batches: list[BatchSummaryOut]
    files: list[FileOut]
    acknowledgements: list[AcknowledgementOut]
    corrections: list[int]
    allowed_actions: list[str]  # what this user may do now: rescrub, release, hold, ...


class ReasonIn(Schema):
    reason: str = ""
    payer_claim_number: str = ""  # for correct / void of a claim the payer has


class ClaimActionOut(Schema):
    message: str
    claim: ClaimDetailOut
    new_claim_id: int | None  # the replacement (7) or void (8) claim, when one was made


class BatchListIn(Schema):
    status: str = ""
    clearinghouse: str = ""
    payer: str = ""
    client: str = ""
    q: str = ""  # batch reference or submission id
    page: int = 1
    page_size: int = 50


class BatchStatusCountOut(Schema):
    status: str
    count: int
    claim_count: int
    total_charge: Decimal


class BatchListOut(Schema):
    count: int
    page: int
    pages: int
    page_size: int
    counts_by_status: list[BatchStatusCountOut]
    results: list[BatchSummaryOut]


class BatchClaimOut(Schema):
    id: int
    patient_control_number: str
    status: str
    total_charge: Decimal


class BatchDetailOut(BatchSummaryOut):
    submission_key: str
    file_sha256: str
    created_at: datetime.datetime
    claims: list[BatchClaimOut]
    files: list[FileOut]


class RejectionListIn(Schema):
    client: str = ""
    payer: str = ""
    source: str = ""  # 999 or 277CA
    q: str = ""
    page: int = 1
    page_size: int = 50


class RejectionOut(Schema):
    claim_id: int
    patient_control_number: str
    client_id: int
    payer_id: int
    payer: str
    patient_name: str
    date_of_service: datetime.date
    total_charge: Decimal
    source: str
    status_codes: str
    reason: str
    received_at: datetime.datetime | None


class RejectionListOut(Schema):
    count: int
    page: int
    pages: int
    page_size: int
    results: list[RejectionOut]


# --- building the answers ------------------------------------------------------------------


def _summary_fields(claim: Claim) -> dict[str, Any]:
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


def _file_out(file: ExchangedFile) -> FileOut:
    return FileOut(
        id=file.pk,
        name=file.name,
        kind=file.kind,
        direction=file.direction,
        clearinghouse=file.clearinghouse,
        size=file.size,
        sha256=file.sha256,
        at=file.at,
        batch_id=file.batch_id,
        download_url=f"/api/claims/files/{file.pk}",
    )


def _batch_fields(batch: ClaimBatch) -> dict[str, Any]:
    return {
        "id": batch.pk,
        "reference": batch.reference,
        "client_id": batch.client_id,
        "payer_id": batch.payer_id,
        "payer": batch.payer.name,
        "clearinghouse": batch.clearinghouse,
        "interchange_control_number": batch.interchange_control_number,
        "group_control_number": batch.group_control_number,
        "status": batch.status,
        "accepted": batch.accepted,
        "submission_id": batch.submission_id,
        "submitted_at": batch.submitted_at,
        "acknowledged_at": batch.acknowledged_at,
        "claim_count": batch.claim_count,
        "total_charge": batch.total_charge,
    }


def _claim_detail(request: HttpRequest, claim: Claim) -> ClaimDetailOut:
    record = claim_record(user=request.user, claim=claim)
    return ClaimDetailOut(
        **_summary_fields(claim),
        frequency_code=claim.frequency_code,
        payer_claim_number=claim.payer_claim_number,
        original_claim_id=claim.original_claim_id,
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
        findings=[
            FindingOut(
                rule_id=f.rule_id, severity=f.severity, message=f.message, hint=f.hint, line=f.line
            )
            for f in record.findings
        ],
        batches=[BatchSummaryOut(**_batch_fields(b)) for b in record.batches],
        files=[_file_out(f) for f in record.files],
        acknowledgements=[
            AcknowledgementOut(
                kind=r.kind,
                accepted=r.accepted,
                status_codes=r.status_codes,
                reason=r.reason,
                received_at=r.received_at,
                file_id=r.exchanged_file_id if getattr(r, "file_visible", False) else None,
            )
            for r in record.responses
        ],
        corrections=[c.pk for c in record.corrections],
        allowed_actions=[a.name for a in claim_actions_for(request.user, claim)],
    )


# --- batches, files and rejections (before /{claim_id}: fixed paths first) -----------------


@router.get("/batches/", response=BatchListOut, summary="837P batches, filtered and paginated")
def batch_list_route(request: HttpRequest, params: Query[BatchListIn]) -> BatchListOut:
    api_require(request, "claim.view")
    filters = batch_filters(params.dict())
    size = _page_size(params.page_size)
    page = Paginator(batch_list(user=request.user, filters=filters), size).get_page(params.page)
    return BatchListOut(
        count=page.paginator.count,
        page=page.number,
        pages=page.paginator.num_pages,
        page_size=size,
        counts_by_status=[
            BatchStatusCountOut(
                status=c.status,
                count=c.count,
                claim_count=c.claim_count,
                total_charge=c.total_charge,
            )
            for c in batch_status_counts(user=request.user, filters=filters)
        ],
        results=[BatchSummaryOut(**_batch_fields(b)) for b in page.object_list],
    )


@router.get(
    "/batches/{batch_id}",
    response=BatchDetailOut,
    summary="One batch: claims, control numbers, files",
)
def batch_detail_route(request: HttpRequest, batch_id: int) -> BatchDetailOut:
    api_require(request, "claim.view")
    batch = get_object_or_404(batches_with_detail(user=request.user), pk=batch_id)
    audit_read(request, batch, via="api", detail=f"batch {batch.reference}")
    return BatchDetailOut(
        **_batch_fields(batch),
        submission_key=batch.submission_key,
        file_sha256=batch.file_sha256,
        created_at=batch.created_at,
        claims=[
            BatchClaimOut(
                id=item.claim.pk,
                patient_control_number=item.claim.patient_control_number,
                status=item.claim.status,
                total_charge=item.claim.total_charge,
            )
            for item in batch.items.all()
        ],
        files=[_file_out(f) for f in batch_files(user=request.user, batch=batch)],
    )


@router.get(
    "/files/{file_id}",
    summary="Download a file sent or received (as it was); audited as an export",
    response={200: None},
)
def file_download_route(request: HttpRequest, file_id: int) -> FileResponse:
    api_require(request, "claim.view")
    found, handle = exchanged_file_open(request.user, file_id, actor=_actor(request))
    response = FileResponse(
        handle, as_attachment=True, filename=found.name, content_type="application/edi-x12"
    )
    response["Cache-Control"] = "no-store"
    return response


@router.get(
    "/rejections/",
    response=RejectionListOut,
    summary="Rejected claims (999/277CA), the longest waiting first, with the reason in words",
)
def rejection_list_route(request: HttpRequest, params: Query[RejectionListIn]) -> RejectionListOut:
    api_require(request, "claim.view")
    filters = rejection_filters(params.dict())
    size = _page_size(params.page_size)
    page = Paginator(rejection_claims(user=request.user, filters=filters), size).get_page(
        params.page
    )
    return RejectionListOut(
        count=page.paginator.count,
        page=page.number,
        pages=page.paginator.num_pages,
        page_size=size,
        results=[
            RejectionOut(
                claim_id=row.claim.pk,
                patient_control_number=row.claim.patient_control_number,
                client_id=row.claim.client_id,
                payer_id=row.claim.payer_id,
                payer=row.claim.payer.name,
                patient_name=f"{row.claim.patient.last_name}, {row.claim.patient.first_name}",
                date_of_service=row.claim.encounter.date_of_service,
                total_charge=row.claim.total_charge,
                source=row.source,
                status_codes=row.status_codes,
                reason=row.reason,
                received_at=row.received_at,
            )
            for row in rejection_rows(page.object_list)
        ],
    )


# --- claims ----------------------------------------------------------------------------------


@router.get("/", response=ClaimListOut, summary="Claims, filtered and paginated, with counts")
def claim_list_route(request: HttpRequest, params: Query[ClaimListIn]) -> ClaimListOut:
    api_require(request, "claim.view")
    raw = params.dict()
    filters = claim_filters(
        {**raw, "from": raw["service_from"], "to": raw["service_to"], "errors": raw["scrub_errors"]}
    )
    size = _page_size(params.page_size)
    claims = with_finding_counts(claim_list(user=request.user, filters=filters))
    page = Paginator(claims, size).get_page(params.page)
    return ClaimListOut(
        count=page.paginator.count,
        page=page.number,
        pages=page.paginator.num_pages,
        page_size=size,
        counts_by_status=[
            StatusCountOut(status=c.status, count=c.count, total_charge=c.total_charge)
            for c in claim_status_counts(user=request.user, filters=filters)
        ],
        counts_by_age=[
            AgeCountOut(bucket=c.bucket, count=c.count)
            for c in claim_age_counts(user=request.user, filters=filters)
        ],
        with_scrub_errors=claim_error_count(user=request.user, filters=filters),
        results=[
            ClaimListRowOut(
                **_summary_fields(c),
                error_count=c.error_count,  # annotated by with_finding_counts
                warning_count=c.warning_count,  # annotated by with_finding_counts
            )
            for c in page.object_list
        ],
    )


@router.get(
    "/{claim_id}",
    response=ClaimDetailOut,
    summary="One claim: lines, findings, history, batches, files, acknowledgements",
)
def claim_detail_route(request: HttpRequest, claim_id: int) -> ClaimDetailOut:
    api_require(request, "claim.view")
    claim = get_object_or_404(claims_with_detail(user=request.user), pk=claim_id)
    audit_read(request, claim, via="api")
    return _claim_detail(request, claim)


def _reason_in(request: HttpRequest) -> ReasonIn:
    """The body (JSON, or form fields; may be empty), read after the claim was found: a
    claim the user may not see is a 404 whatever the body says."""
    if request.content_type != "application/json":
        return ReasonIn(
            reason=request.POST.get("reason", ""),
            payer_claim_number=request.POST.get("payer_claim_number", ""),
        )
    raw = request.body.strip()
    if not raw:
        return ReasonIn()
    try:
        return ReasonIn.model_validate_json(raw)
    except PydanticValidationError as exc:
        raise ValidationFailed(
            [(".".join(str(p) for p in e["loc"]) or "body", e["msg"]) for e in exc.errors()]
        ) from exc


# Documented here, read by ``_reason_in`` (not parsed by ninja before the handler runs).
REASON_BODY = {
    "requestBody": {
        "required": False,
        "content": {"application/json": {"schema": ReasonIn.model_json_schema()}},
    }
}


def _act(request: HttpRequest, claim_id: int, name: str) -> ClaimActionOut:
    api_require(request, "claim.view")
    claim = get_object_or_404(claims_with_detail(user=request.user), pk=claim_id)
    data = _reason_in(request)
    result = claim_action_run(
        actor=_actor(request),
        claim=claim,
        name=name,
        reason=data.reason,
        payer_claim_number=data.payer_claim_number.strip(),
    )
    fresh = get_object_or_404(claims_with_detail(user=request.user), pk=claim_id)
    return ClaimActionOut(
        message=result.message,
        claim=_claim_detail(request, fresh),
        new_claim_id=result.new_claim.pk if result.new_claim else None,
    )


@router.post(
    "/{claim_id}/scrub",
    response=ClaimActionOut,
    summary="Scrub a draft, held or rejected claim again (ready when clean, else held)",
)
def claim_scrub_route(request: HttpRequest, claim_id: int) -> ClaimActionOut:
    return _act(request, claim_id, "rescrub")


@router.post(
    "/{claim_id}/release",
    response=ClaimActionOut,
    summary="Release a held claim: scrub it again; ready only when clean",
)
def claim_release_route(request: HttpRequest, claim_id: int) -> ClaimActionOut:
    return _act(request, claim_id, "release")


@router.post(
    "/{claim_id}/hold",
    response=ClaimActionOut,
    summary="Hold a claim by hand, with the reason",
    openapi_extra=REASON_BODY,
)
def claim_hold_route(request: HttpRequest, claim_id: int) -> ClaimActionOut:
    return _act(request, claim_id, "hold")


@router.post(
    "/{claim_id}/correct",
    response=ClaimActionOut,
    summary="Make a corrected claim (frequency 7) of a claim the payer has",
    openapi_extra=REASON_BODY,
)
def claim_correct_route(request: HttpRequest, claim_id: int) -> ClaimActionOut:
    return _act(request, claim_id, "correct")


@router.post(
    "/{claim_id}/void",
    response=ClaimActionOut,
    summary="Void a claim (a frequency 8 claim when the payer has it)",
    openapi_extra=REASON_BODY,
)
def claim_void_route(request: HttpRequest, claim_id: int) -> ClaimActionOut:
    return _act(request, claim_id, "void")
