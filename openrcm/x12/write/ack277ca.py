"""A small writer for the 277CA claim acknowledgement (005010X214).

Used by the embedded sandbox clearinghouse to say, claim by claim, whether the claims of
an 837P were accepted into adjudication (STC category A1/A2) or rejected at the front
end (A3, A6, A7, A8 with a status code and an entity code). The output is read back by
``openrcm.x12.read_documents`` as a ``ClaimStatusResponse``.

Hierarchy: HL 20 information source (payer) > HL 21 information receiver (submitter)
> HL 19 billing provider > HL PT patient, one patient level per claim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from openrcm.x12.write.encoder import (
    InterchangeSettings,
    SegmentWriter,
    format_amount,
    format_date,
    format_date_range,
    freeze_field,
    optional_text,
    require_text,
    write_interchange,
)
from openrcm.x12.write.parties import PersonName

IMPLEMENTATION_REFERENCE_277CA = "005010X214"
_CATEGORY = re.compile(r"A[0-8]")


@dataclass(frozen=True, slots=True)
class ClaimStatusCode:
    """One STC01 composite: category (A2, A7 ...), status code (20, 562 ...), entity."""

    category: str
    code: str
    entity: str = ""


@dataclass(frozen=True, slots=True)
class ClaimAcknowledgment:
    """One claim of the acknowledged 837P and what happened to it."""

    patient_control_number: str
    patient: PersonName
    member_id: str
    status: ClaimStatusCode
    charge: Decimal
    service_start: date
    service_end: date | None = None
    payer_claim_number: str = ""  # REF*1K, for accepted claims
    clearinghouse_trace_number: str = ""  # REF*D9
    extra_statuses: tuple[ClaimStatusCode, ...] = ()

    def __post_init__(self) -> None:
        freeze_field(self, "extra_statuses")


@dataclass(frozen=True, slots=True)
class ProviderAcknowledgment:
    """The billing provider (HL 19) and its claims."""

    name: str
    npi: str
    claims: tuple[ClaimAcknowledgment, ...]

    def __post_init__(self) -> None:
        freeze_field(self, "claims")


@dataclass(frozen=True, slots=True)
class Acknowledgment277CA:
    """A 277CA answering one 837P batch (``batch_reference`` = the 837's BHT03)."""

    reference: str  # BHT03 of this 277CA
    created: datetime
    payer_name: str
    payer_id: str
    receiver_name: str  # the submitter of the 837P
    receiver_id: str
    batch_reference: str
    providers: tuple[ProviderAcknowledgment, ...]

    def __post_init__(self) -> None:
        freeze_field(self, "providers")


def _stc(out: SegmentWriter, status: ClaimStatusCode, on: date, action: str, amount: str) -> None:
    if _CATEGORY.fullmatch(status.category) is None:
        raise out.error(f"STC01-1 category {status.category!r} is not A0-A8")
    out.segment(
        "STC",
        (status.category, require_text(out, status.code, "STC01-2", max_length=30), status.entity),
        format_date(on),
        action,
        amount,
    )


def write_277ca(interchange: InterchangeSettings, ack: Acknowledgment277CA) -> bytes:
    """One interchange holding one 277CA."""

    def body(out: SegmentWriter) -> None:
        out.where = "277CA"
        day = ack.created.date()
        out.segment(
            "BHT",
            "0085",
            "08",
            require_text(out, ack.reference, "BHT03", max_length=50),
            format_date(day),
            f"{ack.created.hour:02d}{ack.created.minute:02d}",
            "TH",
        )
        claims = [c for p in ack.providers for c in p.claims]
        accepted = [c for c in claims if c.status.category in ("A1", "A2")]
        rejected = [c for c in claims if c.status.category not in ("A1", "A2")]
        hl = 1
        out.segment("HL", "1", "", "20", "1")
        out.segment(
            "NM1", "PR", "2", require_text(out, ack.payer_name, "payer name", max_length=60),
            "", "", "", "", "PI", require_text(out, ack.payer_id, "payer id", max_length=80),
        )  # fmt: skip
        out.segment("TRN", "1", ack.reference)
        out.segment("DTP", "050", "D8", format_date(day))
        out.segment("DTP", "009", "D8", format_date(day))
        hl = 2
        out.segment("HL", "2", "1", "21", "1")
        out.segment(
            "NM1", "41", "2", require_text(out, ack.receiver_name, "receiver", max_length=60),
            "", "", "", "", "46", require_text(out, ack.receiver_id, "receiver id", max_length=80),
        )  # fmt: skip
        out.segment("TRN", "2", require_text(out, ack.batch_reference, "batch", max_length=50))
        total = sum((c.charge for c in claims), Decimal(0))
        _stc(out, ClaimStatusCode("A1", "19"), day, "WQ", format_amount(out, total, "total"))
        if accepted:
            out.segment("QTY", "90", str(len(accepted)))
        if rejected:
            out.segment("QTY", "AA", str(len(rejected)))
        if accepted:
            amount = sum((c.charge for c in accepted), Decimal(0))
            out.segment("AMT", "YU", format_amount(out, amount, "accepted amount"))
        if rejected:
            amount = sum((c.charge for c in rejected), Decimal(0))
            out.segment("AMT", "YY", format_amount(out, amount, "rejected amount"))
        for provider in ack.providers:
            hl += 1
            provider_hl = hl
            out.where = f"277CA provider {provider.npi}"
            out.segment("HL", str(provider_hl), "2", "19", "1" if provider.claims else "0")
            out.segment(
                "NM1", "85", "2", require_text(out, provider.name, "provider", max_length=60),
                "", "", "", "", "XX", require_text(out, provider.npi, "NPI", max_length=80),
            )  # fmt: skip
            for claim in provider.claims:
                hl += 1
                out.where = f"277CA claim {claim.patient_control_number}"
                out.segment("HL", str(hl), str(provider_hl), "PT")
                name = claim.patient
                out.segment(
                    "NM1", "QC", "1", require_text(out, name.last, "patient last", max_length=60),
                    optional_text(out, name.first, "patient first", max_length=35),
                    optional_text(out, name.middle, "patient middle", max_length=25), "",
                    optional_text(out, name.suffix, "suffix", max_length=10), "MI",
                    require_text(out, claim.member_id, "member id", max_length=80),
                )  # fmt: skip
                out.segment(
                    "TRN",
                    "2",
                    require_text(out, claim.patient_control_number, "TRN02", max_length=50),
                )
                accepted_claim = claim.status.category in ("A1", "A2")
                charge = format_amount(out, claim.charge, "claim charge")
                for status in (claim.status, *claim.extra_statuses):
                    _stc(out, status, day, "WQ" if accepted_claim else "U", charge)
                if claim.payer_claim_number:
                    out.segment("REF", "1K", claim.payer_claim_number)
                if claim.clearinghouse_trace_number:
                    out.segment("REF", "D9", claim.clearinghouse_trace_number)
                qualifier, value = format_date_range(claim.service_start, claim.service_end)
                out.segment("DTP", "472", qualifier, value)

    return write_interchange(
        interchange,
        functional_identifier="HN",
        transaction_set_id="277",
        implementation_reference=IMPLEMENTATION_REFERENCE_277CA,
        write_body=body,
    )
