"""A small writer for the 277 claim status response (005010X212).

Used by the embedded sandbox clearinghouse to answer the 276s openrcm sends: for each
claim asked about, where it stands with the payer (STC: a category such as P1 pending or
F1 finalized, a status code and an entity), with the payer's claim number when it has
one. The output is read back by ``openrcm.x12.read_documents`` as a
``ClaimStatusResponse`` (``is_acknowledgment`` False).

Hierarchy, as in the 276 it answers: HL 20 payer > HL 21 information receiver > HL 19
service provider > HL 22 subscriber > HL 23 dependent; the claim (2200D/E: TRN, STC,
REF, DTP) sits at the level of the patient.
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
    require_npi,
    require_pattern,
    require_text,
    write_interchange,
)
from openrcm.x12.write.inquiry276 import (
    StatusPatient,
    StatusProvider,
    StatusReceiver,
    StatusSubscriber,
)
from openrcm.x12.write.parties import OrganizationName, Payer, write_name

IMPLEMENTATION_REFERENCE = "005010X212"
#: STC01-1 categories of a 277 status response (not the A-only set of a 277CA).
_CATEGORY = re.compile(r"(A[0-8]|D0|E[0-4]|F[0-4]|P[0-5]|R[0-9]|R1[0-6])")
_CODE = re.compile(r"[0-9A-Z]{1,30}")


@dataclass(frozen=True, slots=True)
class ClaimStatusEntry:
    """One STC01 composite: category (P1, F1, A4 ...), status code (20, 35 ...), entity."""

    category: str
    code: str
    entity: str = ""


@dataclass(frozen=True, slots=True)
class ClaimStatusAnswer:
    """The payer's answer about one claim of a 276."""

    payer: Payer
    receiver: StatusReceiver
    provider: StatusProvider
    subscriber: StatusSubscriber
    trace_number: str
    status: ClaimStatusEntry
    effective_date: date
    total_charge: Decimal
    service_date: date
    paid_amount: Decimal = Decimal(0)
    service_date_end: date | None = None
    adjudication_date: date | None = None  # STC06, for finalized claims
    patient_control_number: str = ""  # REF*EJ
    payer_claim_control_number: str = ""  # REF*1K
    patient: StatusPatient | None = None


@dataclass(frozen=True, slots=True)
class ClaimStatusResponse277:
    """One 277 transaction. ``reference`` is BHT03."""

    reference: str
    created: datetime
    answers: tuple[ClaimStatusAnswer, ...]

    def __post_init__(self) -> None:
        freeze_field(self, "answers")


def write_277(interchange: InterchangeSettings, response: ClaimStatusResponse277) -> bytes:
    """Write one 277 interchange and return its bytes (raises X12WriteError on bad input)."""

    def body(out: SegmentWriter) -> None:
        _write_body(out, response)

    return write_interchange(
        interchange,
        functional_identifier="HN",
        transaction_set_id="277",
        implementation_reference=IMPLEMENTATION_REFERENCE,
        write_body=body,
    )


_Tree = dict[
    Payer,
    dict[
        StatusReceiver,
        dict[
            StatusProvider,
            dict[StatusSubscriber, dict[StatusPatient | None, list[ClaimStatusAnswer]]],
        ],
    ],
]


def _write_body(out: SegmentWriter, response: ClaimStatusResponse277) -> None:
    out.where = "277"
    if not response.answers:
        raise out.error("the response has no answers")
    created = response.created
    out.segment(
        "BHT",
        "0010",
        "08",
        require_text(out, response.reference, "BHT03 reference", max_length=50),
        format_date(created.date()),
        f"{created.hour:02d}{created.minute:02d}",
        "DG",
    )
    tree: _Tree = {}
    for answer in response.answers:
        if not isinstance(answer, ClaimStatusAnswer):
            raise out.error(f"expected a ClaimStatusAnswer, got {type(answer).__name__}")
        (
            tree.setdefault(answer.payer, {})
            .setdefault(answer.receiver, {})
            .setdefault(answer.provider, {})
            .setdefault(answer.subscriber, {})
            .setdefault(answer.patient, [])
            .append(answer)
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
                out, "41", OrganizationName(receiver.name), "information receiver", "46",
                receiver_id,
            )  # fmt: skip
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
                    dependents = [p for p in patients if p is not None]
                    out.segment(
                        "HL", str(subscriber_hl), str(provider_hl), "22",
                        "1" if dependents else "0",
                    )  # fmt: skip
                    member_id = require_text(
                        out, subscriber.member_id, "subscriber member id", max_length=80,
                        min_length=2,
                    )  # fmt: skip
                    write_name(out, "IL", subscriber.name, "subscriber", "MI", member_id)
                    for answer in patients.get(None, []):
                        _write_claim(out, answer)
                    for patient in dependents:
                        hl += 1
                        out.where = f"dependent of subscriber {subscriber.member_id}"
                        out.segment("HL", str(hl), str(subscriber_hl), "23")
                        write_name(out, "QC", patient.name, "dependent")
                        for answer in patients[patient]:
                            _write_claim(out, answer)


def _write_claim(out: SegmentWriter, answer: ClaimStatusAnswer) -> None:
    out.where = f"answer {answer.trace_number}"
    out.segment(
        "TRN", "2", require_text(out, answer.trace_number, "TRN02 trace number", max_length=50)
    )
    status = answer.status
    require_pattern(out, status.category, "STC01-1 category", _CATEGORY, "A0-A8, D0, E0-E4, "
                    "F0-F4, P0-P5 or R0-R16")  # fmt: skip
    require_pattern(out, status.code, "STC01-2 status code", _CODE, "a claim status code")
    out.segment(
        "STC",
        (status.category, status.code, status.entity),
        format_date(answer.effective_date),
        "",
        format_amount(out, answer.total_charge, "STC04 total charge"),
        format_amount(out, answer.paid_amount, "STC05 payment amount"),
        format_date(answer.adjudication_date) if answer.adjudication_date else "",
    )
    payer_claim = optional_text(
        out, answer.payer_claim_control_number, "REF*1K payer claim number", max_length=50
    )
    if payer_claim:
        out.segment("REF", "1K", payer_claim)
    patient_control = optional_text(
        out, answer.patient_control_number, "REF*EJ patient control number", max_length=50
    )
    if patient_control:
        out.segment("REF", "EJ", patient_control)
    if answer.service_date_end is not None and answer.service_date_end < answer.service_date:
        raise out.error("the service date range ends before it starts")
    out.segment("DTP", "472", *format_date_range(answer.service_date, answer.service_date_end))
