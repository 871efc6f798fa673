"""The demo's communications: a client conversation with HELP and STOP, a refused
marketing send, a lead with its call task and call, and a refused text to the prospect.

Everything goes through the real services and the policy gate, on the embedded outbox.
Texts are never sent in quiet hours, so the conversation is dated at the next daytime
hour in the practice's zone (now, when the demo runs in the day).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.utils import timezone

from openrcm.clients.models import Client, ClientContact, ContractStatus
from openrcm.core.actor import Actor
from openrcm.messaging.models import MessageKind, MessageTemplate
from openrcm.messaging.services import (
    call_outcome_record,
    call_start,
    consent_record,
    inbound_simulate,
    lead_submit,
    message_compose,
    message_send,
    message_send_template,
    party_ensure,
    templates_install_defaults,
)

DAY_OPENS, DAY_CLOSES = 11, 18  # hours in New York: daytime in every continental zone


@dataclass
class MessagingDemo:
    counts: dict[str, int] = field(default_factory=dict)
    detail: str = ""


def demo_clock(
    now: datetime.datetime | None = None, zone: str = "America/New_York"
) -> datetime.datetime:
    """``now`` if it is daytime in ``zone``; otherwise the next 11 a.m. there."""
    now = now or timezone.now()
    local = now.astimezone(ZoneInfo(zone))
    if DAY_OPENS <= local.hour < DAY_CLOSES:
        return now
    day = local.date() + datetime.timedelta(days=1 if local.hour >= DAY_CLOSES else 0)
    return datetime.datetime.combine(day, datetime.time(DAY_OPENS), tzinfo=ZoneInfo(zone))


def messaging_demo(*, actor: Actor, now: datetime.datetime | None = None) -> MessagingDemo:
    client = (
        Client.objects.filter(contracts__status=ContractStatus.ACTIVE)
        .order_by("short_name")
        .distinct()
        .first()
    )
    if client is None:
        return MessagingDemo(detail="no client under contract: nothing to show")
    contacts = list(ClientContact.objects.filter(client=client).exclude(phone="").order_by("pk"))
    if len(contacts) < 2:
        return MessagingDemo(detail=f"{client} needs two contacts with phones")
    templates_install_defaults()
    clock = demo_clock(now)
    minute = datetime.timedelta(minutes=1)
    company_words = "Msg & data rates may apply. Reply STOP to opt out."

    # A client contact who agreed to texts on a recorded call.
    manager = party_ensure(actor=actor, client_contact=contacts[0])
    consent_record(
        actor=actor,
        party=manager,
        channel="sms",
        purpose="service",
        method="verbal_recorded_call",
        text_shown=f"May we text you updates about your billing service? {company_words}",
        evidence_kind="call_recording",
        evidence="onboarding call, recording 2026-001",
        given_at=clock,
        now=clock,
    )
    previous_month = (clock.date().replace(day=1) - datetime.timedelta(days=1)).strftime("%B")
    update = MessageTemplate.objects.get(key="billing-update-ready")
    sent = message_send_template(
        actor=actor, party=manager, template=update, values={"month": previous_month}, now=clock
    )
    question = inbound_simulate(
        actor=actor,
        party=manager,
        body="Thanks! Did the coding question on the new-patient visits get settled?",
        now=clock + 5 * minute,
    ).inbound
    message_send(
        actor=actor,
        party=manager,
        purpose="service",
        body=message_compose(manager, "Yes: we resolved the coding issue you flagged."),
        in_reply_to=question,
        now=clock + 9 * minute,
    )
    inbound_simulate(actor=actor, party=manager, body="HELP", now=clock + 12 * minute)
    inbound_simulate(actor=actor, party=manager, body="STOP", now=clock + 14 * minute)
    after_stop = message_send_template(
        actor=actor,
        party=manager,
        template=MessageTemplate.objects.get(key="quarterly-report-ready"),
        values={"quarter": "Q3"},
        now=clock + 20 * minute,
    )

    # Marketing is off in this deployment (and nobody gave written marketing consent).
    owner = party_ensure(actor=actor, client_contact=contacts[1])
    marketing = message_send(
        actor=actor,
        party=owner,
        purpose="marketing",
        body=message_compose(owner, "Ask us about our credentialing package this month."),
        now=clock + 25 * minute,
    )

    # A lead from the Contact Us page: a call task for sales, a call, never a text.
    lead = lead_submit(
        name="Dana Whitfield",
        organization="Lakeview Orthopedics",
        phone="720-555-0187",
        email="dana.whitfield@example.com",
        state="CO",
        zip_code="80202",
        note="We are unhappy with our denial rate and want a proposal.",
        consent=True,
        now=clock + 30 * minute,
    )
    prospect = lead.party
    task = prospect.call_tasks.get()
    call = call_start(actor=actor, task=task, now=clock + 45 * minute).call
    if call is not None:
        call_outcome_record(
            actor=actor,
            call=call,
            outcome="reached",
            note="Wants a proposal for billing and coding; sending it by email.",
            now=clock + 52 * minute,
        )
    to_prospect = message_send(
        actor=actor,
        party=prospect,
        purpose="service",
        body=message_compose(prospect, "Thanks for the call, your proposal is on its way."),
        now=clock + 55 * minute,
    )

    messages = manager.messages.all()
    refusals = [r for r in (after_stop.refusal, marketing.refusal, to_prospect.refusal) if r]
    counts = {
        "messages_sent": messages.filter(direction="outbound", kind=MessageKind.ORDINARY).count(),
        "keyword_replies": messages.filter(direction="outbound")
        .exclude(kind=MessageKind.ORDINARY)
        .count(),
        "messages_received": messages.filter(direction="inbound").count(),
        "sends_refused": len(refusals),
        "leads": 1,
        "call_tasks": prospect.call_tasks.count(),
    }
    detail = (
        f"{contacts[0].name} ({client.short_name}): {counts['messages_sent']} texts, "
        f"{counts['messages_received']} replies, HELP answered, STOP confirmed once; "
        f"refused: {', '.join('+'.join(r.codes.split()) for r in refusals)}; "
        f"lead {lead.name} with {counts['call_tasks']} call task"
        + (", called" if call is not None else "")
    )
    if not sent.sent:  # pragma: no cover - would mean the demo data broke the policy
        detail += f"; first update refused: {sent.refusal.codes if sent.refusal else '?'}"
    return MessagingDemo(counts=counts, detail=detail)
