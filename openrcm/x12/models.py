"""The typed documents the readers build: frozen, slotted dataclasses.

Amounts are :class:`~decimal.Decimal`, dates :class:`datetime.date`; an element that is
absent is ``None`` (or ``""`` for identifiers and codes, ``()`` for repeats). Every
segment the reader does not map to a field is kept, as read, in an ``other_segments``
tuple of the loop it belongs to, so nothing in a file is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from openrcm.x12.delimiters import Delimiters

# --------------------------------------------------------------------------- envelope


@dataclass(frozen=True, slots=True)
class Segment:
    """One segment: its position in the file (ISA = 1), ID and elements (01 first)."""

    position: int
    id: str
    elements: tuple[str, ...]

    def element(self, number: int) -> str:
        """Element ``number`` (1-based, as in ``CLP01``), or ``""`` where absent."""
        return self.elements[number - 1] if 0 < number <= len(self.elements) else ""


@dataclass(frozen=True, slots=True)
class InterchangeHeader:
    """ISA: who sent the interchange to whom, when, and its control number."""

    position: int
    sender_qualifier: str
    sender_id: str
    receiver_qualifier: str
    receiver_id: str
    date: str
    time: str
    version: str
    control_number: str
    acknowledgment_requested: str
    usage: str
    delimiters: Delimiters


@dataclass(frozen=True, slots=True)
class GroupHeader:
    """GS: a functional group of transaction sets of one kind (HP = 835, FA = 999...)."""

    position: int
    functional_id: str
    sender: str
    receiver: str
    date: str
    time: str
    control_number: str
    version: str


@dataclass(frozen=True, slots=True)
class Envelope:
    """Where a transaction set sits: its interchange, group and ST header."""

    interchange: InterchangeHeader
    group: GroupHeader
    transaction_set_id: str
    control_number: str
    implementation_reference: str
    position: int


@dataclass(frozen=True, slots=True)
class GenericTransaction:
    """A transaction set openrcm has no typed reader for: its segments as read."""

    envelope: Envelope
    segments: tuple[Segment, ...]


@dataclass(frozen=True, slots=True)
class InterchangeAck:
    """TA1: the receiver's answer about one interchange envelope."""

    position: int
    control_number: str
    date: str
    time: str
    acknowledgment_code: str
    note_code: str


# --------------------------------------------------------------------------- shared parts


@dataclass(frozen=True, slots=True)
class Reference:
    """REF: a qualifier (what kind of number) and the number."""

    qualifier: str
    value: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class Address:
    """N3/N4."""

    line1: str
    line2: str
    city: str
    state: str
    postal_code: str
    country: str = ""


@dataclass(frozen=True, slots=True)
class Contact:
    """PER: a contact function (BL technical, CX claims, IC web) and its numbers."""

    function: str
    name: str
    numbers: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Name:
    """NM1: an entity (QC patient, IL insured, 82 rendering provider...)."""

    entity: str
    entity_type: str
    last_or_organization: str
    first: str = ""
    middle: str = ""
    suffix: str = ""
    id_qualifier: str = ""
    id: str = ""


@dataclass(frozen=True, slots=True)
class Party:
    """N1 loop of an 835 (payer PR, payee PE): name, ids, address, contacts."""

    entity: str
    name: str
    id_qualifier: str
    id: str
    address: Address | None
    references: tuple[Reference, ...]
    contacts: tuple[Contact, ...]


@dataclass(frozen=True, slots=True)
class DatedValue:
    """A DTM/DTP date or date range with its qualifier (472 service, 346 plan begin...)."""

    qualifier: str
    start: date | None
    end: date | None
    text: str


# --------------------------------------------------------------------------- 835


@dataclass(frozen=True, slots=True)
class Payment:
    """BPR: the money: handling code, amount, credit/debit, method and effective date."""

    handling_code: str
    amount: Decimal
    credit_debit: str
    method: str
    format: str
    sender_bank_id: str
    sender_account: str
    payer_company_id: str
    receiver_bank_id: str
    receiver_account: str
    payment_date: date | None


@dataclass(frozen=True, slots=True)
class Trace:
    """TRN: the check or EFT trace number and the payer that originated it."""

    trace_type: str
    number: str
    originator: str
    supplemental: str


@dataclass(frozen=True, slots=True)
class Adjustment:
    """One CAS adjustment: group (CO, PR, OA, PI), reason (CARC), amount, quantity."""

    group: str
    reason: str
    amount: Decimal
    quantity: Decimal | None


@dataclass(frozen=True, slots=True)
class Procedure:
    """A composite procedure: qualifier (HC, NU...), code and modifiers."""

    qualifier: str
    code: str
    modifiers: tuple[str, ...]
    description: str = ""


@dataclass(frozen=True, slots=True)
class ServicePayment:
    """Loop 2110: one service line as paid (SVC) with its dates, adjustments and remarks."""

    position: int
    line_number: int
    procedure: Procedure
    charge: Decimal
    paid: Decimal
    revenue_code: str
    units_paid: Decimal | None
    billed_procedure: Procedure | None
    units_billed: Decimal | None
    service_date: date | None
    service_start: date | None
    service_end: date | None
    adjustments: tuple[Adjustment, ...]
    line_item_control_number: str
    references: tuple[Reference, ...]
    allowed_amount: Decimal | None
    amounts: tuple[tuple[str, Decimal], ...]
    remark_codes: tuple[str, ...]
    other_segments: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ClaimPayment:
    """Loop 2100: one claim as adjudicated (CLP) with its names, dates and lines."""

    position: int
    header_number: str
    patient_control_number: str
    status: str
    charge: Decimal
    paid: Decimal
    patient_responsibility: Decimal | None
    filing_indicator: str
    payer_claim_control_number: str
    facility_code: str
    frequency: str
    adjustments: tuple[Adjustment, ...]
    patient: Name | None
    insured: Name | None
    corrected_patient: Name | None
    rendering_provider: Name | None
    other_names: tuple[Name, ...]
    inpatient_remarks: tuple[str, ...]
    outpatient_remarks: tuple[str, ...]
    statement_from: date | None
    statement_to: date | None
    received_date: date | None
    references: tuple[Reference, ...]
    amounts: tuple[tuple[str, Decimal], ...]
    lines: tuple[ServicePayment, ...]
    other_segments: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ProviderAdjustment:
    """One PLB adjustment pair (reason:reference, amount). Positive reduces the payment."""

    position: int
    provider_id: str
    fiscal_period_date: date | None
    reason: str
    reference: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class RemittanceHeader:
    """The part of an 835 before its first claim (what a stream yields first)."""

    envelope: Envelope
    payment: Payment
    trace: Trace | None
    production_date: date | None
    references: tuple[Reference, ...]
    payer: Party | None
    payee: Party | None
    other_segments: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RemittanceTrailer:
    """What a stream yields last for an 835: PLBs and the totals of the claims read."""

    envelope: Envelope
    provider_adjustments: tuple[ProviderAdjustment, ...]
    claim_count: int
    total_charge: Decimal
    total_paid: Decimal
    other_segments: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Remittance:
    """An 835 Health Care Claim Payment/Advice."""

    envelope: Envelope
    payment: Payment
    trace: Trace | None
    production_date: date | None
    references: tuple[Reference, ...]
    payer: Party | None
    payee: Party | None
    claims: tuple[ClaimPayment, ...]
    provider_adjustments: tuple[ProviderAdjustment, ...]
    other_segments: tuple[str, ...]


# --------------------------------------------------------------------------- 999


@dataclass(frozen=True, slots=True)
class ElementNote:
    """IK4: an element in error (position, component, repeat), its code and bad value."""

    position: int | None
    component: int | None
    repeat: int | None
    reference_number: str
    error_code: str
    bad_value: str


@dataclass(frozen=True, slots=True)
class SegmentNote:
    """IK3: a segment in error (ID, position in its set, loop) with its elements."""

    segment_id: str
    position_in_set: int | None
    loop_id: str
    error_code: str
    elements: tuple[ElementNote, ...]
    context: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TransactionSetResponse:
    """AK2..IK5: the verdict on one transaction set the sender sent."""

    transaction_set_id: str
    control_number: str
    implementation_reference: str
    status: str
    accepted: bool
    error_codes: tuple[str, ...]
    segment_errors: tuple[SegmentNote, ...]


@dataclass(frozen=True, slots=True)
class ImplementationAck:
    """A 999: the verdict on one functional group and the transaction sets in it."""

    envelope: Envelope
    functional_id: str
    group_control_number: str
    group_version: str
    transaction_sets: tuple[TransactionSetResponse, ...]
    group_status: str
    accepted: bool
    sets_included: int | None
    sets_received: int | None
    sets_accepted: int | None
    group_error_codes: tuple[str, ...]
    other_segments: tuple[str, ...]


# --------------------------------------------------------------------------- 277 / 277CA


@dataclass(frozen=True, slots=True)
class StatusCode:
    """A C043 status composite: category (A2, F1...), status code, entity."""

    category: str
    code: str
    entity: str
    code_list: str = ""


@dataclass(frozen=True, slots=True)
class StatusEntry:
    """STC: statuses with their effective date and amounts."""

    position: int
    codes: tuple[StatusCode, ...]
    effective_date: date | None
    action_code: str
    charge: Decimal | None
    paid: Decimal | None
    message: str


@dataclass(frozen=True, slots=True)
class ServiceLineStatus:
    """SVC (with its STC) in a 277: status of one line of a claim."""

    position: int
    procedure: Procedure
    charge: Decimal | None
    paid: Decimal | None
    units: Decimal | None
    statuses: tuple[StatusEntry, ...]
    line_item_control_number: str
    service_start: date | None
    service_end: date | None


@dataclass(frozen=True, slots=True)
class ClaimStatus:
    """One claim in a 277CA or 277: its identifiers and statuses."""

    position: int
    patient_control_number: str
    payer_claim_number: str
    clearinghouse_trace_number: str
    bill_type: str
    patient: Name | None
    subscriber: Name | None
    provider: Name | None
    statuses: tuple[StatusEntry, ...]
    service_start: date | None
    service_end: date | None
    lines: tuple[ServiceLineStatus, ...]
    references: tuple[Reference, ...]
    accepted: bool | None


@dataclass(frozen=True, slots=True)
class EntityStatus:
    """Status reported at an information source/receiver/provider level (HL 20/21/19)."""

    level_code: str
    name: Name | None
    trace_number: str
    statuses: tuple[StatusEntry, ...]


@dataclass(frozen=True, slots=True)
class ClaimStatusResponse:
    """A 277 (X212 status response) or 277CA (X214 claim acknowledgment)."""

    envelope: Envelope
    is_acknowledgment: bool
    reference_id: str
    created: date | None
    entity_statuses: tuple[EntityStatus, ...]
    claims: tuple[ClaimStatus, ...]
    other_segments: tuple[str, ...]


# --------------------------------------------------------------------------- 271


@dataclass(frozen=True, slots=True)
class Rejection:
    """AAA: why a request could not be answered (reason code and follow-up action)."""

    position: int
    valid_request: str
    reason_code: str
    follow_up_action: str
    loop: str


@dataclass(frozen=True, slots=True)
class Benefit:
    """EB: one benefit line (kind, coverage level, service types, amount, percent...)."""

    position: int
    code: str
    coverage_level: str
    service_types: tuple[str, ...]
    insurance_type: str
    plan_description: str
    time_period: str
    amount: Decimal | None
    percent: Decimal | None
    quantity_qualifier: str
    quantity: Decimal | None
    authorization_required: bool | None
    in_network: bool | None
    procedure: Procedure | None
    dates: tuple[DatedValue, ...]
    messages: tuple[str, ...]
    references: tuple[Reference, ...]
    related_entities: tuple[Name, ...]

    @property
    def kind(self) -> str:
        return BENEFIT_KINDS.get(self.code, "other")


BENEFIT_KINDS: dict[str, str] = {
    "1": "active",
    "2": "active_full_risk_capitation",
    "3": "active_services_capitated",
    "4": "active_services_capitated_to_pcp",
    "5": "active_pending_investigation",
    "6": "inactive",
    "7": "inactive_pending_eligibility_update",
    "8": "inactive_pending_investigation",
    "A": "coinsurance",
    "B": "copayment",
    "C": "deductible",
    "D": "benefit_description",
    "E": "exclusions",
    "F": "limitations",
    "G": "out_of_pocket",
    "I": "non_covered",
    "J": "cost_containment",
    "L": "primary_care_provider",
    "N": "services_restricted_to_provider",
    "R": "other_or_additional_payer",
    "U": "contact_following_entity",
    "W": "other_source_of_data",
    "X": "health_care_facility",
    "Y": "spend_down",
}


@dataclass(frozen=True, slots=True)
class EligibilityMember:
    """A subscriber (HL 22) or dependent (HL 23) with demographics, dates and benefits."""

    position: int
    level: str
    name: Name | None
    address: Address | None
    birth_date: date | None
    gender: str
    relationship: str
    trace_numbers: tuple[Reference, ...]
    references: tuple[Reference, ...]
    dates: tuple[DatedValue, ...]
    benefits: tuple[Benefit, ...]
    rejections: tuple[Rejection, ...]
    active: bool | None
    plan_begin: date | None
    plan_end: date | None
    eligibility_begin: date | None
    eligibility_end: date | None


@dataclass(frozen=True, slots=True)
class EligibilityResponse:
    """A 271: the payer's answer to a 270 eligibility inquiry."""

    envelope: Envelope
    reference_id: str
    created: date | None
    information_source: Name | None
    information_receiver: Name | None
    subscribers: tuple[EligibilityMember, ...]
    dependents: tuple[EligibilityMember, ...]
    rejections: tuple[Rejection, ...]
    other_segments: tuple[str, ...]


Document = (
    Remittance | ImplementationAck | ClaimStatusResponse | EligibilityResponse | GenericTransaction
)
