"""Reading the patient side of billing, and asking the Regulation F gate before a contact."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from openrcm.patient_billing.models import (
    AccountContact,
    CollectionExclusion,
    ContactDirection,
    ContactMedium,
    ContactOutcome,
    Dispute,
)
from openrcm.rules.collections import (
    CollectionAccount,
    ContactAttempt,
    ContactEvent,
    ContactHistory,
    Direction,
    may_contact,
)
from openrcm.rules.decisions import Channel, Decision


@dataclass(frozen=True)
class AccountEvent:
    """One line of an account's history, whatever it is, for the time-ordered view."""

    at: datetime.datetime
    kind: str  # "contact", "dispute opened", "dispute resolved"
    summary: str
    by: str
    obj: Any


def contacts_for(patient: Any) -> QuerySet[AccountContact]:
    return AccountContact.objects.filter(patient=patient).order_by("at", "pk")


def open_disputes(patient: Any) -> QuerySet[Dispute]:
    return Dispute.objects.filter(patient=patient, resolved_at__isnull=True)


def collection_excluded(patient: Any) -> CollectionExclusion | None:
    return CollectionExclusion.objects.filter(patient=patient).first()


def promises_due_for_follow_up(
    promises: QuerySet[AccountContact], today: datetime.date
) -> QuerySet[AccountContact]:
    """Promises to pay whose date has passed with no contact logged since: each needs a
    collector to check the payment and log what came of it."""
    followed_up = AccountContact.objects.filter(
        patient=OuterRef("patient"), at__date__gt=OuterRef("promise_date")
    )
    return (
        promises.filter(outcome=ContactOutcome.PROMISE_TO_PAY, promise_date__lt=today)
        .exclude(Exists(followed_up))
        .select_related("patient", "patient__client")
        .order_by("promise_date", "pk")
    )


def collection_worklist(user: Any, today: datetime.date) -> dict[str, Any]:
    """What the collectors of ``user``'s practices have to do: open disputes to answer
    and promises to pay to follow up, oldest first."""
    return {
        "disputes": Dispute.objects.for_user(user)
        .filter(resolved_at__isnull=True)
        .select_related("patient", "patient__client")
        .order_by("opened_at", "pk"),
        "promises": promises_due_for_follow_up(AccountContact.objects.for_user(user), today),
    }


def account_history(patient: Any) -> list[AccountEvent]:
    """Everything that happened on the account, oldest first."""
    events: list[AccountEvent] = []
    for contact in contacts_for(patient):
        summary = f"{contact.get_medium_display()} ({contact.get_direction_display().lower()}): "
        summary += contact.get_outcome_display()
        if contact.outcome == ContactOutcome.PROMISE_TO_PAY:
            summary += f" ${contact.promise_amount} by {contact.promise_date:%Y-%m-%d}"
        if contact.note:
            summary += f" — {contact.note}"
        events.append(AccountEvent(contact.at, "contact", summary, contact.recorded_by, contact))
    for dispute in Dispute.objects.filter(patient=patient):
        events.append(
            AccountEvent(
                dispute.opened_at, "dispute opened", dispute.reason, dispute.opened_by, dispute
            )
        )
        if dispute.resolved_at is not None:
            events.append(
                AccountEvent(
                    dispute.resolved_at,
                    "dispute resolved",
                    dispute.resolution,
                    dispute.resolved_by,
                    dispute,
                )
            )
    events.sort(key=lambda e: (e.at, e.kind))
    return events


_CHANNELS = {
    ContactMedium.VOICE: Channel.VOICE,
    ContactMedium.SMS: Channel.SMS,
    ContactMedium.EMAIL: Channel.EMAIL,
}


def contact_history(patient: Any, since: datetime.datetime) -> ContactHistory:
    """The calls, texts and emails about this account since ``since``, for Regulation F."""
    events = []
    for contact in contacts_for(patient).filter(at__gte=since):
        channel = _CHANNELS.get(ContactMedium(contact.medium))
        if channel is None:  # letters are not calls, texts or emails
            continue
        events.append(
            ContactEvent(
                at=contact.at,
                medium=channel,
                direction=(
                    Direction.INBOUND
                    if contact.direction == ContactDirection.INBOUND
                    else Direction.OUTBOUND
                ),
                connected=contact.connected,
                conversation=contact.conversation,
                with_prior_consent=contact.with_prior_consent,
            )
        )
    return ContactHistory(events=tuple(events))


def collection_contact_check(
    patient: Any,
    *,
    medium: Channel,
    now: datetime.datetime,
    to_phone: str | None = None,
    body: str = "",
    placed_with_agency: bool = False,
    consumer_consent_at: datetime.datetime | None = None,
) -> Decision:
    """May a collector call, text or email this patient about the balance now?

    Asks the Regulation F gate with the account's facts: the patient's state, ZIP and
    phone as location signals, an open dispute, placement, and the last 30 days of
    contacts. The caller shows the refusal's reasons (and when it may try again)."""
    account = CollectionAccount(
        account_id=str(patient.pk),
        state=patient.state or None,
        zip_code=(patient.zip_code or "")[:5] or None,
        phones=tuple(p for p in (patient.phone,) if p),
        placed_with_agency=placed_with_agency,
        dispute_open=open_disputes(patient).exists(),
    )
    attempt = ContactAttempt(
        medium=medium,
        to_phone=to_phone or patient.phone or None,
        body=body,
        consumer_consent_at=consumer_consent_at,
    )
    history = contact_history(patient, now - datetime.timedelta(days=30))
    return may_contact(account, attempt, history=history, now=now)
