"""Eligibility on the patient page (check now, htmx) and the claim status answers list."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers

from openrcm.accounts.permissions import permission_required
from openrcm.core.errors import ApplicationError
from openrcm.core.inputs import parse_date_input, parse_positive_int
from openrcm.eligibility.selectors import claim_status_list, patient_eligibility
from openrcm.eligibility.services import eligibility_check_patient
from openrcm.patients.models import Patient
from openrcm.privacy.services import audit_read
from openrcm.workqueue.selectors import work_item_clients

PAGE_SIZE = 50


@permission_required("eligibility.check")
def patient_check_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    """POST: check the patient's coverage now (for the date given, today by default)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    patient = get_object_or_404(
        Patient.objects.for_user(request.user).select_related("client"), pk=patient_id
    )
    today = timezone.localdate()
    raw = str(request.POST.get("date") or "").strip()
    day = parse_date_input(raw) if raw else today
    notes: list[str] = []
    problems: list[tuple[str, str]] = []
    if day is None:
        problems.append(("date", f"{raw!r} is not a date; type it as MM/DD/YYYY"))
    else:
        try:
            checks = eligibility_check_patient(
                actor=request.actor,  # type: ignore[attr-defined]  # RequestActorMiddleware
                patient=patient,
                on_date=day,
                force=request.POST.get("force") == "1",
            )
            notes = [c.message for c in checks]
        except ApplicationError as exc:
            problems.append((exc.field or "", exc.message))
    if not getattr(request, "htmx", False):
        for note in notes:
            messages.info(request, note)
        for _field, problem in problems:
            messages.error(request, problem)
        return redirect("patients:detail", pk=patient.pk)
    audit_read(request, patient, detail="eligibility")
    response = render(
        request,
        "eligibility/_patient_section.html",
        {
            "patient": patient,
            "eligibility": patient_eligibility(patient=patient, user=request.user, today=today),
            "notes": notes,
            "check_problems": problems,
        },
    )
    patch_vary_headers(response, ("HX-Request",))
    return response


@permission_required("claim.view")
def claim_status_list_view(request: HttpRequest) -> HttpResponse:
    client_id = parse_positive_int(request.GET.get("client"))
    page = Paginator(claim_status_list(user=request.user, client_id=client_id), PAGE_SIZE)
    return render(
        request,
        "eligibility/claim_status_list.html",
        {
            "title": "Claim status inquiries",
            "breadcrumbs": [
                ("Dashboard", reverse("home")),
                ("Claims", reverse("claims:list")),
                ("Claim status inquiries", None),
            ],
            "page": page.get_page(request.GET.get("page")),
            "clients": work_item_clients(user=request.user),
            "client_id": client_id,
        },
    )
