"""The pages and the API: what people see and do, with permissions, scoping and audit."""

from __future__ import annotations

import json

import pytest
from django.test import Client as HttpClient

from openrcm.accounts.testing import make_user, sign_in
from openrcm.core.testing import TEST_ACTOR
from openrcm.messaging import services
from openrcm.messaging.models import CallTask, Lead, Message, MessageKind, Party, SendRefusal
from openrcm.privacy.models import AuditEvent

from .conftest import make_practice, sms_consent

pytestmark = pytest.mark.django_db


def test_contact_us_is_public_and_makes_a_lead_and_a_call_task_never_a_text(db):
    http = HttpClient()
    page = http.get("/messaging/contact/")
    assert page.status_code == 200
    consent_text = services.contact_consent_text()
    assert consent_text in page.content.decode()
    refused = http.post("/messaging/contact/", {"name": "Jordan Vale", "phone": "303-555-0142"})
    assert refused.status_code == 422
    assert "tick the box" in refused.content.decode()
    assert not Lead.objects.exists()
    done = http.post(
        "/messaging/contact/",
        {
            "name": "Jordan Vale",
            "organization": "Vale Pediatrics",
            "phone": "303-555-0142",
            "email": "jordan@vale.example",
            "consent": "yes",
        },
        REMOTE_ADDR="203.0.113.9",
    )
    assert done.status_code == 200
    lead = Lead.objects.get()
    assert lead.consent_text == consent_text
    assert lead.source_ip == "203.0.113.9"
    assert CallTask.objects.filter(party__lead=lead, team="sales").count() == 1
    assert not Message.objects.exists()


def test_the_contact_form_drops_robots(db):
    HttpClient().post(
        "/messaging/contact/",
        {"name": "Bot", "phone": "303-555-0142", "consent": "yes", "website": "spam.example"},
    )
    assert not Lead.objects.exists()


def test_a_biller_runs_a_conversation_with_stop_and_help(world):
    sms_consent(world.contact_party, at=world.now)
    http = sign_in(HttpClient(), world.biller)
    url = f"/messaging/parties/{world.contact_party.pk}/"
    page = http.get(url)
    assert page.status_code == 200
    assert "Grace Holloway" in page.content.decode()
    # Sends happen at the real clock here: the outbox records them or the gate refuses
    # (quiet hours); either way the page says which.
    http.post(url + "send/", {"purpose": "service", "body": "your May report is ready"})
    assert (
        Message.objects.filter(party=world.contact_party).count()
        + SendRefusal.objects.filter(party=world.contact_party).count()
        == 1
    )
    http.post(url + "reply/", {"body": "HELP"})
    http.post(url + "reply/", {"body": "STOP"})
    kinds = list(
        Message.objects.filter(party=world.contact_party, direction="outbound")
        .exclude(kind="ordinary")
        .values_list("kind", flat=True)
    )
    assert kinds == [MessageKind.HELP, MessageKind.OPT_OUT_CONFIRMATION]
    body = http.get(url).content.decode()
    assert "unsubscribed" in body
    http.post(url + "send/", {"purpose": "service", "body": "one more thing"})
    refusal = SendRefusal.objects.filter(party=world.contact_party).latest("at")
    assert "opted_out" in refusal.codes
    listing = http.get("/messaging/refusals/").content.decode()
    assert "opted_out" in listing


def test_opening_a_patient_conversation_is_audited(world):
    http = sign_in(HttpClient(), world.collector)
    response = http.post(f"/messaging/patients/{world.patient.pk}/open/")
    assert response.status_code == 302
    party = Party.objects.get(patient=world.patient)
    before = AuditEvent.objects.filter(action="read", object_id=str(world.patient.pk)).count()
    assert http.get(f"/messaging/parties/{party.pk}/").status_code == 200
    after = AuditEvent.objects.filter(action="read", object_id=str(world.patient.pk)).count()
    assert after == before + 1


def test_other_practices_and_other_roles_see_nothing(world):
    other, _ = make_practice()
    outsider = make_user("biller", assigned_clients=[other])
    http = sign_in(HttpClient(), outsider)
    assert http.get(f"/messaging/parties/{world.contact_party.pk}/").status_code == 404
    assert (
        http.post(
            f"/messaging/parties/{world.contact_party.pk}/reply/", {"body": "STOP"}
        ).status_code
        == 404
    )
    assert not Message.objects.exists()
    manager = make_user("client_manager", client=world.client)
    assert sign_in(HttpClient(), manager).get("/messaging/").status_code == 403


def test_sales_work_leads_and_convert_them(world):
    lead = services.lead_submit(name="Jordan Vale", phone="303-555-0142", consent=True)
    prospect = Party.objects.get(lead=lead)
    client, _ = make_practice()
    world.sales.assigned_clients.add(client)
    http = sign_in(HttpClient(), world.sales)
    assert "Jordan Vale" in http.get("/messaging/leads/").content.decode()
    assert "Jordan Vale" in http.get("/messaging/calls/").content.decode()
    page = http.get(f"/messaging/parties/{prospect.pk}/").content.decode()
    assert "Convert this lead" in page
    http.post(f"/messaging/parties/{prospect.pk}/send/", {"purpose": "service", "body": "hi"})
    assert "prospect_sms" in SendRefusal.objects.get(party=prospect).codes
    response = http.post(f"/messaging/parties/{prospect.pk}/convert/", {"client": client.pk})
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.status == "converted"
    assert lead.client == client


def test_api_send_refusal_reply_and_templates(world):
    sms_consent(world.contact_party, at=world.now)
    http = sign_in(HttpClient(), world.biller)
    base = f"/api/messaging/parties/{world.contact_party.pk}"
    party = http.get(base).json()
    assert party["kind"] == "client_contact"
    assert party["consents"][0]["channel"] == "sms"
    refused = http.post(
        base + "/messages",
        json.dumps({"purpose": "marketing", "body": "a great offer"}),
        content_type="application/json",
    ).json()
    assert refused["sent"] is False
    codes = {r["code"] for r in refused["refusal"]["reasons"]}
    assert {"marketing_disabled", "marketing_consent_missing"} <= codes
    help_reply = http.post(
        base + "/replies", json.dumps({"body": "HELP"}), content_type="application/json"
    ).json()
    assert help_reply["reply"]["kind"] == "help"
    templates = http.get("/api/messaging/templates").json()
    assert any(t["key"] == "billing-update-ready" and "month" in t["variables"] for t in templates)
    preview = http.post(
        "/api/messaging/templates/preview",
        json.dumps({"key": "billing-update-ready", "values": {"month": "June"}}),
        content_type="application/json",
    ).json()
    assert "June" in preview["preview"]
    refusals = http.get("/api/messaging/refusals").json()
    assert refusals[0]["party_id"] == world.contact_party.pk


def test_api_hides_other_practices_parties(world):
    other, _ = make_practice()
    outsider = sign_in(HttpClient(), make_user("biller", assigned_clients=[other]))
    assert outsider.get(f"/api/messaging/parties/{world.contact_party.pk}").status_code == 404
    listed = outsider.get("/api/messaging/parties").json()
    assert world.contact_party.pk not in {p["id"] for p in listed}


def test_template_page_shows_previews(world):
    http = sign_in(HttpClient(), world.biller)
    body = http.get("/messaging/templates/").content.decode()
    assert "your billing update for January is ready" in body


def test_keyword_reply_from_a_job_needs_no_user(world):
    outcome = services.inbound_simulate(actor=TEST_ACTOR, party=world.contact_party, body="HELP")
    assert outcome.reply is not None
