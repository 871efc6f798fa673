"""``CodeSets``: answers with nothing loaded, and from real and synthetic releases."""

from __future__ import annotations

import datetime
import difflib
from decimal import Decimal
from pathlib import Path

import pytest

from openrcm.codesets import CodeSets, CodeTables, Verdict
from openrcm.codesets.entries import to_stored
from openrcm.codesets.guidance import CARC_GUIDANCE, GROUPS, DenialCategory, patient_may_be_billed
from openrcm.codesets.icd10cm import Icd10cmIndex, LookupReason
from openrcm.codesets.loaders import read_code_set
from openrcm.codesets.loaders.adjustments import read_adjustment_codes
from openrcm.codesets.release import CodeSetKind
from openrcm.codesets.tests.conftest import FIXTURES

DOS = datetime.date(2026, 5, 15)


def _tables(*loaded: tuple[CodeSetKind, Path]) -> CodeTables:
    tables = CodeTables()
    for kind, path in loaded:
        parsed = read_code_set(kind, [path])
        tables.add(parsed.release, (to_stored(r) for r in parsed))
    return tables


def test_shipped_data_only(icd_index: Icd10cmIndex) -> None:
    sets = CodeSets(DOS, icd10cm=icd_index)
    assert sets.procedure_check("99213").ok
    assert (
        sets.procedure_check("99213").label == "office visit, established patient, low complexity"
    )
    assert sets.procedure_check("0001F").ok
    assert sets.procedure_check("0042T").ok
    assert sets.procedure_check("9921").verdict is Verdict.INVALID
    assert sets.procedure_check("G0439").ok
    assert sets.procedure_check("A4206").verdict is Verdict.UNKNOWN
    assert sets.modifier_check("25").ok
    assert sets.modifier_check("XS").ok
    assert sets.modifier_check("ZZ").verdict is Verdict.UNKNOWN
    assert sets.modifier_check("X").verdict is Verdict.INVALID
    assert sets.place_of_service_check("11").ok
    assert sets.place_of_service_check("28").verdict is Verdict.INVALID
    assert sets.taxonomy_check("207Q00000X").verdict is Verdict.UNKNOWN
    assert sets.mue("99213") is None
    assert sets.ptp_edit_between("99213", "36415") is None
    assert sets.fee("99213", carrier="01112", locality="05") is None
    info = sets.carc("45")
    assert info.official is None
    assert info.ours is not None
    assert info.ours.category is DenialCategory.CONTRACTUAL
    assert sets.diagnosis("E11.9").billable
    assert sets.diagnosis_conflicts("N40.0", sex="F", age_years=70) != []
    assert CodeSets(DOS).diagnosis("E11.9").reason is LookupReason.NOT_IN_FORCE


def test_loaded_real_releases(codeset_files: Path) -> None:
    tables = _tables(
        (CodeSetKind.HCPCS, codeset_files / "hcpcs/HCPC2025_OCT_ANWEB.csv"),
        (
            CodeSetKind.MUE,
            codeset_files / "ncci_mue/MCR_MUE_PractitionerServices_Eff_04-01-2026.csv",
        ),
        (CodeSetKind.POS, codeset_files / "pos/cs-CMS-PlaceofServiceCodes.xml"),
        (CodeSetKind.TAXONOMY, codeset_files / "nucc_taxonomy/nucc_taxonomy_251.csv"),
        (CodeSetKind.MPFS, codeset_files / "mpfs/PFREV26B_nonQP.txt"),
        (CodeSetKind.MPFS, codeset_files / "mpfs/PFREV26B_QP.txt"),
    )
    on = datetime.date(2025, 11, 3)
    sets = CodeSets(on, tables)
    hcpcs = read_code_set(CodeSetKind.HCPCS, [codeset_files / "hcpcs/HCPC2025_OCT_ANWEB.csv"])
    records = hcpcs.read_all()
    active = next(r for r in records if not r.is_modifier and r.valid_on(on))
    ended = next(r for r in records if not r.is_modifier and r.terminated and r.terminated < on)
    assert sets.procedure_check(active.code).ok
    assert sets.procedure_check(active.code).label == active.short_description
    assert sets.procedure_check(ended.code).verdict is Verdict.INVALID
    assert str(ended.terminated) in sets.procedure_check(ended.code).message
    assert sets.procedure_check("A0000").verdict is Verdict.INVALID
    assert sets.modifier_check("XS").ok
    assert sets.modifier_check("ZZ").verdict is Verdict.INVALID
    assert sets.modifier_check("25").ok  # CPT modifiers are numbers: accepted by form
    mue = sets.mue(active.code) or sets.mue("99213")
    assert mue is not None
    assert mue.adjudication_indicator in (1, 2, 3)
    assert sets.place_of_service_check("27").ok
    assert sets.place_of_service_check("28").verdict is Verdict.INVALID
    assert sets.taxonomy_check("207Q00000X").ok
    assert sets.taxonomy_check("207Q00001X").verdict is Verdict.INVALID
    non_qp = sets.fee("21610", carrier="01112", locality="05")
    qp = sets.fee("21610", carrier="01112", locality="05", qualifying_apm=True)
    assert non_qp is not None
    assert qp is not None
    assert non_qp.non_facility == Decimal("1337.33")
    assert qp.non_facility == Decimal("1344.00")


def test_ptp_edits_by_date_and_modifier() -> None:
    parsed = read_code_set(CodeSetKind.PTP, [FIXTURES / "ccipra-v321r0-f1-synthetic.txt"])
    tables = CodeTables()
    tables.add(parsed.release, (to_stored(r) for r in parsed))
    sets = CodeSets(DOS, tables)
    edit = sets.ptp_edit_between("11102", "10060")
    assert edit is not None
    assert (edit.column1, edit.column2) == ("10060", "11102")
    assert edit.bypassed_by(["59"])
    assert edit.bypassed_by(["XS", "RT"])
    assert not edit.bypassed_by(["25x", "TC"])
    strict = sets.ptp_edit("12001", "10060")
    assert strict is not None
    assert not strict.bypassed_by(["59"])
    assert sets.ptp_edit("10060", "12001") is None  # edits are directional
    # 20610/96372: the old edit (indicator 1) was deleted; a new one (0) began in 2026.
    assert sets.ptp_edit("20610", "96372").modifier_indicator == 0  # type: ignore[union-attr]
    old_day = CodeSets(datetime.date(2024, 3, 1), tables)
    assert old_day.ptp_edit("20610", "96372").modifier_indicator == 1  # type: ignore[union-attr]
    gap = CodeSets(datetime.date(2025, 9, 1), tables)
    assert gap.ptp_edit("20610", "96372") is None
    assert sets.ptp_edit("93000", "36415") is None  # indicator 9: never in force


def test_our_guidance_is_complete_and_in_our_own_words(codeset_files: Path) -> None:
    wanted = "1 2 3 4 5 6 7 11 16 18 22 23 26 27 29 31 45 50 96 97 109 119 151 167 197 204"
    for code in [*wanted.split(), "236", "242", "253", "B7"]:
        assert code in CARC_GUIDANCE, code
    official = {
        r.code: r.description
        for r in read_adjustment_codes(CodeSetKind.CARC, codeset_files / "carc_rarc/carc.csv")
    }
    for code, ours in CARC_GUIDANCE.items():
        assert code in official, f"{code} is not a CARC"
        for text in (ours.for_billers, ours.for_patients):
            ratio = difflib.SequenceMatcher(None, text.lower(), official[code].lower()).ratio()
            assert ratio < 0.6, (code, text)
    assert set(GROUPS) == {"CO", "PR", "OA", "PI", "CR"}
    assert GROUPS["CR"].legacy


@pytest.mark.parametrize(
    ("group", "carc", "billable"),
    [("PR", "1", True), ("PR", "2", True), ("CO", "45", False), ("CO", "50", False),
     ("PR", "50", True), ("PR", "29", False), ("OA", "23", False), ("PR", "999", True)],
)  # fmt: skip
def test_patient_may_be_billed(group: str, carc: str, billable: bool) -> None:
    assert patient_may_be_billed(group, carc) is billable


def test_pure_package_imports_no_django() -> None:
    import subprocess
    import sys

    script = (
        "import sys, pkgutil, importlib, openrcm.codesets as p\n"
        "for m in pkgutil.walk_packages(p.__path__, 'openrcm.codesets.'):\n"
        "    if '.tests' not in m.name: importlib.import_module(m.name)\n"
        "bad = [m for m in sys.modules if m.split('.')[0] == 'django' or "
        "(m.startswith('openrcm.') and m.split('.')[1] not in ('codesets', 'rules'))]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True)
