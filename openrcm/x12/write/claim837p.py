"""837P professional claims (005010X222A1): the input model and the writer.

A billing company hands over a :class:`ClaimBatch837P` (who submits, to whom, and the
claims); :func:`write_837p` turns it into one interchange. Claims that share a billing
provider share a 2000A HL; claims that share subscriber and payer share a 2000B HL (and,
for a dependent patient, a 2000C HL), in the order the claims were given.

Everything the writer can check without the payer's help it checks, and it refuses rather
than guesses: CLM02 must equal the sum of the line charges, a replacement (7) or void (8)
needs the payer's claim control number, a secondary claim must balance against what the
prior payer paid, and so on. Every error names the claim (patient control number) and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from openrcm.x12.write.encoder import (
    Element,
    InterchangeSettings,
    SegmentWriter,
    format_amount,
    format_date,
    format_date_range,
    format_quantity,
    freeze_field,
    optional_text,
    require_code,
    require_npi,
    require_pattern,
    require_text,
    write_interchange,
)
from openrcm.x12.write.parties import (
    Address,
    Contact,
    Name,
    OrganizationName,
    Payer,
    PersonName,
    write_address,
    write_contact,
    write_demographics,
    write_name,
)

IMPLEMENTATION_REFERENCE = "005010X222A1"

MAX_LINES_PER_CLAIM = 50
MAX_DIAGNOSES = 12
MAX_OTHER_PAYERS = 10
MAX_PATIENT_CONTROL_NUMBER = 20

_ICD10 = re.compile(r"[A-Z][0-9][0-9A-Z][0-9A-Z]{0,4}")
_PROCEDURE = re.compile(r"[0-9A-Z]{5}")
_MODIFIER = re.compile(r"[0-9A-Z]{2}")
_PLACE_OF_SERVICE = re.compile(r"[0-9]{2}")
_TAXONOMY = re.compile(r"[0-9]{3}[0-9A-Z]{6}X")
_TAX_ID = re.compile(r"[0-9]{9}")
_CARC = re.compile(r"[0-9A-Z]{1,5}")

_RESPONSIBILITY = frozenset("PSTABCDEFGHU")
# SBR09 claim filing indicator codes (X12 code list 1032 as used by the 837P).
_FILING_INDICATORS = frozenset(
    {"11", "12", "13", "14", "15", "16", "17", "AM", "BL", "CH", "CI", "DS", "FI", "HM"}
    | {"LM", "MA", "MB", "MC", "OF", "TV", "VA", "WC", "ZZ"}
)
_PATIENT_RELATIONSHIPS = frozenset({"01", "19", "20", "21", "39", "40", "53", "G8"})
_OTHER_SUBSCRIBER_RELATIONSHIPS = _PATIENT_RELATIONSHIPS | {"18"}
_ADJUSTMENT_GROUPS = frozenset({"CO", "CR", "OA", "PI", "PR"})
_FREQUENCIES = frozenset({"1", "7", "8"})
_ASSIGNMENT_CODES = frozenset({"A", "B", "C"})
_RELEASE_CODES = frozenset({"I", "Y"})
_UNIT_BASIS = frozenset({"UN", "MJ"})

Frequency = Literal["1", "7", "8"]


@dataclass(frozen=True, slots=True)
class Submitter:
    """1000A: the billing company as known to the receiver (ETIN), and its EDI contact."""

    name: Name
    submitter_id: str
    contact: Contact


@dataclass(frozen=True, slots=True)
class Receiver:
    """1000B: the clearinghouse or payer receiving the file."""

    name: str
    receiver_id: str


@dataclass(frozen=True, slots=True)
class BillingProvider:
    """2000A/2010AA: who bills. The street address needs a 9-digit ZIP; no PO box."""

    name: Name
    npi: str
    address: Address
    tax_id: str  # 9 digits, no dash
    taxonomy: str | None = None  # PRV*BI
    tax_id_qualifier: Literal["EI", "SY"] = "EI"
    contact: Contact | None = None
    pay_to_address: Address | None = None  # 2010AB, when payments go elsewhere


@dataclass(frozen=True, slots=True)
class Subscriber:
    """2000B/2010BA: the insured. Address, birth date and sex are required when the
    subscriber is the patient (the claim has no :class:`Patient`)."""

    name: PersonName
    member_id: str
    payer_responsibility: str = "P"  # SBR01: P, S, T (and A-H, U)
    claim_filing_indicator: str = "CI"  # SBR09: CI, MB, MC, BL, HM, ...
    group_number: str = ""
    group_name: str = ""
    address: Address | None = None
    birth_date: date | None = None
    sex: Literal["F", "M", "U"] | None = None


@dataclass(frozen=True, slots=True)
class Patient:
    """2000C: the patient when not the subscriber. ``relationship`` is PAT01 (19 child,
    01 spouse, ...)."""

    name: PersonName
    relationship: str
    address: Address
    birth_date: date
    sex: Literal["F", "M", "U"]


@dataclass(frozen=True, slots=True)
class Provider:
    """A provider named on a claim (2310A referring, 2310B rendering)."""

    name: Name
    npi: str
    taxonomy: str | None = None  # rendering only: PRV*PE


@dataclass(frozen=True, slots=True)
class ServiceFacility:
    """2310C: where the service was given, when not the billing provider's address."""

    name: str
    address: Address
    npi: str | None = None


@dataclass(frozen=True, slots=True)
class Adjustment:
    """One CAS triplet: group (CO, PR, OA, PI, CR), reason (CARC), amount, quantity."""

    group_code: str
    reason_code: str
    amount: Decimal
    quantity: Decimal | None = None


@dataclass(frozen=True, slots=True)
class LineAdjudication:
    """2430: how a prior payer adjudicated one line (SVD, CAS, DTP*573).

    ``payer_id`` must be the id of one of the claim's :class:`OtherPayer`. The procedure
    code and modifiers default to the line's own (give them when the payer changed them).
    """

    payer_id: str
    paid_amount: Decimal
    adjudication_date: date
    adjustments: tuple[Adjustment, ...] = ()
    paid_units: Decimal = Decimal(1)
    procedure_code: str | None = None
    modifiers: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        freeze_field(self, "adjustments")
        if self.modifiers is not None:
            freeze_field(self, "modifiers")


@dataclass(frozen=True, slots=True)
class OtherPayer:
    """2320/2330A/2330B: a payer that has (or will) see the claim, and its subscriber.

    On a secondary claim this is the primary payer, with what it paid (AMT*D) and its
    claim-level adjustments (CAS). ``responsibility`` is that payer's SBR01 (P for the
    primary) and ``relationship`` the patient's relationship to that subscriber (18 self).
    """

    payer: Payer
    subscriber_name: PersonName
    subscriber_member_id: str
    responsibility: str = "P"
    relationship: str = "18"
    claim_filing_indicator: str = "CI"
    group_number: str = ""
    group_name: str = ""
    paid_amount: Decimal | None = None  # AMT*D, when the payer adjudicated the claim
    remaining_patient_liability: Decimal | None = None  # AMT*EAF
    adjustments: tuple[Adjustment, ...] = ()  # claim-level CAS
    adjudication_date: date | None = None  # 2330B DTP*573, when no 2430 lines are sent
    subscriber_address: Address | None = None
    benefits_assigned: bool = True  # OI03
    release_of_information: Literal["I", "Y"] = "Y"  # OI06

    def __post_init__(self) -> None:
        freeze_field(self, "adjustments")


@dataclass(frozen=True, slots=True)
class ServiceLine:
    """2400: one procedure on one date (or date range).

    ``diagnosis_pointers`` are 1-based positions in the claim's ``diagnosis_codes`` (1 to 4
    of them). ``line_item_control_number`` is written as REF*6R and comes back in the 835.
    """

    procedure_code: str
    charge: Decimal
    service_date: date
    diagnosis_pointers: tuple[int, ...] = (1,)
    units: Decimal = Decimal(1)
    modifiers: tuple[str, ...] = ()
    service_date_end: date | None = None
    unit_basis: Literal["UN", "MJ"] = "UN"
    place_of_service: str | None = None  # only when different from the claim's
    line_item_control_number: str | None = None
    prior_payer_adjudications: tuple[LineAdjudication, ...] = ()

    def __post_init__(self) -> None:
        freeze_field(self, "diagnosis_pointers")
        freeze_field(self, "modifiers")
        freeze_field(self, "prior_payer_adjudications")


@dataclass(frozen=True, slots=True)
class Claim837P:
    """2300: one claim, with the parties it is grouped under in the file."""

    billing_provider: BillingProvider
    subscriber: Subscriber
    payer: Payer
    patient_control_number: str
    total_charge: Decimal
    place_of_service: str
    diagnosis_codes: tuple[str, ...]
    lines: tuple[ServiceLine, ...]
    patient: Patient | None = None
    frequency_code: Frequency = "1"
    payer_claim_control_number: str | None = None  # REF*F8: required for 7 and 8
    provider_signature_on_file: bool = True  # CLM06
    assignment_code: Literal["A", "B", "C"] = "A"  # CLM07
    benefits_assigned: bool = True  # CLM08
    release_of_information: Literal["I", "Y"] = "Y"  # CLM09
    delay_reason_code: str | None = None  # CLM20
    onset_date: date | None = None  # DTP*431
    initial_treatment_date: date | None = None  # DTP*454
    last_seen_date: date | None = None  # DTP*304
    prior_authorization: str | None = None  # REF*G1
    note: str | None = None  # NTE*ADD
    referring_provider: Provider | None = None  # 2310A
    rendering_provider: Provider | None = None  # 2310B
    service_facility: ServiceFacility | None = None  # 2310C
    other_payers: tuple[OtherPayer, ...] = ()  # 2320/2330

    def __post_init__(self) -> None:
        freeze_field(self, "diagnosis_codes")
        freeze_field(self, "lines")
        freeze_field(self, "other_payers")


@dataclass(frozen=True, slots=True)
class ClaimBatch837P:
    """One 837P transaction: BHT, submitter, receiver and the claims.

    ``reference`` is BHT03, the submitter's batch id (≤ 50 characters).
    ``purpose`` is BHT02 (00 original, 18 reissue); ``claim_type`` is BHT06 (CH chargeable,
    RP encounter reporting).
    """

    submitter: Submitter
    receiver: Receiver
    reference: str
    claims: tuple[Claim837P, ...]
    purpose: Literal["00", "18"] = "00"
    claim_type: Literal["CH", "RP"] = "CH"

    def __post_init__(self) -> None:
        freeze_field(self, "claims")


# --- the writer ------------------------------------------------------------------------


def write_837p(interchange: InterchangeSettings, batch: ClaimBatch837P) -> bytes:
    """Write one 837P interchange (ISA/GS/ST ... SE/GE/IEA) and return its bytes.

    Raises :class:`~openrcm.x12.errors.X12WriteError` for input that cannot be written as a
    valid 005010X222A1 transaction; nothing is returned in that case.
    """

    def body(out: SegmentWriter) -> None:
        _write_batch(out, batch, interchange)

    return write_interchange(
        interchange,
        functional_identifier="HC",
        transaction_set_id="837",
        implementation_reference=IMPLEMENTATION_REFERENCE,
        write_body=body,
    )


def _write_batch(
    out: SegmentWriter, batch: ClaimBatch837P, interchange: InterchangeSettings
) -> None:
    out.where = "batch"
    if not batch.claims:
        raise out.error("the batch has no claims")
    require_code(out, batch.purpose, "BHT02 purpose", frozenset({"00", "18"}))
    require_code(out, batch.claim_type, "BHT06 claim type", frozenset({"CH", "RP"}))
    created = interchange.created_at
    out.segment(
        "BHT",
        "0019",
        batch.purpose,
        require_text(out, batch.reference, "BHT03 batch reference", max_length=50),
        format_date(created.date()),
        f"{created.hour:02d}{created.minute:02d}",
        batch.claim_type,
    )
    out.where = "submitter"
    submitter = batch.submitter
    write_name(
        out,
        "41",
        submitter.name,
        "submitter",
        "46",
        require_text(out, submitter.submitter_id, "submitter id", max_length=80, min_length=2),
    )
    write_contact(out, submitter.contact, "submitter contact")
    out.where = "receiver"
    write_name(
        out,
        "40",
        OrganizationName(batch.receiver.name),
        "receiver",
        "46",
        require_text(out, batch.receiver.receiver_id, "receiver id", max_length=80, min_length=2),
    )

    # Group claims: billing provider -> (subscriber, payer, self or not) -> patient.
    seen: set[str] = set()
    groups: dict[
        BillingProvider, dict[tuple[Subscriber, Payer, bool], dict[Patient | None, list[Claim837P]]]
    ] = {}
    for claim in batch.claims:
        out.where = f"claim {claim.patient_control_number}"
        if not isinstance(claim, Claim837P):
            raise out.error(f"expected a Claim837P, got {type(claim).__name__}")
        if claim.patient_control_number in seen:
            raise out.error(
                "patient control number appears twice in the batch; each claim needs its own "
                "so that the 835 and 277CA can be matched back"
            )
        seen.add(claim.patient_control_number)
        subscribers = groups.setdefault(claim.billing_provider, {})
        patients = subscribers.setdefault(
            (claim.subscriber, claim.payer, claim.patient is None), {}
        )
        patients.setdefault(claim.patient, []).append(claim)

    hl = 0
    for provider, subscribers in groups.items():
        hl += 1
        provider_hl = hl
        out.where = f"billing provider {provider.npi}"
        out.segment("HL", str(provider_hl), "", "20", "1")
        _write_billing_provider(out, provider)
        for (subscriber, payer, is_patient), patients in subscribers.items():
            hl += 1
            subscriber_hl = hl
            out.where = f"subscriber {subscriber.member_id}"
            out.segment(
                "HL", str(subscriber_hl), str(provider_hl), "22", "0" if is_patient else "1"
            )
            _write_subscriber(out, subscriber, payer, is_patient)
            for patient, claims in patients.items():
                if patient is not None:
                    hl += 1
                    out.where = f"patient of subscriber {subscriber.member_id}"
                    out.segment("HL", str(hl), str(subscriber_hl), "23", "0")
                    _write_patient(out, patient)
                for claim in claims:
                    _write_claim(out, claim)


def _write_billing_provider(out: SegmentWriter, provider: BillingProvider) -> None:
    if provider.taxonomy is not None:
        taxonomy = require_pattern(
            out,
            provider.taxonomy,
            "billing provider taxonomy",
            _TAXONOMY,
            "a 10-character NUCC code",
        )
        out.segment("PRV", "BI", "PXC", taxonomy)
    npi = require_npi(out, provider.npi, "billing provider NPI")
    write_name(out, "85", provider.name, "billing provider", "XX", npi)
    write_address(out, provider.address, "billing provider", nine_digit_zip=True)
    require_code(
        out, provider.tax_id_qualifier, "billing provider tax id qualifier", frozenset({"EI", "SY"})
    )
    out.segment(
        "REF",
        provider.tax_id_qualifier,
        require_pattern(
            out, provider.tax_id, "billing provider tax id", _TAX_ID, "9 digits, no dash"
        ),
    )
    if provider.contact is not None:
        write_contact(out, provider.contact, "billing provider contact")
    if provider.pay_to_address is not None:
        out.segment("NM1", "87", "2")
        write_address(out, provider.pay_to_address, "pay-to")


def _write_subscriber(
    out: SegmentWriter, subscriber: Subscriber, payer: Payer, is_patient: bool
) -> None:
    require_code(
        out, subscriber.payer_responsibility, "SBR01 payer responsibility", _RESPONSIBILITY
    )
    require_code(
        out, subscriber.claim_filing_indicator, "SBR09 claim filing indicator", _FILING_INDICATORS
    )
    group_number = optional_text(out, subscriber.group_number, "group number", max_length=50)
    group_name = optional_text(out, subscriber.group_name, "group name", max_length=60)
    out.segment(
        "SBR",
        subscriber.payer_responsibility,
        "18" if is_patient else "",
        group_number,
        "" if group_number else group_name,
        "",
        "",
        "",
        "",
        subscriber.claim_filing_indicator,
    )
    member_id = require_text(
        out, subscriber.member_id, "subscriber member id", max_length=80, min_length=2
    )
    write_name(out, "IL", subscriber.name, "subscriber", "MI", member_id)
    if not isinstance(subscriber.name, PersonName):
        raise out.error("subscriber name must be a PersonName")
    if is_patient:
        if subscriber.address is None:
            raise out.error("subscriber address is required when the subscriber is the patient")
        write_address(out, subscriber.address, "subscriber")
        write_demographics(out, subscriber.birth_date, subscriber.sex or "U", "subscriber")
    else:
        if subscriber.address is not None:
            write_address(out, subscriber.address, "subscriber")
        if subscriber.birth_date is not None:
            write_demographics(out, subscriber.birth_date, subscriber.sex or "U", "subscriber")
    _write_payer(out, payer, "payer")


def _write_payer(out: SegmentWriter, payer: Payer, what: str) -> None:
    payer_id = require_text(out, payer.payer_id, f"{what} id", max_length=80, min_length=2)
    write_name(out, "PR", OrganizationName(payer.name), what, "PI", payer_id)
    if payer.address is not None:
        write_address(out, payer.address, what)


def _write_patient(out: SegmentWriter, patient: Patient) -> None:
    require_code(out, patient.relationship, "PAT01 patient relationship", _PATIENT_RELATIONSHIPS)
    out.segment("PAT", patient.relationship)
    if not isinstance(patient.name, PersonName):
        raise out.error("patient name must be a PersonName")
    write_name(out, "QC", patient.name, "patient")
    write_address(out, patient.address, "patient")
    write_demographics(out, patient.birth_date, patient.sex, "patient")


def _diagnosis(out: SegmentWriter, code: str, position: int) -> str:
    if not isinstance(code, str):
        raise out.error(f"diagnosis {position} must be text, got {code!r}")
    compact = code.strip().replace(".", "").upper()
    if _ICD10.fullmatch(compact) is None:
        raise out.error(
            f"diagnosis {position} {code!r} is not an ICD-10-CM code (letter, digit, then 1 to "
            "5 letters or digits)"
        )
    return compact


def _write_claim(out: SegmentWriter, claim: Claim837P) -> None:
    out.where = f"claim {claim.patient_control_number}"
    pcn = require_text(
        out,
        claim.patient_control_number,
        "CLM01 patient control number",
        max_length=MAX_PATIENT_CONTROL_NUMBER,
    )
    if not claim.lines:
        raise out.error("the claim has no service lines")
    if len(claim.lines) > MAX_LINES_PER_CLAIM:
        raise out.error(
            f"the claim has {len(claim.lines)} service lines; an 837P claim holds at most "
            f"{MAX_LINES_PER_CLAIM}: split it into several claims"
        )
    total = format_amount(out, claim.total_charge, "CLM02 total charge")
    line_sum = sum(
        (line.charge for line in claim.lines if isinstance(line.charge, Decimal)), Decimal(0)
    )
    for index, line in enumerate(claim.lines, start=1):
        if not isinstance(line, ServiceLine):
            raise out.error(f"line {index} must be a ServiceLine, got {type(line).__name__}")
        format_amount(out, line.charge, f"line {index} SV102 charge")
    if line_sum != claim.total_charge:
        raise out.error(
            f"CLM02 total charge {claim.total_charge} does not equal the sum of the line "
            f"charges {line_sum}"
        )
    pos = require_pattern(
        out, claim.place_of_service, "CLM05-1 place of service", _PLACE_OF_SERVICE, "2 digits"
    )
    frequency = require_code(out, claim.frequency_code, "CLM05-3 frequency code", _FREQUENCIES)
    require_code(out, claim.assignment_code, "CLM07 assignment code", _ASSIGNMENT_CODES)
    require_code(out, claim.release_of_information, "CLM09 release of information", _RELEASE_CODES)
    payer_claim_number = optional_text(
        out, claim.payer_claim_control_number, "REF*F8 payer claim control number", max_length=50
    )
    if frequency in ("7", "8") and not payer_claim_number:
        kind = "replacement" if frequency == "7" else "void"
        raise out.error(
            f"a {kind} claim (frequency {frequency}) needs the payer claim control number "
            "(REF*F8) of the claim it corrects, from the 835 CLP07"
        )
    if frequency == "1" and payer_claim_number:
        raise out.error(
            "an original claim (frequency 1) must not carry a payer claim control number "
            "(REF*F8); use frequency 7 to replace or 8 to void a paid claim"
        )
    delay = optional_text(out, claim.delay_reason_code, "CLM20 delay reason code", max_length=2)
    clm: list[Element] = [
        pcn,
        total,
        "",
        "",
        (pos, "B", frequency),
        "Y" if claim.provider_signature_on_file else "N",
        claim.assignment_code,
        "Y" if claim.benefits_assigned else "N",
        claim.release_of_information,
    ]
    if delay:
        clm += ["", "", "", "", "", "", "", "", "", "", delay]
    out.segment("CLM", *clm)
    for qualifier, when in (
        ("431", claim.onset_date),
        ("454", claim.initial_treatment_date),
        ("304", claim.last_seen_date),
    ):
        if when is not None:
            out.segment("DTP", qualifier, "D8", format_date(when))
    if claim.prior_authorization:
        auth = optional_text(
            out, claim.prior_authorization, "REF*G1 prior authorization", max_length=50
        )
        out.segment("REF", "G1", auth)
    if payer_claim_number:
        out.segment("REF", "F8", payer_claim_number)
    if claim.note:
        out.segment("NTE", "ADD", optional_text(out, claim.note, "NTE claim note", max_length=80))

    diagnoses = claim.diagnosis_codes
    if not diagnoses:
        raise out.error("the claim has no diagnosis codes; HI needs at least the principal one")
    if len(diagnoses) > MAX_DIAGNOSES:
        raise out.error(
            f"the claim has {len(diagnoses)} diagnosis codes; HI holds at most {MAX_DIAGNOSES}"
        )
    codes = [_diagnosis(out, code, n) for n, code in enumerate(diagnoses, start=1)]
    if len(set(codes)) != len(codes):
        raise out.error(f"diagnosis codes repeat: {', '.join(codes)}")
    out.segment("HI", ("ABK", codes[0]), *(("ABF", code) for code in codes[1:]))

    if claim.referring_provider is not None:
        referring = claim.referring_provider
        if referring.taxonomy is not None:
            raise out.error(
                "2310A referring provider carries no taxonomy in the 837P; leave it empty"
            )
        npi = require_npi(out, referring.npi, "referring provider NPI")
        write_name(out, "DN", referring.name, "referring provider", "XX", npi)
    if claim.rendering_provider is not None:
        rendering = claim.rendering_provider
        npi = require_npi(out, rendering.npi, "rendering provider NPI")
        write_name(out, "82", rendering.name, "rendering provider", "XX", npi)
        if rendering.taxonomy is not None:
            taxonomy = require_pattern(
                out,
                rendering.taxonomy,
                "rendering provider taxonomy",
                _TAXONOMY,
                "a 10-character NUCC code",
            )
            out.segment("PRV", "PE", "PXC", taxonomy)
    if claim.service_facility is not None:
        facility = claim.service_facility
        npi = "" if facility.npi is None else require_npi(out, facility.npi, "service facility NPI")
        write_name(
            out, "77", OrganizationName(facility.name), "service facility", "XX" if npi else "", npi
        )
        write_address(out, facility.address, "service facility", nine_digit_zip=True)

    other_ids = _write_other_payers(out, claim)
    for number, line in enumerate(claim.lines, start=1):
        out.where = f"claim {claim.patient_control_number} line {number}"
        _write_line(out, claim, line, number, len(codes), other_ids)
    _check_coordination_of_benefits(out, claim)


def _write_adjustments(out: SegmentWriter, adjustments: tuple[Adjustment, ...], what: str) -> None:
    """CAS segments: one per group code, six triplets at most per segment."""
    by_group: dict[str, list[Adjustment]] = {}
    for adjustment in adjustments:
        require_code(out, adjustment.group_code, f"{what} adjustment group", _ADJUSTMENT_GROUPS)
        require_pattern(
            out, adjustment.reason_code, f"{what} adjustment reason", _CARC, "a CARC code"
        )
        by_group.setdefault(adjustment.group_code, []).append(adjustment)
    segments = 0
    for group, items in by_group.items():
        for start in range(0, len(items), 6):
            elements: list[Element] = [group]
            for item in items[start : start + 6]:
                elements += [
                    item.reason_code,
                    format_amount(
                        out,
                        item.amount,
                        f"{what} adjustment {item.reason_code} amount",
                        allow_negative=True,
                    ),
                    ""
                    if item.quantity is None
                    else format_quantity(out, item.quantity, f"{what} adjustment quantity"),
                ]
            out.segment("CAS", *elements)
            segments += 1
    if segments > 5:
        raise out.error(f"{what} adjustments need {segments} CAS segments; at most 5 are allowed")


def _write_other_payers(out: SegmentWriter, claim: Claim837P) -> set[str]:
    others = claim.other_payers
    if len(others) > MAX_OTHER_PAYERS:
        raise out.error(f"the claim has {len(others)} other payers; at most {MAX_OTHER_PAYERS}")
    responsibility = claim.subscriber.payer_responsibility
    if responsibility in ("S", "T") and not others:
        kind = "secondary" if responsibility == "S" else "tertiary"
        raise out.error(
            f"a {kind} claim (SBR01 {responsibility}) needs the prior payer's adjudication "
            "(other_payers, loop 2320)"
        )
    ids: set[str] = set()
    for number, other in enumerate(others, start=1):
        what = f"other payer {number}"
        require_code(out, other.responsibility, f"{what} SBR01 responsibility", _RESPONSIBILITY)
        if other.responsibility == responsibility:
            raise out.error(
                f"{what} has payer responsibility {other.responsibility!r}, the same as the "
                "payer billed; 2320 SBR01 must differ from 2000B SBR01"
            )
        require_code(
            out, other.relationship, f"{what} SBR02 relationship", _OTHER_SUBSCRIBER_RELATIONSHIPS
        )
        require_code(
            out,
            other.claim_filing_indicator,
            f"{what} SBR09 claim filing indicator",
            _FILING_INDICATORS,
        )
        require_code(
            out, other.release_of_information, f"{what} OI06 release of information", _RELEASE_CODES
        )
        group_number = optional_text(out, other.group_number, f"{what} group number", max_length=50)
        group_name = optional_text(out, other.group_name, f"{what} group name", max_length=60)
        out.segment(
            "SBR",
            other.responsibility,
            other.relationship,
            group_number,
            "" if group_number else group_name,
            "",
            "",
            "",
            "",
            other.claim_filing_indicator,
        )
        _write_adjustments(out, other.adjustments, what)
        if other.paid_amount is not None:
            out.segment(
                "AMT", "D", format_amount(out, other.paid_amount, f"{what} AMT*D paid amount")
            )
        if other.remaining_patient_liability is not None:
            out.segment(
                "AMT",
                "EAF",
                format_amount(
                    out,
                    other.remaining_patient_liability,
                    f"{what} AMT*EAF remaining patient liability",
                ),
            )
        out.segment(
            "OI",
            "",
            "",
            "Y" if other.benefits_assigned else "N",
            "",
            "",
            other.release_of_information,
        )
        member_id = require_text(
            out,
            other.subscriber_member_id,
            f"{what} subscriber member id",
            max_length=80,
            min_length=2,
        )
        if not isinstance(other.subscriber_name, PersonName):
            raise out.error(f"{what} subscriber name must be a PersonName")
        write_name(out, "IL", other.subscriber_name, f"{what} subscriber", "MI", member_id)
        if other.subscriber_address is not None:
            write_address(out, other.subscriber_address, f"{what} subscriber")
        payer_id = require_text(
            out, other.payer.payer_id, f"{what} payer id", max_length=80, min_length=2
        )
        if payer_id in ids:
            raise out.error(f"{what} payer id {payer_id!r} is listed twice")
        ids.add(payer_id)
        write_name(out, "PR", OrganizationName(other.payer.name), f"{what} payer", "PI", payer_id)
        if other.payer.address is not None:
            write_address(out, other.payer.address, f"{what} payer")
        if other.adjudication_date is not None:
            out.segment("DTP", "573", "D8", format_date(other.adjudication_date))
    return ids


def _write_line(
    out: SegmentWriter,
    claim: Claim837P,
    line: ServiceLine,
    number: int,
    diagnosis_count: int,
    other_ids: set[str],
) -> None:
    procedure = _procedure(out, line.procedure_code, line.modifiers, "SV101")
    unit_basis = require_code(out, line.unit_basis, "SV103 unit basis", _UNIT_BASIS)
    pointers = line.diagnosis_pointers
    if not 1 <= len(pointers) <= 4:
        raise out.error(f"SV107 needs 1 to 4 diagnosis pointers, got {len(pointers)}")
    for pointer in pointers:
        if (
            isinstance(pointer, bool)
            or not isinstance(pointer, int)
            or not 1 <= pointer <= diagnosis_count
        ):
            raise out.error(
                f"SV107 diagnosis pointer {pointer!r} does not point at one of the claim's "
                f"{diagnosis_count} diagnosis codes"
            )
    if len(set(pointers)) != len(pointers):
        raise out.error(f"SV107 diagnosis pointers repeat: {pointers}")
    line_pos = ""
    if line.place_of_service is not None:
        line_pos = require_pattern(
            out, line.place_of_service, "SV105 place of service", _PLACE_OF_SERVICE, "2 digits"
        )
        if line_pos == claim.place_of_service:
            line_pos = ""  # SV105 is sent only when it differs from CLM05-1
    out.segment("LX", str(number))
    out.segment(
        "SV1",
        procedure,
        format_amount(out, line.charge, "SV102 charge"),
        unit_basis,
        format_quantity(out, line.units, "SV104 units"),
        line_pos,
        "",
        tuple(str(pointer) for pointer in pointers),
    )
    if not isinstance(line.service_date, date):
        raise out.error("DTP*472 service date is missing")
    if line.service_date_end is not None and line.service_date_end < line.service_date:
        raise out.error(
            f"service date range ends ({line.service_date_end}) before it starts "
            f"({line.service_date})"
        )
    out.segment("DTP", "472", *format_date_range(line.service_date, line.service_date_end))
    if line.line_item_control_number is not None:
        control = require_text(
            out, line.line_item_control_number, "REF*6R line item control number", max_length=50
        )
        out.segment("REF", "6R", control)
    for adjudication in line.prior_payer_adjudications:
        if adjudication.payer_id not in other_ids:
            raise out.error(
                f"SVD01 payer id {adjudication.payer_id!r} is not one of the claim's other payers"
                f" ({', '.join(sorted(other_ids)) or 'none'})"
            )
        what = f"payer {adjudication.payer_id} adjudication"
        out.segment(
            "SVD",
            adjudication.payer_id,
            format_amount(out, adjudication.paid_amount, f"{what} SVD02 paid amount"),
            _procedure(
                out,
                adjudication.procedure_code or line.procedure_code,
                line.modifiers if adjudication.modifiers is None else adjudication.modifiers,
                "SVD03",
            ),
            "",
            format_quantity(out, adjudication.paid_units, f"{what} SVD05 paid units"),
        )
        _write_adjustments(out, adjudication.adjustments, what)
        if not isinstance(adjudication.adjudication_date, date):
            raise out.error(f"{what} DTP*573 adjudication date is missing")
        out.segment("DTP", "573", "D8", format_date(adjudication.adjudication_date))


def _procedure(
    out: SegmentWriter, code: str, modifiers: tuple[str, ...], what: str
) -> tuple[str, ...]:
    if not code or not isinstance(code, str) or not code.strip():
        raise out.error(f"{what} procedure code is empty")
    require_pattern(
        out, code, f"{what} procedure code", _PROCEDURE, "5 letters or digits (CPT/HCPCS)"
    )
    if len(modifiers) > 4:
        raise out.error(f"{what} has {len(modifiers)} modifiers; at most 4")
    for modifier in modifiers:
        require_pattern(out, modifier, f"{what} modifier", _MODIFIER, "2 letters or digits")
    return ("HC", code, *modifiers)


def _check_coordination_of_benefits(out: SegmentWriter, claim: Claim837P) -> None:
    """What each prior payer paid and adjusted must account for the whole charge.

    For each other payer that reported line adjudications (2430): every line it
    adjudicated balances (SV102 - line CAS = SVD02), its AMT*D equals the sum of its SVD02,
    and the claim balances (CLM02 - claim CAS - line CAS = AMT*D). Without lines, the
    claim-level figures must balance on their own.
    """
    for number, other in enumerate(claim.other_payers, start=1):
        what = f"claim {claim.patient_control_number} other payer {number} ({other.payer.payer_id})"
        claim_adjusted = sum((a.amount for a in other.adjustments), Decimal(0))
        line_adjusted = Decimal(0)
        line_paid = Decimal(0)
        adjudicated_lines = 0
        for index, line in enumerate(claim.lines, start=1):
            for adjudication in line.prior_payer_adjudications:
                if adjudication.payer_id != other.payer.payer_id:
                    continue
                adjudicated_lines += 1
                adjusted = sum((a.amount for a in adjudication.adjustments), Decimal(0))
                if line.charge - adjusted != adjudication.paid_amount:
                    out.where = f"claim {claim.patient_control_number} line {index}"
                    raise out.error(
                        f"payer {other.payer.payer_id} line does not balance: charge "
                        f"{line.charge} - adjustments {adjusted} != paid {adjudication.paid_amount}"
                    )
                line_adjusted += adjusted
                line_paid += adjudication.paid_amount
        out.where = what
        if other.paid_amount is None:
            if adjudicated_lines or other.adjustments:
                raise out.error("has adjustments but no AMT*D paid amount (0 when it paid nothing)")
            continue
        if adjudicated_lines and line_paid != other.paid_amount:
            raise out.error(
                f"AMT*D paid amount {other.paid_amount} does not equal the sum of its line "
                f"payments (SVD02) {line_paid}"
            )
        if claim.total_charge - claim_adjusted - line_adjusted != other.paid_amount:
            raise out.error(
                f"does not balance: charge {claim.total_charge} - claim adjustments "
                f"{claim_adjusted} - line adjustments {line_adjusted} != paid {other.paid_amount}"
            )
