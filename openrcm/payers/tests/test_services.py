"""Payers and fee schedules: validation, overlap, Decimal rates."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from openrcm.core.errors import ValidationFailed
from openrcm.core.testing import TEST_ACTOR, make_client, make_payer
from openrcm.payers.models import FeeSchedule, FeeScheduleRate, Payer
from openrcm.payers.services import fee_schedule_create

pytestmark = pytest.mark.django_db


def test_payer_with_bad_type_and_days_is_refused_with_each_reason():
    with pytest.raises(ValidationFailed) as caught:
        make_payer(payer_type="lottery", claim_filing_indicator="QQ", timely_filing_days=0)
    found = dict(caught.value.problems)
    assert "not a payer type" in found["payer_type"]
    assert "not a claim filing indicator" in found["claim_filing_indicator"]
    assert "above zero" in found["timely_filing_days"]
    assert not Payer.objects.exists()


def test_duplicate_payer_id_refused():
    payer = make_payer()
    with pytest.raises(ValidationFailed, match="belongs to another payer"):
        make_payer(payer_id=payer.payer_id)


def test_fee_schedule_rates_are_exact_decimals():
    schedule = fee_schedule_create(
        actor=TEST_ACTOR,
        client=make_client(),
        payer=make_payer(),
        name="2026 commercial",
        effective_from=datetime.date(2026, 1, 1),
        rates={("99213", ""): "92.335", ("20610", "RT"): Decimal("71.10")},
    )
    rates = {(r.procedure_code, r.modifier): r.allowed_amount for r in schedule.rates.all()}
    assert rates == {("99213", ""): Decimal("92.34"), ("20610", "RT"): Decimal("71.10")}


def test_bad_rate_stores_nothing():
    client, payer = make_client(), make_payer()
    with pytest.raises(ValidationFailed) as caught:
        fee_schedule_create(
            actor=TEST_ACTOR,
            client=client,
            payer=payer,
            name="bad",
            effective_from=datetime.date(2026, 1, 1),
            rates={
                ("99213", ""): "-5",
                ("9921", ""): "10",
                ("99214", "X"): "10",
                ("99215", ""): 1.5,  # type: ignore[dict-item]  # a float on purpose: refused
            },
        )
    text = str(caught.value)
    assert "must not be negative" in text
    assert "'9921' is not a procedure code" in text
    assert "'X' is not a modifier" in text
    assert "is a float" in text
    assert not FeeSchedule.objects.exists()
    assert not FeeScheduleRate.objects.exists()


def test_overlapping_schedules_for_same_client_and_payer_refused():
    client, payer = make_client(), make_payer()
    fee_schedule_create(
        actor=TEST_ACTOR,
        client=client,
        payer=payer,
        name="2026",
        effective_from=datetime.date(2026, 1, 1),
        effective_to=datetime.date(2026, 12, 31),
    )
    with pytest.raises(ValidationFailed, match="already has"):
        fee_schedule_create(
            actor=TEST_ACTOR,
            client=client,
            payer=payer,
            name="mid-year",
            effective_from=datetime.date(2026, 7, 1),
        )
    with pytest.raises(ValidationFailed, match="before it starts"):
        fee_schedule_create(
            actor=TEST_ACTOR,
            client=client,
            payer=payer,
            name="backwards",
            effective_from=datetime.date(2027, 2, 1),
            effective_to=datetime.date(2027, 1, 1),
        )
