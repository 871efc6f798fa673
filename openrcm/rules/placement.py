"""When a patient account may be placed with a collection agency, with every reason not.

Placement is the last step of patient collections and it is the practice's decision: the
billing company follows each client's instructions (whether accounts go to an agency at
all, after how long, above what balance, to which agency, and which accounts never go).
An account is eligible only when every rule holds:

* the client sends accounts to an agency, names the agency, and did not exclude this one;
* it is not already placed;
* the patient owes at least the threshold, counting only what no insurer still has;
* nothing on the account is still waiting on an insurer (a balance with an insurer is
  never the patient's to collect);
* the oldest unpaid service is older than the client's minimum age;
* a final notice went out at least ``final_notice_wait_days`` (30 by default) ago;
* no dispute is open (a dispute pauses collection until it is answered, 12 CFR 1006.38);
* no payment plan is in good standing, and no promise to pay is still running.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from openrcm.rules.decisions import Decision, Refusal
from openrcm.rules.money import ZERO

__all__ = [
    "PlacementFacts",
    "PlacementPolicy",
    "PlacementRule",
    "may_place_account",
]


class PlacementRule(StrEnum):
    CLIENT_DOES_NOT_PLACE = "client_does_not_place"
    NO_AGENCY = "no_agency"
    EXCLUDED_BY_CLIENT = "excluded_by_client"
    ALREADY_PLACED = "already_placed"
    BELOW_THRESHOLD = "below_threshold"
    WITH_INSURER = "with_insurer"
    TOO_RECENT = "too_recent"
    NO_FINAL_NOTICE = "no_final_notice"
    FINAL_NOTICE_TOO_RECENT = "final_notice_too_recent"
    DISPUTED = "disputed"
    ON_PLAN = "on_plan"
    PROMISE_TO_PAY = "promise_to_pay"


@dataclass(frozen=True, slots=True)
class PlacementPolicy:
    """One client's instructions for agency placement."""

    places_accounts: bool = False  # off until the client says so
    agency: str = ""
    minimum_balance: Decimal = Decimal("50.00")
    minimum_age_days: int = 120  # days since the oldest unpaid service
    final_notice_wait_days: int = 30

    def __post_init__(self) -> None:
        if self.minimum_balance < ZERO:
            raise ValueError("the placement threshold cannot be negative")
        if self.minimum_age_days < 0:
            raise ValueError("the minimum age of an account cannot be negative")
        if self.final_notice_wait_days < 30:
            raise ValueError(
                "placement waits at least 30 days after the final notice "
                f"(got {self.final_notice_wait_days})"
            )


@dataclass(frozen=True, slots=True)
class PlacementFacts:
    """What the ledger and the account say on the day placement is considered."""

    patient_due: Decimal  # owed by the patient on services no insurer still has
    insurer_pending: Decimal  # still waiting on any insurer, on any service
    oldest_unpaid_service_on: date | None
    final_notice_sent_on: date | None
    open_dispute: bool = False
    plan_in_good_standing: bool = False
    promise_to_pay_until: date | None = None
    excluded_by_client: str = ""  # the client's reason, when it said "never place"
    placed: bool = False


def _refusal(rule: PlacementRule, message: str, source: str = "client instructions") -> Refusal:
    return Refusal(code=rule.value, message=message, source=source)


def may_place_account(facts: PlacementFacts, policy: PlacementPolicy, today: date) -> Decision:
    """Allowed when the account may be placed today; otherwise every rule that holds it."""
    reasons: list[Refusal] = []
    if not policy.places_accounts:
        reasons.append(
            _refusal(
                PlacementRule.CLIENT_DOES_NOT_PLACE,
                "the practice does not send accounts to a collection agency",
            )
        )
    elif not policy.agency:
        reasons.append(
            _refusal(PlacementRule.NO_AGENCY, "the practice has not named a collection agency")
        )
    if facts.excluded_by_client:
        reasons.append(
            _refusal(
                PlacementRule.EXCLUDED_BY_CLIENT,
                f"the practice asked never to place this account: {facts.excluded_by_client}",
            )
        )
    if facts.placed:
        reasons.append(
            _refusal(PlacementRule.ALREADY_PLACED, "the account is already with an agency")
        )
    if facts.patient_due < policy.minimum_balance:
        reasons.append(
            _refusal(
                PlacementRule.BELOW_THRESHOLD,
                f"${facts.patient_due} owed is under the placement threshold of "
                f"${policy.minimum_balance}",
            )
        )
    if facts.insurer_pending > ZERO:
        reasons.append(
            _refusal(
                PlacementRule.WITH_INSURER,
                f"${facts.insurer_pending} is still waiting on an insurer",
                source="billing rule: a balance with an insurer is never patient-due",
            )
        )
    if facts.oldest_unpaid_service_on is None:
        if facts.patient_due > ZERO:
            raise ValueError("an account that owes something has an oldest unpaid service")
    else:
        age = (today - facts.oldest_unpaid_service_on).days
        if age < policy.minimum_age_days:
            reasons.append(
                _refusal(
                    PlacementRule.TOO_RECENT,
                    f"the oldest unpaid service is {age} days old; the practice waits "
                    f"{policy.minimum_age_days}",
                )
            )
    if facts.final_notice_sent_on is None:
        reasons.append(_refusal(PlacementRule.NO_FINAL_NOTICE, "no final notice has been sent"))
    else:
        waited = (today - facts.final_notice_sent_on).days
        if waited < policy.final_notice_wait_days:
            reasons.append(
                _refusal(
                    PlacementRule.FINAL_NOTICE_TOO_RECENT,
                    f"the final notice went out {waited} days ago; placement waits "
                    f"{policy.final_notice_wait_days}",
                )
            )
    if facts.open_dispute:
        reasons.append(
            _refusal(
                PlacementRule.DISPUTED,
                "a dispute is open: collection pauses until it is answered",
                source="12 CFR 1006.38",
            )
        )
    if facts.plan_in_good_standing:
        reasons.append(_refusal(PlacementRule.ON_PLAN, "a payment plan is in good standing"))
    if facts.promise_to_pay_until is not None and facts.promise_to_pay_until >= today:
        reasons.append(
            _refusal(
                PlacementRule.PROMISE_TO_PAY,
                f"the patient promised to pay by {facts.promise_to_pay_until.isoformat()}",
            )
        )
    return Decision.from_refusals(reasons)
