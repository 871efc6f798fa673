"""Client instructions, account contacts, disputes and the Regulation F check, in the DB."""

from __future__ import annotations

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from openrcm.accounts.models import Role
from openrcm.accounts.testing import make_user
from openrcm.core.actor import Actor
from openrcm.core.errors import PermissionDenied, ValidationFailed
from openrcm.core.testing import TEST_ACTOR, make_client, make_patient
from openrcm.patient_billing.models import AccountContact, ClientInstructions, Dispute
from openrcm.patient_billing.selectors import (
    account_history,
    collection_contact_check,
    promises_due_for_follow_up,
)
from openrcm.patient_billing.services import (
    account_contact_log,
    client_instructions_get,
    client_instructions_set,
    collection_exclusion_clear,
    collection_exclusion_set,
    dispute_open,
    dispute_resolve,
)
from openrcm.privacy.models import AuditEvent
from openrcm.rules.decisions import Channel
from openrcm.rules.statements import ReminderKind

pytestmark = pytest.mark.django_db
NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def practice():
    return make_client()


@pytest.fixture
def patient(practice):
    return make_patient(practice, state="NY", zip_code="12209")


def test_a_practice_without_instructions_gets_the_defaults(practice):
    instructions = client_instructions_get(practice)
    assert instructions.statement_cycle_rule().minimum_balance == Decimal("5.00")
    assert any(step.final_notice for step in instructions.cadence_steps())
    assert not instructions.placement_policy().places_accounts
    assert instructions.plan_limits().max_instalments == 12


def test_instructions_are_set_checked_and_audited(practice):
    before = AuditEvent.objects.count()
    client_instructions_set(
        actor=TEST_ACTOR,
        client=practice,
        places_accounts=True,
        agency_name="Synthetic Recovery Associates",
        placement_minimum=Decimal("75.00"),
        guidance="Offer a plan before any final notice.",
    )
    stored = ClientInstructions.objects.get(client=practice)
    policy = stored.placement_policy()
    assert policy.places_accounts
    assert policy.minimum_balance == Decimal("75.00")
    assert AuditEvent.objects.count() == before + 1
    latest = AuditEvent.objects.order_by("-sequence").first()
    assert latest is not None
    assert "placement_minimum" in latest.changes


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        ({"places_accounts": True, "agency_name": ""}, "agency_name", "name the agency"),
        ({"final_notice_wait_days": 10}, "final_notice_wait_days", "at least 30 days"),
        ({"statement_day": 40}, "statement_day", "1 to 31"),
        ({"statement_cycle": "weekly"}, "statement_cycle", "not a statement cycle"),
        ({"plan_frequencies": ["daily"]}, "plan_frequencies", "choose one or more"),
        ({"cadence": []}, "cadence", "at least one step"),
        (
            {"cadence": [{"name": "statement", "day": 0, "kind": "statement"}]},
            "cadence",
            "final notice",
        ),
        (
            {"cadence": [{"name": "x", "day": -3, "kind": "fax", "final_notice": True}]},
            "cadence",
            "kind 'fax'",
        ),
        ({"plan_min_instalment": "-5"}, "plan_min_instalment", "negative"),
    ],
)
def test_bad_instructions_are_refused_and_nothing_changes(practice, changes, field, fragment):
    with pytest.raises(ValidationFailed) as refused:
        client_instructions_set(actor=TEST_ACTOR, client=practice, **changes)
    assert any(f == field and fragment in m for f, m in refused.value.problems), (
        refused.value.problems
    )
    assert not client_instructions_get(practice).places_accounts
    assert client_instructions_get(practice).statement_day == 1


def test_a_custom_cadence_becomes_rule_steps(practice):
    cadence = [
        {"name": "statement", "day": 0, "kind": "statement"},
        {"name": "text reminder", "day": 20, "kind": "sms"},
        {"name": "final notice", "day": 60, "kind": "letter", "final_notice": True},
    ]
    client_instructions_set(actor=TEST_ACTOR, client=practice, cadence=cadence)
    steps = client_instructions_get(practice).cadence_steps()
    assert [s.kind for s in steps] == [
        ReminderKind.STATEMENT,
        ReminderKind.SMS,
        ReminderKind.LETTER,
    ]
    assert steps[-1].final_notice


def test_only_administrators_record_instructions(practice):
    collector = make_user(Role.COLLECTOR, assigned_clients=[practice])
    with pytest.raises(PermissionDenied):
        client_instructions_set(actor=Actor.for_user(collector), client=practice, guidance="x")


def test_a_promise_to_pay_needs_amount_and_date(patient):
    with pytest.raises(ValidationFailed) as refused:
        account_contact_log(
            actor=TEST_ACTOR,
            patient=patient,
            medium="voice",
            direction="outbound",
            outcome="promise_to_pay",
        )
    fields = {f for f, _ in refused.value.problems}
    assert fields == {"promise_amount", "promise_date"}
    assert not AccountContact.objects.exists()
    today = timezone.localdate()
    contact = account_contact_log(
        actor=TEST_ACTOR,
        patient=patient,
        medium="voice",
        direction="outbound",
        outcome="promise_to_pay",
        promise_amount="40.00",
        promise_date=today,
    )
    assert contact.promise_amount == Decimal("40.00")
    later = today + datetime.timedelta(days=1)
    promises = AccountContact.objects.all()
    assert list(promises_due_for_follow_up(promises, later)) == [contact]
    assert not promises_due_for_follow_up(promises, today).exists()


def test_amounts_belong_only_to_promises_and_the_future_is_refused(patient):
    with pytest.raises(ValidationFailed, match="only to a promise"):
        account_contact_log(
            actor=TEST_ACTOR,
            patient=patient,
            medium="voice",
            direction="outbound",
            outcome="reached",
            promise_amount="10.00",
        )
    with pytest.raises(ValidationFailed, match="in the future"):
        account_contact_log(
            actor=TEST_ACTOR,
            patient=patient,
            medium="voice",
            direction="outbound",
            outcome="reached",
            at=timezone.now() + datetime.timedelta(hours=2),
        )
    with pytest.raises(ValidationFailed, match="not one of"):
        account_contact_log(
            actor=TEST_ACTOR,
            patient=patient,
            medium="pigeon",
            direction="outbound",
            outcome="reached",
        )


def test_a_dispute_pauses_collection_until_resolved(patient):
    contact = account_contact_log(
        actor=TEST_ACTOR,
        patient=patient,
        medium="voice",
        direction="inbound",
        outcome="dispute",
        dispute_reason="Says the visit was covered by a prior authorization",
    )
    dispute = Dispute.objects.get(patient=patient)
    assert dispute.contact == contact
    assert dispute.is_open
    noon = datetime.datetime.combine(
        timezone.localdate() + datetime.timedelta(days=10), datetime.time(12), tzinfo=NEW_YORK
    )
    refused = collection_contact_check(patient, medium=Channel.VOICE, now=noon)
    assert "dispute_pending" in refused.codes
    dispute_resolve(
        actor=TEST_ACTOR, dispute=dispute, resolution="Authorization checked: none on file"
    )
    assert collection_contact_check(patient, medium=Channel.VOICE, now=noon).allowed
    with pytest.raises(ValidationFailed, match="was resolved on"):
        dispute_resolve(actor=TEST_ACTOR, dispute=dispute, resolution="again")


def test_a_dispute_without_a_reason_is_refused(patient):
    with pytest.raises(ValidationFailed):
        account_contact_log(
            actor=TEST_ACTOR,
            patient=patient,
            medium="voice",
            direction="inbound",
            outcome="dispute",
        )
    assert not AccountContact.objects.exists()
    assert not Dispute.objects.exists()


def test_regulation_f_counts_logged_calls(patient):
    """Seven connected calls in seven days: the eighth is refused until the window opens;
    a conversation starts the seven-day wait."""
    start = timezone.now() - datetime.timedelta(days=3)
    for hour in range(7):
        account_contact_log(
            actor=TEST_ACTOR,
            patient=patient,
            medium="voice",
            direction="outbound",
            outcome="left_message",
            at=start + datetime.timedelta(hours=hour),
        )
    check_at = start.astimezone(NEW_YORK).replace(hour=12) + datetime.timedelta(days=1)
    decision = collection_contact_check(patient, medium=Channel.VOICE, now=check_at)
    assert "seven_in_seven" in decision.codes
    assert decision.next_allowed_at is not None
    # Texts do not count toward 7-in-7.
    text = collection_contact_check(
        patient, medium=Channel.SMS, now=check_at, body="Your balance is due. Reply STOP to opt out"
    )
    assert "seven_in_seven" not in text.codes


def test_a_conversation_starts_the_seven_day_wait(patient):
    talked = timezone.now() - datetime.timedelta(days=2)
    account_contact_log(
        actor=TEST_ACTOR,
        patient=patient,
        medium="voice",
        direction="outbound",
        outcome="reached",
        at=talked,
    )
    noon = talked.astimezone(NEW_YORK).replace(hour=12) + datetime.timedelta(days=1)
    assert (
        "conversation_wait"
        in collection_contact_check(patient, medium=Channel.VOICE, now=noon).codes
    )
    later = noon + datetime.timedelta(days=8)
    assert collection_contact_check(patient, medium=Channel.VOICE, now=later).allowed


def test_calls_at_night_are_refused(patient):
    night = datetime.datetime.combine(timezone.localdate(), datetime.time(22, 30), tzinfo=NEW_YORK)
    assert (
        "inconvenient_time"
        in collection_contact_check(patient, medium=Channel.VOICE, now=night).codes
    )


def test_exclusion_from_collections_is_recorded_and_lifted(patient):
    exclusion = collection_exclusion_set(
        actor=TEST_ACTOR, patient=patient, reason="Practice's courtesy account"
    )
    assert exclusion.reason == "Practice's courtesy account"
    with pytest.raises(ValidationFailed):
        collection_exclusion_set(actor=TEST_ACTOR, patient=patient, reason="  ")
    collection_exclusion_clear(actor=TEST_ACTOR, patient=patient)
    assert not type(exclusion).objects.filter(patient=patient).exists()


def test_the_account_history_is_in_time_order(patient):
    now = timezone.now()
    account_contact_log(
        actor=TEST_ACTOR,
        patient=patient,
        medium="voice",
        direction="outbound",
        outcome="no_answer",
        at=now - datetime.timedelta(days=5),
    )
    dispute = dispute_open(actor=TEST_ACTOR, patient=patient, reason="Billed twice")
    dispute_resolve(actor=TEST_ACTOR, dispute=dispute, resolution="Duplicate voided")
    account_contact_log(
        actor=TEST_ACTOR,
        patient=patient,
        medium="letter",
        direction="outbound",
        outcome="reached",
        at=now - datetime.timedelta(days=9),
        note="statement mailed",
    )
    kinds = [e.kind for e in account_history(patient)]
    assert kinds == ["contact", "contact", "dispute opened", "dispute resolved"]
    assert "statement mailed" in account_history(patient)[0].summary


def test_contacts_are_scoped_to_the_collectors_practices(patient):
    account_contact_log(
        actor=TEST_ACTOR, patient=patient, medium="voice", direction="outbound", outcome="reached"
    )
    other = make_client(legal_name="Other Practice PLLC")
    outsider = make_user(Role.COLLECTOR, assigned_clients=[other])
    insider = make_user(Role.COLLECTOR, assigned_clients=[patient.client])
    assert AccountContact.objects.for_user(outsider).count() == 0
    assert AccountContact.objects.for_user(insider).count() == 1
    assert Dispute.objects.for_user(outsider).count() == 0
