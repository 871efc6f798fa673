"""Work list API: list work items, mark one done (scoped like every route)."""

from __future__ import annotations

import datetime

from django.http import HttpRequest
from ninja import Query, Router, Schema

from openrcm.accounts.permissions import api_require
from openrcm.workqueue.models import WorkItem
from openrcm.workqueue.selectors import work_item_filters, work_item_list
from openrcm.workqueue.services import work_item_close

router = Router(tags=["work list"])
API_LIMIT = 500


class WorkItemFiltersIn(Schema):
    client: str = ""
    kind: str = ""
    status: str = "open"  # open, done or all
    patient: str = ""


class WorkItemOut(Schema):
    id: int
    kind: str
    title: str
    details: str
    status: str
    client_id: int
    patient_id: int | None
    claim_id: int | None
    due_date: datetime.date | None
    opened_by: str
    created_at: datetime.datetime
    closed_at: datetime.datetime | None
    closed_by: str
    resolution: str


class WorkItemListOut(Schema):
    total: int
    truncated: bool
    results: list[WorkItemOut]


class WorkItemCloseIn(Schema):
    id: int
    resolution: str = ""


def _out(item: WorkItem) -> WorkItemOut:
    return WorkItemOut(
        id=item.pk,
        kind=item.kind,
        title=item.title,
        details=item.details,
        status=item.status,
        client_id=item.client_id,
        patient_id=item.patient_id,
        claim_id=item.claim_id,
        due_date=item.due_date,
        opened_by=item.opened_by,
        created_at=item.created_at,
        closed_at=item.closed_at,
        closed_by=item.closed_by,
        resolution=item.resolution,
    )


@router.get("/items", response=WorkItemListOut, summary="Work items (open by default)")
def work_item_list_route(request: HttpRequest, params: Query[WorkItemFiltersIn]) -> WorkItemListOut:
    api_require(request, "workitem.work")
    items = work_item_list(user=request.user, filters=work_item_filters(params.dict()))
    total = items.count()
    shown = list(items[:API_LIMIT])
    return WorkItemListOut(
        total=total, truncated=total > len(shown), results=[_out(i) for i in shown]
    )


@router.post("/items/close", response=WorkItemOut, summary="Mark a work item done")
def work_item_close_route(request: HttpRequest, body: WorkItemCloseIn) -> WorkItemOut:
    api_require(request, "workitem.work")
    item = work_item_close(
        actor=request.actor,  # type: ignore[attr-defined]  # RequestActorMiddleware
        item_id=body.id,
        user=request.user,
        resolution=body.resolution,
    )
    return _out(item)
