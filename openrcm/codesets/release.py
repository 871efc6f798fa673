"""What a code-set file is: its kind, its release label and the dates it is in force."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from enum import StrEnum


class CodeSetKind(StrEnum):
    ICD10CM = "icd10cm"  # ICD-10-CM diagnoses (built from simple-icd-10-cm; a file index)
    HCPCS = "hcpcs"  # CMS HCPCS Level II codes and modifiers (quarterly)
    MUE = "mue"  # CMS NCCI medically unlikely edits (quarterly)
    PTP = "ptp"  # CMS NCCI procedure-to-procedure edits (quarterly)
    POS = "pos"  # CMS place-of-service codes
    TAXONOMY = "taxonomy"  # NUCC health care provider taxonomy (twice a year)
    MPFS = "mpfs"  # CMS physician fee schedule payment amounts (by locality)
    CARC = "carc"  # X12 claim adjustment reason codes (licensed text, loaded at run time)
    RARC = "rarc"  # X12 remittance advice remark codes (licensed text, loaded at run time)


LOADABLE_KINDS: tuple[CodeSetKind, ...] = tuple(k for k in CodeSetKind if k != CodeSetKind.ICD10CM)


@dataclass(frozen=True, slots=True)
class Release:
    """A published release of one code set.

    ``variant`` separates parallel tables of one kind that are in force at the same time
    (the MPFS amounts for qualifying and non-qualifying APM clinicians; NCCI's practitioner
    and hospital tables): a new release ends only the previous release of the same kind
    and variant. ``effective_to`` is the last day in force, or None when open-ended.
    """

    kind: CodeSetKind
    label: str
    effective_from: datetime.date
    effective_to: datetime.date | None
    source_name: str
    variant: str = ""

    def in_force(self, on: datetime.date) -> bool:
        if on < self.effective_from:
            return False
        return self.effective_to is None or on <= self.effective_to


def quarter_end(start: datetime.date) -> datetime.date:
    """The last day of the calendar quarter that ``start`` falls in."""
    month = ((start.month - 1) // 3) * 3 + 3
    next_first = (
        datetime.date(start.year + 1, 1, 1)
        if month == 12
        else datetime.date(start.year, month + 1, 1)
    )
    return next_first - datetime.timedelta(days=1)
