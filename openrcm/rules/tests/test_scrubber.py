"""The claim scrubber: each rule trips on its own, payers turn rules off with a reason,
PTP and MUE edits, timely-filing boundaries, duplicates.

Synthetic data only: NPIs made with a valid check digit, made-up members, CPT codes as
codes (never a description).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable
from decimal import Decimal

import pytest

from openrcm.rules.scrubber import (
    NCCI_ASSOCIATED_MODIFIERS,
    RULES,
    RULES_BY_ID,
    DiagnosisEntry,
    DiagnosisStatus,
    DuplicateIndex,
    HcpcsValidity,
    MueLimit,
    PayerRules,
    PostalAddress,
    PtpEdit,
    ScrubClaim,
    ScrubLine,
    ScrubResult,
    Severity,
    StaticScrubReference,
    describe_rules,
    scrub_claim,
)
from openrcm.rules.scrubber.checks import CHECKS

DOS = datetime.date(2026, 4, 15)
TODAY = datetime.date(2026, 5, 1)
BILLING_NPI = "1234567893"
RENDERING_NPI = "1245319599"
REFERRING_NPI = "1111111112"

DIAGNOSES = (
    DiagnosisEntry("E11.9"),
    DiagnosisEntry("E11", billable=False),
    DiagnosisEntry("I10"),
    DiagnosisEntry("J02.9"),
    DiagnosisEntry("M54.50"),
    DiagnosisEntry("R05.9"),
    DiagnosisEntry("F41.1"),
    DiagnosisEntry("S83.241A"),
    DiagnosisEntry("W19.XXXA"),
    DiagnosisEntry("Z00.00", min_age=18),
    DiagnosisEntry("Z00.129", max_age=17),
    DiagnosisEntry("E78.5"),
    DiagnosisEntry("K21.9"),
    DiagnosisEntry("G43.909"),
    DiagnosisEntry("N94.6", sex="F"),
    DiagnosisEntry("N40.0", sex="M", min_age=40),
    DiagnosisEntry("P59.9", max_age=0),
)
# 13 distinct billable codes that fit the clean claim's patient (a man born 1980).
THIRTEEN = (
    "E11.9", "I10", "J02.9", "M54.50", "R05.9", "F41.1", "S83.241A",
    "E78.5", "K21.9", "G43.909", "Z00.00", "N40.0", "W19.XXXA",
)  # fmt: skip
MODIFIERS = (
    "24", "25", "26", "57", "58", "59", "76", "77", "78", "79", "91",
    "XE", "XS", "XP", "XU", "LT", "RT", "GA", "GY", "TC", "F1", "E1",
)  # fmt: skip


def make_reference(
    *,
    ptp: tuple[PtpEdit, ...] | None = None,
    mue: dict[str, MueLimit] | None = None,
) -> StaticScrubReference:
    return StaticScrubReference(
        diagnoses=DIAGNOSES,
        hcpcs={
            "J3301": HcpcsValidity(added=datetime.date(2000, 1, 1)),
            "A4550": HcpcsValidity(),
            "G0008": HcpcsValidity(terminated=datetime.date(2025, 12, 31)),
            "G0999": HcpcsValidity(added=datetime.date(2026, 7, 1)),
        },
        modifiers=MODIFIERS,
        places_of_service=("02", "11", "12", "21", "22", "23"),
        taxonomies=("207Q00000X", "208D00000X", "207R00000X"),
        mue=mue
        if mue is not None
        else {
            "99213": MueLimit(1, 2),
            "J3301": MueLimit(8, 3),
            "36415": MueLimit(2, 2),
            "97110": MueLimit(4, 1),
        },
        ptp=ptp
        if ptp is not None
        else (
            PtpEdit("20610", "99213", 1, datetime.date(2020, 1, 1)),
            PtpEdit("11042", "97597", 0, datetime.date(2020, 1, 1)),
            PtpEdit("93000", "93005", 9, datetime.date(2020, 1, 1), datetime.date(2020, 1, 1)),
            PtpEdit("29881", "29880", 0, datetime.date(2010, 1, 1), datetime.date(2026, 1, 1)),
        ),
    )


REFERENCE = make_reference()
PAYER = PayerRules(name="Acme Health", timely_filing_days=365)
NO_DUPLICATES = DuplicateIndex()


def line(
    code: str = "99213",
    *,
    modifiers: tuple[str, ...] = (),
    units: str = "1",
    charge: str = "125.00",
    pointers: tuple[int, ...] = (1,),
) -> ScrubLine:
    return ScrubLine(
        procedure_code=code,
        modifiers=modifiers,
        units=Decimal(units),
        charge=Decimal(charge),
        diagnosis_pointers=pointers,
    )


def clean_claim() -> ScrubClaim:
    lines = (line("99213", pointers=(1, 2)), line("J3301", units="2", charge="40.00"))
    return ScrubClaim(
        patient_control_number="PCN0001",
        patient_id="patient-1",
        billing_npi=BILLING_NPI,
        billing_tin="12-3456789",
        billing_taxonomy="207Q00000X",
        billing_address=PostalAddress(
            street1="100 Main St", city="Springfield", state="IL", zip_code="62701-1234"
        ),
        rendering_npi=RENDERING_NPI,
        rendering_taxonomy="208D00000X",
        patient_sex="M",
        patient_birth_date=datetime.date(1980, 6, 1),
        subscriber_member_id="XYZ123456789",
        subscriber_birth_date=datetime.date(1980, 6, 1),
        subscriber_address=PostalAddress(
            street1="5 Oak Ave", city="Springfield", state="IL", zip_code="62702"
        ),
        relationship="18",
        payer_id="ACME1",
        payer_type="commercial",
        claim_filing_indicator="CI",
        coverage_effective_from=datetime.date(2026, 1, 1),
        coverage_effective_to=datetime.date(2026, 12, 31),
        date_of_service=DOS,
        place_of_service="11",
        diagnoses=("E11.9", "I10"),
        lines=lines,
        total_charge=sum((ln.charge for ln in lines), Decimal(0)),
        today=TODAY,
    )


def scrub(
    claim: ScrubClaim,
    *,
    reference: StaticScrubReference = REFERENCE,
    payer: PayerRules = PAYER,
    duplicates: DuplicateIndex = NO_DUPLICATES,
) -> ScrubResult:
    return scrub_claim(claim, reference=reference, payer_rules=payer, duplicates=duplicates)


def change(**fields: object) -> ScrubClaim:
    return dataclasses.replace(clean_claim(), **fields)  # type: ignore[arg-type]


def with_lines(*lines: ScrubLine, **fields: object) -> ScrubClaim:
    total = sum((ln.charge for ln in lines if ln.charge.is_finite()), Decimal(0))
    return change(lines=lines, total_charge=total, **fields)


def billing(**fields: str) -> PostalAddress:
    return dataclasses.replace(clean_claim().billing_address, **fields)


def subscriber(**fields: str) -> PostalAddress:
    address = clean_claim().subscriber_address
    assert address is not None
    return dataclasses.replace(address, **fields)


def days_after(days: int) -> datetime.date:
    return DOS + datetime.timedelta(days=days)


PAYER_90 = PayerRules(name="Ninety Plan", timely_filing_days=90)
PAYER_REFERRALS = PayerRules(
    name="Referral HMO", requires_referring_for_pos=frozenset({"11"}), timely_filing_days=365
)
PAYER_REFERRAL_CODES = PayerRules(
    name="Referral HMO", requires_referring_for_codes=frozenset({"J3301"})
)
PAYER_AUTH = PayerRules(name="Auth Plan", requires_prior_auth_for_codes=frozenset({"J3301"}))
EARLIER = DuplicateIndex([(("patient-1", "ACME1", RENDERING_NPI, DOS, "99213"), "PCN0000")])


@dataclasses.dataclass(frozen=True)
class Case:
    """A claim (and optionally payer rules or earlier claims) and the exact rule IDs."""

    expected: frozenset[str]
    build: Callable[[], ScrubClaim]
    payer: PayerRules = PAYER
    duplicates: DuplicateIndex = NO_DUPLICATES


def fails(rule_id: str, build: Callable[[], ScrubClaim], **kw: object) -> Case:
    return Case(frozenset({rule_id}), build, **kw)  # type: ignore[arg-type]


def passes(build: Callable[[], ScrubClaim], **kw: object) -> Case:
    return Case(frozenset(), build, **kw)  # type: ignore[arg-type]


# (id, case): every rule has at least one failing row that trips that rule alone, and
# passing rows that sit right next to it.
CASES: list[tuple[str, Case]] = [
    ("clean", passes(clean_claim)),
    ("pcn-missing", fails("REQ-PATIENT-CONTROL-NUMBER", lambda: change(patient_control_number=""))),
    (
        "pcn-21",
        fails("REQ-PATIENT-CONTROL-NUMBER", lambda: change(patient_control_number="A" * 21)),
    ),
    ("pcn-star", fails("REQ-PATIENT-CONTROL-NUMBER", lambda: change(patient_control_number="A*1"))),
    ("pcn-20", passes(lambda: change(patient_control_number="A" * 20))),
    ("member-id-missing", fails("REQ-SUBSCRIBER-ID", lambda: change(subscriber_member_id=" "))),
    ("member-id-81", fails("REQ-SUBSCRIBER-ID", lambda: change(subscriber_member_id="9" * 81))),
    ("dob-missing", fails("REQ-PATIENT-DOB", lambda: change(patient_birth_date=None))),
    ("dob-after-dos", fails("REQ-PATIENT-DOB", lambda: change(patient_birth_date=days_after(1)))),
    (
        "dob-131",
        fails("REQ-PATIENT-DOB", lambda: change(patient_birth_date=datetime.date(1895, 1, 1))),
    ),
    ("dob-on-dos", passes(lambda: change(patient_birth_date=DOS, diagnoses=("P59.9", "E11.9")))),
    ("sub-dob-missing", fails("REQ-SUBSCRIBER-DOB", lambda: change(subscriber_birth_date=None))),
    (
        "sub-dob-after",
        fails("REQ-SUBSCRIBER-DOB", lambda: change(subscriber_birth_date=days_after(3))),
    ),
    ("sex-x", fails("REQ-PATIENT-SEX", lambda: change(patient_sex="X"))),
    ("sex-u", passes(lambda: change(patient_sex="U", diagnoses=("E11.9", "N94.6")))),
    ("relationship", fails("REQ-RELATIONSHIP", lambda: change(relationship="99"))),
    ("relationship-child", passes(lambda: change(relationship="19"))),
    ("sub-address-none", fails("REQ-SUBSCRIBER-ADDRESS", lambda: change(subscriber_address=None))),
    (
        "sub-zip",
        fails(
            "REQ-SUBSCRIBER-ADDRESS", lambda: change(subscriber_address=subscriber(zip_code="1234"))
        ),
    ),
    (
        "sub-state",
        fails("REQ-SUBSCRIBER-ADDRESS", lambda: change(subscriber_address=subscriber(state="XX"))),
    ),
    (
        "billing-street",
        fails("REQ-BILLING-ADDRESS", lambda: change(billing_address=billing(street1=""))),
    ),
    (
        "billing-state",
        fails("REQ-BILLING-ADDRESS", lambda: change(billing_address=billing(state="ZZ"))),
    ),
    (
        "billing-zip5",
        fails("BILLING-ZIP9", lambda: change(billing_address=billing(zip_code="62701"))),
    ),
    ("billing-zip9-plain", passes(lambda: change(billing_address=billing(zip_code="627011234")))),
    (
        "po-box",
        fails("BILLING-PO-BOX", lambda: change(billing_address=billing(street1="PO Box 12"))),
    ),
    (
        "po-box-dots",
        fails("BILLING-PO-BOX", lambda: change(billing_address=billing(street1="P.O. BOX 55"))),
    ),
    (
        "lockbox",
        fails("BILLING-PO-BOX", lambda: change(billing_address=billing(street2="Lockbox 9981"))),
    ),
    ("box-elder", passes(lambda: change(billing_address=billing(street1="1 Box Elder Rd")))),
    ("tin", fails("REQ-BILLING-TIN", lambda: change(billing_tin="12-345678"))),
    ("tin-missing", fails("REQ-BILLING-TIN", lambda: change(billing_tin=""))),
    ("npi-billing", fails("NPI-BILLING", lambda: change(billing_npi="1234567890"))),
    ("npi-billing-missing", fails("NPI-BILLING", lambda: change(billing_npi=""))),
    ("npi-rendering", fails("NPI-RENDERING", lambda: change(rendering_npi="1245319590"))),
    (
        "no-rendering",
        passes(lambda: change(rendering_npi="", rendering_taxonomy="")),
    ),
    (
        "npi-referring",
        fails("NPI-REFERRING", lambda: change(referring_npi="1111111110", referring_name="Smith")),
    ),
    ("referring-no-npi", fails("NPI-REFERRING", lambda: change(referring_name="Smith"))),
    (
        "referring-ok",
        passes(lambda: change(referring_npi=REFERRING_NPI, referring_name="Smith")),
    ),
    ("referring-required-pos", fails("REQ-REFERRING", clean_claim, payer=PAYER_REFERRALS)),
    ("referring-required-code", fails("REQ-REFERRING", clean_claim, payer=PAYER_REFERRAL_CODES)),
    ("referring-npi-no-name", fails("REQ-REFERRING", lambda: change(referring_npi=REFERRING_NPI))),
    (
        "referring-required-given",
        passes(
            lambda: change(referring_npi=REFERRING_NPI, referring_name="Smith"),
            payer=PAYER_REFERRALS,
        ),
    ),
    ("referring-other-pos", passes(lambda: change(place_of_service="22"), payer=PAYER_REFERRALS)),
    ("taxonomy-billing-missing", fails("TAXONOMY-BILLING", lambda: change(billing_taxonomy=""))),
    (
        "taxonomy-billing-unknown",
        fails("TAXONOMY-BILLING", lambda: change(billing_taxonomy="999Z00000X")),
    ),
    (
        "taxonomy-rendering-missing",
        fails("TAXONOMY-RENDERING", lambda: change(rendering_taxonomy="")),
    ),
    (
        "taxonomy-rendering-unknown",
        fails("TAXONOMY-RENDERING", lambda: change(rendering_taxonomy="1")),
    ),
    ("payer-id", fails("REQ-PAYER-ID", lambda: change(payer_id=""))),
    (
        "filing-indicator",
        fails("REQ-FILING-INDICATOR", lambda: change(claim_filing_indicator="QQ")),
    ),
    (
        "filing-medicare-ci",
        fails("FILING-INDICATOR-MISMATCH", lambda: change(payer_type="medicare")),
    ),
    (
        "filing-commercial-mb",
        fails("FILING-INDICATOR-MISMATCH", lambda: change(claim_filing_indicator="MB")),
    ),
    (
        "filing-medicare-mb",
        passes(lambda: change(payer_type="medicare", claim_filing_indicator="MB")),
    ),
    ("pos-unknown", fails("POS-INVALID", lambda: change(place_of_service="99"))),
    ("pos-form", fails("POS-INVALID", lambda: change(place_of_service="1"))),
    ("pos-telehealth", passes(lambda: change(place_of_service="02"))),
    (
        "coverage-later",
        fails("COVERAGE-INACTIVE", lambda: change(coverage_effective_from=days_after(1))),
    ),
    (
        "coverage-ended",
        fails("COVERAGE-INACTIVE", lambda: change(coverage_effective_to=days_after(-1))),
    ),
    ("coverage-none", fails("COVERAGE-INACTIVE", lambda: change(coverage_effective_from=None))),
    (
        "coverage-edges",
        passes(lambda: change(coverage_effective_from=DOS, coverage_effective_to=DOS)),
    ),
    ("coverage-open", passes(lambda: change(coverage_effective_to=None))),
    ("dos-future", fails("DOS-FUTURE", lambda: change(today=days_after(-1)))),
    ("dos-today", passes(lambda: change(today=DOS))),
    ("timely-past", fails("TIMELY-FILING", lambda: change(today=days_after(91)), payer=PAYER_90)),
    (
        "timely-soon",
        fails("TIMELY-FILING-SOON", lambda: change(today=days_after(72)), payer=PAYER_90),
    ),
    ("timely-fresh", passes(lambda: change(today=days_after(71)), payer=PAYER_90)),
    ("freq", fails("FREQ-INVALID", lambda: change(frequency_code="5"))),
    ("freq-7-no-original", fails("FREQ-ORIGINAL-CLAIM", lambda: change(frequency_code="7"))),
    ("freq-8-no-original", fails("FREQ-ORIGINAL-CLAIM", lambda: change(frequency_code="8"))),
    (
        "freq-7-original",
        passes(lambda: change(frequency_code="7", original_payer_claim_number="2026123456789")),
    ),
    ("prior-auth", fails("PRIOR-AUTH-MISSING", clean_claim, payer=PAYER_AUTH)),
    ("prior-auth-given", passes(lambda: change(prior_authorization="AUTH77"), payer=PAYER_AUTH)),
    ("duplicate", fails("DUPLICATE-CLAIM", clean_claim, duplicates=EARLIER)),
    (
        "duplicate-other-day",
        passes(
            lambda: change(date_of_service=days_after(1), today=days_after(2)), duplicates=EARLIER
        ),
    ),
    (
        "duplicate-other-provider",
        passes(lambda: change(rendering_npi=REFERRING_NPI), duplicates=EARLIER),
    ),
    (
        "duplicate-replacement",
        passes(
            lambda: change(frequency_code="7", original_payer_claim_number="2026123456789"),
            duplicates=EARLIER,
        ),
    ),
    ("dx-none", fails("DX-COUNT", lambda: with_lines(line(), diagnoses=()))),
    ("dx-12", passes(lambda: with_lines(line(pointers=(12, 11, 1)), diagnoses=THIRTEEN[:12]))),
    ("dx-13", fails("DX-COUNT", lambda: change(diagnoses=THIRTEEN))),
    ("icd-unknown", fails("ICD-INVALID", lambda: change(diagnoses=("E11.9", "Q99.9")))),
    ("icd-form", fails("ICD-INVALID", lambda: change(diagnoses=("E11.9", "1234")))),
    ("icd-header", fails("ICD-NOT-BILLABLE", lambda: change(diagnoses=("E11.9", "E11")))),
    ("icd-no-dot", passes(lambda: change(diagnoses=("E119", "i10")))),
    ("icd-female-code", fails("ICD-SEX-CONFLICT", lambda: change(diagnoses=("E11.9", "N94.6")))),
    ("icd-male-code", passes(lambda: change(diagnoses=("E11.9", "N40.0")))),
    ("icd-newborn-code", fails("ICD-AGE-CONFLICT", lambda: change(diagnoses=("E11.9", "P59.9")))),
    ("icd-child-code", fails("ICD-AGE-CONFLICT", lambda: change(diagnoses=("E11.9", "Z00.129")))),
    ("icd-adult-code", passes(lambda: change(diagnoses=("E11.9", "Z00.00")))),
    (
        "icd-age-boundary",
        passes(
            lambda: change(
                patient_birth_date=datetime.date(2008, 4, 16), diagnoses=("E11.9", "Z00.129")
            )
        ),
    ),
    ("dx-repeat", fails("DX-DUPLICATE", lambda: change(diagnoses=("E11.9", "I10", "E119")))),
    (
        "external-first",
        fails("DX-EXTERNAL-CAUSE-FIRST", lambda: change(diagnoses=("W19.XXXA", "S83.241A"))),
    ),
    ("external-second", passes(lambda: change(diagnoses=("S83.241A", "W19.XXXA")))),
    ("lines-none", fails("LINES-COUNT", lambda: with_lines())),
    ("lines-51", fails("LINES-COUNT", lambda: with_lines(*[line("93000")] * 51))),
    ("lines-50", passes(lambda: with_lines(*[line("93000")] * 50))),
    ("proc-form", fails("PROC-CODE-FORMAT", lambda: with_lines(line("9921")))),
    ("proc-cat-2", passes(lambda: with_lines(line("3074F", charge="0.01")))),
    ("hcpcs-unknown", fails("HCPCS-INVALID", lambda: with_lines(line("J9999")))),
    ("hcpcs-terminated", fails("HCPCS-INVALID", lambda: with_lines(line("G0008")))),
    ("hcpcs-not-yet", fails("HCPCS-INVALID", lambda: with_lines(line("G0999")))),
    ("hcpcs-ok", passes(lambda: with_lines(line("A4550")))),
    (
        "mod-5",
        fails("MOD-COUNT", lambda: with_lines(line(modifiers=("25", "59", "GA", "GY", "XE")))),
    ),
    ("mod-4", passes(lambda: with_lines(line(modifiers=("25", "59", "GA", "GY"))))),
    ("mod-unknown", fails("MOD-INVALID", lambda: with_lines(line(modifiers=("ZZ",))))),
    ("mod-form", fails("MOD-INVALID", lambda: with_lines(line(modifiers=("2",))))),
    ("mod-repeat", fails("MOD-INVALID", lambda: with_lines(line(modifiers=("25", "25"))))),
    ("ptr-none", fails("DX-POINTER", lambda: with_lines(line(pointers=())))),
    ("ptr-out", fails("DX-POINTER", lambda: with_lines(line(pointers=(3,))))),
    ("ptr-zero", fails("DX-POINTER", lambda: with_lines(line(pointers=(0,))))),
    ("ptr-repeat", fails("DX-POINTER", lambda: with_lines(line(pointers=(1, 2, 1))))),
    (
        "ptr-5",
        fails(
            "DX-POINTER",
            lambda: with_lines(
                line(pointers=(1, 2, 3, 4, 5)),
                diagnoses=("E11.9", "I10", "J02.9", "F41.1", "K21.9"),
            ),
        ),
    ),
    ("ptr-4", passes(lambda: with_lines(line(pointers=(4, 3, 2, 1)), diagnoses=THIRTEEN[:4]))),
    ("units-zero", fails("UNITS-POSITIVE", lambda: with_lines(line(units="0")))),
    ("units-negative", fails("UNITS-POSITIVE", lambda: with_lines(line(units="-1")))),
    ("units-nan", fails("UNITS-POSITIVE", lambda: with_lines(line(units="NaN")))),
    ("units-huge", fails("UNITS-POSITIVE", lambda: with_lines(line("93000", units="100000")))),
    ("units-fraction", passes(lambda: with_lines(line("93000", units="0.5")))),
    ("charge-zero", fails("CHARGE-POSITIVE", lambda: with_lines(line(charge="0")))),
    (
        "charge-negative",
        fails(
            "CHARGE-POSITIVE",
            lambda: with_lines(line(charge="-5.00"), line("J3301", charge="10.00")),
        ),
    ),
    ("charge-mills", fails("CHARGE-POSITIVE", lambda: with_lines(line(charge="1.005")))),
    ("charge-trailing-zero", passes(lambda: with_lines(line(charge="10.500")))),
    ("total", fails("CLAIM-TOTAL", lambda: change(total_charge=Decimal("170.00")))),
    ("total-nan", fails("CLAIM-TOTAL", lambda: change(total_charge=Decimal("NaN")))),
    (
        "ptp",
        fails("NCCI-PTP", lambda: with_lines(line("20610", charge="200.00"), line("99213"))),
    ),
    (
        "ptp-modifier",
        passes(
            lambda: with_lines(line("20610", charge="200.00"), line("99213", modifiers=("25",)))
        ),
    ),
    ("mue-line", fails("MUE-UNITS", lambda: with_lines(line("97110", units="5")))),
    (
        "mue-line-split",
        passes(
            lambda: with_lines(
                line("97110", units="4"), line("97110", units="4", modifiers=("59",))
            )
        ),
    ),
    (
        "mue-day",
        fails("MUE-UNITS", lambda: with_lines(line("36415", units="2"), line("36415", units="1"))),
    ),
    ("mue-day-ok", passes(lambda: with_lines(line("36415"), line("36415")))),
]


@pytest.mark.parametrize("case", [c for _, c in CASES], ids=[name for name, _ in CASES])
def test_each_case_trips_exactly_its_rule(case: Case) -> None:
    result = scrub(case.build(), payer=case.payer, duplicates=case.duplicates)
    assert result.rule_ids == case.expected, [f.message for f in result.findings]
    assert result.holds == any(RULES_BY_ID[r].severity is Severity.ERROR for r in case.expected)
    for finding in result.findings:
        assert finding.message
        assert finding.hint


def test_every_rule_has_a_failing_row_and_a_check() -> None:
    failing = {rule_id for _, case in CASES for rule_id in case.expected}
    assert failing == set(RULES_BY_ID)
    assert set(CHECKS) == set(RULES_BY_ID)


def test_registry_is_documented_data() -> None:
    assert len({r.id for r in RULES}) == len(RULES)
    for rule in RULES:
        assert rule.id == rule.id.upper()
        assert " " not in rule.id
        assert rule.severity in (Severity.ERROR, Severity.WARNING)
        assert rule.title
        assert rule.hint
    assert {r.id for r in RULES if r.severity is Severity.WARNING} == {
        "TIMELY-FILING-SOON",
        "FILING-INDICATOR-MISMATCH",
        "DX-DUPLICATE",
    }


def test_rule_table_for_the_docs_lists_every_rule() -> None:
    table = describe_rules().splitlines()
    assert len(table) == 2 + len(RULES)
    for rule, row in zip(RULES, table[2:], strict=True):
        assert row.startswith(f"| {rule.id} | {rule.severity.value} |")
    assert "| CLAIM-TOTAL | error |" in describe_rules()


def test_age_and_release_messages() -> None:
    (child,) = scrub(change(diagnoses=("E11.9", "Z00.129"))).findings
    assert "Z00.129 is for patients aged 17 or under; the patient is 45" in child.message
    (adult,) = scrub(
        change(patient_birth_date=datetime.date(2010, 1, 1), diagnoses=("E11.9", "Z00.00"))
    ).findings
    assert "aged 18 and over; the patient is 16" in adult.message


def test_clean_claim_has_no_findings_and_is_not_held() -> None:
    result = scrub(clean_claim())
    assert result.findings == ()
    assert result.skipped == ()
    assert not result.holds


def test_every_problem_is_reported_not_just_the_first() -> None:
    claim = with_lines(
        line("9921", pointers=(5,)),
        line("J9999", modifiers=("ZZ", "25", "59", "GA", "GY"), units="0"),
        billing_npi="1234567890",
        diagnoses=("E11", "Q99.9"),
        place_of_service="99",
    )
    result = scrub(claim)
    assert result.rule_ids == {
        "PROC-CODE-FORMAT",
        "DX-POINTER",
        "HCPCS-INVALID",
        "MOD-COUNT",
        "MOD-INVALID",
        "UNITS-POSITIVE",
        "NPI-BILLING",
        "ICD-NOT-BILLABLE",
        "ICD-INVALID",
        "POS-INVALID",
    }
    assert {f.line for f in result.findings if f.rule_id == "PROC-CODE-FORMAT"} == {1}
    assert {f.line for f in result.findings if f.rule_id == "HCPCS-INVALID"} == {2}


def test_one_rule_reports_each_bad_line_and_each_bad_part() -> None:
    claim = with_lines(line(units="0"), line("J3301", units="-2"), line("93000", units="1"))
    found = [f for f in scrub(claim).findings if f.rule_id == "UNITS-POSITIVE"]
    assert [f.line for f in found] == [1, 2]
    address = PostalAddress(street1="", city="", state="QQ", zip_code="1")
    found = [
        f
        for f in scrub(change(subscriber_address=address)).findings
        if f.rule_id == "REQ-SUBSCRIBER-ADDRESS"
    ]
    assert len(found) == 4


def test_messages_carry_the_values_and_registry_order() -> None:
    result = scrub(change(billing_npi="1234567890", place_of_service="99"))
    messages = {f.rule_id: f.message for f in result.findings}
    assert "1234567890" in messages["NPI-BILLING"]
    assert "99" in messages["POS-INVALID"]
    order = [r.id for r in RULES]
    assert [f.rule_id for f in result.findings] == sorted(
        (f.rule_id for f in result.findings), key=order.index
    )


def test_warning_alone_does_not_hold_an_error_does() -> None:
    warned = scrub(change(today=days_after(80)), payer=PAYER_90)
    assert [f.severity for f in warned.findings] == [Severity.WARNING]
    assert warned.warnings
    assert not warned.errors
    assert not warned.holds
    held = scrub(change(today=days_after(80), billing_tin=""), payer=PAYER_90)
    assert held.holds
    assert {f.rule_id for f in held.errors} == {"REQ-BILLING-TIN"}


# ---------------------------------------------------------------------------------------
# payer turn-off


def test_a_payer_turns_a_rule_off_with_a_reason_that_stays_visible() -> None:
    claim = with_lines(line("20610", charge="200.00"), line("99213"))
    reason = "contract 2026-03 §4: this plan does not apply NCCI edits"
    payer = PayerRules(name="Small Plan", disabled_rules={"NCCI-PTP": reason})
    result = scrub(claim, payer=payer)
    assert "NCCI-PTP" not in result.rule_ids
    assert not result.holds
    assert [(s.rule_id, s.reason) for s in result.skipped] == [("NCCI-PTP", reason)]
    (notice,) = result.findings
    assert notice.severity is Severity.SKIPPED
    assert notice.rule_id == "NCCI-PTP"
    assert reason in notice.message
    assert "Small Plan" in notice.message
    # the same claim for a payer that keeps the rule is held
    assert scrub(claim).holds


def test_turning_a_rule_off_only_skips_that_rule() -> None:
    payer = PayerRules(disabled_rules={"DX-DUPLICATE": "payer dedupes diagnoses itself"})
    result = scrub(change(diagnoses=("E11.9", "E11.9"), billing_tin=""), payer=payer)
    assert result.rule_ids == {"REQ-BILLING-TIN"}
    assert [s.rule_id for s in result.skipped] == ["DX-DUPLICATE"]


@pytest.mark.parametrize(
    ("disabled", "message"),
    [
        ({"NO-SUCH-RULE": "because"}, "not a scrubber rule"),
        ({"CLAIM-TOTAL": "payer does not care"}, "cannot be turned off"),
        ({"NCCI-PTP": "  "}, "needs a reason"),
    ],
)
def test_payer_rules_refuse_bad_turn_offs(disabled: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PayerRules(disabled_rules=disabled)


def test_payer_rules_are_frozen_copies() -> None:
    source = {"DX-DUPLICATE": "dedupes itself"}
    payer = PayerRules(disabled_rules=source)
    source["NCCI-PTP"] = "later edit"
    assert dict(payer.disabled_rules) == {"DX-DUPLICATE": "dedupes itself"}
    with pytest.raises(TypeError):
        payer.disabled_rules["X"] = "y"  # type: ignore[index]


# ---------------------------------------------------------------------------------------
# NCCI PTP


def ptp_reference(indicator: int) -> StaticScrubReference:
    return make_reference(ptp=(PtpEdit("20610", "99213", indicator, datetime.date(2020, 1, 1)),))


@pytest.mark.parametrize(
    ("indicator", "column1_modifiers", "column2_modifiers", "denied"),
    [
        (0, (), (), True),
        (0, (), ("59",), True),
        (0, (), ("XS",), True),
        (1, (), (), True),
        (1, (), ("59",), False),
        (1, (), ("25",), False),
        (1, (), ("XU",), False),
        (1, (), ("RT",), False),
        (1, (), ("F1",), False),
        (1, (), ("GA", "91"), False),
        (1, ("59",), (), True),  # the modifier must be on the column 2 line
        (1, (), ("76",), True),  # 76 is not NCCI-associated
        (1, (), ("26",), True),
        (9, (), (), False),
        (9, (), ("59",), False),
    ],
)
def test_ptp_modifier_indicator(
    indicator: int,
    column1_modifiers: tuple[str, ...],
    column2_modifiers: tuple[str, ...],
    denied: bool,
) -> None:
    claim = with_lines(
        line("20610", modifiers=column1_modifiers, charge="200.00"),
        line("99213", modifiers=column2_modifiers),
    )
    result = scrub(claim, reference=ptp_reference(indicator))
    found = [f for f in result.findings if f.rule_id == "NCCI-PTP"]
    assert result.rule_ids == ({"NCCI-PTP"} if denied else set())
    if denied:
        (finding,) = found
        assert finding.line == 2
        assert "20610" in finding.message
        assert "99213" in finding.message
        assert f"modifier indicator {indicator}" in finding.message
        if indicator == 0:
            assert "Remove 99213" in finding.hint
            assert "whatever" in finding.hint


def test_ptp_direction_and_each_column2_line() -> None:
    # column 2 code listed first: still the column 2 line is the one denied
    claim = with_lines(
        line("99213"),
        line("20610", charge="200.00"),
        line("99213", modifiers=("59",)),
        line("99213"),
    )
    found = list(scrub(claim, reference=ptp_reference(1)).findings)
    assert [(f.rule_id, f.line) for f in found if f.rule_id == "NCCI-PTP"] == [
        ("NCCI-PTP", 1),
        ("NCCI-PTP", 4),
    ]


def test_ptp_edit_only_in_force_on_its_dates() -> None:
    claim = with_lines(line("29881", charge="900.00"), line("29880", charge="800.00"))
    assert scrub(claim).rule_ids == set()  # deleted 2026-01-01
    earlier = dataclasses.replace(
        claim,
        date_of_service=datetime.date(2025, 12, 31),
        coverage_effective_from=datetime.date(2025, 1, 1),
    )
    assert scrub(earlier).rule_ids == {"NCCI-PTP"}
    # a deleted-on-its-effective-date (indicator 9) row is never in force
    assert scrub(with_lines(line("93000"), line("93005"))).rule_ids == set()


def test_ptp_indicator_0_pair_from_table() -> None:
    claim = with_lines(line("11042", charge="300.00"), line("97597", modifiers=("59",)))
    (finding,) = scrub(claim).findings
    assert (finding.rule_id, finding.line) == ("NCCI-PTP", 2)


def test_ncci_associated_modifiers_are_the_practitioner_list() -> None:
    for modifier in ("59", "XE", "XS", "XP", "XU", "24", "25", "57", "58", "78", "79", "91"):
        assert modifier in NCCI_ASSOCIATED_MODIFIERS
    for modifier in ("LT", "RT", "E1", "E4", "FA", "F9", "TA", "T9", "LC", "LD", "LM", "RC", "RI"):
        assert modifier in NCCI_ASSOCIATED_MODIFIERS
    for modifier in ("27", "76", "77", "26", "TC", "GA"):
        assert modifier not in NCCI_ASSOCIATED_MODIFIERS


# ---------------------------------------------------------------------------------------
# MUE


def mue_findings(*lines: ScrubLine, payer: PayerRules = PAYER) -> list[tuple[int | None, str]]:
    result = scrub(with_lines(*lines), payer=payer)
    assert result.rule_ids <= {"MUE-UNITS"}
    return [(f.line, f.hint) for f in result.findings if f.rule_id == "MUE-UNITS"]


def test_mue_mai_1_is_per_line() -> None:
    assert mue_findings(line("97110", units="4")) == []
    (only,) = mue_findings(line("97110", units="5"))
    assert only[0] == 1
    # 3 + 3 on two lines is 6 units in the day, but MAI 1 counts each line
    assert mue_findings(line("97110", units="3"), line("97110", units="3", modifiers=("59",))) == []
    found = mue_findings(line("97110", units="5"), line("97110", units="6", modifiers=("59",)))
    assert [ln for ln, _ in found] == [1, 2]


def test_mue_mai_2_is_per_day_and_absolute() -> None:
    assert mue_findings(line("36415"), line("36415")) == []
    (only,) = mue_findings(line("36415"), line("36415"), line("36415"))
    assert only[0] is None  # the whole day, not one line
    assert "cannot be appealed" in only[1]
    (single,) = mue_findings(line("36415", units="3"))
    assert single[0] == 1


def test_mue_mai_3_is_per_day_and_appealable() -> None:
    assert mue_findings(line("J3301", units="4"), line("J3301", units="4")) == []
    (only,) = mue_findings(line("J3301", units="5"), line("J3301", units="4"))
    assert "appeal" in only[1]
    assert "documentation" in only[1]
    assert "cannot" not in only[1]


def test_mue_message_names_units_limit_and_lines() -> None:
    result = scrub(with_lines(line("J3301", units="5"), line("J3301", units="4.5")))
    (finding,) = result.findings
    assert "9.5 units of J3301" in finding.message
    assert "allows 8 per date of service (MAI 3)" in finding.message
    assert "lines 1, 2" in finding.message


def test_payer_max_units_replace_the_mue() -> None:
    payer = PayerRules(name="Therapy Cap", max_units={"97110": 5})
    # per line the MUE (4, MAI 1) allows 3 + 3; the payer caps the day at 5
    (only,) = mue_findings(line("97110", units="3"), line("97110", units="3"), payer=payer)
    assert (
        "Therapy Cap"
        in scrub(with_lines(line("97110", units="3"), line("97110", units="3")), payer=payer)
        .findings[0]
        .message
    )
    assert only[0] is None
    assert mue_findings(line("97110", units="5"), payer=payer) == []


def test_no_mue_published_means_no_edit() -> None:
    assert mue_findings(line("93000", units="40")) == []


# ---------------------------------------------------------------------------------------
# timely filing


@pytest.mark.parametrize(
    ("limit", "elapsed", "expected"),
    [
        (90, 0, set()),
        (90, 71, set()),
        (90, 72, {"TIMELY-FILING-SOON"}),  # exactly 80 %
        (90, 89, {"TIMELY-FILING-SOON"}),
        (90, 90, {"TIMELY-FILING-SOON"}),  # the last allowed day
        (90, 91, {"TIMELY-FILING"}),  # the day after
        (90, 400, {"TIMELY-FILING"}),
        (365, 291, set()),  # 79.7 %
        (365, 292, {"TIMELY-FILING-SOON"}),  # 80.0 %
        (365, 365, {"TIMELY-FILING-SOON"}),
        (365, 366, {"TIMELY-FILING"}),
        (1, 0, set()),
        (1, 1, {"TIMELY-FILING-SOON"}),
        (1, 2, {"TIMELY-FILING"}),
    ],
)
def test_timely_filing_boundaries(limit: int, elapsed: int, expected: set[str]) -> None:
    claim = change(
        today=days_after(elapsed),
        coverage_effective_to=None,
    )
    result = scrub(claim, payer=PayerRules(name="P", timely_filing_days=limit))
    assert result.rule_ids == expected


def test_timely_filing_messages_give_days_and_deadline() -> None:
    late = scrub(change(today=days_after(91)), payer=PAYER_90).findings[0]
    assert "91 days ago" in late.message
    assert "90 days" in late.message
    assert (DOS + datetime.timedelta(days=90)).isoformat() in late.message
    assert "CO-29" in late.hint
    soon = scrub(change(today=days_after(90)), payer=PAYER_90).findings[0]
    assert "0 days left" in soon.message


def test_no_timely_filing_limit_known_means_silence() -> None:
    result = scrub(change(today=days_after(3000), coverage_effective_to=None), payer=PayerRules())
    assert result.rule_ids == set()


# ---------------------------------------------------------------------------------------
# duplicates


def test_duplicate_index_ignores_the_claim_itself_and_names_the_earlier_claim() -> None:
    claim = clean_claim()
    same = DuplicateIndex.from_claims([claim])
    assert scrub(claim, duplicates=same).rule_ids == set()  # scrubbing it again
    other = dataclasses.replace(claim, patient_control_number="PCN0002")
    result = scrub(other, duplicates=same)
    assert result.rule_ids == {"DUPLICATE-CLAIM"}
    assert [f.line for f in result.findings] == [1, 2]
    assert all("PCN0001" in f.message for f in result.findings)


def test_duplicate_index_leaves_out_voided_claims() -> None:
    voided = change(frequency_code="8", original_payer_claim_number="X1")
    index = DuplicateIndex.from_claims([voided])
    assert len(index) == 0
    fresh = dataclasses.replace(clean_claim(), patient_control_number="PCN0002")
    assert scrub(fresh, duplicates=index).rule_ids == set()


def test_the_same_service_to_another_payer_is_no_duplicate() -> None:
    """The secondary payer's claim repeats the primary's lines (coordination of benefits)."""
    claim = change(rendering_npi="", rendering_taxonomy="")
    primary = DuplicateIndex([(("patient-1", "OTHERPAYER", BILLING_NPI, DOS, "J3301"), "P1")])
    assert "DUPLICATE-CLAIM" not in scrub(claim, duplicates=primary).rule_ids


def test_duplicate_uses_billing_npi_without_rendering() -> None:
    claim = change(rendering_npi="", rendering_taxonomy="")
    index = DuplicateIndex([(("patient-1", "ACME1", BILLING_NPI, DOS, "J3301"), "OLD9")])
    result = scrub(claim, duplicates=index)
    assert [(f.rule_id, f.line) for f in result.findings] == [("DUPLICATE-CLAIM", 2)]


# ---------------------------------------------------------------------------------------
# the static reference


def test_static_reference_answers_like_the_code_sets() -> None:
    ref = make_reference()
    assert ref.diagnosis("e11.9 ", on=DOS).billable
    header = ref.diagnosis("E11", on=DOS)
    assert header.status is DiagnosisStatus.HEADER
    assert not header.billable
    assert ref.diagnosis("E1.19", on=DOS).status is DiagnosisStatus.BAD_FORM
    assert ref.diagnosis("Q99.9", on=DOS).status is DiagnosisStatus.NOT_A_CODE
    assert ref.diagnosis("N94.6", on=DOS).sex == "F"
    dated = StaticScrubReference(
        diagnoses=DIAGNOSES,
        icd10cm_in_force=(datetime.date(2025, 10, 1), datetime.date(2026, 9, 30)),
    )
    assert dated.diagnosis("E11.9", on=DOS).billable
    assert dated.diagnosis("E11.9", on=datetime.date(2026, 10, 1)).status is (
        DiagnosisStatus.NOT_IN_FORCE
    )
    assert ref.hcpcs_valid("G0008", on=datetime.date(2025, 12, 31))
    assert not ref.hcpcs_valid("G0008", on=datetime.date(2026, 1, 1))
    assert ref.mue("J3301", on=DOS) == MueLimit(8, 3)
    assert ref.ptp("20610", "99213", on=DOS) == 1
    assert ref.ptp("99213", "20610", on=DOS) is None


def test_icd_release_not_in_force_on_the_dos_is_invalid() -> None:
    dated = StaticScrubReference(
        diagnoses=DIAGNOSES,
        hcpcs={"J3301": HcpcsValidity()},
        modifiers=MODIFIERS,
        places_of_service=("11",),
        taxonomies=("207Q00000X", "208D00000X"),
        icd10cm_in_force=(datetime.date(2025, 10, 1), datetime.date(2026, 3, 31)),
    )
    result = scrub(clean_claim(), reference=dated)
    assert result.rule_ids == {"ICD-INVALID"}
    assert len(result.findings) == 2
    for finding in result.findings:
        assert "2026-04-15" in finding.message
        assert "Load the ICD-10-CM release" in finding.hint
