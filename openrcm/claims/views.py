"""The claim list (filters, counts, pages) and the claim page (lines, history)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import urlencode

from openrcm.accounts.permissions import permission_required
from openrcm.claims.selectors import (
    ClaimFilters,
    claim_filter_choices,
    claim_filters,
    claim_list,
    claim_status_counts,
    claims_with_detail,
)
from openrcm.core.errors import ValidationFailed
from openrcm.privacy.services import audit_read

PAGE_SIZE = 50


@permission_required("claim.view")
def claim_list_view(request: HttpRequest) -> HttpResponse:
    problems: list[tuple[str, str]] = []
    try:
        filters = claim_filters(request.GET)
    except ValidationFailed as exc:
        problems, filters = exc.problems, ClaimFilters()
    page = Paginator(claim_list(user=request.user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = filters.as_query()
    return render(
        request,
        "claims/list.html",
        {
            "title": "Claims",
            "breadcrumbs": [("Dashboard", reverse("home")), ("Claims", None)],
            "filters": filters,
            "raw": {k: request.GET.get(k, "") for k in ("from", "to", "q")},
            "choices": claim_filter_choices(user=request.user),
            "counts": claim_status_counts(user=request.user, filters=filters),
            "all_query": urlencode({k: v for k, v in query.items() if k != "status"}),
            "query": urlencode(query),
            "page": page,
            "problems": problems,
        },
    )


@permission_required("claim.view")
def claim_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    claim = get_object_or_404(claims_with_detail(user=request.user), pk=pk)
    audit_read(request, claim)  # a claim carries the patient's identity and diagnoses
    return render(
        request,
        "claims/detail.html",
        {
            "title": f"Claim {claim.patient_control_number}",
            "breadcrumbs": [
                ("Dashboard", reverse("home")),
                ("Claims", reverse("claims:list")),
                (claim.patient_control_number, None),
            ],
            "claim": claim,
        },
    )
