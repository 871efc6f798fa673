"""Reads of remittances and the ledger. Every balance is a sum of ledger rows.

Reads for a signed-in user start from ``for_user`` (client scoping); the balance
functions take already-scoped ids or rows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from openrcm.claims.models import Claim, ClaimLine
from openrcm.remittance import rules
from openrcm.remittance.models import (
    INSURERS,
    EraClaim,
    EraClaimOutcome,
    EraFile,
    EraPayment,
    LedgerEntry,
    Party,
    PostingException,
)
from openrcm.x12.write import Adjustment, LineAdjudication, OtherPayer, Payer, PersonName

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def _cents(value: Decimal | None) -> Decimal:
    """A database sum in cents (SQLite sums decimals through floats)."""
    return ZERO if value is None else Decimal(value).quantize(CENT)


def era_payment_list(*, user: Any) -> QuerySet[EraPayment]:
    return (
        EraPayment.objects.for_user(user)
        .select_related("era_file__exchanged_file", "payer", "client")
        .order_by("-posted_at", "-pk")
    )


def era_file_list(*, user: Any) -> QuerySet[EraFile]:
    return EraFile.objects.for_user(user).select_related("exchanged_file")


def era_payment_detail(*, user: Any) -> QuerySet[EraPayment]:
    """Payments with what an EOB shows (claims, lines, adjustments, PLBs)."""
    return era_payment_list(user=user).prefetch_related(
        "provider_adjustments",
        "claims__lines__adjustments",
        "claims__adjustments",
        "claims__claim",
        "claims__posting_exception",
    )


def posting_exception_list(*, user: Any, open_only: bool = True) -> QuerySet[PostingException]:
    query = PostingException.objects.for_user(user).select_related("payment", "era_claim")
    if open_only:
        query = query.filter(resolved_at__isnull=True)
    return query.order_by("-created_at", "-pk")


def ledger_for_claim(*, user: Any, claim: Claim) -> QuerySet[LedgerEntry]:
    """The rows of the claim's encounter lines (all payers and the patient)."""
    return (
        LedgerEntry.objects.for_user(user)
        .filter(charge_line__encounter_id=claim.encounter_id)
        .select_related("charge_line", "claim")
        .order_by("charge_line__line_number", "pk")
    )


def ledger_for_patient(*, user: Any, patient_id: int) -> QuerySet[LedgerEntry]:
    return (
        LedgerEntry.objects.for_user(user)
        .filter(patient_id=patient_id)
        .select_related("charge_line__encounter", "claim")
        .order_by("charge_line__encounter__date_of_service", "charge_line_id", "pk")
    )


@dataclass
class LineBalance:
    charge_line_id: int
    charge: Decimal = ZERO
    payments: Decimal = ZERO
    adjustments: Decimal = ZERO
    by_party: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(rules.PARTIES, ZERO))

    @property
    def outstanding(self) -> Decimal:
        return sum(self.by_party.values(), ZERO)

    @property
    def insurer_balance(self) -> Decimal:
        return sum((self.by_party[p] for p in INSURERS), ZERO)

    @property
    def waiting_on_insurer(self) -> bool:
        return self.insurer_balance > 0

    @property
    def balanced(self) -> bool:
        return self.charge == self.payments + self.adjustments + self.outstanding


def line_balances(rows: QuerySet[LedgerEntry]) -> dict[int, LineBalance]:
    """Per charge line: charge, payments, adjustments and each party's balance (sums)."""
    found: dict[int, LineBalance] = {}
    grouped = (
        rows.order_by()
        .values("charge_line_id", "party", "kind", "reversed_kind")
        .annotate(total=Sum("amount"))
    )
    per_line: dict[int, list[tuple[str, str, Decimal, str]]] = defaultdict(list)
    for row in grouped:
        per_line[row["charge_line_id"]].append(
            (row["party"], row["kind"], _cents(row["total"]), row["reversed_kind"])
        )
    for key, items in per_line.items():
        totals = rules.line_totals(items)
        found[key] = LineBalance(
            key, totals.charge, totals.payments, totals.adjustments, dict(totals.outstanding)
        )
    return found


def party_balances(rows: QuerySet[LedgerEntry]) -> dict[str, Decimal]:
    """Outstanding balance by responsible party over ``rows``."""
    totals = dict.fromkeys(rules.PARTIES, ZERO)
    for row in rows.order_by().values("party").annotate(total=Sum("amount")):
        totals[row["party"]] = _cents(row["total"])
    return totals


def patient_due_balance(*, patient_id: int, rows: QuerySet[LedgerEntry] | None = None) -> Decimal:
    """What the patient owes now: the patient's balance on every line that no insurer
    still holds a balance on. A line waiting on any payer is never patient-due."""
    query = rows if rows is not None else LedgerEntry.objects.filter(patient_id=patient_id)
    per_line = (
        query.filter(patient_id=patient_id)
        .order_by()
        .values("charge_line_id")
        .annotate(
            insurer=Sum("amount", filter=Q(party__in=INSURERS), default=ZERO),
            patient=Sum("amount", filter=Q(party=Party.PATIENT), default=ZERO),
        )
    )
    return sum((_cents(r["patient"]) for r in per_line if _cents(r["insurer"]) <= 0), ZERO)


def patient_balances(*, patient_id: int) -> dict[str, Decimal]:
    """Insurers' and patient's balances, and what of the patient's is due now."""
    rows = LedgerEntry.objects.filter(patient_id=patient_id)
    totals = party_balances(rows)
    totals["patient_due"] = patient_due_balance(patient_id=patient_id, rows=rows)
    return totals


def remittance_counts() -> dict[str, int]:
    """Counts for the demo's summary line (every client)."""
    outcomes = dict(EraClaim.objects.values_list("outcome").annotate(n=Count("pk")).order_by())
    return {
        "payments": EraPayment.objects.count(),
        "claims": sum(outcomes.values()),
        **{str(o): int(outcomes.get(o, 0)) for o in EraClaimOutcome.values},
        "exceptions": PostingException.objects.filter(resolved_at__isnull=True).count(),
        "secondary_claims": Claim.objects.filter(coverage_level="S").count(),
    }


# --- the prior payer's adjudication for a secondary claim's 837P --------------------------------


@dataclass(frozen=True)
class PriorPayers:
    """What a secondary (or tertiary) claim's 837P carries about the payers before it:
    the 2320/2330 loops and, by claim line number, the 2430 line adjudications."""

    other_payers: tuple[OtherPayer, ...]
    line_adjudications: dict[int, tuple[LineAdjudication, ...]]


def prior_payers_for(claim: Claim) -> PriorPayers:
    """The other-payer loops of a secondary/tertiary claim from the earlier payers' posted
    ERAs (the latest one not reversed, per payer). A primary claim has none.

    The claims side puts these into ``Claim837P.other_payers`` and each
    ``ServiceLine.prior_payer_adjudications`` when it writes the 837P.
    """
    if claim.coverage_level == "P":
        return PriorPayers((), {})
    levels = ["P"] if claim.coverage_level == "S" else ["P", "S"]
    earlier = (
        Claim.objects.filter(encounter_id=claim.encounter_id, coverage_level__in=levels)
        .exclude(pk=claim.pk)
        .select_related("payer", "coverage")
        .order_by("coverage_level", "-pk")
    )
    our_lines = {ln.charge_line_id: ln.line_number for ln in ClaimLine.objects.filter(claim=claim)}
    others: list[OtherPayer] = []
    by_line: dict[int, list[LineAdjudication]] = defaultdict(list)
    seen_levels: set[str] = set()
    for prior in earlier:
        if prior.coverage_level in seen_levels:
            continue
        era = (
            EraClaim.objects.filter(claim=prior, reversed_by__isnull=True)
            .exclude(outcome__in=[EraClaimOutcome.REVERSAL, EraClaimOutcome.UNPOSTED])
            .select_related("payment")
            .prefetch_related("lines__adjustments", "lines__claim_line", "adjustments")
            .order_by("-pk")
            .first()
        )
        if era is None:
            continue
        seen_levels.add(prior.coverage_level)
        payer_id = prior.payer.payer_id
        when = era.payment.payment_date or era.payment.posted_at.date()
        coverage = prior.coverage
        claim_level = tuple(
            Adjustment(a.group_code, a.reason_code, a.amount)
            for a in era.adjustments.all()
            if a.service_line_id is None
        )
        patient_left = era.patient_responsibility
        others.append(
            OtherPayer(
                payer=Payer(name=prior.payer.name, payer_id=payer_id),
                subscriber_name=PersonName(
                    coverage.subscriber_last_name, coverage.subscriber_first_name
                ),
                subscriber_member_id=coverage.subscriber_id or coverage.member_id,
                responsibility=prior.coverage_level,
                relationship=coverage.relationship,
                claim_filing_indicator=prior.payer.claim_filing_indicator,
                group_number=coverage.group_number,
                paid_amount=era.paid,
                remaining_patient_liability=patient_left,
                adjustments=claim_level,
                adjudication_date=when,
            )
        )
        for line in era.lines.all():
            if line.claim_line is None:
                continue
            number = our_lines.get(line.claim_line.charge_line_id)
            if number is None:
                continue
            by_line[number].append(
                LineAdjudication(
                    payer_id=payer_id,
                    paid_amount=line.paid,
                    adjudication_date=when,
                    adjustments=tuple(
                        Adjustment(a.group_code, a.reason_code, a.amount)
                        for a in line.adjustments.all()
                    ),
                    paid_units=line.units_paid or Decimal(1),
                    procedure_code=line.procedure_code or None,
                    modifiers=tuple(line.modifiers),
                )
            )
    return PriorPayers(tuple(others), {k: tuple(v) for k, v in by_line.items()})
