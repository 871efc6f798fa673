"""Statements: which accounts get one, what is on it, aging, and the reminder cadence."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openrcm.rules.statements import (
    DEFAULT_CADENCE,
    CadenceStep,
    CycleKind,
    ReminderKind,
    ServiceBalance,
    StatementAccount,
    StatementCycle,
    StatementSkip,
    aging,
    may_send_statement,
    next_statement_on,
    reminder_step_due,
    statement_lines,
)

D = Decimal
TODAY = date(2026, 6, 15)
CYCLE = StatementCycle(kind=CycleKind.DAY_OF_MONTH, day=15, minimum_balance=D("5.00"))


def service(on: date, due: str, pending: str = "0.00") -> ServiceBalance:
    return ServiceBalance(
        service_on=on,
        charge=D("200.00"),
        insurance_paid=D("100.00"),
        adjustments=D("50.00"),
        patient_due=D(due),
        insurer_pending=D(pending),
    )


def account(*services: ServiceBalance, **facts: object) -> StatementAccount:
    return StatementAccount(services=tuple(services), **facts)  # type: ignore[arg-type]


OWING = service(date(2026, 5, 1), "50.00")


def test_an_account_that_owes_gets_a_statement():
    assert may_send_statement(account(OWING), CYCLE, TODAY).allowed


@pytest.mark.parametrize(
    ("acct", "code"),
    [
        (account(service(date(2026, 5, 1), "0.00")), StatementSkip.NOTHING_DUE),
        (account(service(date(2026, 5, 1), "-20.00")), StatementSkip.NOTHING_DUE),
        (account(service(date(2026, 5, 1), "4.99")), StatementSkip.BELOW_MINIMUM),
        (account(service(date(2026, 5, 1), "50.00", pending="80.00")), StatementSkip.WITH_INSURER),
        (account(OWING, disputed=True), StatementSkip.DISPUTED),
        (account(OWING, plan_in_good_standing=True), StatementSkip.ON_PLAN),
        (account(OWING, placed_with_agency=True), StatementSkip.PLACED),
        (account(OWING, last_statement_on=date(2026, 6, 15)), StatementSkip.ALREADY_SENT),
    ],
)
def test_each_skip_reason(acct, code):
    decision = may_send_statement(acct, CYCLE, TODAY)
    assert not decision.allowed
    assert code.value in decision.codes


def test_every_reason_is_given_at_once():
    decision = may_send_statement(
        account(service(date(2026, 5, 1), "1.00"), disputed=True, placed_with_agency=True),
        CYCLE,
        TODAY,
    )
    assert decision.codes == {"below_minimum", "disputed", "placed"}


def test_a_service_with_an_insurer_stays_off_the_statement():
    waiting = service(date(2026, 6, 1), "30.00", pending="120.00")
    lines = statement_lines([waiting, OWING])
    assert lines == (OWING,)
    assert may_send_statement(account(waiting, OWING), CYCLE, TODAY).allowed


def test_day_of_month_cycle_clamps_and_waits_for_the_next_cycle_day():
    end_of_month = StatementCycle(day=31)
    assert next_statement_on(end_of_month, date(2026, 1, 31), TODAY) == date(2026, 2, 28)
    assert next_statement_on(end_of_month, date(2026, 2, 10), TODAY) == date(2026, 2, 28)
    assert next_statement_on(CYCLE, date(2026, 12, 20), TODAY) == date(2027, 1, 15)
    assert next_statement_on(CYCLE, None, TODAY) == TODAY
    sent_last_cycle = account(OWING, last_statement_on=date(2026, 5, 15))
    assert may_send_statement(sent_last_cycle, CYCLE, TODAY).allowed
    early = may_send_statement(sent_last_cycle, CYCLE, date(2026, 6, 14))
    assert early.codes == {"already_sent"}
    assert "2026-06-15" in early.explain()


def test_rolling_cycle():
    rolling = StatementCycle(kind=CycleKind.ROLLING, every_days=30)
    acct = account(OWING, last_statement_on=date(2026, 5, 20))
    assert not may_send_statement(acct, rolling, date(2026, 6, 18)).allowed
    assert may_send_statement(acct, rolling, date(2026, 6, 19)).allowed


@pytest.mark.parametrize(
    "bad", [{"day": 0}, {"day": 32}, {"every_days": 0}, {"minimum_balance": D("-1")}]
)
def test_cycle_settings_are_checked(bad):
    with pytest.raises(ValueError, match=r"\w"):
        StatementCycle(**bad)


def test_aging_buckets_by_days_since_service():
    services = [
        service(date(2026, 6, 1), "10.00"),  # 14 days
        service(date(2026, 5, 10), "20.00"),  # 36
        service(date(2026, 4, 10), "30.00"),  # 66
        service(date(2026, 3, 1), "40.00"),  # 106
        service(date(2025, 12, 1), "50.00"),  # 196
        service(date(2025, 12, 1), "60.00", pending="1.00"),  # with an insurer: not aged
    ]
    result = aging(services, TODAY)
    assert (result.current, result.days_31_60, result.days_61_90) == (D("10"), D("20"), D("30"))
    assert (result.days_91_120, result.over_120) == (D("40"), D("50"))
    assert result.total == D("150.00")


@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=400),
            st.decimals(min_value=D("-50"), max_value=D("500"), places=2),
            st.sampled_from([D("0.00"), D("25.00")]),
        ),
        max_size=12,
    )
)
def test_aging_total_is_what_the_statement_shows(rows):
    services = [
        service(date.fromordinal(TODAY.toordinal() - days), str(due), str(pending))
        for days, due, pending in rows
    ]
    assert aging(services, TODAY).total == sum(s.patient_due for s in statement_lines(services))


def _step(*args: object) -> CadenceStep:
    step = reminder_step_due(*args)  # type: ignore[arg-type]
    assert step is not None
    return step


def test_cadence_takes_the_latest_step_and_never_skips_the_final_notice():
    first = date(2026, 1, 1)
    assert reminder_step_due(DEFAULT_CADENCE, None, [], TODAY) is None
    assert _step(DEFAULT_CADENCE, first, [], first).name == "statement"
    assert reminder_step_due(DEFAULT_CADENCE, first, ["statement"], date(2026, 1, 20)) is None
    assert _step(DEFAULT_CADENCE, first, ["statement"], date(2026, 2, 5)).name == "first reminder"
    # Paused for months: the latest step is taken, not every missed one.
    late = _step(DEFAULT_CADENCE, first, ["statement"], date(2026, 4, 15))
    assert late.name == "final notice"
    assert late.final_notice
    done = ["statement", "first reminder", "second reminder", "collector call", "final notice"]
    assert reminder_step_due(DEFAULT_CADENCE, first, done, date(2026, 6, 1)) is None
    # The final notice is not passed over even when a later step has come.
    extended = (*DEFAULT_CADENCE, CadenceStep("agency review", 120, ReminderKind.CALL_TASK))
    assert _step(extended, first, ["statement", "agency review"], date(2026, 6, 1)).final_notice
