"""A small writer for the 271 eligibility response (005010X279A1).

Used by the embedded sandbox clearinghouse to answer the 270s openrcm sends: for each
inquiry, the payer says whether the member is covered on the date asked (EB01 1 active,
6 inactive) with the plan dates, deductible, out-of-pocket, copay and coinsurance, or
that it cannot answer (AAA, e.g. 75 "subscriber not found"). The output is read back by
``openrcm.x12.read_documents`` as an ``EligibilityResponse``.

Hierarchy, as in the 270 it answers: HL 20 information source (payer) > HL 21
information receiver (provider) > HL 22 subscriber > HL 23 dependent. Answers to the
same payer share an HL 20, and those for the same provider under it share an HL 21. The
inquiry's trace number comes back in a ``TRN*2`` at the level of the patient asked about.
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
    freeze_field,
    optional_text,
    require_npi,
    require_pattern,
    require_text,
    write_interchange,
)
from openrcm.x12.write.inquiry270 import (
    EligibilityDependent,
    EligibilitySubscriber,
    InformationReceiver,
)
from openrcm.x12.write.parties import OrganizationName, Payer, write_demographics, write_name

IMPLEMENTATION_REFERENCE = "005010X279A1"

#: EB01 codes this writer accepts (the reader's ``BENEFIT_KINDS`` knows them all).
BENEFIT_CODES = frozenset("12345678ABCDEFGIJLNRUWXY")
_CODE = re.compile(r"[0-9A-Z]{1,3}")
_TRACE_ORIGINATOR = re.compile(r"[19][0-9A-Z]{9}")
_AAA_REASON = re.compile(r"[0-9A-Z]{2}")
_FOLLOW_UP = frozenset({"C", "N", "P", "R", "S", "W", "X", "Y"})
_NETWORK = {True: "Y", False: "N", None: ""}


@dataclass(frozen=True, slots=True)
class BenefitLine:
    """One EB segment (loop 2110C/D) and its messages.

    ``percent`` is a fraction (``Decimal("0.2")`` for 20 %), as X12 carries it in EB08.
    ``time_period`` is EB06 (23 calendar year, 29 remaining, 27 visit ...).
    """

    code: str
    service_type: str = ""
    coverage_level: str = ""  # IND individual, FAM family
    insurance_type: str = ""  # EB04: C1 commercial, MB Medicare Part B, MC Medicaid ...
    plan_description: str = ""
    time_period: str = ""
    amount: Decimal | None = None
    percent: Decimal | None = None
    in_network: bool | None = None
    messages: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        freeze_field(self, "messages")


@dataclass(frozen=True, slots=True)
class RequestRejection:
    """AAA: why the payer cannot answer (AAA03 reason, AAA04 follow-up action)."""

    reason_code: str  # 72 invalid member id, 73 invalid name, 75 subscriber not found ...
    follow_up: str = "C"  # C: correct and resubmit


@dataclass(frozen=True, slots=True)
class EligibilityAnswer:
    """The payer's answer to one 270 inquiry.

    The answer is about the dependent when there is one, else about the subscriber;
    ``trace_number`` and ``trace_originator`` echo the inquiry's TRN.
    """

    payer: Payer
    receiver: InformationReceiver
    subscriber: EligibilitySubscriber
    trace_number: str
    trace_originator: str
    dependent: EligibilityDependent | None = None
    rejection: RequestRejection | None = None
    plan_begin: date | None = None
    plan_end: date | None = None
    group_number: str = ""
    benefits: tuple[BenefitLine, ...] = ()

    def __post_init__(self) -> None:
        freeze_field(self, "benefits")


@dataclass(frozen=True, slots=True)
class EligibilityResponse271:
    """One 271 transaction. ``reference`` is BHT03 (the 270's reference, echoed)."""

    reference: str
    created: datetime
    answers: tuple[EligibilityAnswer, ...]

    def __post_init__(self) -> None:
        freeze_field(self, "answers")


def write_271(interchange: InterchangeSettings, response: EligibilityResponse271) -> bytes:
    """Write one 271 interchange and return its bytes (raises X12WriteError on bad input)."""

    def body(out: SegmentWriter) -> None:
        _write_body(out, response)

    return write_interchange(
        interchange,
        functional_identifier="HB",
        transaction_set_id="271",
        implementation_reference=IMPLEMENTATION_REFERENCE,
        write_body=body,
    )


def _write_body(out: SegmentWriter, response: EligibilityResponse271) -> None:
    out.where = "271"
    if not response.answers:
        raise out.error("the response has no answers")
    created = response.created
    out.segment(
        "BHT",
        "0022",
        "11",
        require_text(out, response.reference, "BHT03 reference", max_length=50),
        format_date(created.date()),
        f"{created.hour:02d}{created.minute:02d}",
    )
    groups: dict[Payer, dict[InformationReceiver, list[EligibilityAnswer]]] = {}
    for answer in response.answers:
        if not isinstance(answer, EligibilityAnswer):
            raise out.error(f"expected an EligibilityAnswer, got {type(answer).__name__}")
        groups.setdefault(answer.payer, {}).setdefault(answer.receiver, []).append(answer)
    hl = 0
    for payer, receivers in groups.items():
        hl += 1
        payer_hl = hl
        out.where = f"payer {payer.payer_id}"
        out.segment("HL", str(payer_hl), "", "20", "1")
        payer_id = require_text(out, payer.payer_id, "payer id", max_length=80, min_length=2)
        write_name(out, "PR", OrganizationName(payer.name), "payer", "PI", payer_id)
        for receiver, answers in receivers.items():
            hl += 1
            receiver_hl = hl
            out.where = f"information receiver {receiver.npi}"
            out.segment("HL", str(receiver_hl), str(payer_hl), "21", "1")
            npi = require_npi(out, receiver.npi, "information receiver NPI")
            write_name(out, "1P", receiver.name, "information receiver", "XX", npi)
            for answer in answers:
                hl = _write_answer(out, answer, hl + 1, receiver_hl)


def _trace(out: SegmentWriter, answer: EligibilityAnswer) -> None:
    out.segment(
        "TRN",
        "2",
        require_text(out, answer.trace_number, "TRN02 trace number", max_length=50),
        require_pattern(
            out,
            answer.trace_originator,
            "TRN03 trace originator",
            _TRACE_ORIGINATOR,
            "10 characters: '1' + EIN or '9' + 9-character id",
        ),
    )


def _write_member_details(out: SegmentWriter, answer: EligibilityAnswer) -> None:
    """What follows the patient's NM1: REF, AAA, DMG, DTP (2100C/D order), then EBs."""
    group = optional_text(out, answer.group_number, "REF*6P group number", max_length=50)
    if group and answer.rejection is None:
        out.segment("REF", "6P", group)
    if answer.rejection is not None:
        rejection = answer.rejection
        out.segment(
            "AAA",
            "Y",
            "",
            require_pattern(
                out, rejection.reason_code, "AAA03 reason", _AAA_REASON, "two characters"
            ),
            rejection.follow_up if rejection.follow_up in _FOLLOW_UP else "C",
        )
        if answer.benefits:
            raise out.error("an answer with an AAA rejection carries no benefits")
    person = answer.dependent or answer.subscriber
    if person.birth_date is not None:
        write_demographics(out, person.birth_date, person.sex, "patient")
    if answer.rejection is not None:
        return
    if answer.plan_begin and answer.plan_end and answer.plan_end < answer.plan_begin:
        raise out.error("the plan ends before it begins")
    if answer.plan_begin is not None:
        out.segment("DTP", "346", "D8", format_date(answer.plan_begin))
    if answer.plan_end is not None:
        out.segment("DTP", "347", "D8", format_date(answer.plan_end))
    if not answer.benefits:
        raise out.error("an answer needs at least one benefit (EB) or an AAA rejection")
    for number, benefit in enumerate(answer.benefits, start=1):
        out.where = f"answer {answer.trace_number} benefit {number}"
        _write_benefit(out, benefit)


def _percent(out: SegmentWriter, value: Decimal) -> str:
    if not isinstance(value, Decimal) or not value.is_finite() or not 0 <= value <= 1:
        raise out.error(f"EB08 percent {value!r} must be a Decimal fraction from 0 to 1")
    text = f"{value.normalize():f}"
    return "0" if text in ("0", "-0") else text


def _write_benefit(out: SegmentWriter, benefit: BenefitLine) -> None:
    if benefit.code not in BENEFIT_CODES:
        raise out.error(f"EB01 {benefit.code!r} is not an eligibility or benefit code")
    for what, value in (
        ("EB02 coverage level", benefit.coverage_level),
        ("EB03 service type", benefit.service_type),
        ("EB04 insurance type", benefit.insurance_type),
        ("EB06 time period", benefit.time_period),
    ):
        if value:
            require_pattern(out, value, what, _CODE, "1 to 3 letters or digits")
    out.segment(
        "EB",
        benefit.code,
        benefit.coverage_level,
        benefit.service_type,
        benefit.insurance_type,
        optional_text(out, benefit.plan_description, "EB05 plan description", max_length=50),
        benefit.time_period,
        "" if benefit.amount is None else format_amount(out, benefit.amount, "EB07 amount"),
        "" if benefit.percent is None else _percent(out, benefit.percent),
        "",
        "",
        "",
        _NETWORK[benefit.in_network],
    )
    for message in benefit.messages:
        out.segment("MSG", require_text(out, message, "MSG01", max_length=264))


def _write_answer(out: SegmentWriter, answer: EligibilityAnswer, hl: int, receiver_hl: int) -> int:
    out.where = f"answer {answer.trace_number}"
    subscriber = answer.subscriber
    dependent = answer.dependent
    out.segment("HL", str(hl), str(receiver_hl), "22", "0" if dependent is None else "1")
    if dependent is None:
        _trace(out, answer)
    member_id = require_text(
        out, subscriber.member_id, "subscriber member id", max_length=80, min_length=2
    )
    write_name(out, "IL", subscriber.name, "subscriber", "MI", member_id)
    if dependent is None:
        _write_member_details(out, answer)
        return hl
    if subscriber.birth_date is not None:
        write_demographics(out, subscriber.birth_date, subscriber.sex, "subscriber")
    subscriber_hl = hl
    hl += 1
    out.segment("HL", str(hl), str(subscriber_hl), "23", "0")
    _trace(out, answer)
    write_name(out, "03", dependent.name, "dependent")
    _write_member_details(out, answer)
    return hl
