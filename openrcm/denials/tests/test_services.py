"""Recording denials from an ERA (once), the state machine, and every action."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db.models import Sum

from openrcm.accounts.permissions import ROLE_PERMISSIONS
from openrcm.accounts.testing import make_user
from openrcm.claims.models import Claim, ClaimStatus
from openrcm.core.actor import Actor
from openrcm.core.errors import PermissionDenied, TransitionNotAllowed, ValidationFailed
from openrcm.core.testing import TEST_ACTOR, make_client
from openrcm.denials import services
from openrcm.denials.models import (
    AdjudicationRecord,
    AppealOutcome,
    DenialItem,
    DenialResolution,
    DenialStatus,
    UnderpaymentItem,
)
from openrcm.denials.tests.conftest import ERA_DATE, accepted_claim, needs_weasyprint, record
from openrcm.privacy.models import AuditEvent
from openrcm.remittance.models import LedgerEntry

pytestmark = pytest.mark.django_db
D = Decimal


def _balance(claim, party):
    total = LedgerEntry.objects.filter(
        charge_line__encounter_id=claim.encounter_id, party=party
    ).aggregate(s=Sum("amount"))["s"]
    return total or D("0.00")


def test_record_makes_a_denial_and_an_underpayment_once(world):
    claim = accepted_claim(world)
    args = (
        [("CO", "197", "125.00", 1), ("CO", "45", "15.00", 2)],
        {1: "0", 2: "30.00"},
    )
    result = record(world, claim, *args, ref="era-claim:1", remarks={1: ["N54"]})
    assert not result.already_recorded
    [denial] = result.denials
    assert (denial.line_number, denial.group_code, denial.carc) == (1, "CO", "197")
    assert denial.amount == D("125.00")
    assert denial.category == "authorization"
    assert denial.recommended_action == "appeal"
    assert denial.rarcs == ["N54"]
    assert not denial.patient_billable
    assert denial.deadline == ERA_DATE + datetime.timedelta(days=90)
    assert denial.owner == world.biller  # the practice's biller with the fewest items
    assert denial.status == DenialStatus.OPEN
    assert denial.history.get().to_status == "open"
    [under] = result.underpayments
    assert (under.procedure_code, under.expected, under.allowed) == (
        "93000",
        D("40.00"),
        D("30.00"),
    )
    assert under.shortfall == D("10.00")
    assert AuditEvent.objects.filter(object_type__icontains="adjudicationrecord").exists()

    again = record(world, claim, *args, ref="era-claim:1")
    assert again.already_recorded
    assert "already recorded" in again.message
    assert DenialItem.objects.count() == 1
    assert UnderpaymentItem.objects.count() == 1
    assert AdjudicationRecord.objects.count() == 1


def test_contractual_and_patient_share_are_not_denials(world):
    claim = accepted_claim(world)
    result = record(
        world,
        claim,
        [("CO", "45", "25.00", 1), ("PR", "2", "20.00", 1), ("CO", "45", "5.00", 2)],
        {1: "80.00", 2: "40.00"},
    )
    assert result.denials == []
    assert result.underpayments == []  # 99213: 80 paid + 20 coinsurance = 100 allowed


def test_small_shortfall_inside_the_tolerance_is_not_an_underpayment(world, settings):
    claim = accepted_claim(world)
    settings.OPENRCM_UNDERPAYMENT_TOLERANCE_AMOUNT = "1.00"
    settings.OPENRCM_UNDERPAYMENT_TOLERANCE_PERCENT = "2"
    ok = record(world, claim, [], {1: "98.00", 2: "40.00"})  # 2.00 short of 100: tolerated
    assert ok.underpayments == []
    settings.OPENRCM_UNDERPAYMENT_TOLERANCE_PERCENT = "0"
    flagged = record(world, claim, [], {1: "98.00", 2: "40.00"})
    assert [u.shortfall for u in flagged.underpayments] == [D("2.00")]


def test_allowed_amount_from_the_era_is_used(world):
    claim = accepted_claim(world)
    result = record(world, claim, [], {1: "70.00"}, allowed={1: D("90.00")})
    assert [(u.allowed, u.paid, u.shortfall) for u in result.underpayments] == [
        (D("90.00"), D("70.00"), D("10.00"))
    ]


def test_claim_level_denial_has_no_line(world):
    claim = accepted_claim(world)
    result = record(world, claim, [("CO", "29", "170.00", None)], {1: "0", 2: "0"})
    [denial] = result.denials
    assert denial.claim_line is None
    assert denial.line_number == 0
    assert denial.category == "timely filing"
    assert denial.recommended_action == "write_off"


def test_record_refuses_bad_input_with_field_names(world):
    claim = accepted_claim(world)
    with pytest.raises(ValidationFailed, match=r"adjustments\[1\]"):
        services.denials_record_from_adjudication(
            actor=TEST_ACTOR,
            claim_id=claim.pk,
            payer_id=world.payer.pk,
            era_date=ERA_DATE,
            adjustments=[{"group": "CO", "amount": "1.00"}],
            lines={1: services.LineAmounts(D("0"))},
            source_reference="x",
        )
    with pytest.raises(ValidationFailed, match="has no line 7"):
        record(world, claim, [], {7: "0"})
    with pytest.raises(ValidationFailed, match="no paid amount"):
        record(world, claim, [("CO", "16", "5.00", 2)], {1: "0"})
    assert not AdjudicationRecord.objects.exists()


def test_owner_goes_to_the_least_loaded_biller(world):
    other = make_user("biller", assigned_clients=[world.client])
    claim = accepted_claim(world)
    first = record(world, claim, [("CO", "16", "125.00", 1)], {1: "0"}).denials[0]
    second = record(world, claim, [("CO", "16", "45.00", 2)], {2: "0"}).denials[0]
    assert {first.owner, second.owner} == {world.biller, other}


# --- state machine ------------------------------------------------------------------------


def _denial(world, *, group="CO", code="16", amount="125.00", line=1):
    claim = accepted_claim(world)
    return record(world, claim, [(group, code, amount, line)], {line: "0"}).denials[0]


def test_transitions_are_recorded_and_refused_when_not_allowed(world):
    item = _denial(world)
    services.denial_start(actor=TEST_ACTOR, item=item)
    item.refresh_from_db()
    assert item.status == DenialStatus.IN_PROGRESS
    with pytest.raises(TransitionNotAllowed, match="is in progress and cannot become in progress"):
        services.denial_start(actor=TEST_ACTOR, item=item)
    with pytest.raises(ValidationFailed, match="say why"):
        services.denial_close(actor=TEST_ACTOR, item=item, reason=" ")
    services.denial_close(actor=TEST_ACTOR, item=item, reason="paid on a later ERA")
    item.refresh_from_db()
    assert (item.status, item.resolution) == (DenialStatus.RESOLVED, DenialResolution.CLOSED)
    with pytest.raises(TransitionNotAllowed, match=r"already resolved .* reopen it"):
        services.denial_write_off(actor=TEST_ACTOR, item=item, reason="x")
    with pytest.raises(TransitionNotAllowed, match="cannot become open"):
        services.denial_transition(item, to=DenialStatus.OPEN, actor=TEST_ACTOR, reason="x")
    services.denial_reopen(actor=TEST_ACTOR, item=item, reason="the payer took it back")
    item.refresh_from_db()
    assert (item.status, item.resolution) == (DenialStatus.IN_PROGRESS, "")
    assert [(h.from_status, h.to_status) for h in item.history.all()] == [
        ("", "open"),
        ("open", "in_progress"),
        ("in_progress", "resolved"),
        ("resolved", "in_progress"),
    ]
    assert all(h.actor == "job:tests" for h in item.history.all())


def test_reopen_only_a_resolved_denial(world):
    item = _denial(world)
    with pytest.raises(TransitionNotAllowed, match="only a resolved denial can be reopened"):
        services.denial_reopen(actor=TEST_ACTOR, item=item, reason="why")


def test_a_role_without_denial_work_is_refused(world):
    item = _denial(world)
    coder = make_user("coder")
    with pytest.raises(PermissionDenied, match="work the denial queue"):
        services.denial_start(actor=Actor.for_user(coder), item=item)


# --- write-offs ---------------------------------------------------------------------------


def test_write_off_below_the_limit_posts_a_ledger_row(world):
    item = _denial(world)
    claim = item.claim
    before = _balance(claim, "P")
    services.denial_write_off(actor=Actor.for_user(world.biller), item=item, reason="small balance")
    item.refresh_from_db()
    assert (item.status, item.resolution) == (DenialStatus.RESOLVED, DenialResolution.WRITTEN_OFF)
    row = LedgerEntry.objects.get(kind="write_off")
    assert (row.party, row.amount, row.reason_code) == ("P", D("-125.00"), "16")
    assert _balance(claim, "P") == before - D("125.00")


def test_write_off_above_the_limit_needs_a_second_person(world, settings, monkeypatch):
    settings.OPENRCM_WRITE_OFF_APPROVAL_OVER = "100.00"
    item = _denial(world)
    biller = Actor.for_user(world.biller)
    services.denial_write_off(actor=biller, item=item, reason="not worth appealing")
    item.refresh_from_db()
    assert item.status == DenialStatus.IN_PROGRESS
    assert item.write_off_pending
    assert not LedgerEntry.objects.filter(kind="write_off").exists()
    with pytest.raises(TransitionNotAllowed, match="already waits for approval"):
        services.denial_write_off(actor=biller, item=item, reason="again")
    with pytest.raises(PermissionDenied, match="approve another user's large write-off"):
        services.denial_write_off_approve(actor=biller, item=item)
    # Give billers the approval right: still not their own write-off.
    monkeypatch.setitem(ROLE_PERMISSIONS, "biller", ROLE_PERMISSIONS["biller"] | {"denial.approve"})
    with pytest.raises(PermissionDenied, match="needs a second person"):
        services.denial_write_off_approve(actor=biller, item=item)
    second = make_user("biller", assigned_clients=[world.client])
    services.denial_write_off_approve(actor=Actor.for_user(second), item=item)
    item.refresh_from_db()
    assert item.resolution == DenialResolution.WRITTEN_OFF
    assert item.write_off_approved_by == second.username
    assert LedgerEntry.objects.get(kind="write_off").amount == D("-125.00")


def test_an_administrator_writes_off_large_amounts_at_once(world, settings):
    settings.OPENRCM_WRITE_OFF_APPROVAL_OVER = "100.00"
    item = _denial(world)
    services.denial_write_off(actor=Actor.for_user(world.admin), item=item, reason="policy")
    item.refresh_from_db()
    assert item.resolution == DenialResolution.WRITTEN_OFF


def test_refused_write_off_goes_back_to_work(world, settings):
    settings.OPENRCM_WRITE_OFF_APPROVAL_OVER = "100.00"
    item = _denial(world)
    services.denial_write_off(actor=Actor.for_user(world.biller), item=item, reason="x")
    services.denial_write_off_refuse(
        actor=Actor.for_user(world.admin), item=item, reason="appeal it first"
    )
    item.refresh_from_db()
    assert not item.write_off_pending
    assert item.status == DenialStatus.IN_PROGRESS
    assert "refused: appeal it first" in item.history.latest("pk").reason


def test_bulk_write_off_refuses_all_when_one_is_above_the_limit(world, settings):
    settings.OPENRCM_WRITE_OFF_APPROVAL_OVER = "50.00"
    small = _denial(world, amount="45.00", line=2)
    big = _denial(world, amount="125.00", line=1)
    with pytest.raises(ValidationFailed, match=f"denial {big.pk}: 125.00 is above 50.00"):
        services.denials_bulk_write_off(actor=TEST_ACTOR, items=[small, big], reason="small")
    assert not LedgerEntry.objects.filter(kind="write_off").exists()
    services.denials_bulk_write_off(actor=TEST_ACTOR, items=[small], reason="small")
    small.refresh_from_db()
    assert small.resolution == DenialResolution.WRITTEN_OFF


def test_write_off_refused_when_the_payer_balance_is_gone(world):
    item = _denial(world)
    services.denial_write_off(actor=TEST_ACTOR, item=item, reason="once")
    services.denial_reopen(actor=TEST_ACTOR, item=item, reason="mistake")
    with pytest.raises(TransitionNotAllowed, match=r"payer.s balance on this line is 0\.00"):
        services.denial_write_off(actor=TEST_ACTOR, item=item, reason="twice")


# --- transfer to the patient --------------------------------------------------------------


def test_transfer_only_for_pr(world):
    co = _denial(world, group="CO", code="96")
    with pytest.raises(TransitionNotAllowed, match="only patient-responsibility \\(PR\\)"):
        services.denial_transfer_to_patient(actor=TEST_ACTOR, item=co, reason="bill them")
    pr = _denial(world, group="PR", code="96", amount="45.00", line=2)
    assert pr.patient_billable
    assert pr.recommended_action == "transfer_to_patient"
    services.denial_transfer_to_patient(actor=TEST_ACTOR, item=pr, reason="signed waiver")
    pr.refresh_from_db()
    assert pr.resolution == DenialResolution.TRANSFERRED_TO_PATIENT
    rows = LedgerEntry.objects.filter(kind="other_patient").order_by("pk")
    assert [(r.party, r.amount) for r in rows] == [("P", D("-45.00")), ("patient", D("45.00"))]


# --- correct and resubmit -----------------------------------------------------------------


def test_correct_and_resubmit_makes_a_frequency_7_claim(world):
    claim = accepted_claim(world)
    found = record(
        world, claim, [("CO", "4", "125.00", 1), ("CO", "16", "45.00", 2)], {1: "0", 2: "0"}
    ).denials
    with pytest.raises(ValidationFailed, match="no payer claim number"):
        services.denial_correct_and_resubmit(actor=TEST_ACTOR, item=found[0], reason="fix")
    replacement = services.denial_correct_and_resubmit(
        actor=Actor.for_user(world.biller),
        item=found[0],
        reason="modifier 25 added",
        payer_claim_number="ICN2026001",
    )
    assert replacement.frequency_code == "7"
    assert replacement.original_claim_id == claim.pk
    for item in found:
        item.refresh_from_db()
        assert item.resolution == DenialResolution.RESUBMITTED
        assert item.corrected_claim == replacement
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.VOID


def test_correct_and_resubmit_refused_for_a_claim_the_payer_does_not_have(world):
    claim = accepted_claim(world)
    item = record(world, claim, [("CO", "4", "125.00", 1)], {1: "0"}).denials[0]
    Claim.objects.filter(pk=claim.pk).update(status=ClaimStatus.HELD)  # test setup only
    item.refresh_from_db()
    with pytest.raises(TransitionNotAllowed, match="only a claim the payer accepted"):
        services.denial_correct_and_resubmit(actor=TEST_ACTOR, item=item, reason="fix")
    item.refresh_from_db()
    assert item.status == DenialStatus.OPEN


# --- appeals ------------------------------------------------------------------------------


@needs_weasyprint
def test_appeal_makes_a_letter_and_tracks_levels(world):
    item = _denial(world, code="197")
    appeal = services.denial_appeal(
        actor=Actor.for_user(world.biller),
        items=[item],
        reason="The approval number was on file.",
        sent_on=datetime.date(2026, 4, 10),
    )
    assert appeal.level == 1
    assert bytes(appeal.letter_pdf).startswith(b"%PDF")
    # The letter names the patient: the database holds it only encrypted.
    from django.db import connection

    with connection.cursor() as cursor:
        table = type(appeal)._meta.db_table
        cursor.execute(f"SELECT letter_pdf FROM {table} WHERE id = %s", [appeal.pk])  # noqa: S608
        stored = cursor.fetchone()[0]
    assert str(stored).startswith("enc1$")
    assert type(appeal).objects.get(pk=appeal.pk).letter_pdf == bytes(appeal.letter_pdf)
    assert appeal.due_on == item.deadline
    assert appeal.decision_due_on == datetime.date(2026, 6, 9)
    item.refresh_from_db()
    assert item.status == DenialStatus.IN_PROGRESS
    with pytest.raises(TransitionNotAllowed, match="still waiting for the payer"):
        services.denial_appeal(actor=TEST_ACTOR, items=[item], reason="again")
    services.appeal_record_decision(
        actor=TEST_ACTOR, appeal=appeal, outcome="upheld", decided_on=datetime.date(2026, 5, 1)
    )
    with pytest.raises(TransitionNotAllowed, match="already decided"):
        services.appeal_record_decision(
            actor=TEST_ACTOR, appeal=appeal, outcome="upheld", decided_on=datetime.date(2026, 5, 1)
        )
    second = services.denial_appeal(actor=TEST_ACTOR, items=[item], reason="new records")
    assert second.level == 2
    services.appeal_record_decision(
        actor=TEST_ACTOR,
        appeal=second,
        outcome=AppealOutcome.OVERTURNED,
        decided_on=datetime.date(2026, 6, 1),
    )
    item.refresh_from_db()
    assert item.resolution == DenialResolution.APPEAL_WON


@needs_weasyprint
def test_letter_has_the_claims_facts(world):
    from openrcm.denials.letters import appeal_letter_html

    item = _denial(world, code="197")
    appeal = services.denial_appeal(actor=TEST_ACTOR, items=[item], reason="Approval 12345.")
    html = appeal_letter_html(appeal=appeal, items=[item])
    claim = item.claim
    for fact in (
        claim.patient_control_number,
        claim.patient.last_name,
        world.payer.name,
        "CO-197",
        "Approval 12345.",
        "99213",
        "level 1",
    ):
        assert fact in html, fact


def test_appeal_needs_a_reason_and_one_claim(world):
    a = _denial(world)
    b = _denial(world)
    with pytest.raises(ValidationFailed, match="say why"):
        services.denial_appeal(actor=TEST_ACTOR, items=[a], reason="")
    with pytest.raises(ValidationFailed, match="one claim"):
        services.denial_appeal(actor=TEST_ACTOR, items=[a, b], reason="x")


@needs_weasyprint
def test_decision_outcome_is_checked(world):
    item = _denial(world)
    appeal = services.denial_appeal(actor=TEST_ACTOR, items=[item], reason="records attached")
    for outcome in ("maybe", "pending"):
        with pytest.raises(ValidationFailed, match="is not one of"):
            services.appeal_record_decision(
                actor=TEST_ACTOR, appeal=appeal, outcome=outcome, decided_on=ERA_DATE
            )
    appeal.refresh_from_db()
    assert appeal.outcome == AppealOutcome.PENDING


# --- owners and underpayments -------------------------------------------------------------


def test_assign_refuses_an_owner_of_another_practice(world):
    item = _denial(world)
    outsider = make_user("biller", assigned_clients=[make_client()])
    with pytest.raises(ValidationFailed, match="not assigned to this practice"):
        services.denials_assign(actor=TEST_ACTOR, items=[item], owner=outsider)
    coder = make_user("coder")
    with pytest.raises(ValidationFailed, match="may not work denials"):
        services.denials_assign(actor=TEST_ACTOR, items=[item], owner=coder)
    assert services.denials_assign(actor=TEST_ACTOR, items=[item], owner=None) == 1
    item.refresh_from_db()
    assert item.owner is None


def test_underpayment_status(world):
    claim = accepted_claim(world)
    under = record(world, claim, [], {2: "20.00"}).underpayments[0]
    services.underpayment_set_status(actor=TEST_ACTOR, item=under, status="disputed")
    with pytest.raises(ValidationFailed, match="say what was recovered"):
        services.underpayment_set_status(actor=TEST_ACTOR, item=under, status="recovered")
    services.underpayment_set_status(
        actor=TEST_ACTOR, item=under, status="recovered", note="paid on reprocessing"
    )
    with pytest.raises(TransitionNotAllowed, match="already recovered"):
        services.underpayment_set_status(actor=TEST_ACTOR, item=under, status="open")
