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
