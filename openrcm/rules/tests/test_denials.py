"""Denial and underpayment rules: categories, actions, PR vs CO, deadlines, tolerance."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openrcm.codesets.guidance import CARC_GUIDANCE
from openrcm.rules import denials as d
from openrcm.rules.denials import (
    Adjustment,
    AdjustmentKind,
    DenialCategory,
    LineAdjudication,
    NextAction,
    Tolerance,
)

D = Decimal


def denial(adjudication: LineAdjudication) -> d.DenialFinding | None:
    return d.line_denial(adjudication, CARC_GUIDANCE)


def line(paid: str, *adjs: tuple[str, str, str], n: int | None = 1) -> LineAdjudication:
    return LineAdjudication(n, D(paid), tuple(Adjustment(g, c, D(a), n) for g, c, a in adjs))


@pytest.mark.parametrize(
    ("carc", "category"),
    [
        ("27", DenialCategory.ELIGIBILITY),
        ("31", DenialCategory.ELIGIBILITY),
        ("22", DenialCategory.ELIGIBILITY),  # other plan first: a coverage question
        ("197", DenialCategory.AUTHORIZATION),
        ("15", DenialCategory.AUTHORIZATION),
        ("4", DenialCategory.CODING),
        ("11", DenialCategory.CODING),
        ("97", DenialCategory.BUNDLING),
        ("236", DenialCategory.BUNDLING),
        ("50", DenialCategory.MEDICAL_NECESSITY),
        ("151", DenialCategory.MEDICAL_NECESSITY),
        ("29", DenialCategory.TIMELY_FILING),
        ("18", DenialCategory.DUPLICATE),
        ("B13", DenialCategory.DUPLICATE),
        ("16", DenialCategory.MISSING_INFORMATION),
        ("252", DenialCategory.MISSING_INFORMATION),
        ("96", DenialCategory.NON_COVERED),
        ("204", DenialCategory.NON_COVERED),
        ("B7", DenialCategory.OTHER),  # credentialing
        ("ZZ9", DenialCategory.OTHER),  # unknown
    ],
)
def test_every_category(carc, category):
    assert d.denial_category(carc, CARC_GUIDANCE) == category


def test_categories_cover_the_issue_list():
    wanted = {
        "eligibility",
        "authorization",
        "coding",
        "bundling",
        "medical necessity",
        "timely filing",
        "duplicate",
        "missing information",
        "non-covered",
        "other",
    }
    assert {c.value for c in DenialCategory} == wanted


def test_the_table_reuses_guidance_rather_than_repeating_its_categories():
    # A code guidance already categorises takes its category from there (None here).
    for carc, rule in d.CARC_RULES.items():
        if carc in CARC_GUIDANCE and rule.category is not None:
            assert rule.category == d.FROM_GUIDANCE[CARC_GUIDANCE[carc].category], carc


def test_every_guidance_category_maps_to_a_queue_category():
    from openrcm.codesets.guidance import DenialCategory as GuidanceCategory

    assert {str(c) for c in GuidanceCategory} == set(d.FROM_GUIDANCE)


def test_guidance_contractual_codes_are_never_denials():
    contractual = {c for c, g in CARC_GUIDANCE.items() if g.category == "contractual"}
    assert contractual
    assert contractual <= d.CONTRACTUAL_CARCS


def test_without_guidance_pr_is_billable_and_categories_come_from_our_table():
    assert d.patient_may_be_billed("PR", "29")  # guidance is what knows 29 is ours
    assert not d.patient_may_be_billed("CO", "96")
    assert d.denial_category("197") == DenialCategory.OTHER  # only guidance knows 197
    assert d.denial_category("B13") == DenialCategory.DUPLICATE  # our own table


def test_our_words_are_short_and_plain():
    # Our own brief notes, not long official texts.
    for carc, rule in d.CARC_RULES.items():
        assert len(rule.why) <= 60, carc
        assert not re.search(r"\bclaim/service\b", rule.why), carc


@pytest.mark.parametrize(
    ("group", "carc", "action"),
    [
        ("CO", "16", NextAction.CORRECT_AND_RESUBMIT),
        ("CO", "4", NextAction.CORRECT_AND_RESUBMIT),
        ("CO", "197", NextAction.APPEAL),
        ("CO", "50", NextAction.APPEAL),
        ("CO", "29", NextAction.WRITE_OFF),
        ("CO", "18", NextAction.CALL_PAYER),
        ("CO", "ZZ9", NextAction.CALL_PAYER),
        ("PR", "96", NextAction.TRANSFER_TO_PATIENT),
        ("PR", "204", NextAction.TRANSFER_TO_PATIENT),
        ("PR", "27", NextAction.TRANSFER_TO_PATIENT),
        ("PR", "50", NextAction.APPEAL),  # appeal first; the patient only with a notice
        ("PR", "29", NextAction.WRITE_OFF),  # the practice's lateness is never the patient's
        ("CO", "96", NextAction.APPEAL),
        ("CO", "204", NextAction.WRITE_OFF),
    ],
)
def test_recommended_action(group, carc, action):
    rec = d.recommend(group, carc, CARC_GUIDANCE)
    assert rec.action == action
    assert rec.reason
    assert rec.action_label


@pytest.mark.parametrize("group", ["CO", "OA", "PI", "CR"])
def test_only_pr_lets_the_patient_be_billed(group):
    assert not d.patient_may_be_billed(group, "96", CARC_GUIDANCE)
    assert d.action_allowed(NextAction.TRANSFER_TO_PATIENT, group, "96", CARC_GUIDANCE) is not None
    assert d.patient_may_be_billed("PR", "96", CARC_GUIDANCE)
    assert d.action_allowed(NextAction.TRANSFER_TO_PATIENT, "PR", "96", CARC_GUIDANCE) is None
    assert d.action_allowed(NextAction.APPEAL, group, "96", CARC_GUIDANCE) is None


def test_pr_with_a_practice_side_code_is_not_billable():
    assert not d.patient_may_be_billed("PR", "29", CARC_GUIDANCE)
    assert "PR-29" in (d.action_allowed("transfer_to_patient", "PR", "29", CARC_GUIDANCE) or "")


@pytest.mark.parametrize(
    ("group", "carc", "kind"),
    [
        ("CO", "45", AdjustmentKind.CONTRACTUAL),
        ("CO", "253", AdjustmentKind.CONTRACTUAL),
        ("PR", "1", AdjustmentKind.PATIENT_SHARE),
        ("PR", "2", AdjustmentKind.PATIENT_SHARE),
        ("PR", "3", AdjustmentKind.PATIENT_SHARE),
        ("OA", "23", AdjustmentKind.PRIOR_PAYER),
        ("CO", "133", AdjustmentKind.PENDED),
        ("CO", "16", AdjustmentKind.DENIAL),
        ("PI", "50", AdjustmentKind.DENIAL),
        ("OA", "18", AdjustmentKind.DENIAL),
        ("PR", "96", AdjustmentKind.DENIAL),
        ("PR", "45", AdjustmentKind.DENIAL),  # 45 under PR is not the contract's discount
        (" co ", " 45 ", AdjustmentKind.CONTRACTUAL),
    ],
)
def test_adjustment_kind(group, carc, kind):
    assert d.adjustment_kind(group, carc) == kind


def test_contractual_co45_on_a_paid_line_is_not_a_denial():
    assert denial(line("80.00", ("CO", "45", "20.00"))) is None


def test_co45_alone_on_a_zero_paid_line_is_not_a_denial():
    # e.g. the whole allowed amount went to the deductible
    assert denial(line("0", ("CO", "45", "20.00"), ("PR", "1", "80.00"))) is None


def test_zero_paid_line_with_co_denial_is_fully_denied():
    found = denial(line("0", ("CO", "16", "100.00")))
    assert found is not None
    assert found.fully_denied
    assert (found.group, found.carc, found.amount) == ("CO", "16", D("100.00"))
    assert found.recommendation.category == DenialCategory.MISSING_INFORMATION


def test_partly_denied_line_names_every_code_and_the_main_one():
    found = denial(
        line("50.00", ("CO", "45", "10.00"), ("CO", "151", "30.00"), ("OA", "97", "10.00"))
    )
    assert found is not None
    assert not found.fully_denied
    assert found.carc == "151"
    assert found.carcs == ("CO-151", "OA-97")
    assert found.amount == D("40.00")


def test_pended_line_is_not_a_denial_yet():
    assert denial(line("0", ("CO", "133", "100.00"))) is None


def test_negative_denial_amounts_are_ignored():
    # a reversal's negated adjustments do not open a denial
    assert denial(line("0", ("CO", "16", "-100.00"))) is None


def test_claim_denials_include_the_claim_level():
    lines = d.group_by_line(
        [
            Adjustment("CO", "45", D("5"), 1),
            Adjustment("CO", "97", D("45"), 2),
            Adjustment("CO", "29", D("10"), None),
        ],
        {1: D("95"), 2: D("0")},
    )
    found = d.claim_denials(lines, CARC_GUIDANCE)
    assert [(f.line, f.carc) for f in found] == [(2, "97"), (None, "29")]


def test_group_by_line_refuses_unknown_lines():
    with pytest.raises(ValueError, match=r"lines \[3\]"):
        d.group_by_line([Adjustment("CO", "16", D("1"), 3)], {1: D("0")})


def test_appeal_deadline_counts_from_the_era_date():
    assert d.appeal_deadline(datetime.date(2026, 1, 31), 30) == datetime.date(2026, 3, 2)
    assert d.appeal_deadline(datetime.date(2024, 2, 28), 1) == datetime.date(2024, 2, 29)
    assert d.appeal_deadline(datetime.date(2026, 12, 31), 120) == datetime.date(2027, 4, 30)


@pytest.mark.parametrize("days", [0, -1, True, 1.5])
def test_appeal_window_must_be_positive_days(days):
    with pytest.raises(ValueError, match="positive number of days"):
        d.appeal_deadline(datetime.date(2026, 1, 1), days)


def test_days_left():
    deadline = datetime.date(2026, 5, 1)
    assert d.days_left(deadline, datetime.date(2026, 5, 1)) == 0
    assert d.days_left(deadline, datetime.date(2026, 4, 30)) == 1
    assert d.days_left(deadline, datetime.date(2026, 5, 3)) == -2


@given(
    era=st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2090, 1, 1)),
    days=st.integers(min_value=1, max_value=3650),
)
def test_deadline_is_always_after_the_era(era, days):
    deadline = d.appeal_deadline(era, days)
    assert deadline > era
    assert d.days_left(deadline, era) == days


# --- underpayments ------------------------------------------------------------------------


def test_tolerance_is_the_larger_of_amount_and_percent():
    t = Tolerance(absolute=D("1.00"), percent=D("2"))
    assert t.allowed_gap(D("10.00")) == D("1.00")
    assert t.allowed_gap(D("200.00")) == D("4.00")


def test_tolerance_refuses_negatives():
    with pytest.raises(ValueError, match="negative"):
        Tolerance(absolute=D("-1"))


@pytest.mark.parametrize(
    ("allowed", "expected", "short"),
    [
        ("100.00", "100.00", None),  # exactly the contract
        ("120.00", "100.00", None),  # more than the contract
        ("98.00", "100.00", None),  # 2.00 short: at the 2% tolerance exactly
        ("97.99", "100.00", "2.01"),  # one cent beyond the tolerance
        ("9.00", "10.00", None),  # 1.00 short: at the absolute tolerance
        ("8.99", "10.00", "1.01"),
        ("0.00", "40.00", "40.00"),
    ],
)
def test_underpayment_edges(allowed, expected, short):
    found = d.underpayment(allowed=D(allowed), expected=D(expected), tolerance=Tolerance())
    if short is None:
        assert found is None
    else:
        assert found is not None
        assert found.shortfall == D(short)
        assert found.expected == D(expected)
        assert "below the contracted" in found.reason


def test_zero_tolerance_flags_a_cent():
    t = Tolerance(absolute=D("0"), percent=D("0"))
    assert d.underpayment(allowed=D("9.99"), expected=D("10.00"), tolerance=t) is not None


@given(
    expected=st.decimals(min_value=0, max_value=10000, places=2),
    allowed=st.decimals(min_value=0, max_value=10000, places=2),
    absolute=st.decimals(min_value=0, max_value=50, places=2),
    percent=st.decimals(min_value=0, max_value=20, places=1),
)
def test_underpayment_only_beyond_tolerance(expected, allowed, absolute, percent):
    t = Tolerance(absolute=absolute, percent=percent)
    found = d.underpayment(allowed=allowed, expected=expected, tolerance=t)
    gap = expected - allowed
    if found is None:
        assert gap <= t.allowed_gap(expected)
    else:
        assert found.shortfall == gap > t.allowed_gap(expected)
        assert found.shortfall > 0


def test_expected_amount_multiplies_units():
    assert d.expected_amount(D("40.00"), D("2")) == D("80.00")
    assert d.expected_amount(D("33.3333"), D("1")) == D("33.33")
    with pytest.raises(ValueError, match="units"):
        d.expected_amount(D("40"), D("0"))


def test_allowed_of_line_uses_amt_b6_else_paid_plus_patient_share():
    adjs = (Adjustment("CO", "45", D("20")), Adjustment("PR", "2", D("16")))
    assert d.allowed_of_line(allowed=D("80"), paid=D("64"), adjustments=adjs) == D("80.00")
    assert d.allowed_of_line(allowed=None, paid=D("64"), adjustments=adjs) == D("80.00")
