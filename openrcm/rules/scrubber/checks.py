"""One check per rule of the registry; each yields every problem it finds.

A check gets the claim's :class:`ClaimFacts` (the claim, the reference, the payer's rules,
the duplicate index and a few values computed once per claim) and yields
:class:`Problem` s; the engine turns them into findings with the rule's ID and severity.
Every check is O(lines) with dict lookups, except the PTP pairing, which is over the
distinct codes of one claim (at most 50).
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import NamedTuple

from openrcm.rules.codes import (
    modifier_problem,
    place_of_service_problem,
    procedure_code_kind,
    procedure_code_problem,
)
from openrcm.rules.identifiers import npi_problem as _npi_problem_uncached
from openrcm.rules.identifiers import state_problem, zip_problem
from openrcm.rules.identifiers import tin_problem as _tin_problem_uncached
from openrcm.rules.money import CENT, MAX_AMOUNT
from openrcm.rules.scrubber.model import DuplicateIndex, PayerRules, ScrubClaim, ScrubLine
from openrcm.rules.scrubber.reference import DiagnosisFacts, DiagnosisStatus, ScrubReference

MAX_CONTROL_NUMBER = 20  # CLM01: receivers keep 20 characters
MAX_ID_LENGTH = 80  # NM109
MAX_DIAGNOSES = 12  # HI composites
MAX_LINES = 50  # 2400 repeats
MAX_MODIFIERS = 4  # SV101-3 .. SV101-6
MAX_POINTERS = 4  # SV107-1 .. SV107-4
MAX_UNITS = Decimal("99999.999")
OLDEST_AGE = 130  # years: an older date of birth is a typing error
TIMELY_WARNING_PERCENT = 80

RELATIONSHIP_CODES = frozenset({"18", "01", "19", "20", "21", "39", "40", "53", "G8"})
SEX_CODES = frozenset({"F", "M", "U"})
FREQUENCY_CODES = frozenset({"1", "7", "8"})
CORRECTION_FREQUENCIES = frozenset({"7", "8"})
# SBR09 claim filing indicator codes of the 005010X222A1 837P.
FILING_INDICATORS = frozenset(
    {
        "09", "11", "12", "13", "14", "15", "16", "17", "AM", "BL", "CH", "CI", "DS",
        "FI", "HM", "LM", "MA", "MB", "MC", "OF", "TV", "VA", "WC", "ZZ",
    }
)  # fmt: skip
# Which SBR09 codes fit which payer type; types not listed accept any code.
FILING_INDICATORS_BY_PAYER_TYPE: dict[str, frozenset[str]] = {
    "medicare": frozenset({"MB", "MA", "16"}),
    "medicaid": frozenset({"MC"}),
    "bcbs": frozenset({"BL"}),
    "workers_comp": frozenset({"WC"}),
    "self_pay": frozenset({"09"}),
}
GOVERNMENT_INDICATORS = frozenset({"MA", "MB", "MC"})

# NCCI-associated modifiers that may bypass a PTP edit of modifier indicator 1
# (practitioner table; 27 applies to the hospital table only).
ANATOMIC_MODIFIERS = frozenset(
    {"LT", "RT", "LC", "LD", "LM", "RC", "RI", "E1", "E2", "E3", "E4", "FA", "TA"}
    | {f"F{d}" for d in range(1, 10)}
    | {f"T{d}" for d in range(1, 10)}
)
NCCI_ASSOCIATED_MODIFIERS = frozenset(
    {"59", "XE", "XS", "XP", "XU", "24", "25", "57", "58", "78", "79", "91"} | ANATOMIC_MODIFIERS
)
_NCCI_MODIFIER_TEXT = "59, XE, XS, XP, XU, 24, 25, 57, 58, 78, 79, 91 or an anatomic modifier"

# PO box, lockbox or "box 12" in a street line (the 2010AA address must be physical).
PO_BOX = re.compile(
    r"\b(?:p\.?\s*o\.?\s*box|post\s+office\s+box|p\.?\s*o\.?\s*b\.?\s+\d|lock\s*box)"
    r"|^\s*box\s+\d",
    re.IGNORECASE,
)
# X12 delimiters openrcm writes (element, segment, component, repetition) and backslash.
X12_DELIMITERS = frozenset("*~:^|\\")


# A billing company sends thousands of claims for a few hundred providers: the check-digit
# and EIN-prefix checks repeat on the same few values, so their answers are kept.
npi_problem = functools.lru_cache(maxsize=8192)(_npi_problem_uncached)
tin_problem = functools.lru_cache(maxsize=2048)(_tin_problem_uncached)


class Problem(NamedTuple):
    message: str
    line: int | None = None  # 1-based service line
    hint: str | None = None  # overrides the rule's hint when set


class ClaimFacts:
    """The inputs of one scrub and values several checks share, computed once."""

    __slots__ = ("_diagnosis_facts", "claim", "dos", "duplicates", "payer", "reference")

    def __init__(
        self,
        claim: ScrubClaim,
        reference: ScrubReference,
        payer: PayerRules,
        duplicates: DuplicateIndex,
    ) -> None:
        self.claim = claim
        self.reference = reference
        self.payer = payer
        self.duplicates = duplicates
        self.dos = claim.date_of_service
        self._diagnosis_facts: tuple[DiagnosisFacts, ...] | None = None

    @property
    def diagnosis_facts(self) -> tuple[DiagnosisFacts, ...]:
        if self._diagnosis_facts is None:
            lookup = self.reference.diagnosis
            self._diagnosis_facts = tuple(lookup(c, on=self.dos) for c in self.claim.diagnoses)
        return self._diagnosis_facts

    @property
    def payer_label(self) -> str:
        return self.payer.name or f"payer {self.claim.payer_id}".strip()


Check = Callable[[ClaimFacts], Iterator[Problem]]
CHECKS: dict[str, Check] = {}


def check(rule_id: str) -> Callable[[Check], Check]:
    def register(function: Check) -> Check:
        if rule_id in CHECKS:  # pragma: no cover - a copy-paste slip while editing
            raise RuntimeError(f"two checks for {rule_id}")
        CHECKS[rule_id] = function
        return function

    return register


# ---------------------------------------------------------------------------------------
# small helpers


def _blank(value: str) -> bool:
    return not value.strip()


def _age_on(birth: datetime.date, on: datetime.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _is_amount(value: Decimal) -> bool:
    """A finite amount the 837P can carry (|value| ≤ 9,999,999,999.99)."""
    return value.is_finite() and abs(value) <= MAX_AMOUNT


def _usable_units(value: Decimal) -> bool:
    return value.is_finite() and 0 < value <= MAX_UNITS


def _lines(claim: ScrubClaim) -> Iterator[tuple[int, ScrubLine]]:
    return enumerate(claim.lines, start=1)


def _line_list(numbers: list[int]) -> str:
    return ("line " if len(numbers) == 1 else "lines ") + ", ".join(map(str, numbers))


def _plus_days(day: datetime.date, days: int) -> str:
    try:
        return (day + datetime.timedelta(days=days)).isoformat()
    except OverflowError:
        return "after 9999-12-31"


def _birth_date_problems(
    who: str, birth: datetime.date | None, dos: datetime.date
) -> Iterator[Problem]:
    if birth is None:
        yield Problem(f"the {who}'s date of birth is missing")
    elif birth > dos:
        yield Problem(f"the {who}'s date of birth is after the date of service {dos}")
    elif _age_on(birth, dos) > OLDEST_AGE:
        yield Problem(
            f"the {who}'s date of birth makes them older than {OLDEST_AGE} on {dos}; "
            "it is probably mistyped"
        )


# ---------------------------------------------------------------------------------------
# who and what the claim is for


@check("REQ-PATIENT-CONTROL-NUMBER")
def _patient_control_number(facts: ClaimFacts) -> Iterator[Problem]:
    number = facts.claim.patient_control_number
    if _blank(number):
        yield Problem("the claim has no patient control number (CLM01)")
        return
    if len(number) > MAX_CONTROL_NUMBER:
        yield Problem(
            f"patient control number {number!r} has {len(number)} characters; payers keep "
            f"only the first {MAX_CONTROL_NUMBER}"
        )
    bad = sorted({c for c in number if c in X12_DELIMITERS or not " " <= c <= "~"})
    if bad:
        yield Problem(f"patient control number {number!r} contains {''.join(bad)!r}")
    if number != number.strip():
        yield Problem(f"patient control number {number!r} starts or ends with a space")


@check("REQ-SUBSCRIBER-ID")
def _subscriber_id(facts: ClaimFacts) -> Iterator[Problem]:
    member_id = facts.claim.subscriber_member_id
    if _blank(member_id):
        yield Problem("the subscriber's member ID is missing")
    elif len(member_id.strip()) > MAX_ID_LENGTH:
        yield Problem(f"the subscriber's member ID is longer than {MAX_ID_LENGTH} characters")


@check("REQ-PATIENT-DOB")
def _patient_birth_date(facts: ClaimFacts) -> Iterator[Problem]:
    yield from _birth_date_problems("patient", facts.claim.patient_birth_date, facts.dos)


@check("REQ-SUBSCRIBER-DOB")
def _subscriber_birth_date(facts: ClaimFacts) -> Iterator[Problem]:
    yield from _birth_date_problems("subscriber", facts.claim.subscriber_birth_date, facts.dos)


@check("REQ-PATIENT-SEX")
def _patient_sex(facts: ClaimFacts) -> Iterator[Problem]:
    if facts.claim.patient_sex not in SEX_CODES:
        yield Problem(f"patient sex {facts.claim.patient_sex!r} is not F, M or U")


@check("REQ-RELATIONSHIP")
def _relationship(facts: ClaimFacts) -> Iterator[Problem]:
    if facts.claim.relationship not in RELATIONSHIP_CODES:
        yield Problem(
            f"relationship {facts.claim.relationship!r} is not an X12 individual "
            "relationship code (18, 01, 19, 20, 21, 39, 40, 53, G8)"
        )


@check("REQ-SUBSCRIBER-ADDRESS")
def _subscriber_address(facts: ClaimFacts) -> Iterator[Problem]:
    address = facts.claim.subscriber_address
    if address is None:
        yield Problem("the subscriber's address is missing")
        return
    if _blank(address.street1):
        yield Problem("the subscriber's street address is missing")
    if _blank(address.city):
        yield Problem("the subscriber's city is missing")
    state = state_problem(address.state)
    if state:
        yield Problem(f"the subscriber's state: {state}")
    zip_code = zip_problem(address.zip_code)
    if zip_code:
        yield Problem(f"the subscriber's {zip_code}")


@check("REQ-BILLING-ADDRESS")
def _billing_address(facts: ClaimFacts) -> Iterator[Problem]:
    address = facts.claim.billing_address
    if _blank(address.street1):
        yield Problem("the billing provider's street address is missing")
    if _blank(address.city):
        yield Problem("the billing provider's city is missing")
    state = state_problem(address.state)
    if state:
        yield Problem(f"the billing provider's state: {state}")


@check("BILLING-ZIP9")
def _billing_zip9(facts: ClaimFacts) -> Iterator[Problem]:
    zip_code = facts.claim.billing_address.zip_code
    digits = zip_code.replace("-", "")
    if not (len(digits) == 9 and digits.isascii() and digits.isdigit()):
        yield Problem(f"billing ZIP code {zip_code!r} is not 9 digits (ZIP+4)")


@check("BILLING-PO-BOX")
def _billing_po_box(facts: ClaimFacts) -> Iterator[Problem]:
    address = facts.claim.billing_address
    for street in (address.street1, address.street2):
        if PO_BOX.search(street):
            yield Problem(f"billing street address {street!r} is a PO box or lockbox")


@check("REQ-BILLING-TIN")
def _billing_tin(facts: ClaimFacts) -> Iterator[Problem]:
    tin = facts.claim.billing_tin
    if _blank(tin):
        yield Problem("the billing provider's tax ID is missing")
        return
    problem = tin_problem(tin)
    if problem:
        yield Problem(problem)


@check("NPI-BILLING")
def _billing_npi(facts: ClaimFacts) -> Iterator[Problem]:
    npi = facts.claim.billing_npi
    problem = "the billing NPI is missing" if _blank(npi) else npi_problem(npi)
    if problem:
        yield Problem(f"billing provider: {problem}")


@check("NPI-RENDERING")
def _rendering_npi(facts: ClaimFacts) -> Iterator[Problem]:
    npi = facts.claim.rendering_npi
    if npi:
        problem = npi_problem(npi)
        if problem:
            yield Problem(f"rendering provider: {problem}")


@check("NPI-REFERRING")
def _referring_npi(facts: ClaimFacts) -> Iterator[Problem]:
    claim = facts.claim
    if claim.referring_npi:
        problem = npi_problem(claim.referring_npi)
        if problem:
            yield Problem(f"referring provider: {problem}")
    elif not _blank(claim.referring_name):
        yield Problem(f"referring provider {claim.referring_name!r} has no NPI")


@check("REQ-REFERRING")
def _referring_required(facts: ClaimFacts) -> Iterator[Problem]:
    claim, payer = facts.claim, facts.payer
    if claim.referring_npi and _blank(claim.referring_name):
        yield Problem(
            f"referring NPI {claim.referring_npi} is given without the provider's name "
            "(NM1*DN needs it)"
        )
    if claim.referring_npi or not _blank(claim.referring_name):
        return
    reasons: list[str] = []
    if claim.place_of_service in payer.requires_referring_for_pos:
        reasons.append(f"place of service {claim.place_of_service}")
    if payer.requires_referring_for_codes:
        codes = sorted(
            {ln.procedure_code for ln in claim.lines} & payer.requires_referring_for_codes
        )
        if codes:
            reasons.append("procedure " + ", ".join(codes))
    if reasons:
        yield Problem(
            f"{facts.payer_label} requires a referring provider for {' and '.join(reasons)}; "
            "none is on the claim"
        )


@check("TAXONOMY-BILLING")
def _billing_taxonomy(facts: ClaimFacts) -> Iterator[Problem]:
    taxonomy = facts.claim.billing_taxonomy
    if _blank(taxonomy):
        yield Problem("the billing provider's taxonomy code is missing")
    elif not facts.reference.taxonomy_valid(taxonomy, on=facts.dos):
        yield Problem(f"billing taxonomy {taxonomy!r} is not in the NUCC taxonomy code set")


@check("TAXONOMY-RENDERING")
def _rendering_taxonomy(facts: ClaimFacts) -> Iterator[Problem]:
    claim = facts.claim
    taxonomy = claim.rendering_taxonomy
    if _blank(taxonomy):
        if claim.rendering_npi:
            yield Problem(f"rendering provider {claim.rendering_npi} has no taxonomy code")
    elif not facts.reference.taxonomy_valid(taxonomy, on=facts.dos):
        yield Problem(f"rendering taxonomy {taxonomy!r} is not in the NUCC taxonomy code set")


@check("REQ-PAYER-ID")
def _payer_id(facts: ClaimFacts) -> Iterator[Problem]:
    payer_id = facts.claim.payer_id
    if _blank(payer_id):
        yield Problem("the payer ID is missing")
    elif len(payer_id.strip()) > MAX_ID_LENGTH:
        yield Problem(f"payer ID {payer_id!r} is longer than {MAX_ID_LENGTH} characters")


@check("REQ-FILING-INDICATOR")
def _filing_indicator(facts: ClaimFacts) -> Iterator[Problem]:
    indicator = facts.claim.claim_filing_indicator
    if indicator not in FILING_INDICATORS:
        yield Problem(f"claim filing indicator {indicator!r} is not an SBR09 code")


@check("FILING-INDICATOR-MISMATCH")
def _filing_indicator_mismatch(facts: ClaimFacts) -> Iterator[Problem]:
    claim = facts.claim
    indicator, payer_type = claim.claim_filing_indicator, claim.payer_type
    if indicator not in FILING_INDICATORS:
        return  # REQ-FILING-INDICATOR says so
    expected = FILING_INDICATORS_BY_PAYER_TYPE.get(payer_type)
    if expected is not None and indicator not in expected:
        yield Problem(
            f"claim filing indicator {indicator} does not fit a {payer_type} payer "
            f"(expected {', '.join(sorted(expected))})"
        )
    elif payer_type == "commercial" and indicator in GOVERNMENT_INDICATORS:
        yield Problem(
            f"claim filing indicator {indicator} is for Medicare or Medicaid, but the payer "
            "is commercial"
        )


@check("POS-INVALID")
def _place_of_service(facts: ClaimFacts) -> Iterator[Problem]:
    code = facts.claim.place_of_service
    problem = place_of_service_problem(code)
    if problem:
        yield Problem(problem)
    elif not facts.reference.place_of_service_valid(code, on=facts.dos):
        yield Problem(f"place of service {code} is not a CMS place-of-service code on {facts.dos}")


@check("COVERAGE-INACTIVE")
def _coverage_active(facts: ClaimFacts) -> Iterator[Problem]:
    claim, dos = facts.claim, facts.dos
    start, end = claim.coverage_effective_from, claim.coverage_effective_to
    if start is None:
        yield Problem("the coverage has no effective date")
    elif dos < start:
        yield Problem(f"the coverage starts on {start}, after the date of service {dos}")
    if end is not None and dos > end:
        yield Problem(f"the coverage ended on {end}, before the date of service {dos}")


@check("DOS-FUTURE")
def _date_of_service_future(facts: ClaimFacts) -> Iterator[Problem]:
    if facts.dos > facts.claim.today:
        yield Problem(f"the date of service {facts.dos} is after today ({facts.claim.today})")


@check("TIMELY-FILING")
def _timely_filing(facts: ClaimFacts) -> Iterator[Problem]:
    limit = facts.payer.timely_filing_days
    if limit is None:
        return
    elapsed = (facts.claim.today - facts.dos).days
    if elapsed > limit:
        yield Problem(
            f"the date of service {facts.dos} was {elapsed} days ago; {facts.payer_label} "
            f"allows {limit} days (the last day was {_plus_days(facts.dos, limit)})"
        )


@check("TIMELY-FILING-SOON")
def _timely_filing_soon(facts: ClaimFacts) -> Iterator[Problem]:
    limit = facts.payer.timely_filing_days
    if limit is None:
        return
    elapsed = (facts.claim.today - facts.dos).days
    if elapsed <= limit and elapsed * 100 >= limit * TIMELY_WARNING_PERCENT:
        left = limit - elapsed
        yield Problem(
            f"{elapsed} of the {limit} days {facts.payer_label} allows have passed since "
            f"{facts.dos}; {left} day{'s' if left != 1 else ''} left (last day "
            f"{_plus_days(facts.dos, limit)})"
        )


@check("FREQ-INVALID")
def _frequency(facts: ClaimFacts) -> Iterator[Problem]:
    code = facts.claim.frequency_code
    if code not in FREQUENCY_CODES:
        yield Problem(f"claim frequency code {code!r} is not 1, 7 or 8")


@check("FREQ-ORIGINAL-CLAIM")
def _frequency_original(facts: ClaimFacts) -> Iterator[Problem]:
    claim = facts.claim
    if claim.frequency_code in CORRECTION_FREQUENCIES and _blank(claim.original_payer_claim_number):
        kind = "replacement" if claim.frequency_code == "7" else "void"
        yield Problem(
            f"a {kind} claim (frequency {claim.frequency_code}) needs the payer's original "
            "claim number"
        )


@check("PRIOR-AUTH-MISSING")
def _prior_authorization(facts: ClaimFacts) -> Iterator[Problem]:
    needs = facts.payer.requires_prior_auth_for_codes
    if not needs or not _blank(facts.claim.prior_authorization):
        return
    for number, line in _lines(facts.claim):
        if line.procedure_code in needs:
            yield Problem(
                f"{facts.payer_label} requires prior authorization for {line.procedure_code}; "
                "the claim has no authorization number",
                number,
            )


@check("DUPLICATE-CLAIM")
def _duplicate(facts: ClaimFacts) -> Iterator[Problem]:
    claim = facts.claim
    if claim.frequency_code in CORRECTION_FREQUENCIES or not len(facts.duplicates):
        return  # a replacement or void is meant to match the claim it corrects
    provider = claim.provider_npi
    for number, line in _lines(claim):
        key = (claim.patient_id, claim.payer_id, provider, facts.dos, line.procedure_code)
        earlier = [c for c in facts.duplicates.claims_for(key) if c != claim.patient_control_number]
        if earlier:
            yield Problem(
                f"{line.procedure_code} on {facts.dos} by provider {provider} for this patient "
                f"is already on claim to this payer {', '.join(earlier)}",
                number,
            )


# ---------------------------------------------------------------------------------------
# diagnoses


@check("DX-COUNT")
def _diagnosis_count(facts: ClaimFacts) -> Iterator[Problem]:
    count = len(facts.claim.diagnoses)
    if count == 0:
        yield Problem("the claim has no diagnosis code")
    elif count > MAX_DIAGNOSES:
        yield Problem(f"the claim has {count} diagnosis codes; the 837P carries at most 12")


_INVALID_STATUSES = frozenset(
    {DiagnosisStatus.BAD_FORM, DiagnosisStatus.NOT_A_CODE, DiagnosisStatus.NOT_IN_FORCE}
)


@check("ICD-INVALID")
def _diagnosis_invalid(facts: ClaimFacts) -> Iterator[Problem]:
    for position, found in enumerate(facts.diagnosis_facts, start=1):
        if found.status is DiagnosisStatus.NOT_IN_FORCE:
            yield Problem(
                f"diagnosis {position}: {found.message or found.code}",
                hint="Load the ICD-10-CM release in force on the date of service into the "
                "code sets, then scrub again.",
            )
        elif found.status in _INVALID_STATUSES:
            yield Problem(f"diagnosis {position}: {found.message or found.code}")


@check("ICD-NOT-BILLABLE")
def _diagnosis_not_billable(facts: ClaimFacts) -> Iterator[Problem]:
    for position, found in enumerate(facts.diagnosis_facts, start=1):
        if found.status is DiagnosisStatus.HEADER:
            yield Problem(
                f"diagnosis {position}: {found.code} is a category heading, not a billable code"
            )


_SEX_WORDS = {"F": "female", "M": "male"}


@check("ICD-SEX-CONFLICT")
def _diagnosis_sex(facts: ClaimFacts) -> Iterator[Problem]:
    sex = facts.claim.patient_sex
    if sex not in _SEX_WORDS:
        return
    for position, found in enumerate(facts.diagnosis_facts, start=1):
        if found.sex in _SEX_WORDS and found.sex != sex:
            yield Problem(
                f"diagnosis {position}: {found.code} is for {_SEX_WORDS[found.sex]} patients; "
                f"the patient is {_SEX_WORDS[sex]}"
            )


@check("ICD-AGE-CONFLICT")
def _diagnosis_age(facts: ClaimFacts) -> Iterator[Problem]:
    birth = facts.claim.patient_birth_date
    if birth is None or birth > facts.dos:
        return  # REQ-PATIENT-DOB says so
    age = _age_on(birth, facts.dos)
    for position, found in enumerate(facts.diagnosis_facts, start=1):
        low, high = found.min_age, found.max_age
        if (low is not None and age < low) or (high is not None and age > high):
            if high is None:
                span = f"aged {low} and over"
            elif low is None or low == 0:
                span = f"aged {high} or under"
            else:
                span = f"aged {low} to {high}"
            yield Problem(
                f"diagnosis {position}: {found.code} is for patients {span}; the patient is "
                f"{age} on {facts.dos}"
            )


@check("DX-DUPLICATE")
def _diagnosis_duplicate(facts: ClaimFacts) -> Iterator[Problem]:
    seen: dict[str, int] = {}
    for position, code in enumerate(facts.claim.diagnoses, start=1):
        plain = code.strip().upper().replace(".", "")
        first = seen.setdefault(plain, position)
        if first != position:
            yield Problem(f"diagnosis {position} ({code}) repeats diagnosis {first}")


@check("DX-EXTERNAL-CAUSE-FIRST")
def _external_cause_first(facts: ClaimFacts) -> Iterator[Problem]:
    diagnoses = facts.claim.diagnoses
    if diagnoses and diagnoses[0].strip()[:1].upper() in ("V", "W", "X", "Y"):
        yield Problem(
            f"the first diagnosis {diagnoses[0]} is an external-cause code (V00-Y99); these "
            "are never first-listed"
        )


# ---------------------------------------------------------------------------------------
# service lines


@check("LINES-COUNT")
def _line_count(facts: ClaimFacts) -> Iterator[Problem]:
    count = len(facts.claim.lines)
    if count == 0:
        yield Problem("the claim has no service lines")
    elif count > MAX_LINES:
        yield Problem(f"the claim has {count} service lines; the 837P carries at most 50")


@check("PROC-CODE-FORMAT")
def _procedure_format(facts: ClaimFacts) -> Iterator[Problem]:
    for number, line in _lines(facts.claim):
        problem = procedure_code_problem(line.procedure_code)
        if problem:
            yield Problem(problem, number)


@check("HCPCS-INVALID")
def _hcpcs_valid(facts: ClaimFacts) -> Iterator[Problem]:
    valid = facts.reference.hcpcs_valid
    for number, line in _lines(facts.claim):
        code = line.procedure_code
        if procedure_code_kind(code) == "HCPCS Level II" and not valid(code, on=facts.dos):
            yield Problem(f"{code} is not a HCPCS Level II code in force on {facts.dos}", number)


@check("MOD-COUNT")
def _modifier_count(facts: ClaimFacts) -> Iterator[Problem]:
    for number, line in _lines(facts.claim):
        if len(line.modifiers) > MAX_MODIFIERS:
            yield Problem(
                f"{line.procedure_code} has {len(line.modifiers)} modifiers "
                f"({', '.join(line.modifiers)}); the 837P carries at most 4",
                number,
            )


@check("MOD-INVALID")
def _modifier_valid(facts: ClaimFacts) -> Iterator[Problem]:
    valid = facts.reference.modifier_valid
    for number, line in _lines(facts.claim):
        seen: set[str] = set()
        for modifier in line.modifiers:
            problem = modifier_problem(modifier)
            if problem:
                yield Problem(problem, number)
            elif not valid(modifier, on=facts.dos):
                yield Problem(f"modifier {modifier} is not a known modifier on {facts.dos}", number)
            if modifier in seen:
                yield Problem(f"modifier {modifier!r} appears twice on the line", number)
            seen.add(modifier)


@check("DX-POINTER")
def _diagnosis_pointers(facts: ClaimFacts) -> Iterator[Problem]:
    available = min(len(facts.claim.diagnoses), MAX_DIAGNOSES)
    if not available:
        return  # DX-COUNT: with no diagnosis there is nothing to point at
    for number, line in _lines(facts.claim):
        pointers = line.diagnosis_pointers
        if not pointers:
            yield Problem("the line points to no diagnosis", number)
            continue
        if len(pointers) > MAX_POINTERS:
            yield Problem(
                f"the line has {len(pointers)} diagnosis pointers; the 837P carries at most 4",
                number,
            )
        if len(set(pointers)) != len(pointers):
            yield Problem(f"diagnosis pointers {list(pointers)} repeat a diagnosis", number)
        outside = sorted({p for p in pointers if not 1 <= p <= available})
        if outside:
            several = len(outside) > 1
            yield Problem(
                f"diagnosis pointer{'s' if several else ''} {', '.join(map(str, outside))} "
                f"point{'' if several else 's'} past the {available} diagnos"
                f"{'i' if available == 1 else 'e'}s on the claim",
                number,
            )


@check("UNITS-POSITIVE")
def _units(facts: ClaimFacts) -> Iterator[Problem]:
    for number, line in _lines(facts.claim):
        units = line.units
        if not units.is_finite():
            yield Problem(f"units {units} is not a number", number)
        elif units <= 0:
            yield Problem(f"units {units} is not positive", number)
        elif units > MAX_UNITS:
            yield Problem(f"units {units} is more than {MAX_UNITS}", number)


@check("CHARGE-POSITIVE")
def _charges(facts: ClaimFacts) -> Iterator[Problem]:
    for number, line in _lines(facts.claim):
        charge = line.charge
        if not _is_amount(charge):
            yield Problem(f"charge {charge} is not an amount of money", number)
        elif charge <= 0:
            yield Problem(f"charge {charge} is not positive", number)
        elif charge != charge.quantize(CENT):
            yield Problem(f"charge {charge} is not in whole cents", number)


@check("CLAIM-TOTAL")
def _claim_total(facts: ClaimFacts) -> Iterator[Problem]:
    claim = facts.claim
    if not _is_amount(claim.total_charge):
        yield Problem(f"the claim total {claim.total_charge} is not an amount of money")
        return
    if not all(_is_amount(line.charge) for line in claim.lines):
        return  # CHARGE-POSITIVE names the line; the sum is meaningless
    total = sum((line.charge for line in claim.lines), Decimal(0))
    if total != claim.total_charge:
        yield Problem(
            f"the claim total {claim.total_charge} is not the sum of the line charges {total}"
        )


@check("NCCI-PTP")
def _ncci_ptp(facts: ClaimFacts) -> Iterator[Problem]:
    lines_by_code: dict[str, list[int]] = {}
    for number, line in _lines(facts.claim):
        lines_by_code.setdefault(line.procedure_code, []).append(number)
    if len(lines_by_code) < 2:
        return
    ptp, dos, lines = facts.reference.ptp, facts.dos, facts.claim.lines
    for column1, column1_lines in lines_by_code.items():
        for column2, column2_lines in lines_by_code.items():
            if column1 == column2:
                continue
            indicator = ptp(column1, column2, on=dos)
            if indicator is None or indicator == 9:
                continue
            for number in column2_lines:
                modifiers = lines[number - 1].modifiers
                if indicator == 1 and NCCI_ASSOCIATED_MODIFIERS.intersection(modifiers):
                    continue
                where = f"{column2} (line {number}) is column 2 to {column1} " + (
                    f"({_line_list(column1_lines)}) in an NCCI PTP edit on {dos}"
                )
                if indicator == 1:
                    yield Problem(
                        f"{where}; modifier indicator 1 and no NCCI-associated modifier on "
                        f"line {number}",
                        number,
                        f"Remove {column2}, or, only when documentation supports a distinct "
                        f"service, add {_NCCI_MODIFIER_TEXT} to line {number}.",
                    )
                else:
                    yield Problem(
                        f"{where}; modifier indicator {indicator}: no modifier lets both be paid",
                        number,
                        f"Remove {column2}: with modifier indicator 0 it is denied whatever "
                        "the modifiers.",
                    )


_MAI_HINTS = {
    2: "MAI 2 is an absolute policy limit: it cannot be appealed. Bill at most {limit} "
    "units of {code} for the day (check the units against the documentation).",
    3: "MAI 3 is a clinical limit: bill what the documentation supports; if more than "
    "{limit} units were medically necessary, expect the excess denied and appeal it with "
    "the documentation.",
}


@check("MUE-UNITS")
def _mue_units(facts: ClaimFacts) -> Iterator[Problem]:
    by_code: dict[str, list[tuple[int, Decimal]]] = {}
    for number, line in _lines(facts.claim):
        if _usable_units(line.units):  # UNITS-POSITIVE reports the rest
            by_code.setdefault(line.procedure_code, []).append((number, line.units))
    overrides, mue, dos = facts.payer.max_units, facts.reference.mue, facts.dos
    for code, entries in by_code.items():
        payer_limit = overrides.get(code)
        if payer_limit is not None:
            total = sum((units for _, units in entries), Decimal(0))
            if total > payer_limit:
                yield Problem(
                    f"{total} units of {code} on {dos} ({_line_list([n for n, _ in entries])}); "
                    f"{facts.payer_label} allows at most {payer_limit} per date of service",
                    entries[0][0] if len(entries) == 1 else None,
                    f"Bill at most {payer_limit} units of {code} for the day, or get the "
                    "payer's approval for more.",
                )
            continue
        limit = mue(code, on=dos)
        if limit is None:
            continue
        mai = limit.adjudication_indicator
        if mai == 1:
            for number, units in entries:
                if units > limit.max_units:
                    yield Problem(
                        f"{units} units of {code} on one line; the MUE allows "
                        f"{limit.max_units} per line (MAI 1)",
                        number,
                        f"Bill at most {limit.max_units} units per line; when more were "
                        "given at separate sessions or sites, split them over lines with "
                        "the right modifiers (e.g. 59, XS, RT/LT, 76, 91).",
                    )
            continue
        total = sum((units for _, units in entries), Decimal(0))
        if total > limit.max_units:
            template = _MAI_HINTS.get(
                mai, "Bill at most {limit} units of {code} for the date of service."
            )
            yield Problem(
                f"{total} units of {code} on {dos} ({_line_list([n for n, _ in entries])}); "
                f"the MUE allows {limit.max_units} per date of service (MAI {mai})",
                entries[0][0] if len(entries) == 1 else None,
                template.format(limit=limit.max_units, code=code),
            )
