"""Communications API: conversations, consent, sends through the gate, refusals, call
tasks, leads and templates. Every handler checks the role and reads through the scoped
selectors; another practice's party is a 404 like one that does not exist."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from pydantic import ValidationError as PydanticValidationError

from openrcm.accounts.permissions import api_require, has_permission
from openrcm.core.errors import NotFound
from openrcm.messaging import selectors, services
from openrcm.messaging.models import Lead, MessageTemplate, Party, PartyKind
from openrcm.privacy.services import audit_read

router = Router(tags=["messaging"])


class ReasonOut(Schema):
    code: str
    message: str
    source: str
    timing: bool


class RefusalOut(Schema):
    id: int
    party_id: int
    at: datetime.datetime
    channel: str
    purpose: str
    reasons: list[ReasonOut]
    next_allowed_at: datetime.datetime | None


class MessageOut(Schema):
    id: int
    direction: str
    kind: str
    purpose: str
    body: str
    status: str
    at: datetime.datetime
    channel_name: str
    intent: str
    needs_review: bool


class ConsentOut(Schema):
    id: int
    channel: str
    purpose: str
    method: str
    text_shown: str
    given_at: datetime.datetime
    evidence_kind: str
    evidence: str
    recorded_by: str
    revoked_at: datetime.datetime | None
    revocation_means: str


class CallTaskOut(Schema):
    id: int
    party_id: int
    team: str
    purpose: str
    reason: str
    due_at: datetime.datetime
    status: str


class PartySummaryOut(Schema):
    id: int
    kind: str
    name: str
    client_id: int | None


class PartyOut(PartySummaryOut):
    messages: list[MessageOut]
    consents: list[ConsentOut]
    refusals: list[RefusalOut]
    call_tasks: list[CallTaskOut]


class SendIn(Schema):
    purpose: str = ""
    body: str = ""
    template: str = ""
    values: dict[str, str] = Field(default_factory=dict)
    in_reply_to: int | None = None
    frame: bool = True


class SendOut(Schema):
    sent: bool
    message: MessageOut | None
    refusal: RefusalOut | None


class ReplyIn(Schema):
    body: str


class ReplyOut(Schema):
    inbound: MessageOut
    reply: MessageOut | None


class ConsentIn(Schema):
    channel: str
    purpose: str
    method: str
    text_shown: str
    evidence_kind: str
    evidence: str


class ConvertIn(Schema):
    client_id: int


class LeadOut(Schema):
    id: int
    name: str
    organization: str
    status: str
    submitted_at: datetime.datetime
    party_id: int | None
    client_id: int | None


class TemplateOut(Schema):
    key: str
    name: str
    purpose: str
    body: str
    variables: list[str]
    preview: str
    active: bool


class TemplateIn(Schema):
    key: str
    name: str
    purpose: str
    body: str
    description: str = ""
    active: bool = True


class PreviewIn(Schema):
    key: str
    values: dict[str, str] = Field(default_factory=dict)


def _json_body(schema: Any) -> dict[str, Any]:
    """The OpenAPI request body of a handler that parses its body itself (after the
    party is found, so another practice's party is a 404 whatever the body says)."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema.model_json_schema()}},
        }
    }


def _parse(request: HttpRequest, schema: Any) -> Any:
    try:
        return schema.model_validate_json(request.body or b"{}")
    except PydanticValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
        )
        raise HttpError(422, f"The request body is not what this route takes: {problems}") from exc


def _party(request: HttpRequest, party_id: int) -> Party:
    if not (
        has_permission(request.user, "message.view") or has_permission(request.user, "lead.view")
    ):
        api_require(request, "message.view")
    try:
        party = selectors.party_get(request.user, party_id)
    except NotFound as exc:
        raise HttpError(404, "No such party.") from exc
    if party.patient_id:
        audit_read(request, party.patient, via="api", detail="conversation")  # type: ignore[arg-type]
    return party


def _refusal(r: Any) -> dict[str, Any]:
    return {
        "id": r.pk,
        "party_id": r.party_id,
        "at": r.at,
        "channel": r.channel,
        "purpose": r.purpose,
        "reasons": r.reasons,
        "next_allowed_at": r.next_allowed_at,
    }


def _summary(p: Party) -> dict[str, Any]:
    return {"id": p.pk, "kind": p.kind, "name": p.display_name, "client_id": p.client_id}


@router.get("/parties", response=list[PartySummaryOut], url_name="messaging_parties")
def parties(request: HttpRequest) -> Any:
    if not has_permission(request.user, "lead.view"):
        api_require(request, "message.view")
    return [_summary(p) for p in selectors.parties_for(request.user)[:500]]


@router.get("/parties/{party_id}", response=PartyOut, url_name="messaging_party")
def party(request: HttpRequest, party_id: int) -> Any:
    found = _party(request, party_id)
    record = selectors.party_record(found)
    return {
        **_summary(found),
        "messages": record.messages,
        "consents": record.consents,
        "refusals": [_refusal(r) for r in record.refusals],
        "call_tasks": record.call_tasks,
    }


@router.post(
    "/parties/{party_id}/messages",
    response=SendOut,
    url_name="messaging_send",
    openapi_extra=_json_body(SendIn),
)
def send(request: HttpRequest, party_id: int) -> Any:
    found = _party(request, party_id)
    data = _parse(request, SendIn)
    action = "lead.change" if found.kind == PartyKind.PROSPECT else "message.send"
    api_require(request, action)
    actor = request.actor  # type: ignore[attr-defined]
    if data.template:
        template = MessageTemplate.objects.filter(key=data.template).first()
        if template is None:
            raise HttpError(422, f"No template called {data.template!r}.")
        outcome = services.message_send_template(
            actor=actor, party=found, template=template, values=data.values
        )
    else:
        body = services.message_compose(found, data.body) if data.frame else data.body
        reply_to = found.messages.filter(pk=data.in_reply_to).first() if data.in_reply_to else None
        outcome = services.message_send(
            actor=actor, party=found, purpose=data.purpose, body=body, in_reply_to=reply_to
        )
    return {
        "sent": outcome.sent,
        "message": outcome.message,
        "refusal": _refusal(outcome.refusal) if outcome.refusal else None,
    }


@router.post(
    "/parties/{party_id}/replies",
    response=ReplyOut,
    url_name="messaging_reply",
    openapi_extra=_json_body(ReplyIn),
)
def reply(request: HttpRequest, party_id: int) -> Any:
    """Record the other side's reply in an embedded-outbox conversation."""
    found = _party(request, party_id)
    data = _parse(request, ReplyIn)
    api_require(request, "lead.change" if found.kind == PartyKind.PROSPECT else "message.send")
    outcome = services.inbound_simulate(
        actor=request.actor,  # type: ignore[attr-defined]
        party=found,
        body=data.body,
    )
    return {"inbound": outcome.inbound, "reply": outcome.reply}


@router.post(
    "/parties/{party_id}/consents",
    response=ConsentOut,
    url_name="messaging_consent",
    openapi_extra=_json_body(ConsentIn),
)
def consent(request: HttpRequest, party_id: int) -> Any:
    found = _party(request, party_id)
    data = _parse(request, ConsentIn)
    api_require(request, "lead.change" if found.kind == PartyKind.PROSPECT else "message.send")
    return services.consent_record(
        actor=request.actor,  # type: ignore[attr-defined]
        party=found,
        **data.dict(),
    )


@router.post(
    "/parties/{party_id}/convert",
    response=PartySummaryOut,
    url_name="messaging_convert",
    openapi_extra=_json_body(ConvertIn),
)
def convert(request: HttpRequest, party_id: int) -> Any:
    found = _party(request, party_id)
    data = _parse(request, ConvertIn)
    api_require(request, "lead.change")
    if found.lead_id is None:
        raise HttpError(422, "Only a lead can be converted to a client contact.")
    from openrcm.clients.models import Client

    client = Client.objects.for_user(request.user).filter(pk=data.client_id).first()
    if client is None:
        raise HttpError(404, "No such client.")
    converted = services.lead_convert(
        actor=request.actor,  # type: ignore[attr-defined]
        lead=found.lead,  # type: ignore[arg-type]
        client=client,
    )
    return _summary(converted)


@router.get("/refusals", response=list[RefusalOut], url_name="messaging_refusals")
def refusals(request: HttpRequest) -> Any:
    api_require(request, "message.view")
    return [_refusal(r) for r in selectors.refusals_for(request.user)[:500]]


@router.get("/call-tasks", response=list[CallTaskOut], url_name="messaging_call_tasks")
def call_tasks(request: HttpRequest) -> Any:
    if not has_permission(request.user, "lead.view"):
        api_require(request, "message.view")
    return list(selectors.call_tasks_for(request.user)[:500])


@router.get("/leads", response=list[LeadOut], url_name="messaging_leads")
def leads(request: HttpRequest) -> Any:
    api_require(request, "lead.view")
    rows: list[Lead] = list(selectors.leads_for(request.user)[:500])
    party_ids = dict(Party.objects.filter(lead__in=rows).values_list("lead_id", "pk"))
    return [
        {
            "id": lead.pk,
            "name": lead.name,
            "organization": lead.organization,
            "status": lead.status,
            "submitted_at": lead.submitted_at,
            "party_id": party_ids.get(lead.pk),
            "client_id": lead.client_id,
        }
        for lead in rows
    ]


def _template(t: MessageTemplate) -> dict[str, Any]:
    return {
        "key": t.key,
        "name": t.name,
        "purpose": t.purpose,
        "body": t.body,
        "variables": services.template_variables(t.body),
        "preview": services.template_preview(t),
        "active": t.active,
    }


@router.get("/templates", response=list[TemplateOut], url_name="messaging_templates")
def templates(request: HttpRequest) -> Any:
    api_require(request, "message.view")
    return [_template(t) for t in selectors.templates_list()]


@router.post("/templates", response=TemplateOut, url_name="messaging_template_save")
def template_save(request: HttpRequest, data: TemplateIn) -> Any:
    api_require(request, "message.templates")
    saved = services.template_save(actor=request.actor, **data.dict())  # type: ignore[attr-defined]
    return _template(saved)


@router.post("/templates/preview", response=dict[str, str], url_name="messaging_template_preview")
def template_preview(request: HttpRequest, data: PreviewIn) -> Any:
    api_require(request, "message.view")
    template = MessageTemplate.objects.filter(key=data.key).first()
    if template is None:
        raise HttpError(404, f"No template called {data.key!r}.")
    return {"preview": services.template_preview(template, data.values)}
