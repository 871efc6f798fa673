"""A writer for the 835 health care claim payment/advice (005010X221A1).

openrcm does not send 835s to trading partners: the embedded sandbox payer uses this writer
to answer the claims it adjudicated, and tests and benchmarks use it to build ERAs. It is
balanced by construction: the caller gives charges and adjustments, never paid amounts.

- a line pays ``SVC03 = SVC02 - Σ line CAS``;
- a claim pays ``CLP04 = CLP03 - Σ claim CAS - Σ line CAS`` (``CLP03`` = Σ line charges
  when the claim has lines) and ``CLP05`` = Σ PR adjustments;
- the payment is ``BPR02 = Σ CLP04 - Σ PLB``.

A reversal (``status`` 22) is given with the original's amounts negated (charge and
adjustments), as the TR3 wants it. The output reads back through
``openrcm.x12.read_documents`` as a ``Remittance`` with no balancing finding.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from openrcm.x12.errors import X12WriteError
from openrcm.x12.write.encoder import (
    InterchangeSettings,
    SegmentWriter,
    format_amount,
    format_date,
    format_quantity,
    freeze_field,
    optional_text,
    require_code,
    require_text,
    write_interchange,
)

IMPLEMENTATION_REFERENCE_835 = "005010X221A1"
ZERO = Decimal(0)
GROUP_CODES = frozenset({"CO", "PR", "OA", "PI"})
CLAIM_STATUSES = frozenset({"1", "2", "3", "4", "19", "20", "21", "22", "23", "25"})


@dataclass(frozen=True, slots=True)
class RemitAdjustment:
    """One CAS triplet: group (CO, PR, OA, PI), reason (CARC), amount, quantity."""

    group: str
    reason: str
    amount: Decimal
    quantity: Decimal | None = None


@dataclass(frozen=True, slots=True)
class RemitLine:
    """Loop 2110: how one billed line was paid.

    ``procedure_code``/``modifiers`` are what the payer adjudicated; when it changed them,
    give what was billed in ``billed_code``/``billed_modifiers`` (written as SVC06).
    """

    procedure_code: str
    charge: Decimal
    service_date: date
    adjustments: tuple[RemitAdjustment, ...] = ()
    modifiers: tuple[str, ...] = ()
    units_paid: Decimal = Decimal(1)
    billed_code: str | None = None
    billed_modifiers: tuple[str, ...] = ()
    units_billed: Decimal | None = None
    line_item_control_number: str | None = None
    allowed_amount: Decimal | None = None
    remark_codes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        freeze_field(self, "adjustments")
        freeze_field(self, "modifiers")
        freeze_field(self, "billed_modifiers")
        freeze_field(self, "remark_codes")

    @property
    def paid(self) -> Decimal:
        return self.charge - sum((a.amount for a in self.adjustments), ZERO)


@dataclass(frozen=True, slots=True)
class RemitClaim:
    """Loop 2100: one claim's adjudication. ``charge`` is needed only without lines."""

    patient_control_number: str
    status: str
    patient_last_name: str
    patient_first_name: str
    member_id: str
    payer_claim_number: str
    lines: tuple[RemitLine, ...] = ()
    adjustments: tuple[RemitAdjustment, ...] = ()  # claim-level CAS
    charge: Decimal | None = None
    filing_indicator: str = "CI"
    facility_code: str = "11"
    frequency: str = "1"
    received_date: date | None = None

    def __post_init__(self) -> None:
        freeze_field(self, "lines")
        freeze_field(self, "adjustments")

    @property
    def total_charge(self) -> Decimal:
        if self.lines:
            return sum((line.charge for line in self.lines), ZERO)
        return self.charge if self.charge is not None else ZERO

    @property
    def paid(self) -> Decimal:
        adjusted = sum((a.amount for a in self.adjustments), ZERO)
        return (
            sum((line.paid for line in self.lines), ZERO) - adjusted
            if self.lines
            else (self.total_charge - adjusted)
        )

    @property
    def patient_responsibility(self) -> Decimal:
        found = [a for a in self.adjustments if a.group == "PR"]
        found += [a for line in self.lines for a in line.adjustments if a.group == "PR"]
        return sum((a.amount for a in found), ZERO)


@dataclass(frozen=True, slots=True)
class RemitProviderAdjustment:
    """One PLB pair: reason (e.g. L6 interest, WO recoupment), reference, amount.

    Positive amounts reduce the payment; negative ones (interest) increase it.
    """

    reason: str
    reference: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Remittance835:
    """One 835: the payment, payer and payee, claims and provider-level adjustments."""

    payer_name: str
    payer_id: str  # REF*2U in 1000A, and the payer id of TRN03 when no TIN is given
    payer_tin: str  # 9 digits: TRN03 = "1" + TIN
    payee_name: str
    payee_npi: str
    trace_number: str  # TRN02, the check or EFT number
    payment_date: date
    claims: tuple[RemitClaim, ...]
    provider_adjustments: tuple[RemitProviderAdjustment, ...] = ()
    method: Literal["ACH", "CHK"] = "ACH"
    payer_contact_phone: str = "8005550199"
    fiscal_period_end: date | None = None  # PLB02; default Dec 31 of the payment year

    def __post_init__(self) -> None:
        freeze_field(self, "claims")
        freeze_field(self, "provider_adjustments")

    @property
    def total_paid(self) -> Decimal:
        claims = sum((c.paid for c in self.claims), ZERO)
        return claims - sum((p.amount for p in self.provider_adjustments), ZERO)


def _cas(out: SegmentWriter, adjustments: tuple[RemitAdjustment, ...], where: str) -> None:
    """CAS segments: one per group, at most 6 triplets each (more start a new CAS)."""
    groups: dict[str, list[RemitAdjustment]] = {}
    for item in adjustments:
        require_code(out, item.group, f"{where} CAS group", GROUP_CODES)
        groups.setdefault(item.group, []).append(item)
    for group, items in groups.items():
        for start in range(0, len(items), 6):
            values: list[str] = [group]
            for item in items[start : start + 6]:
                values.append(require_text(out, item.reason, f"{where} CARC", max_length=5))
                values.append(
                    format_amount(out, item.amount, f"{where} CAS amount", allow_negative=True)
                )
                values.append(
                    format_quantity(out, item.quantity, f"{where} CAS quantity")
                    if item.quantity is not None
                    else ""
                )
            out.segment("CAS", *values)


def _procedure(code: str, modifiers: tuple[str, ...]) -> tuple[str, ...]:
    return ("HC", code, *modifiers[:4])


def write_835(interchange: InterchangeSettings, remittance: Remittance835) -> bytes:
    """One interchange holding one 835 (one payment)."""
    total = remittance.total_paid

    def body(out: SegmentWriter) -> None:
        out.where = f"835 trace {remittance.trace_number}"
        if total < 0:
            raise out.error(
                f"the payment total is negative ({total}): a payer recovers an overpayment "
                "with a PLB (reason WO or FB), not with a negative payment"
            )
        amount = format_amount(out, total, "BPR02 payment amount")
        tin = require_text(out, remittance.payer_tin, "payer TIN", max_length=9, min_length=9)
        paid_on = format_date(remittance.payment_date)
        if total == 0:
            out.segment("BPR", "H", amount, "C", "NON", *([""] * 11), paid_on)
        elif remittance.method == "CHK":
            out.segment("BPR", "I", amount, "C", "CHK", *([""] * 11), paid_on)
        else:
            out.segment(
                "BPR", "I", amount, "C", "ACH", "CCP", "01", "999999992", "DA", "123456789",
                "1" + tin, "", "01", "999988880", "DA", "98765", paid_on,
            )  # fmt: skip
        trace = require_text(out, remittance.trace_number, "TRN02 trace number", max_length=50)
        out.segment("TRN", "1", trace, "1" + tin)
        out.segment("DTM", "405", paid_on)
        out.segment("N1", "PR", require_text(out, remittance.payer_name, "payer", max_length=60))
        out.segment("N3", "PO BOX 1000")
        out.segment("N4", "ALBANY", "NY", "122010000")
        payer_id = require_text(out, remittance.payer_id, "payer id", max_length=50)
        out.segment("REF", "2U", payer_id)
        out.segment("PER", "BL", "PROVIDER SERVICES", "TE", remittance.payer_contact_phone)
        out.segment(
            "N1", "PE",
            require_text(out, remittance.payee_name, "payee", max_length=60),
            "XX", require_text(out, remittance.payee_npi, "payee NPI", max_length=10),
        )  # fmt: skip
        if remittance.claims:
            out.segment("LX", "1")
        for claim in remittance.claims:
            _claim(out, claim)
        if remittance.provider_adjustments:
            out.where = "835 PLB"
            fiscal = remittance.fiscal_period_end or date(remittance.payment_date.year, 12, 31)
            pairs = list(remittance.provider_adjustments)
            for start in range(0, len(pairs), 6):
                values: list[str | tuple[str, ...]] = [
                    require_text(out, remittance.payee_npi, "PLB01", max_length=50),
                    format_date(fiscal),
                ]
                for item in pairs[start : start + 6]:
                    values.append(
                        (
                            require_text(out, item.reason, "PLB reason", max_length=2),
                            optional_text(out, item.reference, "PLB reference", max_length=50),
                        )
                    )
                    values.append(
                        format_amount(out, item.amount, "PLB amount", allow_negative=True)
                    )
                out.segment("PLB", *values)

    return write_interchange(
        interchange,
        functional_identifier="HP",
        transaction_set_id="835",
        implementation_reference=IMPLEMENTATION_REFERENCE_835,
        write_body=body,
    )


def _claim(out: SegmentWriter, claim: RemitClaim) -> None:
    where = f"claim {claim.patient_control_number}"
    out.where = where
    status = require_code(out, claim.status, f"{where} CLP02 status", CLAIM_STATUSES)
    reversal = status == "22"
    out.segment(
        "CLP",
        require_text(out, claim.patient_control_number, "CLP01", max_length=38),
        status,
        format_amount(out, claim.total_charge, "CLP03 charge", allow_negative=reversal),
        format_amount(out, claim.paid, "CLP04 paid", allow_negative=True),
        format_amount(out, claim.patient_responsibility, "CLP05", allow_negative=True),
        claim.filing_indicator,
        optional_text(out, claim.payer_claim_number, "CLP07", max_length=50),
        claim.facility_code,
        claim.frequency,
    )
    _cas(out, claim.adjustments, where)
    out.segment(
        "NM1", "QC", "1",
        require_text(out, claim.patient_last_name, "patient last name", max_length=60),
        optional_text(out, claim.patient_first_name, "patient first name", max_length=35),
        "", "", "", "MI",
        require_text(out, claim.member_id, "member id", max_length=80),
    )  # fmt: skip
    if claim.received_date is not None:
        out.segment("DTM", "050", format_date(claim.received_date))
    for number, line in enumerate(claim.lines, start=1):
        out.where = f"{where} line {number}"
        billed: str | tuple[str, ...] = ""
        if line.billed_code is not None:
            billed = _procedure(line.billed_code, line.billed_modifiers)
        charge = format_amount(out, line.charge, "SVC02 charge", allow_negative=reversal)
        if line.paid < 0 and not reversal:
            raise out.error(
                f"adjustments {line.charge - line.paid} exceed the charge {line.charge}"
            )
        out.segment(
            "SVC",
            _procedure(require_text(out, line.procedure_code, "SVC01", max_length=48),
                       line.modifiers),
            charge,
            format_amount(out, line.paid, "SVC03 paid", allow_negative=True),
            "",
            format_quantity(out, abs(line.units_paid) or Decimal(1), "SVC05 units"),
            billed,
            format_quantity(out, line.units_billed, "SVC07 units")
            if line.units_billed is not None
            else "",
        )  # fmt: skip
        out.segment("DTM", "472", format_date(line.service_date))
        _cas(out, line.adjustments, out.where)
        if line.line_item_control_number:
            out.segment(
                "REF", "6R",
                optional_text(out, line.line_item_control_number, "REF*6R", max_length=50),
            )  # fmt: skip
        if line.allowed_amount is not None:
            out.segment(
                "AMT", "B6",
                format_amount(out, line.allowed_amount, "AMT*B6 allowed", allow_negative=True),
            )  # fmt: skip
        for remark in line.remark_codes:
            out.segment("LQ", "HE", require_text(out, remark, "LQ02 remark", max_length=30))


__all__ = [
    "IMPLEMENTATION_REFERENCE_835",
    "RemitAdjustment",
    "RemitClaim",
    "RemitLine",
    "RemitProviderAdjustment",
    "Remittance835",
    "X12WriteError",
    "write_835",
]
