"""What the scrubber reads and what it answers, as plain frozen values.

The Django side turns a claim, its coverage, its payer and its provider rows into a
:class:`ScrubClaim`; the scrubber never touches the ORM.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import TypeVar

from openrcm.rules.scrubber.registry import RULES_BY_ID, Severity

_V = TypeVar("_V")


@dataclass(frozen=True, slots=True, kw_only=True)
class PostalAddress:
    street1: str
    street2: str = ""
    city: str
    state: str  # USPS two-letter code
    zip_code: str  # 5 or 9 digits, a hyphen allowed


@dataclass(frozen=True, slots=True, kw_only=True)
class ScrubLine:
    """One service line (2400). ``diagnosis_pointers`` are 1-based positions in the HI."""

    procedure_code: str  # CPT or HCPCS Level II, a code only (never a CPT description)
    modifiers: tuple[str, ...] = ()
    units: Decimal
    charge: Decimal
    diagnosis_pointers: tuple[int, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ScrubClaim:
    """A professional claim as the scrubber sees it.

    Empty strings mean "not given". ``rendering_npi`` is empty when the billing provider
    rendered the service; ``referring_npi`` and ``referring_name`` are empty when no
    provider referred the patient. ``patient_id`` is any stable key of the patient (for
    duplicate search); ``today`` is the day the claim would be sent.
    """

    patient_control_number: str
    patient_id: str
    billing_npi: str
    billing_tin: str
    billing_taxonomy: str
    billing_address: PostalAddress
    rendering_npi: str = ""
    rendering_taxonomy: str = ""
    referring_npi: str = ""
    referring_name: str = ""  # last name or organisation name (NM103 of 2310A)
    patient_sex: str  # F, M or U
    patient_birth_date: datetime.date | None
    subscriber_member_id: str
    subscriber_birth_date: datetime.date | None
    subscriber_address: PostalAddress | None
    relationship: str  # X12 individual relationship code: 18 self, 01 spouse, 19 child, G8
    payer_id: str
    payer_type: str  # medicare, medicaid, commercial, bcbs, workers_comp, self_pay
    claim_filing_indicator: str  # SBR09: MB, MC, CI, BL, HM, 12, ...
    coverage_effective_from: datetime.date | None
    coverage_effective_to: datetime.date | None = None  # None: open-ended
    date_of_service: datetime.date
    place_of_service: str
    prior_authorization: str = ""
    frequency_code: str = "1"  # 1 original, 7 replacement, 8 void
    original_payer_claim_number: str = ""  # REF*F8, required for 7 and 8
    diagnoses: tuple[str, ...]  # ICD-10-CM, first-listed first
    lines: tuple[ScrubLine, ...]
    total_charge: Decimal
    today: datetime.date

    @property
    def provider_npi(self) -> str:
        """The NPI of whoever gave the service: rendering, else billing."""
        return self.rendering_npi or self.billing_npi


def _frozen_map(value: Mapping[str, _V]) -> Mapping[str, _V]:
    return MappingProxyType(dict(value))


@dataclass(frozen=True, slots=True, kw_only=True)
class PayerRules:
    """What one payer asks beyond the common rules: data, never code.

    ``timely_filing_days`` is the limit from the date of service (None: no limit known,
    the timely-filing rules are silent). ``disabled_rules`` maps a rule ID to the reason it
    is off for this payer; the result lists each skipped rule with that reason.
    ``max_units`` replaces the CMS MUE for a code with the payer's own limit per date of
    service.
    """

    name: str = ""
    timely_filing_days: int | None = None
    disabled_rules: Mapping[str, str] = field(default_factory=dict)
    requires_referring_for_pos: frozenset[str] = frozenset()
    requires_referring_for_codes: frozenset[str] = frozenset()
    requires_prior_auth_for_codes: frozenset[str] = frozenset()
    max_units: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        problems: list[str] = []
        for rule_id, reason in self.disabled_rules.items():
            rule = RULES_BY_ID.get(rule_id)
            if rule is None:
                problems.append(f"{rule_id!r} is not a scrubber rule")
            elif not rule.payer_may_disable:
                problems.append(f"{rule_id} keeps the 837P well formed and cannot be turned off")
            if not reason.strip():
                problems.append(f"turning off {rule_id} needs a reason")
        if self.timely_filing_days is not None and self.timely_filing_days <= 0:
            problems.append(f"timely_filing_days must be positive, not {self.timely_filing_days}")
        for code, units in self.max_units.items():
            if units < 0:
                problems.append(f"max_units for {code} must not be negative")
        if problems:
            raise ValueError("; ".join(problems))
        object.__setattr__(self, "disabled_rules", _frozen_map(self.disabled_rules))
        object.__setattr__(self, "max_units", _frozen_map(self.max_units))


DuplicateKey = tuple[str, str, str, datetime.date, str]  # patient, payer, provider NPI, DOS, code


class DuplicateIndex:
    """Keys of claims already sent (patient, payer ID, provider NPI, date of service,
    code), each with the patient control numbers of the claims that carry it. The payer
    is part of the key: the secondary payer's claim for a visit repeats the primary's
    lines on purpose (coordination of benefits) and is no duplicate."""

    __slots__ = ("_claims",)

    def __init__(self, entries: Iterable[tuple[DuplicateKey, str]] = ()) -> None:
        self._claims: dict[DuplicateKey, tuple[str, ...]] = {}
        for key, control_number in entries:
            self.add(key, control_number)

    @classmethod
    def from_claims(cls, claims: Iterable[ScrubClaim]) -> DuplicateIndex:
        """The index of earlier claims (voids excluded: a voided claim is no duplicate)."""
        index = cls()
        for claim in claims:
            if claim.frequency_code == "8":
                continue
            for line in claim.lines:
                key = (
                    claim.patient_id,
                    claim.payer_id,
                    claim.provider_npi,
                    claim.date_of_service,
                    line.procedure_code,
                )
                index.add(key, claim.patient_control_number)
        return index

    def add(self, key: DuplicateKey, patient_control_number: str) -> None:
        found = self._claims.get(key, ())
        if patient_control_number not in found:
            self._claims[key] = (*found, patient_control_number)

    def claims_for(self, key: DuplicateKey) -> tuple[str, ...]:
        return self._claims.get(key, ())

    def __len__(self) -> int:
        return len(self._claims)


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found. ``line`` is the 1-based service line, None for the claim."""

    rule_id: str
    severity: Severity
    message: str
    hint: str
    line: int | None = None


@dataclass(frozen=True, slots=True)
class SkippedRule:
    rule_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class ScrubResult:
    """Every finding, in registry order. A skipped rule appears both in ``skipped`` and as
    a finding of severity ``skipped`` so that whoever reads the findings sees it."""

    findings: tuple[Finding, ...]
    skipped: tuple[SkippedRule, ...] = ()

    @property
    def holds(self) -> bool:
        """True when any finding is an error: the claim must not be sent."""
        return any(f.severity is Severity.ERROR for f in self.findings)

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.WARNING)

    @property
    def rule_ids(self) -> frozenset[str]:
        """IDs of the rules that found something (skip notices excluded)."""
        return frozenset(f.rule_id for f in self.findings if f.severity is not Severity.SKIPPED)
