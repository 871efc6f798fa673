"""Twilio and RingCentral through their official SDKs, against local servers that answer
like the providers' documented endpoints; webhooks with their signatures and tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from django.test import Client as HttpClient

from openrcm.core.actor import Actor
from openrcm.core.testing import TEST_ACTOR
from openrcm.messaging import services
from openrcm.messaging.models import CallTask, Message, MessageKind, MessageStatus

from .conftest import call_of, sent_message, sms_consent
from .provider_servers import ProviderServer

pytestmark = pytest.mark.django_db

SID = "AC" + "1" * 32
TOKEN = "local-twilio-auth-token"
RC_ID, RC_SECRET = "local-client-id", "local-client-secret"
PUBLIC = "https://rcm.example.test"
BODY = "Acme Billing: your billing update for May is ready. Reply STOP to opt out."


def twilio_signature(url: str, params: dict[str, str], token: str = TOKEN) -> str:
    """Twilio's scheme, written out: HMAC-SHA1 over the URL and the sorted params."""
    payload = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    digest = hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


@pytest.fixture
def twilio(settings):
    with ProviderServer("twilio", (SID, TOKEN)) as server:
        settings.OPENRCM_MESSAGING_CHANNEL = "twilio"
        settings.OPENRCM_TWILIO_ACCOUNT_SID = SID
        settings.OPENRCM_TWILIO_AUTH_TOKEN = TOKEN
        settings.OPENRCM_TWILIO_API_BASE_URL = server.url
        settings.OPENRCM_MESSAGING_PUBLIC_URL = PUBLIC
        yield server


@pytest.fixture
def ringcentral(settings):
    with ProviderServer("ringcentral", (RC_ID, RC_SECRET)) as server:
        settings.OPENRCM_MESSAGING_CHANNEL = "ringcentral"
        settings.OPENRCM_RINGCENTRAL_SERVER_URL = server.url
        settings.OPENRCM_RINGCENTRAL_CLIENT_ID = RC_ID
        settings.OPENRCM_RINGCENTRAL_CLIENT_SECRET = RC_SECRET
        settings.OPENRCM_RINGCENTRAL_JWT = "local-jwt-credential"
        settings.OPENRCM_RINGCENTRAL_VERIFICATION_TOKEN = "verify-me-please"
        settings.OPENRCM_RINGCENTRAL_RINGOUT_FROM = "+12125550150"
        yield server


def twilio_post(path_params: dict[str, str], *, signature: str | None = None):
    url = PUBLIC + "/messaging/webhooks/twilio/"
    sig = signature if signature is not None else twilio_signature(url, path_params)
    return HttpClient().post(
        "/messaging/webhooks/twilio/", path_params, HTTP_X_TWILIO_SIGNATURE=sig
    )


def test_twilio_send_status_callback_and_stop(world, twilio):
    sms_consent(world.contact_party, at=world.now)
    outcome = services.message_send(
        actor=TEST_ACTOR, party=world.contact_party, purpose="service", body=BODY, now=world.now
    )
    message = sent_message(outcome)
    assert message.status == MessageStatus.SENT
    assert message.provider_message_id.startswith("SM")
    sent = twilio.state.requests[-1]
    assert sent.path == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert sent.form() == {
        "To": world.contact.phone,
        "From": "+12125550199",
        "Body": BODY,
        "StatusCallback": PUBLIC + "/messaging/webhooks/twilio/",
    }
    # A delivery report with a forged signature changes nothing.
    report = {"MessageSid": message.provider_message_id, "MessageStatus": "delivered"}
    assert twilio_post(report, signature="Zm9yZ2Vk").status_code == 403
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    response = twilio_post(report)
    assert response.status_code == 200
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED
    # A late "sent" report after "delivered" is ignored.
    twilio_post({"MessageSid": message.provider_message_id, "MessageStatus": "sent"})
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED
    # STOP arrives: one confirmation goes back through Twilio; the retry sends nothing.
    stop = {
        "MessageSid": "SM" + "f" * 32,
        "AccountSid": SID,
        "From": world.contact.phone,
        "To": "+12125550199",
        "Body": "Stop",
    }
    before = len(twilio.state.requests)
    assert twilio_post(stop).status_code == 200
    assert twilio_post(stop).status_code == 200
    confirmations = [r for r in twilio.state.requests[before:] if r.method == "POST"]
    assert len(confirmations) == 1
    assert "unsubscribed" in confirmations[0].form()["Body"]
    assert Message.objects.filter(kind=MessageKind.OPT_OUT_CONFIRMATION).count() == 1


def test_twilio_refusal_is_a_failed_message_not_an_exception(world, twilio):
    sms_consent(world.contact_party, at=world.now)
    twilio.state.refuse_next = True
    outcome = services.message_send(
        actor=TEST_ACTOR, party=world.contact_party, purpose="service", body=BODY, now=world.now
    )
    assert sent_message(outcome).status == MessageStatus.FAILED
    assert "21610" in sent_message(outcome).status_detail or "unsubscribed" in (
        sent_message(outcome).status_detail
    )


def test_twilio_status_can_be_read_back(world, twilio):
    sms_consent(world.contact_party, at=world.now)
    message = sent_message(
        services.message_send(
            actor=TEST_ACTOR, party=world.contact_party, purpose="service", body=BODY, now=world.now
        )
    )
    twilio.state.statuses[message.provider_message_id] = "undelivered"
    assert services.message_statuses_refresh() == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.UNDELIVERED
    assert "30003" in message.status_detail


def test_ringcentral_send_status_and_ringout(world, ringcentral):
    sms_consent(world.contact_party, at=world.now)
    message = sent_message(
        services.message_send(
            actor=TEST_ACTOR, party=world.contact_party, purpose="service", body=BODY, now=world.now
        )
    )
    assert message.status == MessageStatus.SENT
    token, sms = ringcentral.state.requests[:2]
    assert token.path == "/restapi/oauth/token"
    assert token.form()["assertion"] == "local-jwt-credential"
    assert sms.path == "/restapi/v1.0/account/~/extension/~/sms"
    assert sms.json() == {
        "from": {"phoneNumber": "+12125550199"},
        "to": [{"phoneNumber": world.contact.phone}],
        "text": BODY,
    }
    ringcentral.state.statuses[message.provider_message_id] = "Delivered"
    assert services.message_statuses_refresh() == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED
    # Click-to-call: RingOut rings the staff phone, then the contact.
    services.consent_record(
        actor=TEST_ACTOR,
        party=world.contact_party,
        channel="voice",
        purpose="service",
        method="verbal_staff_attested",
        text_shown="We may call you about your account.",
        evidence_kind="call_note",
        evidence="onboarding call",
        now=world.now,
    )
    task = services.call_task_create(
        actor=TEST_ACTOR,
        party=world.contact_party,
        team="billing",
        purpose="service",
        reason="walk through the May report",
    )
    result = services.call_start(actor=Actor.for_user(world.biller), task=task, now=world.now)
    assert not result.dial_yourself
    assert call_of(result).channel_name == "ringcentral"
    ringout = ringcentral.state.requests[-1]
    assert ringout.path == "/restapi/v1.0/account/~/extension/~/ring-out"
    assert ringout.json()["to"] == {"phoneNumber": world.contact.phone}
    assert ringout.json()["from"] == {"phoneNumber": "+12125550150"}
    assert CallTask.objects.get(pk=task.pk).status == "open"


def test_ringcentral_webhook_validation_token_and_verification(world, ringcentral):
    http = HttpClient()
    handshake = http.post(
        "/messaging/webhooks/ringcentral/",
        b"",
        content_type="application/json",
        HTTP_VALIDATION_TOKEN="abc-123",
    )
    assert handshake.status_code == 200
    assert handshake["Validation-Token"] == "abc-123"
    event = {
        "uuid": "7d3b",
        "event": "/restapi/v1.0/account/~/extension/~/message-store/instant?type=SMS",
        "body": {
            "id": "777001",
            "direction": "Inbound",
            "type": "SMS",
            "messageStatus": "Received",
            "from": {"phoneNumber": world.contact.phone},
            "to": [{"phoneNumber": "+12125550199"}],
            "subject": "HELP",
        },
    }
    forged = http.post(
        "/messaging/webhooks/ringcentral/",
        json.dumps(event),
        content_type="application/json",
        HTTP_VERIFICATION_TOKEN="guess",
    )
    assert forged.status_code == 403
    assert not Message.objects.filter(direction="inbound").exists()
    accepted = http.post(
        "/messaging/webhooks/ringcentral/",
        json.dumps(event),
        content_type="application/json",
        HTTP_VERIFICATION_TOKEN="verify-me-please",
    )
    assert accepted.status_code == 200
    inbound = Message.objects.get(direction="inbound")
    assert inbound.party == world.contact_party
    assert inbound.intent == "help"
    help_reply = Message.objects.get(kind=MessageKind.HELP)
    assert help_reply.channel_name == "ringcentral"
    assert help_reply.status == MessageStatus.SENT
    sent = [r for r in ringcentral.state.requests if r.path.endswith("/sms")]
    assert sent
    assert "Reply STOP to opt out" in sent[-1].json()["text"]


def test_webhooks_of_an_unconfigured_provider_are_refused(db):
    response = HttpClient().post("/messaging/webhooks/twilio/", {"Body": "STOP", "From": "+1"})
    assert response.status_code == 404
    assert not Message.objects.exists()
    assert HttpClient().get("/messaging/webhooks/twilio/").status_code == 405
