"""CMS Medicare physician fee schedule payment amounts (PFALL / PFREV record layout).

Every field quoted, comma separated, 16 fields; trailer records start ``"TRL-`` and carry
the AMA/ADA notices. CPT code numbers only: the file has no descriptions and we add none.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from openrcm.codesets.errors import CodeSetFileError
from openrcm.codesets.loaders.common import CodeSetFile, ProblemLog, Row, csv_records
from openrcm.codesets.release import CodeSetKind, Release

MPFS_FIELDS = (
    "year",
    "carrier number",
    "locality",
    "HCPCS code",
    "modifier",
    "non-facility fee schedule amount",
    "facility fee schedule amount",
    "filler",
    "PC/TC indicator",
    "status code",
    "multiple surgery indicator",
    "therapy reduction amount, non-institutional",
    "therapy reduction amount, institutional",
    "OPPS indicator",
    "OPPS non-facility amount",
    "OPPS facility amount",
)
_NAME = re.compile(r"PF(ALL|REV)(\d{2})([A-Z])?", re.IGNORECASE)
_CARRIER = re.compile(r"[0-9]{5}")
_LOCALITY = re.compile(r"[0-9A-Z]{2}")
_CODE = re.compile(r"[0-9A-Z]{5}")
_MODIFIER = re.compile(r"|[0-9A-Z]{2}")


@dataclass(frozen=True, slots=True)
class FeeScheduleRecord:
    """The Medicare allowed amount for one code (and modifier) in one carrier locality."""

    line: int
    year: int
    carrier: str
    locality: str
    code: str
    modifier: str
    non_facility_amount: Decimal
    facility_amount: Decimal
    pc_tc_indicator: str
    status_code: str
    multiple_surgery_indicator: str


def read_fee_schedule(
    path: Path,
    *,
    effective_from: datetime.date | None = None,
    effective_to: datetime.date | None = None,
) -> CodeSetFile[FeeScheduleRecord]:
    """Read a CMS PFALL/PFREV payment-amount file.

    The release is the calendar year of the file name (``PFREV26B`` → CY2026, revision B)
    or of its first record. The variant is ``QP`` or ``nonQP`` when the name says which
    conversion factor the amounts use (from CY2026 CMS publishes both).
    """
    found = _NAME.search(path.name)
    year = 2000 + int(found.group(2)) if found else _year_from_content(path)
    start = effective_from or datetime.date(year, 1, 1)
    end = effective_to if effective_to is not None else datetime.date(year, 12, 31)
    stem = path.stem.lower()
    variant = "nonQP" if "nonqp" in stem else "QP" if re.search(r"(^|_)qp", stem) else ""
    name = f"PF{found.group(1).upper()}{found.group(2)}{found.group(3) or ''}" if found else ""
    label = " ".join(part for part in ("MPFS", str(year), name, variant) if part)
    release = Release(
        kind=CodeSetKind.MPFS,
        label=label,
        effective_from=start,
        effective_to=end,
        source_name=path.name,
        variant=variant,
    )
    return CodeSetFile([path], release, lambda log: _records(path, log))


def _year_from_content(path: Path) -> int:
    for line, cells in csv_records(path, encoding="latin-1"):
        if cells and cells[0].strip().isdigit() and len(cells[0].strip()) == 4:
            return int(cells[0])
        raise CodeSetFileError.single(
            path.name, line, "year", "the first record has no 4-digit year; not a PFALL/PFREV file"
        )
    raise CodeSetFileError.single(path.name, 1, "(file)", "is empty")


def _records(path: Path, log: ProblemLog) -> Iterator[FeeScheduleRecord]:
    seen: dict[tuple[str, str, str, str], int] = {}
    trailer = False
    for line, cells in csv_records(path, encoding="latin-1"):
        if not any(c.strip() for c in cells):
            continue
        if cells[0].startswith("TRL-"):
            trailer = True
            continue
        if trailer:
            log.add(line, "(row)", "a payment record after the trailer records")
            continue
        if len(cells) != len(MPFS_FIELDS):
            log.add(line, "(row)", f"has {len(cells)} fields; a PFS record has {len(MPFS_FIELDS)}")
            continue
        row = Row(log, line, dict(zip(MPFS_FIELDS, cells, strict=True)))
        year_text = row.text("year")
        if year_text and not (year_text.isdigit() and len(year_text) == 4):
            row.problem("year", f"{year_text!r} is not a 4-digit year")
        carrier = row.matching("carrier number", _CARRIER, "a carrier number (5 digits)")
        locality = row.matching("locality", _LOCALITY, "a locality (2 digits)")
        code = row.matching("HCPCS code", _CODE, "a CPT/HCPCS code (5 letters or digits)")
        modifier = row.text("modifier", required=False)
        if not _MODIFIER.fullmatch(modifier):
            row.problem("modifier", f"{modifier!r} is not blank or a 2-character modifier")
        non_facility = row.amount("non-facility fee schedule amount")
        facility = row.amount("facility fee schedule amount")
        key = (carrier, locality, code, modifier)
        if key in seen:
            row.problem(
                "HCPCS code",
                f"{code} {modifier} in {carrier}/{locality} appears twice "
                f"(first on line {seen[key]})",
            )
        seen.setdefault(key, line)
        if row.bad:
            continue
        yield FeeScheduleRecord(
            line=line,
            year=int(year_text),
            carrier=carrier,
            locality=locality,
            code=code,
            modifier=modifier,
            non_facility_amount=non_facility,
            facility_amount=facility,
            pc_tc_indicator=row.text("PC/TC indicator", required=False),
            status_code=row.text("status code", required=False),
            multiple_surgery_indicator=row.text("multiple surgery indicator", required=False),
        )
