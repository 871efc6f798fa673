from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openrcm.rules.codes import (
    icd10cm_form_problem,
    modifier_problem,
    normalize_icd10cm,
    procedure_code_kind,
)
from openrcm.rules.identifiers import (
    is_synthetic_ssn,
    normalize_member_id,
    normalize_phone,
    npi_problem,
    npi_with_check_digit,
    phone_problem,
    ssn_problem,
    tin_problem,
    zip_problem,
)
from openrcm.rules.money import MoneyError, to_money


@pytest.mark.parametrize(
    ("value", "expected"),
    [("10", "10.00"), ("10.005", "10.01"), ("10.004", "10.00"), (7, "7.00"), ("-2.5", "-2.50")],
)
def test_to_money_rounds_half_up_to_cents(value, expected):
    assert to_money(value) == Decimal(expected)


@pytest.mark.parametrize("bad", [1.5, True, "abc", "NaN", "Infinity", "1e20", None])
def test_to_money_refuses_what_is_not_an_exact_amount(bad):
    with pytest.raises(MoneyError):
        to_money(bad)


@given(st.decimals(min_value=-(10**9), max_value=10**9, allow_nan=False, places=4))
def test_to_money_is_within_half_a_cent(value):
    assert abs(to_money(value) - value) <= Decimal("0.005")


def test_npi_check_digit_examples_from_cms():
    assert npi_problem("1234567893") is None
    assert npi_problem("1245319599") is None
    assert "check digit" in (npi_problem("1234567890") or "")
    assert "start with 1 or 2" in (npi_problem("3234567893") or "")
    assert "10 digits" in (npi_problem("12345") or "")


@given(st.text(alphabet="0123456789", min_size=8, max_size=8), st.sampled_from("12"))
def test_made_up_npis_pass_and_one_changed_digit_fails(body, first):
    npi = npi_with_check_digit(first + body)
    assert npi_problem(npi) is None
    wrong = npi[:9] + str((int(npi[9]) + 1) % 10)
    assert npi_problem(wrong) is not None


def test_tin_ssn_phone_zip():
    assert tin_problem("12-3456789") is None
    assert tin_problem("123") is not None
    assert ssn_problem("900-12-3456") is None
    assert is_synthetic_ssn("900-12-3456")
    assert ssn_problem("123-00-4567") is not None
    assert phone_problem("212-555-0123") is None
    assert phone_problem("555-0123") is not None
    assert normalize_phone("(212) 555-0123") == "+12125550123"
    assert zip_problem("10001") is None
    assert zip_problem("10001-1234") is None
    assert zip_problem("1000") is not None
    assert normalize_member_id(" ab-123 45 ") == "AB12345"


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("99213", "CPT"),
        ("0001F", "CPT Category II"),
        ("0042T", "CPT Category III"),
        ("J1100", "HCPCS Level II"),
        ("9921", None),
        ("W1234", None),
    ],
)
def test_procedure_code_forms(code, kind):
    assert procedure_code_kind(code) == kind


def test_modifier_and_icd_forms():
    assert modifier_problem("25") is None
    assert modifier_problem("5") is not None
    assert normalize_icd10cm(" e119 ") == "E11.9"
    assert normalize_icd10cm("I10") == "I10"
    assert icd10cm_form_problem("E11.9") is None
    assert icd10cm_form_problem("11.9") is not None
