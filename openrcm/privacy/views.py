"""The compliance officer's audit trail: search (paginated) and CSV export (audited)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from openrcm.accounts.permissions import has_permission, permission_required
from openrcm.core.errors import ValidationFailed
from openrcm.core.middleware import request_actor
from openrcm.privacy.models import AuditAction
from openrcm.privacy.selectors import (
    AuditFilter,
    audit_filter_from,
    audit_object_types,
    audit_search,
)
from openrcm.privacy.services import audit_export_record, audit_export_rows, audit_rows_until_now

PAGE_SIZE = 50


class _Echo:
    def write(self, value: str) -> str:
        return value


@require_GET
@permission_required("audit.view")
def audit_trail(request: HttpRequest) -> HttpResponse:
    problems: list[tuple[str, str]] = []
    try:
        criteria = audit_filter_from(request.GET)
    except ValidationFailed as exc:
        problems = exc.problems
        criteria = AuditFilter()
    rows = audit_search(user=request.user, criteria=criteria)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context: dict[str, Any] = {
        "title": "Audit trail",
        "breadcrumbs": [("Dashboard", reverse("home")), ("Audit trail", None)],
        "page": page,
        "query": urlencode(criteria.as_query()),
        "form": {
            "user": request.GET.get("user", ""),
            "action": request.GET.get("action", ""),
            "object_type": request.GET.get("object_type", ""),
            "object_id": request.GET.get("object_id", ""),
            "client": request.GET.get("client", ""),
            "since": request.GET.get("since", ""),
            "until": request.GET.get("until", ""),
        },
        "actions": AuditAction.choices,
        "object_types": audit_object_types(),
        "problems": problems,
        "may_export": has_permission(request.user, "audit.export"),
    }
    return render(request, "privacy/audit_trail.html", context)


@require_GET
@permission_required("audit.export")
def audit_trail_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    try:
        criteria = audit_filter_from(request.GET)
    except ValidationFailed as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain")
    rows = audit_rows_until_now(audit_search(user=request.user, criteria=criteria))
    rows = rows.order_by("sequence")
    audit_export_record(
        actor=request_actor(request),
        row_count=rows.count(),
        description=f"web download, filters {criteria.as_query() or 'none'}",
    )
    writer = csv.writer(_Echo())

    def stream() -> Iterator[str]:
        for cells in audit_export_rows(rows.iterator(chunk_size=2000)):
            yield writer.writerow(cells)

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-trail-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response
