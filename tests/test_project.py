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


def test_sources_never_imports_routing() -> None:
    # data flows sources -> routing -> dashboard (the trace simulator lives in routing)
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "sources").rglob("*.py")
                 if {"routing", "dashboard"} & _imports(p)]
    assert offenders == []


#: the packages each part may use, through their public names only
_LOWER = {"routing": ("sources",), "dashboard": ("routing", "sources"), "bench": ("routing", "sources")}


def _private_uses(path: Path, lower: tuple[str, ...]) -> list[str]:
    """Private names of the packages ``lower`` that ``path`` uses: ``from routing.x import _y``,
    ``from sources.traces._mod import y``, ``planner._end`` on a module imported from them."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bad: list[str] = []
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] in lower:
                    if any(part.startswith("_") for part in a.name.split(".")):
                        bad.append(a.name)
                    modules.add(a.asname or a.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] not in lower:
                continue
            if any(part.startswith("_") for part in node.module.split(".")):
                bad.append(node.module)
            for a in node.names:
                if a.name.startswith("_"):
                    bad.append(f"{node.module}.{a.name}")
                modules.add(a.asname or a.name)
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules
                and node.attr.startswith("_") and not node.attr.startswith("__")):
            bad.append(f"{node.value.id}.{node.attr}")
    return bad


@pytest.mark.parametrize("part", sorted(_LOWER))
def test_each_part_uses_only_the_public_names_of_the_layers_below(part: str) -> None:
    offenders = {str(p.relative_to(ROOT)): _private_uses(p, _LOWER[part]) for p in (ROOT / part).rglob("*.py")}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_importing_the_packages_is_light() -> None:
    code = ("import sys, sources, sources.catalogue, routing, routing.planner.planner, routing.accessibility.engine; "
            "heavy = [m for m in ('skmob', 'streamlit', 'dask.distributed', 'osmnx', 'pyrosm') if m in sys.modules]; "
            "print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == ""
