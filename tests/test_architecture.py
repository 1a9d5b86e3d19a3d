"""The boundaries the README promises, read from the source with ``ast`` (imports inside functions
count): no import cycle, routing's arrows run one way, one routing module reads the catalogue,
the dashboard, the benches and devkit use only the public faces of routing and sources, and devkit
(what tests and benches share) stays outside the shipped packages and apart from tests and bench."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("sources", "routing", "dashboard")
#: what the tests and the benches share; not shipped
DEVKIT = "devkit"

#: routing's rooms from the bottom up: a module may import its own rank or lower, never higher
ROUTING_RANKS = {
    "constants": 0, "errors": 0, "args": 0, "clock": 0, "derived": 0, "messages": 0, "places": 0,
    "streets": 1, "transit": 1,
    "linking": 2,
    "network": 3,
    "planner": 4, "accessibility": 4, "scenarios": 4,
    "cli": 5,
}
#: the one routing module that reads the catalogue, the fetch cache and the frame store
CATALOGUE_READER = "routing.network.inputs"
CATALOGUE_MODULES = ("sources.datasets", "sources.fetch", "sources.store", "sources.catalogue", "sources.settings")
CATALOGUE_NAMES = {"load", "load_many", "fetch", "settings", "all_datasets", "get_dataset",
                   "load_tessellation", "load_business_zones"}
#: sources' public modules besides ``sources`` itself (README, "Public API")
SOURCES_PUBLIC = ("sources.geo", "sources.settings", "sources.i18n", "sources.loaders", "sources.traces")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules(*packages: str) -> dict[str, Path]:
    return {_module_name(p): p for pkg in packages for p in sorted((ROOT / pkg).rglob("*.py"))}


def _imports(path: Path, name: str) -> list[tuple[str, list[str], int]]:
    """(imported module, names taken from it, line) for every import, inside functions too."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(a.name, [], node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            out.append((module, [a.name for a in node.names], node.lineno))
    return out


def _graph() -> nx.DiGraph:
    mods = _modules(*PACKAGES, DEVKIT)
    g = nx.DiGraph()
    g.add_nodes_from(mods)
    for name, path in mods.items():
        for module, names, _ in _imports(path, name):
            targets = [f"{module}.{n}" for n in names if f"{module}.{n}" in mods]
            if module in mods and len(targets) < len(names) or not names:
                targets.append(module)
            g.add_edges_from((name, t) for t in targets if t in mods and t != name)
    return g


def test_no_import_cycle_counting_imports_inside_functions() -> None:
    g = _graph()
    cycles = [sorted(c) for c in nx.strongly_connected_components(g) if len(c) > 1]
    assert not cycles, f"import cycles: {cycles}"


def test_the_cycle_check_sees_an_import_inside_a_function(tmp_path: Path) -> None:
    source = "def f():\n    from routing.linking import link\n"
    (tmp_path / "m.py").write_text(source)
    assert ("routing.linking", ["link"], 2) in _imports(tmp_path / "m.py", "routing.streets.m")


def _room(module: str) -> str:
    return module.split(".")[1] if module.count(".") else ""


def test_routing_arrows_run_one_way() -> None:
    """cli -> planner/accessibility/scenarios -> network -> linking -> streets/transit -> base."""
    mods = _modules("routing")
    assert {_room(m) for m in mods} - {"", "__main__"} == set(ROUTING_RANKS), "a room without a rank"
    wrong = []
    for name, path in mods.items():
        if _room(name) in ("", "__main__"):
            continue
        for module, _, line in _imports(path, name):
            if module.startswith("routing.") and ROUTING_RANKS[_room(module)] > ROUTING_RANKS[_room(name)]:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not wrong, "imports against the arrows:\n" + "\n".join(wrong)


def test_one_routing_module_reads_the_catalogue() -> None:
    readers = []
    for name, path in _modules("routing").items():
        for module, names, line in _imports(path, name):
            hit = module in CATALOGUE_MODULES or (
                module in ("sources", "sources.traces.flows") and CATALOGUE_NAMES & set(names))
            if hit and name != CATALOGUE_READER:
                readers.append(f"{path.relative_to(ROOT)}:{line} imports {module} {names}")
    assert not readers, f"only {CATALOGUE_READER} reads the catalogue:\n" + "\n".join(readers)


def _public_problem(module: str, names: list[str]) -> str | None:
    """Why importing ``names`` from ``module`` is not a public import (None when it is)."""
    if any(n.startswith("_") for n in names) or any(p.startswith("_") for p in module.split(".")):
        return "a private name"
    if module == "routing" or module == "sources":
        return None
    if module.startswith("routing."):
        parts = module.split(".")
        if len(parts) > 2 or parts[1] not in ROUTING_RANKS:
            return "not a room's public face (import from routing or routing.<room>)"
        face = importlib.import_module(module)
        if hasattr(face, "__path__"):  # a room: only its __all__
            missing = [n for n in names if n not in getattr(face, "__all__", ())]
            if missing or not names:
                return f"not in {module}.__all__: {missing or 'a bare import'}"
        return None
    if module.startswith("sources."):
        if any(module == p or module.startswith(p + ".") for p in SOURCES_PUBLIC):
            return None
        return "not one of sources' public modules"
    return None


@pytest.mark.parametrize("package", ["dashboard", "bench", DEVKIT])
def test_dashboard_bench_and_devkit_use_only_public_names(package: str) -> None:
    bad = []
    for name, path in _modules(package).items():
        for module, names, line in _imports(path, name):
            if module.split(".")[0] not in ("routing", "sources"):
                continue
            problem = _public_problem(module, names)
            if problem:
                bad.append(f"{path.relative_to(ROOT)}:{line} from {module} import {names}: {problem}")
    assert not bad, "non-public imports:\n" + "\n".join(bad)


def test_the_public_check_refuses_a_module_behind_a_room() -> None:
    assert _public_problem("routing.transit.csa", ["profile"]) is not None
    assert _public_problem("routing.transit", ["profile"]) is None
    assert _public_problem("routing.transit", ["_ride_ok"]) is not None
    assert _public_problem("sources.store", ["file_digest"]) is not None
    assert _public_problem("sources", ["load"]) is None


def test_devkit_stands_apart() -> None:
    """The shipped packages never import devkit; devkit never imports tests or bench (not even a
    bench script by its bare name, as the benches import each other); bench never imports tests."""
    banned = {package: {DEVKIT} for package in PACKAGES}
    banned[DEVKIT] = {"tests", "bench"} | {p.stem for p in (ROOT / "bench").glob("*.py")}
    banned["bench"] = {"tests"}
    bad = [f"{path.relative_to(ROOT)}:{line} imports {module}"
           for package, names in banned.items() for name, path in _modules(package).items()
           for module, _, line in _imports(path, name) if module.split(".")[0] in names]
    assert (ROOT / DEVKIT / "__init__.py").exists()
    assert not bad, "devkit crosses a boundary:\n" + "\n".join(bad)
