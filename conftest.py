"""Fixtures shared by every test package.

``shared_dir`` points at the project's shared material (real X12 samples and the official
code-set files). It lives beside the checkout (``../shared``) or where
``OPENRCM_SHARED_DIR`` says; where it is absent, tests that need it skip and say why, so a
fresh clone elsewhere still passes ``make test``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent


def find_shared_dir() -> Path | None:
    configured = os.environ.get("OPENRCM_SHARED_DIR")
    candidate = Path(configured) if configured else REPO_ROOT.parent / "shared"
    return candidate if candidate.is_dir() else None


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    found = find_shared_dir()
    if found is None:
        pytest.skip(
            "shared material not found: set OPENRCM_SHARED_DIR or place shared/ beside the "
            "checkout (it holds the public X12 samples and CMS/NUCC/X12 code files)"
        )
    return found
