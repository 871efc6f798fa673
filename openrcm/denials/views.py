"""Denial pages: the work queue (filters, sort, assign, bulk actions), one denial with its
actions and appeals, the appeal letter (PDF download, audited as an export), the
underpayment list and the denial analytics."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from openrcm.accounts.models import User
from openrcm.accounts.permissions import has_permission, permission_required
from openrcm.clients.models import Client
from openrcm.core.errors import ApplicationError, ValidationFailed
from openrcm.core.inputs import date_problem, parse_date_input, parse_positive_int
from openrcm.core.middleware import request_actor
from openrcm.denials import services
from openrcm.denials.models import (
    AppealOutcome,
    DenialItem,
    DenialStatus,
    UnderpaymentStatus,
)
from openrcm.denials.selectors import (
    SORTS,
    QueueFilter,
    appeal_list,
    denial_analytics,
    denial_detail,
    denial_queue,
    underpayment_list,
)
from openrcm.payers.models import Payer
from openrcm.privacy.models import AuditAction
from openrcm.privacy.services import audit_read, audit_record
from openrcm.rules.denials import NEXT_ACTION_LABELS, DenialCategory, days_left

PAGE_SIZE = 50


def _crumbs(*items: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    return [("Dashboard", reverse("home")), ("Denials", reverse("denials:queue")), *items]


_int = parse_positive_int  # ids typed into forms and query strings


def _date(value: str | None, what: str) -> datetime.date | None:
    """A date from a form: None when left empty; a mistyped one is refused with a message
    (never replaced by another date)."""
    if not value or not value.strip():
        return None
    day = parse_date_input(value)
    if day is None:
        raise ValidationFailed([(what.replace(" ", "_"), date_problem(value, what))])
    return day


def _filter_date(value: str | None) -> datetime.date | None:
    """A date filter from the query string; one that does not parse filters nothing."""
    return parse_date_input(value) if value else None


def _workers(user: Any) -> list[User]:
    """Users a denial may be given to: active staff with denial.work (the service still
    checks that the owner is assigned to the practice)."""
    return [
        u
        for u in User.objects.filter(is_active=True).order_by("username")
        if has_permission(u, "denial.work")
    ]


def _owner_from(request: HttpRequest) -> tuple[bool, User | None]:
    raw = request.POST.get("owner", "")
    if raw == "none":
        return True, None
    if raw == "me":
        return True, request.user  # type: ignore[return-value]  # signed in
    found = User.objects.filter(pk=_int(raw) or 0).first()
    return found is not None, found


@permission_required("denial.work")
def queue_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        ids = [int(i) for i in request.POST.getlist("item") if i.isdigit()]
        items = list(denial_detail(user=request.user).filter(pk__in=ids))
        action = request.POST.get("bulk", "")
        try:
            if not items:
                messages.error(request, "Tick at least one denial for a bulk action.")
            elif action == "assign":
                ok, owner = _owner_from(request)
                if not ok:
                    messages.error(request, "Choose who gets the denials.")
                else:
                    n = services.denials_assign(
                        actor=request_actor(request), items=items, owner=owner
                    )
                    messages.success(request, f"{n} denial(s) assigned.")
            elif action == "write_off":
                done = services.denials_bulk_write_off(
                    actor=request_actor(request),
                    items=items,
                    reason=request.POST.get("reason", ""),
                )
                messages.success(request, f"{len(done)} denial(s) written off.")
            else:
                messages.error(request, "Choose a bulk action: assign or write off.")
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return HttpResponseRedirect(request.get_full_path())
    g = request.GET
    filters = QueueFilter(
        client_id=_int(g.get("client")),
        payer_id=_int(g.get("payer")),
        category=g.get("category", ""),
        owner=g.get("owner", ""),
        status=g.get("status", "active") or "active",
        sort=g.get("sort", "deadline") if g.get("sort") in SORTS else "deadline",
    )
    page = Paginator(denial_queue(user=request.user, filters=filters), PAGE_SIZE).get_page(
        g.get("page")
    )
    today = datetime.date.today()  # noqa: DTZ011  # deadlines are calendar days, local
    rows = [(item, days_left(item.deadline, today)) for item in page]
    context = {
        "title": "Denial work queue",
        "breadcrumbs": [("Dashboard", reverse("home")), ("Denials", None)],
        "page": page,
        "rows": rows,
        "filters": filters,
        "clients": Client.objects.for_user(request.user).order_by("legal_name"),
        "payers": Payer.objects.order_by("name"),
        "categories": [c.value for c in DenialCategory],
        "statuses": DenialStatus.choices,
        "workers": _workers(request.user),
        "sorts": list(SORTS),
        "write_off_limit": services.write_off_approval_over(),
        "action_labels": NEXT_ACTION_LABELS,
        "query": g.urlencode(),
    }
    template = "denials/_queue_rows.html" if request.htmx else "denials/queue.html"  # type: ignore[attr-defined]  # django-htmx middleware
    return render(request, template, context)


def _detail_action(request: HttpRequest, item: DenialItem) -> str:
    actor = request_actor(request)
    p = request.POST
    action = p.get("action", "")
    reason = p.get("reason", "")
    if action == "start":
        services.denial_start(actor=actor, item=item)
        return "Work started."
    if action == "assign":
        ok, owner = _owner_from(request)
        if not ok:
            return "!Choose who gets the denial."
        services.denials_assign(actor=actor, items=[item], owner=owner)
        return "Denial assigned."
    if action == "correct":
        claim = services.denial_correct_and_resubmit(
            actor=actor,
            item=item,
            reason=reason,
            payer_claim_number=p.get("payer_claim_number", ""),
        )
        return f"Replacement claim {claim.patient_control_number} made (a draft to scrub and send)."
    if action == "appeal":
        appeal = services.denial_appeal(
            actor=actor, items=[item], reason=reason, sent_on=_date(p.get("sent_on"), "sent on")
        )
        return f"Level {appeal.level} appeal made; download its letter below."
    if action == "write_off":
        done = services.denial_write_off(actor=actor, item=item, reason=reason)
        if done.status == DenialStatus.RESOLVED:
            return "Written off."
        return "Write-off asked: it waits for an approval."
    if action == "approve":
        services.denial_write_off_approve(actor=actor, item=item)
        return "Write-off approved."
    if action == "refuse":
        services.denial_write_off_refuse(actor=actor, item=item, reason=reason)
        return "Write-off refused."
    if action == "transfer":
        services.denial_transfer_to_patient(actor=actor, item=item, reason=reason)
        return "Moved to the patient's balance."
    if action == "close":
        services.denial_close(actor=actor, item=item, reason=reason)
        return "Closed."
    if action == "reopen":
        services.denial_reopen(actor=actor, item=item, reason=reason)
        return "Reopened."
    if action == "decide":
        appeal = get_object_or_404(appeal_list(user=request.user), pk=_int(p.get("appeal")) or 0)
        decided = _date(p.get("decided_on"), "decided on") or timezone.localdate()
        services.appeal_record_decision(
            actor=actor,
            appeal=appeal,
            outcome=p.get("outcome", ""),
            decided_on=decided,
            note=p.get("note", ""),
        )
        return "Appeal decision recorded."
    if action == "sent":
        appeal = get_object_or_404(appeal_list(user=request.user), pk=_int(p.get("appeal")) or 0)
        sent = _date(p.get("sent_on"), "sent on")
        if sent is None:
            return "!Give the date the appeal was sent (YYYY-MM-DD)."
        services.appeal_mark_sent(actor=actor, appeal=appeal, sent_on=sent)
        return "Appeal marked as sent."
    return f"!{action!r} is not an action on a denial."


@permission_required("denial.work")
def detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(denial_detail(user=request.user), pk=pk)
    if request.method == "POST":
        try:
            message = _detail_action(request, item)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            if message.startswith("!"):
                messages.error(request, message[1:])
            else:
                messages.success(request, message)
        return HttpResponseRedirect(reverse("denials:detail", args=[item.pk]))
    audit_read(request, item.claim.patient, detail=f"denial {item.pk}")
    today = datetime.date.today()  # noqa: DTZ011
    return render(
        request,
        "denials/detail.html",
        {
            "title": f"Denial {item.pk}: {item.group_code}-{item.carc}",
            "breadcrumbs": _crumbs((f"Denial {item.pk}", None)),
            "item": item,
            "days_left": days_left(item.deadline, today),
            "history": item.history.all(),
            "appeals": item.appeals.all(),
            "workers": _workers(request.user),
            "action_label": NEXT_ACTION_LABELS.get(item.recommended_action, ""),
            "outcomes": [c for c in AppealOutcome.choices if c[0] != AppealOutcome.PENDING],
            "may_approve": has_permission(request.user, "denial.approve"),
            "over_limit": item.amount > services.write_off_approval_over(),
            "write_off_limit": services.write_off_approval_over(),
            "claim_ledger_url": _claim_ledger_url(item.claim_id),
        },
    )


def _claim_ledger_url(claim_id: int) -> str:
    try:
        return reverse("remittance:claim_ledger", args=[claim_id])
    except NoReverseMatch:  # the remittance pages may not be installed
        return ""


@permission_required("denial.work")
def appeal_letter_view(request: HttpRequest, appeal_id: int) -> HttpResponse:
    appeal = get_object_or_404(appeal_list(user=request.user), pk=appeal_id)
    audit_record(
        actor=request_actor(request),
        action=AuditAction.EXPORT,
        obj=appeal.claim.patient,
        client_id=appeal.client_id,
        detail=f"appeal letter {appeal.pk} (PDF)",
    )
    response = HttpResponse(bytes(appeal.letter_pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{appeal.letter_name}"'
    return response


@permission_required("denial.work")
def underpayment_list_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        item = (
            underpayment_list(user=request.user, open_only=False)
            .filter(pk=_int(request.POST.get("item")) or 0)
            .first()
        )
        if item is None:
            messages.error(request, "Say which underpayment (its number).")
        else:
            try:
                services.underpayment_set_status(
                    actor=request_actor(request),
                    item=item,
                    status=request.POST.get("status", ""),
                    note=request.POST.get("note", ""),
                )
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"Underpayment {item.pk} updated.")
        return HttpResponseRedirect(reverse("denials:underpayments"))
    show_all = request.GET.get("all") == "1"
    page = Paginator(
        underpayment_list(user=request.user, open_only=not show_all), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "denials/underpayments.html",
        {
            "title": "Underpayments",
            "breadcrumbs": _crumbs(("Underpayments", None)),
            "page": page,
            "show_all": show_all,
            "statuses": UnderpaymentStatus.choices,
        },
    )


@permission_required("denial.work")
def analytics_view(request: HttpRequest) -> HttpResponse:
    g = request.GET
    result = denial_analytics(
        user=request.user,
        date_from=_filter_date(g.get("from")),
        date_to=_filter_date(g.get("to")),
        client_id=_int(g.get("client")),
    )
    return render(
        request,
        "denials/analytics.html",
        {
            "title": "Denial analytics",
            "breadcrumbs": _crumbs(("Analytics", None)),
            "a": result,
            "tables": [
                ("By payer", result.by_payer),
                ("By practice", result.by_client),
                ("By rendering provider", result.by_provider),
                ("By month of the remittance", result.by_month),
            ],
            "clients": Client.objects.for_user(request.user).order_by("legal_name"),
            "date_from": g.get("from", ""),
            "date_to": g.get("to", ""),
            "client_id": _int(g.get("client")),
        },
    )
