"""Patient statements and the reminder cadence: who gets a statement, with what on it.

Pure functions over plain values; the patient-billing app gathers the facts from the
ledger and the account and acts on the answers.

A statement shows only what the patient owes now: a service still waiting on any insurer
is never on it (its patient share is not known yet). An account is skipped, with every
reason, when nothing is due, when the amount due is under the practice's minimum, when
every open service is still with an insurer, while a dispute is open, while a payment
plan is in good standing, once the account is placed with a collection agency, and when
its statement for this cycle was already sent.

Cycles are per client: on a day of the month (the 31st is the last day of shorter months)
or rolling, every N days after the account's last statement.

The reminder cadence is a list of steps counted in days from the first statement of the
current balance (for example: statement on day 0, reminder on day 30, second reminder on
day 60, final notice on day 90), each by letter, email, SMS or a call task. The step due
is the latest one whose day has come that was not done yet; steps skipped by a pause are
not sent late one after the other.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from openrcm.rules.decisions import Decision, Refusal
from openrcm.rules.money import ZERO

__all__ = [
    "DEFAULT_CADENCE",
    "Aging",
    "CadenceStep",
    "CycleKind",
    "ReminderKind",
    "ServiceBalance",
    "StatementAccount",
    "StatementCycle",
    "StatementSkip",
    "aging",
    "may_send_statement",
    "next_statement_on",
    "reminder_step_due",
    "statement_lines",
]


class CycleKind(StrEnum):
    DAY_OF_MONTH = "day_of_month"
    ROLLING = "rolling"


@dataclass(frozen=True, slots=True)
class StatementCycle:
    kind: CycleKind = CycleKind.DAY_OF_MONTH
    day: int = 1  # DAY_OF_MONTH: 1..31
    every_days: int = 30  # ROLLING
    minimum_balance: Decimal = Decimal("5.00")
    due_in_days: int = 21  # the due date printed: statement date + this

    def __post_init__(self) -> None:
        if not 1 <= self.day <= 31:
            raise ValueError(f"a statement day of the month is 1 to 31, not {self.day}")
        if self.every_days < 1:
            raise ValueError(f"a rolling cycle is at least one day, not {self.every_days}")
        if self.minimum_balance < ZERO:
            raise ValueError("the minimum balance for a statement cannot be negative")


@dataclass(frozen=True, slots=True)
class ServiceBalance:
    """One service (claim line or visit) on the patient's account, from the ledger."""

    service_on: date
    charge: Decimal
    insurance_paid: Decimal
    adjustments: Decimal
    patient_due: Decimal  # what the patient owes on it now (negative: a credit)
    insurer_pending: Decimal  # still waiting on any insurer (primary, secondary, ...)


@dataclass(frozen=True, slots=True)
class StatementAccount:
    services: tuple[ServiceBalance, ...]
    last_statement_on: date | None = None
    disputed: bool = False
    plan_in_good_standing: bool = False
    placed_with_agency: bool = False


class StatementSkip(StrEnum):
    NOTHING_DUE = "nothing_due"
    BELOW_MINIMUM = "below_minimum"
    WITH_INSURER = "with_insurer"
    DISPUTED = "disputed"
    ON_PLAN = "on_plan"
    PLACED = "placed"
    ALREADY_SENT = "already_sent"


def _clamped(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _next_month(day: date, cycle_day: int) -> date:
    year, month = (day.year, day.month + 1) if day.month < 12 else (day.year + 1, 1)
    return _clamped(year, month, cycle_day)


def next_statement_on(cycle: StatementCycle, last_statement_on: date | None, today: date) -> date:
    """The first day the account's next statement may go out.

    Day of month: the first cycle day after the last statement. Rolling: the last
    statement plus ``every_days``. Without a last statement: today."""
    if last_statement_on is None:
        return today
    if cycle.kind is CycleKind.ROLLING:
        return last_statement_on + timedelta(days=cycle.every_days)
    candidate = _clamped(last_statement_on.year, last_statement_on.month, cycle.day)
    return candidate if candidate > last_statement_on else _next_month(last_statement_on, cycle.day)


def statement_lines(services: Iterable[ServiceBalance]) -> tuple[ServiceBalance, ...]:
    """The services a statement shows: the patient owes something and no insurer has it,
    oldest first."""
    return tuple(
        sorted(
            (s for s in services if s.patient_due > ZERO and s.insurer_pending == ZERO),
            key=lambda s: s.service_on,
        )
    )


def _skip(code: StatementSkip, message: str) -> Refusal:
    return Refusal(code=code.value, message=message, source="client statement policy")


def may_send_statement(account: StatementAccount, cycle: StatementCycle, today: date) -> Decision:
    """Whether the account gets a statement in the run of ``today``, with every reason not."""
    reasons: list[Refusal] = []
    lines = statement_lines(account.services)
    due = sum((s.patient_due for s in lines), ZERO)
    waiting = [s for s in account.services if s.patient_due > ZERO and s.insurer_pending > ZERO]
    if not lines:
        if waiting:
            reasons.append(
                _skip(
                    StatementSkip.WITH_INSURER,
                    f"every open service ({len(waiting)}) is still with an insurer",
                )
            )
        else:
            reasons.append(_skip(StatementSkip.NOTHING_DUE, "the patient owes nothing"))
    elif due < cycle.minimum_balance:
        reasons.append(
            _skip(
                StatementSkip.BELOW_MINIMUM,
                f"${due} due is under the practice's minimum of ${cycle.minimum_balance}",
            )
        )
    if account.disputed:
        reasons.append(
            _skip(StatementSkip.DISPUTED, "a dispute is open: collection waits for its answer")
        )
    if account.plan_in_good_standing:
        reasons.append(_skip(StatementSkip.ON_PLAN, "a payment plan is in good standing"))
    if account.placed_with_agency:
        reasons.append(
            _skip(StatementSkip.PLACED, "the account is placed with a collection agency")
        )
    next_on = next_statement_on(cycle, account.last_statement_on, today)
    if account.last_statement_on is not None and next_on > today:
        reasons.append(
            _skip(
                StatementSkip.ALREADY_SENT,
                f"a statement went out on {account.last_statement_on.isoformat()}; "
                f"the next one is due on {next_on.isoformat()}",
            )
        )
    return Decision.from_refusals(reasons)


@dataclass(frozen=True, slots=True)
class Aging:
    """What the patient owes, by how long ago the service was (days: 0-30, 31-60, ...)."""

    current: Decimal = ZERO
    days_31_60: Decimal = ZERO
    days_61_90: Decimal = ZERO
    days_91_120: Decimal = ZERO
    over_120: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.current + self.days_31_60 + self.days_61_90 + self.days_91_120 + self.over_120


def aging(services: Iterable[ServiceBalance], as_of: date) -> Aging:
    """The statement's aging of the patient-due services (those ``statement_lines`` shows)."""
    buckets = [ZERO] * 5
    for service in statement_lines(services):
        days = (as_of - service.service_on).days
        index = (
            0 if days <= 30 else 1 if days <= 60 else 2 if days <= 90 else 3 if days <= 120 else 4
        )
        buckets[index] += service.patient_due
    return Aging(*buckets)


class ReminderKind(StrEnum):
    STATEMENT = "statement"  # the statement itself (letter, and portal/email copy)
    LETTER = "letter"
    EMAIL = "email"
    SMS = "sms"
    CALL_TASK = "call_task"  # a task for a collector to call


@dataclass(frozen=True, slots=True)
class CadenceStep:
    name: str
    day: int  # days after the first statement of the balance
    kind: ReminderKind
    final_notice: bool = False


DEFAULT_CADENCE: tuple[CadenceStep, ...] = (
    CadenceStep("statement", 0, ReminderKind.STATEMENT),
    CadenceStep("first reminder", 30, ReminderKind.SMS),
    CadenceStep("second reminder", 60, ReminderKind.LETTER),
    CadenceStep("collector call", 75, ReminderKind.CALL_TASK),
    CadenceStep("final notice", 90, ReminderKind.LETTER, final_notice=True),
)


def reminder_step_due(
    cadence: Sequence[CadenceStep],
    first_statement_on: date | None,
    done: Iterable[str],
    today: date,
) -> CadenceStep | None:
    """The step to take today: the latest step whose day has come, if it was not done.

    Earlier steps that were not done are passed over (a paused account resumes where the
    calendar is, it is not sent every missed reminder at once); a final notice is never
    passed over, because placement waits on it."""
    if first_statement_on is None:
        return None
    taken = set(done)
    days = (today - first_statement_on).days
    come = [step for step in sorted(cadence, key=lambda s: s.day) if step.day <= days]
    if not come:
        return None
    latest = come[-1]
    if latest.name not in taken:
        return latest
    return next((s for s in come if s.final_notice and s.name not in taken), None)
