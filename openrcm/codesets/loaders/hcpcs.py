"""CMS Alpha-Numeric HCPCS file (Level II codes and modifiers), as CMS lays it out.

CMS publishes a quarterly workbook ``HCPCyyyy_MMM_ANWEB.xlsx``; this loader reads that
sheet saved as CSV (same header, same 48 columns). RECID 3 rows are codes, RECID 7 rows
are modifiers (left-padded with spaces). Dates are YYYYMMDD; an empty TERM DT means the
code is active. D-codes are the ADA's CDT: their descriptions are never kept.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from openrcm.codesets.errors import CodeSetFileError
from openrcm.codesets.loaders.common import (
    CodeSetFile,
    ProblemLog,
    csv_records,
    dict_rows,
    require_columns,
)
from openrcm.codesets.release import CodeSetKind, Release, quarter_end

COLUMNS = (
    "HCPC",
    "RECID",
    "LONG DESCRIPTION",
    "SHORT DESCRIPTION",
    "ADD DT",
    "ACT EFF DT",
    "TERM DT",
    "ACTION CD",
    "COV",
)
LEVEL_2_CODE = re.compile(r"[A-Z][0-9]{4}")
MODIFIER = re.compile(r"[A-Z0-9]{2}")
ACTION_CODES = frozenset("ABCDFNPRST")
RECID_CODE = "3"
RECID_MODIFIER = "7"
_MONTHS = {"JAN": 1, "APR": 4, "JUL": 7, "OCT": 10}
_NAME = re.compile(r"HCPC(\d{4})_(JAN|APR|JUL|OCT)", re.IGNORECASE)
_DATE = ("%Y%m%d",)


@dataclass(frozen=True, slots=True)
class HcpcsRecord:
    """One HCPCS Level II code or modifier.

    ``added`` is when the code was first valid, ``terminated`` its last valid day (None
    when active). Descriptions are empty for dental (D) codes, whose text is the ADA's.
    """

    line: int
    code: str
    is_modifier: bool
    short_description: str
    long_description: str
    added: datetime.date | None
    action_effective: datetime.date | None
    terminated: datetime.date | None
    action_code: str
    coverage: str

    def valid_on(self, on: datetime.date) -> bool:
        if self.added is not None and on < self.added:
            return False
        return self.terminated is None or on <= self.terminated


def is_dental_code(code: str) -> bool:
    """CDT codes (HCPCS D-codes) belong to the ADA; we keep the code, never its text."""
    return len(code) == 5 and code.startswith("D")


def read_hcpcs(
    path: Path,
    *,
    effective_from: datetime.date | None = None,
    effective_to: datetime.date | None = None,
) -> CodeSetFile[HcpcsRecord]:
    """Read a CMS HCPCS quarterly file (CSV of the ANWEB sheet).

    The release is the quarter named in the file name (``HCPC2025_OCT_...`` → in force
    2025-10-01 to 2025-12-31); without it, the quarter of the newest ACT EFF DT in the
    file. ``effective_from``/``effective_to`` override both.
    """
    if path.suffix.lower() == ".xlsx":
        raise CodeSetFileError.single(
            path.name,
            1,
            "(file)",
            "is a workbook; open it and save the sheet as CSV (UTF-8), then load the CSV",
        )
    start = effective_from or _start_from_name(path) or _start_from_content(path)
    end = effective_to if effective_to is not None else quarter_end(start)
    release = Release(
        kind=CodeSetKind.HCPCS,
        label=f"HCPCS Level II {start:%Y-%m}",
        effective_from=start,
        effective_to=end,
        source_name=path.name,
    )
    return CodeSetFile([path], release, lambda log: _records(path, log))


def _start_from_name(path: Path) -> datetime.date | None:
    found = _NAME.search(path.name)
    if not found:
        return None
    return datetime.date(int(found.group(1)), _MONTHS[found.group(2).upper()], 1)


def _start_from_content(path: Path) -> datetime.date:
    latest: str = ""
    records = csv_records(path, encoding="utf-8-sig")
    _, header = next(records, (1, []))
    require_columns(path, 1, header, COLUMNS)
    position = header.index("ACT EFF DT")
    for _, cells in records:
        if len(cells) > position and re.fullmatch(r"\d{8}", cells[position].strip()):
            latest = max(latest, cells[position].strip())
    if not latest:
        raise CodeSetFileError.single(
            path.name,
            1,
            "ACT EFF DT",
            "no effective date found and the file name does not name the quarter; "
            "give the release's first day explicitly",
        )
    newest = datetime.datetime.strptime(latest, "%Y%m%d").date()  # noqa: DTZ007 - a date
    return datetime.date(newest.year, ((newest.month - 1) // 3) * 3 + 1, 1)


def _records(path: Path, log: ProblemLog) -> Iterator[HcpcsRecord]:
    records = csv_records(path, encoding="utf-8-sig")
    first = next(records, None)
    if first is None:
        log.add(1, "(file)", "is empty")
        return
    line, header = first
    require_columns(path, line, header, COLUMNS)
    seen: dict[tuple[str, bool], int] = {}
    for row in dict_rows(log, records, header):
        recid = row.text("RECID")
        if recid not in (RECID_CODE, RECID_MODIFIER):
            row.problem("RECID", f"{recid!r} is neither 3 (code) nor 7 (modifier)")
            continue
        is_modifier = recid == RECID_MODIFIER
        if is_modifier:
            code = row.matching("HCPC", MODIFIER, "a modifier (2 letters or digits)")
        else:
            code = row.matching("HCPC", LEVEL_2_CODE, "a HCPCS Level II code (a letter, 4 digits)")
        dental = not is_modifier and is_dental_code(code)
        long_text = row.text("LONG DESCRIPTION", required=not dental)
        short_text = row.text("SHORT DESCRIPTION", required=not dental)
        added = row.date("ADD DT", formats=_DATE, required=True)
        action_effective = row.date("ACT EFF DT", formats=_DATE, required=False)
        terminated = row.date("TERM DT", formats=_DATE, required=False)
        action = row.text("ACTION CD")
        if action and action not in ACTION_CODES:
            row.problem("ACTION CD", f"{action!r} is not a CMS action code")
        if added and terminated and terminated < added:
            row.problem("TERM DT", f"{terminated} is before the ADD DT {added}")
        key = (code, is_modifier)
        if code and key in seen:
            row.problem("HCPC", f"{code} appears twice (first on line {seen[key]})")
        seen.setdefault(key, row.line)
        if row.bad:
            continue
        if dental:
            long_text = short_text = ""
        yield HcpcsRecord(
            line=row.line,
            code=code,
            is_modifier=is_modifier,
            short_description=short_text,
            long_description=long_text,
            added=added,
            action_effective=action_effective,
            terminated=terminated,
            action_code=action,
            coverage=row.text("COV", required=False),
        )
