"""The dashboard's house, read from the source with ``ast`` (imports inside functions count):
no import cycle between its modules, translations and the Streamlit-free helpers free of pages and
state, and only the public names of ``routing`` and ``sources``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "dashboard"

#: what the dashboard may import from the layers below: the packages, routing's rooms (their
#: ``__init__``), routing's base modules, and the public submodules of sources
ROUTING_BASE = {"routing.places", "routing.constants", "routing.args", "routing.messages", "routing.linking",
                "routing.errors", "routing.clock"}
ROUTING_ROOMS = {f"routing.{p.name}" for p in (ROOT / "routing").iterdir() if (p / "__init__.py").exists()}
SOURCES_PUBLIC = {"sources.geo", "sources.settings", "sources.i18n", "sources.loaders", "sources.traces"}
SOURCES_PREFIXES = ("sources.loaders.", "sources.traces.")
#: modules with no Streamlit: they import neither streamlit nor the modules that do
STREAMLIT_FREE = {"dashboard.maps", "dashboard.leaflet", "dashboard.export", "dashboard.share", "dashboard.served",
                  "dashboard.services", "dashboard.services.accessibility",
                  "dashboard.services.scenarios", "dashboard.services.transit"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(path: Path) -> set[str]:
    """Every module name ``path`` imports (``from a import b`` gives ``a`` and ``a.b``), at any depth."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import"
            names.add(node.module or "")
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return names


MODULES = {_module_name(p): p for p in DASHBOARD.rglob("*.py")}
IMPORTS = {name: _imported(path) for name, path in MODULES.items()}
GRAPH = {name: {m for m in found if m in MODULES and m not in (name, "dashboard")} for name, found in IMPORTS.items()}


def _cycle() -> list[str]:
    """One import cycle between dashboard modules (empty when there is none)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(GRAPH[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = 2
        stack.pop()
        return []

    for node in sorted(GRAPH):
        if node not in state and (found := visit(node)):
            return found
    return []


def test_no_import_cycle_in_the_dashboard() -> None:
    assert _cycle() == []


def test_translations_import_no_page_and_no_state() -> None:
    assert GRAPH["dashboard.i18n"] == set()


@pytest.mark.parametrize("name", sorted(STREAMLIT_FREE))
def test_helpers_without_streamlit(name: str) -> None:
    assert not {m for m in IMPORTS[name] if m.split(".")[0] == "streamlit"}
    assert GRAPH[name] <= STREAMLIT_FREE, GRAPH[name] - STREAMLIT_FREE


def _allowed(module: str) -> bool:
    top = module.split(".")[0]
    if top == "routing":
        return module == "routing" or module in ROUTING_BASE or module in ROUTING_ROOMS
    if top == "sources":
        return module == "sources" or module in SOURCES_PUBLIC or module.startswith(SOURCES_PREFIXES)
    return True


def test_the_dashboard_imports_only_public_modules_of_routing_and_sources() -> None:
    offenders = {}
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        bad = [a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names
               if not _allowed(a.name)]
        bad += [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                if node.module and not _allowed(node.module)]
        if bad:
            offenders[name] = bad
    assert offenders == {}
