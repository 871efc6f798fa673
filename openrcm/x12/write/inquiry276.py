"""276 claim status inquiries (005010X212): the input model and the writer.

Each :class:`ClaimStatusInquiry` asks one payer where one claim stands. The hierarchy is
payer (2000A) → information receiver (2000B, the billing company) → service provider
(2000C) → subscriber (2000D) → dependent (2000E); inquiries that share a level share its HL.
The claim is identified by what the payer can search on: the payer claim control number
(REF*1K) when known, the patient control number (REF*EJ), the charge (AMT*T3) and the
service dates (DTP*472). The trace number (TRN) comes back in the 277.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from openrcm.x12.write.encoder import (
    InterchangeSettings,
    SegmentWriter,
    format_amount,
    format_date,
    format_date_range,
    freeze_field,
    optional_text,
    require_npi,
    require_text,
    write_interchange,
)
from openrcm.x12.write.parties import (
    Name,
    OrganizationName,
    Payer,
    PersonName,
    write_demographics,
    write_name,
)

IMPLEMENTATION_REFERENCE = "005010X212"


@dataclass(frozen=True, slots=True)
class StatusReceiver:
    """2100B: who receives the answer, usually the billing company (NM1*41, ETIN)."""

    name: str
    receiver_id: str


@dataclass(frozen=True, slots=True)
class StatusProvider:
    """2100C: the provider who billed the claim (NM1*1P with its NPI)."""

    name: Name
    npi: str


@dataclass(frozen=True, slots=True)
class StatusSubscriber:
    """2000D/2100D: the insured. Birth date is required when the subscriber is the patient."""

    name: PersonName
    member_id: str
    birth_date: date | None = None
    sex: Literal["F", "M", "U"] | None = None


@dataclass(frozen=True, slots=True)
class StatusPatient:
    """2000E/2100E: the patient when not the subscriber."""

    name: PersonName
    birth_date: date
    sex: Literal["F", "M", "U"] | None = None


@dataclass(frozen=True, slots=True)
class ClaimStatusInquiry:
    """Where does this claim stand with this payer?"""

    payer: Payer
    receiver: StatusReceiver
    provider: StatusProvider
    subscriber: StatusSubscriber
    trace_number: str
    total_charge: Decimal
    service_date: date
    service_date_end: date | None = None
    patient_control_number: str | None = None  # REF*EJ
    payer_claim_control_number: str | None = None  # REF*1K
    patient: StatusPatient | None = None


@dataclass(frozen=True, slots=True)
class ClaimStatusBatch:
    """One 276 transaction. ``reference`` is BHT03 (≤ 50 characters)."""

    reference: str
    inquiries: tuple[ClaimStatusInquiry, ...]

    def __post_init__(self) -> None:
        freeze_field(self, "inquiries")


def write_276(interchange: InterchangeSettings, batch: ClaimStatusBatch) -> bytes:
    """Write one 276 interchange and return its bytes (raises X12WriteError on bad input)."""

    def body(out: SegmentWriter) -> None:
        _write_batch(out, batch, interchange)

    return write_interchange(
        interchange,
        functional_identifier="HR",
        transaction_set_id="276",
        implementation_reference=IMPLEMENTATION_REFERENCE,
        write_body=body,
    )


_Tree = dict[
    Payer,
    dict[
        StatusReceiver,
        dict[
            StatusProvider,
            dict[StatusSubscriber, dict[StatusPatient | None, list[ClaimStatusInquiry]]],
        ],
    ],
]


def _write_batch(
    out: SegmentWriter, batch: ClaimStatusBatch, interchange: InterchangeSettings
) -> None:
    out.where = "batch"
    if not batch.inquiries:
        raise out.error("the batch has no inquiries")
    created = interchange.created_at
    out.segment(
        "BHT",
        "0010",
        "13",
        require_text(out, batch.reference, "BHT03 reference", max_length=50),
        format_date(created.date()),
        f"{created.hour:02d}{created.minute:02d}",
    )
    tree: _Tree = {}
    traces: set[str] = set()
    for inquiry in batch.inquiries:
        out.where = f"inquiry {inquiry.trace_number}"
        if not isinstance(inquiry, ClaimStatusInquiry):
            raise out.error(f"expected a ClaimStatusInquiry, got {type(inquiry).__name__}")
        if inquiry.trace_number in traces:
            raise out.error("trace number appears twice; each inquiry needs its own")
        traces.add(inquiry.trace_number)
        (
            tree.setdefault(inquiry.payer, {})
            .setdefault(inquiry.receiver, {})
            .setdefault(inquiry.provider, {})
            .setdefault(inquiry.subscriber, {})
            .setdefault(inquiry.patient, [])
            .append(inquiry)
        )

    hl = 0
    for payer, receivers in tree.items():
        hl += 1
        payer_hl = hl
        out.where = f"payer {payer.payer_id}"
        out.segment("HL", str(payer_hl), "", "20", "1")
        payer_id = require_text(out, payer.payer_id, "payer id", max_length=80, min_length=2)
        write_name(out, "PR", OrganizationName(payer.name), "payer", "PI", payer_id)
        for receiver, providers in receivers.items():
            hl += 1
            receiver_hl = hl
            out.where = f"information receiver {receiver.receiver_id}"
            out.segment("HL", str(receiver_hl), str(payer_hl), "21", "1")
            receiver_id = require_text(
                out, receiver.receiver_id, "information receiver id", max_length=80, min_length=2
            )
            write_name(
                out,
                "41",
                OrganizationName(receiver.name),
                "information receiver",
                "46",
                receiver_id,
            )
            for provider, subscribers in providers.items():
                hl += 1
                provider_hl = hl
                out.where = f"service provider {provider.npi}"
                out.segment("HL", str(provider_hl), str(receiver_hl), "19", "1")
                npi = require_npi(out, provider.npi, "service provider NPI")
                write_name(out, "1P", provider.name, "service provider", "XX", npi)
                for subscriber, patients in subscribers.items():
                    hl += 1
                    subscriber_hl = hl
                    out.where = f"subscriber {subscriber.member_id}"
                    self_claims = patients.get(None, [])
                    dependents = [p for p in patients if p is not None]
                    out.segment(
                        "HL",
                        str(subscriber_hl),
                        str(provider_hl),
                        "22",
                        "1" if dependents else "0",
                    )
                    if self_claims or subscriber.birth_date is not None:
                        write_demographics(out, subscriber.birth_date, subscriber.sex, "subscriber")
                    member_id = require_text(
                        out,
                        subscriber.member_id,
                        "subscriber member id",
                        max_length=80,
                        min_length=2,
                    )
                    write_name(out, "IL", subscriber.name, "subscriber", "MI", member_id)
                    for inquiry in self_claims:
                        _write_claim(out, inquiry)
                    for patient in dependents:
                        hl += 1
                        out.where = f"dependent of subscriber {subscriber.member_id}"
                        out.segment("HL", str(hl), str(subscriber_hl), "23")
                        write_demographics(out, patient.birth_date, patient.sex, "dependent")
                        write_name(out, "QC", patient.name, "dependent")
                        for inquiry in patients[patient]:
                            _write_claim(out, inquiry)


def _write_claim(out: SegmentWriter, inquiry: ClaimStatusInquiry) -> None:
    out.where = f"inquiry {inquiry.trace_number}"
    out.segment(
        "TRN", "1", require_text(out, inquiry.trace_number, "TRN02 trace number", max_length=50)
    )
    payer_claim = optional_text(
        out, inquiry.payer_claim_control_number, "REF*1K payer claim control number", max_length=50
    )
    patient_control = optional_text(
        out, inquiry.patient_control_number, "REF*EJ patient control number", max_length=50
    )
    if not payer_claim and not patient_control:
        raise out.error(
            "give the payer claim control number (REF*1K) or the patient control number "
            "(REF*EJ), or both, so the payer can find the claim"
        )
    if payer_claim:
        out.segment("REF", "1K", payer_claim)
    if patient_control:
        out.segment("REF", "EJ", patient_control)
    out.segment("AMT", "T3", format_amount(out, inquiry.total_charge, "AMT*T3 total charge"))
    if inquiry.service_date_end is not None and inquiry.service_date_end < inquiry.service_date:
        raise out.error("the service date range ends before it starts")
    out.segment("DTP", "472", *format_date_range(inquiry.service_date, inquiry.service_date_end))
