"""Agency placement: each eligibility rule with an allowed and a refused case."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from openrcm.rules.placement import (
    PlacementFacts,
    PlacementPolicy,
    PlacementRule,
    may_place_account,
)

D = Decimal
TODAY = date(2026, 9, 1)
POLICY = PlacementPolicy(places_accounts=True, agency="Synthetic Recovery Associates")
ELIGIBLE = PlacementFacts(
    patient_due=D("180.00"),
    insurer_pending=D("0.00"),
    oldest_unpaid_service_on=TODAY - timedelta(days=200),
    final_notice_sent_on=TODAY - timedelta(days=30),
)


def test_an_account_meeting_every_rule_may_be_placed():
    assert may_place_account(ELIGIBLE, POLICY, TODAY).allowed


@pytest.mark.parametrize(
    ("facts", "policy", "rule"),
    [
        (ELIGIBLE, replace(POLICY, places_accounts=False), PlacementRule.CLIENT_DOES_NOT_PLACE),
        (ELIGIBLE, replace(POLICY, agency=""), PlacementRule.NO_AGENCY),
        (
            replace(ELIGIBLE, excluded_by_client="board member's family"),
            POLICY,
            PlacementRule.EXCLUDED_BY_CLIENT,
        ),
        (replace(ELIGIBLE, placed=True), POLICY, PlacementRule.ALREADY_PLACED),
        (replace(ELIGIBLE, patient_due=D("49.99")), POLICY, PlacementRule.BELOW_THRESHOLD),
        (replace(ELIGIBLE, insurer_pending=D("0.01")), POLICY, PlacementRule.WITH_INSURER),
        (
            replace(ELIGIBLE, oldest_unpaid_service_on=TODAY - timedelta(days=119)),
            POLICY,
            PlacementRule.TOO_RECENT,
        ),
        (replace(ELIGIBLE, final_notice_sent_on=None), POLICY, PlacementRule.NO_FINAL_NOTICE),
        (
            replace(ELIGIBLE, final_notice_sent_on=TODAY - timedelta(days=29)),
            POLICY,
            PlacementRule.FINAL_NOTICE_TOO_RECENT,
        ),
        (replace(ELIGIBLE, open_dispute=True), POLICY, PlacementRule.DISPUTED),
        (replace(ELIGIBLE, plan_in_good_standing=True), POLICY, PlacementRule.ON_PLAN),
        (replace(ELIGIBLE, promise_to_pay_until=TODAY), POLICY, PlacementRule.PROMISE_TO_PAY),
    ],
)
def test_each_rule_refuses_alone(facts, policy, rule):
    decision = may_place_account(facts, policy, TODAY)
    assert decision.codes == {rule.value}
    assert decision.explain()


def test_boundaries_are_allowed():
    at_threshold = replace(ELIGIBLE, patient_due=D("50.00"))
    assert may_place_account(at_threshold, POLICY, TODAY).allowed
    exactly_old_enough = replace(ELIGIBLE, oldest_unpaid_service_on=TODAY - timedelta(days=120))
    assert may_place_account(exactly_old_enough, POLICY, TODAY).allowed
    promise_broken = replace(ELIGIBLE, promise_to_pay_until=TODAY - timedelta(days=1))
    assert may_place_account(promise_broken, POLICY, TODAY).allowed


def test_every_reason_at_once():
    facts = replace(ELIGIBLE, open_dispute=True, insurer_pending=D("10.00"), placed=True)
    decision = may_place_account(facts, replace(POLICY, places_accounts=False), TODAY)
    assert decision.codes == {"client_does_not_place", "disputed", "with_insurer", "already_placed"}


def test_placement_never_waits_less_than_thirty_days_after_the_final_notice():
    with pytest.raises(ValueError, match="at least 30 days"):
        PlacementPolicy(final_notice_wait_days=29)


def test_a_balance_without_a_service_date_is_a_programming_error():
    with pytest.raises(ValueError, match="oldest unpaid service"):
        may_place_account(replace(ELIGIBLE, oldest_unpaid_service_on=None), POLICY, TODAY)
