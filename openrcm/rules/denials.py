"""Denials and underpayments, as pure decisions over plain values (no Django, no ORM).

What this module decides, each with its reason:

- whether a remittance adjustment (CAS group + CARC) is a **denial** or an ordinary
  adjustment (the contract's price such as CO-45, the patient's cost share PR-1/2/3, the
  prior payer's effect OA-23, a pended claim's CARC 133);
- which **denial category** a CARC falls in and what to do next (correct and resubmit as
  frequency 7, appeal, write off, transfer to the patient, call the payer): a table below,
  in openrcm's own words. The category comes from the CARC guidance table the caller
  passes (``openrcm.codesets.guidance.CARC_GUIDANCE``, our own CARC explanations: the
  code sets sit above the rules, so they are handed in rather than imported) where it
  knows the code; this module adds the next action and the codes guidance does not cover;
- whether the **patient may be billed** (group PR only, and not for a CARC whose cause is
  the practice's);
- the **appeal deadline** from the payer's appeal window counted from the ERA date;
- whether a paid line is **underpaid** against the contracted rate, with a tolerance.

Nothing here is X12's official CARC text: the words are ours.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Protocol

from openrcm.rules.money import ZERO, to_money


class CarcGuidance(Protocol):
    """One CARC's entry in a guidance table (``openrcm.codesets.guidance.ReasonGuidance``)."""

    @property
    def category(self) -> str: ...

    @property
    def next_action(self) -> str: ...

    def patient_may_be_billed(self, group: str) -> bool: ...


Guidance = Mapping[str, CarcGuidance]
NO_GUIDANCE: Guidance = MappingProxyType({})


class DenialCategory(StrEnum):
    """The buckets of the denial work queue and of the analytics."""

    ELIGIBILITY = "eligibility"  # coverage, member, wrong payer, other insurance first
    AUTHORIZATION = "authorization"  # prior approval, referral
    CODING = "coding"  # procedure, diagnosis, modifier, place of service
    BUNDLING = "bundling"  # paid as part of another service
    MEDICAL_NECESSITY = "medical necessity"  # the payer doubts the service was needed
    TIMELY_FILING = "timely filing"  # the claim arrived after the payer's deadline
    DUPLICATE = "duplicate"  # the payer already has it
    MISSING_INFORMATION = "missing information"  # incomplete claim, records asked for
    NON_COVERED = "non-covered"  # outside the plan's benefits
    OTHER = "other"  # anything else (credentialing, unknown codes)


class NextAction(StrEnum):
    """What a biller should usually do next about a denial."""

    CORRECT_AND_RESUBMIT = "correct_and_resubmit"  # a replacement claim (frequency 7)
    APPEAL = "appeal"  # ask the payer to reconsider, with a letter and records
    WRITE_OFF = "write_off"  # the practice absorbs it (with a reason; big ones approved)
    TRANSFER_TO_PATIENT = "transfer_to_patient"  # bill the patient: group PR only
    CALL_PAYER = "call_payer"  # find out more before deciding


NEXT_ACTION_LABELS: Mapping[str, str] = MappingProxyType(
    {
        NextAction.CORRECT_AND_RESUBMIT: "Correct and resubmit (frequency 7)",
        NextAction.APPEAL: "Appeal",
        NextAction.WRITE_OFF: "Write off",
        NextAction.TRANSFER_TO_PATIENT: "Transfer to patient",
        NextAction.CALL_PAYER: "Call the payer",
    }
)

# guidance's categories (which also name non-denial kinds) -> the queue's categories.
FROM_GUIDANCE: Mapping[str, DenialCategory] = MappingProxyType(
    {
        **{c.value: c for c in DenialCategory if c != DenialCategory.OTHER},
        # "bill the other plan first" is a coverage question for the queue
        "coordination of benefits": DenialCategory.ELIGIBILITY,
        "credentialing": DenialCategory.OTHER,
        "contractual": DenialCategory.OTHER,
        "patient responsibility": DenialCategory.OTHER,
    }
)


@dataclass(frozen=True, slots=True)
class CarcRule:
    """The queue's advice for one CARC: the next action, and the category when
    ``openrcm.codesets.guidance`` does not already give one."""

    action: NextAction
    category: DenialCategory | None = None  # None: from guidance
    why: str = ""  # our own words, shown beside the recommendation


A = NextAction
K = DenialCategory

# CARC -> the next action (and, for codes guidance does not know, the category).
CARC_RULES: Mapping[str, CarcRule] = MappingProxyType(
    {
        "4": CarcRule(A.CORRECT_AND_RESUBMIT, why="fix the modifier on the line"),
        "5": CarcRule(A.CORRECT_AND_RESUBMIT, why="fix the place of service"),
        "6": CarcRule(A.CORRECT_AND_RESUBMIT, why="check age on file and the code"),
        "7": CarcRule(A.CORRECT_AND_RESUBMIT, why="check sex on file and the code"),
        "8": CarcRule(A.CORRECT_AND_RESUBMIT, K.CODING, "code does not fit the specialty"),
        "9": CarcRule(A.CORRECT_AND_RESUBMIT, K.CODING, "diagnosis does not fit the age"),
        "10": CarcRule(A.CORRECT_AND_RESUBMIT, K.CODING, "diagnosis does not fit the sex"),
        "11": CarcRule(A.CORRECT_AND_RESUBMIT, why="review the diagnosis pointers and codes"),
        "15": CarcRule(A.CORRECT_AND_RESUBMIT, why="add the approval number"),
        "16": CarcRule(A.CORRECT_AND_RESUBMIT, why="the remark codes say what is missing"),
        "18": CarcRule(A.CALL_PAYER, why="do not resubmit; check the first claim's status"),
        "22": CarcRule(A.CALL_PAYER, why="confirm which plan pays first"),
        "26": CarcRule(A.CALL_PAYER, why="confirm the coverage dates"),
        "27": CarcRule(A.CALL_PAYER, why="confirm the coverage dates; ask for new insurance"),
        "29": CarcRule(A.WRITE_OFF, why="appeal only with proof it was sent in time"),
        "31": CarcRule(A.CORRECT_AND_RESUBMIT, why="fix the member id, name or birth date"),
        "35": CarcRule(A.WRITE_OFF, why="a benefit limit; the patient owes it only under PR"),
        "39": CarcRule(A.APPEAL, K.AUTHORIZATION, "approval was refused; appeal with notes"),
        "40": CarcRule(A.APPEAL, K.MEDICAL_NECESSITY, "urgency doubted; appeal with notes"),
        "49": CarcRule(A.WRITE_OFF, why="routine service not covered"),
        "50": CarcRule(A.APPEAL, why="send the clinical notes"),
        "51": CarcRule(A.WRITE_OFF, K.NON_COVERED, "a pre-existing condition exclusion"),
        "55": CarcRule(A.APPEAL, K.MEDICAL_NECESSITY, "the payer calls the service experimental"),
        "56": CarcRule(A.APPEAL, K.MEDICAL_NECESSITY, "the payer doubts the treatment works"),
        "58": CarcRule(A.CORRECT_AND_RESUBMIT, K.CODING, "the place of service looks wrong"),
        "96": CarcRule(A.APPEAL, why="read the remark code; appeal if covered"),
        "97": CarcRule(A.APPEAL, why="appeal or correct with a modifier only when distinct"),
        "107": CarcRule(A.CALL_PAYER, K.BUNDLING, "a related service was not paid"),
        "109": CarcRule(A.CALL_PAYER, why="find the right payer and bill it"),
        "119": CarcRule(A.WRITE_OFF, why="benefit maximum reached"),
        "129": CarcRule(A.CALL_PAYER, K.MISSING_INFORMATION, "an earlier step is missing"),
        "140": CarcRule(A.CORRECT_AND_RESUBMIT, K.ELIGIBILITY, "name and member id do not match"),
        "146": CarcRule(A.CORRECT_AND_RESUBMIT, why="use a diagnosis valid on the date"),
        "151": CarcRule(A.APPEAL, why="send records that support the units"),
        "167": CarcRule(A.APPEAL, why="recode if wrong, else appeal"),
        "170": CarcRule(A.CALL_PAYER, K.OTHER, "the provider type may not bill this"),
        "177": CarcRule(A.CALL_PAYER, K.ELIGIBILITY, "the payer says the patient was not eligible"),
        "181": CarcRule(A.CORRECT_AND_RESUBMIT, why="use a code valid on the date"),
        "182": CarcRule(A.CORRECT_AND_RESUBMIT, why="use a modifier valid on the date"),
        "183": CarcRule(A.CORRECT_AND_RESUBMIT, K.AUTHORIZATION, "referring provider not eligible"),
        "185": CarcRule(A.CALL_PAYER, why="check the rendering provider's enrollment"),
        "197": CarcRule(A.APPEAL, why="ask for a retroactive approval"),
        "198": CarcRule(A.APPEAL, K.AUTHORIZATION, "more was done than was approved"),
        "200": CarcRule(A.CALL_PAYER, K.ELIGIBILITY, "coverage lapsed on the date"),
        "204": CarcRule(A.WRITE_OFF, why="not in the plan; the patient owes it only under PR"),
        "206": CarcRule(A.CORRECT_AND_RESUBMIT, K.MISSING_INFORMATION, "an NPI is missing"),
        "226": CarcRule(A.APPEAL, K.MISSING_INFORMATION, "send the records the payer asked for"),
        "227": CarcRule(A.CALL_PAYER, why="the patient must answer the payer"),
        "231": CarcRule(A.CORRECT_AND_RESUBMIT, K.BUNDLING, "two procedures exclude each other"),
        "234": CarcRule(A.WRITE_OFF, why="never paid on its own"),
        "236": CarcRule(A.APPEAL, why="bypass modifier only with documentation"),
        "242": CarcRule(A.APPEAL, why="appeal if the provider is in network"),
        "252": CarcRule(A.APPEAL, why="send the attachment the remark code names"),
        "273": CarcRule(A.WRITE_OFF, K.NON_COVERED, "a coverage or benefit limit"),
        "288": CarcRule(A.CORRECT_AND_RESUBMIT, why="add the referral"),
        "A1": CarcRule(A.CALL_PAYER, K.OTHER, "a general denial; the remark codes say why"),
        "B7": CarcRule(A.CALL_PAYER, why="check the enrollment dates"),
        "B9": CarcRule(A.WRITE_OFF, K.NON_COVERED, "the patient is in hospice"),
        "B13": CarcRule(A.CALL_PAYER, K.DUPLICATE, "paid before on another claim"),
        "B15": CarcRule(A.CORRECT_AND_RESUBMIT, why="bill the qualifying service too"),
    }
)  # fmt: skip

# CARCs that are the contract's or the law's price: an ordinary adjustment, never a
# denial, even on a line paid nothing (guidance's "contractual" codes and a few more).
CONTRACTUAL_CARCS: frozenset[str] = frozenset(
    {"24", "45", "253", "42", "44", "59", "94", "104", "131", "144", "172", "223", "237"}
)
PATIENT_SHARE_CARCS = frozenset({"1", "2", "3", "66"})  # deductible, coinsurance, copay, blood
PRIOR_PAYER_CARC = "23"
PENDED_CARCS = frozenset({"133"})
DENIAL_GROUPS = frozenset({"CO", "PI", "OA", "CR", "PR"})


def _norm(code: str) -> str:
    return code.strip().upper()


class AdjustmentKind(StrEnum):
    CONTRACTUAL = "contractual"  # the agreed price (CO-45, sequestration...)
    PATIENT_SHARE = "patient_share"  # deductible, coinsurance, copay
    PRIOR_PAYER = "prior_payer"  # OA-23 on a secondary claim
    PENDED = "pended"  # the payer is still looking (133)
    DENIAL = "denial"  # money the payer refused: worked from the queue


def adjustment_kind(group: str, carc: str) -> AdjustmentKind:
    """Is this CAS adjustment a denial, or an ordinary part of the payment?"""
    group, carc = _norm(group), _norm(carc)
    if carc in PENDED_CARCS:
        return AdjustmentKind.PENDED
    if carc == PRIOR_PAYER_CARC and group in {"OA", "CO"}:
        return AdjustmentKind.PRIOR_PAYER
    if group == "PR" and carc in PATIENT_SHARE_CARCS:
        return AdjustmentKind.PATIENT_SHARE
    if group != "PR" and carc in CONTRACTUAL_CARCS:
        return AdjustmentKind.CONTRACTUAL
    return AdjustmentKind.DENIAL


def denial_category(carc: str, guidance: Guidance = NO_GUIDANCE) -> DenialCategory:
    """The queue's category for a CARC: our table, then guidance, else ``other``."""
    carc = _norm(carc)
    rule = CARC_RULES.get(carc)
    if rule is not None and rule.category is not None:
        return rule.category
    found = guidance.get(carc)
    if found is not None:
        return FROM_GUIDANCE.get(str(found.category), DenialCategory.OTHER)
    return DenialCategory.OTHER


def patient_may_be_billed(group: str, carc: str, guidance: Guidance = NO_GUIDANCE) -> bool:
    """Only group PR lets the practice bill the patient (CO, OA, PI never do), and not
    for a CARC whose cause is the practice's (guidance decides those)."""
    if _norm(group) != "PR":
        return False
    found = guidance.get(_norm(carc))
    return found is None or found.patient_may_be_billed("PR")


@dataclass(frozen=True, slots=True)
class Recommendation:
    category: DenialCategory
    action: NextAction
    patient_billable: bool
    reason: str  # why, in our words

    @property
    def action_label(self) -> str:
        return NEXT_ACTION_LABELS[self.action]


def recommend(group: str, carc: str, guidance: Guidance = NO_GUIDANCE) -> Recommendation:
    """Category, next action and whether the patient may be billed, for one denial code.

    Under PR a non-covered or eligibility denial moves to the patient (the payer has
    said the patient owes it); a medical-necessity PR denial is still appealed first.
    An unknown CARC: call the payer.
    """
    group, carc = _norm(group), _norm(carc)
    category = denial_category(carc, guidance)
    billable = patient_may_be_billed(group, carc, guidance)
    rule = CARC_RULES.get(carc)
    action = rule.action if rule is not None else NextAction.CALL_PAYER
    why = rule.why if rule is not None and rule.why else ""
    to_patient = {DenialCategory.NON_COVERED, DenialCategory.ELIGIBILITY}
    if billable and (category in to_patient or rule is None):
        action, why = NextAction.TRANSFER_TO_PATIENT, "the payer put it on the patient (PR)"
    if not why:
        found = guidance.get(carc)
        why = found.next_action if found is not None else "an unfamiliar code: ask the payer"
    return Recommendation(category, action, billable, why)


def action_allowed(
    action: NextAction | str, group: str, carc: str, guidance: Guidance = NO_GUIDANCE
) -> str | None:
    """Why ``action`` may not be taken for this code, or None. Only transfer to the
    patient is limited by the codes (group PR)."""
    if NextAction(action) == NextAction.TRANSFER_TO_PATIENT and not patient_may_be_billed(
        group, carc, guidance
    ):
        return (
            f"{_norm(group)}-{_norm(carc)} does not let the practice bill the patient: only "
            "patient-responsibility (PR) adjustments may move to the patient"
        )
    return None


def appeal_deadline(era_date: datetime.date, appeal_days: int) -> datetime.date:
    """The last day to file a first-level appeal: the ERA date plus the payer's window."""
    if isinstance(appeal_days, bool) or not isinstance(appeal_days, int) or appeal_days <= 0:
        raise ValueError(
            f"the payer's appeal window must be a positive number of days, not {appeal_days!r}"
        )
    return era_date + datetime.timedelta(days=appeal_days)


def days_left(deadline: datetime.date, today: datetime.date) -> int:
    """Days until the deadline (0 on the day, negative once missed)."""
    return (deadline - today).days


# --- denial vs adjustment, per line and per claim ---------------------------------------


@dataclass(frozen=True, slots=True)
class Adjustment:
    """One CAS triplet as plain values; ``line`` is our line number (None: claim level)."""

    group: str
    carc: str
    amount: Decimal
    line: int | None = None


@dataclass(frozen=True, slots=True)
class LineAdjudication:
    """What the ERA says about one line: paid, allowed (AMT*B6 when sent), adjustments."""

    line: int | None  # None: the claim-level adjustments
    paid: Decimal
    adjustments: tuple[Adjustment, ...]
    allowed: Decimal | None = None


@dataclass(frozen=True, slots=True)
class DenialFinding:
    """One line (or the claim level) the payer refused money on."""

    line: int | None
    group: str  # of the main code (the largest amount)
    carc: str
    carcs: tuple[str, ...]  # every denial code on the line, "GROUP-CARC"
    amount: Decimal  # the money refused on the line
    fully_denied: bool  # nothing paid and nothing left to the patient
    recommendation: Recommendation


def line_denial(
    adjudication: LineAdjudication, guidance: Guidance = NO_GUIDANCE
) -> DenialFinding | None:
    """The denial on one line, or None when every adjustment is an ordinary one.

    A line is **denied** when the payer paid nothing and left nothing to the patient's cost
    share while a denial code reduced it (e.g. CO-16 for the whole charge); **partly
    denied** when it paid something but a denial code took part of it (e.g. CO-151 on some
    units). CO-45 (and the other contractual codes), PR-1/2/3, OA-23 and a pended 133 are
    never denials.
    """
    kinds = [(a, adjustment_kind(a.group, a.carc)) for a in adjudication.adjustments]
    if any(k == AdjustmentKind.PENDED for _, k in kinds):
        return None
    denied = [a for a, k in kinds if k == AdjustmentKind.DENIAL and a.amount > 0]
    if not denied:
        return None
    amount = to_money(sum((a.amount for a in denied), ZERO))
    share = sum((a.amount for a, k in kinds if k == AdjustmentKind.PATIENT_SHARE), ZERO)
    main = max(denied, key=lambda a: a.amount)
    codes = tuple(dict.fromkeys(f"{_norm(a.group)}-{_norm(a.carc)}" for a in denied))
    return DenialFinding(
        line=adjudication.line,
        group=_norm(main.group),
        carc=_norm(main.carc),
        carcs=codes,
        amount=amount,
        fully_denied=adjudication.paid == 0 and share == 0,
        recommendation=recommend(main.group, main.carc, guidance),
    )


def claim_denials(
    lines: Iterable[LineAdjudication], guidance: Guidance = NO_GUIDANCE
) -> list[DenialFinding]:
    """Every denied or partly denied line of a claim (claim-level adjustments as one
    more entry with ``line`` None), in the order given."""
    found = [line_denial(line, guidance) for line in lines]
    return [f for f in found if f is not None]


def group_by_line(
    adjustments: Sequence[Adjustment],
    paid: Mapping[int, Decimal],
    allowed: Mapping[int, Decimal | None] | None = None,
) -> list[LineAdjudication]:
    """Plain adjustments with their line numbers -> one ``LineAdjudication`` per line
    (every line of ``paid``, then the claim level when it has adjustments)."""
    by_line: dict[int | None, list[Adjustment]] = {}
    for a in adjustments:
        by_line.setdefault(a.line, []).append(a)
    result = [
        LineAdjudication(
            line, to_money(amount), tuple(by_line.get(line, ())), (allowed or {}).get(line)
        )
        for line, amount in paid.items()
    ]
    unknown = [k for k in by_line if k is not None and k not in paid]
    if unknown:
        raise ValueError(f"adjustments name lines {sorted(unknown)} that have no paid amount")
    if None in by_line:
        result.append(LineAdjudication(None, ZERO, tuple(by_line[None])))
    return result


# --- underpayments -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tolerance:
    """How far below the contracted rate an allowed amount may be before it is worked:
    the larger of ``absolute`` dollars and ``percent`` of the expected amount."""

    absolute: Decimal = Decimal("1.00")
    percent: Decimal = Decimal("2")

    def __post_init__(self) -> None:
        if self.absolute < 0 or self.percent < 0:
            raise ValueError("an underpayment tolerance cannot be negative")

    def allowed_gap(self, expected: Decimal) -> Decimal:
        return max(to_money(self.absolute), to_money(expected * self.percent / 100))


@dataclass(frozen=True, slots=True)
class Underpayment:
    expected: Decimal
    allowed: Decimal
    shortfall: Decimal
    tolerance: Decimal  # the gap that was tolerated
    reason: str


def expected_amount(rate: Decimal, units: Decimal = Decimal(1)) -> Decimal:
    """The contracted amount of a line: the fee schedule's rate per unit times units."""
    if rate < 0:
        raise ValueError(f"a contracted rate cannot be negative ({rate})")
    if units <= 0:
        raise ValueError(f"a line has a positive number of units, not {units}")
    return to_money(rate * units)


def underpayment(
    *, allowed: Decimal, expected: Decimal, tolerance: Tolerance = Tolerance()
) -> Underpayment | None:
    """An underpayment when the payer allowed less than the contract by more than the
    tolerance; None when it allowed the contract (or more) or fell short by at most the
    tolerance. Denied lines (allowed 0 because of a denial) belong to the denial queue,
    not here: call this for paid lines only."""
    allowed, expected = to_money(allowed), to_money(expected)
    shortfall = expected - allowed
    gap = tolerance.allowed_gap(expected)
    if shortfall <= 0 or shortfall <= gap:
        return None
    return Underpayment(
        expected,
        allowed,
        shortfall,
        gap,
        f"allowed {allowed} is {shortfall} below the contracted {expected} (tolerance {gap})",
    )


def allowed_of_line(
    *, allowed: Decimal | None, paid: Decimal, adjustments: Sequence[Adjustment]
) -> Decimal:
    """The allowed amount of a paid line: AMT*B6 when the payer sent it, else what was
    paid plus the patient's cost share (what the contract let the payer and patient owe)."""
    if allowed is not None:
        return to_money(allowed)
    share = sum(
        (
            a.amount
            for a in adjustments
            if adjustment_kind(a.group, a.carc) == AdjustmentKind.PATIENT_SHARE
        ),
        ZERO,
    )
    return to_money(paid + share)
