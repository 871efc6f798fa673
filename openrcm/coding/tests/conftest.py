from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def codeset_files(shared_dir: Path) -> Path:
    folder = shared_dir / "codesets"
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent: the official code-set files are not available")
    return folder
