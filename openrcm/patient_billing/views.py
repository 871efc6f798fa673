"""The patient account page for collectors, and a practice's billing instructions.

Thin: every change goes through ``services``, every read through the scoped managers;
reads of a patient's account are audited like the patient page.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from openrcm.accounts.permissions import has_permission, permission_required, request_denied
from openrcm.clients.models import Client
from openrcm.core.errors import ValidationFailed
from openrcm.core.inputs import date_problem, parse_date_input, parse_positive_int
from openrcm.core.middleware import request_actor
from openrcm.patient_billing import services
from openrcm.patient_billing.models import ContactDirection, ContactMedium, ContactOutcome
from openrcm.patient_billing.selectors import (
    account_history,
    collection_contact_check,
    collection_excluded,
    collection_worklist,
    open_disputes,
)
from openrcm.patients.models import Patient
from openrcm.privacy.services import audit_read
from openrcm.remittance.selectors import patient_balances
from openrcm.rules.decisions import Channel


def _contact_from_post(post: Any) -> dict[str, Any]:
    typed = (post.get("promise_date") or "").strip()
    promise_date = parse_date_input(typed) if typed else None
    if typed and promise_date is None:
        raise ValidationFailed([("promise_date", date_problem(typed, "the promised date"))])
    return {
        "medium": post.get("medium", ""),
        "direction": post.get("direction", ""),
        "outcome": post.get("outcome", ""),
        "note": post.get("note", ""),
        "promise_amount": (post.get("promise_amount") or "").strip() or None,
        "promise_date": promise_date,
        "with_prior_consent": post.get("with_prior_consent") == "on",
        "dispute_reason": post.get("dispute_reason", ""),
    }


def _account_post(request: HttpRequest, patient: Patient) -> None:
    actor = request_actor(request)
    action = request.POST.get("action", "")
    if action == "contact":
        services.account_contact_log(
            actor=actor, patient=patient, **_contact_from_post(request.POST)
        )
    elif action == "resolve_dispute":
        dispute = get_object_or_404(
            open_disputes(patient), pk=parse_positive_int(request.POST.get("dispute")) or 0
        )
        services.dispute_resolve(
            actor=actor, dispute=dispute, resolution=request.POST.get("resolution", "")
        )
    elif action == "exclude":
        services.collection_exclusion_set(
            actor=actor, patient=patient, reason=request.POST.get("reason", "")
        )
    elif action == "include":
        services.collection_exclusion_clear(actor=actor, patient=patient)
    else:
        raise ValidationFailed([("action", f"{action!r} is not something this page does")])


@permission_required("collection.work")
def worklist(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    context = {
        "title": "Patient billing",
        "breadcrumbs": [("Dashboard", reverse("home")), ("Patient billing", None)],
        **collection_worklist(request.user, today),
        "today": today,
    }
    return render(request, "patient_billing/worklist.html", context)


@permission_required("collection.work")
def account(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = get_object_or_404(
        Patient.objects.for_user(request.user).select_related("client"), pk=patient_id
    )
    problems: list[tuple[str, str]] = []
    if request.method == "POST":
        try:
            _account_post(request, patient)
        except ValidationFailed as exc:
            problems = exc.problems
        else:
            return HttpResponseRedirect(reverse("patient_billing:account", args=[patient.pk]))
    audit_read(request, patient, detail="billing account")
    now = timezone.now()
    context = {
        "title": f"Account of {patient.full_name}",
        "breadcrumbs": [
            ("Dashboard", reverse("home")),
            ("Patients", reverse("patients:search")),
            (str(patient), reverse("patients:detail", args=[patient.pk])),
            ("Billing account", None),
        ],
        "patient": patient,
        "instructions": services.client_instructions_get(patient.client),
        "exclusion": collection_excluded(patient),
        "disputes": list(open_disputes(patient)),
        "history": account_history(patient),
        "balances": patient_balances(patient_id=patient.pk),
        "call_check": collection_contact_check(patient, medium=Channel.VOICE, now=now),
        "problems": problems,
        "form": request.POST if problems else {},
        "mediums": ContactMedium.choices,
        "directions": ContactDirection.choices,
        "outcomes": ContactOutcome.choices,
        "today": timezone.localdate(),
    }
    return render(request, "patient_billing/account.html", context, status=400 if problems else 200)


_NUMBER_FIELDS = {
    "statement_day",
    "statement_every_days",
    "statement_due_days",
    "placement_minimum_age_days",
    "final_notice_wait_days",
    "plan_max_instalments",
    "plan_max_days_to_first_due",
    "plan_grace_days",
    "plan_default_after_missed",
}
_MONEY_FIELDS = {
    "statement_minimum",
    "small_balance_write_off",
    "placement_minimum",
    "plan_min_instalment",
    "plan_min_down_payment_percent",
}


def _instructions_from_post(post: Any) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    changes: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for name in _NUMBER_FIELDS:
        text = (post.get(name) or "").strip()
        if not text.isdigit():
            problems.append((name, f"{name.replace('_', ' ')}: {text!r} is not a whole number"))
        else:
            changes[name] = int(text)
    for name in _MONEY_FIELDS:
        changes[name] = (post.get(name) or "").strip() or Decimal("0")
    changes["statement_cycle"] = post.get("statement_cycle", "")
    changes["places_accounts"] = post.get("places_accounts") == "on"
    changes["agency_name"] = (post.get("agency_name") or "").strip()
    changes["plan_frequencies"] = post.getlist("plan_frequencies")
    changes["guidance"] = post.get("guidance", "")
    return changes, problems


@permission_required("client.view")
def instructions(request: HttpRequest, client_id: int) -> HttpResponse:
    client = get_object_or_404(Client.objects.for_user(request.user), pk=client_id)
    may_change = has_permission(request.user, "collection.instruct")
    problems: list[tuple[str, str]] = []
    if request.method == "POST" and request_denied(request, "collection.instruct"):
        raise DjangoPermissionDenied("Your role may not change a practice's billing instructions.")
    if request.method == "POST":
        changes, problems = _instructions_from_post(request.POST)
        if not problems:
            try:
                services.client_instructions_set(
                    actor=request_actor(request), client=client, **changes
                )
            except ValidationFailed as exc:
                problems = exc.problems
            else:
                return HttpResponseRedirect(
                    reverse("patient_billing:instructions", args=[client.pk])
                )
    context = {
        "title": f"Billing instructions of {client.legal_name}",
        "breadcrumbs": [
            ("Dashboard", reverse("home")),
            ("Clients", reverse("clients:list")),
            (client.legal_name, reverse("clients:detail", args=[client.pk])),
            ("Billing instructions", None),
        ],
        "client": client,
        "instructions": services.client_instructions_get(client),
        "may_change": may_change,
        "problems": problems,
        "statement_cycles": [("day_of_month", "Day of the month"), ("rolling", "Rolling")],
        "frequencies": ["weekly", "biweekly", "monthly"],
    }
    return render(
        request, "patient_billing/instructions.html", context, status=400 if problems else 200
    )
