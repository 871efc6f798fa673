"""Checks and normal forms of the identifiers billing runs on (pure functions).

NPI: ten digits, first 1 or 2, Luhn check digit over "80840" + the first nine digits
(CMS "Requirements for NPI check digit"). TINs (EIN/SSN) and phone numbers are checked
with python-stdnum and phonenumbers rather than by hand.
"""

from __future__ import annotations

import datetime
import re

import phonenumbers
from stdnum import luhn
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.us import ein, ssn

ZIP_RE = re.compile(r"^\d{5}(\d{4})?$")
US_STATES = frozenset(
    [
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "DC",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
        "PR",
        "VI",
        "GU",
        "AS",
        "MP",
    ]
)


def npi_problem(npi: str) -> str | None:
    """Why ``npi`` is not a valid NPI, or None."""
    if len(npi) != 10 or not npi.isdigit():
        return f"NPI {npi!r} must be exactly 10 digits"
    if npi[0] not in "12":
        return f"NPI {npi} must start with 1 or 2"
    if not luhn.is_valid("80840" + npi):
        return f"NPI {npi} fails its check digit (Luhn with the 80840 prefix)"
    return None


def npi_with_check_digit(first_nine: str) -> str:
    """Complete nine digits into a valid NPI (for synthetic test and demo data)."""
    return first_nine + luhn.calc_check_digit("80840" + first_nine)


def tin_problem(tin: str) -> str | None:
    """Why ``tin`` is not a valid federal tax ID (EIN, or SSN for a sole provider)."""
    digits = tin.replace("-", "").strip()
    if not digits.isdigit() or len(digits) != 9:
        return f"TIN {tin!r} must be 9 digits (EIN 12-3456789)"
    if ein.is_valid(digits) or ssn.is_valid(digits):
        return None
    try:
        ein.validate(digits)
    except StdnumError as exc:
        return f"TIN {tin}: {exc}"
    return f"TIN {tin} is not a valid EIN"


def normalize_tin(tin: str) -> str:
    return tin.replace("-", "").strip()


def ssn_problem(value: str) -> str | None:
    """Why ``value`` cannot be a Social Security number.

    Numbers in the 9xx area are never issued, so synthetic data uses them: they are
    accepted as well-formed here and flagged by ``is_synthetic_ssn``.
    """
    digits = value.replace("-", "").strip()
    if not digits.isdigit() or len(digits) != 9:
        return "SSN must be 9 digits (123-45-6789)"
    if digits[3:5] == "00" or digits[5:] == "0000" or digits[:3] in {"000", "666"}:
        return "SSN has an area, group or serial number that is never issued"
    return None


def is_synthetic_ssn(value: str) -> bool:
    return value.replace("-", "").strip().startswith("9")


def normalize_ssn(value: str) -> str:
    digits = value.replace("-", "").strip()
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"


def phone_problem(value: str, region: str = "US") -> str | None:
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return f"phone {value!r} is not a phone number"
    if not phonenumbers.is_valid_number(number):
        return f"phone {value!r} is not a valid number for its region"
    return None


def normalize_phone(value: str, region: str = "US") -> str:
    """E.164 (+15555550123); the value must already have passed ``phone_problem``."""
    number = phonenumbers.parse(str(value), region)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def zip_problem(value: str) -> str | None:
    if not ZIP_RE.match(value.replace("-", "")):
        return f"ZIP {value!r} must be 5 or 9 digits"
    return None


def state_problem(value: str) -> str | None:
    return None if value in US_STATES else f"{value!r} is not a US state or territory code"


def normalize_member_id(value: str) -> str:
    return re.sub(r"[\s-]", "", str(value)).upper()


def normalize_date(value: datetime.date | str) -> str:
    return value.isoformat() if isinstance(value, datetime.date) else str(value).strip()


def normalize_email(value: str) -> str:
    return str(value).strip().lower()
