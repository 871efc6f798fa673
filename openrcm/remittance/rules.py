"""The posting decisions, as pure functions over plain values (no ORM).

Given what an ERA says about one claim's lines and who holds the balance, these decide
which ledger rows to write. The service turns ORM rows into these values and the rows
planned here into ``LedgerEntry`` rows.

How a CAS adjustment posts:

- **PR** (patient responsibility) moves that amount from the paying party to the next
  one: the secondary (or tertiary) payer when the patient has one, else the patient.
  Reason 1 is the deductible, 2 coinsurance, 3 copay; other reasons are "other PR".
- **CO** on a line the payer paid (or left to the patient) is a contractual adjustment;
  **OA**, **PI** (and **CR** from older files) are other adjustments.
- A line the payer **denied** (paid nothing, left nothing to the patient) posts no
  adjustment except the contractual reasons below: its balance stays with the payer, to
  be worked (corrected, appealed or written off) from the denial queue.
- CARC **133** (disposition pending review) posts nothing: the claim is pended and its
  balance stays with the payer.
- On a secondary or tertiary claim, OA-23 (the prior payer's adjudication) posts nothing:
  that money was settled on the primary's rows. Whatever of the payer's balance on a line
  remains after its payment and PR transfers is settled by one adjustment row (the payer
  is done with the line).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
REVERSAL = "22"
DENIED_STATUS = "4"
CROSSOVER_STATUSES = frozenset({"19", "20", "21"})
PENDING_REASONS = frozenset({"133"})
PRIOR_PAYER_REASON = "23"
# CARCs that are the contract's or the law's price, not a denial: posted as contractual
# even on a line paid nothing (e.g. allowed amount entirely applied elsewhere).
CONTRACTUAL_REASONS = frozenset(
    {"45", "253", "24", "42", "44", "59", "94", "104", "131", "144", "172", "223", "237"}
)
PATIENT_KINDS = {"1": "deductible", "2": "coinsurance", "3": "copay"}
PATIENT = "patient"
PARTIES = ("P", "S", "T", PATIENT)


@dataclass(frozen=True, slots=True)
class PlainAdjustment:
    group: str
    reason: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class LinePosting:
    """What the ERA says about one of our lines (split lines summed by the caller)."""

    key: int
    paid: Decimal
    adjustments: tuple[PlainAdjustment, ...]


@dataclass(frozen=True, slots=True)
class PlannedEntry:
    key: int
    party: str
    kind: str
    amount: Decimal
    group: str = ""
    reason: str = ""
    note: str = ""


def patient_kind(reason: str) -> str:
    return PATIENT_KINDS.get(reason, "other_patient")


def line_denied(paid: Decimal, adjustments: Sequence[PlainAdjustment]) -> bool:
    """A line the payer paid nothing on and left nothing to the patient for."""
    if paid != 0:
        return False
    patient = sum((a.amount for a in adjustments if a.group == "PR"), ZERO)
    if patient != 0:
        return False
    return any(a.amount != 0 and a.reason not in CONTRACTUAL_REASONS for a in adjustments)


def is_pended(adjustments: Sequence[PlainAdjustment]) -> bool:
    return any(a.reason in PENDING_REASONS for a in adjustments)


def claim_outcome(
    status: str, paid: Decimal, lines: Sequence[tuple[Decimal, Sequence[PlainAdjustment]]]
) -> str:
    """paid, partially_paid, denied, pended or reversal, from CLP02 and the lines.

    ``lines`` are (paid, adjustments) of every service line, with the claim-level
    adjustments as one more entry (paid 0) when there are any.
    """
    if status == REVERSAL:
        return "reversal"
    every = [a for _, adjustments in lines for a in adjustments]
    if is_pended(every):
        return "pended"
    if status == DENIED_STATUS:
        return "denied"
    patient = sum((a.amount for a in every if a.group == "PR"), ZERO)
    if paid == 0 and patient == 0:
        return "denied"
    if any(line_denied(p, a) for p, a in lines if a):
        return "partially_paid"
    return "paid"


def allocate(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split ``amount`` over lines in proportion to ``weights`` (cents; the rounding
    remainder goes to the last line) — used for claim-level adjustments."""
    if not weights:
        return []
    total = sum(weights, ZERO)
    if total == 0:
        shares = [ZERO] * len(weights)
        shares[-1] = amount
        return shares
    shares = [(amount * w / total).quantize(CENT, rounding=ROUND_HALF_UP) for w in weights]
    shares[-1] += amount - sum(shares, ZERO)
    return shares


def plan_claim_posting(
    *,
    party: str,
    next_party: str,
    lines: Sequence[LinePosting],
    balances: Mapping[tuple[int, str], Decimal] | None = None,
) -> list[PlannedEntry]:
    """The ledger rows for one (non-reversal) claim payment by ``party`` (P, S or T).

    ``next_party`` receives the PR transfers. ``balances`` (needed for S and T) are the
    current outstanding balances by (line key, party) before this posting.
    """
    if party not in PARTIES or party == PATIENT:
        raise ValueError(f"a claim is paid by a payer (P, S or T), not {party!r}")
    if next_party not in PARTIES or next_party == party:
        raise ValueError(f"PR moves to another party, not {next_party!r}")
    primary = party == "P"
    planned: list[PlannedEntry] = []
    for line in lines:
        key = line.key
        start = len(planned)
        if line.paid != 0:
            planned.append(PlannedEntry(key, party, "insurance_payment", -line.paid))
        denied = line_denied(line.paid, line.adjustments)
        if is_pended(line.adjustments):
            continue
        for adj in line.adjustments:
            if adj.amount == 0:
                continue
            if adj.group == "PR":
                kind = patient_kind(adj.reason)
                planned.append(PlannedEntry(key, party, kind, -adj.amount, "PR", adj.reason))
                planned.append(PlannedEntry(key, next_party, kind, adj.amount, "PR", adj.reason))
                continue
            if not primary and adj.reason == PRIOR_PAYER_REASON:
                continue
            contractual = adj.group == "CO" and (not denied or adj.reason in CONTRACTUAL_REASONS)
            if denied and not contractual:
                continue  # stays with the payer: the denial is worked from the queue
            kind = "contractual" if adj.group == "CO" else "other_adjustment"
            planned.append(PlannedEntry(key, party, kind, -adj.amount, adj.group, adj.reason))
        if not primary and not denied:
            before = (balances or {}).get((key, party), ZERO)
            moved = sum((e.amount for e in planned[start:] if e.party == party), ZERO)
            remaining = before + moved
            if remaining > 0:
                kept = [e for e in planned[start:] if e.party == party and e.kind == "contractual"]
                group, reason = (kept[0].group, kept[0].reason) if kept else ("OA", "23")
                planned.append(
                    PlannedEntry(
                        key,
                        party,
                        "contractual" if group == "CO" else "other_adjustment",
                        -remaining,
                        group,
                        reason,
                        "settles what this payer did not pay after the prior payer",
                    )
                )
    return planned


@dataclass(frozen=True, slots=True)
class LineTotals:
    """A line's ledger in the terms of the invariant."""

    charge: Decimal
    payments: Decimal
    adjustments: Decimal
    outstanding: Mapping[str, Decimal]

    @property
    def balanced(self) -> bool:
        return self.charge == self.payments + self.adjustments + sum(
            self.outstanding.values(), ZERO
        )


PAYMENT_KINDS = frozenset({"insurance_payment", "patient_payment", "refund"})
ADJUSTMENT_KINDS = frozenset({"contractual", "other_adjustment", "write_off"})


def line_totals(rows: Sequence[tuple[str, str, Decimal, str]]) -> LineTotals:
    """Totals of one line's rows (party, kind, amount, reversed_kind): the charge, what
    was paid and adjusted (as positive amounts), and each party's outstanding balance."""
    charge = payments = adjustments = ZERO
    outstanding = dict.fromkeys(PARTIES, ZERO)
    for party, kind, amount, reversed_kind in rows:
        outstanding[party] += amount
        effective = reversed_kind if kind == "reversal" else kind
        if effective == "charge":
            charge += amount
        elif effective in PAYMENT_KINDS:
            payments -= amount
        elif effective in ADJUSTMENT_KINDS:
            adjustments -= amount
    return LineTotals(charge, payments, adjustments, outstanding)


# --- line matching -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BilledLine:
    """One of our claim lines, as the 837P sent it."""

    key: int
    code: str
    modifiers: tuple[str, ...]
    charge: Decimal
    line_item_control_number: str


@dataclass(frozen=True, slots=True)
class PaidLine:
    """One SVC of the ERA: what the payer adjudicated, and what it says was billed."""

    code: str
    modifiers: tuple[str, ...]
    billed_code: str | None
    billed_modifiers: tuple[str, ...]
    charge: Decimal
    line_item_control_number: str


def _only(found: list[BilledLine]) -> BilledLine | None:
    return found[0] if len(found) == 1 else None


def match_service_line(
    paid: PaidLine, billed: Sequence[BilledLine], taken: set[int]
) -> tuple[int | None, str]:
    """(our line key, how it matched) or (None, why not).

    The line item control number (REF*6R) decides first. Without it the billed code is
    SVC06 when the payer changed the code, else SVC01; then the modifiers, then the
    charge, break ties; a payer that dropped or changed a modifier still matches on code
    and charge, or on the code alone when one line has it. Lines already matched are
    preferred last, so that two identical lines match one each, while a line the payer
    split into two SVCs matches both to the one billed line.
    """
    lic = paid.line_item_control_number
    if lic:
        for line in billed:
            if line.line_item_control_number == lic:
                return line.key, "line item control number"
    code = paid.billed_code or paid.code
    modifiers = paid.billed_modifiers if paid.billed_code else paid.modifiers
    same_code = [line for line in billed if line.code == code]
    if not same_code:
        return None, f"no billed line has procedure {code}"
    free = [line for line in same_code if line.key not in taken] or same_code
    with_modifiers = [line for line in free if line.modifiers == modifiers]
    exact = _only([line for line in with_modifiers if line.charge == paid.charge])
    if exact is not None:
        return exact.key, "procedure, modifiers and charge"
    found = _only(with_modifiers)
    if found is not None:
        return found.key, "procedure and modifiers"
    found = _only([line for line in free if line.charge == paid.charge])
    if found is not None:
        return found.key, "procedure and charge (modifiers changed)"
    found = _only(same_code)
    if found is not None:
        return found.key, "procedure (split or changed line)"
    if with_modifiers and all(line.charge == with_modifiers[0].charge for line in with_modifiers):
        return with_modifiers[0].key, "procedure and modifiers (identical lines)"
    return None, f"{len(same_code)} billed lines have procedure {code}; none is told apart"
