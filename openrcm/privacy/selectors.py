"""Reading the audit trail: the compliance officer's search and export."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from openrcm.core.errors import ValidationFailed
from openrcm.core.scoping import visible_client_ids
from openrcm.privacy.models import AuditAction, AuditEvent


@dataclass(frozen=True)
class AuditFilter:
    user: str = ""  # user name (actor label), exact, case-insensitive; or a user id
    action: str = ""
    object_type: str = ""  # "patients.patient"
    object_id: str = ""
    client_id: int | None = None
    since: datetime.date | None = None  # inclusive, local dates
    until: datetime.date | None = None  # inclusive

    def as_query(self) -> dict[str, str]:
        return {
            k: str(v)
            for k, v in (
                ("user", self.user),
                ("action", self.action),
                ("object_type", self.object_type),
                ("object_id", self.object_id),
                ("client", self.client_id or ""),
                ("since", self.since or ""),
                ("until", self.until or ""),
            )
            if v
        }


def _date(raw: str, name: str, problems: list[tuple[str, str]]) -> datetime.date | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        problems.append((name, f"{raw!r} is not a date; use YYYY-MM-DD"))
        return None


def audit_filter_from(params: Mapping[str, str]) -> AuditFilter:
    """Parse the search form (GET parameters); every problem at once."""
    problems: list[tuple[str, str]] = []
    action = params.get("action", "").strip()
    if action and action not in AuditAction.values:
        problems.append(("action", f"{action!r} is not an audit action"))
    client_raw = params.get("client", "").strip()
    client_id = None
    if client_raw:
        if client_raw.isdigit():
            client_id = int(client_raw)
        else:
            problems.append(("client", f"{client_raw!r} is not a practice id"))
    since = _date(params.get("since", ""), "since", problems)
    until = _date(params.get("until", ""), "until", problems)
    if since and until and until < since:
        problems.append(("until", "the end date is before the start date"))
    if problems:
        raise ValidationFailed(problems)
    return AuditFilter(
        user=params.get("user", "").strip(),
        action=action,
        object_type=params.get("object_type", "").strip().lower(),
        object_id=params.get("object_id", "").strip(),
        client_id=client_id,
        since=since,
        until=until,
    )


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def audit_search(*, user: Any, criteria: AuditFilter) -> QuerySet[AuditEvent]:
    """Audit rows matching ``criteria`` that ``user`` may see, newest first."""
    rows = audit_rows(criteria)
    visible = visible_client_ids(user)
    if visible is not None:
        rows = rows.filter(client_id__in=visible)
    return rows


def audit_rows(criteria: AuditFilter) -> QuerySet[AuditEvent]:
    """Every audit row matching ``criteria`` (the command line; no user scope), newest first."""
    rows = AuditEvent.objects.all()
    if criteria.user:
        by_user = Q(actor__iexact=criteria.user)
        if criteria.user.isdigit():
            by_user |= Q(user_id=int(criteria.user))
        rows = rows.filter(by_user)
    if criteria.action:
        rows = rows.filter(action=criteria.action)
    if criteria.object_type:
        rows = rows.filter(object_type=criteria.object_type)
    if criteria.object_id:
        rows = rows.filter(object_id=criteria.object_id)
    if criteria.client_id is not None:
        rows = rows.filter(client_id=criteria.client_id)
    if criteria.since:
        rows = rows.filter(at__gte=_day_start(criteria.since))
    if criteria.until:
        rows = rows.filter(at__lt=_day_start(criteria.until + datetime.timedelta(days=1)))
    return rows.order_by("-sequence")


def audit_object_types() -> list[str]:
    return list(
        AuditEvent.objects.exclude(object_type="")
        .order_by("object_type")
        .values_list("object_type", flat=True)
        .distinct()
    )
