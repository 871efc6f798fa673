"""Patients and coverage: validation, nothing stored on error, audit without identifiers."""

from __future__ import annotations

import datetime

import pytest

from openrcm.core.errors import ValidationFailed
from openrcm.core.testing import TEST_ACTOR, make_client, make_coverage, make_patient, make_payer
from openrcm.patients.models import Coverage, Patient
from openrcm.patients.services import coverage_end, patient_update
from openrcm.privacy.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("override", "field", "words"),
    [
        ({"date_of_birth": datetime.date(2999, 1, 1)}, "date_of_birth", "in the future"),
        ({"sex": "X"}, "sex", "not F, M or U"),
        ({"ssn": "123-00-4567"}, "ssn", "never issued"),
        ({"phone": "12"}, "phone", "not"),
        ({"email": "nobody"}, "email", "not an email address"),
        ({"first_name": " "}, "first_name", "required"),
        ({"guarantor_relationship": "parent"}, "guarantor_last_name", "required"),
    ],
)
def test_bad_patient_input_is_refused_and_nothing_is_stored(override, field, words):
    client = make_client()
    with pytest.raises(ValidationFailed) as caught:
        make_patient(client, **override)
    assert words in dict(caught.value.problems)[field]
    assert not Patient.objects.exists()
    assert not AuditEvent.objects.filter(object_type="patients.patient").exists()


def test_account_number_unique_within_a_practice_only():
    first, second = make_client(), make_client()
    make_patient(first, account_number="A1")
    make_patient(second, account_number="A1")
    with pytest.raises(ValidationFailed, match="exists already"):
        make_patient(first, account_number="A1")


def test_update_audits_names_in_clear_and_identifiers_only_as_changed():
    patient = make_patient(make_client(), last_name="Rivera")
    patient_update(actor=TEST_ACTOR, patient=patient, last_name="Rivera-Cole", ssn="987-65-4321")
    event = AuditEvent.objects.get(action="update", object_type="patients.patient")
    assert event.changes == {"last_name": ["Rivera", "Rivera-Cole"], "ssn": "changed"}
    assert Patient.objects.get(pk=patient.pk).ssn == "987-65-4321"


def test_update_with_no_change_writes_no_audit_row():
    patient = make_patient(make_client(), first_name="Ola")
    patient_update(actor=TEST_ACTOR, patient=patient, first_name="Ola")
    assert not AuditEvent.objects.filter(action="update").exists()


def test_self_coverage_copies_the_subscriber_from_the_patient():
    patient = make_patient(make_client())
    coverage = make_coverage(patient, make_payer(), member_id="w123-456")
    assert coverage.subscriber_last_name == patient.last_name
    assert coverage.subscriber_date_of_birth == patient.date_of_birth
    assert Coverage.objects.get(pk=coverage.pk).member_id == "w123-456"


def test_coverage_end_before_start_refused_and_overlap_per_priority_refused():
    patient = make_patient(make_client())
    payer = make_payer()
    with pytest.raises(ValidationFailed, match="before it starts"):
        make_coverage(
            patient,
            payer,
            effective_from=datetime.date(2026, 5, 1),
            effective_to=datetime.date(2026, 4, 1),
        )
    make_coverage(patient, payer, effective_from=datetime.date(2026, 1, 1))
    with pytest.raises(ValidationFailed, match="already has primary coverage"):
        make_coverage(patient, make_payer(), effective_from=datetime.date(2026, 3, 1))
    secondary = make_coverage(
        patient, make_payer(), priority="S", effective_from=datetime.date(2026, 3, 1)
    )
    assert secondary.priority == "S"
    assert Coverage.objects.count() == 2


def test_dependent_coverage_needs_subscriber_details():
    patient = make_patient(make_client())
    with pytest.raises(ValidationFailed) as caught:
        make_coverage(patient, make_payer(), relationship="19")
    found = dict(caught.value.problems)
    assert {"subscriber_first_name", "subscriber_last_name", "subscriber_date_of_birth"} <= set(
        found
    )


def test_coverage_end_records_the_lapse():
    patient = make_patient(make_client())
    coverage = make_coverage(patient, make_payer(), effective_from=datetime.date(2025, 1, 1))
    coverage_end(
        actor=TEST_ACTOR,
        coverage=coverage,
        effective_to=datetime.date(2026, 1, 31),
        reason="lapsed",
    )
    coverage.refresh_from_db()
    assert not coverage.is_active_on(datetime.date(2026, 2, 1))
    assert coverage.is_active_on(datetime.date(2026, 1, 31))
    with pytest.raises(ValidationFailed, match="before it starts"):
        coverage_end(actor=TEST_ACTOR, coverage=coverage, effective_to=datetime.date(2024, 1, 1))
