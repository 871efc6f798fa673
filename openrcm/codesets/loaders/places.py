"""CMS place-of-service codes and the NUCC health care provider taxonomy."""

from __future__ import annotations

import datetime
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from openrcm.codesets.errors import CodeSetFileError
from openrcm.codesets.loaders.common import (
    CodeSetFile,
    ProblemLog,
    Row,
    csv_records,
    dict_rows,
    require_columns,
)
from openrcm.codesets.release import CodeSetKind, Release

POS_CODE = re.compile(r"[0-9]{2}")
TAXONOMY_CODE = re.compile(r"[0-9A-Z]{9}X")
_FHIR = "{http://hl7.org/fhir}"
_MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_PROSE_DATE = re.compile(rf"({'|'.join(_MONTH_NAMES)}) (\d{{1,2}}), (\d{{4}})")


@dataclass(frozen=True, slots=True)
class PlaceOfServiceRecord:
    line: int
    code: str
    name: str
    description: str
    assigned: bool


def read_place_of_service(
    path: Path,
    *,
    effective_from: datetime.date | None = None,
    effective_to: datetime.date | None = None,
) -> CodeSetFile[PlaceOfServiceRecord]:
    """Read the CMS place-of-service code set.

    Two layouts: the FHIR CodeSystem XML (HL7 THO's transcription of CMS's page; its
    ``version`` is the date CMS last changed the page) and a CSV with columns ``code``,
    ``name``, ``description``, ``assigned``. For the CSV the release date is the newest
    "(Effective <date>)" note in the descriptions.
    """
    is_xml = path.suffix.lower() == ".xml"
    start = effective_from or (_pos_xml_version(path) if is_xml else _pos_csv_newest(path))
    release = Release(
        kind=CodeSetKind.POS,
        label=f"Place of service (CMS, {start.isoformat()})",
        effective_from=start,
        effective_to=effective_to,
        source_name=path.name,
    )
    reader = _pos_xml_records if is_xml else _pos_csv_records
    return CodeSetFile([path], release, lambda log: reader(path, log))


def _parse_xml(path: Path) -> ET.Element:
    try:
        return ET.parse(path).getroot()  # noqa: S314 - a local file an administrator chose
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else 1
        raise CodeSetFileError.single(
            path.name, line, "(xml)", f"is not well-formed: {exc}"
        ) from exc


def _pos_xml_version(path: Path) -> datetime.date:
    root = _parse_xml(path)
    version = root.find(f"{_FHIR}version")
    value = version.get("value", "") if version is not None else ""
    try:
        return datetime.datetime.strptime(value, "%Y%m%d").date()  # noqa: DTZ007 - a date
    except ValueError:
        raise CodeSetFileError.single(
            path.name, 1, "version", f"{value!r} is not a YYYYMMDD date; give the date explicitly"
        ) from None


def _pos_csv_newest(path: Path) -> datetime.date:
    text = path.read_text(encoding="utf-8-sig")
    found = [
        datetime.date(int(y), _MONTH_NAMES.index(m) + 1, int(d))
        for m, d, y in _PROSE_DATE.findall(text)
    ]
    if not found:
        raise CodeSetFileError.single(
            path.name, 1, "description", "no '(Effective <date>)' note; give the date explicitly"
        )
    return max(found)


def _pos_xml_records(path: Path, log: ProblemLog) -> Iterator[PlaceOfServiceRecord]:
    # ElementTree keeps no line numbers; a concept is named by its position (1st, 2nd...)
    # and the field, which is enough to find it in the file.
    root = _parse_xml(path)
    seen: set[str] = set()
    for number, concept in enumerate(root.iter(f"{_FHIR}concept"), start=1):
        values = {
            name: (node.get("value", "") if node is not None else "")
            for name in ("code", "display", "definition")
            for node in [concept.find(f"{_FHIR}{name}")]
        }
        row = Row(log, number, values)
        code = row.matching("code", POS_CODE, "a place-of-service code (2 digits)")
        name = row.text("display")
        if code in seen:
            row.problem("code", f"{code} appears twice")
        seen.add(code)
        if row.bad:
            continue
        description = " ".join(row.text("definition", required=False).split())
        yield PlaceOfServiceRecord(number, code, name, description, assigned=True)


def _pos_csv_records(path: Path, log: ProblemLog) -> Iterator[PlaceOfServiceRecord]:
    records = csv_records(path, encoding="utf-8-sig")
    line, header = next(records, (1, []))
    require_columns(path, line, header, ("code", "name", "description", "assigned"))
    seen: set[str] = set()
    for row in dict_rows(log, records, header):
        code = row.matching("code", POS_CODE, "a place-of-service code (2 digits)")
        name = row.text("name")
        assigned = row.text("assigned")
        if assigned not in ("Y", "N", ""):
            row.problem("assigned", f"{assigned!r} is neither Y nor N")
        if code in seen:
            row.problem("code", f"{code} appears twice")
        seen.add(code)
        if row.bad:
            continue
        description = " ".join(row.text("description", required=False).split())
        yield PlaceOfServiceRecord(row.line, code, name, description, assigned == "Y")


@dataclass(frozen=True, slots=True)
class TaxonomyRecord:
    line: int
    code: str
    grouping: str
    classification: str
    specialization: str
    display_name: str
    section: str


TAXONOMY_COLUMNS = ("Code", "Grouping", "Classification", "Specialization", "Display Name")
_TAXONOMY_NAME = re.compile(r"taxonomy_(\d{2})(\d)", re.IGNORECASE)
_NOTE_DATE = re.compile(r"\[(\d{1,2})/(\d{1,2})/(\d{4})")


def read_taxonomy(
    path: Path,
    *,
    effective_from: datetime.date | None = None,
    effective_to: datetime.date | None = None,
) -> CodeSetFile[TaxonomyRecord]:
    """Read the NUCC taxonomy CSV (``nucc_taxonomy_251.csv``: version 25.1).

    NUCC versions x.0 take effect on January 1 and x.1 on July 1 of 20xx; without a
    version in the file name the newest "[M/D/YYYY: ...]" change note is used.
    """
    found = _TAXONOMY_NAME.search(path.name)
    start = effective_from
    label_version = ""
    if start is None and found and found.group(2) in "01":
        start = datetime.date(2000 + int(found.group(1)), 1 if found.group(2) == "0" else 7, 1)
    if found:
        label_version = f" {found.group(1)}.{found.group(2)}"
    if start is None:
        text = path.read_text(encoding="utf-8-sig")
        dates = [datetime.date(int(y), int(m), int(d)) for m, d, y in _NOTE_DATE.findall(text)]
        if not dates:
            raise CodeSetFileError.single(
                path.name, 1, "Notes", "no version or change date found; give it explicitly"
            )
        start = max(dates)
    release = Release(
        kind=CodeSetKind.TAXONOMY,
        label=f"NUCC taxonomy{label_version} ({start.isoformat()})",
        effective_from=start,
        effective_to=effective_to,
        source_name=path.name,
    )
    return CodeSetFile([path], release, lambda log: _taxonomy_records(path, log))


def _taxonomy_records(path: Path, log: ProblemLog) -> Iterator[TaxonomyRecord]:
    records = csv_records(path, encoding="utf-8-sig")
    line, header = next(records, (1, []))
    require_columns(path, line, header, TAXONOMY_COLUMNS)
    seen: set[str] = set()
    for row in dict_rows(log, records, header):
        code = row.matching("Code", TAXONOMY_CODE, "a taxonomy code (9 letters or digits and X)")
        grouping = row.text("Grouping")
        classification = row.text("Classification")
        if code in seen:
            row.problem("Code", f"{code} appears twice")
        seen.add(code)
        if row.bad:
            continue
        yield TaxonomyRecord(
            line=row.line,
            code=code,
            grouping=grouping,
            classification=classification,
            specialization=row.text("Specialization", required=False),
            display_name=row.text("Display Name", required=False),
            section=row.text("Section", required=False),
        )
