"""Property tests: the scrubber answers any claim with findings (never an exception), and
claims built only from valid parts come back clean."""

from __future__ import annotations

import datetime
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openrcm.rules.scrubber import (
    RULES,
    RULES_BY_ID,
    DuplicateIndex,
    PayerRules,
    PostalAddress,
    ScrubClaim,
    ScrubLine,
    Severity,
    scrub_claim,
)
from openrcm.rules.tests.test_scrubber import (
    BILLING_NPI,
    MODIFIERS,
    REFERENCE,
    REFERRING_NPI,
    RENDERING_NPI,
    clean_claim,
)

PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

# --- anything at all ---------------------------------------------------------------------

some_text = st.one_of(
    st.text(max_size=25),
    st.sampled_from(
        ["", " ", "E11.9", "E11", "99213", "J3301", "20610", "PO BOX 1", "1234567893", "11", "25"]
    ),
)
some_date = st.dates(min_value=datetime.date(1, 1, 1), max_value=datetime.date(9999, 12, 31))
near_date = st.dates(min_value=datetime.date(1880, 1, 1), max_value=datetime.date(2100, 12, 31))
some_decimal = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True),
    st.decimals(min_value=-1000, max_value=100000, places=3),
    st.sampled_from([Decimal("NaN"), Decimal("sNaN"), Decimal("-Infinity"), Decimal("1E+999")]),
)
some_address = st.builds(
    PostalAddress, street1=some_text, street2=some_text, city=some_text, state=some_text,
    zip_code=some_text,
)  # fmt: skip
some_line = st.builds(
    ScrubLine,
    procedure_code=st.one_of(some_text, st.sampled_from(["99213", "J3301", "20610", "97110"])),
    modifiers=st.lists(st.one_of(some_text, st.sampled_from(MODIFIERS)), max_size=6).map(tuple),
    units=some_decimal,
    charge=some_decimal,
    diagnosis_pointers=st.lists(st.integers(min_value=-3, max_value=20), max_size=6).map(tuple),
)
some_payer = st.builds(
    PayerRules,
    name=some_text,
    timely_filing_days=st.one_of(st.none(), st.integers(min_value=1, max_value=4000)),
    disabled_rules=st.dictionaries(
        st.sampled_from([r.id for r in RULES if r.payer_may_disable]),
        st.text(min_size=1, max_size=10).filter(str.strip),
        max_size=4,
    ),
    requires_referring_for_pos=st.frozensets(some_text, max_size=3),
    requires_referring_for_codes=st.frozensets(some_text, max_size=3),
    requires_prior_auth_for_codes=st.frozensets(some_text, max_size=3),
    max_units=st.dictionaries(some_text, st.integers(min_value=0, max_value=10), max_size=3),
)
some_claim = st.builds(
    ScrubClaim,
    patient_control_number=some_text,
    patient_id=some_text,
    billing_npi=some_text,
    billing_tin=some_text,
    billing_taxonomy=some_text,
    billing_address=some_address,
    rendering_npi=some_text,
    rendering_taxonomy=some_text,
    referring_npi=some_text,
    referring_name=some_text,
    patient_sex=some_text,
    patient_birth_date=st.one_of(st.none(), some_date),
    subscriber_member_id=some_text,
    subscriber_birth_date=st.one_of(st.none(), some_date),
    subscriber_address=st.one_of(st.none(), some_address),
    relationship=some_text,
    payer_id=some_text,
    payer_type=st.one_of(some_text, st.sampled_from(["medicare", "commercial", "self_pay"])),
    claim_filing_indicator=some_text,
    coverage_effective_from=st.one_of(st.none(), some_date),
    coverage_effective_to=st.one_of(st.none(), some_date),
    date_of_service=some_date,
    place_of_service=some_text,
    prior_authorization=some_text,
    frequency_code=st.one_of(some_text, st.sampled_from(["1", "7", "8"])),
    original_payer_claim_number=some_text,
    diagnoses=st.lists(some_text, max_size=15).map(tuple),
    lines=st.lists(some_line, max_size=8).map(tuple),
    total_charge=some_decimal,
    today=some_date,
)


@PROPERTY_SETTINGS
@given(claim=some_claim, payer=some_payer, earlier=st.lists(some_claim, max_size=2))
def test_any_claim_gets_findings_never_an_exception(claim, payer, earlier) -> None:
    duplicates = DuplicateIndex.from_claims(earlier)
    result = scrub_claim(claim, reference=REFERENCE, payer_rules=payer, duplicates=duplicates)
    assert result.holds == any(f.severity is Severity.ERROR for f in result.findings)
    for finding in result.findings:
        rule = RULES_BY_ID[finding.rule_id]
        assert finding.message
        assert finding.hint
        if finding.severity is not Severity.SKIPPED:
            assert finding.severity is rule.severity
            assert finding.rule_id not in payer.disabled_rules
    assert {s.rule_id for s in result.skipped} == set(payer.disabled_rules)


# --- only valid parts --------------------------------------------------------------------

DOS = datetime.date(2026, 4, 15)
# Codes with no PTP edit among them; units within each one's MUE (none for 93000/A4550).
VALID_CODES = {"99213": 1, "J3301": 4, "93000": 3, "A4550": 9, "36415": 1, "3074F": 1}
VALID_DIAGNOSES = ["E11.9", "I10", "J02.9", "M54.50", "R05.9", "F41.1", "S83.241A", "E78.5"]


@st.composite
def valid_claims(draw: st.DrawFn) -> ScrubClaim:
    diagnoses = tuple(
        draw(st.lists(st.sampled_from(VALID_DIAGNOSES), min_size=1, max_size=8, unique=True))
    )
    codes = draw(
        st.lists(st.sampled_from(sorted(VALID_CODES)), min_size=1, max_size=6, unique=True)
    )
    lines = []
    for code in codes:
        pointers = draw(
            st.lists(
                st.integers(min_value=1, max_value=len(diagnoses)),
                min_size=1,
                max_size=4,
                unique=True,
            )
        )
        units = draw(st.integers(min_value=1, max_value=VALID_CODES[code]))
        cents = draw(st.integers(min_value=1, max_value=10_000_00))
        modifiers = draw(st.lists(st.sampled_from(MODIFIERS), max_size=4, unique=True).map(tuple))
        lines.append(
            ScrubLine(
                procedure_code=code,
                modifiers=modifiers,
                units=Decimal(units),
                charge=Decimal(cents).scaleb(-2),
                diagnosis_pointers=tuple(pointers),
            )
        )
    elapsed = draw(st.integers(min_value=0, max_value=291))  # under 80 % of 365 days
    referred = draw(st.booleans())
    base = clean_claim()
    return ScrubClaim(
        patient_control_number=draw(st.text("ABCDEFGHJK0123456789", min_size=1, max_size=20)),
        patient_id=base.patient_id,
        billing_npi=BILLING_NPI,
        billing_tin=base.billing_tin,
        billing_taxonomy=draw(st.sampled_from(["207Q00000X", "208D00000X", "207R00000X"])),
        billing_address=base.billing_address,
        rendering_npi=draw(st.sampled_from([RENDERING_NPI, ""])),
        rendering_taxonomy="208D00000X",
        referring_npi=REFERRING_NPI if referred else "",
        referring_name="Smith" if referred else "",
        patient_sex=draw(st.sampled_from(["F", "M", "U"])),
        patient_birth_date=draw(st.dates(min_value=datetime.date(1930, 1, 1), max_value=DOS)),
        subscriber_member_id="XYZ123456789",
        subscriber_birth_date=draw(st.dates(min_value=datetime.date(1930, 1, 1), max_value=DOS)),
        subscriber_address=base.subscriber_address,
        relationship=draw(st.sampled_from(["18", "01", "19", "G8"])),
        payer_id="ACME1",
        payer_type="commercial",
        claim_filing_indicator=draw(st.sampled_from(["CI", "12", "HM"])),
        coverage_effective_from=datetime.date(2026, 1, 1),
        coverage_effective_to=None,
        date_of_service=DOS,
        place_of_service=draw(st.sampled_from(["02", "11", "12", "22"])),
        frequency_code="1",
        diagnoses=diagnoses,
        lines=tuple(lines),
        total_charge=sum((ln.charge for ln in lines), Decimal(0)),
        today=DOS + datetime.timedelta(days=elapsed),
    )


@PROPERTY_SETTINGS
@given(claim=valid_claims())
def test_a_claim_of_valid_parts_has_no_findings(claim: ScrubClaim) -> None:
    result = scrub_claim(
        claim,
        reference=REFERENCE,
        payer_rules=PayerRules(timely_filing_days=365),
        duplicates=DuplicateIndex(),
    )
    assert result.findings == (), [f.message for f in result.findings]
    assert not result.holds
