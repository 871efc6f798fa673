"""Sex and age edits that the ICD-10-CM classification itself supports.

Source: the ICD-10-CM tabular list (April 2026 release, as indexed by
:mod:`openrcm.codesets.icd10cm`). Each rule below rests on words of the classification:
a block or category title that names the sex ("...of female genital organs", "Diseases
of male genital organs"), or a chapter note ("Pregnancy, childbirth and the puerperium",
chapter 15, "for use only on maternal records"; "Certain conditions originating in the
perinatal period", chapter 16, "for use on newborn records only"). ``evidence`` is the
word the title must carry; a test checks every rule against the index, so a rule cannot
drift from the classification.

The maternal age range 12–55 is the convention of CMS's Medicare Code Editor, not of the
classification; it is a *typical* range (``strict=False``): outside it is worth a look,
not a rejection. Chapter 16 codes may be used later in life while the condition persists
(ICD-10-CM guideline I.C.16.a.4), so the newborn range is not strict either. We keep the
tables conservative: a code missing here has no edit, never a wrong one.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Sex(StrEnum):
    FEMALE = "F"
    MALE = "M"


@dataclass(frozen=True, slots=True)
class CodeRange:
    """ICD-10-CM categories ``first`` to ``last`` (3 characters each), inclusive."""

    first: str
    last: str

    def contains(self, code: str) -> bool:
        category = code.strip().upper().replace(".", "")[:3]
        return self.first <= category <= self.last

    def __str__(self) -> str:
        return self.first if self.first == self.last else f"{self.first}-{self.last}"


@dataclass(frozen=True, slots=True)
class SexRule:
    codes: CodeRange
    sex: Sex
    evidence: str  # the word the classification's title for these codes carries
    title: str  # where the rule comes from, for messages


@dataclass(frozen=True, slots=True)
class AgeRule:
    codes: CodeRange
    min_years: int
    max_years: int
    strict: bool
    evidence: str
    title: str


SEX_RULES: tuple[SexRule, ...] = (
    SexRule(
        CodeRange("C51", "C58"),
        Sex.FEMALE,
        "female",
        "Malignant neoplasms of female genital organs",
    ),
    SexRule(
        CodeRange("C60", "C63"), Sex.MALE, "male", "Malignant neoplasms of male genital organs"
    ),
    SexRule(
        CodeRange("D28", "D28"), Sex.FEMALE, "female", "Benign neoplasm of female genital organs"
    ),
    SexRule(CodeRange("D29", "D29"), Sex.MALE, "male", "Benign neoplasm of male genital organs"),
    SexRule(
        CodeRange("D39", "D39"),
        Sex.FEMALE,
        "female",
        "Neoplasm of uncertain behavior of female genital organs",
    ),
    SexRule(
        CodeRange("D40", "D40"),
        Sex.MALE,
        "male",
        "Neoplasm of uncertain behavior of male genital organs",
    ),
    SexRule(CodeRange("N40", "N53"), Sex.MALE, "male", "Diseases of male genital organs"),
    SexRule(
        CodeRange("N70", "N77"),
        Sex.FEMALE,
        "female",
        "Inflammatory diseases of female pelvic organs",
    ),
    SexRule(
        CodeRange("N80", "N98"),
        Sex.FEMALE,
        "female",
        "Noninflammatory disorders of female genital tract",
    ),
    SexRule(
        CodeRange("O00", "O9A"), Sex.FEMALE, "pregnancy", "Pregnancy, childbirth and the puerperium"
    ),
    SexRule(
        CodeRange("Z33", "Z34"),
        Sex.FEMALE,
        "pregnan",
        "Pregnant state; supervision of normal pregnancy",
    ),
    SexRule(CodeRange("Z36", "Z36"), Sex.FEMALE, "mother", "Antenatal screening of mother"),
    SexRule(CodeRange("Z37", "Z37"), Sex.FEMALE, "delivery", "Outcome of delivery"),
    SexRule(CodeRange("Z39", "Z39"), Sex.FEMALE, "maternal", "Maternal postpartum care"),
    SexRule(CodeRange("Z3A", "Z3A"), Sex.FEMALE, "gestation", "Weeks of gestation"),
)

AGE_RULES: tuple[AgeRule, ...] = (
    AgeRule(
        CodeRange("O00", "O9A"),
        12,
        55,
        False,
        "pregnancy",
        "Pregnancy, childbirth and the puerperium",
    ),
    AgeRule(CodeRange("Z3A", "Z3A"), 12, 55, False, "gestation", "Weeks of gestation"),
    AgeRule(
        CodeRange("P00", "P96"),
        0,
        0,
        False,
        "perinatal",
        "Conditions originating in the perinatal period",
    ),
)


@dataclass(frozen=True, slots=True)
class SexRestriction:
    sex: Sex
    reason: str


@dataclass(frozen=True, slots=True)
class AgeRange:
    min_years: int
    max_years: int
    strict: bool  # False: a typical range; outside it deserves a look, not a rejection
    reason: str

    def contains(self, age_years: int) -> bool:
        return self.min_years <= age_years <= self.max_years


def sex_restriction(code: str) -> SexRestriction | None:
    """The one sex a code applies to, or None when the classification names none."""
    for rule in SEX_RULES:
        if rule.codes.contains(code):
            who = "female" if rule.sex is Sex.FEMALE else "male"
            return SexRestriction(
                rule.sex, f"{rule.codes} ({rule.title}) applies to {who} patients"
            )
    return None


def age_range(code: str) -> AgeRange | None:
    """The patient ages (whole years) a code is meant for, or None."""
    for rule in AGE_RULES:
        if rule.codes.contains(code):
            kind = "only" if rule.strict else "typically"
            return AgeRange(
                rule.min_years,
                rule.max_years,
                rule.strict,
                f"{rule.codes} ({rule.title}) is {kind} for ages "
                f"{rule.min_years} to {rule.max_years}",
            )
    return None


def sex_conflict(code: str, sex: str) -> str | None:
    """A message when ``sex`` (F or M) contradicts the code; None when it does not
    (or when the patient's sex is unknown or other: no edit applies then)."""
    restriction = sex_restriction(code)
    if restriction is None or sex.strip().upper() not in (Sex.FEMALE, Sex.MALE):
        return None
    if sex.strip().upper() != restriction.sex:
        return restriction.reason
    return None


def age_conflict(code: str, age_years: int) -> str | None:
    found = age_range(code)
    if found is None or found.contains(age_years):
        return None
    return f"{found.reason}; the patient is {age_years}"
