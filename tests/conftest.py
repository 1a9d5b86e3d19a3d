"""Shared test fixtures. Topic fixtures live beside their tests; tiny data builders in factories.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sources import settings

#: the bundle as the test run was started with (``./dev test`` exports SPMD_BUNDLE)
_BUNDLE_AT_START = os.environ.get("SPMD_BUNDLE")


@pytest.fixture(autouse=True)
def _hermetic_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests never inherit the developer's bundle, cache or offline switch: they ask for them."""
    monkeypatch.delenv("SPMD_BUNDLE", raising=False)
    monkeypatch.delenv("SPMD_OFFLINE", raising=False)
    monkeypatch.delenv("SPMD_BASE_URL_OVERRIDE", raising=False)
    monkeypatch.setenv("SPMD_CACHE", str(tmp_path_factory.getbasetemp() / "spmd-cache"))


@pytest.fixture(scope="session")
def bundle_dir() -> Path:
    """The real Rennes bundle (``../shared/data/rennes`` or ``$SPMD_BUNDLE`` at start)."""
    path = Path(_BUNDLE_AT_START) if _BUNDLE_AT_START else settings.default_bundle_candidate()
    if not (path / "README.md").exists():
        pytest.skip(f"Rennes bundle not found at {path}")
    return path


@pytest.fixture()
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh cache directory, also exported as SPMD_CACHE for code that reads settings."""
    path = tmp_path / "cache"
    path.mkdir()
    monkeypatch.setenv("SPMD_CACHE", str(path))
    return path


# -- the dashboard through AppTest (tests/test_dashboard_apptest.py, test_dashboard_hostile.py) --------

@pytest.fixture()
def app_planner():
    """The dashboard's planner and dataset loader replaced (``dashboard.state.set_override``) by the
    small real ones of tests/browser_helpers: the :class:`SmallPlanner` (returned, its ``calls``
    recorded) and tiny frames in the loaders' column contracts."""
    from dashboard import state
    from tests.browser_helpers import SmallPlanner, small_loader

    p = SmallPlanner()
    state.set_override("planner", lambda: p)
    state.set_override("load_dataset", small_loader)
    yield p
    state.clear_overrides()


@pytest.fixture(scope="module")
def tiny_access(tmp_path_factory):
    """The accessibility context on the tiny network of tests/planner_fixtures (4 stops, bike share at
    nodes 20, 10, 3, 13) and a 200 m grid over it, two communes of 10 people per cell."""
    import pandas as pd
    import shapely

    from dashboard.services.accessibility import AccessContext
    from routing.accessibility.engine import AccessibilityEngine
    from routing.network.zones import laea_grid
    from tests.planner_fixtures import make_network

    net = make_network(tmp_path_factory.mktemp("acc_net"))
    grid = laea_grid(shapely.box(-1.684, 48.093, -1.662, 48.114))
    grid["insee"] = ["35238" if lon < -1.673 else "35051" for lon in grid["lon"]]
    grid["population"] = 10.0
    names = pd.Series({"35238": "Rennes", "35051": "Cesson-Sévigné"})
    return AccessContext(AccessibilityEngine(net), grid, names)


@pytest.fixture()
def accessibility_app(app_planner, tiny_access):
    """The accessibility page rendered by AppTest on :func:`tiny_access` (bike-share stations, walking)."""
    from streamlit.testing.v1 import AppTest

    from dashboard import state

    state.set_override("access", lambda: tiny_access)
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py"), default_timeout=60)
    at.session_state["acc_opp"] = "bikeshare"
    at.session_state["acc_mode"] = "walk"
    at.run()
    at.switch_page("pages/accessibility.py").run()
    return at
