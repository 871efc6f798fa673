"""ICD-10-CM: the index against the package it was built from, lookups and edits."""

from __future__ import annotations

import datetime
import gzip
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from openrcm.codesets import demo
from openrcm.codesets.demographics import (
    AGE_RULES,
    SEX_RULES,
    AgeRule,
    Sex,
    SexRule,
    age_conflict,
    age_range,
    sex_conflict,
    sex_restriction,
)
from openrcm.codesets.icd10cm import (
    Icd10cmIndex,
    ItemKind,
    LookupReason,
    forget_loaded_indexes,
    icd10cm_index,
)

IN_FORCE = datetime.date(2026, 5, 15)


def test_counts_agree_with_the_package(icd_index: Icd10cmIndex) -> None:
    import simple_icd_10_cm as cm

    listed = cm.get_all_codes(with_dots=True)
    billable_listed = [c for c in listed if cm.is_category_or_subcategory(c) and cm.is_leaf(c)]
    # The package's list has every item of the April 2026 tabular, and names a block and
    # the one category it holds twice (B20, F99, ...): 74,724 billable listings.
    assert len(listed) == icd_index.item_count == 98_505
    assert len(billable_listed) == 74_724
    ours = {e.code for e in icd_index.entries() if e.billable}
    assert ours == set(billable_listed)
    assert icd_index.billable_count == len(ours)
    doubled = sorted(c for c, n in Counter(billable_listed).items() if n > 1)
    assert len(billable_listed) - len(ours) == len(doubled)
    for name in doubled:
        block = icd_index.group(name)
        assert block is not None
        assert block.kind is ItemKind.BLOCK
    kinds = Counter(e.kind for e in icd_index.groups())
    assert kinds[ItemKind.CHAPTER] == 22


def test_index_file_is_small_and_labelled(icd_dir: Path, icd_index: Icd10cmIndex) -> None:
    path = next(icd_dir.glob("icd10cm-*.tsv.gz"))
    assert path.stat().st_size < 2_000_000
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        header = fh.readline()
    assert '"label": "ICD-10-CM 2026-04"' in header
    assert icd_index.release.effective_from == datetime.date(2026, 4, 1)
    assert icd_index.release.effective_to == datetime.date(2026, 9, 30)


@pytest.mark.parametrize("written", ["E11.9", "e119", " E11.9 ", "E119"])
def test_lookup_normalises(icd_index: Icd10cmIndex, written: str) -> None:
    found = icd_index.lookup(written, on=IN_FORCE)
    assert found.billable
    assert found.entry is not None
    assert found.code == "E11.9"
    assert found.entry.x12 == "E119"
    assert found.entry.description == "Type 2 diabetes mellitus without complications"
    assert found.entry.parent == "E11"
    assert found.entry.chapter == "4"


def test_lookup_reasons(icd_index: Icd10cmIndex) -> None:
    assert icd_index.lookup("E11", on=IN_FORCE).reason is LookupReason.HEADER
    assert icd_index.lookup("S52.521", on=IN_FORCE).reason is LookupReason.HEADER
    assert icd_index.lookup("S52.521A", on=IN_FORCE).billable
    assert icd_index.lookup("T36.0X1A", on=IN_FORCE).billable
    assert icd_index.lookup("E11.99", on=IN_FORCE).reason is LookupReason.NOT_A_CODE
    assert icd_index.lookup("E1.19", on=IN_FORCE).reason is LookupReason.BAD_FORM
    assert icd_index.lookup("11.9", on=IN_FORCE).reason is LookupReason.BAD_FORM
    assert icd_index.lookup("A00-A09", on=IN_FORCE).reason is LookupReason.BAD_FORM
    before = icd_index.lookup("E11.9", on=datetime.date(2026, 3, 31))
    after = icd_index.lookup("E11.9", on=datetime.date(2026, 10, 1))
    assert before.reason is after.reason is LookupReason.NOT_IN_FORCE
    assert before.entry is None
    assert "2026-04-01" in before.message


def test_block_and_category_of_the_same_name_are_kept_apart(icd_index: Icd10cmIndex) -> None:
    category = icd_index.entry("B99")
    block = icd_index.group("B99")
    assert category is not None
    assert category.kind is ItemKind.CATEGORY
    assert block is not None
    assert block.kind is ItemKind.BLOCK
    assert block.parent == "1"
    assert category.parent == "B99"


def test_cached_singleton(icd_dir: Path) -> None:
    forget_loaded_indexes()
    first = icd10cm_index(icd_dir, build_if_missing=False)
    assert icd10cm_index(icd_dir) is first
    with pytest.raises(FileNotFoundError, match="build-icd10"):
        icd10cm_index(icd_dir / "elsewhere", build_if_missing=False)
    forget_loaded_indexes()


def test_loading_the_index_does_not_import_the_package(icd_dir: Path) -> None:
    script = (
        "import sys; from pathlib import Path\n"
        "from openrcm.codesets.icd10cm import icd10cm_index\n"
        f"index = icd10cm_index(Path({str(icd_dir)!r}), build_if_missing=False)\n"
        "assert index.entry('I10').billable\n"
        "assert 'simple_icd_10_cm' not in sys.modules\n"
        "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules)\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True)


def test_demo_diagnoses_are_billable(icd_index: Icd10cmIndex) -> None:
    problems = [
        (code, icd_index.lookup(code, on=IN_FORCE).message)
        for code in demo.DEMO_DIAGNOSES
        if not icd_index.lookup(code, on=IN_FORCE).billable
    ]
    assert problems == []
    assert len(set(demo.DEMO_DIAGNOSES)) >= 60


def test_sex_and_age_rules_rest_on_the_classification(icd_index: Icd10cmIndex) -> None:
    rules: list[SexRule | AgeRule] = [*SEX_RULES, *AGE_RULES]
    for rule in rules:
        for end in (rule.codes.first, rule.codes.last):
            entry = icd_index.entry(end)
            assert entry is not None, f"{end} is not a category"
            title = entry.description.lower()
            block = icd_index.group(entry.parent)
            chapter = icd_index.group(entry.chapter)
            context = " ".join(
                x.description.lower() for x in (entry, block, chapter) if x is not None
            )
            assert rule.evidence in context, (rule, title)
    for rule in SEX_RULES:
        other = "female" if rule.sex is Sex.MALE else " male"
        entry = icd_index.entry(rule.codes.first)
        assert entry is not None
        assert other not in f" {entry.description.lower()}"


def _sex_of(code: str) -> Sex | None:
    found = sex_restriction(code)
    return None if found is None else found.sex


def test_sex_and_age_answers() -> None:
    assert _sex_of("O80") is Sex.FEMALE
    assert _sex_of("N40.0") is Sex.MALE
    assert _sex_of("Z3A.20") is Sex.FEMALE
    assert _sex_of("C61") is Sex.MALE
    assert sex_restriction("I10") is None
    assert sex_restriction("N39.0") is None  # urinary tract infection: both sexes
    assert sex_conflict("N40.0", "F") is not None
    assert sex_conflict("N40.0", "M") is None
    assert sex_conflict("N40.0", "U") is None
    found = age_range("O80")
    assert found is not None
    assert (found.min_years, found.max_years) == (12, 55)
    assert not found.strict
    assert age_conflict("O80", 30) is None
    assert age_conflict("O80", 60) is not None
    assert age_conflict("P59.9", 0) is None
    assert age_conflict("P59.9", 40) is not None
    assert age_range("E11.9") is None
