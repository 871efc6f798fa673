"""ERA pages: the list with the upload form, one ERA as a readable EOB, the posting
exceptions, and the ledger of a claim's lines and of a patient's account."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from openrcm.accounts.permissions import permission_required
from openrcm.claims.models import Claim
from openrcm.core.errors import ApplicationError
from openrcm.core.middleware import request_actor
from openrcm.patients.models import Patient
from openrcm.privacy.services import audit_read
from openrcm.remittance.models import EraSource
from openrcm.remittance.selectors import (
    era_payment_detail,
    era_payment_list,
    ledger_for_claim,
    ledger_for_patient,
    line_balances,
    patient_balances,
    posting_exception_list,
)
from openrcm.remittance.services import era_import, posting_exception_resolve

PAGE_SIZE = 50
MAX_UPLOAD = 50 * 1024 * 1024


def _crumbs(*items: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    return [("Dashboard", reverse("home")), ("Remittance", reverse("remittance:list")), *items]


@permission_required("remittance.view")
def era_list_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, "Choose an 835 file to upload.")
        elif upload.size is not None and upload.size > MAX_UPLOAD:
            messages.error(request, f"{upload.name} is larger than 50 MB; import it with "
                                    "'openrcm era import'.")  # fmt: skip
        else:
            try:
                result = era_import(
                    actor=request_actor(request),
                    name=upload.name or "upload.835",
                    data=upload.read(),
                    source=EraSource.UPLOAD,
                )
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, result.message)
                for payment in result.payments:
                    messages.info(request, payment.message)
        return HttpResponseRedirect(reverse("remittance:list"))
    page = Paginator(era_payment_list(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "remittance/list.html",
        {
            "title": "ERAs and payments",
            "breadcrumbs": [("Dashboard", reverse("home")), ("Remittance", None)],
            "page": page,
            "open_exceptions": posting_exception_list(user=request.user).count(),
        },
    )


@permission_required("remittance.view")
def era_detail_view(request: HttpRequest, payment_id: int) -> HttpResponse:
    payment = get_object_or_404(era_payment_detail(user=request.user), pk=payment_id)
    audit_read(request, payment, detail="EOB")  # the EOB names patients and their services
    return render(
        request,
        "remittance/eob.html",
        {
            "title": f"ERA {payment.trace_number}",
            "breadcrumbs": _crumbs((payment.trace_number, None)),
            "payment": payment,
            "file": payment.era_file.exchanged_file,
        },
    )


@permission_required("remittance.view")
def exception_list_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        found = posting_exception_list(user=request.user).filter(
            pk=request.POST.get("exception") or 0
        )
        exception = found.first()
        if exception is None:
            messages.error(request, "Say which open exception was resolved (its number).")
        else:
            try:
                posting_exception_resolve(
                    actor=request_actor(request),
                    exception=exception,
                    resolution=request.POST.get("resolution", ""),
                )
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"Exception {exception.pk} resolved.")
        return HttpResponseRedirect(reverse("remittance:exceptions"))
    show_all = request.GET.get("all") == "1"
    page = Paginator(
        posting_exception_list(user=request.user, open_only=not show_all), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "remittance/exceptions.html",
        {
            "title": "Posting exceptions",
            "breadcrumbs": _crumbs(("Posting exceptions", None)),
            "page": page,
            "show_all": show_all,
        },
    )


@permission_required("remittance.view")
def claim_ledger_view(request: HttpRequest, claim_id: int) -> HttpResponse:
    claim = get_object_or_404(
        Claim.objects.for_user(request.user).select_related("patient", "payer", "encounter"),
        pk=claim_id,
    )
    audit_read(request, claim, detail="ledger")
    rows = ledger_for_claim(user=request.user, claim=claim)
    return render(
        request,
        "remittance/claim_ledger.html",
        {
            "title": f"Ledger of claim {claim.patient_control_number}",
            "breadcrumbs": _crumbs((claim.patient_control_number, None)),
            "claim": claim,
            "rows": rows,
            "balances": sorted(line_balances(rows).values(), key=lambda b: b.charge_line_id),
        },
    )


@permission_required("remittance.view")
def patient_ledger_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = get_object_or_404(Patient.objects.for_user(request.user), pk=patient_id)
    audit_read(request, patient, detail="account ledger")
    rows = ledger_for_patient(user=request.user, patient_id=patient.pk)
    return render(
        request,
        "remittance/patient_ledger.html",
        {
            "title": f"Account of {patient.last_name}, {patient.first_name}",
            "breadcrumbs": _crumbs((f"{patient.last_name}, {patient.first_name}", None)),
            "patient": patient,
            "rows": rows,
            "totals": patient_balances(patient_id=patient.pk),
        },
    )
