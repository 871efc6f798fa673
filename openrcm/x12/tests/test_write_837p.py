"""The 837P writer: conformance (pyx12), structure, determinism, and refusal of bad input."""

from __future__ import annotations

import dataclasses
import os
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from openrcm.x12.errors import X12WriteError
from openrcm.x12.tests.test_write_helpers import (
    BILLING_PROVIDER,
    FACILITY_NPI,
    PAYER,
    REFERRING_NPI,
    RENDERING_NPI,
    SECOND_PAYER,
    SUBSCRIBER,
    check_structure,
    make_batch,
    make_claim,
    make_interchange,
    make_line,
    make_npi,
    pyx12_errors,
    split_segments,
)
from openrcm.x12.write import (
    Address,
    Adjustment,
    BillingProvider,
    Claim837P,
    Contact,
    Delimiters,
    LineAdjudication,
    OrganizationName,
    OtherPayer,
    Patient,
    PersonName,
    Provider,
    ServiceFacility,
    Subscriber,
    write_837p,
)

GOLDEN = Path(__file__).parent / "golden"

CHILD = Patient(
    name=PersonName("QUILL", "OTTO"),
    relationship="19",
    address=Address("42 DRIFTWOOD LN", "SEASIDE", "OR", "97138"),
    birth_date=date(2014, 7, 1),
    sex="M",
)
SPOUSE_SUBSCRIBER = Subscriber(
    name=PersonName("QUILL", "DARIO"),
    member_id="PWM900445566",
    payer_responsibility="P",
    claim_filing_indicator="CI",
    group_name="PINEWOOD STAFF PLAN",
)


def claim_with_patient() -> Claim837P:
    return make_claim(subscriber=SPOUSE_SUBSCRIBER, patient=CHILD, patient_control_number="PCN2001")


def claim_with_providers():
    return make_claim(
        patient_control_number="PCN3001",
        referring_provider=Provider(PersonName("OSTROM", "LENA", suffix="MD"), REFERRING_NPI),
        rendering_provider=Provider(
            PersonName("VANCE", "PETRA", "J"), RENDERING_NPI, taxonomy="207Q00000X"
        ),
        service_facility=ServiceFacility(
            "HARBORVIEW ANNEX CLINIC",
            Address("7 JETTY RD", "ASTORIA", "OR", "971031111"),
            npi=FACILITY_NPI,
        ),
        prior_authorization="AUTH55501",
        onset_date=date(2025, 2, 27),
        note="FOLLOW UP VISIT",
    )


def claim_with_modifiers_and_range():
    return make_claim(
        patient_control_number="PCN4001",
        diagnosis_codes=("M54.50", "M25.561", "S83.241A", "Z79.899", "E11.9"),
        lines=(
            make_line(
                procedure_code="97110",
                modifiers=("GP", "59", "KX", "76"),
                units=Decimal(4),
                charge=Decimal("180.40"),
                diagnosis_pointers=(1, 2, 3, 4),
                service_date=date(2025, 2, 3),
                service_date_end=date(2025, 2, 7),
                line_item_control_number="PCN4001-1",
            ),
            make_line(
                procedure_code="G0283",
                charge=Decimal("35.5"),
                diagnosis_pointers=(5, 1),
                place_of_service="22",
                line_item_control_number="PCN4001-2",
            ),
        ),
    )


def replacement_claim(frequency="7"):
    return make_claim(
        patient_control_number="PCN5001" if frequency == "7" else "PCN5002",
        frequency_code=frequency,
        payer_claim_control_number="GCH20250301777",
    )


PRIMARY = OtherPayer(
    payer=PAYER,
    subscriber_name=PersonName("QUILL", "MARGO", "A"),
    subscriber_member_id="GCH900112233",
    responsibility="P",
    relationship="18",
    claim_filing_indicator="CI",
    group_number="GRP7781",
    paid_amount=Decimal("140.00"),
    remaining_patient_liability=Decimal("20.00"),
)


def secondary_claim():
    """Billed to the secondary payer after the primary paid 140 of 200 (20 patient share)."""
    return make_claim(
        patient_control_number="PCN6001",
        payer=SECOND_PAYER,
        subscriber=dataclasses.replace(SUBSCRIBER, payer_responsibility="S", member_id="PW77"),
        other_payers=(PRIMARY,),
        lines=(
            make_line(
                charge=Decimal("150.00"),
                line_item_control_number="PCN6001-1",
                prior_payer_adjudications=(
                    LineAdjudication(
                        payer_id="GCHP1",
                        paid_amount=Decimal("100.00"),
                        adjudication_date=date(2025, 3, 10),
                        adjustments=(
                            Adjustment("CO", "45", Decimal("30.00")),
                            Adjustment("PR", "3", Decimal("20.00")),
                        ),
                    ),
                ),
            ),
            make_line(
                procedure_code="81002",
                charge=Decimal("50.00"),
                line_item_control_number="PCN6001-2",
                prior_payer_adjudications=(
                    LineAdjudication(
                        payer_id="GCHP1",
                        paid_amount=Decimal("40.00"),
                        adjudication_date=date(2025, 3, 10),
                        adjustments=(Adjustment("CO", "45", Decimal("10.00")),),
                    ),
                ),
            ),
        ),
    )


def secondary_claim_level_only():
    """Secondary claim where the primary reported only claim-level figures (no 2430)."""
    primary = dataclasses.replace(
        PRIMARY,
        paid_amount=Decimal("80.00"),
        remaining_patient_liability=None,
        adjustments=(
            Adjustment("CO", "45", Decimal("25.00")),
            Adjustment("PR", "1", Decimal("20.00")),
        ),
        adjudication_date=date(2025, 3, 11),
        subscriber_address=Address("42 DRIFTWOOD LN", "SEASIDE", "OR", "97138"),
    )
    return make_claim(
        patient_control_number="PCN6002",
        payer=SECOND_PAYER,
        subscriber=dataclasses.replace(SUBSCRIBER, payer_responsibility="S"),
        other_payers=(primary,),
    )


def several_claims():
    other_provider = BillingProvider(
        name=PersonName("NAKAMURA", "IRIS"),
        npi=make_npi(187654321),
        address=Address("55 ELM ST", "BEND", "OR", "977015555"),
        tax_id="998877665",
        tax_id_qualifier="SY",
        contact=Contact("FRONT DESK", phone="5415550199", phone_extension="12"),
        pay_to_address=Address("PO BOX 991", "BEND", "OR", "977080991"),
    )
    return (
        make_claim(patient_control_number="PCN7001"),
        claim_with_patient(),
        make_claim(patient_control_number="PCN7002"),  # same subscriber as PCN7001
        make_claim(patient_control_number="PCN7003", billing_provider=other_provider),
        make_claim(
            patient_control_number="PCN7004",
            subscriber=SPOUSE_SUBSCRIBER,
            patient=CHILD,
            lines=(make_line(), make_line(procedure_code="87880", charge=Decimal("22.10"))),
        ),
        claim_with_providers(),
    )


SCENARIOS = {
    "single claim": lambda: (make_claim(),),
    "patient is not the subscriber": lambda: (claim_with_patient(),),
    "several claims, providers and subscribers": several_claims,
    "secondary claim with 2320/2330/2430": lambda: (secondary_claim(),),
    "secondary claim, claim-level COB only": lambda: (secondary_claim_level_only(),),
    "replacement (frequency 7) with REF*F8": lambda: (replacement_claim("7"),),
    "void (frequency 8) with REF*F8": lambda: (replacement_claim("8"),),
    "referring, rendering and facility": lambda: (claim_with_providers(),),
    "modifiers, 4 pointers and a date range": lambda: (claim_with_modifiers_and_range(),),
}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_written_claims_pass_pyx12_and_our_structure_checks(scenario, tmp_path):
    data = write_837p(make_interchange(), make_batch(*SCENARIOS[scenario]()))
    assert check_structure(data) == []
    assert pyx12_errors(data, tmp_path) == []


def test_other_delimiters_and_newlines_pass_pyx12(tmp_path):
    delimiters = Delimiters(
        element="|", repetition="!", component=">", segment="~", newline_after_segment=True
    )
    data = write_837p(make_interchange(delimiters=delimiters), make_batch(*several_claims()))
    text = data.decode("ascii")
    assert text[3] == "|"
    assert text[82] == "!"
    assert text[104] == ">"
    assert text[105:107] == "~\n"
    assert "*" not in text
    assert check_structure(data) == []
    assert pyx12_errors(data, tmp_path) == []


# --- layout ------------------------------------------------------------------------------


def test_isa_is_fixed_width_and_envelope_numbers_agree():
    data = write_837p(make_interchange(interchange_control_number=42), make_batch())
    text = data.decode("ascii")
    isa = text[: text.index("~") + 1]
    assert len(isa) == 106
    assert isa[3] == "*"
    assert isa[104] == ":"
    assert isa[82] == "^"
    segments = split_segments(data)
    assert segments[0][13] == "000000042" == segments[-1][2]
    assert segments[1][8] == "005010X222A1" == segments[2][3]
    assert segments[1][1] == "HC"


def test_claims_are_grouped_under_billing_provider_subscriber_and_patient_hls():
    data = write_837p(make_interchange(), make_batch(*several_claims()))
    segments = split_segments(data)
    hls = [s[1:5] for s in segments if s[0] == "HL"]
    assert hls == [
        ["1", "", "20", "1"],  # Harborview
        ["2", "1", "22", "0"],  # Margo, self: PCN7001, PCN7002, PCN3001
        ["3", "1", "22", "1"],  # Dario, the child's subscriber
        ["4", "3", "23", "0"],  # Otto: PCN2001, PCN7004
        ["5", "", "20", "1"],  # Nakamura
        ["6", "5", "22", "0"],  # Margo again, under the other provider: PCN7003
    ]
    order = [s[1] for s in segments if s[0] == "CLM"]
    assert order == ["PCN7001", "PCN7002", "PCN3001", "PCN2001", "PCN7004", "PCN7003"]
    text = data.decode("ascii")
    assert "NM1*85*1*NAKAMURA*IRIS****XX*" in text
    assert "REF*SY*998877665~PER*IC*FRONT DESK*TE*5415550199*EX*12~NM1*87*2~" in text
    assert "SBR*P**GRP7781" not in text  # self subscriber: SBR02 = 18
    assert "SBR*P***PINEWOOD STAFF PLAN*****CI~" in text  # group name when no number


def test_claim_segments_carry_the_input_values():
    text = write_837p(
        make_interchange(), make_batch(claim_with_providers(), claim_with_modifiers_and_range())
    ).decode("ascii")
    assert "DTP*431*D8*20250227~REF*G1*AUTH55501~NTE*ADD*FOLLOW UP VISIT~HI*ABK:J029~" in text
    assert f"NM1*DN*1*OSTROM*LENA***MD*XX*{REFERRING_NPI}~" in text
    assert f"NM1*82*1*VANCE*PETRA*J***XX*{RENDERING_NPI}~PRV*PE*PXC*207Q00000X~" in text
    assert f"NM1*77*2*HARBORVIEW ANNEX CLINIC*****XX*{FACILITY_NPI}~N3*7 JETTY RD~" in text
    assert "HI*ABK:M5450*ABF:M25561*ABF:S83241A*ABF:Z79899*ABF:E119~" in text
    assert "SV1*HC:97110:GP:59:KX:76*180.4*UN*4***1:2:3:4~DTP*472*RD8*20250203-20250207~" in text
    assert "SV1*HC:G0283*35.5*UN*1*22**5:1~" in text
    assert "REF*6R*PCN4001-1~" in text
    assert "REF*6R*PCN4001-2~" in text


def test_replacement_and_void_carry_frequency_and_payer_claim_number():
    text = write_837p(
        make_interchange(), make_batch(replacement_claim("7"), replacement_claim("8"))
    ).decode("ascii")
    assert "CLM*PCN5001*125***11:B:7*Y*A*Y*Y~REF*F8*GCH20250301777~" in text
    assert "CLM*PCN5002*125***11:B:8*Y*A*Y*Y~REF*F8*GCH20250301777~" in text


def test_same_input_gives_identical_bytes():
    first = write_837p(make_interchange(), make_batch(*several_claims(), secondary_claim()))
    second = write_837p(make_interchange(), make_batch(*several_claims(), secondary_claim()))
    assert first == second


def test_golden_file(tmp_path):
    """One representative file, byte for byte (and the golden file itself passes pyx12).

    After a deliberate format change, regenerate it with OPENRCM_UPDATE_GOLDEN=1 and read
    the diff before committing it.
    """
    data = write_837p(
        make_interchange(delimiters=Delimiters(newline_after_segment=True)),
        make_batch(claim_with_providers(), claim_with_patient(), secondary_claim()),
    )
    golden = GOLDEN / "837p_representative.x12"
    if os.environ.get("OPENRCM_UPDATE_GOLDEN") == "1":  # pragma: no cover - manual step
        golden.write_bytes(data)
    expected = golden.read_bytes()
    assert data == expected
    assert pyx12_errors(expected, tmp_path) == []


# --- refusals ----------------------------------------------------------------------------


def refusal(*claims, **interchange) -> str:
    with pytest.raises(X12WriteError) as raised:
        write_837p(make_interchange(**interchange), make_batch(*claims))
    return str(raised.value)


def test_total_charge_must_equal_the_sum_of_the_lines():
    message = refusal(make_claim(total_charge=Decimal("120.00")))
    assert message.startswith("claim PCN1001: CLM02 total charge 120.00 does not equal")


@pytest.mark.parametrize("frequency", ["7", "8"])
def test_replacement_and_void_require_the_payer_claim_number(frequency):
    message = refusal(make_claim(frequency_code=frequency))
    assert "claim PCN1001" in message
    assert "REF*F8" in message


def test_original_claim_refuses_a_payer_claim_number():
    assert "frequency 1" in refusal(make_claim(payer_claim_control_number="X1"))


def test_unknown_frequency_is_refused():
    assert "CLM05-3 frequency code '2'" in refusal(make_claim(frequency_code="2"))


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (make_line(procedure_code=""), "claim PCN1001 line 1: SV101 procedure code is empty"),
        (make_line(procedure_code="9921"), "SV101 procedure code '9921' is not valid"),
        (make_line(modifiers=("GP", "5")), "SV101 modifier '5' is not valid"),
        (make_line(modifiers=("GP",) * 5), "SV101 has 5 modifiers"),
        (make_line(diagnosis_pointers=(2,)), "diagnosis pointer 2 does not point"),
        (make_line(diagnosis_pointers=(1, 1)), "pointers repeat"),
        (make_line(diagnosis_pointers=()), "SV107 needs 1 to 4"),
        (make_line(units=Decimal(0)), "SV104 units must be greater than zero"),
        (make_line(units=1.5), "SV104 units must be a Decimal or int"),
        (make_line(line_item_control_number="A*B"), "REF02 value 'A*B' contains the element"),
        (
            make_line(service_date=date(2025, 3, 5), service_date_end=date(2025, 3, 1)),
            "ends (2025-03-01) before it starts",
        ),
    ],
)
def test_bad_lines_are_refused_with_the_line_named(line, expected):
    message = refusal(make_claim(lines=(line,)))
    assert expected in message
    assert "claim PCN1001" in message


def test_float_and_over_precise_money_is_refused():
    assert "must be a Decimal amount" in refusal(
        make_claim(lines=(make_line(charge=125.0),), total_charge=Decimal(125))
    )
    assert "more than 2 decimal places" in refusal(
        make_claim(lines=(make_line(charge=Decimal("1.005")),), total_charge=Decimal("1.005"))
    )


def test_loop_limits():
    lines = tuple(make_line(charge=Decimal(1)) for _ in range(51))
    assert "at most 50" in refusal(make_claim(lines=lines))
    fifty = tuple(make_line(charge=Decimal(1), line_item_control_number=None) for _ in range(50))
    write_837p(make_interchange(), make_batch(make_claim(lines=fifty)))
    thirteen = tuple(f"A{n:02d}" for n in range(13))
    assert "HI holds at most 12" in refusal(make_claim(diagnosis_codes=thirteen))
    assert "no service lines" in refusal(make_claim(lines=(), total_charge=Decimal(0)))


def test_diagnosis_codes_are_checked():
    assert "'J02-9' is not an ICD-10-CM" in refusal(make_claim(diagnosis_codes=("J02-9",)))
    assert "repeat" in refusal(make_claim(diagnosis_codes=("J02.9", "J029")))


@pytest.mark.parametrize(
    ("claim_changes", "expected"),
    [
        ({"patient_control_number": "P" * 21}, "CLM01 patient control number"),
        ({"place_of_service": "1"}, "CLM05-1 place of service '1'"),
        (
            {"billing_provider": dataclasses.replace(BILLING_PROVIDER, npi="1234567890")},
            "billing provider NPI '1234567890' is not a valid NPI",
        ),
        (
            {
                "billing_provider": dataclasses.replace(
                    BILLING_PROVIDER, address=Address("1 A ST", "BEND", "OR", "97701")
                )
            },
            "billing provider ZIP code '97701' is not valid: expected 9 digits",
        ),
        (
            {"subscriber": dataclasses.replace(SUBSCRIBER, birth_date=None)},
            "subscriber birth date is missing",
        ),
        (
            {"subscriber": dataclasses.replace(SUBSCRIBER, name=PersonName("O~NEIL", "PAT"))},
            "NM103 value 'O~NEIL' contains the segment terminator",
        ),
        (
            {"subscriber": dataclasses.replace(SUBSCRIBER, name=PersonName("MÜLLER", "PAT"))},
            "which X12 cannot carry",
        ),
        (
            {"referring_provider": Provider(PersonName("A"), REFERRING_NPI, "207Q00000X")},
            "carries no taxonomy",
        ),
        (
            {"subscriber": dataclasses.replace(SUBSCRIBER, payer_responsibility="S")},
            "secondary claim (SBR01 S) needs the prior payer",
        ),
    ],
)
def test_bad_claims_are_refused_with_the_field_named(claim_changes, expected):
    message = refusal(make_claim(**claim_changes))
    assert expected in message


def test_duplicate_patient_control_numbers_are_refused():
    assert "appears twice" in refusal(make_claim(), make_claim())


def test_secondary_claims_must_balance():
    claim = secondary_claim()
    unbalanced_line = dataclasses.replace(
        claim.lines[0],
        prior_payer_adjudications=(
            dataclasses.replace(
                claim.lines[0].prior_payer_adjudications[0], paid_amount=Decimal("99.00")
            ),
        ),
    )
    message = refusal(dataclasses.replace(claim, lines=(unbalanced_line, claim.lines[1])))
    assert "claim PCN6001 line 1: payer GCHP1 line does not balance" in message
    wrong_paid = dataclasses.replace(
        claim, other_payers=(dataclasses.replace(PRIMARY, paid_amount=Decimal("150.00")),)
    )
    assert "does not equal the sum of its line payments" in refusal(wrong_paid)
    unknown_payer = dataclasses.replace(
        claim,
        lines=(
            dataclasses.replace(
                claim.lines[0],
                prior_payer_adjudications=(
                    dataclasses.replace(
                        claim.lines[0].prior_payer_adjudications[0], payer_id="NOPE"
                    ),
                ),
            ),
            claim.lines[1],
        ),
    )
    assert "SVD01 payer id 'NOPE' is not one of the claim's other payers" in refusal(unknown_payer)
    same_rank = dataclasses.replace(
        claim, other_payers=(dataclasses.replace(PRIMARY, responsibility="S"),)
    )
    assert "2320 SBR01 must differ" in refusal(same_rank)


def test_delimiters_must_be_distinct_and_data_must_not_contain_them():
    with pytest.raises(X12WriteError, match="four different"):
        Delimiters(element="*", component="*")
    with pytest.raises(X12WriteError, match="neither a letter"):
        Delimiters(segment="A")
    # A value that is harmless with the defaults is refused when it clashes with the choice.
    claim = make_claim(
        billing_provider=dataclasses.replace(
            BILLING_PROVIDER, name=OrganizationName("SMITH & JONES")
        )
    )
    write_837p(make_interchange(), make_batch(claim))
    message = refusal(claim, delimiters=Delimiters(component="&"))
    assert "NM103 value 'SMITH & JONES' contains the component separator '&'" in message


def test_envelope_settings_are_checked():
    assert "usage indicator" in refusal(make_claim(), usage_indicator="X")
    assert "interchange control number" in refusal(make_claim(), interchange_control_number=0)
    assert "sender id (ISA06) 'A" in refusal(make_claim(), sender_id="A" * 16)
