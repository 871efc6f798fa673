"""Encounters and claims: codes checked against the code sets, nothing stored on error."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from openrcm.claims.models import ChargeLine, Claim, ClaimStatus, Encounter, EncounterDiagnosis
from openrcm.claims.services import ChargeInput, claims_create_for_encounter
from openrcm.core.errors import ValidationFailed
from openrcm.core.testing import (
    TEST_ACTOR,
    make_client,
    make_coverage,
    make_encounter,
    make_patient,
    make_payer,
    make_provider,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit():
    client = make_client()
    patient = make_patient(client)
    provider = make_provider(client)
    return patient, provider


def refused(patient, provider, **override) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        make_encounter(patient, provider, **override)
    assert not Encounter.objects.exists()
    assert not EncounterDiagnosis.objects.exists()
    assert not ChargeLine.objects.exists()
    return dict(caught.value.problems)


def test_valid_encounter_is_stored_with_ordered_diagnoses_and_charges(visit):
    patient, provider = visit
    encounter = make_encounter(patient, provider, diagnoses=["e119", "I10"])
    assert [d.code for d in encounter.diagnoses.all()] == ["E11.9", "I10"]
    lines = list(encounter.charges.all())
    assert [(c.procedure_code, c.charge_amount) for c in lines] == [
        ("99213", Decimal("125.00")),
        ("93000", Decimal("45.00")),
    ]
    assert lines[0].diagnosis_pointers == [1, 2]


def test_header_code_is_refused_with_the_reason(visit):
    found = refused(*visit, diagnoses=["E11"])
    assert "heading, not billable" in found["diagnoses[1]"]


def test_unknown_and_malformed_diagnoses_are_refused(visit):
    found = refused(*visit, diagnoses=["E11.9", "Q99.99", "11.9"])
    assert "is not an ICD-10-CM code" in found["diagnoses[2]"]
    assert "not in the form" in found["diagnoses[3]"]


@pytest.mark.parametrize(
    ("charge", "field", "words"),
    [
        (ChargeInput("9921", "10"), "charges[1].procedure_code", "not a procedure code"),
        (ChargeInput("99213", "-10"), "charges[1].charge_amount", "greater than zero"),
        (ChargeInput("99213", "0"), "charges[1].charge_amount", "greater than zero"),
        (
            ChargeInput("99213", 10.5),  # type: ignore[arg-type]  # a float on purpose: refused
            "charges[1].charge_amount",
            "is a float",
        ),
        (ChargeInput("99213", "10", units=0), "charges[1].units", "greater than zero"),
        (ChargeInput("99213", "10", modifiers=("2",)), "charges[1].modifiers", "not a modifier"),
        (
            ChargeInput("99213", "10", diagnosis_pointers=(3,)),
            "charges[1].diagnosis_pointers",
            "does not name one of the 2 diagnoses",
        ),
        (
            ChargeInput("99213", "10", diagnosis_pointers=(1, 2, 1)),
            "charges[1].diagnosis_pointers",
            "pointed to twice",
        ),
    ],
)
def test_bad_charges_are_refused(visit, charge, field, words):
    found = refused(*visit, charges=[charge])
    assert words in found[field]


def test_other_encounter_problems(visit):
    patient, _provider = visit
    other_practice_provider = make_provider(make_client())
    found = refused(
        patient,
        other_practice_provider,
        place_of_service="1",
        referring_npi="1234567890",
        date_of_service=datetime.date(2999, 1, 1),
        diagnoses=[],
    )
    assert "not a provider of the patient's practice" in found["rendering_provider"]
    assert "not a place-of-service code" in found["place_of_service"]
    assert "check digit" in found["referring_npi"]
    assert "in the future" in found["date_of_service"]
    assert "at least one diagnosis" in found["diagnoses"]


def test_primary_claim_made_once_from_the_encounter(visit):
    patient, provider = visit
    primary = make_coverage(patient, make_payer(), effective_from=datetime.date(2025, 1, 1))
    make_coverage(patient, make_payer(), priority="S", effective_from=datetime.date(2025, 1, 1))
    encounter = make_encounter(patient, provider)
    (claim,) = claims_create_for_encounter(actor=TEST_ACTOR, encounter=encounter)
    assert claim.coverage == primary
    assert claim.payer == primary.payer
    assert claim.status == ClaimStatus.DRAFT
    assert claim.total_charge == Decimal("170.00")
    assert [line.line_item_control_number for line in claim.lines.all()] == [
        f"{claim.patient_control_number}L1",
        f"{claim.patient_control_number}L2",
    ]
    assert len(claim.patient_control_number) <= 20
    assert [(h.from_status, h.to_status) for h in claim.history.all()] == [("", "draft")]
    assert claims_create_for_encounter(actor=TEST_ACTOR, encounter=encounter) == [claim]
    assert Claim.objects.count() == 1


def test_no_claim_without_coverage_on_the_date_of_service(visit):
    patient, provider = visit
    make_coverage(
        patient,
        make_payer(),
        effective_from=datetime.date(2025, 1, 1),
        effective_to=datetime.date(2026, 1, 31),
    )
    encounter = make_encounter(patient, provider, date_of_service=datetime.date(2026, 3, 2))
    with pytest.raises(ValidationFailed, match="no coverage in force on 2026-03-02"):
        claims_create_for_encounter(actor=TEST_ACTOR, encounter=encounter)
    assert not Claim.objects.exists()
