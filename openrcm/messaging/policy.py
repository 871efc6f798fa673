"""The gate's inputs, read from the database: who the party is, their consent, history.

``party_policy_view`` turns a ``Party`` and everything around it (the client's contract,
consent records, opt-outs of the party's number, agency placement) into the plain
``openrcm.rules.messaging.Party`` the pure gate takes; ``send_history`` gathers the
messages and calls already made to that number, for the frequency caps.
"""

from __future__ import annotations

import datetime
import importlib
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q

from openrcm.clients.models import Client, Contract, ContractStatus, ContractStatusChange
from openrcm.messaging.models import (
    CallLog,
    ChannelKind,
    ConsentRecord,
    Direction,
    Message,
    MessageKind,
    Party,
    PartyKind,
    Subscription,
)
from openrcm.rules import messaging as rules
from openrcm.rules.decisions import Channel

HISTORY_WINDOW = datetime.timedelta(days=8)  # longer than the longest cap period (7 days)
COMPANY_BRAND_KEY = "company"


def brand_key(client_id: int | None) -> str:
    return f"client:{client_id}" if client_id else COMPANY_BRAND_KEY


def party_brand(party: Party, company_name: str) -> tuple[str, Client | None]:
    """The name messages to ``party`` go out under, and the practice it speaks for.

    A patient hears from the practice that is owed (first party); everyone else from
    the billing company.
    """
    if party.kind == PartyKind.PATIENT and party.client is not None:
        return str(party.client.legal_name), party.client
    return company_name, None


def client_contract_state(
    client: Client,
) -> tuple[rules.ContractStatus | None, datetime.datetime | None]:
    """The client's contract status for messaging, and when the current contract began.

    Active if any contract is in force (started at its activation); otherwise ended if
    any contract ended (started when the last one began, so consent given during it still
    allows a reply); otherwise prospect; ``None`` when the client has no contract.
    """
    statuses = set(Contract.objects.filter(client=client).values_list("status", flat=True))
    if ContractStatus.ACTIVE in statuses:
        activated = (
            ContractStatusChange.objects.filter(
                contract__client=client,
                contract__status=ContractStatus.ACTIVE,
                to_status=ContractStatus.ACTIVE,
            )
            .order_by("at")
            .values_list("at", flat=True)
            .first()
        )
        if activated is None:
            start = (
                Contract.objects.filter(client=client, status=ContractStatus.ACTIVE)
                .exclude(start_date=None)
                .order_by("start_date")
                .values_list("start_date", flat=True)
                .first()
            )
            if start is not None:
                activated = datetime.datetime.combine(
                    start, datetime.time(0), tzinfo=ZoneInfo(client.time_zone)
                )
        return rules.ContractStatus.ACTIVE, activated
    if ContractStatus.ENDED in statuses:
        # When the last contract began: consent given during it still allows replies.
        began = (
            ContractStatusChange.objects.filter(
                contract__client=client,
                contract__status=ContractStatus.ENDED,
                to_status=ContractStatus.ACTIVE,
            )
            .order_by("-at")
            .values_list("at", flat=True)
            .first()
        )
        return rules.ContractStatus.ENDED, began
    if ContractStatus.PROSPECT in statuses:
        return rules.ContractStatus.PROSPECT, None
    return None, None


def placed_with_agency(patient: Any) -> bool:
    """Whether the patient's account is placed with a collection agency.

    Patient billing (issue 8) owns placements; when it provides
    ``openrcm.patient_billing.selectors.patient_placed_with_agency(patient) -> bool``
    this asks it. Until then no placement data exists and the answer is False.
    """
    try:
        selectors = importlib.import_module("openrcm.patient_billing.selectors")
    except ImportError:
        return False
    check = getattr(selectors, "patient_placed_with_agency", None)
    return bool(check(patient)) if callable(check) else False


def _location(party: Party) -> tuple[str | None, str | None]:
    state, zip_code = party.state, party.zip_code
    if party.patient_id:
        patient = party.patient
        state = state or patient.state  # type: ignore[union-attr]
        zip_code = zip_code or patient.zip_code  # type: ignore[union-attr]
    elif party.client_id:
        client = party.client
        state = state or client.state  # type: ignore[union-attr]
        zip_code = zip_code or client.zip_code  # type: ignore[union-attr]
    elif party.lead_id:
        lead = party.lead
        state = state or lead.state  # type: ignore[union-attr]
        zip_code = zip_code or lead.zip_code  # type: ignore[union-attr]
    return state or None, zip_code or None


def _consent(record: ConsentRecord) -> rules.ConsentRecord:
    return rules.ConsentRecord(
        channel=Channel(record.channel),
        purpose=rules.ConsentPurpose(record.purpose),
        given_at=record.given_at,
        method=rules.ConsentMethod(record.method),
        revoked_at=record.revoked_at,
        brand_client_id=str(record.brand_client_id) if record.brand_client_id else None,
    )


def address_hashes(party: Party) -> dict[str, str]:
    """Channel → the keyed hash of the address that channel reaches."""
    hashes: dict[str, str] = {}
    if party.phone_hash:
        hashes[ChannelKind.SMS] = party.phone_hash
        hashes[ChannelKind.VOICE] = party.phone_hash
    if party.email_hash:
        hashes[ChannelKind.EMAIL] = party.email_hash
    return hashes


def subscriptions_of(party: Party) -> tuple[rules.SubscriptionState, ...]:
    hashes = address_hashes(party)
    if not hashes:
        return ()
    query = Q()
    for channel, address_hash in hashes.items():
        query |= Q(channel=channel, address_hash=address_hash)
    states = []
    for row in Subscription.objects.filter(query).select_related("brand_client"):
        states.append(
            rules.SubscriptionState(
                channel=Channel(row.channel),
                brand_client_id=str(row.brand_client_id) if row.brand_client_id else None,
                brand_name=str(row.brand_client.legal_name) if row.brand_client else "",
                status=rules.SubscriptionStatus(row.status),
                changed_at=row.changed_at,
            )
        )
    return tuple(states)


def party_policy_view(party: Party) -> rules.Party:
    """The plain values the gate decides on, for ``party`` as the database has it now."""
    state, zip_code = _location(party)
    contract_status: rules.ContractStatus | None = None
    started_at = None
    if party.client_id and party.kind != PartyKind.PROSPECT:
        contract_status, started_at = client_contract_state(party.client)  # type: ignore[arg-type]
    placed = bool(party.patient_id) and placed_with_agency(party.patient)
    return rules.Party(
        party_id=str(party.pk),
        kind=rules.PartyKind(party.kind),
        phone=party.phone or None,
        email=party.email or None,
        state=state,
        zip_code=zip_code,
        client_id=str(party.client_id) if party.client_id else None,
        client_brand=str(party.client.legal_name) if party.client_id else None,  # type: ignore[union-attr]
        contract_status=contract_status,
        contract_started_at=started_at,
        placed_with_agency=placed,
        consents=tuple(_consent(c) for c in party.consents.all()),
        subscriptions=subscriptions_of(party),
    )


def send_history(party: Party, now: datetime.datetime) -> rules.SendHistory:
    """Messages and calls already handed to a channel for this party's number (any sender).

    Keyword replies (confirmations, HELP) are part of the opt-out machinery and do not
    count against the caps.
    """
    since = now - HISTORY_WINDOW
    sent: list[rules.SentMessage] = []
    hashes = address_hashes(party)
    phone_hash = hashes.get(ChannelKind.SMS)
    if phone_hash:
        messages = Message.objects.filter(
            address_hash=phone_hash,
            direction=Direction.OUTBOUND,
            kind=MessageKind.ORDINARY,
            at__gte=since,
        ).values_list("at", "channel", "purpose", "subject")
        sent += [
            rules.SentMessage(at=at, channel=Channel(ch), purpose=rules.Purpose(p), subject=s)
            for at, ch, p, s in messages
            if p
        ]
        calls = CallLog.objects.filter(party__phone_hash=phone_hash, at__gte=since)
        for call in calls.select_related("task"):
            purpose = call.task.purpose if call.task_id else "service"  # type: ignore[union-attr]
            sent.append(
                rules.SentMessage(at=call.at, channel=Channel.VOICE, purpose=rules.Purpose(purpose))
            )
    return rules.SendHistory(sent=tuple(sent))
