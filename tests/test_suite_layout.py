"""The test suite itself: tests never import the benches (bench/ scripts are run as processes), and
every test module lives in the folder of the package it tests."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
FOLDERS = {"sources", "routing", "dashboard", "browser", "bench"}


def _imported_packages(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_tests_never_import_bench() -> None:
    offenders = [str(p.relative_to(TESTS)) for p in TESTS.rglob("*.py") if "bench" in _imported_packages(p)]
    assert offenders == []


def test_test_modules_are_filed_by_package() -> None:
    top = {p.name for p in TESTS.glob("test_*.py")}
    assert top <= {"test_architecture.py", "test_project.py", "test_public_api.py", "test_suite_layout.py"}, top
    folders = {p.parent.relative_to(TESTS).parts[0] for p in TESTS.rglob("test_*.py") if p.parent != TESTS}
    assert folders <= FOLDERS, folders
    assert all((TESTS / f / "__init__.py").exists() for f in folders)
