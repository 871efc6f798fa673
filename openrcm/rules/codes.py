"""Format checks for procedure codes and modifiers (CPT is checked by form only).

CPT descriptions belong to the AMA and are never stored; a CPT code is accepted as a code
when it has the right form. HCPCS Level II validity on a date comes from the loaded code
sets (openrcm.codesets).
"""

from __future__ import annotations

import re

CPT_CATEGORY_1 = re.compile(r"^\d{5}$")
CPT_CATEGORY_2 = re.compile(r"^\d{4}F$")
CPT_CATEGORY_3 = re.compile(r"^\d{4}T$")
HCPCS_LEVEL_2 = re.compile(r"^[A-V]\d{4}$")
MODIFIER = re.compile(r"^[0-9A-Z]{2}$")
ICD10CM_FORM = re.compile(r"^[A-Z][0-9][0-9A-Z](\.?[0-9A-Z]{1,4})?$")
POS_CODE = re.compile(r"^\d{2}$")


def procedure_code_kind(code: str) -> str | None:
    if CPT_CATEGORY_1.match(code):
        return "CPT"
    if CPT_CATEGORY_2.match(code):
        return "CPT Category II"
    if CPT_CATEGORY_3.match(code):
        return "CPT Category III"
    if HCPCS_LEVEL_2.match(code):
        return "HCPCS Level II"
    return None


def procedure_code_problem(code: str) -> str | None:
    if procedure_code_kind(code) is None:
        return (
            f"{code!r} is not a procedure code (CPT: 5 digits, or 4 digits and F or T; "
            "HCPCS Level II: a letter and 4 digits)"
        )
    return None


def modifier_problem(modifier: str) -> str | None:
    if not MODIFIER.match(modifier):
        return f"{modifier!r} is not a modifier (2 letters or digits)"
    return None


def icd10cm_form_problem(code: str) -> str | None:
    if not ICD10CM_FORM.match(code):
        return f"{code!r} is not in the form of an ICD-10-CM code (e.g. E11.9)"
    return None


def normalize_icd10cm(code: str) -> str:
    """Upper-case, trimmed, with the dot after the third character (E119 → E11.9)."""
    plain = code.strip().upper().replace(".", "")
    return plain if len(plain) <= 3 else f"{plain[:3]}.{plain[3:]}"


def place_of_service_problem(code: str) -> str | None:
    if not POS_CODE.match(code):
        return f"{code!r} is not a place-of-service code (2 digits)"
    return None
