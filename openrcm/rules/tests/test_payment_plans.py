"""Payment plans: terms checked against the practice's limits, schedules, standing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openrcm.rules.payment_plans import (
    Frequency,
    PlanLimits,
    PlanPayment,
    PlanStanding,
    PlanTerms,
    plan_schedule,
    plan_status,
    plan_terms_problems,
)

D = Decimal
AGREED = date(2026, 1, 10)


def terms(**changes: object) -> PlanTerms:
    values: dict[str, object] = {
        "balance": D("600.00"),
        "instalments": 6,
        "frequency": Frequency.MONTHLY,
        "first_due": date(2026, 1, 31),
        "agreed_on": AGREED,
        "down_payment": D("0.00"),
        "grace_days": 10,
        "default_after_missed": 2,
    }
    values.update(changes)
    return PlanTerms(**values)  # type: ignore[arg-type]


def test_monthly_schedule_keeps_the_day_and_clamps_short_months():
    schedule = plan_schedule(terms())
    assert [i.due for i in schedule] == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
        date(2026, 5, 31),
        date(2026, 6, 30),
    ]
    assert all(i.amount == D("100.00") for i in schedule)


def test_down_payment_is_due_on_agreement_and_last_instalment_takes_the_rounding():
    schedule = plan_schedule(terms(balance=D("100.00"), down_payment=D("10.00"), instalments=7))
    assert schedule[0].number == 0
    assert schedule[0].due == AGREED
    assert schedule[0].amount == D("10.00")
    assert [i.amount for i in schedule[1:]] == [D("12.85")] * 6 + [D("12.90")]
    assert sum(i.amount for i in schedule) == D("100.00")


def test_weekly_and_biweekly_steps():
    weekly = plan_schedule(terms(frequency=Frequency.WEEKLY, instalments=3))
    assert [i.due for i in weekly] == [date(2026, 1, 31), date(2026, 2, 7), date(2026, 2, 14)]
    biweekly = plan_schedule(terms(frequency=Frequency.BIWEEKLY, instalments=2))
    assert [i.due for i in biweekly] == [date(2026, 1, 31), date(2026, 2, 14)]


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"balance": D("0.00")}, "more than $0.00"),
        ({"balance": D("10.001")}, "two decimal places"),
        ({"down_payment": D("-1.00")}, "cannot be negative"),
        ({"down_payment": D("600.00")}, "whole balance"),
        ({"instalments": 0}, "at least one instalment"),
        ({"first_due": date(2026, 1, 1)}, "before the plan is agreed"),
        ({"grace_days": -1}, "grace period"),
        ({"default_after_missed": 0}, "at least one missed"),
    ],
)
def test_terms_wrong_in_themselves_are_refused_and_never_scheduled(changes, fragment):
    bad = terms(**changes)
    problems = plan_terms_problems(bad)
    assert any(fragment in p for p in problems), problems
    with pytest.raises(ValueError, match=r"\w"):
        plan_schedule(bad)


@pytest.mark.parametrize(
    ("changes", "limits", "fragment"),
    [
        ({"instalments": 24}, PlanLimits(max_instalments=12), "more than the practice allows"),
        (
            {"frequency": Frequency.WEEKLY},
            PlanLimits(frequencies=frozenset({Frequency.MONTHLY})),
            "does not offer weekly",
        ),
        (
            {"first_due": AGREED + timedelta(days=60)},
            PlanLimits(max_days_to_first_due=45),
            "at most 45",
        ),
        ({}, PlanLimits(min_down_payment_percent=D("10")), "at least 10% ($60.00)"),
        (
            {"instalments": 12},
            PlanLimits(min_instalment=D("75.00")),
            "below the practice's minimum",
        ),
    ],
)
def test_terms_outside_the_practice_limits_are_refused(changes, limits, fragment):
    problems = plan_terms_problems(terms(**changes), limits)
    assert any(fragment in p for p in problems), problems
    # The same terms are fine where the practice allows them.
    assert (
        plan_terms_problems(
            terms(**changes),
            PlanLimits(max_instalments=100, min_instalment=D("0"), max_days_to_first_due=365),
        )
        == []
    )


def test_terms_within_limits_have_no_problems():
    assert plan_terms_problems(terms()) == []


def pay(*items: tuple[date, str]) -> list[PlanPayment]:
    return [PlanPayment(day, D(amount)) for day, amount in items]


def test_current_when_everything_due_is_paid():
    status = plan_status(terms(), pay((date(2026, 1, 30), "100.00")), date(2026, 2, 5))
    assert status.standing is PlanStanding.CURRENT
    assert status.standing.in_good_standing
    assert status.next_due is not None
    assert status.next_due.due == date(2026, 2, 28)
    assert status.remaining == D("500.00")


def test_late_within_grace_is_still_good_standing():
    status = plan_status(terms(), [], date(2026, 2, 5))
    assert status.standing is PlanStanding.LATE
    assert status.standing.in_good_standing
    assert status.past_due == D("100.00")


def test_one_missed_instalment_is_delinquent_not_default():
    status = plan_status(terms(), [], date(2026, 2, 12))
    assert status.standing is PlanStanding.DELINQUENT
    assert not status.standing.in_good_standing
    assert status.missed_in_a_row == 1
    assert status.defaulted_on is None


def test_two_missed_in_a_row_default_on_the_day_after_the_second_grace():
    status = plan_status(terms(), [], date(2026, 4, 1))
    assert status.standing is PlanStanding.DEFAULTED
    assert status.defaulted_on == date(2026, 3, 11)  # 28 Feb + 10 days grace, then a day


def test_catching_up_resets_the_missed_count():
    payments = pay((date(2026, 2, 20), "200.00"))  # January missed, caught up in February
    assert plan_status(terms(), payments, date(2026, 3, 20)).standing is PlanStanding.CURRENT
    status = plan_status(terms(), payments, date(2026, 4, 5))
    assert status.standing is PlanStanding.LATE  # March unpaid, in its grace period
    assert status.missed_in_a_row == 0


def test_early_payoff():
    status = plan_status(terms(), pay((date(2026, 1, 20), "600.00")), date(2026, 1, 21))
    assert status.standing is PlanStanding.PAID_OFF
    assert status.next_due is None
    assert status.remaining == D("0.00")


def test_payments_after_today_do_not_count():
    status = plan_status(terms(), pay((date(2026, 3, 1), "600.00")), date(2026, 2, 5))
    assert status.standing is PlanStanding.LATE


money = st.decimals(min_value=D("1.00"), max_value=D("99999.99"), places=2)


@given(
    balance=money,
    down_share=st.integers(min_value=0, max_value=90),
    instalments=st.integers(min_value=1, max_value=60),
    frequency=st.sampled_from(list(Frequency)),
    first_due_offset=st.integers(min_value=0, max_value=60),
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)),
)
def test_schedule_always_adds_up_and_runs_forward(
    balance, down_share, instalments, frequency, first_due_offset, start
):
    down = (balance * down_share / 100).quantize(D("0.01"))
    if down >= balance:
        down = D("0.00")
    schedule = plan_schedule(
        PlanTerms(
            balance=balance,
            instalments=instalments,
            frequency=frequency,
            first_due=start + timedelta(days=first_due_offset),
            agreed_on=start,
            down_payment=down,
        )
    )
    assert sum(i.amount for i in schedule) == balance
    assert all(i.amount >= 0 for i in schedule)
    dues = [i.due for i in schedule]
    assert dues == sorted(dues)
    assert len(schedule) == instalments + (1 if down > 0 else 0)


@given(
    paid_days=st.lists(st.integers(min_value=0, max_value=250), max_size=8),
    amounts=st.lists(st.decimals(min_value=D("0.01"), max_value=D("300"), places=2), max_size=8),
    today_offset=st.integers(min_value=0, max_value=300),
)
def test_standing_is_consistent_with_the_money(paid_days, amounts, today_offset):
    plan = terms()
    payments = [
        PlanPayment(AGREED + timedelta(days=d), a) for d, a in zip(paid_days, amounts, strict=False)
    ]
    today = AGREED + timedelta(days=today_offset)
    status = plan_status(plan, payments, today)
    counted = sum((p.amount for p in payments if p.paid_on <= today), D("0"))
    assert status.paid == counted
    assert (status.standing is PlanStanding.PAID_OFF) == (counted >= plan.balance)
    if status.standing is PlanStanding.CURRENT:
        assert status.past_due == 0
    if status.standing is PlanStanding.DEFAULTED:
        assert status.defaulted_on is not None
        assert status.defaulted_on <= today
