"""``openrcm eligibility check`` and ``openrcm eligibility status-inquiries``."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from openrcm.claims.cycle import claims_cycle_run
from openrcm.claims.models import ClaimStatusChange, Encounter
from openrcm.claims.tests.conftest import make_claim
from openrcm.core.testing import TEST_ACTOR, make_encounter
from openrcm.eligibility.models import ClaimStatusInquiry, EligibilityInquiry
from openrcm.eligibility.tests.conftest import covered_patient

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_check_tomorrow_by_default_and_again(world, today, tomorrow):
    patient, _ = covered_patient(world)
    lapsed, _ = covered_patient(
        world, effective_from=datetime.date(2020, 1, 1), effective_to=datetime.date(2024, 1, 1)
    )
    for person in (patient, lapsed):
        make_encounter(person, world.provider, date_of_service=today)
    Encounter.objects.update(date_of_service=tomorrow)  # tomorrow's schedule
    text = run("eligibility", "check", "--quiet")
    assert f"{tomorrow:%Y-%m-%d}: 2 patient(s); 2 asked (1 active, 1 inactive" in text
    assert "1 patient(s) flagged, 1 new work item(s)" in text
    assert "inactive" in text
    again = run("eligibility", "check", "--quiet")
    assert "0 asked" in again
    assert "2 answered earlier today" in again
    assert EligibilityInquiry.objects.count() == 2
    forced = run("eligibility", "check", "--quiet", "--force")
    assert "2 asked" in forced


def test_check_one_patient_on_a_date(world):
    patient, _ = covered_patient(world)
    text = run("eligibility", "check", "--patient", str(patient.pk), "--date", "2026-01-05")
    assert "on 01/05/2026: active" in text
    assert EligibilityInquiry.objects.get().service_date == datetime.date(2026, 1, 5)


def test_clear_errors_and_exit_codes(world, settings):
    with pytest.raises(CommandError, match="no patient has id 999999"):
        run("eligibility", "check", "--patient", "999999")
    with pytest.raises(CommandError, match="not a date"):
        run("eligibility", "check", "--date", "tomorrow-ish")
    patient, _ = covered_patient(world)
    settings.OPENRCM_CLEARINGHOUSE = "nowhere"
    with pytest.raises(CommandError, match="no clearinghouse is called 'nowhere'"):
        run("eligibility", "check", "--patient", str(patient.pk))
    assert EligibilityInquiry.objects.count() == 0  # nothing asked, nothing stored


def test_a_run_with_unanswered_checks_exits_3(world, settings, today):
    patient, _ = covered_patient(world)
    settings.OPENRCM_SFTP_HOST, settings.OPENRCM_SFTP_USER = "127.0.0.1", "openrcm"
    settings.OPENRCM_SFTP_HOST_KEY = "SHA256:abc"
    settings.OPENRCM_CLEARINGHOUSE = "sftp"
    with pytest.raises(CommandError, match="not every inquiry was answered") as caught:
        run("eligibility", "check", "--patient", str(patient.pk))
    assert caught.value.returncode == 3
    assert EligibilityInquiry.objects.get().status == "failed"


def test_status_inquiries(world):
    claim = make_claim(world)
    claims_cycle_run(actor=TEST_ACTOR)
    assert "0 claim(s) asked about" in run("eligibility", "status-inquiries", "--quiet")
    ClaimStatusChange.objects.update(at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    text = run("eligibility", "status-inquiries", "--quiet", "--days", "30")
    assert "Claims with no answer for 30 day(s): 1 claim(s) asked about, 1 answered" in text
    assert f"{claim.patient_control_number}: pending: in process (P1)" in text
    assert "0 claim(s) asked about" in run("eligibility", "status-inquiries", "--quiet")
    assert ClaimStatusInquiry.objects.count() == 1
