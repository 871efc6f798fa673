"""ERA import and posting over the database: matching, the ledger, outcomes, secondary
claims, reversals, PLB, duplicates, unmatched claims and a crash mid-import."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from openrcm.claims.acknowledgements import clearinghouse_poll
from openrcm.claims.cycle import claims_cycle_run
from openrcm.claims.models import Claim, ClaimStatus
from openrcm.claims.services import ChargeInput
from openrcm.clearinghouse.base import clearinghouse_get
from openrcm.clearinghouse.sandbox import SandboxClearinghouse
from openrcm.clearinghouse.sandbox_payer import sandbox_release_eras
from openrcm.core.testing import TEST_ACTOR, make_payer
from openrcm.privacy.models import AuditEvent
from openrcm.remittance.models import (
    EntryKind,
    EraClaim,
    EraPayment,
    LedgerEntry,
    PostingException,
    ProviderAdjustment,
)
from openrcm.remittance.selectors import (
    line_balances,
    patient_balances,
    patient_due_balance,
    prior_payers_for,
)
from openrcm.remittance.services import EraUnreadable, era_import, patient_payment_post
from openrcm.remittance.tests.conftest import make_claim
from openrcm.x12.write import InterchangeSettings
from openrcm.x12.write.remit835 import (
    RemitAdjustment,
    RemitClaim,
    RemitLine,
    RemitProviderAdjustment,
    Remittance835,
    write_835,
)

D = Decimal
pytestmark = pytest.mark.django_db


def remit_claim(claim, adjustments, *, status="1", icn="ICN1", lic=True, negate=False):
    """A RemitClaim for our claim: ``adjustments[i]`` are line i's (group, reason, amount)."""
    sign = -1 if negate else 1
    lines = []
    for line, adjs in zip(claim.lines.order_by("line_number"), adjustments, strict=True):
        lines.append(
            RemitLine(
                line.procedure_code,
                line.charge_amount * sign,
                claim.encounter.date_of_service,
                tuple(RemitAdjustment(g, r, D(a) * sign) for g, r, a in adjs),
                modifiers=tuple(line.modifiers),
                line_item_control_number=line.line_item_control_number if lic else None,
            )
        )
    return RemitClaim(claim.patient_control_number, status, claim.patient.last_name,
                      claim.patient.first_name, "MBR1", icn, lines=tuple(lines))  # fmt: skip


def era_bytes(world, claims, *, trace="TRACE1", plbs=(), number=1):
    remittance = Remittance835(
        world.payer.name, world.payer.payer_id, "123456789", world.client.legal_name[:60],
        world.client.group_npi, trace, datetime.date(2026, 3, 20), tuple(claims), tuple(plbs),
    )  # fmt: skip
    settings = InterchangeSettings(
        "PAYER",
        "OPENRCM",
        number,
        number,
        1,
        datetime.datetime.combine(datetime.date(2026, 3, 20), datetime.time(9)),
    )
    return write_835(settings, remittance)


def _accepted(claim):
    Claim.objects.filter(pk=claim.pk).update(status=ClaimStatus.ACCEPTED)  # test set-up only
    claim.refresh_from_db()
    return claim


def _balanced_everywhere():
    balances = line_balances(LedgerEntry.objects.all())
    assert balances
    for line in balances.values():
        assert line.balanced, line
    return balances


STANDARD = [
    [("CO", "45", "25.00"), ("PR", "2", "20.00")],  # 99213 125: allowed 100, paid 80
    [("CO", "45", "5.00"), ("PR", "1", "40.00")],  # 93000 45: all to the deductible
]


def test_post_an_era_writes_the_ledger_moves_the_claim_and_audits(world):
    claim = _accepted(make_claim(world))
    result = era_import(actor=TEST_ACTOR, name="a.835",
                        data=era_bytes(world, [remit_claim(claim, STANDARD)]))  # fmt: skip
    (payment,) = result.payments
    assert (payment.claims, payment.posted, payment.exceptions) == (1, 1, 0)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PAID
    assert claim.payer_claim_number == "ICN1"
    balances = _balanced_everywhere()
    first, second = (balances[ln.charge_line_id] for ln in claim.lines.order_by("line_number"))
    assert (first.charge, first.payments, first.adjustments) == (D("125"), D("80"), D("25"))
    assert first.by_party["patient"] == D("20.00")
    assert first.by_party["P"] == 0
    assert second.by_party["patient"] == D("40.00")
    assert patient_due_balance(patient_id=claim.patient_id) == D("60.00")
    kinds = set(LedgerEntry.objects.values_list("kind", flat=True))
    assert kinds == {"charge", "insurance_payment", "contractual", "coinsurance", "deductible"}
    era = EraClaim.objects.get()
    assert era.claim == claim
    assert era.outcome == "paid"
    assert era.lines.get(line_number=1).matched_by == "line item control number"
    assert "MBR1" in era.patient_identity
    assert AuditEvent.objects.filter(object_type="remittance.erapayment").exists()
    with pytest.raises(TypeError, match="append-only"):
        LedgerEntry.objects.all().update(amount=0)
    row = LedgerEntry.objects.get(kind="charge", charge_line__line_number=1)
    row.amount = D("1")
    with pytest.raises(TypeError, match="append-only"):
        row.save()


def test_a_second_import_changes_nothing_and_says_so(world):
    claim = _accepted(make_claim(world))
    data = era_bytes(world, [remit_claim(claim, STANDARD)])
    era_import(actor=TEST_ACTOR, name="a.835", data=data)
    rows = LedgerEntry.objects.count()
    again = era_import(actor=TEST_ACTOR, name="a.835", data=data)
    assert again.duplicate
    assert "already imported" in again.message
    assert "nothing changed" in again.payments[0].message
    # the same payment in other bytes (another file name, another interchange number)
    other = era_bytes(world, [remit_claim(claim, STANDARD)], number=2)
    assert other != data
    third = era_import(actor=TEST_ACTOR, name="b.835", data=other)
    assert third.duplicate
    assert LedgerEntry.objects.count() == rows
    assert EraPayment.objects.count() == 1


def test_unmatched_and_ambiguous_claims_become_exceptions_never_guesses(world):
    claim = _accepted(make_claim(world))
    stranger = RemitClaim("NOSUCHCLAIM", "1", "DOE", "JO", "M9", "ICN-X", lines=(
        RemitLine("99213", D("100"), datetime.date(2026, 3, 1),
                  (RemitAdjustment("CO", "45", D("20")),)),))  # fmt: skip
    twins = [_accepted(make_claim(world)) for _ in range(2)]
    for twin in twins:
        Claim.objects.filter(pk=twin.pk).update(payer_claim_number="SAMEICN")
    ambiguous = RemitClaim("ALSONOTOURS", "1", "DOE", "JO", "M9", "SAMEICN", lines=(
        RemitLine("99213", D("125"), datetime.date(2026, 3, 1),
                  (RemitAdjustment("CO", "45", D("25")),)),))  # fmt: skip
    result = era_import(actor=TEST_ACTOR, name="a.835", data=era_bytes(
        world, [remit_claim(claim, STANDARD), stranger, ambiguous]))  # fmt: skip
    (payment,) = result.payments
    assert (payment.claims, payment.posted, payment.exceptions) == (3, 1, 2)
    reasons = dict(PostingException.objects.values_list("era_claim__patient_control_number",
                                                         "reason"))  # fmt: skip
    assert reasons == {"NOSUCHCLAIM": "unmatched", "ALSONOTOURS": "ambiguous"}
    ambiguous_row = PostingException.objects.get(reason="ambiguous")
    assert sorted(ambiguous_row.candidates) == sorted(t.pk for t in twins)
    assert "NOSUCHCLAIM" in PostingException.objects.get(reason="unmatched").message
    # nothing was posted for them, and their claims did not move
    assert not LedgerEntry.objects.filter(claim__in=twins).exists()
    for twin in twins:
        twin.refresh_from_db()
        assert twin.status == ClaimStatus.ACCEPTED
    # the fallback on the payer claim number matches when it is unique
    Claim.objects.filter(pk=twins[1].pk).update(payer_claim_number="OTHER")
    unique = RemitClaim("STILLNOTOURS", "1", "DOE", "JO", "M9", "SAMEICN", lines=(
        RemitLine("99213", D("125"), datetime.date(2026, 3, 1),
                  (RemitAdjustment("CO", "45", D("25")),)),))  # fmt: skip
    era_import(actor=TEST_ACTOR, name="b.835", data=era_bytes(world, [unique], trace="T2"))
    assert EraClaim.objects.get(patient_control_number="STILLNOTOURS").claim == twins[0]


def test_lines_match_when_the_payer_changed_the_code_or_dropped_a_modifier(world):
    claim = _accepted(make_claim(world, charges=[
        ChargeInput("99213", D("125.00"), modifiers=("25",), diagnosis_pointers=(1,)),
        ChargeInput("93000", D("45.00"), diagnosis_pointers=(2,)),
    ]))  # fmt: skip
    day = claim.encounter.date_of_service
    lines = (
        RemitLine("99212", D("125"), day, (RemitAdjustment("CO", "45", D("55")),),
                  billed_code="99213", billed_modifiers=("25",)),
        RemitLine("93000", D("45"), day, (RemitAdjustment("CO", "45", D("5")),),
                  modifiers=("59",)),
    )  # fmt: skip
    era = RemitClaim(claim.patient_control_number, "1", "DOE", "JO", "M1", "ICN", lines=lines)
    (payment,) = era_import(actor=TEST_ACTOR, name="a.835", data=era_bytes(world, [era])).payments
    assert payment.posted == 1, PostingException.objects.values_list("message", flat=True)
    matched = dict(EraClaim.objects.get().lines.values_list("line_number", "matched_by"))
    assert matched == {
        1: "procedure, modifiers and charge",
        2: "procedure and charge (modifiers changed)",
    }
    _balanced_everywhere()


def test_a_reversal_reverses_the_original_rows_and_the_correction_posts_anew(world):
    claim = _accepted(make_claim(world))
    era_import(actor=TEST_ACTOR, name="a.835", data=era_bytes(world, [
        remit_claim(claim, STANDARD)]))  # fmt: skip
    original = set(LedgerEntry.objects.exclude(kind="charge").values_list("pk", flat=True))
    corrected = [[("CO", "45", "25.00"), ("PR", "2", "10.00")], [("CO", "45", "5.00")]]
    data = era_bytes(world, [
        remit_claim(claim, STANDARD, status="22", negate=True),
        remit_claim(claim, corrected, icn="ICN2"),
    ], trace="TRACE2")  # fmt: skip
    (payment,) = era_import(actor=TEST_ACTOR, name="b.835", data=data).payments
    assert payment.outcomes == {"reversal": 1, "paid": 1}
    reversals = LedgerEntry.objects.filter(kind=EntryKind.REVERSAL)
    assert set(reversals.values_list("reverses_id", flat=True)) == original
    assert EraClaim.objects.filter(reversed_by__isnull=False).count() == 1
    balances = _balanced_everywhere()
    first, second = (balances[ln.charge_line_id] for ln in claim.lines.order_by("line_number"))
    assert (first.payments, first.by_party["patient"]) == (D("90.00"), D("10.00"))
    assert (second.payments, second.by_party["patient"]) == (D("40.00"), D("0.00"))
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PAID
    statuses = list(claim.history.values_list("to_status", flat=True))
    assert statuses[-3:] == ["paid", "accepted", "paid"]


def test_a_reversal_of_a_payment_never_posted_is_an_exception(world):
    claim = _accepted(make_claim(world))
    data = era_bytes(world, [remit_claim(claim, STANDARD, status="22", negate=True),
                             remit_claim(claim, STANDARD)])  # fmt: skip
    (payment,) = era_import(actor=TEST_ACTOR, name="a.835", data=data).payments
    assert (payment.posted, payment.exceptions) == (1, 1)
    assert PostingException.objects.get().reason == "reversal_unknown"


def test_provider_level_adjustments_are_kept_against_the_payment(world):
    claim = _accepted(make_claim(world))
    plbs = [RemitProviderAdjustment("L6", "INTEREST", D("-3.21")),
            RemitProviderAdjustment("WO", "ICN0OLD", D("10.00"))]  # fmt: skip
    era_import(actor=TEST_ACTOR, name="a.835",
               data=era_bytes(world, [remit_claim(claim, STANDARD)], plbs=plbs))  # fmt: skip
    payment = EraPayment.objects.get()
    assert payment.amount == D("80.00") + D("3.21") - D("10.00")
    assert payment.total_paid == D("80.00")
    assert list(ProviderAdjustment.objects.values_list("reason_code", "reference", "amount")) == [
        ("L6", "INTEREST", D("-3.21")),
        ("WO", "ICN0OLD", D("10.00")),
    ]
    assert payment.balancing_problems == []


def test_a_crash_mid_import_leaves_nothing_posted_and_the_file_imports_again(world, monkeypatch):
    claims = [_accepted(make_claim(world)) for _ in range(3)]
    data = era_bytes(world, [remit_claim(c, STANDARD) for c in claims])
    from openrcm.remittance import services

    real = services.claims_transition  # type: ignore[attr-defined]  # imported there

    def crash(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "claims_transition", crash)
    with pytest.raises(RuntimeError):
        era_import(actor=TEST_ACTOR, name="a.835", data=data)
    assert not EraPayment.objects.exists()
    assert not EraClaim.objects.exists()
    assert not LedgerEntry.objects.exists()
    assert {c.status for c in Claim.objects.all()} == {ClaimStatus.ACCEPTED}
    monkeypatch.setattr(services, "claims_transition", real)
    result = era_import(actor=TEST_ACTOR, name="a.835", data=data)
    assert not result.duplicate
    assert result.payments[0].posted == 3
    assert {c.status for c in Claim.objects.all()} == {ClaimStatus.PAID}
    _balanced_everywhere()


def test_a_claim_that_does_not_balance_is_not_posted(world):
    claim = _accepted(make_claim(world))
    data = era_bytes(world, [remit_claim(claim, STANDARD)]).replace(
        b"SVC*HC:99213*125*80", b"SVC*HC:99213*125*85"
    )
    (payment,) = era_import(actor=TEST_ACTOR, name="a.835", data=data).payments
    assert (payment.posted, payment.exceptions) == (0, 1)
    exception = PostingException.objects.get()
    assert exception.reason == "not_balanced"
    assert "SVC03" in exception.message
    assert not LedgerEntry.objects.exclude(kind="charge").exists()


def test_an_unreadable_file_names_the_segment_and_line(world):
    claim = _accepted(make_claim(world))
    data = era_bytes(world, [remit_claim(claim, STANDARD)]).replace(b"~", b"~\n")
    broken = data.replace(b"CAS*CO*45*25", b"CAS*CO*45*XX")
    with pytest.raises(EraUnreadable) as caught:
        era_import(actor=TEST_ACTOR, name="bad.835", data=broken)
    message = caught.value.message
    assert message.startswith("bad.835, line ")
    assert "CAS" in message
    assert not EraPayment.objects.exists()
    with pytest.raises(EraUnreadable, match="holds no 835"):
        era_import(actor=TEST_ACTOR, name="x.999", data=_a_999())


def _a_999():
    from openrcm.x12.write.ack999 import Acknowledgment999, SetAcknowledgment, write_999

    ack = Acknowledgment999("HC", "1", "005010X222A1", (SetAcknowledgment("837", "0001"),),
                            "A", 1, 1, 1)  # fmt: skip
    return write_999(
        InterchangeSettings(
            "AA",
            "BB",
            1,
            1,
            1,
            datetime.datetime.combine(datetime.date(2026, 1, 1), datetime.time(0)),
        ),
        ack,
    )


def test_sandbox_eras_post_with_secondary_claims_denials_and_pended_claims(world, settings):
    settings.OPENRCM_SANDBOX_PEND_PERCENT = 25
    settings.OPENRCM_SANDBOX_DENIAL_PERCENT = 20
    secondary = make_payer()
    claims = [make_claim(world, secondary_payer=secondary if n % 2 else None) for n in range(16)]
    cycle = claims_cycle_run(actor=TEST_ACTOR)
    assert cycle["accepted"] == 16
    sandbox = clearinghouse_get("sandbox")
    assert isinstance(sandbox, SandboxClearinghouse)
    assert clearinghouse_poll(actor=TEST_ACTOR).eras == []  # the payer holds its ERAs
    assert sandbox_release_eras(sandbox)
    first = clearinghouse_poll(actor=TEST_ACTOR)
    assert first.problems == []
    (era,) = first.eras
    (payment,) = era.payments
    assert payment.posted == 16
    assert payment.exceptions == 0
    assert payment.outcomes["pended"] >= 1
    assert payment.outcomes["denied"] >= 1
    pended = {c.pk for c in Claim.objects.filter(status=ClaimStatus.PENDED)}
    assert pended
    created = set(payment.secondary_claims)
    assert created
    for number in created:
        made = Claim.objects.get(patient_control_number=number)
        assert (made.coverage_level, made.status, made.payer) == ("S", "draft", secondary)
    # lines waiting on a payer (pended, denied, with the secondary) are not patient-due
    for claim in claims:
        balances = line_balances(LedgerEntry.objects.filter(charge_line__encounter=claim.encounter))
        waiting = sum((b.by_party["patient"] for b in balances.values()
                       if b.waiting_on_insurer), D(0))  # fmt: skip
        total = patient_balances(patient_id=claim.patient_id)
        assert total["patient_due"] == total["patient"] - waiting
    assert sandbox_release_eras(sandbox)
    second = clearinghouse_poll(actor=TEST_ACTOR)
    (again,) = second.eras
    assert again.payments[0].posted == len(pended)
    assert not Claim.objects.filter(status=ClaimStatus.PENDED).exists()
    _balanced_everywhere()
    assert sandbox_release_eras(sandbox) == []
    assert clearinghouse_poll(actor=TEST_ACTOR).eras == []


def test_patient_payments_refunds_and_write_offs_keep_the_invariant(world):
    claim = _accepted(make_claim(world))
    era_import(actor=TEST_ACTOR, name="a.835", data=era_bytes(world, [
        remit_claim(claim, STANDARD)]))  # fmt: skip
    line = claim.lines.get(line_number=1).charge_line
    patient_payment_post(actor=TEST_ACTOR, charge_line=line, amount=D("25.00"))
    patient_payment_post(actor=TEST_ACTOR, charge_line=line, amount=D("5.00"), kind="refund")
    patient_payment_post(actor=TEST_ACTOR, charge_line=line, amount=D("0.50"), kind="write_off")
    balance = _balanced_everywhere()[line.pk]
    assert balance.by_party["patient"] == D("20.00") - D("25.00") + D("5.00") - D("0.50")
    assert balance.payments == D("80.00") + D("25.00") - D("5.00")


def test_prior_payers_of_a_secondary_claim_feed_the_837p_other_payer_loops(world):
    from openrcm.claims.scrubbing import claims_load
    from openrcm.claims.submission import claim_837p_from, submitter_837p
    from openrcm.clearinghouse.sandbox_payer import claims_of_837p
    from openrcm.x12.write import ClaimBatch837P, Receiver, write_837p

    secondary_payer = make_payer()
    claim = _accepted(make_claim(world, secondary_payer=secondary_payer))
    (payment,) = era_import(actor=TEST_ACTOR, name="a.835", data=era_bytes(world, [
        remit_claim(claim, STANDARD)])).payments  # fmt: skip
    (number,) = payment.secondary_claims
    second = Claim.objects.get(patient_control_number=number)
    prior = prior_payers_for(second)
    (other,) = prior.other_payers
    assert other.paid_amount == D("80.00")
    assert other.responsibility == "P"
    assert set(prior.line_adjudications) == {1, 2}
    (loaded,) = claims_load([second.pk])
    base = claim_837p_from(loaded)
    import dataclasses

    value = dataclasses.replace(
        base,
        other_payers=prior.other_payers,
        lines=tuple(
            dataclasses.replace(ln, prior_payer_adjudications=prior.line_adjudications[n])
            for n, ln in enumerate(base.lines, start=1)
        ),
    )
    data = write_837p(
        InterchangeSettings(
            "OPENRCM",
            "SANDBOX",
            9,
            9,
            1,
            datetime.datetime.combine(datetime.date(2026, 3, 21), datetime.time(9)),
        ),
        ClaimBatch837P(submitter_837p(), Receiver("SANDBOX", "SANDBOX"), "B9", (value,)),
    )
    (read,), _ = claims_of_837p(data)
    assert read.responsibility == "S"
    assert read.prior_paid == D("80.00")
    assert [ln.prior_paid for ln in read.lines] == [D("80.00"), D("0.00")]
    assert prior_payers_for(claim).other_payers == ()


_traces = iter(range(10**6))
amounts = st.integers(min_value=0, max_value=4500).map(lambda n: D(n) / 100)
line_adjustments = st.lists(
    st.tuples(st.sampled_from(["CO", "PR", "OA"]), st.sampled_from(["45", "1", "2", "3", "16"]),
              amounts),
    max_size=3,
)  # fmt: skip
posting_step = st.one_of(
    st.tuples(st.just("era"), st.tuples(line_adjustments, line_adjustments)),
    st.tuples(st.just("reverse")),
    st.tuples(st.sampled_from(["patient_payment", "refund", "write_off"]), amounts),
)


@hypothesis_settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(posting_step, min_size=1, max_size=5))
def test_the_invariant_holds_through_the_service_over_random_postings(world, steps):
    """ERAs with random adjustments (each line's adjustments at most its charge), their
    reversals, and patient payments, refunds and write-offs, posted through the services:
    every line balances after every step."""
    claim = _accepted(make_claim(world))
    posted: list[list[list[tuple[str, str, str]]]] = []
    for step in steps:
        if step[0] == "era":
            lines = []
            for raw, line in zip(step[1], claim.lines.order_by("line_number"), strict=True):
                left, kept = line.charge_amount, []
                for group, reason, amount in raw:
                    amount = min(amount, left)
                    left -= amount
                    kept.append((group, reason, str(amount)))
                lines.append(kept)
            data = era_bytes(world, [remit_claim(claim, lines)], trace=f"H{next(_traces)}")
            era_import(actor=TEST_ACTOR, name="h.835", data=data)
            posted.append(lines)
        elif step[0] == "reverse":
            if not posted:
                continue
            lines = posted.pop()
            reversal = remit_claim(claim, lines, status="22", negate=True)
            zero = RemitClaim("ZEROPAD", "1", "DOE", "JO", "M1", "Z", lines=(
                RemitLine("99213", D("500"), datetime.date(2026, 3, 1)),))  # fmt: skip
            data = era_bytes(world, [reversal, zero], trace=f"H{next(_traces)}")
            era_import(actor=TEST_ACTOR, name="r.835", data=data)
        else:
            line = claim.lines.get(line_number=1).charge_line
            if step[1] > 0:
                patient_payment_post(actor=TEST_ACTOR, charge_line=line, amount=step[1],
                                     kind=step[0])  # fmt: skip
        rows = LedgerEntry.objects.filter(charge_line__encounter=claim.encounter)
        for balance in line_balances(rows).values():
            assert balance.balanced, balance
