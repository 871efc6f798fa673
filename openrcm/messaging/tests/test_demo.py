"""The demo's communications step: what ``make demo`` shows, through the services."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from openrcm.clients.services import client_contact_create
from openrcm.core.testing import TEST_ACTOR
from openrcm.messaging.demo import demo_clock, messaging_demo
from openrcm.messaging.models import CallLog, Lead, Message, MessageKind, SendRefusal

from .conftest import make_practice

pytestmark = pytest.mark.django_db
NEW_YORK = ZoneInfo("America/New_York")


def test_the_demo_shows_a_conversation_stop_help_refusals_and_a_lead(db):
    client, _ = make_practice()
    for name, phone in (("Grace Holloway", "518-555-0121"), ("Miriam Okafor", "518-555-0122")):
        client_contact_create(
            actor=TEST_ACTOR, client=client, name=name, kind="manager", phone=phone
        )
    result = messaging_demo(actor=TEST_ACTOR)
    assert result.counts == {
        "messages_sent": 2,
        "keyword_replies": 2,
        "messages_received": 3,
        "sends_refused": 3,
        "leads": 1,
        "call_tasks": 1,
    }
    kinds = list(
        Message.objects.filter(party__client_contact__name="Grace Holloway")
        .order_by("at", "pk")
        .values_list("kind", flat=True)
    )
    assert kinds == [
        MessageKind.ORDINARY,
        MessageKind.INBOUND,
        MessageKind.ORDINARY,
        MessageKind.INBOUND,
        MessageKind.HELP,
        MessageKind.INBOUND,
        MessageKind.OPT_OUT_CONFIRMATION,
    ]
    codes = [set(r.codes.split()) for r in SendRefusal.objects.order_by("at")]
    assert "opted_out" in codes[0]
    assert {"marketing_disabled", "marketing_consent_missing"} <= codes[1]
    assert "prospect_sms" in codes[2]
    lead = Lead.objects.get()
    assert lead.status == "contacted"
    assert CallLog.objects.get(party__lead=lead).outcome == "reached"
    assert "STOP confirmed once" in result.detail


def test_the_demo_clock_keeps_out_of_quiet_hours():
    night = datetime.datetime(2026, 3, 3, 23, 30, tzinfo=NEW_YORK)
    assert demo_clock(night) == datetime.datetime(2026, 3, 4, 11, 0, tzinfo=NEW_YORK)
    early = datetime.datetime(2026, 3, 3, 6, 0, tzinfo=NEW_YORK)
    assert demo_clock(early) == datetime.datetime(2026, 3, 3, 11, 0, tzinfo=NEW_YORK)
    noon = datetime.datetime(2026, 3, 3, 12, 0, tzinfo=NEW_YORK)
    assert demo_clock(noon) == noon
    assert demo_clock() >= timezone.now() - datetime.timedelta(seconds=5)


def test_command_line_lists_templates_and_sends_through_the_gate(world):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("messaging", "templates", stdout=out)
    assert "billing-update-ready [service] {sender, month}" in out.getvalue()
    out = StringIO()
    call_command(
        "messaging",
        "send",
        "--party",
        str(world.contact_party.pk),
        "--template",
        "billing-update-ready",
        "--var",
        "month=May",
        stdout=out,
    )
    assert "refused by the policy gate" in out.getvalue()
    assert "consent_missing" in out.getvalue()
    out = StringIO()
    call_command("messaging", "settings", stdout=out)
    assert "marketing: off" in out.getvalue()
