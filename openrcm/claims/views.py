"""Claim pages: the list (filters, counts, pages; htmx), one claim (lines, findings,
history, batches and files, acknowledgements, actions), batches, file downloads and the
rejection work list. Thin: every read is a scoped selector, every change a service."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST

from openrcm.accounts.permissions import has_permission, permission_required
from openrcm.claims.actions import CLAIM_ACTIONS, claim_action_run, claim_actions_for
from openrcm.claims.exchange_selectors import (
    REJECTION_SOURCES,
    BatchFilters,
    RejectionFilters,
    batch_clearinghouses,
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
from openrcm.claims.models import BatchStatus
from openrcm.claims.selectors import (
    AGE_BASES,
    ClaimFilters,
    claim_age_counts,
    claim_error_count,
    claim_filter_choices,
    claim_filters,
    claim_list,
    claim_record,
    claim_status_counts,
    claims_with_detail,
    with_finding_counts,
)
from openrcm.clients.models import Client
from openrcm.core.errors import ApplicationError, NotFound, PermissionDenied, ValidationFailed
from openrcm.core.middleware import request_actor
from openrcm.payers.models import Payer
from openrcm.privacy.services import audit_read

PAGE_SIZE = 50


def _actor(request: HttpRequest) -> Any:
    return getattr(request, "actor", None) or request_actor(request)


def _htmx_render(
    request: HttpRequest, full: str, partial: str, context: dict[str, Any]
) -> HttpResponse:
    """The whole page, or only the results when htmx asks (filters changed)."""
    template = partial if getattr(request, "htmx", False) else full
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _nav(request: HttpRequest, section: str) -> dict[str, Any]:
    return {"section": section, "nav_payers": has_permission(request.user, "payer.view")}


def _crumbs(*trail: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    return [("Dashboard", reverse("home")), *trail]


# --- claims ----------------------------------------------------------------------------------


@permission_required("claim.view")
def claim_list_view(request: HttpRequest) -> HttpResponse:
    problems: list[tuple[str, str]] = []
    try:
        filters = claim_filters(request.GET)
    except ValidationFailed as exc:
        problems, filters = exc.problems, ClaimFilters()
    user = request.user
    claims = with_finding_counts(claim_list(user=user, filters=filters))
    page = Paginator(claims, PAGE_SIZE).get_page(request.GET.get("page"))
    query = filters.as_query()

    def without(*names: str) -> str:
        return urlencode({k: v for k, v in query.items() if k not in names})

    return _htmx_render(
        request,
        "claims/list.html",
        "claims/_claim_results.html",
        {
            "title": "Claims",
            "breadcrumbs": _crumbs(("Claims", None)),
            **_nav(request, "claims"),
            "filters": filters,
            "raw": {k: request.GET.get(k, "") for k in ("from", "to", "q")},
            "choices": claim_filter_choices(user=user),
            "age_bases": AGE_BASES,
            "counts": claim_status_counts(user=user, filters=filters),
            "age_counts": claim_age_counts(user=user, filters=filters),
            "error_count": claim_error_count(user=user, filters=filters),
            "all_query": without("status"),
            "no_age_query": without("age"),
            "no_errors_query": without("errors"),
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
            "breadcrumbs": _crumbs(
                ("Claims", reverse("claims:list")), (claim.patient_control_number, None)
            ),
            "claim": claim,
            "record": claim_record(user=request.user, claim=claim),
            "actions": claim_actions_for(request.user, claim),
        },
    )


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@require_POST
@permission_required("claim.view")
def claim_action_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """POST: re-scrub, release, hold, correct (7) or void (8) one claim.

    A claim the user may not see is a 404 (before anything else); a role without the
    action's permission gets a 403 with the reason; a claim in the wrong state, or a
    missing reason, comes back to the page with the message."""
    claim = get_object_or_404(claims_with_detail(user=request.user), pk=pk)
    default = reverse("claims:detail", args=[claim.pk])
    try:
        result = claim_action_run(
            actor=_actor(request),
            claim=claim,
            name=action,
            reason=request.POST.get("reason", ""),
            payer_claim_number=request.POST.get("payer_claim_number", "").strip(),
        )
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, f"{CLAIM_ACTIONS[action].label}: {exc.message}")
        return HttpResponseRedirect(_safe_next(request, default))
    messages.success(request, result.message)
    if result.new_claim is not None:
        return HttpResponseRedirect(reverse("claims:detail", args=[result.new_claim.pk]))
    return HttpResponseRedirect(_safe_next(request, default))


# --- batches and files ---------------------------------------------------------------------


@permission_required("claim.view")
def batch_list_view(request: HttpRequest) -> HttpResponse:
    problems: list[tuple[str, str]] = []
    try:
        filters = batch_filters(request.GET)
    except ValidationFailed as exc:
        problems, filters = exc.problems, BatchFilters()
    user = request.user
    page = Paginator(batch_list(user=user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = filters.as_query()
    return _htmx_render(
        request,
        "claims/batch_list.html",
        "claims/_batch_results.html",
        {
            "title": "Claim batches",
            **_nav(request, "batches"),
            "breadcrumbs": _crumbs(("Claims", reverse("claims:list")), ("Batches", None)),
            "filters": filters,
            "statuses": BatchStatus.choices,
            "clearinghouses": batch_clearinghouses(user=user),
            "payers": Payer.objects.order_by("name"),
            "clients": Client.objects.for_user(user).order_by("short_name"),
            "counts": batch_status_counts(user=user, filters=filters),
            "all_query": urlencode({k: v for k, v in query.items() if k != "status"}),
            "query": urlencode(query),
            "page": page,
            "problems": problems,
        },
    )


@permission_required("claim.view")
def batch_detail_view(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = get_object_or_404(batches_with_detail(user=request.user), pk=batch_id)
    audit_read(request, batch, detail=f"batch {batch.reference}: its claims and patients")
    return render(
        request,
        "claims/batch_detail.html",
        {
            "title": f"Batch {batch.reference}",
            "breadcrumbs": _crumbs(
                ("Claims", reverse("claims:list")),
                ("Batches", reverse("claims:batches")),
                (batch.reference, None),
            ),
            "batch": batch,
            "claims": [item.claim for item in batch.items.all()],
            "files": batch_files(user=request.user, batch=batch),
        },
    )


@permission_required("claim.view")
def file_download_view(request: HttpRequest, file_id: int) -> HttpResponse | FileResponse:
    """The file as it was sent or received; scoped, and audited as an export."""
    try:
        found, handle = exchanged_file_open(request.user, file_id, actor=_actor(request))
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from exc
    except ApplicationError as exc:  # the row exists but its bytes are gone
        return HttpResponse(exc.message, status=410, content_type="text/plain; charset=utf-8")
    response = FileResponse(
        handle, as_attachment=True, filename=found.name, content_type="application/edi-x12"
    )
    response["Cache-Control"] = "no-store"
    return response


# --- rejections ------------------------------------------------------------------------------


@permission_required("claim.view")
def rejection_list_view(request: HttpRequest) -> HttpResponse:
    problems: list[tuple[str, str]] = []
    try:
        filters = rejection_filters(request.GET)
    except ValidationFailed as exc:
        problems, filters = exc.problems, RejectionFilters()
    user = request.user
    page = Paginator(rejection_claims(user=user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return _htmx_render(
        request,
        "claims/rejections.html",
        "claims/_rejection_results.html",
        {
            "title": "Rejected claims",
            **_nav(request, "rejections"),
            "breadcrumbs": _crumbs(("Claims", reverse("claims:list")), ("Rejections", None)),
            "filters": filters,
            "sources": REJECTION_SOURCES,
            "payers": Payer.objects.order_by("name"),
            "clients": Client.objects.for_user(user).order_by("short_name"),
            "rows": rejection_rows(page.object_list),
            "may_scrub": has_permission(user, "claim.submit"),
            "query": urlencode(filters.as_query()),
            "here": request.get_full_path(),
            "page": page,
            "problems": problems,
        },
    )
