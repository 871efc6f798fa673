"""The pure layers (x12, rules, codesets) import nothing from Django or the apps above them."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1]
PURE = ("x12", "rules", "codesets")
# What each pure package may import from openrcm (dependencies point down only).
ALLOWED_OPENRCM = {
    "x12": {"openrcm.x12"},
    "rules": {"openrcm.rules"},
    "codesets": {"openrcm.codesets", "openrcm.rules"},
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


@pytest.mark.parametrize("package", PURE)
def test_pure_package_source_imports_no_django_and_nothing_above_it(package):
    offenders = []
    for path in sorted((PACKAGE / package).rglob("*.py")):
        if "tests" in path.relative_to(PACKAGE).parts:
            continue
        for module in imported_modules(path):
            top = module.split(".")[0]
            if top == "django" or top.startswith("django_") or top == "ninja":
                offenders.append(f"{path.relative_to(PACKAGE)} imports {module}")
            if top == "openrcm" and not any(
                module == allowed or module.startswith(allowed + ".")
                for allowed in ALLOWED_OPENRCM[package]
            ):
                offenders.append(f"{path.relative_to(PACKAGE)} imports {module}")
    assert offenders == []


def test_importing_every_pure_module_loads_no_django():
    modules = [
        ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        for package in PURE
        for path in sorted((PACKAGE / package).rglob("*.py"))
        if "tests" not in path.relative_to(PACKAGE).parts and path.name != "__main__.py"
    ]
    script = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name.removesuffix('.__init__'))\n"
        "print(json.dumps(sorted(m for m in sys.modules if m == 'django' "
        "or m.startswith('django.'))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout) == []
