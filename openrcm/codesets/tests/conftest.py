"""Fixtures for the pure code-set tests: the ICD-10-CM index is built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from openrcm.codesets.icd10cm import Icd10cmIndex, build_icd10cm_index

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def icd_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("codesets")
    build_icd10cm_index(directory)
    return directory


@pytest.fixture(scope="session")
def icd_index(icd_dir: Path) -> Icd10cmIndex:
    return Icd10cmIndex(next(icd_dir.glob("icd10cm-*.tsv.gz")))


@pytest.fixture(scope="session")
def codeset_files(shared_dir: Path) -> Path:
    folder = shared_dir / "codesets"
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent: the official code-set files are not available")
    return folder
