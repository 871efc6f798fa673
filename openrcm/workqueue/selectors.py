"""Reading work items, always through ``for_user`` (client scoping)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet

from openrcm.clients.models import Client
from openrcm.core.errors import ValidationFailed
from openrcm.core.inputs import parse_positive_int
from openrcm.workqueue.models import WorkItem, WorkItemKind, WorkItemStatus


@dataclass(frozen=True)
class WorkItemFilters:
    client_id: int | None = None
    kind: str = ""
    status: str = WorkItemStatus.OPEN
    patient_id: int | None = None

    def as_query(self) -> dict[str, str]:
        pairs = {
            "client": self.client_id,
            "kind": self.kind,
            "status": self.status,
            "patient": self.patient_id,
        }
        return {k: str(v) for k, v in pairs.items() if v}


def work_item_filters(params: Mapping[str, Any]) -> WorkItemFilters:
    """Filters from query parameters; every bad value named in one ValidationFailed."""
    problems: list[tuple[str, str]] = []
    ids: dict[str, int | None] = {}
    for name in ("client", "patient"):
        raw = str(params.get(name) or "").strip()
        ids[name] = parse_positive_int(raw)
        if raw and ids[name] is None:
            problems.append((name, f"{raw!r} is not a {name} id"))
    kind = str(params.get("kind") or "").strip()
    if kind and kind not in WorkItemKind.values:
        problems.append(("kind", f"{kind!r} is not a kind ({', '.join(WorkItemKind.values)})"))
    status = str(params.get("status") or WorkItemStatus.OPEN).strip()
    if status not in (*WorkItemStatus.values, "all"):
        problems.append(("status", f"{status!r} is not open, done or all"))
    if problems:
        raise ValidationFailed(problems)
    return WorkItemFilters(
        client_id=ids["client"], kind=kind, status=status, patient_id=ids["patient"]
    )


def work_item_list(*, user: Any, filters: WorkItemFilters) -> QuerySet[WorkItem]:
    items = WorkItem.objects.for_user(user).select_related("client", "patient", "claim", "owner")
    if filters.client_id:
        items = items.filter(client_id=filters.client_id)
    if filters.kind:
        items = items.filter(kind=filters.kind)
    if filters.status != "all":
        items = items.filter(status=filters.status)
    if filters.patient_id:
        items = items.filter(patient_id=filters.patient_id)
    return items.order_by("status", "due_date", "pk")


def work_item_counts(*, user: Any, filters: WorkItemFilters) -> dict[str, int]:
    """Open items by kind (for the filter links), within the client filter."""
    items = WorkItem.objects.for_user(user).filter(status=WorkItemStatus.OPEN)
    if filters.client_id:
        items = items.filter(client_id=filters.client_id)
    return dict(items.values_list("kind").annotate(n=Count("pk")).order_by())


def work_item_clients(*, user: Any) -> QuerySet[Client]:
    return Client.objects.for_user(user).order_by("short_name")


def open_work_items_for_patient(*, patient: Any) -> list[WorkItem]:
    """``patient`` must come from a scoped queryset: its items belong to its practice."""
    return list(WorkItem.objects.filter(patient=patient, status=WorkItemStatus.OPEN).order_by("pk"))
