"""270 eligibility inquiries (005010X279A1): the input model and the writer.

Each :class:`EligibilityInquiry` asks one payer about one subscriber (or one dependent of a
subscriber) on a date of service. Inquiries to the same payer share a 2000A HL, and those
from the same provider under it share a 2000B HL; every inquiry gets its own 2000C (and
2000D for a dependent), with its own trace number (TRN) to match the 271 answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from openrcm.x12.write.encoder import (
    InterchangeSettings,
    SegmentWriter,
    format_date,
    format_date_range,
    freeze_field,
    require_npi,
    require_pattern,
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

IMPLEMENTATION_REFERENCE = "005010X279A1"
MAX_SERVICE_TYPES = 99

_SERVICE_TYPE = re.compile(r"[0-9A-Z]{1,2}")
_TRACE_ORIGINATOR = re.compile(r"[19][0-9A-Z]{9}")


@dataclass(frozen=True, slots=True)
class InformationReceiver:
    """2100B: the provider asking (NM1*1P with its NPI)."""

    name: Name
    npi: str


@dataclass(frozen=True, slots=True)
class EligibilityDependent:
    """2100D: the patient when not the subscriber (the payer knows them by the subscriber's
    member id, so only name, birth date and sex are sent)."""

    name: PersonName
    birth_date: date
    sex: Literal["F", "M", "U"] | None = None


@dataclass(frozen=True, slots=True)
class EligibilitySubscriber:
    """2100C: the insured."""

    name: PersonName
    member_id: str
    birth_date: date | None = None
    sex: Literal["F", "M", "U"] | None = None


@dataclass(frozen=True, slots=True)
class EligibilityInquiry:
    """One question: is this person covered by this payer on this date, for these services?

    ``trace_number`` (TRN02) comes back in the 271; ``trace_originator`` (TRN03) is the
    10-character id of who assigned it: "1" + EIN, or "9" + a 9-character id.
    ``service_type_codes`` are EQ01 codes (30 = health benefit plan coverage).
    """

    payer: Payer
    receiver: InformationReceiver
    subscriber: EligibilitySubscriber
    service_date: date
    trace_number: str
    trace_originator: str
    dependent: EligibilityDependent | None = None
    service_type_codes: tuple[str, ...] = ("30",)
    service_date_end: date | None = None

    def __post_init__(self) -> None:
        freeze_field(self, "service_type_codes")


@dataclass(frozen=True, slots=True)
class EligibilityBatch:
    """One 270 transaction. ``reference`` is BHT03 (≤ 50 characters)."""

    reference: str
    inquiries: tuple[EligibilityInquiry, ...]

    def __post_init__(self) -> None:
        freeze_field(self, "inquiries")


def write_270(interchange: InterchangeSettings, batch: EligibilityBatch) -> bytes:
    """Write one 270 interchange and return its bytes (raises X12WriteError on bad input)."""

    def body(out: SegmentWriter) -> None:
        _write_batch(out, batch, interchange)

    return write_interchange(
        interchange,
        functional_identifier="HS",
        transaction_set_id="270",
        implementation_reference=IMPLEMENTATION_REFERENCE,
        write_body=body,
    )


def _write_batch(
    out: SegmentWriter, batch: EligibilityBatch, interchange: InterchangeSettings
) -> None:
    out.where = "batch"
    if not batch.inquiries:
        raise out.error("the batch has no inquiries")
    created = interchange.created_at
    out.segment(
        "BHT",
        "0022",
        "13",
        require_text(out, batch.reference, "BHT03 reference", max_length=50),
        format_date(created.date()),
        f"{created.hour:02d}{created.minute:02d}",
    )
    groups: dict[Payer, dict[InformationReceiver, list[EligibilityInquiry]]] = {}
    traces: set[tuple[str, str]] = set()
    for inquiry in batch.inquiries:
        out.where = f"inquiry {inquiry.trace_number}"
        if not isinstance(inquiry, EligibilityInquiry):
            raise out.error(f"expected an EligibilityInquiry, got {type(inquiry).__name__}")
        key = (inquiry.trace_originator, inquiry.trace_number)
        if key in traces:
            raise out.error("trace number appears twice; each inquiry needs its own")
        traces.add(key)
        groups.setdefault(inquiry.payer, {}).setdefault(inquiry.receiver, []).append(inquiry)

    hl = 0
    for payer, receivers in groups.items():
        hl += 1
        payer_hl = hl
        out.where = f"payer {payer.payer_id}"
        out.segment("HL", str(payer_hl), "", "20", "1")
        payer_id = require_text(out, payer.payer_id, "payer id", max_length=80, min_length=2)
        write_name(out, "PR", OrganizationName(payer.name), "payer", "PI", payer_id)
        for receiver, inquiries in receivers.items():
            hl += 1
            receiver_hl = hl
            out.where = f"information receiver {receiver.npi}"
            out.segment("HL", str(receiver_hl), str(payer_hl), "21", "1")
            npi = require_npi(out, receiver.npi, "information receiver NPI")
            write_name(out, "1P", receiver.name, "information receiver", "XX", npi)
            for inquiry in inquiries:
                hl += 1
                hl = _write_inquiry(out, inquiry, hl, receiver_hl)


def _write_inquiry(
    out: SegmentWriter, inquiry: EligibilityInquiry, hl: int, receiver_hl: int
) -> int:
    out.where = f"inquiry {inquiry.trace_number}"
    trace = (
        "TRN",
        "1",
        require_text(out, inquiry.trace_number, "TRN02 trace number", max_length=50),
        require_pattern(
            out,
            inquiry.trace_originator,
            "TRN03 trace originator",
            _TRACE_ORIGINATOR,
            "10 characters: '1' + EIN or '9' + 9-character id",
        ),
    )
    codes = inquiry.service_type_codes
    if not 1 <= len(codes) <= MAX_SERVICE_TYPES:
        raise out.error(f"an inquiry needs 1 to {MAX_SERVICE_TYPES} service type codes")
    for code in codes:
        require_pattern(out, code, "EQ01 service type code", _SERVICE_TYPE, "1-2 characters")
    if inquiry.service_date_end is not None and inquiry.service_date_end < inquiry.service_date:
        raise out.error("the date-of-service range ends before it starts")
    subscriber = inquiry.subscriber
    dependent = inquiry.dependent
    out.segment("HL", str(hl), str(receiver_hl), "22", "0" if dependent is None else "1")
    if dependent is None:
        out.segment(*trace)
    member_id = require_text(
        out, subscriber.member_id, "subscriber member id", max_length=80, min_length=2
    )
    write_name(out, "IL", subscriber.name, "subscriber", "MI", member_id)
    if subscriber.birth_date is not None:
        write_demographics(out, subscriber.birth_date, subscriber.sex, "subscriber")
    elif dependent is None:
        raise out.error("subscriber birth date is required when the subscriber is the patient")
    if dependent is not None:
        subscriber_hl = hl
        hl += 1
        out.segment("HL", str(hl), str(subscriber_hl), "23", "0")
        out.segment(*trace)
        write_name(out, "03", dependent.name, "dependent")
        write_demographics(out, dependent.birth_date, dependent.sex, "dependent")
    out.segment("DTP", "291", *format_date_range(inquiry.service_date, inquiry.service_date_end))
    for code in codes:
        out.segment("EQ", code)
    return hl
