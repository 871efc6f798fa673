"""Loading releases into the database, versions by date, the snapshot and the command."""

from __future__ import annotations

import csv
import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from openrcm.codesets import Verdict
from openrcm.coding.models import CodeSetEntry, CodeSetRelease
from openrcm.coding.selectors import codesets_on, releases_for
from openrcm.coding.services import CodeSetLoadError, codeset_load
from openrcm.core.testing import TEST_ACTOR
from openrcm.privacy.models import AuditEvent

pytestmark = pytest.mark.django_db

HCPCS_HEADER = ["HCPC", "SEQNUM", "RECID", "LONG DESCRIPTION", "SHORT DESCRIPTION"]
HCPCS_HEADER += ["ADD DT", "ACT EFF DT", "TERM DT", "ACTION CD", "COV"]
PTP = Path(__file__).resolve().parents[2] / "codesets/tests/fixtures/ccipra-v321r0-f1-synthetic.txt"


def _hcpcs_file(folder: Path, name: str, rows: list[tuple[str, str, str, str, str]]) -> Path:
    """A small synthetic HCPCS file in CMS's layout: (code, recid, added, ended, action)."""
    path = folder / name
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HCPCS_HEADER)
        for code, recid, added, ended, action in rows:
            text = f"Synthetic item {code}"
            writer.writerow([code, "0010", recid, text, text, added, added, ended, action, "C"])
    return path


def test_load_real_hcpcs_twice_is_a_no_op(codeset_files: Path) -> None:
    path = codeset_files / "hcpcs/HCPC2025_OCT_ANWEB.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        expected = sum(1 for _ in csv.DictReader(fh))
    first = codeset_load(actor=TEST_ACTOR, kind="hcpcs", paths=[path])
    assert first.created
    assert first.release.row_count == expected == CodeSetEntry.objects.count()
    assert first.release.effective_from == datetime.date(2025, 10, 1)
    assert first.release.loaded_by == TEST_ACTOR.label
    assert len(first.release.sha256) == 64
    audits = AuditEvent.objects.filter(object_type="coding.codesetrelease").count()
    assert audits == 1
    again = codeset_load(actor=TEST_ACTOR, kind="hcpcs", paths=[path])
    assert not again.created
    assert "already loaded" in again.message
    assert again.release.pk == first.release.pk
    assert CodeSetRelease.objects.count() == 1
    assert CodeSetEntry.objects.count() == expected


def test_bad_file_stores_nothing(tmp_path: Path) -> None:
    good = _hcpcs_file(tmp_path, "HCPC2026_JAN_ANWEB.csv", [("A9001", "3", "20200101", "", "N")])
    codeset_load(actor=TEST_ACTOR, kind="hcpcs", paths=[good])
    rows = [(f"A{n:04d}", "3", "20200101", "", "N") for n in range(3000)]
    rows[2500] = ("A9", "3", "20200101", "", "N")
    rows[2700] = ("A2700", "3", "2020-01-01", "", "N")
    bad = _hcpcs_file(tmp_path, "HCPC2026_APR_ANWEB.csv", rows)
    with pytest.raises(CodeSetLoadError) as exc:
        codeset_load(actor=TEST_ACTOR, kind="hcpcs", paths=[bad])
    where = {(p.file, p.line, p.field) for p in exc.value.problems}
    assert where == {
        (bad.name, 2502, "HCPC"),
        (bad.name, 2702, "ADD DT"),
        (bad.name, 2702, "ACT EFF DT"),
    }
    assert "line 2502, field 'HCPC'" in str(exc.value)
    assert CodeSetRelease.objects.count() == 1
    assert CodeSetEntry.objects.count() == 1
    assert CodeSetRelease.objects.get().effective_to == datetime.date(2026, 3, 31)


def test_versions_by_date_of_service(tmp_path: Path) -> None:
    july = _hcpcs_file(
        tmp_path,
        "HCPC2026_JUL_ANWEB.csv",
        [("A9001", "3", "20200101", "", "N"), ("A9002", "3", "20200101", "", "N"),
         ("ZA", "7", "20200101", "", "N")],
    )  # fmt: skip
    october = _hcpcs_file(
        tmp_path,
        "HCPC2026_OCT_ANWEB.csv",
        [("A9001", "3", "20200101", "", "N"), ("A9002", "3", "20200101", "20260930", "D"),
         ("A9003", "3", "20261001", "", "A"), ("ZA", "7", "20200101", "", "N")],
    )  # fmt: skip
    codeset_load(actor=TEST_ACTOR, kind="hcpcs", paths=[july])
    codeset_load(actor=TEST_ACTOR, kind="hcpcs", paths=[october])
    in_july = codesets_on(datetime.date(2026, 8, 14))
    in_november = codesets_on(datetime.date(2026, 11, 2))
    assert in_july.procedure_check("A9002").ok
    assert in_july.procedure_check("A9003").verdict is Verdict.INVALID
    assert in_november.procedure_check("A9002").verdict is Verdict.INVALID
    assert in_november.procedure_check("A9003").ok
    assert in_november.modifier_check("ZA").ok
    # After the newest quarter, the newest release still answers (not nothing).
    later = codesets_on(datetime.date(2027, 2, 1))
    assert later.procedure_check("A9003").ok
    assert [r.label for r in releases_for(datetime.date(2026, 8, 14))] == ["HCPCS Level II 2026-07"]


def test_overlapping_release_ends_the_previous(tmp_path: Path) -> None:
    first = tmp_path / "pos-2024.csv"
    first.write_text(
        "code,name,description,assigned\n"
        '11,Office,"Synthetic (Effective January 1, 2024)",Y\n'
        "27,Unassigned,,N\n"
    )
    second = tmp_path / "pos-2025.csv"
    second.write_text(
        "code,name,description,assigned\n"
        '11,Office,"Synthetic (Effective January 1, 2024)",Y\n'
        '27,Outreach site,"Synthetic (Effective October 1, 2025)",Y\n'
    )
    old = codeset_load(actor=TEST_ACTOR, kind="pos", paths=[first]).release
    outcome = codeset_load(actor=TEST_ACTOR, kind="pos", paths=[second])
    old.refresh_from_db()
    assert old.effective_to == datetime.date(2025, 9, 30)
    assert old.superseded_by_id == outcome.release.pk
    assert [r.pk for r in outcome.ended] == [old.pk]
    assert "ended" in outcome.message
    assert codesets_on(datetime.date(2025, 9, 30)).place_of_service_check("27").verdict is (
        Verdict.INVALID
    )
    assert codesets_on(datetime.date(2025, 10, 1)).place_of_service_check("27").ok


def test_nothing_loaded_uses_shipped_data() -> None:
    sets = codesets_on(datetime.date(2026, 5, 1))
    assert sets.releases() == [] or [r.kind for r in sets.releases()] == ["icd10cm"]
    assert sets.procedure_check("99214").ok
    assert sets.modifier_check("59").ok
    assert sets.place_of_service_check("11").ok
    assert sets.carc("97").ours is not None


def test_ptp_load_and_snapshot() -> None:
    outcome = codeset_load(actor=TEST_ACTOR, kind="ptp", paths=[PTP])
    assert outcome.release.row_count == 6
    sets = codesets_on(datetime.date(2026, 5, 1))
    edit = sets.ptp_edit_between("10060", "11102")
    assert edit is not None
    assert edit.modifier_indicator == 1


def test_fee_amounts_stay_decimal(codeset_files: Path) -> None:
    codeset_load(actor=TEST_ACTOR, kind="mpfs", paths=[codeset_files / "mpfs/PFREV26B_QP.txt"])
    fee = codesets_on(datetime.date(2026, 6, 1)).fee(
        "21610", carrier="01112", locality="05", qualifying_apm=True
    )
    assert fee is not None
    assert str(fee.non_facility) == "1344.00"


def test_carc_text_loaded_at_run_time(codeset_files: Path) -> None:
    path = codeset_files / "carc_rarc/carc_x12_as_copied.csv"
    outcome = codeset_load(actor=TEST_ACTOR, kind="carc", paths=[path])
    assert outcome.release.row_count == 407
    info = codesets_on(datetime.date(2026, 1, 5)).carc("45")
    assert info.official is not None
    assert info.ours is not None
    assert info.official.description != info.ours.for_billers


def test_command_load_list_and_errors(tmp_path: Path) -> None:
    path = _hcpcs_file(tmp_path, "HCPC2026_JAN_ANWEB.csv", [("A9001", "3", "20200101", "", "N")])
    out = StringIO()
    call_command("codesets", "load", "hcpcs", str(path), stdout=out)
    assert "loaded HCPCS Level II 2026-01: 1 rows" in out.getvalue()
    out = StringIO()
    call_command("codesets", "load", "hcpcs", str(path), stdout=out)
    assert "nothing changed" in out.getvalue()
    out = StringIO()
    call_command("codesets", "list", stdout=out)
    assert "HCPCS Level II 2026-01" in out.getvalue()
    assert "2026-03-31" in out.getvalue()
    broken = _hcpcs_file(tmp_path, "HCPC2026_APR_ANWEB.csv", [("A90", "3", "20200101", "", "N")])
    with pytest.raises(CommandError, match=r"line 2, field 'HCPC'"):
        call_command("codesets", "load", "hcpcs", str(broken), stdout=StringIO())
    with pytest.raises(CommandError, match="does not exist"):
        call_command("codesets", "load", "mue", str(tmp_path / "missing.csv"), stdout=StringIO())
    assert CodeSetRelease.objects.count() == 1


def test_command_help_for_each_subcommand() -> None:
    import subprocess
    import sys

    for args in (["--help"], ["load", "--help"], ["list", "--help"], ["build-icd10", "--help"]):
        result = subprocess.run(
            [sys.executable, "-m", "openrcm.cli", "codesets", *args],
            capture_output=True,
            text=True,
            check=True,
        )
        assert "usage:" in result.stdout
