"""The send service, consent, STOP/HELP/START, calls and leads, through the real services."""

from __future__ import annotations

import datetime

import pytest

from openrcm.accounts.testing import make_user
from openrcm.clients.models import ContractStatus
from openrcm.clients.services import contract_transition
from openrcm.core.actor import Actor
from openrcm.core.errors import NotFound, PermissionDenied, ValidationFailed
from openrcm.core.testing import TEST_ACTOR, make_patient
from openrcm.messaging import services
from openrcm.messaging.models import (
    CallOutcome,
    CallTask,
    CallTaskStatus,
    ConsentRecord,
    Lead,
    LeadStatus,
    Message,
    MessageKind,
    MessageStatus,
    MessageTemplate,
    Party,
    SendRefusal,
    Subscription,
)
from openrcm.privacy.models import AuditEvent

from .conftest import (
    call_of,
    make_practice,
    next_phone,
    refusal_of,
    reply_of,
    sent_message,
    sms_consent,
)

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


def send_update(
    party,
    now,
    body="Acme Billing: your billing update for May is ready. Reply STOP to opt out.",
    **kw,
):
    return services.message_send(
        actor=TEST_ACTOR,
        party=party,
        purpose=kw.pop("purpose", "service"),
        body=body,
        now=now,
        **kw,
    )


def outbound(party, kind=None):
    rows = Message.objects.filter(party=party, direction="outbound")
    return list(rows.filter(kind=kind) if kind else rows)


# ---- the gate decides, the service records ------------------------------------------------


def test_a_client_contact_with_sms_consent_gets_the_text(world):
    sms_consent(world.contact_party, at=world.now)
    outcome = send_update(world.contact_party, world.now + HOUR)
    assert outcome.sent
    assert outcome.refusal is None
    message = sent_message(outcome)
    assert message.status == MessageStatus.DELIVERED  # the outbox delivers at once
    assert message.channel_name == "outbox"
    assert message.sender_brand == "Acme Billing"
    assert [h.to_status for h in message.history.all()] == ["delivered"]
    assert AuditEvent.objects.filter(
        object_type="messaging.message", object_id=str(message.pk)
    ).exists()


def test_without_consent_the_send_is_refused_and_recorded_with_every_reason(world):
    outcome = send_update(world.contact_party, world.now, body="hello")
    assert not outcome.sent
    refusal = outcome.refusal
    assert set(refusal.codes.split()) == {
        "consent_missing",
        "sender_not_identified",
        "missing_opt_out_text",
    }
    assert {r["code"] for r in refusal.reasons} == set(refusal.codes.split())
    assert all(r["message"] and r["source"] for r in refusal.reasons)
    assert outbound(world.contact_party) == []
    assert AuditEvent.objects.filter(object_type="messaging.sendrefusal").count() == 1


def test_consent_given_before_the_contract_began_does_not_count(world):
    # Consent as a lead, before the contract's activation, is refused at recording time.
    with pytest.raises(ValidationFailed) as caught:
        sms_consent(world.contact_party, at=world.now - datetime.timedelta(days=400))
    assert "after the contract began" in str(caught.value)


def test_quiet_hours_refuse_with_the_next_allowed_time(world):
    sms_consent(world.contact_party, at=world.now)
    night = world.now.replace(hour=22)
    outcome = send_update(world.contact_party, night)
    assert refusal_of(outcome).codes == "quiet_hours"
    assert refusal_of(outcome).next_allowed_at is not None
    assert refusal_of(outcome).next_allowed_at > night


def test_frequency_cap_counts_what_was_sent(world):
    sms_consent(world.contact_party, at=world.now)
    for i in range(3):
        assert send_update(world.contact_party, world.now + i * HOUR, subject=f"s{i}").sent
    outcome = send_update(world.contact_party, world.now + 4 * HOUR)
    assert "frequency_cap" in refusal_of(outcome).codes


def test_marketing_is_refused_while_switched_off_even_with_written_consent(world, settings):
    sms_consent(world.contact_party, at=world.now)
    sms_consent(world.contact_party, at=world.now, purpose="marketing", method="web_form")
    body = "Acme Billing: ask us about our coding audit package. Reply STOP to opt out."
    outcome = send_update(world.contact_party, world.now + HOUR, body=body, purpose="marketing")
    assert refusal_of(outcome).codes == "marketing_disabled"
    settings.OPENRCM_MESSAGING_MARKETING = True
    assert send_update(world.contact_party, world.now + HOUR, body=body, purpose="marketing").sent


def test_marketing_consent_must_be_written(world):
    with pytest.raises(ValidationFailed, match="written consent"):
        sms_consent(world.contact_party, at=world.now, purpose="marketing")


def test_contract_ended_stops_messages_except_a_reply_to_the_client(world):
    sms_consent(world.contact_party, at=world.now)
    services.inbound_simulate(
        actor=TEST_ACTOR, party=world.contact_party, body="Is the May report out?", now=world.now
    )
    inbound = Message.objects.get(party=world.contact_party, direction="inbound")
    contract_transition(
        actor=TEST_ACTOR, contract=world.contract, to=ContractStatus.ENDED, on=world.now.date()
    )
    fresh = send_update(world.contact_party, world.now + HOUR)
    assert "contract_ended" in refusal_of(fresh).codes
    reply = send_update(world.contact_party, world.now + HOUR, in_reply_to=inbound)
    assert reply.sent
    late = send_update(world.contact_party, world.now + 30 * HOUR, in_reply_to=inbound)
    assert "contract_ended" in refusal_of(late).codes


def test_patient_texts_go_in_the_practices_name(world):
    consent = services.consent_record(
        actor=TEST_ACTOR,
        party=world.patient_party,
        channel="sms",
        purpose="service",
        method="intake_portal",
        text_shown="Riverbend Family Medicine PC may text you about bills and visits.",
        evidence_kind="form_submission",
        evidence="intake form 77",
        now=world.now,
    )
    assert consent.brand_client == world.client
    body = "Riverbend Family Medicine PC: you have a new statement. Reply STOP to opt out."
    outcome = services.message_send(
        actor=TEST_ACTOR, party=world.patient_party, purpose="billing", body=body, now=world.now
    )
    assert outcome.sent
    assert sent_message(outcome).sender_brand == "Riverbend Family Medicine PC"
    assert sent_message(outcome).brand_client == world.client
    wrong = services.message_send(
        actor=TEST_ACTOR,
        party=world.patient_party,
        purpose="marketing",
        body=body,
        now=world.now,
    )
    assert "marketing_to_patient" in refusal_of(wrong).codes


def test_an_account_placed_with_an_agency_gets_no_billing_texts(world, monkeypatch):
    services.consent_record(
        actor=TEST_ACTOR,
        party=world.patient_party,
        channel="sms",
        purpose="service",
        method="intake_portal",
        text_shown="texts ok",
        evidence_kind="form_submission",
        evidence="form",
        now=world.now,
    )
    monkeypatch.setattr("openrcm.messaging.policy.placed_with_agency", lambda patient: True)
    body = "Riverbend Family Medicine PC: you have a new statement. Reply STOP to opt out."
    outcome = services.message_send(
        actor=TEST_ACTOR, party=world.patient_party, purpose="billing", body=body, now=world.now
    )
    assert "placed_with_agency" in refusal_of(outcome).codes


def test_permissions_and_scoping_are_checked_before_anything(world):
    other_client, _ = make_practice()
    outsider = make_user("biller", assigned_clients=[other_client])
    with pytest.raises(NotFound):
        services.message_send(
            actor=Actor.for_user(outsider),
            party=world.contact_party,
            purpose="service",
            body="x",
            now=world.now,
        )
    with pytest.raises(PermissionDenied):
        services.message_send(
            actor=Actor.for_user(world.sales),
            party=world.contact_party,
            purpose="service",
            body="x",
            now=world.now,
        )
    assert not SendRefusal.objects.exists()


# ---- inbound: STOP, HELP, START ----------------------------------------------------------


def test_stop_revokes_consent_and_gets_exactly_one_confirmation(world):
    sms_consent(world.contact_party, at=world.now)
    assert send_update(world.contact_party, world.now).sent
    first = services.inbound_simulate(
        actor=TEST_ACTOR, party=world.contact_party, body="STOP", now=world.now + HOUR
    )
    assert reply_of(first).kind == MessageKind.OPT_OUT_CONFIRMATION
    assert reply_of(first).status == MessageStatus.DELIVERED
    assert "unsubscribed" in reply_of(first).body
    assert "Acme Billing" in reply_of(first).body
    again = services.inbound_simulate(
        actor=TEST_ACTOR, party=world.contact_party, body="stop", now=world.now + 2 * HOUR
    )
    assert again.reply is None
    assert len(outbound(world.contact_party, MessageKind.OPT_OUT_CONFIRMATION)) == 1
    consent = ConsentRecord.objects.get(party=world.contact_party)
    assert consent.revoked_at is not None
    assert consent.revocation_means == "keyword"
    assert consent.revocation_message == first.inbound
    refused = send_update(world.contact_party, world.now + 3 * HOUR)
    assert {"opted_out", "consent_missing"} <= set(refusal_of(refused).codes.split())


def test_help_answers_with_who_we_are(world, settings):
    settings.OPENRCM_MESSAGING_FREQUENCY = "Up to 4 msgs/mo"
    outcome = services.inbound_simulate(
        actor=TEST_ACTOR, party=world.contact_party, body="help", now=world.now
    )
    reply = reply_of(outcome)
    assert reply.kind == MessageKind.HELP
    assert "Acme Billing" in reply.body
    assert "212" in reply.body
    assert "Up to 4 msgs/mo." in reply.body
    assert "Msg & data rates may apply." in reply.body
    assert "Reply STOP to opt out" in reply.body


def test_start_resubscribes_and_records_keyword_consent(world):
    sms_consent(world.contact_party, at=world.now)
    services.inbound_simulate(
        actor=TEST_ACTOR, party=world.contact_party, body="STOP", now=world.now
    )
    outcome = services.inbound_simulate(
        actor=TEST_ACTOR, party=world.contact_party, body="START", now=world.now + HOUR
    )
    assert reply_of(outcome).kind == MessageKind.OPT_IN_CONFIRMATION
    keyword = ConsentRecord.objects.get(party=world.contact_party, method="keyword_optin")
    assert keyword.revoked_at is None
    assert send_update(world.contact_party, world.now + 2 * HOUR).sent


def test_free_text_revocation_is_in_force_at_once_and_flagged_for_review(world):
    sms_consent(world.contact_party, at=world.now)
    outcome = services.inbound_simulate(
        actor=TEST_ACTOR, party=world.contact_party, body="please stop texting me", now=world.now
    )
    assert outcome.inbound.needs_review
    assert reply_of(outcome).kind == MessageKind.OPT_OUT_CONFIRMATION
    assert "opted_out" in send_update(world.contact_party, world.now + HOUR).refusal.codes
    reviewed = services.message_review(actor=TEST_ACTOR, message=outcome.inbound, note="confirmed")
    assert reviewed.reviewed_at is not None


def test_stop_from_a_shared_number_holds_for_every_party_with_it(world):
    shared = world.contact.phone
    patient = make_patient(world.client, phone=shared)
    patient_party = services.party_ensure(actor=TEST_ACTOR, patient=patient)
    sms_consent(world.contact_party, at=world.now)
    services.inbound_simulate(
        actor=TEST_ACTOR, party=world.contact_party, body="STOP", now=world.now
    )
    assert ConsentRecord.objects.filter(party=world.contact_party, revoked_at=None).count() == 0
    assert Subscription.objects.filter(
        address_hash=patient_party.phone_hash, status="opted_out"
    ).exists()


def test_a_webhook_retry_is_taken_once(world):
    first = services.inbound_receive(
        channel_name="outbox",
        from_number=world.contact.phone,
        body="STOP",
        provider_message_id="retry-1",
        now=world.now,
    )
    second = services.inbound_receive(
        channel_name="outbox",
        from_number=world.contact.phone,
        body="STOP",
        provider_message_id="retry-1",
        now=world.now,
    )
    assert second.duplicate
    assert second.reply is None
    assert first.reply is not None
    assert Message.objects.filter(kind=MessageKind.OPT_OUT_CONFIRMATION).count() == 1


def test_stop_from_an_unknown_number_is_confirmed_and_remembered(world):
    number = next_phone("917")
    outcome = services.inbound_receive(
        channel_name="outbox", from_number=number, body="STOP", now=world.now
    )
    assert outcome.inbound.party is None
    assert reply_of(outcome).kind == MessageKind.OPT_OUT_CONFIRMATION
    from openrcm.clients.services import client_contact_create

    contact = client_contact_create(
        actor=TEST_ACTOR, client=world.client, name="New Person", kind="billing", phone=number
    )
    party = services.party_ensure(actor=TEST_ACTOR, client_contact=contact)
    sms_consent(party, at=world.now + HOUR)
    assert "opted_out" in send_update(party, world.now + 2 * HOUR).refusal.codes


# ---- templates --------------------------------------------------------------------------


def test_templates_fill_in_the_sender_and_name_every_missing_value(world):
    template = MessageTemplate.objects.get(key="billing-update-ready")
    assert services.template_variables(template.body) == ["sender", "month"]
    assert "Acme Billing: your billing update for January" in services.template_preview(template)
    sms_consent(world.contact_party, at=world.now)
    with pytest.raises(ValidationFailed, match="month"):
        services.message_send_template(
            actor=TEST_ACTOR, party=world.contact_party, template=template, now=world.now
        )
    outcome = services.message_send_template(
        actor=TEST_ACTOR,
        party=world.contact_party,
        template=template,
        values={"month": "May"},
        now=world.now,
    )
    assert sent_message(outcome).body == (
        "Acme Billing: your billing update for May is ready in your portal. Reply STOP to opt out."
    )
    assert sent_message(outcome).template == template


def test_a_template_must_name_its_sender():
    admin = make_user("administrator")
    with pytest.raises(ValidationFailed, match="sender"):
        services.template_save(
            actor=Actor.for_user(admin), key="x", name="X", purpose="service", body="hi {name}"
        )


def test_staff_messages_between_colleagues(world):
    colleague = make_user("coder")
    party = services.party_ensure(
        actor=TEST_ACTOR, user=colleague, phone=next_phone("212"), state="NY", zip_code="10001"
    )
    services.consent_record(
        actor=TEST_ACTOR,
        party=party,
        channel="sms",
        purpose="service",
        method="paper_form",
        text_shown="Work texts from Acme Billing",
        evidence_kind="scanned_paper",
        evidence="HR file 12",
        now=world.now,
    )
    template = MessageTemplate.objects.get(key="staff-note")
    outcome = services.message_send_template(
        actor=TEST_ACTOR,
        party=party,
        template=template,
        values={"note": "the 837 batch is out"},
        now=world.now,
    )
    assert outcome.sent, outcome.refusal and refusal_of(outcome).codes


# ---- calls and leads --------------------------------------------------------------------


def submit_lead(now, **fields):
    data = {
        "name": "Jordan Vale",
        "organization": "Vale Pediatrics",
        "phone": next_phone("303"),
        "email": "jordan@vale.example",
        "state": "CO",
        "zip_code": "80202",
        "note": "We need help with denials.",
        "consent": True,
        "now": now,
    }
    data.update(fields)
    return services.lead_submit(**data)


def test_a_contact_form_submission_makes_a_lead_a_call_task_and_never_a_text(world):
    lead = submit_lead(world.now)
    party = Party.objects.get(lead=lead)
    assert party.kind == "prospect"
    assert set(party.consents.values_list("channel", flat=True)) == {"voice", "email"}
    assert all(c.text_shown == lead.consent_text for c in party.consents.all())
    task = CallTask.objects.get(party=party)
    assert task.team == "sales"
    assert task.status == CallTaskStatus.OPEN
    assert not Message.objects.filter(party=party).exists()
    # A text to the prospect is refused, whoever tries.
    sales = Actor.for_user(world.sales)
    outcome = services.message_send(
        actor=sales,
        party=party,
        purpose="service",
        body="Acme Billing: thanks for reaching out. Reply STOP to opt out.",
        now=world.now,
    )
    assert {"prospect_sms", "consent_missing"} <= set(refusal_of(outcome).codes.split())
    with pytest.raises(ValidationFailed, match="never texted"):
        sms_consent(party, at=world.now)


def test_the_form_needs_consent_and_a_phone():
    with pytest.raises(ValidationFailed) as caught:
        services.lead_submit(name="", phone="123", consent=False)
    fields = {f for f, _ in caught.value.problems}
    assert {"name", "phone", "consent"} <= fields
    assert not Lead.objects.exists()


def test_calling_a_lead_then_converting_it_is_the_only_way_to_texts(world):
    lead = submit_lead(world.now)
    prospect = Party.objects.get(lead=lead)
    task = CallTask.objects.get(party=prospect)
    sales = Actor.for_user(world.sales)
    started = services.call_start(actor=sales, task=task, now=world.now)
    call = call_of(started)
    assert started.refusal is None
    services.call_outcome_record(
        actor=sales,
        call=call,
        outcome=CallOutcome.REACHED,
        note="wants a quote",
        now=world.now,
    )
    task.refresh_from_db()
    lead.refresh_from_db()
    assert task.status == CallTaskStatus.DONE
    assert lead.status == LeadStatus.CONTACTED
    # Converted to a client still in the prospect stage: no SMS consent can be taken.
    prospect_client, contract = make_practice(active=False)
    world.sales.assigned_clients.add(prospect_client)  # sales work the prospects given them
    contact_party = services.lead_convert(actor=sales, lead=lead, client=prospect_client)
    assert contact_party.kind == "client_contact"
    assert set(contact_party.consents.values_list("channel", flat=True)) == {"voice", "email"}
    with pytest.raises(ValidationFailed, match="contracted client"):
        sms_consent(contact_party, at=world.now)
    body = "Acme Billing: welcome aboard. Reply STOP to opt out."
    refused = services.message_send(
        actor=TEST_ACTOR, party=contact_party, purpose="service", body=body, now=world.now
    )
    assert "prospect_sms" in refusal_of(refused).codes
    # The contract starts; explicit SMS consent after that makes texts possible.
    contract_transition(
        actor=TEST_ACTOR, contract=contract, to=ContractStatus.ACTIVE, on=world.now.date()
    )
    still = services.message_send(
        actor=TEST_ACTOR, party=contact_party, purpose="service", body=body, now=world.now
    )
    assert "consent_missing" in refusal_of(still).codes
    sms_consent(contact_party, at=world.now)
    assert services.message_send(
        actor=TEST_ACTOR, party=contact_party, purpose="service", body=body, now=world.now + HOUR
    ).sent


def test_a_call_in_quiet_hours_is_refused_and_asked_not_to_call_revokes(world):
    lead = submit_lead(world.now)
    task = CallTask.objects.get(party__lead=lead)
    sales = Actor.for_user(world.sales)
    night = world.now.replace(hour=23)
    refused = services.call_start(actor=sales, task=task, now=night)
    assert "quiet_hours" in refusal_of(refused).codes
    assert refusal_of(refused).call_task == task
    call = call_of(services.call_start(actor=sales, task=task, now=world.now))
    services.call_outcome_record(
        actor=sales, call=call, outcome=CallOutcome.ASKED_NOT_TO_CALL, now=world.now
    )
    voice = ConsentRecord.objects.get(party__lead=lead, channel="voice")
    assert voice.revoked_at is not None
    assert voice.revocation_means == "call"
    again = services.call_task_create(
        actor=sales, party=task.party, team="sales", purpose="service", reason="try again"
    )
    second = services.call_start(actor=sales, task=again, now=world.now + HOUR)
    assert {"consent_missing", "opted_out"} <= set(refusal_of(second).codes.split())
    lead.refresh_from_db()
    assert lead.status == LeadStatus.LOST
