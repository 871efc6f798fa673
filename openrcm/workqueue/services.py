"""Opening and closing work items (every change audited)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from openrcm.accounts.permissions import permission_check
from openrcm.core.actor import Actor
from openrcm.core.errors import NotFound, TransitionNotAllowed, ValidationFailed
from openrcm.privacy.models import AuditAction
from openrcm.privacy.services import audit_record
from openrcm.workqueue.models import WorkItem, WorkItemKind, WorkItemStatus


def work_item_open(
    *,
    actor: Actor,
    client_id: int,
    kind: str,
    title: str,
    details: str = "",
    patient: Any = None,
    claim: Any = None,
    due_date: datetime.date | None = None,
    key: str = "",
) -> tuple[WorkItem, bool]:
    """Open a work item; ``(item, True)``, or ``(the open item, False)`` when one with the
    same ``key`` is already open. Called by the services of other areas, which checked
    their own permission; runs in the caller's transaction (or its own)."""
    problems = []
    if kind not in WorkItemKind.values:
        problems.append(("kind", f"{kind!r} is not a kind of work item"))
    if not title.strip():
        problems.append(("title", "say what must be done"))
    if problems:
        raise ValidationFailed(problems)
    key = key[:120]
    if key:
        existing = WorkItem.objects.filter(key=key, status=WorkItemStatus.OPEN).first()
        if existing is not None:
            return existing, False
    try:
        with transaction.atomic():
            item = WorkItem.objects.create(
                client_id=client_id,
                patient=patient,
                claim=claim,
                kind=kind,
                title=title.strip()[:200],
                details=details,
                due_date=due_date,
                key=key,
                opened_by=actor.label[:150],
            )
            audit_record(actor=actor, action=AuditAction.CREATE, obj=item, detail=item.title[:255])
    except IntegrityError:  # another worker opened the same key meanwhile
        existing = WorkItem.objects.filter(key=key, status=WorkItemStatus.OPEN).first()
        if existing is None:
            raise
        return existing, False
    return item, True


def _close(actor: Actor, item: WorkItem, resolution: str) -> None:
    item.status = WorkItemStatus.DONE
    item.closed_at = timezone.now()
    item.closed_by = actor.label[:150]
    item.resolution = resolution[:500]
    item.save(update_fields=["status", "closed_at", "closed_by", "resolution", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=item,
        changes={"status": ["open", "done"]},
        detail=f"done: {resolution}"[:255],
    )


def work_item_close(
    *, actor: Actor, item_id: int, user: Any = None, resolution: str = ""
) -> WorkItem:
    """Mark an open item done. ``user`` (when given) limits it to the user's practices."""
    permission_check(actor, "workitem.work")
    with transaction.atomic():
        query = WorkItem.objects.select_for_update()
        if user is not None:
            query = WorkItem.objects.for_user(user).select_for_update()
        item = query.filter(pk=item_id).first()
        if item is None:
            raise NotFound(f"work item {item_id} does not exist")
        if item.status != WorkItemStatus.OPEN:
            raise TransitionNotAllowed(
                f"work item {item_id} was already closed by {item.closed_by}", field="status"
            )
        _close(actor, item, resolution.strip() or "done")
    return item


def work_items_close_by_key(*, actor: Actor, key: str, resolution: str) -> int:
    """Close the open item of ``key`` (when a later fact settles it); the number closed."""
    if not key:
        return 0
    closed = 0
    with transaction.atomic():
        for item in WorkItem.objects.select_for_update().filter(
            key=key[:120], status=WorkItemStatus.OPEN
        ):
            _close(actor, item, resolution)
            closed += 1
    return closed
