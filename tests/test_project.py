"""Project-wide checks: lint, layering (only dashboard imports streamlit), no heavy work at import."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_is_clean() -> None:
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    if not Path(ruff).exists():
        pytest.skip("ruff not installed in this environment")
    result = subprocess.run([ruff, "check", str(ROOT)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout[-3000:]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", ["sources", "routing"])
def test_only_the_dashboard_imports_streamlit(package: str) -> None:
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / package).rglob("*.py")
                 if {"streamlit", "dashboard"} & _imports(p)]
    assert offenders == []


def test_sources_does_not_depend_on_routing_except_the_simulator() -> None:
    # data flows sources -> routing -> dashboard; the trace simulator asks a planner it is given
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "sources").rglob("*.py")
                 if "routing" in _imports(p) and p.name != "simulate.py"]
    assert offenders == []


def test_importing_the_packages_is_light() -> None:
    code = ("import sys, sources, sources.catalogue, routing, routing.planner, routing.accessibility; "
            "heavy = [m for m in ('skmob', 'streamlit', 'dask.distributed', 'osmnx', 'pyrosm') if m in sys.modules]; "
            "print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == ""
