"""Communications pages: conversations, consent, refused sends, call tasks, leads, the
public Contact Us page and the providers' webhooks. Each view parses, calls one service
or selector, and renders."""

from __future__ import annotations

from typing import Any

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from openrcm.accounts.permissions import has_permission, permission_required
from openrcm.clients.models import Client
from openrcm.core.errors import ApplicationError, NotFound, ValidationFailed
from openrcm.core.inputs import parse_positive_int
from openrcm.core.middleware import client_ip
from openrcm.messaging import selectors, services
from openrcm.messaging.conf import messaging_config
from openrcm.messaging.models import (
    CallOutcome,
    CallTeam,
    ChannelKind,
    ConsentMethod,
    ConsentPurpose,
    EvidenceKind,
    MessagePurpose,
    MessageTemplate,
    Party,
    PartyKind,
)
from openrcm.messaging.services import WebhookRequest
from openrcm.patients.models import Patient
from openrcm.privacy.services import audit_read

PURPOSES_FOR_KIND = {
    PartyKind.CLIENT_CONTACT: ["service", "marketing"],
    PartyKind.PROVIDER: ["service", "marketing"],
    PartyKind.STAFF: ["staff"],
    PartyKind.PATIENT: ["billing", "appointment"],
    PartyKind.PROSPECT: ["service", "marketing"],
}
TABS = (
    ("Conversations", "messaging:list", "message.view"),
    ("Refused sends", "messaging:refusals", "message.view"),
    ("Call tasks", "messaging:calls", None),
    ("Leads", "messaging:leads", "lead.view"),
    ("Templates", "messaging:templates", "message.view"),
)


def _tabs(request: HttpRequest, current: str) -> list[tuple[str, str, bool]]:
    user = request.user
    shown = []
    for label, name, action in TABS:
        if action is None:
            allowed = has_permission(user, "message.view") or has_permission(user, "lead.view")
        else:
            allowed = has_permission(user, action)
        if allowed:
            shown.append((label, reverse(name), name == current))
    return shown


def _crumbs(*trail: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    return [("Dashboard", reverse("home")), ("Messages", reverse("messaging:list")), *trail]


def _party_or_404(request: HttpRequest, party_id: int) -> Party:
    try:
        return selectors.party_get(request.user, party_id)
    except NotFound as exc:
        from django.http import Http404

        raise Http404("No such party.") from exc


def _message_or_view_required(view: Any) -> Any:
    """Conversation pages: message workers, or lead workers (for prospects)."""
    from functools import wraps

    from django.contrib.auth.views import redirect_to_login
    from django.core.exceptions import PermissionDenied

    from openrcm.accounts.permissions import request_denied

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if has_permission(request.user, "lead.view"):
            return view(request, *args, **kwargs)
        if request_denied(request, "message.view"):
            raise PermissionDenied("Your role may not see conversations.")
        return view(request, *args, **kwargs)

    return wrapped


# ---- lists ------------------------------------------------------------------------------


@permission_required("message.view")
def conversation_list_view(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "messaging/list.html",
        {
            "title": "Messages",
            "breadcrumbs": [("Dashboard", reverse("home")), ("Messages", None)],
            "tabs": _tabs(request, "messaging:list"),
            "conversations": selectors.conversations_for(request.user)[:200],
            "reviews": selectors.reviews_for(request.user)[:50],
            "config": messaging_config(),
        },
    )


@permission_required("message.view")
def refusal_list_view(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "messaging/refusals.html",
        {
            "title": "Refused sends",
            "breadcrumbs": _crumbs(("Refused sends", None)),
            "tabs": _tabs(request, "messaging:refusals"),
            "refusals": selectors.refusals_for(request.user)[:200],
        },
    )


@_message_or_view_required
def call_task_list_view(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "messaging/calls.html",
        {
            "title": "Call tasks",
            "breadcrumbs": _crumbs(("Call tasks", None)),
            "tabs": _tabs(request, "messaging:calls"),
            "tasks": selectors.call_tasks_for(request.user)[:200],
        },
    )


@permission_required("lead.view")
def lead_list_view(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "messaging/leads.html",
        {
            "title": "Leads",
            "breadcrumbs": _crumbs(("Leads", None)),
            "tabs": _tabs(request, "messaging:leads"),
            "leads": selectors.leads_for(request.user)[:200],
        },
    )


@permission_required("message.view")
def template_list_view(request: HttpRequest) -> HttpResponse:
    templates = [
        (t, services.template_variables(t.body), services.template_preview(t))
        for t in selectors.templates_list()
    ]
    return render(
        request,
        "messaging/templates.html",
        {
            "title": "Message templates",
            "breadcrumbs": _crumbs(("Templates", None)),
            "tabs": _tabs(request, "messaging:templates"),
            "templates": templates,
        },
    )


# ---- one party --------------------------------------------------------------------------


@_message_or_view_required
def party_view(request: HttpRequest, party_id: int) -> HttpResponse:
    party = _party_or_404(request, party_id)
    if party.patient_id:
        audit_read(request, party.patient, detail="conversation")  # type: ignore[arg-type]
    record = selectors.party_record(party)
    clients: Any = []
    if party.kind == PartyKind.PROSPECT and has_permission(request.user, "lead.change"):
        clients = Client.objects.for_user(request.user).order_by("short_name")
    return render(
        request,
        "messaging/party.html",
        {
            "title": party.display_name,
            "breadcrumbs": _crumbs((party.display_name, None)),
            "record": record,
            "party": party,
            "purposes": PURPOSES_FOR_KIND[PartyKind(party.kind)],
            "templates": MessageTemplate.objects.filter(active=True).order_by("name"),
            "channels": ChannelKind.choices,
            "consent_purposes": ConsentPurpose.choices,
            "consent_methods": ConsentMethod.choices,
            "evidence_kinds": EvidenceKind.choices,
            "teams": CallTeam.choices,
            "outcomes": [c for c in CallOutcome.choices if c[0] != CallOutcome.PLACED],
            "message_purposes": MessagePurpose.choices,
            "outbox": messaging_config().channel == "outbox",
            "clients": clients,
            "can_send": has_permission(
                request.user,
                "lead.change" if party.kind == PartyKind.PROSPECT else "message.send",
            ),
        },
    )


def _act(request: HttpRequest, party: Party, action: Any) -> HttpResponse:
    """Run a service for a form post; show every problem on the party's page."""
    target = reverse("messaging:party", args=[party.pk])
    try:
        text = action()
    except ValidationFailed as exc:
        for _field, message in exc.problems:
            flash.error(request, message)
    except ApplicationError as exc:
        flash.error(request, exc.message)
    else:
        if text:
            flash.success(request, text)
    return HttpResponseRedirect(target)


def _refusal_text(refusal: Any) -> str:
    return "Refused by the policy gate: " + "; ".join(r["message"] for r in refusal.reasons)


@require_POST
@_message_or_view_required
def party_send_view(request: HttpRequest, party_id: int) -> HttpResponse:
    party = _party_or_404(request, party_id)
    actor = request.actor  # type: ignore[attr-defined]

    def send() -> str:
        template_key = request.POST.get("template", "")
        if template_key:
            template = MessageTemplate.objects.filter(key=template_key).first()
            if template is None:
                raise ValidationFailed([("template", f"no template called {template_key!r}")])
            values = {
                name: request.POST.get(f"var_{name}", "")
                for name in services.template_variables(template.body)
                if request.POST.get(f"var_{name}", "")
            }
            outcome = services.message_send_template(
                actor=actor, party=party, template=template, values=values
            )
        else:
            text = request.POST.get("body", "")
            if not text.strip():
                raise ValidationFailed([("body", "type the message")])
            if request.POST.get("frame", "on") == "on":
                text = services.message_compose(party, text)
            reply_to = None
            reply_id = parse_positive_int(request.POST.get("in_reply_to"))
            if reply_id is not None:
                reply_to = party.messages.filter(pk=reply_id).first()
            outcome = services.message_send(
                actor=actor,
                party=party,
                purpose=request.POST.get("purpose", ""),
                body=text,
                in_reply_to=reply_to,
            )
        if outcome.refusal is not None:
            raise ApplicationError(_refusal_text(outcome.refusal))
        return f"Sent ({outcome.message.get_status_display()})."  # type: ignore[union-attr]

    return _act(request, party, send)


@require_POST
@_message_or_view_required
def party_reply_view(request: HttpRequest, party_id: int) -> HttpResponse:
    """The other side's reply, typed by staff (embedded outbox only)."""
    party = _party_or_404(request, party_id)

    def receive() -> str:
        outcome = services.inbound_simulate(
            actor=request.actor,  # type: ignore[attr-defined]
            party=party,
            body=request.POST.get("body", ""),
        )
        reply = outcome.reply
        return "Reply recorded" + (
            f"; answered with the {reply.get_kind_display()}." if reply else "."
        )

    return _act(request, party, receive)


@require_POST
@_message_or_view_required
def party_consent_view(request: HttpRequest, party_id: int) -> HttpResponse:
    party = _party_or_404(request, party_id)

    def record() -> str:
        consent = services.consent_record(
            actor=request.actor,  # type: ignore[attr-defined]
            party=party,
            channel=request.POST.get("channel", ""),
            purpose=request.POST.get("purpose", ""),
            method=request.POST.get("method", ""),
            text_shown=request.POST.get("text_shown", ""),
            evidence_kind=request.POST.get("evidence_kind", ""),
            evidence=request.POST.get("evidence", ""),
        )
        return (
            f"Consent recorded: {consent.get_channel_display()}, {consent.get_purpose_display()}."
        )

    return _act(request, party, record)


@require_POST
@_message_or_view_required
def party_call_task_view(request: HttpRequest, party_id: int) -> HttpResponse:
    party = _party_or_404(request, party_id)

    def create() -> str:
        services.call_task_create(
            actor=request.actor,  # type: ignore[attr-defined]
            party=party,
            team=request.POST.get("team", ""),
            purpose=request.POST.get("purpose", ""),
            reason=request.POST.get("reason", ""),
        )
        return "Call task added."

    return _act(request, party, create)


@require_POST
@_message_or_view_required
def party_call_view(request: HttpRequest, party_id: int) -> HttpResponse:
    party = _party_or_404(request, party_id)

    def call() -> str:
        task = party.call_tasks.filter(pk=request.POST.get("task") or 0).first()
        if task is None:
            raise ValidationFailed([("task", "choose one of this party's call tasks")])
        result = services.call_start(actor=request.actor, task=task)  # type: ignore[attr-defined]
        if result.refusal is not None:
            raise ApplicationError(_refusal_text(result.refusal))
        if result.dial_yourself:
            return "The call may go ahead: dial the number, then record the outcome."
        if result.call is not None and result.call.channel_name == "outbox":
            return "The call may go ahead (simulated by the embedded outbox): record the outcome."
        return "Calling through RingOut: your phone rings first. Record the outcome after."

    return _act(request, party, call)


@require_POST
@_message_or_view_required
def party_call_outcome_view(request: HttpRequest, party_id: int) -> HttpResponse:
    party = _party_or_404(request, party_id)

    def outcome() -> str:
        call = party.calls.filter(pk=request.POST.get("call") or 0).first()
        if call is None:
            raise ValidationFailed([("call", "choose one of this party's calls")])
        services.call_outcome_record(
            actor=request.actor,  # type: ignore[attr-defined]
            call=call,
            outcome=request.POST.get("outcome", ""),
            note=request.POST.get("note", ""),
        )
        return "Call outcome recorded."

    return _act(request, party, outcome)


@require_POST
@_message_or_view_required
def party_review_view(request: HttpRequest, party_id: int) -> HttpResponse:
    party = _party_or_404(request, party_id)

    def review() -> str:
        message = party.messages.filter(pk=request.POST.get("message") or 0).first()
        if message is None:
            raise ValidationFailed([("message", "choose one of this party's messages")])
        services.message_review(
            actor=request.actor,  # type: ignore[attr-defined]
            message=message,
            note=request.POST.get("note", ""),
        )
        return "Opt-out reviewed."

    return _act(request, party, review)


@require_POST
@_message_or_view_required
def party_convert_view(request: HttpRequest, party_id: int) -> HttpResponse:
    party = _party_or_404(request, party_id)
    if party.lead_id is None:
        flash.error(request, "Only a lead can be converted to a client contact.")
        return HttpResponseRedirect(reverse("messaging:party", args=[party.pk]))
    client = Client.objects.for_user(request.user).filter(pk=request.POST.get("client") or 0)
    chosen = client.first()
    if chosen is None:
        flash.error(request, "Choose the client the lead now belongs to.")
        return HttpResponseRedirect(reverse("messaging:party", args=[party.pk]))
    try:
        contact_party = services.lead_convert(
            actor=request.actor,  # type: ignore[attr-defined]
            lead=party.lead,  # type: ignore[arg-type]
            client=chosen,
        )
    except ApplicationError as exc:
        flash.error(request, exc.message)
        return HttpResponseRedirect(reverse("messaging:party", args=[party.pk]))
    flash.success(request, f"{party.display_name} is now a contact of {chosen}.")
    if has_permission(request.user, "message.view"):
        return HttpResponseRedirect(reverse("messaging:party", args=[contact_party.pk]))
    return HttpResponseRedirect(reverse("messaging:leads"))


# ---- opening a conversation with someone ------------------------------------------------


@permission_required("message.view")
def client_people_view(request: HttpRequest, client_id: int) -> HttpResponse:
    client = get_object_or_404(Client.objects.for_user(request.user), pk=client_id)
    parties = {
        p.client_contact_id or p.provider_id: p
        for p in Party.objects.filter(client=client, patient=None)
    }
    return render(
        request,
        "messaging/client.html",
        {
            "title": f"Messages: {client.legal_name}",
            "breadcrumbs": _crumbs((client.short_name, None)),
            "client": client,
            "contacts": [(c, parties.get(c.pk)) for c in client.contacts.order_by("name")],
        },
    )


@require_POST
@permission_required("message.send")
def client_contact_open_view(request: HttpRequest, client_id: int) -> HttpResponse:
    client = get_object_or_404(Client.objects.for_user(request.user), pk=client_id)
    contact = client.contacts.filter(pk=request.POST.get("contact") or 0).first()
    if contact is None:
        flash.error(request, "Choose one of the practice's contacts.")
        return HttpResponseRedirect(reverse("messaging:client", args=[client.pk]))
    party = services.party_ensure(actor=request.actor, client_contact=contact)  # type: ignore[attr-defined]
    return HttpResponseRedirect(reverse("messaging:party", args=[party.pk]))


@require_POST
@permission_required("message.send")
def patient_open_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    if not has_permission(request.user, "patient.view"):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("Your role may not open patient records.")
    patient = get_object_or_404(Patient.objects.for_user(request.user), pk=patient_id)
    party = services.party_ensure(actor=request.actor, patient=patient)  # type: ignore[attr-defined]
    return HttpResponseRedirect(reverse("messaging:party", args=[party.pk]))


# ---- public: Contact Us and the providers' webhooks ---------------------------------------


def contact_view(request: HttpRequest) -> HttpResponse:
    """The public Contact Us page: no sign-in; a submission is a lead and a call task."""
    config = messaging_config()
    consent_text = services.contact_consent_text(config)
    problems: list[tuple[str, str]] = []
    data = {}
    if request.method == "POST":
        data = {
            k: request.POST.get(k, "")
            for k in ("name", "organization", "phone", "email", "state", "zip_code", "note")
        }
        if request.POST.get("website"):  # a field people never see: only robots fill it
            return render(request, "messaging/contact_thanks.html", {"title": "Thank you"})
        try:
            services.lead_submit(
                name=data["name"],
                organization=data["organization"],
                phone=data["phone"],
                email=data["email"],
                state=data["state"],
                zip_code=data["zip_code"],
                note=data["note"],
                consent=request.POST.get("consent") == "yes",
                consent_text=consent_text,
                source_ip=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            )
        except ValidationFailed as exc:
            problems = exc.problems
        else:
            return render(request, "messaging/contact_thanks.html", {"title": "Thank you"})
    return render(
        request,
        "messaging/contact.html",
        {
            "title": f"Contact {config.company_name}",
            "breadcrumbs": [("Contact us", None)],
            "consent_text": consent_text,
            "problems": problems,
            "data": data,
        },
        status=422 if problems else 200,
    )


def _webhook_request(request: HttpRequest) -> WebhookRequest:
    config = messaging_config()
    url = (
        config.public_url + request.get_full_path()
        if config.public_url
        else request.build_absolute_uri()
    )
    body = request.body  # read first: the form below is parsed from it
    form = {k: request.POST.get(k, "") for k in request.POST} if request.POST else {}
    return WebhookRequest(
        url=url,
        headers={k.lower(): v for k, v in request.headers.items()},
        body=body,
        form=form,
    )


def _webhook(request: HttpRequest, channel_name: str) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405)
    webhook = _webhook_request(request)
    try:
        result = services.webhook_receive(channel_name=channel_name, request=webhook)
    except ApplicationError:
        return HttpResponse("This provider is not configured.", status=404)
    if result is None:
        return HttpResponse("Signature or token does not verify.", status=403)
    response = HttpResponse(
        '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
        if channel_name == "twilio"
        else "",
        content_type="text/xml" if channel_name == "twilio" else "text/plain",
    )
    for name, value in result.echo_headers.items():
        response[name] = value
    return response


@csrf_exempt
def twilio_webhook_view(request: HttpRequest) -> HttpResponse:
    """Twilio: inbound texts and status callbacks, X-Twilio-Signature verified."""
    return _webhook(request, "twilio")


@csrf_exempt
def ringcentral_webhook_view(request: HttpRequest) -> HttpResponse:
    """RingCentral: the Validation-Token handshake, then Verification-Token notifications."""
    return _webhook(request, "ringcentral")
