"""X12 claim adjustment reason codes (CARC) and remittance advice remark codes (RARC).

The texts are X12's intellectual property: a deployment loads its licensed copy into its
own database at run time. Nothing here ships or stores them in the repository.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from openrcm.codesets.errors import CodeSetFileError
from openrcm.codesets.loaders.common import CodeSetFile, ProblemLog, Row, csv_records
from openrcm.codesets.release import CodeSetKind, Release

CARC_CODE = re.compile(r"[A-Z]?[0-9]{1,3}")
RARC_CODE = re.compile(r"[A-Z]{1,2}[0-9]{1,3}")
_SPLIT_HEADER = ("code", "description", "start_date", "last_modified_date", "stop_date", "notes")
_ISO = ("%Y-%m-%d",)
_US = ("%m/%d/%Y",)
_DATES_LINE = re.compile(r"^\s*Start:", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class AdjustmentCodeRecord:
    """One CARC or RARC with its dates; ``stop`` is the last date it may be used."""

    line: int
    code: str
    description: str
    start: datetime.date | None
    last_modified: datetime.date | None
    stop: datetime.date | None
    notes: str

    def in_force(self, on: datetime.date) -> bool:
        if self.start is not None and on < self.start:
            return False
        return self.stop is None or on <= self.stop


def read_adjustment_codes(
    kind: CodeSetKind,
    path: Path,
    *,
    effective_from: datetime.date | None = None,
    effective_to: datetime.date | None = None,
) -> CodeSetFile[AdjustmentCodeRecord]:
    """Read an X12 CARC or RARC list.

    Two layouts: X12's page as copied (two columns, code and one cell holding the text, a
    ``Start: MM/DD/YYYY | Last Modified: ... | Stop: ...`` line and ``Notes: ...``), and
    the split form with columns code, description, start_date, last_modified_date,
    stop_date, notes (ISO dates). The release date is the newest start date in the list.
    """
    if kind not in (CodeSetKind.CARC, CodeSetKind.RARC):
        raise ValueError(f"{kind} is not CARC or RARC")
    records = list(_records(kind, path, ProblemLog(path.name)))  # small lists; read once
    newest = max((r.start for r in records if r.start), default=None)
    start = effective_from or newest
    if start is None:
        raise CodeSetFileError.single(
            path.name, 2, "start", "no start date found; give the release's first day explicitly"
        )
    name = "CARC" if kind == CodeSetKind.CARC else "RARC"
    release = Release(
        kind=kind,
        label=f"X12 {name} list (newest start {start.isoformat()})",
        effective_from=start,
        effective_to=effective_to,
        source_name=path.name,
    )
    return CodeSetFile([path], release, lambda log: _records(kind, path, log))


def _records(kind: CodeSetKind, path: Path, log: ProblemLog) -> Iterator[AdjustmentCodeRecord]:
    records = csv_records(path, encoding="utf-8-sig")
    first = next(records, None)
    if first is None:
        log.add(1, "(file)", "is empty")
        return
    header = [h.strip().lower() for h in first[1]]
    split = header[: len(_SPLIT_HEADER)] == list(_SPLIT_HEADER)
    if not split and len(header) != 2:
        log.add(
            first[0],
            "(header)",
            "is neither 'code,description,start_date,...' nor the two-column X12 list",
        )
        return
    pattern, what = (
        (CARC_CODE, "a CARC (up to 3 digits, optionally after a letter)")
        if kind == CodeSetKind.CARC
        else (RARC_CODE, "a RARC (1-2 letters and up to 3 digits)")
    )
    seen: dict[str, int] = {}
    for line, cells in records:
        if not any(c.strip() for c in cells):
            continue
        width = len(_SPLIT_HEADER) if split else 2
        if len(cells) != width:
            log.add(line, "(row)", f"has {len(cells)} fields; the header has {width}")
            continue
        if split:
            row = Row(log, line, dict(zip(_SPLIT_HEADER, cells, strict=True)))
            description = " ".join(row.text("description").split())
            start = row.date("start_date", formats=_ISO, required=False)
            modified = row.date("last_modified_date", formats=_ISO, required=False)
            stop = row.date("stop_date", formats=_ISO, required=False)
            notes = " ".join(row.text("notes", required=False).split())
        else:
            row, description, start, modified, stop, notes = _as_copied(log, line, cells)
        code = row.matching("code", pattern, what)
        if code in seen:
            row.problem("code", f"{code} appears twice (first on line {seen[code]})")
        seen.setdefault(code, line)
        if start and stop and stop < start:
            row.problem("stop", f"{stop} is before the start {start}")
        if row.bad:
            continue
        yield AdjustmentCodeRecord(line, code, description, start, modified, stop, notes)


def _as_copied(
    log: ProblemLog, line: int, cells: list[str]
) -> tuple[Row, str, datetime.date | None, datetime.date | None, datetime.date | None, str]:
    text_lines = cells[1].splitlines()
    body: list[str] = []
    notes: list[str] = []
    dates: dict[str, str] = {}
    in_notes = False
    for text_line in text_lines:
        if _DATES_LINE.match(text_line) and not in_notes:
            for part in text_line.split("|"):
                name, _, value = part.partition(":")
                dates[name.strip().lower()] = value.strip()
        elif text_line.strip().lower().startswith("notes:"):
            in_notes = True
            notes.append(text_line.strip()[len("notes:") :].strip())
        elif in_notes:
            notes.append(text_line.strip())
        else:
            body.append(text_line.strip())
    row = Row(
        log,
        line,
        {
            "code": cells[0],
            "description": " ".join(" ".join(body).split()),
            "start": dates.get("start", ""),
            "last modified": dates.get("last modified", ""),
            "stop": dates.get("stop", ""),
        },
    )
    description = row.text("description")
    start = row.date("start", formats=_US, required=False)
    modified = row.date("last modified", formats=_US, required=False)
    stop = row.date("stop", formats=_US, required=False)
    return row, description, start, modified, stop, " ".join(" ".join(notes).split())
