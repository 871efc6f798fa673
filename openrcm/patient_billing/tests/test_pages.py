"""The collector's account page and a practice's billing instructions page."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from openrcm.accounts.models import Role
from openrcm.accounts.testing import make_user, sign_in
from openrcm.core.testing import make_client, make_patient
from openrcm.patient_billing.models import AccountContact, ClientInstructions, Dispute
from openrcm.privacy.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def practice():
    return make_client()


@pytest.fixture
def patient(practice):
    return make_patient(practice, last_name="Quillfeather")


@pytest.fixture
def collector(client, practice):
    user = make_user(Role.COLLECTOR, assigned_clients=[practice])
    sign_in(client, user)
    return user


def account_url(patient):
    return reverse("patient_billing:account", args=[patient.pk])


def test_the_account_page_shows_guidance_history_and_the_call_check(
    client, collector, patient, practice
):
    ClientInstructions.objects.create(client=practice, guidance="Offer a plan first.")
    reads = AuditEvent.objects.filter(action="read").count()
    page = client.get(account_url(patient))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Offer a plan first." in text
    assert "May we call now?" in text
    assert 'data-testid="patient-due"><strong>$0.00' in text
    assert AuditEvent.objects.filter(action="read").count() == reads + 1


def test_logging_a_promise_to_pay_from_the_page(client, collector, patient):
    promised = timezone.localdate() + datetime.timedelta(days=7)
    response = client.post(
        account_url(patient),
        {
            "action": "contact",
            "medium": "voice",
            "direction": "outbound",
            "outcome": "promise_to_pay",
            "promise_amount": "45.00",
            "promise_date": promised.isoformat(),
            "note": "Will pay after payday",
        },
    )
    assert response.status_code == 302
    contact = AccountContact.objects.get(patient=patient)
    assert contact.recorded_by == collector.username or collector.username in contact.recorded_by
    page = client.get(account_url(patient)).content.decode()
    assert "Will pay after payday" in page


def test_a_bad_contact_is_refused_with_every_problem_and_nothing_stored(client, collector, patient):
    response = client.post(
        account_url(patient),
        {
            "action": "contact",
            "medium": "voice",
            "direction": "outbound",
            "outcome": "promise_to_pay",
        },
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "the promised amount is required" in text
    assert "the promised date is required" in text
    assert not AccountContact.objects.exists()


def test_dispute_opened_and_resolved_from_the_page(client, collector, patient):
    client.post(
        account_url(patient),
        {
            "action": "contact",
            "medium": "voice",
            "direction": "inbound",
            "outcome": "dispute",
            "dispute_reason": "Never had this visit",
        },
    )
    dispute = Dispute.objects.get(patient=patient)
    page = client.get(account_url(patient)).content.decode()
    assert "Never had this visit" in page
    assert "dispute_pending" not in page  # reasons are shown in words, not codes
    client.post(
        account_url(patient),
        {"action": "resolve_dispute", "dispute": dispute.pk, "resolution": "Visit confirmed"},
    )
    dispute.refresh_from_db()
    assert not dispute.is_open


def test_roles_without_collection_work_are_refused(client, practice, patient):
    coder = make_user(Role.CODER, assigned_clients=[practice])
    sign_in(client, coder)
    assert client.get(account_url(patient)).status_code == 403


def test_a_collector_of_another_practice_gets_404(client, patient):
    other = make_client(legal_name="Elsewhere Clinic PLLC")
    sign_in(client, make_user(Role.COLLECTOR, assigned_clients=[other]))
    response = client.get(account_url(patient))
    assert response.status_code == 404
    assert "Quillfeather" not in response.content.decode()


def test_administrators_change_instructions_others_only_read(client, practice):
    url = reverse("patient_billing:instructions", args=[practice.pk])
    biller = make_user(Role.BILLER, assigned_clients=[practice])
    sign_in(client, biller)
    assert client.get(url).status_code == 200
    assert client.post(url, {"guidance": "x"}).status_code == 403
    admin = make_user(Role.ADMINISTRATOR)
    sign_in(client, admin)
    form = {
        "statement_cycle": "rolling",
        "statement_day": "1",
        "statement_every_days": "28",
        "statement_minimum": "10.00",
        "statement_due_days": "21",
        "small_balance_write_off": "2.00",
        "plan_max_instalments": "6",
        "plan_min_instalment": "30.00",
        "plan_min_down_payment_percent": "0",
        "plan_max_days_to_first_due": "30",
        "plan_grace_days": "10",
        "plan_default_after_missed": "2",
        "plan_frequencies": ["monthly"],
        "places_accounts": "on",
        "agency_name": "Synthetic Recovery Associates",
        "placement_minimum": "100.00",
        "placement_minimum_age_days": "150",
        "final_notice_wait_days": "30",
        "guidance": "Call before the final notice.",
    }
    assert client.post(url, form).status_code == 302
    stored = ClientInstructions.objects.get(client=practice)
    assert stored.statement_every_days == 28
    assert stored.placement_policy().agency == "Synthetic Recovery Associates"
    bad = {**form, "final_notice_wait_days": "7", "statement_day": "x"}
    refused = client.post(url, bad)
    assert refused.status_code == 400
    assert "not a whole number" in refused.content.decode()


def test_the_work_list_shows_open_disputes_and_promises_past_due(client, collector, patient):
    from openrcm.core.testing import TEST_ACTOR
    from openrcm.patient_billing.services import account_contact_log

    week_ago = timezone.now() - datetime.timedelta(days=7)
    account_contact_log(
        actor=TEST_ACTOR,
        patient=patient,
        medium="voice",
        direction="outbound",
        outcome="promise_to_pay",
        promise_amount="30.00",
        promise_date=timezone.localdate(week_ago),
        at=week_ago,
    )
    page = client.get(reverse("patient_billing:list")).content.decode()
    assert "Quillfeather" in page
    assert "$30.00" in page
    # A contact logged after the promised day is the follow-up: the promise leaves the list.
    account_contact_log(
        actor=TEST_ACTOR,
        patient=patient,
        medium="voice",
        direction="outbound",
        outcome="reached",
        note="paid at the front desk",
    )
    assert "Quillfeather" not in client.get(reverse("patient_billing:list")).content.decode()


def test_mistyped_input_is_refused_with_a_message_not_a_crash(client, collector, patient):
    bad_date = client.post(
        account_url(patient),
        {"action": "contact", "medium": "voice", "direction": "outbound",
         "outcome": "promise_to_pay", "promise_amount": "20.00", "promise_date": "2026-02-30"},
    )  # fmt: skip
    assert bad_date.status_code == 400
    assert "is not a date" in bad_date.content.decode()
    assert not AccountContact.objects.exists()
    not_an_id = client.post(
        account_url(patient), {"action": "resolve_dispute", "dispute": "abc", "resolution": "x"}
    )
    assert not_an_id.status_code == 404
