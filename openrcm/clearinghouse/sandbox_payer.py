"""The sandbox payer: adjudicates the claims the sandbox clearinghouse accepted and answers
with 835 ERAs.

Deterministic: every decision is a seeded draw on the claim's control number (or the
member, or the file), so the same 837P, seed and fee table always give the same bytes.
The deciding functions (``adjudicate_claim``, ``sandbox_eras``) are pure; only
``fee_table_from_db`` reads the database (the contracted rates of the payer and practice,
``FeeScheduleRate``), and ``sandbox_adjudicate`` / ``sandbox_release_eras`` move files.

How a claim is priced, line by line (a primary claim):

- allowed = the fee schedule's rate for the code (and first modifier) x units, at most
  the charge; without a rate, ``unknown_fee_ratio`` of the charge. CO-45 is the rest.
- ``underpay_percent`` of claims are allowed 10% less than the contract (an underpayment
  for the underpayment work list to find).
- the member's copay (PR-3) on the first E/M line, an unmet deductible (PR-1), then
  coinsurance (PR-2) on what is left of the allowed amount; the payer pays the rest.
- ``denial_percent`` of claims are denied whole with one of ``DENIALS`` (CO-16, CO-50,
  CO-29, PR-96, CO-18, CO-197), with a remark code; ``line_denial_percent`` of later lines
  are bundled (CO-97).
- ``pend_percent`` of claims are pended first (OA-133, nothing paid) and adjudicated in a
  later ERA.

A secondary (or tertiary) claim (2000B SBR01 S/T) that carries the prior payer's
adjudication (2320 AMT*D, 2430 SVD) pays what the prior payer left, up to its own allowed
amount: OA-23 carries the prior payer's impact, CO-45 the rest.

Files: ``sandbox_adjudicate`` (called by ``SandboxClearinghouse.adjudicate`` when a file
is submitted) keeps its ERAs in ``payer/`` (the payer is working); each
``sandbox_release_eras`` moves the next ERA of every submitted file into ``outbox/``, where
the clearinghouse poll fetches and imports it. The first release pays (and pends); the
second pays what was pended.
"""

from __future__ import annotations

import datetime
import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING

from openrcm.x12 import ClaimStatusResponse, X12Error, iter_transaction_sets, read_documents
from openrcm.x12.write import InterchangeSettings
from openrcm.x12.write.remit835 import (
    RemitAdjustment,
    RemitClaim,
    RemitLine,
    RemitProviderAdjustment,
    Remittance835,
    write_835,
)

if TYPE_CHECKING:
    from openrcm.clearinghouse.sandbox import SandboxClearinghouse

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
SANDBOX_PAYER_ID = "OPENRCMSANDBOX"
# Whole-claim denials: (group, CARC, remark codes).
DENIALS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("CO", "16", ("M51",)),
    ("CO", "50", ("N115",)),
    ("CO", "29", ()),
    ("PR", "96", ("N130",)),
    ("CO", "18", ("N522",)),
    ("CO", "197", ("N54",)),
)
FeeTable = Mapping[tuple[str, str], Decimal]


def _draw(seed: int, *parts: str) -> int:
    digest = hashlib.sha256(":".join((str(seed), "payer", *parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _percent(seed: int, percent: int, *parts: str) -> bool:
    return percent > 0 and _draw(seed, *parts) % 100 < percent


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text) if text else ZERO
    except InvalidOperation:
        return ZERO


@dataclass(frozen=True)
class PayerPolicy:
    """How the sandbox payer behaves (percentages of claims, amounts in dollars)."""

    seed: int = 0
    pend_percent: int = 5
    denial_percent: int = 8
    line_denial_percent: int = 4
    underpay_percent: int = 5
    deductible_percent: int = 20  # members with an unmet deductible
    deductible: Decimal = Decimal("150.00")
    copay_percent: int = 40  # members with a copay plan
    copay: Decimal = Decimal("25.00")
    coinsurance_percent: int = 20
    interest_percent: int = 10  # ERAs with an interest PLB (L6)
    unknown_fee_ratio: Decimal = Decimal("0.60")
    days_to_pay: int = 14


# --- what the 837P says --------------------------------------------------------------------------


@dataclass
class BilledLine:
    code: str
    modifiers: tuple[str, ...]
    charge: Decimal
    units: Decimal
    service_date: datetime.date | None
    line_item_control_number: str = ""
    prior_paid: Decimal | None = None  # 2430 SVD02 of the prior payer


@dataclass
class BilledClaim:
    control_number: str
    total: Decimal
    responsibility: str  # 2000B SBR01: P, S or T
    filing_indicator: str
    member_id: str
    patient_last: str
    patient_first: str
    payer_name: str
    payer_id: str
    billing_name: str
    billing_npi: str
    frequency: str = "1"
    prior_paid: Decimal | None = None  # 2320 AMT*D
    lines: list[BilledLine] = field(default_factory=list)


def _date(text: str) -> datetime.date | None:
    try:
        return datetime.datetime.strptime(text[:8], "%Y%m%d").date()  # noqa: DTZ007 - a date
    except ValueError:
        return None


def claims_of_837p(data: bytes) -> tuple[list[BilledClaim], datetime.date]:
    """Every claim of an 837P file with its lines, and the file's creation date (GS04)."""
    claims: list[BilledClaim] = []
    created = datetime.date(2000, 1, 1)
    for ts in iter_transaction_sets(data):
        if ts.envelope.transaction_set_id != "837":
            continue
        created = _date(ts.envelope.group.date) or created
        component = ts.envelope.interchange.delimiters.component
        billing = ("", "")
        subscriber = ("", "", "")
        responsibility, filing = "P", "CI"
        patient: tuple[str, str] | None = None
        payer = ("", "")
        claim: BilledClaim | None = None
        line: BilledLine | None = None
        in_other_payer = False
        for segment in ts.segments:
            tag, e = segment.id, segment.elements

            def el(n: int, e: tuple[str, ...] = e) -> str:
                return e[n - 1] if len(e) >= n else ""

            if tag == "HL":
                claim, line, in_other_payer = None, None, False
                if el(3) == "22":
                    patient = None
            elif tag == "SBR":
                if claim is None:
                    responsibility, filing = el(1) or "P", el(9) or "CI"
                else:
                    in_other_payer = True
            elif tag == "NM1":
                entity = el(1)
                if entity == "85":
                    billing = (el(3), el(9))
                elif entity == "IL" and claim is None:
                    subscriber = (el(3), el(4), el(9))
                elif entity == "QC":
                    patient = (el(3), el(4))
                elif entity == "PR" and claim is None:
                    payer = (el(3), el(9))
            elif tag == "CLM":
                frequency = el(5).split(component)[2] if el(5).count(component) >= 2 else "1"
                last, first = patient or (subscriber[0], subscriber[1])
                claim = BilledClaim(
                    el(1), _decimal(el(2)), responsibility, filing, subscriber[2],
                    last or "UNKNOWN", first, payer[0], payer[1], billing[0], billing[1],
                    frequency or "1",
                )  # fmt: skip
                claims.append(claim)
                line, in_other_payer = None, False
            elif tag == "AMT" and claim is not None and in_other_payer and el(1) == "D":
                claim.prior_paid = (claim.prior_paid or ZERO) + _decimal(el(2))
            elif tag == "SV1" and claim is not None:
                parts = el(1).split(component)
                line = BilledLine(
                    parts[1] if len(parts) > 1 else parts[0],
                    tuple(m for m in parts[2:6] if m),
                    _decimal(el(2)),
                    _decimal(el(4)) or Decimal(1),
                    None,
                )
                claim.lines.append(line)
            elif tag == "DTP" and line is not None and el(1) == "472":
                line.service_date = _date(el(3).split("-")[0])
            elif tag == "REF" and line is not None and el(1) == "6R":
                line.line_item_control_number = el(2)
            elif tag == "SVD" and line is not None:
                line.prior_paid = (line.prior_paid or ZERO) + _decimal(el(2))
    return claims, created


def accepted_claims(answers: Sequence[tuple[str, bytes]]) -> dict[str, str]:
    """{patient control number: payer claim number} of the claims the 277CA accepted."""
    found: dict[str, str] = {}
    for name, data in answers:
        if not name.endswith(".277CA"):
            continue
        for doc in read_documents(data):
            if isinstance(doc, ClaimStatusResponse):
                for claim in doc.claims:
                    if claim.accepted:
                        found[claim.patient_control_number] = claim.payer_claim_number
    return found


# --- deciding ------------------------------------------------------------------------------------


def _rate(fees: FeeTable, line: BilledLine) -> Decimal | None:
    first = line.modifiers[0] if line.modifiers else ""
    return fees.get((line.code, first)) if (line.code, first) in fees else fees.get((line.code, ""))


def _allowed(fees: FeeTable, line: BilledLine, policy: PayerPolicy) -> Decimal:
    rate = _rate(fees, line)
    if rate is None:
        return _money(line.charge * policy.unknown_fee_ratio)
    return min(line.charge, _money(rate * line.units))


def adjudicate_claim(
    claim: BilledClaim,
    payer_claim_number: str,
    fees: FeeTable,
    policy: PayerPolicy,
    *,
    may_pend: bool = True,
) -> tuple[RemitClaim, bool]:
    """The 835 claim for one accepted claim, and whether it was pended (pure)."""
    seed, number = policy.seed, claim.control_number
    secondary = claim.responsibility in ("S", "T") and claim.prior_paid is not None
    status = {"S": "2", "T": "3"}.get(claim.responsibility, "1") if secondary else "1"
    lines: list[RemitLine] = []

    def remit(line: BilledLine, adjustments: list[RemitAdjustment], **extra: object) -> RemitLine:
        return RemitLine(
            procedure_code=line.code,
            modifiers=line.modifiers,
            charge=line.charge,
            service_date=line.service_date or datetime.date(2000, 1, 1),
            adjustments=tuple(a for a in adjustments if a.amount != 0),
            units_paid=line.units,
            line_item_control_number=line.line_item_control_number or None,
            **extra,  # type: ignore[arg-type]  # allowed_amount / remark_codes
        )

    def claim_of(remit_lines: list[RemitLine]) -> RemitClaim:
        return RemitClaim(
            patient_control_number=number,
            status=status,
            patient_last_name=claim.patient_last,
            patient_first_name=claim.patient_first,
            member_id=claim.member_id or "UNKNOWN",
            payer_claim_number=payer_claim_number,
            lines=tuple(remit_lines),
            filing_indicator=claim.filing_indicator,
            frequency=claim.frequency,
        )

    if may_pend and _percent(seed, policy.pend_percent, "pend", number):
        return claim_of(
            [remit(ln, [RemitAdjustment("OA", "133", ln.charge)]) for ln in claim.lines]
        ), True
    if _percent(seed, policy.denial_percent, "deny", number):
        group, reason, remarks = DENIALS[_draw(seed, "denial", number) % len(DENIALS)]
        return claim_of(
            [
                remit(ln, [RemitAdjustment(group, reason, ln.charge)], remark_codes=remarks)
                for ln in claim.lines
            ]
        ), False
    underpaid = _percent(seed, policy.underpay_percent, "underpay", number)
    member = claim.member_id
    year = str(claim.lines[0].service_date.year if claim.lines and claim.lines[0].service_date
               else 0)  # fmt: skip
    deductible_left = (
        policy.deductible
        if _percent(seed, policy.deductible_percent, "ded", member, year)
        else ZERO
    )
    copay_left = policy.copay if _percent(seed, policy.copay_percent, "copay", member) else ZERO
    prior_shares: list[Decimal] = []
    if secondary:
        prior_total = claim.prior_paid or ZERO
        if all(ln.prior_paid is not None for ln in claim.lines):
            prior_shares = [ln.prior_paid or ZERO for ln in claim.lines]
        else:
            total = sum((ln.charge for ln in claim.lines), ZERO) or Decimal(1)
            prior_shares = [_money(prior_total * ln.charge / total) for ln in claim.lines]
            if prior_shares:
                prior_shares[-1] += prior_total - sum(prior_shares, ZERO)
    for index, line in enumerate(claim.lines):
        allowed = _allowed(fees, line, policy)
        if underpaid:
            allowed = _money(allowed * Decimal("0.90"))
        if index > 0 and _percent(seed, policy.line_denial_percent, "bundle", number, str(index)):
            lines.append(
                remit(line, [RemitAdjustment("CO", "97", line.charge)], remark_codes=("M15",))
            )
            continue
        if secondary:
            prior = min(prior_shares[index], line.charge)
            pay = max(ZERO, min(allowed - prior, line.charge - prior))
            lines.append(
                remit(
                    line,
                    [
                        RemitAdjustment("OA", "23", prior),
                        RemitAdjustment("CO", "45", line.charge - prior - pay),
                    ],
                    allowed_amount=allowed,
                )
            )
            continue
        adjustments = [RemitAdjustment("CO", "45", line.charge - allowed)]
        left = allowed
        if copay_left and line.code.startswith("992"):
            copay = min(copay_left, left)
            adjustments.append(RemitAdjustment("PR", "3", copay))
            copay_left, left = ZERO, left - copay
        if deductible_left and left > 0:
            applied = min(deductible_left, left)
            adjustments.append(RemitAdjustment("PR", "1", applied))
            deductible_left, left = deductible_left - applied, left - applied
        coinsurance = _money(left * policy.coinsurance_percent / 100)
        adjustments.append(RemitAdjustment("PR", "2", coinsurance))
        lines.append(remit(line, adjustments, allowed_amount=allowed))
    return claim_of(lines), False


def sandbox_eras(
    file_name: str,
    claims: Sequence[BilledClaim],
    accepted: Mapping[str, str],
    fees: Mapping[tuple[str, str], FeeTable],
    policy: PayerPolicy,
    created: datetime.date,
    *,
    interchange_number: int = 1,
) -> list[tuple[str, bytes]]:
    """The ERAs for one submitted 837P (pure): ``(name, bytes)`` in release order, the
    first paying (and pending), a second one paying what the first pended.

    ``fees`` maps (payer id, billing NPI) to that contract's fee table.
    """
    stem = Path(file_name).stem
    rounds: list[dict[tuple[str, str, str], list[RemitClaim]]] = [{}, {}]
    for claim in claims:
        if claim.control_number not in accepted or not claim.lines:
            continue
        key = (claim.payer_id, claim.payer_name, claim.billing_npi)
        table = fees.get((claim.payer_id, claim.billing_npi), {})
        first, pended = adjudicate_claim(claim, accepted[claim.control_number], table, policy)
        rounds[0].setdefault(key, []).append(first)
        if pended:
            final, _ = adjudicate_claim(
                claim, accepted[claim.control_number], table, policy, may_pend=False
            )
            rounds[1].setdefault(key, []).append(final)
    names = {c.billing_npi: c.billing_name for c in claims}
    answers: list[tuple[str, bytes]] = []
    for number, groups in enumerate(rounds, start=1):
        paid_on = created + datetime.timedelta(days=policy.days_to_pay * number)
        for index, ((payer_id, payer_name, npi), remit_claims) in enumerate(sorted(groups.items())):
            trace = f"SBX{_draw(policy.seed, 'trn', stem, str(number), npi) % 10**10:010d}"
            tin = f"{_draw(policy.seed, 'tin', payer_id) % 10**9:09d}"
            plbs: tuple[RemitProviderAdjustment, ...] = ()
            if _percent(policy.seed, policy.interest_percent, "interest", trace):
                cents = _draw(policy.seed, "interest-amount", trace) % 900 + 100
                plbs = (RemitProviderAdjustment("L6", trace, -Decimal(cents) / 100),)
            remittance = Remittance835(
                payer_name=(payer_name or "SANDBOX PAYER")[:60],
                payer_id=payer_id or SANDBOX_PAYER_ID,
                payer_tin=tin,
                payee_name=(names.get(npi) or "PROVIDER")[:60],
                payee_npi=npi,
                trace_number=trace,
                payment_date=paid_on,
                claims=tuple(remit_claims),
                provider_adjustments=plbs,
            )
            control = (interchange_number * 10 + number * 3 + index) % 999_999_999 or 1
            settings = InterchangeSettings(
                sender_id=SANDBOX_PAYER_ID,
                receiver_id="OPENRCM",
                interchange_control_number=control,
                group_control_number=control,
                transaction_set_control_number=1,
                created_at=datetime.datetime.combine(paid_on, datetime.time(9, 0)),
            )
            answers.append((f"{number}-{stem}-{index + 1}.835", write_835(settings, remittance)))
    return answers


# --- the database and the files ------------------------------------------------------------------


def fee_table_from_db(claims: Sequence[BilledClaim]) -> dict[tuple[str, str], FeeTable]:
    """The contracted rates of each (payer id, billing NPI) in ``claims``: the schedule in
    force on the latest date of service (or the latest schedule)."""
    from openrcm.payers.models import FeeSchedule, FeeScheduleRate

    tables: dict[tuple[str, str], FeeTable] = {}
    for payer_id, npi in sorted({(c.payer_id, c.billing_npi) for c in claims}):
        days = [ln.service_date for c in claims for ln in c.lines if ln.service_date]
        day = max(days) if days else None
        schedules = FeeSchedule.objects.filter(
            payer__payer_id=payer_id, client__group_npi=npi
        ).order_by("-effective_from")
        chosen = None
        for schedule in schedules:
            if day is None or (
                schedule.effective_from <= day
                and (schedule.effective_to is None or day <= schedule.effective_to)
            ):
                chosen = schedule
                break
        chosen = chosen or schedules.first()
        if chosen is None:
            continue
        tables[(payer_id, npi)] = {
            (code, modifier): amount
            for code, modifier, amount in FeeScheduleRate.objects.filter(
                schedule=chosen
            ).values_list("procedure_code", "modifier", "allowed_amount")
        }
    return tables


def policy_from_settings(seed: int) -> PayerPolicy:
    from django.conf import settings

    def number(name: str, default: int) -> int:
        return int(getattr(settings, f"OPENRCM_SANDBOX_{name}", default))

    return PayerPolicy(
        seed=seed,
        pend_percent=number("PEND_PERCENT", 5),
        denial_percent=number("DENIAL_PERCENT", 8),
        line_denial_percent=number("LINE_DENIAL_PERCENT", 4),
        underpay_percent=number("UNDERPAY_PERCENT", 5),
        interest_percent=number("INTEREST_PERCENT", 10),
    )


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def sandbox_adjudicate(adapter: SandboxClearinghouse, file_name: str, data: bytes) -> int:
    """Adjudicate the accepted claims of a submitted 837P; keep the ERAs in ``payer/``
    until released. Returns how many ERA files were made."""
    from openrcm.clearinghouse.sandbox import sandbox_answer

    try:
        claims, created = claims_of_837p(data)
    except X12Error:
        return 0  # the 999 already rejected the file: nothing to adjudicate
    answers = sandbox_answer(
        file_name, data, seed=adapter.seed, reject_percent=adapter.reject_percent
    )
    accepted = accepted_claims(answers)
    if not accepted:
        return 0
    held = adapter.root / "payer"
    held.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(data).digest()
    eras = sandbox_eras(
        file_name,
        claims,
        accepted,
        fee_table_from_db(claims),
        policy_from_settings(adapter.seed),
        created,
        interchange_number=int.from_bytes(digest[:4], "big") % 10**8,
    )
    for name, era in eras:
        _write_atomic(held / name, era)
    return len(eras)


def sandbox_release_eras(adapter: SandboxClearinghouse) -> list[str]:
    """Move the next round of held ERAs (the lowest round number of each submitted file)
    into the outbox; returns their names. Nothing held: nothing moves."""
    held = adapter.root / "payer"
    if not held.is_dir():
        return []
    waiting = sorted(p for p in held.iterdir() if p.is_file() and not p.name.startswith("."))
    if not waiting:
        return []
    first_round = min(int(p.name.split("-", 1)[0]) for p in waiting)
    moved = []
    for path in waiting:
        if int(path.name.split("-", 1)[0]) == first_round:
            os.replace(path, adapter.outbox / path.name)
            moved.append(path.name)
    return moved
