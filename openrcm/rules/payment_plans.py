"""Payment plans: terms, the schedule they make, and how a plan stands on a given day.

Pure functions over plain values. The patient-billing app keeps the plan, its payments
and its state; these rules say what the schedule is, whether a plan is in good standing
(which pauses statements, reminders and placement), and when it went into default.

A plan is agreed for a balance: an optional down payment due on the agreement date, then
``instalments`` equal payments (the last one takes the rounding) every week, two weeks or
month from ``first_due``. Monthly dates keep the day of the first due date, clamped to the
end of shorter months (31 Jan, 28 Feb, 31 Mar).

Standing is computed, never stored by hand. An instalment is *missed* when, at the end of
its grace period, the payments made so far do not cover everything due through it. The
plan *defaults* when ``default_after_missed`` instalments in a row are missed; a payment
that catches up before that resets the count. A plan is paid off when its payments cover
the whole balance, whatever the schedule says (early payoff).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum

from openrcm.rules.money import CENT, ZERO

__all__ = [
    "Frequency",
    "Instalment",
    "PlanLimits",
    "PlanPayment",
    "PlanStanding",
    "PlanStatus",
    "PlanTerms",
    "plan_schedule",
    "plan_status",
    "plan_terms_problems",
]


class Frequency(StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"


class PlanStanding(StrEnum):
    CURRENT = "current"  # everything due so far is paid
    LATE = "late"  # an instalment is unpaid but still within its grace period
    DELINQUENT = "delinquent"  # instalments missed, not yet enough to default
    DEFAULTED = "defaulted"
    PAID_OFF = "paid_off"

    @property
    def in_good_standing(self) -> bool:
        """Statements, reminders and placement pause while this is true."""
        return self in {PlanStanding.CURRENT, PlanStanding.LATE}


@dataclass(frozen=True, slots=True)
class PlanTerms:
    balance: Decimal
    instalments: int
    frequency: Frequency
    first_due: date
    agreed_on: date
    down_payment: Decimal = ZERO
    grace_days: int = 10
    default_after_missed: int = 2


@dataclass(frozen=True, slots=True)
class PlanLimits:
    """What a client practice allows its billers to offer (client instructions)."""

    max_instalments: int = 12
    min_instalment: Decimal = Decimal("25.00")
    min_down_payment_percent: Decimal = ZERO
    frequencies: frozenset[Frequency] = frozenset(Frequency)
    max_days_to_first_due: int = 45


@dataclass(frozen=True, slots=True)
class Instalment:
    number: int  # 0 is the down payment
    due: date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class PlanPayment:
    paid_on: date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class PlanStatus:
    standing: PlanStanding
    paid: Decimal
    remaining: Decimal
    due_so_far: Decimal  # what the schedule asked for up to today
    past_due: Decimal  # due_so_far - paid, never negative
    missed_in_a_row: int
    next_due: Instalment | None
    defaulted_on: date | None


def _own_problems(terms: PlanTerms) -> list[str]:
    """What is wrong with the terms in themselves, whatever the practice allows."""
    problems: list[str] = []
    if terms.balance <= ZERO:
        problems.append(f"the balance must be more than $0.00 (got ${terms.balance})")
    if terms.balance != terms.balance.quantize(CENT):
        problems.append(f"the balance ${terms.balance} has more than two decimal places")
    if terms.down_payment < ZERO:
        problems.append("the down payment cannot be negative")
    elif terms.down_payment >= terms.balance > ZERO:
        problems.append("the down payment covers the whole balance: take a payment instead")
    if terms.instalments < 1:
        problems.append("a plan needs at least one instalment")
    if terms.first_due < terms.agreed_on:
        problems.append("the first instalment cannot be due before the plan is agreed")
    if terms.grace_days < 0:
        problems.append("the grace period cannot be negative")
    if terms.default_after_missed < 1:
        problems.append("a plan defaults after at least one missed instalment")
    return problems


def plan_terms_problems(terms: PlanTerms, limits: PlanLimits | None = None) -> list[str]:
    """Everything wrong with ``terms`` (empty when they can be offered), in words: the
    terms in themselves, then against what the practice allows."""
    limits = limits or PlanLimits()
    problems = _own_problems(terms)
    if problems:
        return problems
    if terms.instalments > limits.max_instalments:
        problems.append(
            f"{terms.instalments} instalments is more than the practice allows "
            f"({limits.max_instalments})"
        )
    if terms.frequency not in limits.frequencies:
        allowed = ", ".join(sorted(limits.frequencies))
        problems.append(f"the practice does not offer {terms.frequency} plans (only {allowed})")
    days = (terms.first_due - terms.agreed_on).days
    if days > limits.max_days_to_first_due:
        problems.append(
            f"the first instalment is due {days} days after the agreement; the practice "
            f"allows at most {limits.max_days_to_first_due}"
        )
    minimum_down = (terms.balance * limits.min_down_payment_percent / 100).quantize(CENT)
    if terms.down_payment < minimum_down:
        problems.append(
            f"the practice asks for a down payment of at least "
            f"{limits.min_down_payment_percent}% (${minimum_down})"
        )
    regular = _regular_amount(terms)
    if regular < limits.min_instalment:
        problems.append(
            f"instalments of ${regular} are below the practice's minimum of "
            f"${limits.min_instalment}: use fewer instalments"
        )
    return problems


def _regular_amount(terms: PlanTerms) -> Decimal:
    financed = terms.balance - terms.down_payment
    return (financed / terms.instalments).quantize(CENT, rounding=ROUND_DOWN)


def _add_months(start: date, months: int) -> date:
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def _due_date(terms: PlanTerms, index: int) -> date:
    if terms.frequency is Frequency.MONTHLY:
        return _add_months(terms.first_due, index)
    step = 7 if terms.frequency is Frequency.WEEKLY else 14
    return terms.first_due + timedelta(days=step * index)


def plan_schedule(terms: PlanTerms) -> tuple[Instalment, ...]:
    """The instalments the terms make; their amounts add up to the balance exactly.

    Raises ``ValueError`` with every problem when the terms are not valid in themselves
    (practice limits are checked by ``plan_terms_problems``)."""
    own = _own_problems(terms)
    if own:
        raise ValueError("; ".join(own))
    schedule: list[Instalment] = []
    if terms.down_payment > ZERO:
        schedule.append(Instalment(0, terms.agreed_on, terms.down_payment))
    regular = _regular_amount(terms)
    last = terms.balance - terms.down_payment - regular * (terms.instalments - 1)
    for index in range(terms.instalments):
        amount = last if index == terms.instalments - 1 else regular
        schedule.append(Instalment(index + 1, _due_date(terms, index), amount))
    return tuple(schedule)


def plan_status(terms: PlanTerms, payments: Iterable[PlanPayment], today: date) -> PlanStatus:
    """How the plan stands on ``today`` given every payment made to it so far."""
    schedule = plan_schedule(terms)
    made = sorted((p for p in payments if p.paid_on <= today), key=lambda p: p.paid_on)
    paid = sum((p.amount for p in made), ZERO)
    remaining = max(terms.balance - paid, ZERO)
    due_so_far = sum((i.amount for i in schedule if i.due <= today), ZERO)
    past_due = max(due_so_far - paid, ZERO)
    next_due = next((i for i in schedule if paid < _due_through(schedule, i)), None)

    missed = 0
    defaulted_on: date | None = None
    for instalment in schedule:
        grace_end = instalment.due + timedelta(days=terms.grace_days)
        if grace_end >= today:
            break
        if _paid_by(made, grace_end) < _due_through(schedule, instalment):
            missed += 1
            if missed >= terms.default_after_missed:
                defaulted_on = grace_end + timedelta(days=1)
                break
        else:
            missed = 0
    # A catch-up payment after the last grace period checked also resets the count.
    if defaulted_on is None and past_due == ZERO:
        missed = 0

    if paid >= terms.balance:
        standing = PlanStanding.PAID_OFF
        next_due = None
    elif defaulted_on is not None:
        standing = PlanStanding.DEFAULTED
    elif missed:
        standing = PlanStanding.DELINQUENT
    elif past_due > ZERO:
        standing = PlanStanding.LATE
    else:
        standing = PlanStanding.CURRENT
    return PlanStatus(
        standing=standing,
        paid=paid,
        remaining=remaining,
        due_so_far=due_so_far,
        past_due=past_due,
        missed_in_a_row=missed,
        next_due=next_due,
        defaulted_on=defaulted_on,
    )


def _paid_by(payments: list[PlanPayment], day: date) -> Decimal:
    return sum((p.amount for p in payments if p.paid_on <= day), ZERO)


def _due_through(schedule: tuple[Instalment, ...], instalment: Instalment) -> Decimal:
    return sum(
        (i.amount for i in schedule if (i.due, i.number) <= (instalment.due, instalment.number)),
        ZERO,
    )
