"""Shared test fixtures. Topic fixtures live beside their tests; tiny data builders in factories.py.

Tests are filed by what they test: ``tests/sources``, ``tests/routing`` (``test_<room>_<module>.py``),
``tests/dashboard``, ``tests/browser`` (a real chromium), ``tests/bench`` (the bench scripts run as
processes), and project-wide checks at the top. A test that reads the real bundle asks for
:func:`bundle_dir` and carries ``@pytest.mark.bundle`` (checked at collection); the Rennes network is
built once per run into :func:`rennes_cache`, shared by the pytest-xdist workers.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sys
from collections.abc import Iterator
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


@pytest.fixture(autouse=True)
def _main_module_restored() -> Iterator[None]:
    """Streamlit's AppTest runs the page as ``__main__`` and leaves it in ``sys.modules``; a later
    test of the same xdist worker that starts processes by spawning (dask's local cluster) would
    re-run that page in each child. Each test ends with the process's own ``__main__``."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


@pytest.fixture(scope="session")
def bundle_dir() -> Path:
    """The real Rennes bundle (``../shared/data/rennes`` or ``$SPMD_BUNDLE`` at start)."""
    path = Path(_BUNDLE_AT_START) if _BUNDLE_AT_START else settings.default_bundle_candidate()
    if not (path / "README.md").exists():
        pytest.skip(f"Rennes bundle not found at {path}")
    return path


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test that reaches the real bundle (``bundle_dir``, directly or through a fixture) must say so
    with ``@pytest.mark.bundle``, so that ``-m "not bundle"`` leaves exactly the self-contained tests."""
    unmarked = [item.nodeid for item in items
                if "bundle_dir" in getattr(item, "fixturenames", ()) and item.get_closest_marker("bundle") is None]
    if unmarked:
        raise pytest.UsageError("tests using the real bundle (bundle_dir) without @pytest.mark.bundle:\n  "
                                + "\n  ".join(unmarked))


def _run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory of this test run shared by all its xdist workers (each worker has its own base
    temp directory under it), or the base temp directory itself without xdist."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextlib.contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_path`` (one xdist worker at a time), released on exit."""
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def rennes_cache(bundle_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The cache directory of this test run where the Rennes network (the feed's representative
    weekday) is built: the first worker to get here builds it, the others wait and find it built.
    Dataset frames loaded with this cache are shared the same way (the cache's writes are atomic)."""
    from routing.network import load_network

    cache = _run_dir(tmp_path_factory) / "rennes-cache"
    cache.mkdir(exist_ok=True)
    with _exclusive(cache.parent / "rennes-cache.lock"):
        load_network(bundle=bundle_dir, cache=cache)
    return cache


@pytest.fixture(scope="session")
def rennes_network(bundle_dir: Path, rennes_cache: Path):
    """The Rennes network on the feed's representative weekday (Tuesday 15 November 2011), read from
    :func:`rennes_cache`. Shared by the tests of a worker: never modify it."""
    from routing.network import load_network

    return load_network(bundle=bundle_dir, cache=rennes_cache)


@pytest.fixture(scope="session")
def rennes_planner(rennes_network):
    """The planner as ``Planner.from_bundle`` gives it (the default scenario applied) on
    :func:`rennes_network`."""
    from routing.planner import Planner
    from routing.scenarios import network_with_scenario

    return Planner(network_with_scenario(rennes_network, "default"))


@pytest.fixture()
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh cache directory, also exported as SPMD_CACHE for code that reads settings."""
    path = tmp_path / "cache"
    path.mkdir()
    monkeypatch.setenv("SPMD_CACHE", str(path))
    return path


# -- the dashboard through AppTest (tests/dashboard/test_app.py, test_hostile_text.py) ------------

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
