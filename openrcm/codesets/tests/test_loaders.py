"""Parsers on the real shared files (counts computed here independently) and broken copies."""

from __future__ import annotations

import csv
import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from openrcm.codesets.errors import CodeSetFileError
from openrcm.codesets.loaders import (
    read_adjustment_codes,
    read_code_set,
    read_fee_schedule,
    read_hcpcs,
    read_mue,
    read_place_of_service,
    read_ptp,
    read_taxonomy,
)
from openrcm.codesets.release import CodeSetKind
from openrcm.codesets.tests.conftest import FIXTURES

HCPCS = "hcpcs/HCPC2025_OCT_ANWEB.csv"
MUE = "ncci_mue/MCR_MUE_PractitionerServices_Eff_04-01-2026.csv"
PTP = FIXTURES / "ccipra-v321r0-f1-synthetic.txt"


def _dict_rows(path: Path, encoding: str = "utf-8") -> list[dict[str, str]]:
    with path.open(encoding=encoding, newline="") as fh:
        return list(csv.DictReader(fh))


def _problem_fields(exc: pytest.ExceptionInfo[CodeSetFileError]) -> set[tuple[str, int, str]]:
    return {(p.file, p.line, p.field) for p in exc.value.problems}


# --- HCPCS -------------------------------------------------------------------------------


def test_hcpcs_real_file(codeset_files: Path) -> None:
    path = codeset_files / HCPCS
    rows = _dict_rows(path)
    parsed = read_hcpcs(path)
    records = parsed.read_all()
    assert len(records) == len(rows)
    assert sum(r.is_modifier for r in records) == sum(r["RECID"] == "7" for r in rows)
    assert sum(r.terminated is not None for r in records) == sum(bool(r["TERM DT"]) for r in rows)
    assert parsed.release.kind is CodeSetKind.HCPCS
    assert parsed.release.label == "HCPCS Level II 2025-10"
    assert parsed.release.effective_from == datetime.date(2025, 10, 1)
    assert parsed.release.effective_to == datetime.date(2025, 12, 31)
    by_code = {r.code: r for r in records if not r.is_modifier}
    first = rows[next(i for i, r in enumerate(rows) if r["RECID"] == "3")]
    mine = by_code[first["HCPC"].strip()]
    assert mine.long_description == first["LONG DESCRIPTION"]
    modifiers = {r.code for r in records if r.is_modifier}
    assert {"XE", "XS", "XP", "XU", "LT", "RT", "TC", "GT"} <= modifiers
    # Terminated codes are kept with their last day, so a date decides.
    gone = next(r for r in records if r.terminated is not None and not r.is_modifier)
    last_day = gone.terminated
    assert last_day is not None
    assert gone.valid_on(last_day)
    assert not gone.valid_on(last_day + datetime.timedelta(days=1))


def _write_hcpcs(path: Path, rows: list[dict[str, str]], header: list[str]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_hcpcs_bad_rows_are_all_named(codeset_files: Path, tmp_path: Path) -> None:
    source = codeset_files / HCPCS
    rows = _dict_rows(source)[:50]
    header = list(rows[0])
    rows[3]["ADD DT"] = "2002-07-01"
    rows[10]["HCPC"] = "J12"
    rows[20]["RECID"] = "9"
    rows[30]["LONG DESCRIPTION"] = ""
    path = _write_hcpcs(tmp_path / "HCPC2025_OCT_ANWEB.csv", rows, header)
    with pytest.raises(CodeSetFileError) as exc:
        read_hcpcs(path).read_all()
    name = path.name
    assert _problem_fields(exc) == {
        (name, 5, "ADD DT"),
        (name, 12, "HCPC"),
        (name, 22, "RECID"),
        (name, 32, "LONG DESCRIPTION"),
    }
    assert "line 5, field 'ADD DT'" in str(exc.value)


def test_hcpcs_dental_descriptions_are_never_kept(codeset_files: Path, tmp_path: Path) -> None:
    rows = _dict_rows(codeset_files / HCPCS)[:400]
    header = list(rows[0])
    dental = next(dict(r) for r in rows if r["RECID"] == "3")
    dental.update({"HCPC": "D9999", "LONG DESCRIPTION": "synthetic text", "SHORT DESCRIPTION": "x"})
    rows.append(dental)
    path = _write_hcpcs(tmp_path / "HCPC2026_JAN_ANWEB.csv", rows, header)
    parsed = read_hcpcs(path)
    record = next(r for r in parsed if r.code == "D9999")
    assert record.long_description == record.short_description == ""
    assert parsed.release.effective_from == datetime.date(2026, 1, 1)


def test_hcpcs_release_from_content_when_the_name_is_silent(
    codeset_files: Path, tmp_path: Path
) -> None:
    rows = _dict_rows(codeset_files / HCPCS)
    newest = max(r["ACT EFF DT"] for r in rows if r["ACT EFF DT"])
    path = _write_hcpcs(
        tmp_path / "hcpcs.csv",
        rows[:100] + [r for r in rows if r["ACT EFF DT"] == newest][:1],
        list(rows[0]),
    )
    release = read_hcpcs(path).release
    assert release.effective_from.year == int(newest[:4])
    assert release.effective_from.month == (int(newest[4:6]) - 1) // 3 * 3 + 1


# --- MUE ---------------------------------------------------------------------------------


def test_mue_real_file(codeset_files: Path) -> None:
    path = codeset_files / MUE
    with path.open(encoding="cp1252", newline="") as fh:
        raw = list(csv.reader(fh))
    header_at = next(i for i, r in enumerate(raw) if r and r[0].startswith("HCPCS"))
    expected = [r for r in raw[header_at + 1 :] if any(c.strip() for c in r)]
    parsed = read_mue(path)
    records = parsed.read_all()
    assert len(records) == len(expected)
    assert {r.code: r.max_units for r in records} == {r[0]: int(r[1]) for r in expected}
    assert {r.code: r.adjudication_indicator for r in records} == {
        r[0]: int(r[2][0]) for r in expected
    }
    assert {r.adjudication_indicator for r in records} == {1, 2, 3}
    assert parsed.release.effective_from == datetime.date(2026, 4, 1)
    assert parsed.release.effective_to == datetime.date(2026, 6, 30)
    assert parsed.release.variant == "practitioner"


def test_mue_bad_rows(codeset_files: Path, tmp_path: Path) -> None:
    lines = (codeset_files / MUE).read_bytes().decode("cp1252").splitlines(keepends=True)
    header_end = next(i for i, line in enumerate(lines) if "Rationale" in line)
    first_data = header_end + 1
    lines[first_data + 2] = '"0001U",x,"2 Date of Service Edit: Policy","Code Descriptor"\n'
    lines[first_data + 4] = '"0002U",1,"7 Something","Code Descriptor"\n'
    path = tmp_path / "MCR_MUE_PractitionerServices_Eff_07-01-2026.csv"
    path.write_bytes("".join(lines).encode("cp1252"))
    with pytest.raises(CodeSetFileError) as exc:
        read_mue(path).read_all()
    fields = {(p.line, p.field) for p in exc.value.problems}
    assert (first_data + 3, "MUE value") in fields
    assert (first_data + 5, "MUE adjudication indicator") in fields


# --- PTP (synthetic fixture in CMS's layout) ---------------------------------------------


def test_ptp_synthetic_table() -> None:
    parsed = read_ptp(PTP)
    records = parsed.read_all()
    data_lines = [line for line in PTP.read_text().splitlines()[2:] if line.strip()]
    assert len(records) == len(data_lines)
    assert parsed.release.effective_from == datetime.date(2026, 4, 1)  # v32.1 = 2026 Q2
    assert parsed.release.variant == "practitioner"
    by_pair = {(r.column1, r.column2, r.effective): r for r in records}
    old = by_pair[("20610", "96372", datetime.date(1996, 1, 1))]
    assert old.prior_to_1996
    assert old.deleted == datetime.date(2025, 7, 1)
    assert old.in_force(datetime.date(2025, 6, 30))
    assert not old.in_force(datetime.date(2025, 7, 1))
    never = next(r for r in records if r.modifier_indicator == 9)
    assert not never.in_force(never.effective)


def test_ptp_several_parts_and_bad_rows(tmp_path: Path) -> None:
    text = PTP.read_text()
    part2 = tmp_path / "ccipra-v321r0-f2.txt"
    part2.write_text(
        text.splitlines()[1]
        + "\n99213\t36415\t\t2026041\t*\t1\tSynthetic\n"
        + "99214\t36415\t\t20260401\t*\t5\tSynthetic\n"
        + "99215\t36415\t\t20260401\n"
    )
    with pytest.raises(CodeSetFileError) as exc:
        read_ptp([PTP, part2]).read_all()
    assert _problem_fields(exc) == {
        (part2.name, 2, "Effective Date"),
        (part2.name, 3, "Modifier 0=not allowed 1=allowed 9=not applicable"),
        (part2.name, 4, "(row)"),
    }


def test_ptp_needs_a_date_when_the_name_has_no_version(tmp_path: Path) -> None:
    path = tmp_path / "edits.txt"
    path.write_text(PTP.read_text())
    with pytest.raises(CodeSetFileError, match="NCCI version"):
        read_ptp(path)
    parsed = read_ptp(path, effective_from=datetime.date(2026, 7, 1))
    assert parsed.release.effective_to == datetime.date(2026, 9, 30)
    assert len(parsed.read_all()) == 6


# --- POS, taxonomy -----------------------------------------------------------------------


def test_place_of_service_xml_and_csv_agree(codeset_files: Path) -> None:
    csv_rows = _dict_rows(codeset_files / "pos/place_of_service_codes.csv")
    from_xml = read_place_of_service(codeset_files / "pos/cs-CMS-PlaceofServiceCodes.xml")
    from_csv = read_place_of_service(codeset_files / "pos/place_of_service_codes.csv")
    xml_codes = {r.code: r.name for r in from_xml}
    csv_records = from_csv.read_all()
    assert len(csv_records) == len(csv_rows)
    assigned = {r.code: r.name for r in csv_records if r.assigned}
    assert assigned == xml_codes
    assert len(assigned) == sum(r["assigned"] == "Y" for r in csv_rows)
    assert from_xml.release.effective_from == datetime.date(2024, 5, 2)


def test_place_of_service_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "pos.csv"
    path.write_text(
        "code,name,description,assigned\n"
        '11,Office,"Synthetic. (Effective January 1, 2020)",Y\n'
        "1,Bad,,Y\n"
        "12,,,Q\n"
    )
    with pytest.raises(CodeSetFileError) as exc:
        read_place_of_service(path).read_all()
    assert _problem_fields(exc) == {
        ("pos.csv", 3, "code"),
        ("pos.csv", 4, "name"),
        ("pos.csv", 4, "assigned"),
    }


def test_taxonomy_real_file(codeset_files: Path) -> None:
    path = codeset_files / "nucc_taxonomy/nucc_taxonomy_251.csv"
    rows = _dict_rows(path)
    parsed = read_taxonomy(path)
    records = parsed.read_all()
    assert [r.code for r in records] == [r["Code"] for r in rows]
    assert parsed.release.effective_from == datetime.date(2025, 7, 1)
    assert "25.1" in parsed.release.label


# --- MPFS --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "variant"), [("PFREV26B_nonQP.txt", "nonQP"), ("PFREV26B_QP.txt", "QP")]
)
def test_fee_schedule_real_file(codeset_files: Path, name: str, variant: str) -> None:
    path = codeset_files / "mpfs" / name
    with path.open(encoding="latin-1", newline="") as fh:
        raw = [r for r in csv.reader(fh) if r and not r[0].startswith("TRL-")]
    parsed = read_fee_schedule(path)
    records = parsed.read_all()
    assert len(records) == len(raw)
    assert parsed.release.variant == variant
    assert parsed.release.effective_from == datetime.date(2026, 1, 1)
    total = sum((Decimal(r[5]) for r in raw), Decimal(0))
    assert sum((r.non_facility_amount for r in records), Decimal(0)) == total
    assert all(isinstance(r.facility_amount, Decimal) for r in records)
    assert {r.modifier for r in records} == {r[4].strip() for r in raw}


def test_fee_schedule_bad_rows(codeset_files: Path, tmp_path: Path) -> None:
    lines = (codeset_files / "mpfs/PFREV26B_nonQP.txt").read_text(encoding="latin-1").splitlines()
    lines[1] = lines[1].replace('"0001354.35"', '"1354.3"', 1)
    lines[2] = lines[2].replace('"21610"', '"2161"', 1)
    lines.insert(-2, lines[5])  # a payment record among the trailer records
    path = tmp_path / "PFREV26B_nonQP.txt"
    path.write_text("\n".join(lines) + "\n", encoding="latin-1")
    with pytest.raises(CodeSetFileError) as exc:
        read_fee_schedule(path).read_all()
    fields = _problem_fields(exc)
    assert (path.name, 2, "non-facility fee schedule amount") in fields
    assert (path.name, 3, "HCPCS code") in fields
    assert (path.name, len(lines) - 2, "(row)") in fields


# --- CARC / RARC (X12's text: read from shared, never committed) -------------------------


@pytest.mark.parametrize("kind", [CodeSetKind.CARC, CodeSetKind.RARC])
def test_adjustment_codes_both_layouts_agree(codeset_files: Path, kind: CodeSetKind) -> None:
    name = kind.value
    split_rows = _dict_rows(codeset_files / f"carc_rarc/{name}.csv")
    split = read_adjustment_codes(kind, codeset_files / f"carc_rarc/{name}.csv").read_all()
    copied = read_adjustment_codes(
        kind, codeset_files / f"carc_rarc/{name}_x12_as_copied.csv"
    ).read_all()
    assert len(split) == len(copied) == len(split_rows)
    for a, b in zip(split, copied, strict=True):
        assert (a.code, a.description, a.start, a.last_modified, a.stop) == (
            b.code,
            b.description,
            b.start,
            b.last_modified,
            b.stop,
        )
    stopped = sum(bool(r["stop_date"]) for r in split_rows)
    assert sum(r.stop is not None for r in split) == stopped


def test_adjustment_codes_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "carc.csv"
    path.write_text(
        "code,description,start_date,last_modified_date,stop_date,notes\n"
        "1,Synthetic text,1995-01-01,,,\n"
        "1000,Synthetic text,1995-01-01,,,\n"
        "5,,01/01/1995,,,\n"
    )
    with pytest.raises(CodeSetFileError) as exc:
        read_code_set(CodeSetKind.CARC, [path]).read_all()
    assert _problem_fields(exc) == {
        ("carc.csv", 3, "code"),
        ("carc.csv", 4, "description"),
        ("carc.csv", 4, "start_date"),
    }


def test_only_ptp_takes_several_files(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="only PTP"):
        read_code_set(CodeSetKind.MUE, [tmp_path / "a", tmp_path / "b"])
