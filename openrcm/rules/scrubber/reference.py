"""The code-set lookups the scrubber needs, as a Protocol, and an in-memory version.

The lead's adapter answers :class:`ScrubReference` from the loaded code sets (ICD-10-CM
index, HCPCS, NCCI MUE and PTP, place of service, NUCC taxonomy);
:class:`StaticScrubReference` answers it from dicts, for tests and benchmarks. Every
method must answer any string (a claim can carry anything) and never raise.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from openrcm.rules.codes import ICD10CM_FORM


class DiagnosisStatus(StrEnum):
    """Mirrors ``openrcm.codesets.icd10cm.LookupReason``."""

    BILLABLE = "billable"
    BAD_FORM = "bad_form"  # not shaped like an ICD-10-CM code
    NOT_A_CODE = "not_a_code"  # shaped like one, but not in the classification
    HEADER = "header"  # a category or subcategory with more specific codes under it
    NOT_IN_FORCE = "not_in_force"  # no loaded release covers the date


@dataclass(frozen=True, slots=True)
class DiagnosisFacts:
    """A diagnosis code on a date: billable or why not, and its edits when known.

    ``sex`` is "F" or "M" when the code applies to one sex only; ``min_age`` and
    ``max_age`` bound the patient's age in whole years (inclusive) when the code is
    limited to an age group (e.g. newborn, pediatric, maternity, adult). None: no limit
    known.
    """

    code: str  # printed form (E11.9)
    status: DiagnosisStatus
    message: str = ""  # why not billable, in words
    sex: str | None = None
    min_age: int | None = None
    max_age: int | None = None

    @property
    def billable(self) -> bool:
        return self.status is DiagnosisStatus.BILLABLE


@dataclass(frozen=True, slots=True)
class MueLimit:
    """An MUE: at most ``max_units``; MAI 1 per line, 2 per day (absolute), 3 per day
    (clinical, appealable)."""

    max_units: int
    adjudication_indicator: int


class ScrubReference(Protocol):
    """Exactly the lookups the scrubber makes. ``on`` is the date of service."""

    def diagnosis(self, code: str, *, on: datetime.date) -> DiagnosisFacts:
        """The ICD-10-CM facts for ``code`` (with or without its dot) on ``on``."""
        ...

    def hcpcs_valid(self, code: str, *, on: datetime.date) -> bool:
        """Is ``code`` a HCPCS Level II code in force on ``on``? (Never asked about CPT.)"""
        ...

    def modifier_valid(self, modifier: str, *, on: datetime.date) -> bool:
        """Is ``modifier`` a CPT or HCPCS Level II modifier in force on ``on``?"""
        ...

    def place_of_service_valid(self, code: str, *, on: datetime.date) -> bool: ...

    def taxonomy_valid(self, code: str, *, on: datetime.date) -> bool: ...

    def mue(self, code: str, *, on: datetime.date) -> MueLimit | None:
        """The practitioner MUE for ``code`` on ``on``; None when none is published."""
        ...

    def ptp(self, column1: str, column2: str, *, on: datetime.date) -> int | None:
        """The modifier indicator (0, 1 or 9) of the practitioner PTP edit whose column 1
        is ``column1`` and column 2 is ``column2``, in force on ``on``; else None."""
        ...


@dataclass(frozen=True, slots=True)
class DiagnosisEntry:
    """One ICD-10-CM item as the static reference holds it (code printed or plain)."""

    code: str
    billable: bool = True
    sex: str | None = None
    min_age: int | None = None
    max_age: int | None = None


@dataclass(frozen=True, slots=True)
class HcpcsValidity:
    """When a HCPCS code or modifier is in force: ``added`` to ``terminated`` inclusive."""

    added: datetime.date | None = None
    terminated: datetime.date | None = None

    def valid_on(self, on: datetime.date) -> bool:
        if self.added is not None and on < self.added:
            return False
        return self.terminated is None or on <= self.terminated


@dataclass(frozen=True, slots=True)
class PtpEdit:
    """A PTP row: in force from ``effective`` to the day before ``deleted``."""

    column1: str
    column2: str
    modifier_indicator: int
    effective: datetime.date
    deleted: datetime.date | None = None

    def in_force(self, on: datetime.date) -> bool:
        if on < self.effective:
            return False
        return self.deleted is None or on < self.deleted


def _plain_icd(code: str) -> str:
    return code.strip().upper().replace(".", "")


def _printed_icd(plain: str) -> str:
    return plain if len(plain) <= 3 else f"{plain[:3]}.{plain[3:]}"


class StaticScrubReference:
    """A :class:`ScrubReference` over in-memory tables (synthetic data in tests).

    ``icd10cm_in_force`` is the (first, last) day of the ICD-10-CM release the table
    stands for; None: any date. MUE rows apply on any date.
    """

    def __init__(
        self,
        *,
        diagnoses: Iterable[DiagnosisEntry] = (),
        hcpcs: Mapping[str, HcpcsValidity] | None = None,
        modifiers: Mapping[str, HcpcsValidity] | Iterable[str] = (),
        places_of_service: Iterable[str] = (),
        taxonomies: Iterable[str] = (),
        mue: Mapping[str, MueLimit] | None = None,
        ptp: Iterable[PtpEdit] = (),
        icd10cm_in_force: tuple[datetime.date, datetime.date] | None = None,
    ) -> None:
        self._diagnoses = {_plain_icd(d.code): d for d in diagnoses}
        self._hcpcs = dict(hcpcs or {})
        always = HcpcsValidity()
        self._modifiers = (
            dict(modifiers) if isinstance(modifiers, Mapping) else dict.fromkeys(modifiers, always)
        )
        self._places = frozenset(places_of_service)
        self._taxonomies = frozenset(taxonomies)
        self._mue = dict(mue or {})
        self._ptp: dict[tuple[str, str], tuple[PtpEdit, ...]] = {}
        for edit in ptp:
            key = (edit.column1, edit.column2)
            self._ptp[key] = (*self._ptp.get(key, ()), edit)
        self._icd_in_force = icd10cm_in_force

    def diagnosis(self, code: str, *, on: datetime.date) -> DiagnosisFacts:
        cleaned = code.strip().upper()
        if not ICD10CM_FORM.fullmatch(cleaned) or ("." in cleaned and cleaned.index(".") != 3):
            return DiagnosisFacts(
                cleaned,
                DiagnosisStatus.BAD_FORM,
                f"{code!r} is not in the form of an ICD-10-CM code (e.g. E11.9)",
            )
        plain = _plain_icd(cleaned)
        printed = _printed_icd(plain)
        if self._icd_in_force is not None and not (
            self._icd_in_force[0] <= on <= self._icd_in_force[1]
        ):
            return DiagnosisFacts(
                printed,
                DiagnosisStatus.NOT_IN_FORCE,
                f"no ICD-10-CM release is loaded for {on.isoformat()}",
            )
        entry = self._diagnoses.get(plain)
        if entry is None:
            return DiagnosisFacts(
                printed, DiagnosisStatus.NOT_A_CODE, f"{printed} is not an ICD-10-CM code"
            )
        if not entry.billable:
            return DiagnosisFacts(
                printed,
                DiagnosisStatus.HEADER,
                f"{printed} is a heading, not billable",
                entry.sex,
                entry.min_age,
                entry.max_age,
            )
        return DiagnosisFacts(
            printed, DiagnosisStatus.BILLABLE, "", entry.sex, entry.min_age, entry.max_age
        )

    def hcpcs_valid(self, code: str, *, on: datetime.date) -> bool:
        validity = self._hcpcs.get(code)
        return validity is not None and validity.valid_on(on)

    def modifier_valid(self, modifier: str, *, on: datetime.date) -> bool:
        validity = self._modifiers.get(modifier)
        return validity is not None and validity.valid_on(on)

    def place_of_service_valid(self, code: str, *, on: datetime.date) -> bool:
        return code in self._places

    def taxonomy_valid(self, code: str, *, on: datetime.date) -> bool:
        return code in self._taxonomies

    def mue(self, code: str, *, on: datetime.date) -> MueLimit | None:
        return self._mue.get(code)

    def ptp(self, column1: str, column2: str, *, on: datetime.date) -> int | None:
        for edit in self._ptp.get((column1, column2), ()):
            if edit.in_force(on):
                return edit.modifier_indicator
        return None
