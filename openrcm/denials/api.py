"""Denials API: the work queue (filter, sort), one denial, its actions, bulk actions, the
appeal letter and decision, underpayments and the analytics. Scoped like the pages."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, Literal

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import ValidationError as PydanticValidationError

from openrcm.accounts.models import User
from openrcm.accounts.permissions import api_require
from openrcm.core.middleware import request_actor
from openrcm.denials import services
from openrcm.denials.models import DenialItem
from openrcm.denials.selectors import (
    SORTS,
    Analytics,
    QueueFilter,
    RateRow,
    appeal_list,
    denial_analytics,
    denial_detail,
    denial_queue,
    underpayment_list,
)
from openrcm.privacy.models import AuditAction
from openrcm.privacy.services import audit_read, audit_record

router = Router(tags=["denials"])
MAX_PAGE_SIZE = 200


class DenialOut(Schema):
    id: int
    client_id: int
    claim_id: int
    claim_number: str
    claim_line_id: int | None
    line_number: int
    payer_id: int
    payer_name: str
    group_code: str
    carc: str
    carcs: list[str]
    rarcs: list[str]
    amount: Decimal
    fully_denied: bool
    category: str
    recommended_action: str
    recommendation: str
    patient_billable: bool
    owner: str | None
    era_date: datetime.date
    deadline: datetime.date
    status: str
    resolution: str
    write_off_pending: bool
    corrected_claim_id: int | None


class DenialListOut(Schema):
    count: int
    page: int
    pages: int
    results: list[DenialOut]


class HistoryOut(Schema):
    at: datetime.datetime
    actor: str
    from_status: str
    to_status: str
    reason: str


class AppealOut(Schema):
    id: int
    level: int
    reason: str
    sent_on: datetime.date | None
    due_on: datetime.date
    decision_due_on: datetime.date | None
    decided_on: datetime.date | None
    outcome: str
    outcome_note: str
    letter_name: str


class DenialDetailOut(DenialOut):
    history: list[HistoryOut]
    appeals: list[AppealOut]


class ActionIn(Schema):
    action: Literal[
        "start",
        "correct",
        "appeal",
        "write_off",
        "approve",
        "refuse",
        "transfer",
        "close",
        "reopen",
    ]
    reason: str = ""
    sent_on: datetime.date | None = None
    payer_claim_number: str = ""


class ActionOut(Schema):
    denial: DenialOut
    message: str
    corrected_claim_id: int | None = None
    appeal_id: int | None = None


class BulkIn(Schema):
    action: Literal["assign", "write_off"]
    ids: list[int]
    owner_id: int | None = None
    reason: str = ""


class BulkOut(Schema):
    changed: int
    message: str


class DecisionIn(Schema):
    outcome: Literal["overturned", "partially_overturned", "upheld", "withdrawn"]
    decided_on: datetime.date
    note: str = ""


class UnderpaymentOut(Schema):
    id: int
    client_id: int
    claim_id: int
    claim_line_id: int
    payer_id: int
    procedure_code: str
    modifier: str
    expected: Decimal
    allowed: Decimal
    paid: Decimal
    shortfall: Decimal
    tolerance: Decimal
    status: str
    note: str


class UnderpaymentStatusIn(Schema):
    status: Literal["open", "disputed", "recovered", "accepted"]
    note: str = ""


class RateRowOut(Schema):
    key: str
    adjudicated: int
    denied_claims: int
    rate: Decimal
    denials: int
    denied_amount: Decimal


class AnalyticsOut(Schema):
    total: RateRowOut
    by_payer: list[RateRowOut]
    by_client: list[RateRowOut]
    by_provider: list[RateRowOut]
    by_month: list[RateRowOut]
    by_category: list[RateRowOut]


class QueueQuery(Schema):
    client_id: int | None = None
    payer_id: int | None = None
    category: str = ""
    owner: str = ""
    status: str = "active"
    sort: str = "deadline"
    page: int = 1
    page_size: int = 50


def _json_body(schema: Any) -> dict[str, Any]:
    """The OpenAPI body of a handler that parses its body itself, after the permission
    and the row are checked (so another practice's row is a 404 whatever the body)."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema.model_json_schema()}},
        }
    }


def _parse(request: HttpRequest, schema: Any) -> Any:
    try:
        return schema.model_validate_json(request.body or b"{}")
    except PydanticValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
        )
        raise HttpError(422, f"The request body is not what this route takes: {problems}") from exc


def _denial(i: DenialItem) -> DenialOut:
    return DenialOut(
        id=i.pk,
        client_id=i.client_id,
        claim_id=i.claim_id,
        claim_number=i.claim.patient_control_number,
        claim_line_id=i.claim_line_id,
        line_number=i.line_number,
        payer_id=i.payer_id,
        payer_name=i.payer.name,
        group_code=i.group_code,
        carc=i.carc,
        carcs=list(i.carcs),
        rarcs=list(i.rarcs),
        amount=i.amount,
        fully_denied=i.fully_denied,
        category=i.category,
        recommended_action=i.recommended_action,
        recommendation=i.recommendation,
        patient_billable=i.patient_billable,
        owner=i.owner.get_username() if i.owner else None,
        era_date=i.era_date,
        deadline=i.deadline,
        status=i.status,
        resolution=i.resolution,
        write_off_pending=i.write_off_pending,
        corrected_claim_id=i.corrected_claim_id,
    )


def _rate(r: RateRow) -> RateRowOut:
    return RateRowOut(
        key=r.key,
        adjudicated=r.adjudicated,
        denied_claims=r.denied_claims,
        rate=r.rate,
        denials=r.denials,
        denied_amount=r.denied_amount,
    )


def _appeal(a: Any) -> AppealOut:
    return AppealOut(**{name: getattr(a, name) for name in AppealOut.model_fields})


@router.get("/", response=DenialListOut, summary="The denial work queue (filter and sort)")
def denial_list_route(request: HttpRequest, q: Query[QueueQuery]) -> DenialListOut:
    api_require(request, "denial.work")
    if q.sort not in SORTS:
        raise HttpError(422, f"sort must be one of {list(SORTS)}")
    filters = QueueFilter(
        client_id=q.client_id,
        payer_id=q.payer_id,
        category=q.category,
        owner=q.owner,
        status=q.status,
        sort=q.sort,
    )
    size = min(max(q.page_size, 1), MAX_PAGE_SIZE)
    found = Paginator(denial_queue(user=request.user, filters=filters), size).get_page(q.page)
    return DenialListOut(
        count=found.paginator.count,
        page=found.number,
        pages=found.paginator.num_pages,
        results=[_denial(i) for i in found.object_list],
    )


@router.post(
    "/bulk",
    response=BulkOut,
    summary="Assign or write off many denials",
    openapi_extra=_json_body(BulkIn),
)
def denial_bulk_route(request: HttpRequest) -> BulkOut:
    api_require(request, "denial.work")
    data: BulkIn = _parse(request, BulkIn)
    items = list(denial_detail(user=request.user).filter(pk__in=data.ids))
    if len(items) != len(set(data.ids)):
        raise HttpError(404, "Some of these denials do not exist.")
    actor = request_actor(request)
    if data.action == "assign":
        owner = None
        if data.owner_id is not None:
            owner = User.objects.filter(pk=data.owner_id).first()
            if owner is None:
                raise HttpError(422, f"user {data.owner_id} does not exist")
        n = services.denials_assign(actor=actor, items=items, owner=owner)
        return BulkOut(changed=n, message=f"{n} denial(s) assigned")
    done = services.denials_bulk_write_off(actor=actor, items=items, reason=data.reason)
    return BulkOut(changed=len(done), message=f"{len(done)} denial(s) written off")


@router.get("/underpayments/", response=list[UnderpaymentOut], summary="Underpayments")
def underpayment_list_route(
    request: HttpRequest, include_closed: bool = False
) -> list[UnderpaymentOut]:
    api_require(request, "denial.work")
    return [
        UnderpaymentOut(**{name: getattr(u, name) for name in UnderpaymentOut.model_fields})
        for u in underpayment_list(user=request.user, open_only=not include_closed)
    ]


@router.post(
    "/underpayments/{underpayment_id}/status",
    response=UnderpaymentOut,
    summary="Dispute, recover or accept an underpayment",
    openapi_extra=_json_body(UnderpaymentStatusIn),
)
def underpayment_status_route(request: HttpRequest, underpayment_id: int) -> UnderpaymentOut:
    api_require(request, "denial.work")
    item = get_object_or_404(
        underpayment_list(user=request.user, open_only=False), pk=underpayment_id
    )
    data: UnderpaymentStatusIn = _parse(request, UnderpaymentStatusIn)
    done = services.underpayment_set_status(
        actor=request_actor(request), item=item, status=data.status, note=data.note
    )
    return UnderpaymentOut(**{name: getattr(done, name) for name in UnderpaymentOut.model_fields})


@router.get("/analytics", response=AnalyticsOut, summary="Denial rates and amounts")
def denial_analytics_route(
    request: HttpRequest,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    client_id: int | None = None,
) -> AnalyticsOut:
    api_require(request, "denial.work")
    a: Analytics = denial_analytics(
        user=request.user, date_from=date_from, date_to=date_to, client_id=client_id
    )
    return AnalyticsOut(
        total=_rate(a.total),
        by_payer=[_rate(r) for r in a.by_payer],
        by_client=[_rate(r) for r in a.by_client],
        by_provider=[_rate(r) for r in a.by_provider],
        by_month=[_rate(r) for r in a.by_month],
        by_category=[_rate(r) for r in a.by_category],
    )


@router.get("/appeals/{appeal_id}/letter", summary="An appeal's letter (PDF)")
def appeal_letter_route(request: HttpRequest, appeal_id: int) -> HttpResponse:
    api_require(request, "denial.work")
    appeal = get_object_or_404(appeal_list(user=request.user), pk=appeal_id)
    audit_record(
        actor=request_actor(request),
        action=AuditAction.EXPORT,
        obj=appeal.claim.patient,
        client_id=appeal.client_id,
        detail=f"appeal letter {appeal.pk} (PDF, api)",
    )
    response = HttpResponse(bytes(appeal.letter_pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{appeal.letter_name}"'
    return response


@router.post(
    "/appeals/{appeal_id}/decision",
    response=AppealOut,
    summary="The payer's decision",
    openapi_extra=_json_body(DecisionIn),
)
def appeal_decision_route(request: HttpRequest, appeal_id: int) -> AppealOut:
    api_require(request, "denial.work")
    appeal = get_object_or_404(appeal_list(user=request.user), pk=appeal_id)
    data: DecisionIn = _parse(request, DecisionIn)
    done = services.appeal_record_decision(
        actor=request_actor(request),
        appeal=appeal,
        outcome=data.outcome,
        decided_on=data.decided_on,
        note=data.note,
    )
    return _appeal(done)


@router.get("/{denial_id}", response=DenialDetailOut, summary="One denial with its history")
def denial_detail_route(request: HttpRequest, denial_id: int) -> DenialDetailOut:
    api_require(request, "denial.work")
    item = get_object_or_404(denial_detail(user=request.user), pk=denial_id)
    audit_read(request, item.claim.patient, via="api", detail=f"denial {item.pk}")
    return DenialDetailOut(
        **_denial(item).model_dump(),
        history=[
            HistoryOut(**{n: getattr(h, n) for n in HistoryOut.model_fields})
            for h in item.history.all()
        ],
        appeals=[_appeal(a) for a in item.appeals.all()],
    )


@router.post(
    "/{denial_id}/actions",
    response=ActionOut,
    summary="Act on a denial",
    openapi_extra=_json_body(ActionIn),
)
def denial_action_route(request: HttpRequest, denial_id: int) -> ActionOut:
    api_require(request, "denial.work")
    item = get_object_or_404(denial_detail(user=request.user), pk=denial_id)
    data: ActionIn = _parse(request, ActionIn)
    actor = request_actor(request)
    result = ActionOut(denial=_denial(item), message="")
    if data.action == "start":
        services.denial_start(actor=actor, item=item)
        result.message = "work started"
    elif data.action == "correct":
        claim = services.denial_correct_and_resubmit(
            actor=actor,
            item=item,
            reason=data.reason,
            payer_claim_number=data.payer_claim_number,
        )
        result.corrected_claim_id = claim.pk
        result.message = f"replacement claim {claim.patient_control_number} made"
    elif data.action == "appeal":
        appeal = services.denial_appeal(
            actor=actor, items=[item], reason=data.reason, sent_on=data.sent_on
        )
        result.appeal_id = appeal.pk
        result.message = f"level {appeal.level} appeal made"
    elif data.action == "write_off":
        done = services.denial_write_off(actor=actor, item=item, reason=data.reason)
        result.message = "written off" if done.resolution else "write-off waits for approval"
    elif data.action == "approve":
        services.denial_write_off_approve(actor=actor, item=item)
        result.message = "write-off approved"
    elif data.action == "refuse":
        services.denial_write_off_refuse(actor=actor, item=item, reason=data.reason)
        result.message = "write-off refused"
    elif data.action == "transfer":
        services.denial_transfer_to_patient(actor=actor, item=item, reason=data.reason)
        result.message = "moved to the patient"
    elif data.action == "close":
        services.denial_close(actor=actor, item=item, reason=data.reason)
        result.message = "closed"
    else:
        services.denial_reopen(actor=actor, item=item, reason=data.reason)
        result.message = "reopened"
    result.denial = _denial(denial_detail(user=request.user).get(pk=item.pk))
    return result
