"""Shared test fixtures. Topic fixtures live beside their tests; tiny data builders in factories.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sources import settings


@pytest.fixture(scope="session")
def bundle_dir() -> Path:
    """The real Rennes bundle (``../shared/data/rennes`` or ``$SPMD_BUNDLE``)."""
    env = os.environ.get("SPMD_BUNDLE")
    path = Path(env) if env else settings.default_bundle_candidate()
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
