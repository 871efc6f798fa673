"""Recording from a posted ERA payment: the rows posting stored (CLP/SVC/CAS) become
denials and underpayments, once, in a few queries for the whole payment."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from openrcm.accounts.testing import PracticeWorld
from openrcm.core.errors import NotFound
from openrcm.core.testing import TEST_ACTOR
from openrcm.denials.models import AdjudicationRecord, DenialItem, UnderpaymentItem
from openrcm.denials.services import denials_record_from_era_payment
from openrcm.payers.models import FeeScheduleRate

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def practice(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    world = PracticeWorld("E")
    world.send_claims()
    return world


def _post(world, lines, *, status="1", claim_adjustments=()):
    from openrcm.remittance.services import era_import
    from openrcm.x12.write import InterchangeSettings
    from openrcm.x12.write.remit835 import (
        RemitAdjustment,
        RemitClaim,
        RemitLine,
        Remittance835,
        write_835,
    )

    claim = world.claim
    day = claim.encounter.date_of_service
    remit_lines = tuple(
        RemitLine(
            line.procedure_code,
            line.charge_amount,
            day,
            tuple(RemitAdjustment(g, c, D(a)) for g, c, a in lines[line.line_number][0]),
            line_item_control_number=line.line_item_control_number,
            allowed_amount=lines[line.line_number][1],
            remark_codes=lines[line.line_number][2],
        )
        for line in claim.lines.order_by("line_number")
    )
    era = Remittance835(
        world.payer.name,
        world.payer.payer_id,
        "123456789",
        world.client.legal_name[:60],
        world.client.group_npi,
        f"TRNDEN{claim.pk}",
        datetime.date(2026, 4, 1),
        (
            RemitClaim(
                claim.patient_control_number,
                status,
                world.patient_last_name,
                world.patient.first_name,
                "M1",
                f"ICN{claim.pk}",
                lines=remit_lines,
                adjustments=tuple(claim_adjustments),
            ),
        ),
    )
    when = datetime.datetime(2026, 4, 1, 9)  # noqa: DTZ001  # the file's own timestamp
    data = write_835(InterchangeSettings("PAYER", "OPENRCM", 1, 1, 1, when), era)
    with _recording_off():
        result = era_import(actor=TEST_ACTOR, name=f"den-{claim.pk}.835", data=data)
    return result.payments[0].payment


def _recording_off():
    """Posting records denials itself; these tests call the recorder on their own."""
    from unittest import mock

    return mock.patch("openrcm.denials.services.denials_record_from_era_payment")


def test_posting_an_era_fills_the_denial_queue_itself(practice):
    from unittest import mock

    with mock.patch("openrcm.denials.tests.test_from_era._recording_off", mock.MagicMock()):
        payment = _post(
            practice,
            {1: ((("CO", "45", "10.00"),), None, ()), 2: ((("CO", "16", "45.00"),), None, ())},
        )
    era_claim = DenialItem.objects.get().era_claim
    assert era_claim is not None
    assert era_claim.payment_id == payment.pk
    again = denials_record_from_era_payment(actor=TEST_ACTOR, payment_id=payment.pk)
    assert (again.claims, again.already) == (0, 1)


def test_denials_and_underpayments_from_a_posted_era(practice):
    FeeScheduleRate.objects.create(
        schedule=practice.fee_schedule, procedure_code="99213", allowed_amount=D("110.00")
    )
    payment = _post(
        practice,
        {
            # 99213 $125: allowed 95 (short of 110 by 15), paid 95
            1: ((("CO", "45", "30.00"),), D("95.00"), ()),
            # 93000 $45: denied for missing information, with a remark code
            2: ((("CO", "16", "45.00"),), None, ("M51",)),
        },
    )
    # the line-1 payment of 95.00 reaches SVC03 as charge - adjustments
    result = denials_record_from_era_payment(actor=TEST_ACTOR, payment_id=payment.pk)
    assert (result.claims, result.denials, result.underpayments) == (1, 1, 1)
    denial = DenialItem.objects.get()
    assert (denial.line_number, denial.carc, denial.amount) == (2, "16", D("45.00"))
    assert denial.rarcs == ["M51"]
    assert denial.category == "missing information"
    assert denial.era_claim is not None
    assert denial.era_claim.payment_id == payment.pk
    assert denial.deadline == datetime.date(2026, 4, 1) + datetime.timedelta(
        days=practice.payer.appeal_days
    )
    assert denial.owner == practice.biller
    under = UnderpaymentItem.objects.get()
    assert (under.expected, under.allowed, under.shortfall) == (D("110.00"), D("95.00"), D("15.00"))

    again = denials_record_from_era_payment(actor=TEST_ACTOR, payment_id=payment.pk)
    assert (again.claims, again.already) == (0, 1)
    assert "recorded before" in again.message
    assert DenialItem.objects.count() == 1
    assert AdjudicationRecord.objects.count() == 1


def test_a_paid_era_records_nothing_but_counts_the_claim(practice):
    payment = _post(practice, {1: ((("CO", "45", "10.00"),), None, ()), 2: ((), None, ())})
    result = denials_record_from_era_payment(actor=TEST_ACTOR, payment_id=payment.pk)
    assert (result.claims, result.denials, result.underpayments) == (1, 0, 0)
    assert AdjudicationRecord.objects.get().denial_count == 0


def test_unknown_payment():
    with pytest.raises(NotFound, match="ERA payment 987654 does not exist"):
        denials_record_from_era_payment(actor=TEST_ACTOR, payment_id=987654)


def _claims(world, n):
    """``n`` more claims of the practice, scrubbed and batched like ``send_claims``."""
    from openrcm.claims.scrubbing import claims_scrub
    from openrcm.claims.services import claims_create_for_encounter
    from openrcm.claims.submission import batches_build
    from openrcm.core.testing import make_encounter

    claims = [
        claims_create_for_encounter(
            actor=TEST_ACTOR,
            encounter=make_encounter(
                world.patient, world.provider, date_of_service=datetime.date(2026, 3, 2 + i)
            ),
        )[0]
        for i in range(n)
    ]
    claims_scrub(actor=TEST_ACTOR, claim_ids=[c.pk for c in claims])
    batches_build(actor=TEST_ACTOR)
    for c in claims:
        c.refresh_from_db()
    return claims


def test_queries_do_not_grow_with_the_claims(practice):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for n, trace in ((2, "A"), (6, "B")):
        claims = _claims(practice, n)
        payment = _post_many(practice, claims, trace)
        with CaptureQueriesContext(connection) as ctx:
            result = denials_record_from_era_payment(actor=TEST_ACTOR, payment_id=payment.pk)
        assert (result.claims, result.denials) == (n, n)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def _post_many(world, claims, trace):
    from openrcm.remittance.services import era_import
    from openrcm.x12.write import InterchangeSettings
    from openrcm.x12.write.remit835 import (
        RemitAdjustment,
        RemitClaim,
        RemitLine,
        Remittance835,
        write_835,
    )

    remit = []
    for claim in claims:
        day = claim.encounter.date_of_service
        lines = tuple(
            RemitLine(
                line.procedure_code,
                line.charge_amount,
                day,
                (
                    RemitAdjustment(
                        "CO", "197" if line.line_number == 1 else "45", line.charge_amount
                    ),
                ),
                line_item_control_number=line.line_item_control_number,
            )
            for line in claim.lines.order_by("line_number")
        )
        remit.append(
            RemitClaim(
                claim.patient_control_number, "1", world.patient_last_name,
                world.patient.first_name, "M1", f"ICN{claim.pk}", lines=lines,
            )
        )  # fmt: skip
    era = Remittance835(
        world.payer.name, world.payer.payer_id, "123456789", world.client.legal_name[:60],
        world.client.group_npi, f"TRNMANY{trace}", datetime.date(2026, 4, 1), tuple(remit),
    )  # fmt: skip
    when = datetime.datetime(2026, 4, 1, 9)  # noqa: DTZ001  # the file's own timestamp
    data = write_835(InterchangeSettings("PAYER", "OPENRCM", 1, 1, 1, when), era)
    with _recording_off():
        return era_import(actor=TEST_ACTOR, name=f"many-{trace}.835", data=data).payments[0].payment


def test_actions_agree_with_what_posting_already_did(practice):
    from openrcm.denials.services import denial_transfer_to_patient, denial_write_off
    from openrcm.remittance.models import LedgerEntry

    payment = _post(
        practice,
        {
            # partly denied: paid 60, CO-151 took 40 (posting adjusts it as contractual)
            1: ((("CO", "45", "25.00"), ("CO", "151", "40.00")), None, ()),
            # PR-96: posting moved the 45.00 to the patient already
            2: ((("PR", "96", "45.00"),), None, ()),
        },
    )
    denials_record_from_era_payment(actor=TEST_ACTOR, payment_id=payment.pk)
    partial = DenialItem.objects.get(line_number=1)
    pr = DenialItem.objects.get(line_number=2)
    assert not partial.fully_denied
    assert (pr.patient_billable, pr.recommended_action) == (True, "transfer_to_patient")
    rows_before = LedgerEntry.objects.count()
    denial_write_off(actor=TEST_ACTOR, item=partial, reason="not worth an appeal")
    denial_transfer_to_patient(actor=TEST_ACTOR, item=pr, reason="non-covered, waiver")
    assert LedgerEntry.objects.count() == rows_before  # nothing posted twice
    for item in (partial, pr):
        item.refresh_from_db()
        assert item.status == "resolved"
        assert "posting already took this amount" in item.history.latest("pk").reason
