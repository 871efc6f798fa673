"""``CodeSets``: an in-memory view of every code set in force on one date of service.

The claim scrubber asks it questions (is this HCPCS code valid that day, which PTP edit
holds between two codes, what does Medicare allow for this code in this locality) and
gets plain answers with reasons. It is built from stored entries (see
:mod:`openrcm.codesets.entries`) by the Django selector, or directly from files in tests,
and works with nothing loaded at all: then only openrcm's shipped facts answer and the
rest is "unknown", never "invalid".
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from openrcm.codesets import demo, guidance
from openrcm.codesets.demographics import age_conflict, sex_conflict
from openrcm.codesets.entries import StoredEntry
from openrcm.codesets.icd10cm import Icd10cmIndex, Icd10cmLookup, LookupReason
from openrcm.codesets.release import CodeSetKind, Release
from openrcm.rules.codes import (
    CPT_CATEGORY_1,
    CPT_CATEGORY_2,
    CPT_CATEGORY_3,
    MODIFIER,
    POS_CODE,
)
from openrcm.rules.codes import HCPCS_LEVEL_2 as _HCPCS_FORM

HCPCS_LEVEL_2_FORM = _HCPCS_FORM
# Modifiers NCCI accepts to bypass a PTP edit whose modifier indicator is 1 (practitioner
# table): 59, the X{EPSU} subsets, anatomic modifiers, and the global-surgery ones.
PTP_BYPASS_MODIFIERS: frozenset[str] = frozenset(
    ["59", "XE", "XP", "XS", "XU", "24", "25", "57", "58", "78", "79", "91"]
    + ["LT", "RT", "E1", "E2", "E3", "E4", "FA", "LC", "LD", "LM", "RC", "RI", "TA"]
    + [f"F{n}" for n in range(1, 10)]
    + [f"T{n}" for n in range(1, 10)]
)


class Verdict(StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    UNKNOWN = "unknown"  # nothing loaded can say (e.g. no HCPCS release for that date)


@dataclass(frozen=True, slots=True)
class CodeCheck:
    code: str
    verdict: Verdict
    message: str
    label: str = ""  # a short description when one may be shown (never CPT text)

    @property
    def ok(self) -> bool:
        return self.verdict is Verdict.VALID


@dataclass(frozen=True, slots=True)
class HcpcsEntry:
    code: str
    short_description: str
    long_description: str
    added: datetime.date | None
    terminated: datetime.date | None

    def valid_on(self, on: datetime.date) -> bool:
        if self.added is not None and on < self.added:
            return False
        return self.terminated is None or on <= self.terminated


@dataclass(frozen=True, slots=True)
class MueEntry:
    code: str
    max_units: int
    adjudication_indicator: int  # 1 per line; 2 per day, policy; 3 per day, clinical
    rationale: str

    @property
    def per_date_of_service(self) -> bool:
        return self.adjudication_indicator in (2, 3)


@dataclass(frozen=True, slots=True)
class PtpEntry:
    column1: str
    column2: str
    effective: datetime.date
    deleted: datetime.date | None
    modifier_indicator: int  # 0 never bypassed; 1 bypassed by a documented modifier; 9 n/a

    def in_force(self, on: datetime.date) -> bool:
        return self.effective <= on and (self.deleted is None or on < self.deleted)

    def bypassed_by(self, modifiers: Iterable[str]) -> bool:
        """True when indicator 1 and one of the line's modifiers is NCCI-associated."""
        if self.modifier_indicator != 1:
            return False
        return any(m.strip().upper() in PTP_BYPASS_MODIFIERS for m in modifiers)


@dataclass(frozen=True, slots=True)
class FeeEntry:
    code: str
    modifier: str
    carrier: str
    locality: str
    non_facility: Decimal
    facility: Decimal
    status: str


@dataclass(frozen=True, slots=True)
class AdjustmentText:
    code: str
    description: str
    start: datetime.date | None
    stop: datetime.date | None

    def in_force(self, on: datetime.date) -> bool:
        if self.start is not None and on < self.start:
            return False
        return self.stop is None or on <= self.stop


@dataclass(frozen=True, slots=True)
class ReasonInfo:
    """What we know about a CARC or RARC: the licensed text when loaded, our guidance."""

    code: str
    official: AdjustmentText | None
    ours: guidance.ReasonGuidance | None

    @property
    def known(self) -> bool:
        return self.official is not None or self.ours is not None


def _date(value: object) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if isinstance(value, str) and value else None


@dataclass
class CodeTables:
    """The loaded releases' entries as dictionaries; shared by snapshots for any date."""

    releases: dict[CodeSetKind, list[Release]] = field(default_factory=dict)
    hcpcs: dict[str, HcpcsEntry] = field(default_factory=dict)
    modifiers: dict[str, HcpcsEntry] = field(default_factory=dict)
    mue: dict[str, MueEntry] = field(default_factory=dict)
    ptp: dict[tuple[str, str], list[PtpEntry]] = field(default_factory=dict)
    pos: dict[str, tuple[str, bool]] = field(default_factory=dict)
    taxonomy: dict[str, str] = field(default_factory=dict)
    fees: dict[tuple[str, str, str, str, str], FeeEntry] = field(default_factory=dict)
    carc: dict[str, AdjustmentText] = field(default_factory=dict)
    rarc: dict[str, AdjustmentText] = field(default_factory=dict)

    def has(self, kind: CodeSetKind) -> bool:
        return bool(self.releases.get(kind))

    def add(self, release: Release, entries: Iterable[StoredEntry]) -> None:
        """Add one release's entries (call once per release, any order of kinds)."""
        self.releases.setdefault(release.kind, []).append(release)
        kind = release.kind
        for entry in entries:
            a = entry.attributes
            if kind is CodeSetKind.HCPCS:
                item = HcpcsEntry(
                    entry.code, a["short"], a["long"], _date(a["added"]), _date(a["terminated"])
                )
                (self.modifiers if a["modifier"] else self.hcpcs)[entry.code] = item
            elif kind is CodeSetKind.MUE:
                self.mue[entry.code] = MueEntry(
                    entry.code, int(a["units"]), int(a["mai"]), a["rationale"]
                )
            elif kind is CodeSetKind.PTP:
                effective = _date(a["effective"])
                assert effective is not None  # noqa: S101 - loaders require it
                self.ptp.setdefault((entry.code, entry.code2), []).append(
                    PtpEntry(
                        entry.code,
                        entry.code2,
                        effective,
                        _date(a["deleted"]),
                        int(a["modifier_indicator"]),
                    )
                )
            elif kind is CodeSetKind.POS:
                self.pos[entry.code] = (a["name"], bool(a["assigned"]))
            elif kind is CodeSetKind.TAXONOMY:
                self.taxonomy[entry.code] = a["name"] or a["classification"]
            elif kind is CodeSetKind.MPFS:
                fee = FeeEntry(
                    entry.code,
                    entry.code2,
                    a["carrier"],
                    a["locality"],
                    Decimal(a["non_facility"]),
                    Decimal(a["facility"]),
                    a["status"],
                )
                key = (release.variant, fee.carrier, fee.locality, fee.code, fee.modifier)
                self.fees[key] = fee
            elif kind in (CodeSetKind.CARC, CodeSetKind.RARC):
                text = AdjustmentText(
                    entry.code, a["description"], _date(a["start"]), _date(a["stop"])
                )
                (self.carc if kind is CodeSetKind.CARC else self.rarc)[entry.code] = text


class CodeSets:
    """Every code set as in force on ``on``; fast dictionary lookups, plain answers."""

    def __init__(
        self,
        on: datetime.date,
        tables: CodeTables | None = None,
        icd10cm: Icd10cmIndex | None = None,
    ) -> None:
        self.on = on
        self.tables = tables if tables is not None else CodeTables()
        self.icd10cm = icd10cm

    def releases(self) -> list[Release]:
        """The loaded releases this snapshot answers from (ICD-10-CM's included)."""
        found = [r for group in self.tables.releases.values() for r in group]
        if self.icd10cm is not None:
            found.append(self.icd10cm.release)
        return found

    # --- procedures and modifiers -------------------------------------------------------

    def hcpcs(self, code: str) -> HcpcsEntry | None:
        """The HCPCS Level II code when it is valid on the date, else None."""
        found = self.tables.hcpcs.get(code.strip().upper())
        return found if found is not None and found.valid_on(self.on) else None

    def procedure_check(self, code: str) -> CodeCheck:
        """CPT by form only (no descriptions); HCPCS Level II against the loaded release."""
        code = code.strip().upper()
        if CPT_CATEGORY_1.fullmatch(code) or CPT_CATEGORY_2.fullmatch(code):
            return CodeCheck(
                code, Verdict.VALID, "CPT code, accepted by its form", demo.DEMO_CPT.get(code, "")
            )
        if CPT_CATEGORY_3.fullmatch(code):
            return CodeCheck(code, Verdict.VALID, "CPT Category III code, accepted by its form")
        if not _HCPCS_FORM.fullmatch(code):
            return CodeCheck(
                code,
                Verdict.INVALID,
                f"{code!r} is not a procedure code (CPT: 5 digits, or 4 digits and F or T; "
                "HCPCS Level II: a letter and 4 digits)",
            )
        if not self.tables.has(CodeSetKind.HCPCS):
            if code in demo.DEMO_HCPCS:
                return CodeCheck(
                    code, Verdict.VALID, "in openrcm's shipped demo codes", demo.DEMO_HCPCS[code]
                )
            return CodeCheck(
                code, Verdict.UNKNOWN, "no HCPCS release is loaded; load the CMS HCPCS file"
            )
        entry = self.tables.hcpcs.get(code)
        if entry is None:
            return CodeCheck(code, Verdict.INVALID, f"{code} is not a HCPCS Level II code")
        if not entry.valid_on(self.on):
            return CodeCheck(
                code,
                Verdict.INVALID,
                f"{code} is not valid on {self.on} ({_span(entry.added, entry.terminated)})",
                entry.short_description,
            )
        return CodeCheck(code, Verdict.VALID, "valid HCPCS Level II code", entry.short_description)

    def modifier_check(self, modifier: str) -> CodeCheck:
        modifier = modifier.strip().upper()
        if not MODIFIER.fullmatch(modifier):
            return CodeCheck(
                modifier, Verdict.INVALID, f"{modifier!r} is not a modifier (2 letters or digits)"
            )
        ours = demo.DEMO_MODIFIERS.get(modifier, "")
        if modifier.isdigit():
            return CodeCheck(modifier, Verdict.VALID, "CPT modifier, accepted by its form", ours)
        if not self.tables.has(CodeSetKind.HCPCS):
            if ours:
                return CodeCheck(modifier, Verdict.VALID, "in openrcm's shipped modifiers", ours)
            return CodeCheck(
                modifier, Verdict.UNKNOWN, "no HCPCS release (with its modifiers) is loaded"
            )
        entry = self.tables.modifiers.get(modifier)
        if entry is None:
            return CodeCheck(modifier, Verdict.INVALID, f"{modifier} is not a HCPCS modifier")
        if not entry.valid_on(self.on):
            return CodeCheck(
                modifier,
                Verdict.INVALID,
                f"modifier {modifier} is not valid on {self.on} "
                f"({_span(entry.added, entry.terminated)})",
                entry.short_description,
            )
        return CodeCheck(modifier, Verdict.VALID, "valid HCPCS modifier", entry.short_description)

    # --- NCCI ---------------------------------------------------------------------------

    def mue(self, code: str) -> MueEntry | None:
        return self.tables.mue.get(code.strip().upper())

    def ptp_edit(self, column1: str, column2: str) -> PtpEntry | None:
        """The edit in force with ``column1`` comprehensive and ``column2`` denied."""
        key = (column1.strip().upper(), column2.strip().upper())
        for edit in self.tables.ptp.get(key, ()):
            if edit.in_force(self.on):
                return edit
        return None

    def ptp_edit_between(self, code_a: str, code_b: str) -> PtpEntry | None:
        """The edit in force between two codes billed together, in either order."""
        return self.ptp_edit(code_a, code_b) or self.ptp_edit(code_b, code_a)

    # --- places, providers, fees --------------------------------------------------------

    def place_of_service_check(self, code: str) -> CodeCheck:
        code = code.strip()
        if not POS_CODE.fullmatch(code):
            return CodeCheck(
                code, Verdict.INVALID, f"{code!r} is not a place of service (2 digits)"
            )
        ours = demo.DEMO_PLACES_OF_SERVICE.get(code, "")
        if self.tables.has(CodeSetKind.POS):
            found = self.tables.pos.get(code)
            if found is None or not found[1]:
                return CodeCheck(
                    code, Verdict.INVALID, f"{code} is not an assigned place of service"
                )
            return CodeCheck(code, Verdict.VALID, "assigned place of service", found[0])
        if code in demo.ASSIGNED_PLACES_OF_SERVICE:
            return CodeCheck(code, Verdict.VALID, "assigned place of service", ours)
        return CodeCheck(code, Verdict.INVALID, f"{code} is not an assigned place of service")

    def taxonomy_check(self, code: str) -> CodeCheck:
        code = code.strip().upper()
        if len(code) != 10 or not code.endswith("X") or not code[:9].isalnum():
            return CodeCheck(
                code,
                Verdict.INVALID,
                f"{code!r} is not a taxonomy code (10 characters ending in X)",
            )
        if not self.tables.has(CodeSetKind.TAXONOMY):
            return CodeCheck(code, Verdict.UNKNOWN, "no NUCC taxonomy is loaded")
        name = self.tables.taxonomy.get(code)
        if name is None:
            return CodeCheck(code, Verdict.INVALID, f"{code} is not in the NUCC taxonomy")
        return CodeCheck(code, Verdict.VALID, "NUCC taxonomy code", name)

    def fee(
        self,
        code: str,
        modifier: str = "",
        *,
        carrier: str,
        locality: str,
        qualifying_apm: bool = False,
    ) -> FeeEntry | None:
        """The Medicare fee schedule amounts for a code (and modifier) in a locality.

        From CY2026 CMS publishes two sets of amounts: for clinicians who are qualifying
        APM participants (variant "QP") and for everyone else ("nonQP"). A file that does
        not say which is used for both.
        """
        where = (
            carrier.strip(),
            locality.strip().upper(),
            code.strip().upper(),
            modifier.strip().upper(),
        )
        variant = "QP" if qualifying_apm else "nonQP"
        return self.tables.fees.get((variant, *where)) or self.tables.fees.get(("", *where))

    # --- remittance codes ---------------------------------------------------------------

    def carc(self, code: str) -> ReasonInfo:
        code = code.strip().upper()
        return ReasonInfo(code, self.tables.carc.get(code), guidance.CARC_GUIDANCE.get(code))

    def rarc(self, code: str) -> ReasonInfo:
        code = code.strip().upper()
        return ReasonInfo(code, self.tables.rarc.get(code), None)

    def group(self, code: str) -> guidance.GroupGuidance | None:
        return guidance.GROUPS.get(code.strip().upper())

    # --- diagnoses ----------------------------------------------------------------------

    def diagnosis(self, code: str) -> Icd10cmLookup:
        if self.icd10cm is None:
            return Icd10cmLookup(
                code.strip().upper(),
                LookupReason.NOT_IN_FORCE,
                "the ICD-10-CM index is not built; run `openrcm codesets build-icd10`",
            )
        return self.icd10cm.lookup(code, on=self.on)

    def diagnosis_conflicts(
        self, code: str, *, sex: str | None = None, age_years: int | None = None
    ) -> Sequence[str]:
        """Sex and age conflicts the classification supports (messages; may be empty)."""
        problems: list[str] = []
        if sex is not None and (found := sex_conflict(code, sex)):
            problems.append(found)
        if age_years is not None and (found := age_conflict(code, age_years)):
            problems.append(found)
        return problems


def _span(start: datetime.date | None, end: datetime.date | None) -> str:
    since = f"valid from {start}" if start else "valid"
    return f"{since} to {end}" if end else since
