"""Every change in communications, and the only way a message or call leaves openrcm.

``message_send`` builds the policy gate's inputs from the database, asks
``openrcm.rules.messaging.may_send_message`` and hands the message to a channel only when
the gate allows it; a refusal is recorded with every reason. ``call_start`` does the same
for calls. The keyword replies of ``inbound_receive`` (one opt-out confirmation, HELP,
opt-in confirmation) are the only other messages that reach a channel: they are the
opt-out machinery itself and go to the number that just wrote to us.

Channels are private to this module (``_channel``, ``_deliver``, ``_place_call``);
``tests/test_only_the_gate_sends.py`` proves nothing else reaches them.
"""

from __future__ import annotations

import datetime
import string
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from openrcm.accounts.permissions import has_permission, permission_check
from openrcm.clients.models import Client, ClientContact, Provider
from openrcm.clients.services import client_contact_create
from openrcm.core.actor import Actor
from openrcm.core.errors import (
    ApplicationError,
    NotFound,
    TransitionNotAllowed,
    ValidationFailed,
)
from openrcm.core.fields import search_hash_for
from openrcm.core.scoping import visible_client_ids
from openrcm.core.validation import Problems
from openrcm.messaging.channels import (
    ChannelError,
    InboundText,
    StatusUpdate,
    WebhookResult,
)
from openrcm.messaging.channels import WebhookRequest as WebhookRequest  # for the views
from openrcm.messaging.channels.outbox import OutboxChannel
from openrcm.messaging.conf import MessagingConfig, messaging_config
from openrcm.messaging.models import (
    CALL_TASK_TRANSITIONS,
    LEAD_TRANSITIONS,
    MESSAGE_TRANSITIONS,
    CallLog,
    CallOutcome,
    CallTask,
    CallTaskStatus,
    CallTeam,
    ChannelKind,
    ConsentMethod,
    ConsentPurpose,
    ConsentRecord,
    Direction,
    EvidenceKind,
    InboundIntent,
    Lead,
    LeadStatus,
    LeadStatusChange,
    Message,
    MessageKind,
    MessagePurpose,
    MessageStatus,
    MessageStatusChange,
    MessageTemplate,
    Party,
    PartyKind,
    RevocationMeans,
    SendRefusal,
    Subscription,
    SubscriptionStatus,
)
from openrcm.messaging.policy import (
    address_hashes,
    brand_key,
    client_contract_state,
    party_brand,
    party_policy_view,
    send_history,
)
from openrcm.patients.models import Patient
from openrcm.privacy.models import AuditAction
from openrcm.privacy.services import audit_record
from openrcm.rules import messaging as rules
from openrcm.rules.decisions import Channel, Decision
from openrcm.rules.identifiers import normalize_email, normalize_phone, phone_problem

CONTACT_FORM_ACTOR = Actor.job("contact-form")
WEBHOOK_ACTOR = Actor.job("messaging-webhook")
LEAD_CALLBACK_WITHIN = datetime.timedelta(hours=4)


@dataclass(frozen=True)
class SendOutcome:
    """What came of a send: the message handed to the channel, or the recorded refusal."""

    message: Message | None = None
    refusal: SendRefusal | None = None

    @property
    def sent(self) -> bool:
        return self.message is not None


@dataclass(frozen=True)
class InboundOutcome:
    inbound: Message
    reply: Message | None
    duplicate: bool = False


@dataclass(frozen=True)
class CallOutcomeResult:
    call: CallLog | None = None
    refusal: SendRefusal | None = None
    dial_yourself: bool = False


# ---- channels (private) -----------------------------------------------------------------

_channel_cache: dict[tuple[str, ...], Any] = {}


def _channel(config: MessagingConfig, name: str | None = None) -> Any:
    """The channel object for ``name`` (default: the configured one)."""
    name = name or config.channel
    if name == "outbox":
        return OutboxChannel()
    if name not in ("twilio", "ringcentral"):
        raise ApplicationError(f"no such messaging channel: {name!r}", code="channel_unknown")
    if name == config.channel:
        problems = config.problems()
    elif name == "twilio" and not config.twilio_auth_token:
        problems = ["OPENRCM_TWILIO_AUTH_TOKEN is not set"]
    elif name == "ringcentral" and not config.ringcentral_verification_token:
        problems = ["OPENRCM_RINGCENTRAL_VERIFICATION_TOKEN is not set"]
    else:
        problems = []
    if problems:
        raise ApplicationError("; ".join(problems), code="channel_not_configured")
    if name == "twilio":
        key: tuple[str, ...] = (
            name,
            config.twilio_account_sid,
            config.twilio_auth_token,
            config.from_number,
            config.twilio_api_base_url,
        )
        if key not in _channel_cache:
            from openrcm.messaging.channels.twilio import TwilioChannel

            _channel_cache[key] = TwilioChannel(
                account_sid=config.twilio_account_sid,
                auth_token=config.twilio_auth_token,
                from_number=config.from_number,
                api_base_url=config.twilio_api_base_url,
            )
        return _channel_cache[key]
    key = (
        name,
        config.ringcentral_server_url,
        config.ringcentral_client_id,
        config.ringcentral_client_secret,
        config.ringcentral_jwt,
        config.from_number,
        config.ringcentral_verification_token,
        config.ringcentral_ringout_from,
    )
    if key not in _channel_cache:
        from openrcm.messaging.channels.ringcentral import RingCentralChannel

        _channel_cache[key] = RingCentralChannel(
            server_url=config.ringcentral_server_url,
            client_id=config.ringcentral_client_id,
            client_secret=config.ringcentral_client_secret,
            jwt=config.ringcentral_jwt,
            from_number=config.from_number,
            verification_token=config.ringcentral_verification_token,
            ringout_from=config.ringcentral_ringout_from,
        )
    return _channel_cache[key]


def _status_callback_url(config: MessagingConfig, channel_name: str) -> str | None:
    if channel_name != "twilio" or not config.public_url:
        return None
    return config.public_url + reverse("messaging:webhook_twilio")


def _deliver(message: Message) -> Message:
    """Hand a queued message to its channel and record the channel's answer.

    Called only by ``message_send`` (after the gate allowed the message) and by
    ``inbound_receive`` (keyword replies). Runs outside the transaction that queued the
    message, so a slow provider holds no locks.
    """
    config = messaging_config()
    try:
        channel = _channel(config, message.channel_name)
        receipt = channel.send_text(
            to=message.address,
            body=message.body,
            status_callback_url=_status_callback_url(config, message.channel_name),
        )
    except (ChannelError, ApplicationError) as exc:
        with transaction.atomic():
            _message_status_set(message, MessageStatus.FAILED, source="channel", detail=str(exc))
        return message
    with transaction.atomic():
        message.provider_message_id = receipt.provider_message_id
        message.save(update_fields=["provider_message_id", "updated_at"])
        _message_status_set(message, receipt.status, source=channel.name, detail=receipt.detail)
    return message


def _place_call(config: MessagingConfig, to: str) -> tuple[str, str, bool]:
    """Ring ``to`` through the channel; (channel name, call id, dial yourself?)."""
    channel = _channel(config)
    if not channel.places_calls:
        return "manual", "", True
    try:
        receipt = channel.place_call(to=to)
    except ChannelError:
        return "manual", "", True
    return str(channel.name), receipt.provider_call_id, False


def _message_status_set(message: Message, to: str, *, source: str, detail: str = "") -> bool:
    """Move ``message`` to status ``to`` if the table allows it; record the change."""
    if to == message.status:
        return False
    if to not in MESSAGE_TRANSITIONS.get(message.status, set()):
        return False  # late or out-of-order callback: the later state stands
    previous = message.status
    message.status = to
    message.status_detail = detail[:255]
    message.save(update_fields=["status", "status_detail", "updated_at"])
    MessageStatusChange.objects.create(
        message=message,
        from_status=previous,
        to_status=to,
        at=timezone.now(),
        source=source[:64],
        detail=detail[:255],
    )
    return True


# ---- who may act on which party ---------------------------------------------------------


def party_visible_to(user: Any, party: Party) -> bool:
    """Client scoping for parties: practice parties by the user's practices, prospects to
    lead workers, staff parties to billing-company staff."""
    if user is None:
        return True  # a job
    if party.client_id is not None:
        ids = visible_client_ids(user)
        return ids is None or party.client_id in ids
    if party.kind == PartyKind.PROSPECT:
        return has_permission(user, "lead.view")
    return not getattr(user, "is_client_user", True) and has_permission(user, "message.view")


def _require_party(actor: Actor, party: Party, action: str) -> None:
    if party.kind == PartyKind.PROSPECT and action == "message.send":
        action = "lead.change"
    permission_check(actor, action)
    if not party_visible_to(actor.user, party):
        raise NotFound("No such party.")
    if party.kind == PartyKind.PATIENT:
        permission_check(actor, "patient.view")


def _now(now: datetime.datetime | None) -> datetime.datetime:
    return now if now is not None else timezone.now()


# ---- parties ----------------------------------------------------------------------------


def _clean_phone(problems: Problems, field: str, phone: str) -> str:
    if not phone:
        return ""
    problem = phone_problem(phone)
    if problem:
        problems.add(field, problem)
        return ""
    return normalize_phone(phone)


@transaction.atomic
def party_ensure(
    *,
    actor: Actor,
    client_contact: ClientContact | None = None,
    provider: Provider | None = None,
    patient: Patient | None = None,
    user: Any = None,
    phone: str = "",
    email: str = "",
    state: str = "",
    zip_code: str = "",
) -> Party:
    """The party for a contact, provider, patient or staff user (made on first use).

    The number and address default to the linked record's (a provider's and a staff
    member's must be given). An existing party keeps its number unless a new one is given.
    """
    links = [x for x in (client_contact, provider, patient, user) if x is not None]
    if len(links) != 1:
        raise TypeError("party_ensure takes exactly one of client_contact/provider/patient/user")
    problems = Problems()
    phone = _clean_phone(problems, "phone", phone)
    problems.raise_if_any()
    if client_contact is not None:
        lookup: dict[str, Any] = {"client_contact": client_contact}
        defaults: dict[str, Any] = {
            "kind": PartyKind.CLIENT_CONTACT,
            "client": client_contact.client,
            "phone": phone or client_contact.phone,
            "email": email or client_contact.email,
        }
    elif provider is not None:
        lookup = {"provider": provider}
        defaults = {"kind": PartyKind.PROVIDER, "client": provider.client, "phone": phone}
        defaults["email"] = email
    elif patient is not None:
        lookup = {"patient": patient}
        defaults = {
            "kind": PartyKind.PATIENT,
            "client": patient.client,
            "phone": phone or patient.phone,
            "email": email or patient.email,
        }
    else:
        lookup = {"user": user}
        defaults = {
            "kind": PartyKind.STAFF,
            "phone": phone,
            "email": email or getattr(user, "email", ""),
            "state": state,
            "zip_code": zip_code,
        }
    party = Party.objects.filter(**lookup).first()
    if party is None:
        party = Party.objects.create(**lookup, **defaults)
        audit_record(actor=actor, action=AuditAction.CREATE, obj=party, client_id=party.client_id)
        return party
    changes: dict[str, Any] = {}
    if phone and phone != party.phone:
        party.phone = phone
        changes["phone"] = "changed"
    if email and email != party.email:
        party.email = email
        changes["email"] = "changed"
    if changes:
        party.save()
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=party,
            changes=changes,
            client_id=party.client_id,
        )
    return party


# ---- consent ----------------------------------------------------------------------------

WRITTEN_METHODS = {ConsentMethod.WEB_FORM, ConsentMethod.PAPER_FORM, ConsentMethod.INTAKE_PORTAL}


@transaction.atomic
def consent_record(
    *,
    actor: Actor,
    party: Party,
    channel: str,
    purpose: str,
    method: str,
    text_shown: str,
    evidence_kind: str,
    evidence: str,
    given_at: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
) -> ConsentRecord:
    """Record a consent a person gave: the exact words, how, when, and the proof.

    SMS consent is taken only from someone we may text at all: never from a prospect
    (convert the lead first), and from a client's people only while the contract is
    active (consent given as a lead does not count).
    """
    _require_party(actor, party, "message.send")
    now = _now(now)
    given_at = given_at or now
    problems = Problems()
    if channel not in ChannelKind.values:
        problems.add("channel", f"{channel!r} is not a channel ({', '.join(ChannelKind.values)})")
    if purpose not in ConsentPurpose.values:
        problems.add("purpose", f"{purpose!r} is not a consent purpose (service, marketing)")
    if method not in ConsentMethod.values:
        problems.add("method", f"{method!r} is not a way of giving consent")
    if evidence_kind not in EvidenceKind.values:
        problems.add("evidence_kind", f"{evidence_kind!r} is not a kind of evidence")
    problems.require("text_shown", text_shown.strip(), "the exact consent text shown")
    problems.require("evidence", evidence.strip(), "the evidence (form id, call note, file)")
    if given_at > now + datetime.timedelta(minutes=5):
        problems.add("given_at", "consent cannot be given in the future")
    if channel in (ChannelKind.SMS, ChannelKind.VOICE) and not party.phone:
        problems.add("channel", "the party has no phone number to consent for")
    if channel == ChannelKind.EMAIL and not party.email:
        problems.add("channel", "the party has no email address to consent for")
    if channel == ChannelKind.SMS and party.kind == PartyKind.PROSPECT:
        problems.add(
            "channel",
            "a prospect is called, never texted: convert the lead to a client with an "
            "active contract, then record SMS consent",
        )
    if (
        channel == ChannelKind.SMS
        and party.kind in (PartyKind.CLIENT_CONTACT, PartyKind.PROVIDER)
        and party.client is not None
    ):
        status, started = client_contract_state(party.client)
        if status is not rules.ContractStatus.ACTIVE:
            state = status.value if status else "no contract"
            problems.add(
                "channel",
                f"SMS consent is taken only from a contracted client; {party.client} is {state}",
            )
        elif started is not None and given_at < started:
            problems.add("given_at", "SMS consent must be given after the contract began")
    if purpose == ConsentPurpose.MARKETING:
        if party.kind == PartyKind.PATIENT:
            problems.add("purpose", "patients are never sent marketing")
        if method not in WRITTEN_METHODS:
            problems.add(
                "method",
                "marketing needs prior express written consent (web form, signed paper or "
                "intake portal)",
            )
    problems.raise_if_any()
    _, brand_client = party_brand(party, messaging_config().company_name)
    record = ConsentRecord.objects.create(
        party=party,
        channel=channel,
        purpose=purpose,
        brand_client=brand_client,
        method=method,
        text_shown=text_shown.strip(),
        given_at=given_at,
        evidence_kind=evidence_kind,
        evidence=evidence.strip(),
        recorded_by=actor.label[:150],
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=record,
        detail=f"{channel} {purpose} consent ({method})",
        client_id=party.client_id,
    )
    return record


def _consents_revoke(
    *,
    actor: Actor,
    consents: Any,
    means: str,
    evidence: str,
    now: datetime.datetime,
    message: Message | None = None,
) -> int:
    count = 0
    for record in consents.filter(revoked_at=None).select_related("party"):
        record.revoked_at = now
        record.revoked_by = actor.label[:150]
        record.revocation_means = means
        record.revocation_evidence = evidence
        record.revocation_message = message
        record.save(
            update_fields=[
                "revoked_at",
                "revoked_by",
                "revocation_means",
                "revocation_evidence",
                "revocation_message",
                "updated_at",
            ]
        )
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=record,
            changes={"revoked_at": [None, now.isoformat()]},
            detail=f"consent revoked: {means}",
            client_id=record.party.client_id,
        )
        count += 1
    return count


@transaction.atomic
def consent_revoke(
    *,
    actor: Actor,
    consent: ConsentRecord,
    means: str,
    evidence: str,
    now: datetime.datetime | None = None,
) -> ConsentRecord:
    """Revoke one consent (the person said so on a call, in writing...)."""
    _require_party(actor, consent.party, "message.send")
    problems = Problems()
    if means not in RevocationMeans.values:
        problems.add("means", f"{means!r} is not a means of revocation")
    problems.require("evidence", evidence.strip(), "what the person said or wrote, and when")
    if consent.revoked_at is not None:
        problems.add("consent", "this consent is already revoked")
    problems.raise_if_any()
    _consents_revoke(
        actor=actor,
        consents=ConsentRecord.objects.filter(pk=consent.pk),
        means=means,
        evidence=evidence.strip(),
        now=_now(now),
    )
    consent.refresh_from_db()
    return consent


def _subscription_locked(address_hash: str, channel: str, brand: Client | None) -> Subscription:
    key = brand_key(brand.pk if brand else None)
    found = (
        Subscription.objects.select_for_update()
        .filter(address_hash=address_hash, channel=channel, brand_key=key)
        .first()
    )
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return Subscription.objects.create(
                address_hash=address_hash,
                channel=channel,
                brand_key=key,
                brand_client=brand,
                status=SubscriptionStatus.SUBSCRIBED,
                changed_at=timezone.now(),
            )
    except IntegrityError:  # created meanwhile by a concurrent message
        return Subscription.objects.select_for_update().get(
            address_hash=address_hash, channel=channel, brand_key=key
        )


# ---- sending ----------------------------------------------------------------------------


def _outbound(
    *,
    party: Party,
    channel: str,
    purpose: str,
    body: str,
    in_reply_to: Message | None,
    subject: str,
    config: MessagingConfig,
) -> rules.OutboundMessage:
    brand_name, brand_client = party_brand(party, config.company_name)
    return rules.OutboundMessage(
        channel=Channel(channel),
        purpose=rules.Purpose(purpose),
        body=body,
        sender_brand=brand_name,
        on_behalf_of_client_id=str(brand_client.pk) if brand_client else None,
        in_reply_to_inbound_at=in_reply_to.at if in_reply_to is not None else None,
        subject=subject,
    )


def message_decide(
    *,
    party: Party,
    purpose: str,
    body: str,
    channel: str = ChannelKind.SMS,
    in_reply_to: Message | None = None,
    subject: str = "",
    now: datetime.datetime | None = None,
) -> Decision:
    """What the gate would say now (for previews; ``message_send`` asks again)."""
    config = messaging_config()
    now = _now(now)
    outbound = _outbound(
        party=party,
        channel=channel,
        purpose=purpose,
        body=body,
        in_reply_to=in_reply_to,
        subject=subject,
        config=config,
    )
    return rules.may_send_message(
        party_policy_view(party),
        outbound,
        settings=config.policy(),
        history=send_history(party, now),
        now=now,
    )


def _refusal_record(
    *,
    actor: Actor,
    party: Party,
    outbound: rules.OutboundMessage,
    decision: Decision,
    now: datetime.datetime,
    template: MessageTemplate | None = None,
    call_task: CallTask | None = None,
) -> SendRefusal:
    reasons = [
        {"code": r.code, "message": r.message, "source": r.source, "timing": r.timing}
        for r in decision.reasons
    ]
    refusal = SendRefusal.objects.create(
        party=party,
        channel=outbound.channel.value,
        purpose=outbound.purpose.value,
        body=outbound.body,
        sender_brand=outbound.sender_brand[:120],
        reasons=reasons,
        codes=" ".join(sorted(decision.codes))[:255],
        next_allowed_at=decision.next_allowed_at,
        at=now,
        actor=actor.label[:150],
        template=template,
        call_task=call_task,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=refusal,
        detail=f"refused {outbound.channel.value}: {refusal.codes}",
        client_id=party.client_id,
    )
    return refusal


def message_send(
    *,
    actor: Actor,
    party: Party,
    purpose: str,
    body: str,
    channel: str = ChannelKind.SMS,
    in_reply_to: Message | None = None,
    template: MessageTemplate | None = None,
    subject: str = "",
    now: datetime.datetime | None = None,
) -> SendOutcome:
    """Send a text to ``party`` if the policy gate allows it; otherwise record why not.

    The gate's inputs come from the database at this moment, with the party locked so
    two sends cannot both slip under a frequency cap. The message is queued in that
    transaction and handed to the channel after it.
    """
    _require_party(actor, party, "message.send")
    problems = Problems()
    if channel != ChannelKind.SMS:
        problems.add(
            "channel",
            "message_send sends texts; calls go through call_start, and email is not a "
            "channel of this deployment",
        )
    if purpose not in MessagePurpose.values:
        problems.add(
            "purpose", f"{purpose!r} is not a purpose ({', '.join(MessagePurpose.values)})"
        )
    if in_reply_to is not None and (
        in_reply_to.direction != Direction.INBOUND or in_reply_to.party_id != party.pk
    ):
        problems.add("in_reply_to", "a reply answers an inbound message of the same party")
    problems.raise_if_any()
    config = messaging_config()
    now = _now(now)
    with transaction.atomic():
        party = Party.objects.select_for_update().get(pk=party.pk)
        outbound = _outbound(
            party=party,
            channel=channel,
            purpose=purpose,
            body=body,
            in_reply_to=in_reply_to,
            subject=subject,
            config=config,
        )
        decision = rules.may_send_message(
            party_policy_view(party),
            outbound,
            settings=config.policy(),
            history=send_history(party, now),
            now=now,
        )
        if not decision.allowed:
            refusal = _refusal_record(
                actor=actor,
                party=party,
                outbound=outbound,
                decision=decision,
                now=now,
                template=template,
            )
            return SendOutcome(refusal=refusal)
        _, brand_client = party_brand(party, config.company_name)
        message = Message.objects.create(
            party=party,
            direction=Direction.OUTBOUND,
            channel=channel,
            kind=MessageKind.ORDINARY,
            purpose=purpose,
            body=body,
            address=party.phone,
            sender_brand=outbound.sender_brand[:120],
            brand_client=brand_client,
            channel_name=config.channel,
            status=MessageStatus.QUEUED,
            at=now,
            actor=actor.label[:150],
            in_reply_to=in_reply_to,
            template=template,
            subject=subject[:64],
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=message,
            detail=f"text queued ({purpose})",
            client_id=party.client_id,
        )
    return SendOutcome(message=_deliver(message))


# ---- templates --------------------------------------------------------------------------

PREVIEW_VALUES = {
    "sender": "Demo Billing Company",
    "practice": "Riverbend Family Medicine PC",
    "contact_name": "Grace",
    "month": "January",
    "quarter": "Q1 2026",
    "issue": "the modifier question on claim 4711",
    "date": "Tuesday, March 3",
    "time": "10:30 a.m.",
    "staff_name": "Blake",
    "note": "the 837 batch for today is out",
}


def template_variables(body: str) -> list[str]:
    """The ``{names}`` a template uses, in order of first use."""
    names: list[str] = []
    for _, name, _, _ in string.Formatter().parse(body):
        if name is not None and name not in names:
            names.append(name)
    return names


def _template_problems(body: str) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    try:
        names = template_variables(body)
    except ValueError as exc:
        return [("body", f"the template is not well formed: {exc}")]
    for name in names:
        if not name.isidentifier():
            problems.append(("body", f"{{{name}}} is not a variable name"))
    if "sender" not in names:
        problems.append(("body", "a template names its sender: start it with {sender}:"))
    return problems


def template_render(template: MessageTemplate | str, values: dict[str, str]) -> str:
    """The template's text with ``values`` filled in; every missing value is named."""
    body = template.body if isinstance(template, MessageTemplate) else template
    names = template_variables(body)
    missing = [name for name in names if not str(values.get(name, "")).strip()]
    if missing:
        raise ValidationFailed(
            [("values", f"the template needs a value for {{{name}}}") for name in missing]
        )
    return body.format_map({name: str(values[name]) for name in names})


def template_preview(template: MessageTemplate, values: dict[str, str] | None = None) -> str:
    """The template with sample values (and any given ones) for the preview screen."""
    sample = {**PREVIEW_VALUES, "sender": messaging_config().company_name, **(values or {})}
    return template_render(template, sample)


@transaction.atomic
def template_save(
    *,
    actor: Actor,
    key: str,
    name: str,
    purpose: str,
    body: str,
    description: str = "",
    active: bool = True,
) -> MessageTemplate:
    """Create or change the template called ``key``."""
    permission_check(actor, "message.templates")
    problems = Problems()
    problems.require("key", key.strip())
    problems.require("name", name.strip())
    if purpose not in MessagePurpose.values:
        problems.add("purpose", f"{purpose!r} is not a purpose")
    for field_name, text in _template_problems(body):
        problems.add(field_name, text)
    problems.raise_if_any()
    template, created = MessageTemplate.objects.update_or_create(
        key=key.strip(),
        defaults={
            "name": name.strip(),
            "purpose": purpose,
            "body": body.strip(),
            "description": description.strip(),
            "active": active,
        },
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        obj=template,
    )
    return template


def templates_install_defaults() -> int:
    """Put back any built-in template that is missing (after a database flush); the
    number installed. Templates a deployment changed are left as they are."""
    from openrcm.messaging.template_defaults import DEFAULT_TEMPLATES

    installed = 0
    for key, name, purpose, body, description in DEFAULT_TEMPLATES:
        _, created = MessageTemplate.objects.get_or_create(
            key=key,
            defaults={
                "name": name,
                "purpose": purpose,
                "channel": ChannelKind.SMS,
                "body": body,
                "description": description,
            },
        )
        installed += int(created)
    return installed


def template_values_for(party: Party, config: MessagingConfig) -> dict[str, str]:
    """The values every template may use without being given them."""
    brand_name, _ = party_brand(party, config.company_name)
    values = {"sender": brand_name}
    if party.client_id:
        values["practice"] = str(party.client.legal_name)  # type: ignore[union-attr]
    first = party.display_name.split()[0] if party.display_name else ""
    if first:
        values["contact_name"] = first
    return values


def message_send_template(
    *,
    actor: Actor,
    party: Party,
    template: MessageTemplate,
    values: dict[str, str] | None = None,
    now: datetime.datetime | None = None,
) -> SendOutcome:
    """Fill in a template and send it through the gate."""
    if not template.active:
        raise ValidationFailed([("template", f"the template {template.key!r} is switched off")])
    config = messaging_config()
    filled = {**template_values_for(party, config), **(values or {})}
    body = template_render(template, filled)
    return message_send(
        actor=actor,
        party=party,
        purpose=template.purpose,
        body=body,
        template=template,
        subject=template.key[:64],
        now=now,
    )


def message_compose(party: Party, text: str) -> str:
    """A free-typed text framed as the policy needs: sender first, opt-out line last."""
    config = messaging_config()
    brand_name, _ = party_brand(party, config.company_name)
    policy = config.policy()
    text = text.strip()
    words = rules.normalize_inbound(text)
    if rules.normalize_inbound(brand_name) not in words:
        text = f"{brand_name}: {text}"
    if party.kind != PartyKind.STAFF and rules.normalize_inbound(policy.opt_out_text) not in words:
        text = f"{text} {policy.opt_out_text}."
    return text


# ---- inbound ----------------------------------------------------------------------------


def _phone_of(number: str) -> str:
    try:
        return normalize_phone(number)
    except Exception:
        return number.strip()


def inbound_receive(
    *,
    channel_name: str,
    from_number: str,
    body: str,
    provider_message_id: str = "",
    now: datetime.datetime | None = None,
    actor: Actor = WEBHOOK_ACTOR,
) -> InboundOutcome:
    """Take one inbound text: record it, apply STOP/HELP/START, send the one reply.

    The same provider message twice (a webhook retried) changes nothing the second time
    and sends no second confirmation. A STOP holds for the number, whoever we think
    holds it; consent of every party with that number is revoked for the sender.
    """
    now = _now(now)
    config = messaging_config()
    policy = config.policy()
    phone = _phone_of(from_number)
    phone_hash = search_hash_for(Party, "phone_hash", phone)
    if provider_message_id:
        existing = Message.objects.filter(
            channel_name=channel_name, provider_message_id=provider_message_id
        ).first()
        if existing is not None:
            return InboundOutcome(inbound=existing, reply=None, duplicate=True)
    try:
        with transaction.atomic():
            inbound, reply = _inbound_record(
                channel_name=channel_name,
                phone=phone,
                phone_hash=phone_hash,
                body=body,
                provider_message_id=provider_message_id,
                now=now,
                actor=actor,
                config=config,
                policy=policy,
            )
    except IntegrityError:
        existing = Message.objects.filter(
            channel_name=channel_name, provider_message_id=provider_message_id
        ).first()
        if existing is None or not provider_message_id:
            raise
        return InboundOutcome(inbound=existing, reply=None, duplicate=True)
    if reply is not None:
        reply = _deliver(reply)
    return InboundOutcome(inbound=inbound, reply=reply)


def _inbound_record(
    *,
    channel_name: str,
    phone: str,
    phone_hash: str,
    body: str,
    provider_message_id: str,
    now: datetime.datetime,
    actor: Actor,
    config: MessagingConfig,
    policy: rules.PolicySettings,
) -> tuple[Message, Message | None]:
    parties = list(Party.objects.filter(phone_hash=phone_hash).select_related("client"))
    last_out = (
        Message.objects.filter(address_hash=phone_hash, direction=Direction.OUTBOUND)
        .select_related("party", "brand_client")
        .order_by("-at", "-pk")
        .first()
    )
    party = last_out.party if last_out is not None and last_out.party else None
    if party is None and parties:
        party = parties[0]
    if last_out is not None:
        brand_client = last_out.brand_client
    elif party is not None:
        brand_client = party_brand(party, config.company_name)[1]
    else:
        brand_client = None
    brand_name = str(brand_client.legal_name) if brand_client else config.company_name
    subscription = _subscription_locked(phone_hash, ChannelKind.SMS, brand_client)
    state = rules.SubscriptionState(
        channel=Channel.SMS,
        brand_client_id=str(brand_client.pk) if brand_client else None,
        brand_name=brand_name,
        status=rules.SubscriptionStatus(subscription.status),
        changed_at=subscription.changed_at,
    )
    outcome = rules.handle_inbound(state, body, now, policy)
    inbound = Message.objects.create(
        party=party,
        direction=Direction.INBOUND,
        channel=ChannelKind.SMS,
        kind=MessageKind.INBOUND,
        body=body,
        address=phone,
        sender_brand=brand_name[:120],
        brand_client=brand_client,
        channel_name=channel_name,
        provider_message_id=provider_message_id,
        status=MessageStatus.RECEIVED,
        at=now,
        actor=actor.label[:150],
        intent=InboundIntent(outcome.intent.kind.value),
        needs_review=outcome.needs_review,
    )
    client_id = party.client_id if party is not None else None
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=inbound,
        detail=f"text received ({outcome.intent.kind.value})",
        client_id=client_id,
    )
    if outcome.state.status.value != subscription.status:
        previous = subscription.status
        subscription.status = outcome.state.status.value
        subscription.changed_at = now
        subscription.save(update_fields=["status", "changed_at"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=subscription,
            changes={"status": [previous, subscription.status]},
            detail=f"inbound message #{inbound.pk}",
            client_id=client_id,
        )
    if outcome.consent_revoked:
        means = RevocationMeans.FREE_TEXT if outcome.needs_review else RevocationMeans.KEYWORD
        _consents_revoke(
            actor=actor,
            consents=ConsentRecord.objects.filter(
                party__phone_hash=phone_hash, channel=ChannelKind.SMS, brand_client=brand_client
            ),
            means=means,
            evidence=f"inbound message #{inbound.pk}: {body[:200]}",
            now=now,
            message=inbound,
        )
    if outcome.consent_given and party is not None and party.kind != PartyKind.PROSPECT:
        record = ConsentRecord.objects.create(
            party=party,
            channel=ChannelKind.SMS,
            purpose=ConsentPurpose.SERVICE,
            brand_client=brand_client,
            method=ConsentMethod.KEYWORD_OPTIN,
            text_shown=outcome.reply or "",
            given_at=now,
            evidence_kind=EvidenceKind.INBOUND_MESSAGE,
            evidence=f"inbound message #{inbound.pk}: {body[:200]}",
            recorded_by=actor.label[:150],
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=record,
            detail="sms service consent (keyword START)",
            client_id=client_id,
        )
    reply = None
    if outcome.reply is not None and outcome.reply_kind is not None:
        reply = Message.objects.create(
            party=party,
            direction=Direction.OUTBOUND,
            channel=ChannelKind.SMS,
            kind=MessageKind(outcome.reply_kind.value),
            purpose="",
            body=outcome.reply,
            address=phone,
            sender_brand=brand_name[:120],
            brand_client=brand_client,
            channel_name=channel_name,
            status=MessageStatus.QUEUED,
            at=now,
            actor=actor.label[:150],
            in_reply_to=inbound,
        )
    return inbound, reply


def inbound_simulate(
    *, actor: Actor, party: Party, body: str, now: datetime.datetime | None = None
) -> InboundOutcome:
    """Staff type the other side's reply into an outbox conversation (demo, training)."""
    _require_party(actor, party, "message.send")
    if messaging_config().channel != "outbox":
        raise ApplicationError(
            "replies can be typed in only while the embedded outbox is the channel",
            code="not_outbox",
        )
    problems = Problems()
    problems.require("body", body.strip(), "the reply text")
    if not party.phone:
        problems.add("party", "the party has no phone number")
    problems.raise_if_any()
    return inbound_receive(
        channel_name="outbox",
        from_number=party.phone,
        body=body,
        provider_message_id=f"outbox-in-{uuid.uuid4().hex}",
        now=now,
        actor=actor,
    )


@transaction.atomic
def message_review(*, actor: Actor, message: Message, note: str) -> Message:
    """A person confirms a free-text opt-out (it is in force already; this records the
    look). Re-subscribing takes the person's START or new consent, never this."""
    if message.party is not None:
        _require_party(actor, message.party, "message.send")
    else:
        permission_check(actor, "message.send")
    if not message.needs_review or message.reviewed_at is not None:
        raise TransitionNotAllowed("this message is not waiting for a review")
    message.reviewed_at = timezone.now()
    message.reviewed_by = actor.label[:150]
    message.review_note = note.strip()[:255] or "opt-out confirmed"
    message.save(update_fields=["reviewed_at", "reviewed_by", "review_note", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=message,
        detail=f"opt-out reviewed: {message.review_note}",
        client_id=message.party.client_id if message.party else None,
    )
    return message


def message_status_record(*, channel_name: str, update: StatusUpdate) -> Message | None:
    """A delivery report: move the message on (late or repeated reports change nothing)."""
    with transaction.atomic():
        message = (
            Message.objects.select_for_update()
            .filter(channel_name=channel_name, provider_message_id=update.provider_message_id)
            .first()
        )
        if message is None:
            return None
        _message_status_set(message, update.status, source=channel_name, detail=update.detail)
    return message


def webhook_receive(*, channel_name: str, request: WebhookRequest) -> WebhookResult | None:
    """A provider's webhook: verified, then its inbound texts and status reports taken.

    None when the request does not verify (the view answers 403).
    """
    config = messaging_config()
    channel = _channel(config, channel_name)
    if not channel.webhook_verified(request):
        return None
    result: WebhookResult = channel.webhook_parse(request)
    for text in result.inbound:
        _webhook_inbound(channel_name, text)
    for update in result.statuses:
        message_status_record(channel_name=channel_name, update=update)
    return result


def _webhook_inbound(channel_name: str, text: InboundText) -> None:
    inbound_receive(
        channel_name=channel_name,
        from_number=text.from_number,
        body=text.body,
        provider_message_id=text.provider_message_id,
        now=text.received_at,
    )


def message_statuses_refresh(*, limit: int = 200) -> int:
    """Ask the provider for the status of messages still "sent" (RingCentral reports
    delivery through its message store). The number of messages that moved."""
    config = messaging_config()
    if config.channel == "outbox":
        return 0
    channel = _channel(config)
    moved = 0
    pending = Message.objects.filter(
        channel_name=config.channel, status=MessageStatus.SENT, direction=Direction.OUTBOUND
    ).exclude(provider_message_id="")[:limit]
    for message in pending:
        try:
            update = channel.message_status(message.provider_message_id)
        except ChannelError:
            continue
        if update is not None and message_status_record(channel_name=config.channel, update=update):
            moved += 1
    return moved


# ---- calls ------------------------------------------------------------------------------


@transaction.atomic
def call_task_create(
    *,
    actor: Actor,
    party: Party,
    team: str,
    purpose: str,
    reason: str,
    due_at: datetime.datetime | None = None,
    assigned_to: Any = None,
) -> CallTask:
    _require_party(actor, party, "message.send")
    problems = Problems()
    if team not in CallTeam.values:
        problems.add("team", f"{team!r} is not a team ({', '.join(CallTeam.values)})")
    if purpose not in MessagePurpose.values:
        problems.add("purpose", f"{purpose!r} is not a purpose")
    problems.require("reason", reason.strip(), "why to call")
    problems.raise_if_any()
    task = CallTask.objects.create(
        party=party,
        team=team,
        purpose=purpose,
        reason=reason.strip()[:255],
        due_at=due_at or timezone.now(),
        assigned_to=assigned_to,
        created_by=actor.label[:150],
    )
    audit_record(actor=actor, action=AuditAction.CREATE, obj=task, client_id=party.client_id)
    return task


def call_start(
    *, actor: Actor, task: CallTask, now: datetime.datetime | None = None
) -> CallOutcomeResult:
    """Call the task's party, if the gate allows a call now: through RingCentral RingOut
    where it is configured, else the caller dials and logs the outcome."""
    party = task.party
    _require_party(actor, party, "message.send")
    if task.status != CallTaskStatus.OPEN:
        raise TransitionNotAllowed(f"the call task is {task.status}; open a new one")
    config = messaging_config()
    now = _now(now)
    with transaction.atomic():
        party = Party.objects.select_for_update().get(pk=party.pk)
        outbound = _outbound(
            party=party,
            channel=ChannelKind.VOICE,
            purpose=task.purpose,
            body="",
            in_reply_to=None,
            subject="",
            config=config,
        )
        decision = rules.may_send_message(
            party_policy_view(party),
            outbound,
            settings=config.policy(),
            history=send_history(party, now),
            now=now,
        )
        if not decision.allowed:
            refusal = _refusal_record(
                actor=actor,
                party=party,
                outbound=outbound,
                decision=decision,
                now=now,
                call_task=task,
            )
            return CallOutcomeResult(refusal=refusal)
        call = CallLog.objects.create(
            task=task, party=party, at=now, actor=actor.label[:150], channel_name="manual"
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=call,
            detail="call started",
            client_id=party.client_id,
        )
    channel_name, call_id, dial_yourself = _place_call(config, party.phone)
    call.channel_name = channel_name
    call.provider_call_id = call_id
    call.save(update_fields=["channel_name", "provider_call_id"])
    return CallOutcomeResult(call=call, dial_yourself=dial_yourself)


CLOSING_OUTCOMES = {
    CallOutcome.REACHED,
    CallOutcome.NOT_INTERESTED,
    CallOutcome.ASKED_NOT_TO_CALL,
    CallOutcome.WRONG_NUMBER,
}


@transaction.atomic
def call_outcome_record(
    *,
    actor: Actor,
    call: CallLog,
    outcome: str,
    note: str = "",
    now: datetime.datetime | None = None,
) -> CallLog:
    """What came of a call. "Asked not to be called" revokes call consent at once; a
    wrong number revokes every consent for that number; a closing outcome closes the task."""
    party = call.party
    _require_party(actor, party, "message.send")
    now = _now(now)
    problems = Problems()
    if outcome not in CallOutcome.values or outcome == CallOutcome.PLACED:
        problems.add("outcome", f"{outcome!r} is not an outcome of a call")
    if call.outcome != CallOutcome.PLACED:
        problems.add("call", "this call's outcome is already recorded")
    problems.raise_if_any()
    call.outcome = outcome
    call.note = note.strip()
    call.outcome_at = now
    call.save(update_fields=["outcome", "note", "outcome_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=call,
        detail=f"call outcome: {outcome}",
        client_id=party.client_id,
    )
    evidence = f"call #{call.pk} by {actor.label}: {note.strip()[:200]}"
    if outcome == CallOutcome.ASKED_NOT_TO_CALL:
        _consents_revoke(
            actor=actor,
            consents=party.consents.filter(channel=ChannelKind.VOICE),
            means=RevocationMeans.CALL,
            evidence=evidence,
            now=now,
        )
        brand = party_brand(party, messaging_config().company_name)[1]
        subscription = _subscription_locked(party.phone_hash, ChannelKind.VOICE, brand)
        subscription.status = SubscriptionStatus.OPTED_OUT
        subscription.changed_at = now
        subscription.save(update_fields=["status", "changed_at"])
    if outcome == CallOutcome.WRONG_NUMBER:
        _consents_revoke(
            actor=actor,
            consents=ConsentRecord.objects.filter(
                party__phone_hash=party.phone_hash,
                channel__in=[ChannelKind.SMS, ChannelKind.VOICE],
            ),
            means=RevocationMeans.WRONG_NUMBER,
            evidence=evidence,
            now=now,
        )
    task = call.task
    if task is not None and outcome in CLOSING_OUTCOMES and task.status == CallTaskStatus.OPEN:
        _call_task_close(task, CallTaskStatus.DONE, now)
    if party.kind == PartyKind.PROSPECT and party.lead is not None:
        lead = party.lead
        if outcome == CallOutcome.REACHED and lead.status == LeadStatus.NEW:
            _lead_transition(actor, lead, LeadStatus.CONTACTED, "reached on the phone", now)
        elif (
            outcome in (CallOutcome.NOT_INTERESTED, CallOutcome.ASKED_NOT_TO_CALL)
            and LeadStatus.LOST in LEAD_TRANSITIONS[lead.status]
        ):
            _lead_transition(actor, lead, LeadStatus.LOST, f"call: {outcome}", now)
    return call


def _call_task_close(task: CallTask, to: str, now: datetime.datetime) -> None:
    if to not in CALL_TASK_TRANSITIONS[task.status]:
        raise TransitionNotAllowed(f"a call task that is {task.status} cannot become {to}")
    task.status = to
    task.closed_at = now
    task.save(update_fields=["status", "closed_at", "updated_at"])


@transaction.atomic
def call_task_cancel(*, actor: Actor, task: CallTask, reason: str) -> CallTask:
    _require_party(actor, task.party, "message.send")
    if not reason.strip():
        raise ValidationFailed([("reason", "say why the call is no longer needed")])
    _call_task_close(task, CallTaskStatus.CANCELLED, timezone.now())
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=task,
        detail=f"call task cancelled: {reason.strip()[:200]}",
        client_id=task.party.client_id,
    )
    return task


# ---- leads ------------------------------------------------------------------------------


def contact_consent_text(config: MessagingConfig | None = None) -> str:
    """The consent text the Contact Us page shows, word for word as it is stored."""
    company = (config or messaging_config()).company_name
    return (
        f"By sending this form you agree that {company} may call you at the number you "
        "give and email you at the address you give, about our billing services. We will "
        "not text you. Agreeing is not a condition of buying anything, and you can ask us "
        "to stop at any time."
    )


def _lead_transition(
    actor: Actor, lead: Lead, to: str, reason: str, now: datetime.datetime
) -> None:
    if to not in LEAD_TRANSITIONS[lead.status]:
        raise TransitionNotAllowed(f"a lead that is {lead.status} cannot become {to}")
    previous = lead.status
    lead.status = to
    lead.save(update_fields=["status", "updated_at"])
    LeadStatusChange.objects.create(
        lead=lead,
        from_status=previous,
        to_status=to,
        at=now,
        actor=actor.label[:150],
        reason=reason[:255],
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=lead,
        changes={"status": [previous, to]},
        detail=reason[:255],
    )


def lead_submit(
    *,
    name: str,
    phone: str,
    email: str = "",
    organization: str = "",
    state: str = "",
    zip_code: str = "",
    note: str = "",
    consent: bool,
    consent_text: str | None = None,
    source_ip: str | None = None,
    user_agent: str = "",
    now: datetime.datetime | None = None,
) -> Lead:
    """A Contact Us submission: a lead, their consent to calls and email, and a call task
    for sales. Never a text: a prospect has no SMS consent and the gate refuses them."""
    now = _now(now)
    config = messaging_config()
    consent_text = consent_text or contact_consent_text(config)
    problems = Problems()
    problems.require("name", name.strip(), "your name")
    problems.max_length("name", name.strip(), 80)
    problems.max_length("organization", organization.strip(), 120)
    if problems.require("phone", phone.strip(), "a phone number we may call"):
        problems.phone("phone", phone.strip())
    if email.strip() and "@" not in email:
        problems.add("email", f"{email!r} is not an email address")
    if state.strip() or zip_code.strip():
        problems.us_address("", state.strip().upper(), zip_code.strip())
    if not consent:
        problems.add("consent", "tick the box to agree that we may call you back")
    problems.raise_if_any()
    with transaction.atomic():
        lead = Lead.objects.create(
            name=name.strip(),
            organization=organization.strip(),
            phone=normalize_phone(phone.strip()),
            email=normalize_email(email) if email.strip() else "",
            state=state.strip().upper(),
            zip_code=zip_code.strip(),
            note=note.strip()[:4000],
            consent_text=consent_text,
            submitted_at=now,
            source_ip=source_ip or None,
            user_agent=user_agent[:255],
        )
        LeadStatusChange.objects.create(
            lead=lead,
            to_status=lead.status,
            at=now,
            actor=CONTACT_FORM_ACTOR.label,
            reason="contact form",
        )
        audit_record(actor=CONTACT_FORM_ACTOR, action=AuditAction.CREATE, obj=lead)
        party = Party.objects.create(
            kind=PartyKind.PROSPECT, lead=lead, phone=lead.phone, email=lead.email
        )
        evidence = f"contact form submission, lead #{lead.pk}, at {now.isoformat()}" + (
            f" from {source_ip}" if source_ip else ""
        )
        channels = [ChannelKind.VOICE] + ([ChannelKind.EMAIL] if lead.email else [])
        for channel in channels:
            ConsentRecord.objects.create(
                party=party,
                channel=channel,
                purpose=ConsentPurpose.SERVICE,
                method=ConsentMethod.WEB_FORM,
                text_shown=consent_text,
                given_at=now,
                evidence_kind=EvidenceKind.FORM_SUBMISSION,
                evidence=evidence,
                recorded_by=CONTACT_FORM_ACTOR.label,
            )
        task = CallTask.objects.create(
            party=party,
            team=CallTeam.SALES,
            purpose=MessagePurpose.SERVICE,
            reason=f"New lead from the contact form: call {lead.name} back",
            due_at=now + LEAD_CALLBACK_WITHIN,
            created_by=CONTACT_FORM_ACTOR.label,
        )
        audit_record(actor=CONTACT_FORM_ACTOR, action=AuditAction.CREATE, obj=task)
    return lead


@transaction.atomic
def lead_mark_lost(*, actor: Actor, lead: Lead, reason: str) -> Lead:
    permission_check(actor, "lead.change")
    if not reason.strip():
        raise ValidationFailed([("reason", "say why the lead is lost")])
    _lead_transition(actor, lead, LeadStatus.LOST, reason.strip(), timezone.now())
    return lead


@transaction.atomic
def lead_convert(
    *,
    actor: Actor,
    lead: Lead,
    client: Client,
    contact_kind: str = ClientContact.Kind.MANAGER,
    now: datetime.datetime | None = None,
) -> Party:
    """The lead became (a person at) a client: a client contact and a party for them.

    Their consent to calls and email carries over (same person, same number); there is
    no SMS consent to carry, and SMS consent can be recorded only while the client's
    contract is active. This is the only way a prospect can ever be texted.
    """
    permission_check(actor, "lead.change")
    if not party_visible_to(actor.user, Party(kind=PartyKind.CLIENT_CONTACT, client=client)):
        raise NotFound("No such client.")
    now = _now(now)
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    if LeadStatus.CONVERTED not in LEAD_TRANSITIONS[lead.status]:
        raise TransitionNotAllowed(f"a lead that is {lead.status} cannot be converted")
    contact = client_contact_create(
        actor=actor,
        client=client,
        name=lead.name,
        kind=contact_kind,
        phone=lead.phone,
        email=lead.email,
    )
    party = Party.objects.create(
        kind=PartyKind.CLIENT_CONTACT,
        client=client,
        client_contact=contact,
        phone=contact.phone,
        email=contact.email,
    )
    prospect = Party.objects.get(lead=lead)
    for consent in prospect.consents.filter(revoked_at=None).exclude(channel=ChannelKind.SMS):
        ConsentRecord.objects.create(
            party=party,
            channel=consent.channel,
            purpose=consent.purpose,
            method=consent.method,
            text_shown=consent.text_shown,
            given_at=consent.given_at,
            evidence_kind=EvidenceKind.CARRIED_FROM_LEAD,
            evidence=f"given as lead #{lead.pk} (consent #{consent.pk}): {consent.evidence}",
            recorded_by=actor.label[:150],
        )
    lead.client = client
    lead.converted_at = now
    lead.converted_by = actor.label[:150]
    lead.save(update_fields=["client", "converted_at", "converted_by", "updated_at"])
    _lead_transition(actor, lead, LeadStatus.CONVERTED, f"became a contact of {client}", now)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=party,
        client_id=client.pk,
        detail=f"from lead #{lead.pk}",
    )
    for task in CallTask.objects.filter(party=prospect, status=CallTaskStatus.OPEN):
        _call_task_close(task, CallTaskStatus.DONE, now)
    return party


def address_hashes_of(party: Party) -> dict[str, str]:
    """Re-exported for selectors (the hashes a party's opt-outs are kept under)."""
    return address_hashes(party)
