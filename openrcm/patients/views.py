"""Patient search and the patient page (every read of a record is audited)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers

from openrcm.accounts.permissions import has_permission, permission_required
from openrcm.core.errors import ValidationFailed
from openrcm.eligibility.selectors import patient_eligibility
from openrcm.patients.models import Patient
from openrcm.patients.selectors import (
    patient_record,
    patient_search,
    patient_search_criteria,
    ssn_for_display,
)
from openrcm.privacy.services import audit_read


@permission_required("patient.view")
def search(request: HttpRequest) -> HttpResponse:
    problems: list[tuple[str, str]] = []
    result = None
    try:
        criteria = patient_search_criteria(request.GET)
        result = patient_search(user=request.user, criteria=criteria)
    except ValidationFailed as exc:
        problems = exc.problems
    context = {
        "title": "Patients",
        "breadcrumbs": [("Dashboard", reverse("home")), ("Patients", None)],
        "query": {k: request.GET.get(k, "") for k in ("q", "dob", "phone")},
        "result": result,
        "search_problems": problems,
    }
    htmx = getattr(request, "htmx", False)
    template = "patients/_results.html" if htmx else "patients/search.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@permission_required("patient.view")
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    patient = get_object_or_404(
        Patient.objects.for_user(request.user).select_related("client"), pk=pk
    )
    audit_read(request, patient)
    shows_claims = has_permission(request.user, "claim.view")
    record = patient_record(patient=patient, today=timezone.localdate(), with_claims=shows_claims)
    return render(
        request,
        "patients/detail.html",
        {
            "title": patient.full_name,
            "breadcrumbs": [
                ("Dashboard", reverse("home")),
                ("Patients", reverse("patients:search")),
                (str(patient), None),
            ],
            "record": record,
            "shows_claims": shows_claims,
            "shows_billing": has_permission(request.user, "collection.work"),
            "patient": patient,
            "ssn": ssn_for_display(request.user, patient),
            "eligibility": patient_eligibility(
                patient=patient, user=request.user, today=timezone.localdate()
            ),
        },
    )
