"""The front desk's work list (filters: practice, kind, status) and closing an item."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from openrcm.accounts.permissions import permission_required
from openrcm.core.errors import ApplicationError, ValidationFailed
from openrcm.core.inputs import parse_positive_int
from openrcm.workqueue.models import WorkItemKind
from openrcm.workqueue.selectors import (
    WorkItemFilters,
    work_item_clients,
    work_item_counts,
    work_item_filters,
    work_item_list,
)
from openrcm.workqueue.services import work_item_close

PAGE_SIZE = 50


@permission_required("workitem.work")
def work_list_view(request: HttpRequest) -> HttpResponse:
    problems: list[tuple[str, str]] = []
    try:
        filters = work_item_filters(request.GET)
    except ValidationFailed as exc:
        problems, filters = exc.problems, WorkItemFilters()
    page = Paginator(work_item_list(user=request.user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    counts = work_item_counts(user=request.user, filters=filters)
    return render(
        request,
        "workqueue/list.html",
        {
            "title": "Work list",
            "breadcrumbs": [("Dashboard", reverse("home")), ("Work list", None)],
            "filters": filters,
            "kinds": [(k, label, counts.get(k, 0)) for k, label in WorkItemKind.choices],
            "clients": work_item_clients(user=request.user),
            "query": urlencode(filters.as_query()),
            "page": page,
            "problems": problems,
        },
    )


@permission_required("workitem.work")
def work_item_close_view(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    item_id = parse_positive_int(request.POST.get("item"))
    back = request.POST.get("next") or reverse("workqueue:list")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("workqueue:list")
    if item_id is None:
        messages.error(request, "Say which work item is done (its number).")
        return redirect(back)
    try:
        item = work_item_close(
            actor=request.actor,  # type: ignore[attr-defined]  # RequestActorMiddleware
            item_id=item_id,
            user=request.user,
            resolution=str(request.POST.get("resolution") or "")[:500],
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    messages.success(request, f"Work item {item.pk} is done.")
    return redirect(back)
