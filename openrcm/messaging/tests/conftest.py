"""Fixtures: a practice under contract with a contact and a patient, and a daytime clock."""

from __future__ import annotations

import datetime
import itertools
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from openrcm.accounts.testing import make_user
from openrcm.clients.models import ContractStatus
from openrcm.clients.services import client_contact_create, contract_create, contract_transition
from openrcm.core.testing import TEST_ACTOR, make_client, make_patient
from openrcm.messaging import services
from openrcm.messaging.models import CallLog, Message, SendRefusal

NEW_YORK = ZoneInfo("America/New_York")
_phones = itertools.count(10)


def next_phone(area: str = "518") -> str:
    return f"{area}-555-01{next(_phones) % 100:02d}"


def daytime_after(instant: datetime.datetime, hour: int = 14) -> datetime.datetime:
    """``hour`` o'clock in New York on the day after ``instant`` (a time every gate
    clock allows, and later than anything the test made with the real clock)."""
    day = instant.astimezone(NEW_YORK).date() + datetime.timedelta(days=1)
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=NEW_YORK)


@pytest.fixture(autouse=True)
def _messaging_settings(settings):
    settings.OPENRCM_COMPANY_NAME = "Acme Billing"
    settings.OPENRCM_MESSAGING_HELP_PHONE = "+12125550100"
    settings.OPENRCM_MESSAGING_CHANNEL = "outbox"
    settings.OPENRCM_MESSAGING_MARKETING = False
    settings.OPENRCM_MESSAGING_FROM_NUMBER = "+12125550199"


def make_practice(active: bool = True, **client_fields):
    client = make_client(**client_fields)
    contract = contract_create(actor=TEST_ACTOR, client=client, services=["billing"])
    if active:
        contract = contract_transition(
            actor=TEST_ACTOR,
            contract=contract,
            to=ContractStatus.ACTIVE,
            on=timezone.localdate() - datetime.timedelta(days=30),
        )
    return client, contract


def sms_consent(party, *, at, purpose="service", method="verbal_recorded_call"):
    return services.consent_record(
        actor=TEST_ACTOR,
        party=party,
        channel="sms",
        purpose=purpose,
        method=method,
        text_shown="Acme Billing may text you about your account. Msg & data rates may apply.",
        evidence_kind="call_note",
        evidence="call of the day, recorded",
        given_at=at,
        now=at,
    )


@pytest.fixture
def world(db):
    client, contract = make_practice(legal_name="Riverbend Family Medicine PC")
    contact = client_contact_create(
        actor=TEST_ACTOR, client=client, name="Grace Holloway", kind="manager", phone=next_phone()
    )
    contact_party = services.party_ensure(actor=TEST_ACTOR, client_contact=contact)
    patient = make_patient(client, phone=next_phone())
    patient_party = services.party_ensure(actor=TEST_ACTOR, patient=patient)
    now = daytime_after(timezone.now())
    return SimpleNamespace(
        client=client,
        contract=contract,
        contact=contact,
        contact_party=contact_party,
        patient=patient,
        patient_party=patient_party,
        now=now,
        biller=make_user("biller", assigned_clients=[client]),
        collector=make_user("collector", assigned_clients=[client]),
        sales=make_user("sales"),
    )


def sent_message(outcome) -> Message:
    """The message a send handed to the channel (fails the test if it was refused)."""
    assert outcome.message is not None, outcome.refusal and outcome.refusal.codes
    message: Message = outcome.message
    return message


def refusal_of(outcome) -> SendRefusal:
    """The refusal of a send (fails the test if the gate allowed it)."""
    assert outcome.refusal is not None, "the gate allowed it"
    refusal: SendRefusal = outcome.refusal
    return refusal


def reply_of(outcome) -> Message:
    """The keyword reply an inbound text got (fails the test if none)."""
    assert outcome.reply is not None, "no reply"
    reply: Message = outcome.reply
    return reply


def call_of(result) -> CallLog:
    assert result.call is not None, result.refusal and result.refusal.codes
    call: CallLog = result.call
    return call
