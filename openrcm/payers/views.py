"""Payer pages: the payer list and one payer's claim rules (scrubber rules on or off with
a reason, referring and prior-authorization requirements, unit limits, clearinghouse)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from openrcm.accounts.permissions import has_permission, permission_required, request_denied
from openrcm.clearinghouse.base import clearinghouse_default_name, clearinghouse_names
from openrcm.core.errors import ApplicationError, PermissionDenied, ValidationFailed
from openrcm.core.middleware import request_actor
from openrcm.payers.models import Payer
from openrcm.payers.selectors import payer_list, payer_rules_view
from openrcm.payers.services import (
    payer_claim_rules_set,
    payer_rule_turn_off,
    payer_rule_turn_on,
    unit_overrides_from_text,
)


@permission_required("payer.view")
def payer_list_view(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "payers/list.html",
        {
            "title": "Payers",
            "breadcrumbs": [("Dashboard", reverse("home")), ("Payers", None)],
            "payers": payer_list(),
        },
    )


def _change(request: HttpRequest, payer: Payer) -> str:
    """Apply one POSTed change; return the message to show (raises ApplicationError)."""
    actor = getattr(request, "actor", None) or request_actor(request)
    op = request.POST.get("op", "")
    rule_id = request.POST.get("rule_id", "").strip().upper()
    if op == "off":
        payer_rule_turn_off(
            actor=actor, payer=payer, rule_id=rule_id, reason=request.POST.get("reason", "")
        )
        return f"{rule_id} is off for {payer.name}"
    if op == "on":
        payer_rule_turn_on(actor=actor, payer=payer, rule_id=rule_id)
        return f"{rule_id} is on again for {payer.name}"
    if op == "requirements":
        payer_claim_rules_set(
            actor=actor,
            payer=payer,
            referring_required_for_pos=request.POST.get("referring_required_for_pos", ""),
            referring_required_for_codes=request.POST.get("referring_required_for_codes", ""),
            prior_auth_codes=request.POST.get("prior_auth_codes", ""),
            unit_overrides=unit_overrides_from_text(request.POST.get("unit_overrides", "")),
            clearinghouse=request.POST.get("clearinghouse", ""),
        )
        return f"the claim requirements of {payer.name} are saved"
    raise ValidationFailed([("op", f"{op!r} is not a change this page makes")])


@permission_required("payer.view")
def payer_rules_page(request: HttpRequest, payer_id: int) -> HttpResponse:
    payer = get_object_or_404(Payer.objects.all(), pk=payer_id)
    problems: list[tuple[str, str]] = []
    typed: dict[str, Any] = {}
    if request.method == "POST":
        if request_denied(request, "payer.rules"):
            raise DjangoPermissionDenied(
                "Your role may not change what the claim scrubber asks of a payer."
            )
        try:
            message = _change(request, payer)
        except PermissionDenied as exc:
            raise DjangoPermissionDenied(exc.message) from exc
        except ValidationFailed as exc:
            problems = exc.problems
            typed = dict(request.POST.items())
        except ApplicationError as exc:
            problems = [(exc.field or "", exc.message)]
            typed = dict(request.POST.items())
        else:
            messages.success(request, message)
            return HttpResponseRedirect(reverse("payers:rules", args=[payer.pk]))
    view = payer_rules_view(payer)
    rules = view.rules
    return render(
        request,
        "payers/rules.html",
        {
            "title": f"Claim rules: {payer.name}",
            "breadcrumbs": [
                ("Dashboard", reverse("home")),
                ("Payers", reverse("payers:list")),
                (payer.name, None),
            ],
            "payer": payer,
            "view": view,
            "may_change": has_permission(request.user, "payer.rules"),
            "problems": problems,
            "typed": typed,
            "values": {
                "referring_required_for_pos": typed.get(
                    "referring_required_for_pos", " ".join(rules.referring_required_for_pos)
                ),
                "referring_required_for_codes": typed.get(
                    "referring_required_for_codes", " ".join(rules.referring_required_for_codes)
                ),
                "prior_auth_codes": typed.get("prior_auth_codes", " ".join(rules.prior_auth_codes)),
                "unit_overrides": typed.get(
                    "unit_overrides",
                    "\n".join(f"{code} {units}" for code, units in rules.unit_overrides.items()),
                ),
                "clearinghouse": typed.get("clearinghouse", rules.clearinghouse),
            },
            "clearinghouses": clearinghouse_names(),
            "default_clearinghouse": clearinghouse_default_name(),
        },
        status=422 if problems else 200,
    )
