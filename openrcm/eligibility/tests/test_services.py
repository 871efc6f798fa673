"""Eligibility checks against the sandbox: active, inactive, not found, no coverage,
idempotency, forced re-asks, failures, dependents, the batch for a day, permissions."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection

from openrcm.accounts.testing import make_user
from openrcm.claims.files import exchanged_file_bytes
from openrcm.claims.models import Encounter, ExchangedFile
from openrcm.clearinghouse.base import Clearinghouse, ClearinghouseError
from openrcm.core.actor import Actor
from openrcm.core.errors import PermissionDenied
from openrcm.core.testing import TEST_ACTOR, make_coverage, make_encounter, make_patient
from openrcm.eligibility.models import EligibilityBenefit, EligibilityInquiry
from openrcm.eligibility.selectors import patient_eligibility
from openrcm.eligibility.services import (
    eligibility_check,
    eligibility_check_for_date,
    eligibility_check_patient,
    eligibility_default_day,
)
from openrcm.eligibility.tests.conftest import covered_patient
from openrcm.patients.models import Coverage
from openrcm.privacy.models import AuditEvent
from openrcm.workqueue.models import WorkItem
from openrcm.x12 import EligibilityResponse, read_documents

pytestmark = pytest.mark.django_db

LAPSED = {"effective_from": datetime.date(2020, 1, 1), "effective_to": datetime.date(2024, 12, 31)}


def check(patient, coverage, day, **kwargs):
    return eligibility_check(
        actor=TEST_ACTOR, patient=patient, coverage=coverage, on_date=day, **kwargs
    )


def test_an_active_coverage_is_answered_with_plan_dates_and_amounts(world, today):
    patient, coverage = covered_patient(world, group_number="G100")
    result = check(patient, coverage, today)
    inquiry = result.inquiry
    assert (inquiry.status, inquiry.outcome) == ("answered", "active")
    assert result.reused is False
    assert result.work_item is None
    assert inquiry.plan_begin == datetime.date(2025, 1, 1)
    assert inquiry.plan_end is None
    assert inquiry.group_number == "G100"
    assert inquiry.deductible_total > 0
    assert inquiry.deductible_met + inquiry.deductible_remaining == inquiry.deductible_total
    assert inquiry.out_of_pocket_met + inquiry.out_of_pocket_remaining == (
        inquiry.out_of_pocket_total
    )
    assert inquiry.copay > 0
    assert Decimal(0) < inquiry.coinsurance_percent < Decimal(100)
    codes = set(EligibilityBenefit.objects.filter(inquiry=inquiry).values_list("code", flat=True))
    assert codes == {"1", "A", "B", "C", "G"}
    # The 270 and 271 are kept byte for byte, with their hashes.
    sent, received = inquiry.request_file, inquiry.response_file
    assert (sent.kind, sent.direction, received.kind, received.direction) == (
        "270",
        "sent",
        "271",
        "received",
    )
    assert inquiry.request_sha256 == sent.sha256
    assert inquiry.response_sha256 == received.sha256
    assert sent.client_id == received.client_id == world.client.pk
    (doc,) = list(read_documents(exchanged_file_bytes(received)))
    assert isinstance(doc, EligibilityResponse)
    assert b"TRN*1*" + inquiry.trace_number.encode() in exchanged_file_bytes(sent)
    # The member ID is encrypted at rest; both steps are audited.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT member_id FROM eligibility_eligibilityinquiry WHERE id = %s", [inquiry.pk]
        )
        (raw,) = cursor.fetchone()
    assert coverage.member_id not in raw
    assert inquiry.member_id == coverage.member_id
    details = list(
        AuditEvent.objects.filter(
            object_type="eligibility.eligibilityinquiry", object_id=str(inquiry.pk)
        ).values_list("detail", flat=True)
    )
    assert any(d.startswith("270 ") for d in details)
    assert any(d.startswith("271 ") and "active" in d for d in details)


def test_a_lapsed_coverage_is_inactive_and_flags_the_patient(world, today):
    patient, coverage = covered_patient(world, **LAPSED)
    result = check(patient, coverage, today)
    assert result.inquiry.outcome == "inactive"
    assert result.inquiry.plan_end == datetime.date(2024, 12, 31)
    item = result.work_item
    assert result.work_item_opened is True
    assert (item.kind, item.status, item.patient_id, item.client_id) == (
        "coverage_inactive",
        "open",
        patient.pk,
        world.client.pk,
    )
    assert item.due_date == today
    assert "12/31/2024" in item.details
    shown = patient_eligibility(patient=patient, user=None, today=today)
    assert shown.flagged is True
    assert shown.rows[0].latest == result.inquiry


def test_a_member_the_payer_cannot_find_flags_the_patient(world, today, settings):
    settings.OPENRCM_SANDBOX_REJECT_PERCENT = 100  # every member "not on file"
    patient, coverage = covered_patient(world)
    result = check(patient, coverage, today)
    assert (result.inquiry.status, result.inquiry.outcome) == ("answered", "not_found")
    assert result.inquiry.rejection_code == "75"
    assert "cannot find the member" in result.inquiry.problem
    assert result.work_item.kind == "subscriber_not_found"


def test_the_same_question_is_not_asked_twice_a_day_unless_forced(world, today):
    patient, coverage = covered_patient(world, **LAPSED)
    first = check(patient, coverage, today)
    again = check(patient, coverage, today)
    assert again.reused is True
    assert again.inquiry.pk == first.inquiry.pk
    assert EligibilityInquiry.objects.count() == 1
    assert ExchangedFile.objects.filter(kind="270").count() == 1
    other_day = check(patient, coverage, today - datetime.timedelta(days=1))
    assert other_day.reused is False
    forced = check(patient, coverage, today, force=True)
    assert forced.reused is False
    assert forced.inquiry.forced is True
    assert EligibilityInquiry.objects.count() == 3
    # Still one open work item for the coverage.
    assert WorkItem.objects.filter(status="open").count() == 1


def test_an_active_answer_closes_the_work_item_of_the_coverage(world, today):
    patient, coverage = covered_patient(world, **LAPSED)
    item = check(patient, coverage, today).work_item
    Coverage.objects.filter(pk=coverage.pk).update(effective_to=None)  # the card was updated
    coverage.refresh_from_db()
    result = check(patient, coverage, today, force=True)
    assert result.inquiry.outcome == "active"
    item.refresh_from_db()
    assert item.status == "done"
    assert "answered active" in item.resolution
    assert patient_eligibility(patient=patient, user=None, today=today).flagged is False


def test_no_coverage_at_all_opens_one_work_item(world, today):
    patient = make_patient(world.client)
    (first,) = eligibility_check_patient(actor=TEST_ACTOR, patient=patient, on_date=today)
    assert first.outcome == "no_coverage"
    assert first.work_item is not None
    assert first.work_item.kind == "coverage_missing"
    (again,) = eligibility_check_patient(actor=TEST_ACTOR, patient=patient, on_date=today)
    assert again.work_item == first.work_item
    assert again.work_item_opened is False
    assert WorkItem.objects.count() == 1
    assert EligibilityInquiry.objects.count() == 0


def test_every_coverage_level_is_checked(world, today):
    patient, primary = covered_patient(world)
    secondary = make_coverage(patient, world.payer, priority="S", **LAPSED)
    make_coverage(patient, world.payer, priority="T", effective_from=today + datetime.timedelta(1))
    checks = eligibility_check_patient(actor=TEST_ACTOR, patient=patient, on_date=today)
    assert [(c.inquiry and c.inquiry.coverage_id, c.outcome) for c in checks] == [
        (primary.pk, "active"),
        (secondary.pk, "inactive"),
    ]


def test_a_dependent_known_by_the_subscribers_id_is_asked_as_a_dependent(world, today):
    patient = make_patient(world.client, date_of_birth=datetime.date(2015, 4, 2))
    coverage = make_coverage(
        patient,
        world.payer,
        relationship="19",
        subscriber_first_name="Dario",
        subscriber_last_name="Quill",
        subscriber_date_of_birth=datetime.date(1982, 1, 5),
        subscriber_sex="M",
        subscriber_id="SUBSCRIBER77",
    )
    result = check(patient, coverage, today)
    sent = exchanged_file_bytes(result.inquiry.request_file)
    assert b"NM1*IL*1*Quill*Dario****MI*SUBSCRIBER77~" in sent
    assert b"HL*4*3*23*0~TRN*1*" in sent
    assert result.inquiry.outcome == "active"


class Unreachable(Clearinghouse):
    name = "down"

    def submit(self, file_name, data):
        raise AssertionError

    def find_submission(self, file_name):
        return None

    def fetch_responses(self):
        return []

    def remove_response(self, name):
        pass

    def inquire(self, data):
        raise ClearinghouseError("connection refused by the clearinghouse")


def test_an_unreachable_clearinghouse_fails_the_inquiry_and_the_next_run_asks_again(world, today):
    patient, coverage = covered_patient(world, **LAPSED)
    failed = check(patient, coverage, today, clearinghouse=Unreachable())
    assert failed.inquiry.status == "failed"
    assert "connection refused" in failed.inquiry.problem
    assert failed.work_item is None
    assert "not answered" in failed.message
    retried = check(patient, coverage, today)
    assert retried.reused is False
    assert retried.inquiry.outcome == "inactive"


def test_a_role_without_the_permission_is_refused(world, today):
    patient, coverage = covered_patient(world)
    coder = make_user("coder", assigned_clients=[world.client])
    check_as = Actor.for_user(coder)
    with pytest.raises(PermissionDenied):
        eligibility_check(actor=check_as, patient=patient, coverage=coverage, on_date=today)
    front_desk = make_user("client_front_desk", client=world.client)
    result = eligibility_check(
        actor=Actor.for_user(front_desk), patient=patient, coverage=coverage, on_date=today
    )
    assert result.outcome == "active"


def test_the_batch_checks_everyone_seen_that_day_once(world, today):
    active, _coverage = covered_patient(world)
    lapsed, _ = covered_patient(world, **LAPSED)
    make_encounter(active, world.provider, date_of_service=today)
    make_encounter(active, world.provider, date_of_service=today)  # two visits, one check
    make_encounter(lapsed, world.provider, date_of_service=datetime.date(2024, 6, 3))
    Encounter.objects.filter(patient=lapsed).update(date_of_service=today)
    uninsured = make_patient(world.client)
    Encounter.objects.create(
        client=world.client,
        patient=uninsured,
        date_of_service=today,
        rendering_provider=world.provider,
        place_of_service="11",
    )
    elsewhere, _ = covered_patient(world)
    make_encounter(elsewhere, world.provider, date_of_service=today - datetime.timedelta(days=3))
    run = eligibility_check_for_date(actor=TEST_ACTOR, day=today)
    assert run.patients == 3
    assert (run.asked, run.count("active"), run.count("inactive"), run.failed) == (2, 1, 1, 0)
    assert run.count("no_coverage") == 1
    assert run.flagged_patients == 2
    assert run.work_items_opened == 2
    assert "3 patient(s); 2 asked (1 active, 1 inactive" in run.summary()
    assert sorted(WorkItem.objects.values_list("kind", flat=True)) == [
        "coverage_inactive",
        "coverage_missing",
    ]
    asked = EligibilityInquiry.objects.filter(patient=active).get()
    assert asked.encounter is not None
    assert asked.encounter.patient == active
    again = eligibility_check_for_date(actor=TEST_ACTOR, day=today)
    assert (again.asked, again.reused, again.work_items_opened) == (0, 2, 0)
    assert EligibilityInquiry.objects.count() == 2
    assert WorkItem.objects.count() == 2


def test_the_default_day_is_tomorrow_or_else_the_latest_visit_day(world, today, tomorrow):
    patient, _ = covered_patient(world)
    assert eligibility_default_day(today) == tomorrow  # no visits at all
    visit = make_encounter(patient, world.provider, date_of_service=today - datetime.timedelta(9))
    assert eligibility_default_day(today) == today - datetime.timedelta(days=9)
    Encounter.objects.filter(pk=visit.pk).update(date_of_service=tomorrow)  # a scheduled visit
    assert eligibility_default_day(today) == tomorrow
    run = eligibility_check_for_date(actor=TEST_ACTOR, day=eligibility_default_day(today))
    assert run.count("active") == 1
