"""835 balancing: the three rules of TR3 §1.10.2.1, plus the patient-responsibility check.

Pure functions over the typed model; each returns a list of findings
(:class:`~openrcm.x12.errors.X12BalanceError`) with the transaction control number, the
claim (CLP01), the line and the segment position, and the amounts that disagree. An empty
list means balanced. CLP05 ≠ ΣPR is a warning (payers differ on what they put there).

- service line: ``SVC02 − Σ line CAS = SVC03``
- claim (with lines): ``CLP03 − Σ claim CAS − Σ line CAS = CLP04``;
  without lines: ``CLP03 − Σ claim CAS = CLP04``
- transaction: ``BPR02 = Σ CLP04 − Σ PLB amounts``
"""

from __future__ import annotations

from decimal import Decimal

from openrcm.x12.errors import X12BalanceError
from openrcm.x12.models import (
    ClaimPayment,
    ProviderAdjustment,
    Remittance,
    RemittanceHeader,
    RemittanceTrailer,
)

ZERO = Decimal(0)
REVERSAL = "22"


def _where(control_number: str, claim: ClaimPayment) -> str:
    return f"transaction set {control_number}, claim {claim.patient_control_number!r}"


def check_claim(claim: ClaimPayment, control_number: str = "") -> list[X12BalanceError]:
    """The service-line and claim rules (and the CLP05 warning) for one claim."""
    findings: list[X12BalanceError] = []
    line_adjustments = ZERO
    patient_share = ZERO
    for line in claim.lines:
        adjustments = line.adjustments
        if len(adjustments) == 1:  # the usual line: one CAS adjustment
            (adjustment,) = adjustments
            adjusted = adjustment.amount
            if adjustment.group == "PR":
                patient_share += adjusted
        else:
            adjusted = ZERO
            for adjustment in adjustments:
                amount = adjustment.amount
                adjusted += amount
                if adjustment.group == "PR":
                    patient_share += amount
        line_adjustments += adjusted
        if line.charge - adjusted != line.paid:
            findings.append(
                X12BalanceError(
                    f"{_where(control_number, claim)}, line {line.line_number}: "
                    f"SVC02 {line.charge} − line adjustments {adjusted} = "
                    f"{line.charge - adjusted}, but SVC03 paid is {line.paid}",
                    segment_position=line.position,
                    segment_id="SVC",
                    element=3,
                    expected=str(line.charge - adjusted),
                    found=str(line.paid),
                )
            )
    claim_adjustments = ZERO
    for adjustment in claim.adjustments:
        amount = adjustment.amount
        claim_adjustments += amount
        if adjustment.group == "PR":
            patient_share += amount
    expected = claim.charge - claim_adjustments - line_adjustments
    if expected != claim.paid:
        findings.append(
            X12BalanceError(
                f"{_where(control_number, claim)}: CLP03 {claim.charge} − claim adjustments "
                f"{claim_adjustments} − line adjustments {line_adjustments} = {expected}, "
                f"but CLP04 paid is {claim.paid}",
                segment_position=claim.position,
                segment_id="CLP",
                element=4,
                expected=str(expected),
                found=str(claim.paid),
            )
        )
    responsibility = claim.patient_responsibility
    if claim.status != REVERSAL and responsibility is not None and responsibility != patient_share:
        findings.append(
            X12BalanceError(
                f"{_where(control_number, claim)}: CLP05 patient responsibility "
                f"{responsibility} differs from the sum of PR adjustments {patient_share}",
                segment_position=claim.position,
                segment_id="CLP",
                element=5,
                expected=str(patient_share),
                found=str(responsibility),
                severity="warning",
            )
        )
    return findings


def check_totals(
    *,
    control_number: str,
    payment_amount: Decimal,
    total_paid: Decimal,
    provider_adjustments: tuple[ProviderAdjustment, ...],
    position: int,
) -> list[X12BalanceError]:
    """The transaction rule: BPR02 = ΣCLP04 − ΣPLB."""
    plb_total = ZERO
    for adjustment in provider_adjustments:
        plb_total += adjustment.amount
    expected = total_paid - plb_total
    if expected == payment_amount:
        return []
    return [
        X12BalanceError(
            f"transaction set {control_number}: Σ CLP04 {total_paid} − Σ PLB {plb_total} = "
            f"{expected}, but BPR02 total payment is {payment_amount}",
            segment_position=position,
            segment_id="BPR",
            element=2,
            expected=str(expected),
            found=str(payment_amount),
        )
    ]


def check_remittance(remittance: Remittance) -> list[X12BalanceError]:
    """Every balancing finding of an 835, claims in file order, then the transaction."""
    control = remittance.envelope.control_number
    findings: list[X12BalanceError] = []
    total_paid = ZERO
    for claim in remittance.claims:
        total_paid += claim.paid
        findings.extend(check_claim(claim, control))
    findings.extend(
        check_totals(
            control_number=control,
            payment_amount=remittance.payment.amount,
            total_paid=total_paid,
            provider_adjustments=remittance.provider_adjustments,
            position=remittance.envelope.position + 1,
        )
    )
    return findings


def check_stream_totals(
    header: RemittanceHeader, trailer: RemittanceTrailer
) -> list[X12BalanceError]:
    """The transaction rule for a streamed 835 (claims were checked one by one)."""
    return check_totals(
        control_number=header.envelope.control_number,
        payment_amount=header.payment.amount,
        total_paid=trailer.total_paid,
        provider_adjustments=trailer.provider_adjustments,
        position=header.envelope.position + 1,
    )
