"""The posting decisions and the 835 writer, as pure functions (no database)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openrcm.remittance import rules
from openrcm.remittance.rules import (
    BilledLine,
    LinePosting,
    PaidLine,
    PlainAdjustment,
    claim_outcome,
    line_totals,
    match_service_line,
    plan_claim_posting,
)
from openrcm.x12 import Remittance, check_remittance, read_file
from openrcm.x12.write import InterchangeSettings
from openrcm.x12.write.remit835 import (
    RemitAdjustment,
    RemitClaim,
    RemitLine,
    RemitProviderAdjustment,
    Remittance835,
    X12WriteError,
    write_835,
)

D = Decimal
A = PlainAdjustment


def test_outcomes():
    paid = [(D("80"), (A("CO", "45", D("20")),))]
    assert claim_outcome("1", D("80"), paid) == "paid"
    denied = [(D("0"), (A("CO", "16", D("100")),))]
    assert claim_outcome("1", D("0"), denied) == "denied"
    assert claim_outcome("4", D("0"), denied) == "denied"
    assert claim_outcome("1", D("80"), [*paid, (D("0"), (A("CO", "97", D("45")),))]) == (
        "partially_paid"
    )
    assert claim_outcome("1", D("0"), [(D("0"), (A("OA", "133", D("100")),))]) == "pended"
    assert claim_outcome("22", D("-80"), paid) == "reversal"
    deductible = [(D("0"), (A("CO", "45", D("20")), A("PR", "1", D("80"))))]
    assert claim_outcome("1", D("0"), deductible) == "paid"  # all left to the patient


def test_primary_posting_moves_patient_shares_to_the_next_party():
    line = LinePosting(
        7,
        D("60.00"),
        (A("CO", "45", D("25.00")), A("PR", "2", D("15.00")), A("PR", "3", D("25.00"))),
    )
    rows = plan_claim_posting(party="P", next_party="S", lines=[line])
    kinds = [(r.party, r.kind, r.amount) for r in rows]
    assert kinds == [
        ("P", "insurance_payment", D("-60.00")),
        ("P", "contractual", D("-25.00")),
        ("P", "coinsurance", D("-15.00")),
        ("S", "coinsurance", D("15.00")),
        ("P", "copay", D("-25.00")),
        ("S", "copay", D("25.00")),
    ]
    totals = line_totals([("P", "charge", D("125.00"), "")] + [(r.party, r.kind, r.amount, "")
                                                                 for r in rows])  # fmt: skip
    assert totals.balanced
    assert totals.outstanding == {"P": D("0"), "S": D("40.00"), "T": D("0"), "patient": D("0")}


def test_denied_line_keeps_its_balance_with_the_payer_and_pended_posts_nothing():
    denied = LinePosting(1, D("0"), (A("CO", "16", D("100")),))
    assert plan_claim_posting(party="P", next_party="patient", lines=[denied]) == []
    pended = LinePosting(1, D("0"), (A("OA", "133", D("100")),))
    assert plan_claim_posting(party="P", next_party="patient", lines=[pended]) == []
    # a contractual reason is still a contractual adjustment on a zero-paid line
    bundled = LinePosting(1, D("0"), (A("CO", "97", D("30")), A("CO", "45", D("70"))))
    rows = plan_claim_posting(party="P", next_party="patient", lines=[bundled])
    assert [(r.kind, r.reason, r.amount) for r in rows] == [("contractual", "45", D("-70"))]


def test_secondary_settles_what_it_did_not_pay_and_ignores_the_prior_payer_impact():
    line = LinePosting(3, D("30.00"), (A("OA", "23", D("60.00")), A("CO", "45", D("35.00"))))
    rows = plan_claim_posting(
        party="S", next_party="patient", lines=[line], balances={(3, "S"): D("40.00")}
    )
    assert [(r.kind, r.amount) for r in rows] == [
        ("insurance_payment", D("-30.00")),
        ("contractual", D("-35.00")),
    ]
    # the contractual row overshoots what S held: the line is not settled again
    small = LinePosting(3, D("30.00"), (A("OA", "23", D("95.00")),))
    rows = plan_claim_posting(
        party="S", next_party="patient", lines=[small], balances={(3, "S"): D("40.00")}
    )
    assert [(r.kind, r.amount, r.group) for r in rows] == [
        ("insurance_payment", D("-30.00"), ""),
        ("other_adjustment", D("-10.00"), "OA"),
    ]


def test_plan_refuses_the_patient_as_payer():
    with pytest.raises(ValueError, match="paid by a payer"):
        plan_claim_posting(party="patient", next_party="P", lines=[])


def _billed(key, code, mods=(), charge="100", lic=""):
    return BilledLine(key, code, tuple(mods), D(charge), lic)


def _paid(code, mods=(), charge="100", billed_code=None, billed_mods=(), lic=""):
    return PaidLine(code, tuple(mods), billed_code, tuple(billed_mods), D(charge), lic)


def test_line_matching():
    ours = [
        _billed(1, "99213", (), "125", "E1PL1"),
        _billed(2, "93000", ("26",), "45", "E1PL2"),
        _billed(3, "93000", (), "45", "E1PL3"),
    ]
    assert match_service_line(_paid("99999", lic="E1PL2"), ours, set()) == (
        2,
        "line item control number",
    )
    # the payer changed the code: SVC06 carries what was billed
    assert (
        match_service_line(_paid("99212", billed_code="99213", charge="125"), ours, set())[0] == 1
    )
    # a dropped modifier still matches on code and charge... ambiguous here (2 and 3)
    key, why = match_service_line(_paid("93000", (), "45"), ours, set())
    assert key == 3  # exact: code, no modifiers, charge
    key, why = match_service_line(_paid("93000", ("59",), "45"), ours, set())
    assert key is None
    assert "none is told apart" in why
    assert match_service_line(_paid("93000", ("26",), "45"), ours, set())[0] == 2
    assert match_service_line(_paid("80053"), ours, set()) == (
        None,
        "no billed line has procedure 80053",
    )
    # split: two SVCs of one billed line both match it
    single = [_billed(9, "97110", (), "120")]
    assert match_service_line(_paid("97110", charge="60"), single, set())[0] == 9
    assert match_service_line(_paid("97110", charge="60"), single, {9})[0] == 9
    # identical lines match one each
    twins = [_billed(5, "J3301"), _billed(6, "J3301")]
    assert match_service_line(_paid("J3301"), twins, set())[0] in (5, 6)
    first, _ = match_service_line(_paid("J3301"), twins, set())
    assert first is not None
    second, _ = match_service_line(_paid("J3301"), twins, {first})
    assert {first, second} == {5, 6}


def test_allocate_keeps_every_cent():
    shares = rules.allocate(D("10.00"), [D("1"), D("1"), D("1")])
    assert shares == [D("3.33"), D("3.33"), D("3.34")]
    assert sum(rules.allocate(D("-7.01"), [D("125"), D("45")])) == D("-7.01")


# --- the invariant over random posting sequences ------------------------------------------------

cents = st.integers(min_value=0, max_value=20000).map(lambda n: Decimal(n) / 100)
reasons = st.sampled_from(["1", "2", "3", "45", "16", "97", "23", "96", "253", "133", "50"])
groups = st.sampled_from(["CO", "PR", "OA", "PI", "CR"])
adjustment = st.builds(A, groups, reasons, cents)
line_posting = st.builds(
    lambda key, paid, adjs: LinePosting(key, paid, tuple(adjs)),
    st.integers(1, 3),
    cents,
    st.lists(adjustment, max_size=4),
)
step = st.one_of(
    st.tuples(st.just("era"), st.sampled_from(["P", "S", "T"]),
              st.sampled_from(["S", "T", "patient"]), st.lists(line_posting, max_size=3)),
    st.tuples(st.just("reverse"), st.integers(0, 50)),
    st.tuples(st.sampled_from(["patient_payment", "refund", "write_off"]), st.integers(1, 3),
              cents),
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(step, min_size=1, max_size=12))
def test_charge_equals_payments_adjustments_and_balances_after_every_posting(steps):
    """The ledger rows (party, kind, amount, reversed kind) of three lines; after every
    posting each line's charge = payments + adjustments + outstanding balances."""
    ledger: list[tuple[int, str, str, Decimal, str]] = [
        (key, "P", "charge", D("100.00") * key, "") for key in (1, 2, 3)
    ]
    postings: list[list[int]] = []  # the rows of each ERA posting (a reversal takes all)
    reversed_postings: set[int] = set()
    for item in steps:
        if item[0] == "era":
            _, party, nxt, lines = item
            if nxt == party:
                continue
            balances: dict[tuple[int, str], Decimal] = {}
            for key, p, _kind, amount, _r in ledger:
                balances[(key, p)] = balances.get((key, p), D(0)) + amount
            start = len(ledger)
            for row in plan_claim_posting(
                party=party, next_party=nxt, lines=lines, balances=balances
            ):
                ledger.append((row.key, row.party, row.kind, row.amount, ""))
            postings.append(list(range(start, len(ledger))))
        elif item[0] == "reverse":
            if not postings or item[1] % len(postings) in reversed_postings:
                continue
            chosen = item[1] % len(postings)
            reversed_postings.add(chosen)
            for index in postings[chosen]:
                key, party, kind, amount, _ = ledger[index]
                ledger.append((key, party, "reversal", -amount, kind))
        else:
            kind, key, amount = item
            ledger.append((key, "patient", kind, amount if kind == "refund" else -amount, ""))
        for key in (1, 2, 3):
            rows = [(p, k, a, r) for line, p, k, a, r in ledger if line == key]
            totals = line_totals(rows)
            assert totals.charge == D("100.00") * key
            assert totals.balanced, (key, rows)


# --- the 835 writer -----------------------------------------------------------------------------

SETTINGS = InterchangeSettings(
    "SANDBOXPAYER",
    "OPENRCM",
    5,
    5,
    1,
    datetime.datetime.combine(datetime.date(2026, 3, 2), datetime.time(9)),
)
money = st.integers(min_value=1, max_value=500000).map(lambda n: Decimal(n) / 100)


@st.composite
def remit_lines(draw):
    charge = draw(money)
    adjustments = []
    left = charge
    for group, reason in draw(st.lists(st.sampled_from(
            [("CO", "45"), ("PR", "1"), ("PR", "2"), ("PR", "3"), ("OA", "23"), ("CO", "97")]),
            max_size=4, unique=True)):  # fmt: skip
        amount = draw(st.integers(0, int(left * 100)).map(lambda n: Decimal(n) / 100))
        left -= amount
        adjustments.append(RemitAdjustment(group, reason, amount))
    return RemitLine("99213", charge, datetime.date(2026, 3, 1), tuple(adjustments),
                     line_item_control_number=f"L{draw(st.integers(1, 999))}")  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(remit_lines(), min_size=1, max_size=4), min_size=1, max_size=5), money)
def test_the_835_writer_is_balanced_by_construction(claims, interest):
    remittance = Remittance835(
        "LAKESIDE HEALTH", "LHP01", "123456789", "RIVERBEND", "1234567893", "TRACE1",
        datetime.date(2026, 3, 16),
        tuple(RemitClaim(f"E{n}P", "1", "DOE", "JO", "M1", f"ICN{n}", lines=tuple(lines))
              for n, lines in enumerate(claims)),
        (RemitProviderAdjustment("L6", "X", -interest),),
    )  # fmt: skip
    (doc,) = read_file(write_835(SETTINGS, remittance))
    assert isinstance(doc, Remittance)
    assert check_remittance(doc) == []
    assert doc.payment.amount == remittance.total_paid
    assert [c.paid for c in doc.claims] == [c.paid for c in remittance.claims]


def test_the_835_writer_refuses_a_negative_payment_and_overadjusted_lines():
    line = RemitLine("99213", D("-50"), datetime.date(2026, 3, 1))
    reversal = RemitClaim("E1P", "22", "DOE", "JO", "M1", "ICN", lines=(line,))
    remittance = Remittance835("P", "P1", "123456789", "R", "1234567893", "T",
                               datetime.date(2026, 3, 1), (reversal,))  # fmt: skip
    with pytest.raises(X12WriteError, match="negative"):
        write_835(SETTINGS, remittance)
    over = RemitLine("99213", D("50"), datetime.date(2026, 3, 1),
                     (RemitAdjustment("CO", "45", D("60")),))  # fmt: skip
    claim = RemitClaim("E1P", "1", "DOE", "JO", "M1", "ICN", lines=(over,))
    good = RemitClaim(
        "E2P",
        "1",
        "DOE",
        "JO",
        "M1",
        "ICN2",
        lines=(RemitLine("99213", D("100"), datetime.date(2026, 3, 1)),),
    )
    with pytest.raises(X12WriteError, match="exceed the charge"):
        write_835(SETTINGS, Remittance835("P", "P1", "123456789", "R", "1234567893", "T",
                                          datetime.date(2026, 3, 1), (good, claim)))  # fmt: skip
