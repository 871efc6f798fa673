"""CMS NCCI edit tables: medically unlikely edits (MUE) and procedure-to-procedure (PTP).

Both hold CPT code numbers as CMS publishes them (no descriptions) next to CMS's AMA
notice; we read the facts (codes, limits, dates, indicators) and skip the notice.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from openrcm.codesets.errors import CodeSetFileError
from openrcm.codesets.loaders.common import CodeSetFile, ProblemLog, Row, csv_records
from openrcm.codesets.release import CodeSetKind, Release, quarter_end

PROCEDURE_CODE = re.compile(r"[0-9A-Z]{5}")
_DATE = ("%Y%m%d",)

# ---------------------------------------------------------------------------------------
# MUE


@dataclass(frozen=True, slots=True)
class MueRecord:
    """Most units of ``code`` per patient per provider (per line or per date of service).

    ``adjudication_indicator`` (MAI): 1 per claim line; 2 per date of service, an absolute
    policy limit; 3 per date of service, a clinical limit that may be appealed.
    """

    line: int
    code: str
    max_units: int
    adjudication_indicator: int
    adjudication_text: str
    rationale: str


MUE_COLUMNS = ("code", "MUE value", "MUE adjudication indicator", "MUE rationale")
_MUE_NAME = re.compile(r"Eff_(\d{2})-(\d{2})-(\d{4})", re.IGNORECASE)
_MUE_VARIANTS = {"practitioner": "practitioner", "dme": "dme", "outpatient": "outpatient hospital"}


def read_mue(
    path: Path,
    *,
    effective_from: datetime.date | None = None,
    effective_to: datetime.date | None = None,
) -> CodeSetFile[MueRecord]:
    """Read a CMS MUE table (CSV, Windows-1252, AMA notice record, then the header).

    The release starts on the date in the file name (``..._Eff_04-01-2026.csv``) and runs
    to the end of that quarter. The variant (practitioner, DME supplier, outpatient
    hospital) comes from the file name.
    """
    found = _MUE_NAME.search(path.name)
    start = effective_from
    if start is None and found:
        start = datetime.date(int(found.group(3)), int(found.group(1)), int(found.group(2)))
    if start is None:
        raise CodeSetFileError.single(
            path.name,
            1,
            "(file name)",
            "does not say when the table takes effect (CMS names it ..._Eff_MM-DD-YYYY); "
            "give the release's first day explicitly",
        )
    lowered = path.name.lower()
    variant = next((v for k, v in _MUE_VARIANTS.items() if k in lowered), "")
    release = Release(
        kind=CodeSetKind.MUE,
        label=f"NCCI MUE {variant or 'table'} {start.isoformat()}".replace("  ", " "),
        effective_from=start,
        effective_to=effective_to if effective_to is not None else quarter_end(start),
        source_name=path.name,
        variant=variant,
    )
    return CodeSetFile([path], release, lambda log: _mue_records(path, log))


def _mue_records(path: Path, log: ProblemLog) -> Iterator[MueRecord]:
    header_seen = False
    seen: dict[str, int] = {}
    for line, cells in csv_records(path, encoding="cp1252"):
        first = " ".join(cells[0].split()) if cells else ""
        if not header_seen:
            if first.upper().startswith("HCPCS"):
                header_seen = True
                if len(cells) < 4:
                    log.add(line, "(header)", "has fewer than the 4 MUE columns")
                    return
            continue
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != 4:
            log.add(line, "(row)", f"has {len(cells)} fields; an MUE row has 4")
            continue
        row = Row(log, line, dict(zip(MUE_COLUMNS, cells, strict=True)))
        code = row.matching("code", PROCEDURE_CODE, "a CPT/HCPCS code (5 letters or digits)")
        units = row.integer("MUE value")
        indicator_text = " ".join(row.text("MUE adjudication indicator").split())
        indicator = 0
        if indicator_text:
            if indicator_text[0] in "123":
                indicator = int(indicator_text[0])
            else:
                row.problem(
                    "MUE adjudication indicator",
                    f"{indicator_text!r} does not start with 1, 2 or 3",
                )
        rationale = " ".join(row.text("MUE rationale").split())
        if code and code in seen:
            row.problem("code", f"{code} appears twice (first on line {seen[code]})")
        seen.setdefault(code, line)
        if row.bad:
            continue
        yield MueRecord(line, code, units, indicator, indicator_text, rationale)
    if not header_seen:
        log.add(1, "(header)", "no header row starting 'HCPCS/CPT Code' found; not an MUE table")


# ---------------------------------------------------------------------------------------
# PTP


@dataclass(frozen=True, slots=True)
class PtpRecord:
    """A pair that should not both be paid for one patient, provider and date of service.

    Column 1 is the comprehensive code, column 2 the one denied. The edit is in force from
    ``effective`` up to the day before ``deleted``. ``modifier_indicator``: 0 no modifier
    lets both be paid; 1 an NCCI-associated modifier may bypass it when documented; 9 not
    applicable (deleted on its effective date, never in force).
    """

    line: int
    column1: str
    column2: str
    effective: datetime.date
    deleted: datetime.date | None
    modifier_indicator: int
    prior_to_1996: bool
    rationale: str

    def in_force(self, on: datetime.date) -> bool:
        if on < self.effective:
            return False
        return self.deleted is None or on < self.deleted


PTP_COLUMNS = (
    "Column 1",
    "Column 2",
    "* = In existence prior to 1996",
    "Effective Date",
    "Deletion Date *=no data",
    "Modifier 0=not allowed 1=allowed 9=not applicable",
    "PTP Edit Rationale",
)
_PTP_NAME = re.compile(r"cci(pra|oph|dme)?-?v(\d{2})(\d)r(\d)", re.IGNORECASE)
_PTP_VARIANTS = {"pra": "practitioner", "oph": "outpatient hospital", "dme": "dme"}


def read_ptp(
    paths: Path | Sequence[Path],
    *,
    effective_from: datetime.date | None = None,
    effective_to: datetime.date | None = None,
) -> CodeSetFile[PtpRecord]:
    """Read a CMS NCCI PTP table: one release, published in one or several parts (f1–f4).

    Tab-delimited text as CMS publishes it (``.txt``) or the same columns as CSV. Preamble
    lines (the AMA notice) before the header row that starts ``Column 1`` are skipped, and
    so are header continuation lines whose first cell is blank. The release quarter comes
    from the NCCI version in the file name (``ccipra-v321r0-f1`` is version 32.1 = 2026
    Q2; version 31.0 was January 2025), else give it explicitly.
    """
    files = [paths] if isinstance(paths, Path) else list(paths)
    if not files:
        raise ValueError("read_ptp needs at least one file")
    found = _PTP_NAME.search(files[0].name)
    start = effective_from
    if start is None and found:
        year, quarter = 1994 + int(found.group(2)), int(found.group(3)) + 1
        if 1 <= quarter <= 4:
            start = datetime.date(year, 3 * quarter - 2, 1)
    if start is None:
        raise CodeSetFileError.single(
            files[0].name,
            1,
            "(file name)",
            "does not carry the NCCI version (ccipra-vXYZrN); give the release's first day "
            "explicitly",
        )
    variant = _PTP_VARIANTS.get((found.group(1) or "").lower(), "") if found else ""
    version = f" v{found.group(2)}.{found.group(3)}r{found.group(4)}" if found else ""
    release = Release(
        kind=CodeSetKind.PTP,
        label=f"NCCI PTP {variant or 'table'}{version} ({start:%Y-%m})",
        effective_from=start,
        effective_to=effective_to if effective_to is not None else quarter_end(start),
        source_name=", ".join(f.name for f in files),
        variant=variant,
    )

    def read(log: ProblemLog) -> Iterator[PtpRecord]:
        seen: dict[tuple[str, str, datetime.date | None], str] = {}
        for path in files:
            yield from _ptp_records(path, log.for_file(path.name), seen)

    return CodeSetFile(files, release, read)


def _ptp_records(
    path: Path, log: ProblemLog, seen: dict[tuple[str, str, datetime.date | None], str]
) -> Iterator[PtpRecord]:
    delimiter = "," if path.suffix.lower() == ".csv" else "\t"
    header_seen = data_seen = False
    for line, cells in csv_records(path, encoding="cp1252", delimiter=delimiter):
        first = cells[0].strip() if cells else ""
        if not header_seen:
            header_seen = first.lower().startswith("column 1")
            continue
        if not any(c.strip() for c in cells):
            continue
        if not data_seen and not first:
            continue  # the header's continuation lines
        data_seen = True
        if len(cells) < 6 or len(cells) > 7:
            log.add(line, "(row)", f"has {len(cells)} fields; a PTP row has 7")
            continue
        row = Row(log, line, dict(zip(PTP_COLUMNS, cells, strict=False)))
        what = "a CPT/HCPCS code (5 letters or digits)"
        column1 = row.matching("Column 1", PROCEDURE_CODE, what)
        column2 = row.matching("Column 2", PROCEDURE_CODE, what)
        prior = row.text("* = In existence prior to 1996", required=False)
        if prior not in ("", "*"):
            row.problem("* = In existence prior to 1996", f"{prior!r} is neither '*' nor blank")
        effective = row.date("Effective Date", formats=_DATE, required=True)
        deletion_field = "Deletion Date *=no data"
        deleted = None
        if row.text(deletion_field, required=False) not in ("", "*"):
            deleted = row.date(deletion_field, formats=_DATE, required=True)
        indicator_field = "Modifier 0=not allowed 1=allowed 9=not applicable"
        indicator = row.text(indicator_field)
        if indicator and indicator not in ("0", "1", "9"):
            row.problem(indicator_field, f"{indicator!r} is not 0, 1 or 9")
        if effective and deleted and deleted < effective:
            row.problem(deletion_field, f"{deleted} is before the effective date {effective}")
        if column1 and column1 == column2:
            row.problem("Column 2", f"{column2} is the same code as column 1")
        where = f"{path.name} line {line}"
        key = (column1, column2, effective)
        if column1 and column2 and key in seen:
            row.problem(
                "Column 2",
                f"the edit {column1}/{column2} from {effective} appears twice ({seen[key]})",
            )
        seen.setdefault(key, where)
        if row.bad or effective is None:
            continue
        yield PtpRecord(
            line=line,
            column1=column1,
            column2=column2,
            effective=effective,
            deleted=deleted,
            modifier_indicator=int(indicator),
            prior_to_1996=prior == "*",
            rationale=" ".join(row.text("PTP Edit Rationale", required=False).split()),
        )
    if not header_seen:
        log.add(1, "(header)", "no header row starting 'Column 1' found; not a PTP table")
