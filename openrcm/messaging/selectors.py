"""Reading communications, always scoped: practice rows by the user's practices,
prospects to lead workers, staff parties to the company's staff."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from openrcm.accounts.permissions import has_permission
from openrcm.core.errors import NotFound
from openrcm.core.scoping import visible_client_ids
from openrcm.messaging.models import (
    CallLog,
    CallTask,
    CallTaskStatus,
    ConsentRecord,
    Lead,
    Message,
    MessageTemplate,
    Party,
    PartyKind,
    SendRefusal,
    Subscription,
)
from openrcm.messaging.policy import address_hashes


def _party_filter(user: Any, prefix: str = "") -> Q:
    """Which parties ``user`` may see, as a filter (``prefix`` = path to the party)."""
    ids = visible_client_ids(user)
    nothing = Q(pk__in=[])
    if not user or not getattr(user, "is_authenticated", False):
        return nothing
    seen = nothing
    if has_permission(user, "message.view"):
        if ids is None:
            seen |= Q(**{f"{prefix}client__isnull": False})
        else:
            seen |= Q(**{f"{prefix}client__in": ids})
        if not getattr(user, "is_client_user", True):
            seen |= Q(**{f"{prefix}kind": PartyKind.STAFF})
    if has_permission(user, "lead.view"):
        seen |= Q(**{f"{prefix}kind": PartyKind.PROSPECT})
    if not has_permission(user, "patient.view"):
        seen &= ~Q(**{f"{prefix}kind": PartyKind.PATIENT})
    return seen


def parties_for(user: Any) -> QuerySet[Party]:
    return (
        Party.objects.filter(_party_filter(user))
        .select_related("client", "client_contact", "provider", "patient", "user", "lead")
        .order_by("kind", "pk")
    )


def party_get(user: Any, party_id: int) -> Party:
    party = parties_for(user).filter(pk=party_id).first()
    if party is None:
        raise NotFound("No such party.")
    return party


@dataclass(frozen=True)
class PartyRecord:
    party: Party
    messages: list[Message]
    refusals: list[SendRefusal]
    consents: list[ConsentRecord]
    subscriptions: list[Subscription]
    call_tasks: list[CallTask]
    calls: list[CallLog]


def party_record(party: Party) -> PartyRecord:
    """Everything the conversation page shows; ``party`` must come from ``party_get``."""
    hashes = set(address_hashes(party).values())
    return PartyRecord(
        party=party,
        messages=list(party.messages.select_related("in_reply_to").order_by("at", "pk")),
        refusals=list(party.refusals.order_by("-at", "-pk")[:50]),
        consents=list(party.consents.select_related("brand_client").order_by("-given_at")),
        subscriptions=list(Subscription.objects.filter(address_hash__in=hashes)),
        call_tasks=list(party.call_tasks.order_by("status", "due_at")),
        calls=list(party.calls.select_related("task").order_by("-at")[:50]),
    )


def conversations_for(user: Any) -> QuerySet[Party]:
    """Parties with at least one message or refusal, newest activity first."""
    from django.db.models import Count, Max

    return (
        parties_for(user)
        .annotate(
            message_count=Count("messages", distinct=True),
            refusal_count=Count("refusals", distinct=True),
            last_at=Max("messages__at"),
        )
        .filter(Q(message_count__gt=0) | Q(refusal_count__gt=0))
        .order_by("-last_at", "-pk")
    )


def refusals_for(user: Any) -> QuerySet[SendRefusal]:
    return (
        SendRefusal.objects.filter(_party_filter(user, "party__"))
        .select_related("party", "party__client", "party__lead", "party__client_contact")
        .order_by("-at", "-pk")
    )


def call_tasks_for(user: Any, *, open_only: bool = True) -> QuerySet[CallTask]:
    tasks = CallTask.objects.filter(_party_filter(user, "party__")).select_related(
        "party", "party__client", "party__lead", "party__client_contact", "party__patient"
    )
    if open_only:
        tasks = tasks.filter(status=CallTaskStatus.OPEN)
    return tasks.order_by("due_at", "pk")


def reviews_for(user: Any) -> QuerySet[Message]:
    """Free-text opt-outs waiting for a person to look at them."""
    return (
        Message.objects.filter(_party_filter(user, "party__"), needs_review=True)
        .filter(reviewed_at=None)
        .select_related("party")
        .order_by("at")
    )


def leads_for(user: Any) -> QuerySet[Lead]:
    if not has_permission(user, "lead.view"):
        return Lead.objects.none()
    return Lead.objects.select_related("client", "party").order_by("-submitted_at", "-pk")


def templates_list() -> QuerySet[MessageTemplate]:
    return MessageTemplate.objects.order_by("name")
