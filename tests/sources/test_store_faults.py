"""A read-only or full cache directory (sources.store, sources.datasets, sources.fetch): every
command still works from the bundle, saying that caching is off. Temporary files: test_tempfiles.py."""

from __future__ import annotations

import errno
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from sources import datasets, fetch, store, tempfiles
from sources.errors import FetchError

ROOT = Path(__file__).resolve().parents[2]


pytestmark = pytest.mark.usefixtures("fresh_tempfiles_state")


@pytest.fixture()
def readonly_cache(tmp_path: Path) -> Iterator[Path]:
    """A cache directory nobody can write: chmod 555, plus the immutable flag when running as
    root (root ignores permissions). Skipped when the system offers neither."""
    path = tmp_path / "ro-cache"
    path.mkdir()
    path.chmod(0o555)
    immutable = False
    if os.geteuid() == 0 and shutil.which("chattr"):
        immutable = subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode == 0
    try:
        try:
            (path / "probe").write_text("x")
        except OSError:
            pass
        else:
            pytest.skip("cannot make a read-only directory here")
        yield path
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(path)], check=False)
        path.chmod(0o755)


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True,
                          cwd=ROOT, env=full, timeout=300)


@pytest.mark.bundle
def test_validate_from_the_bundle_with_a_read_only_cache(readonly_cache: Path,
                                                        bundle_dir: Path) -> None:
    res = _run("sources", "validate", "velo-star", "star-gtfs", "bnlc",
               "--bundle", str(bundle_dir), "--cache", str(readonly_cache))
    assert res.returncode == 0, res.stderr
    assert "caching is off" in res.stderr
    assert "Traceback" not in res.stderr
    for dataset in ("velo-star", "star-gtfs", "bnlc"):
        assert dataset in res.stdout
    assert "unusable" not in res.stdout
    assert list(readonly_cache.iterdir()) == []


@pytest.mark.bundle
def test_load_with_a_read_only_cache_in_process(readonly_cache: Path, bundle_dir: Path,
                                                caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        loaded = datasets.load("star-gtfs", bundle=bundle_dir, cache=readonly_cache)
        again = datasets.load("velo-star", bundle=bundle_dir, cache=readonly_cache)
    assert len(loaded.data.trips) > 1000 and len(again.data) > 10
    assert any("caching is off" in r.getMessage() for r in caplog.records)
    assert tempfiles.temp_dir(readonly_cache) == Path(tempfiles.tempfile.gettempdir())


def test_download_into_a_read_only_cache_is_a_clean_fetch_error(readonly_cache: Path) -> None:
    with pytest.raises(FetchError, match="caching is off"):
        fetch.fetch("bnlc", cache=readonly_cache, urls=["http://127.0.0.1:9/bnlc.csv"],
                    retries=0, offline=False)


def _disk_full(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.bundle
def test_full_disk_loads_without_caching(bundle_dir: Path, cache_dir: Path,
                                         monkeypatch: pytest.MonkeyPatch,
                                         caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(pd.DataFrame, "to_parquet", _disk_full)
    with caplog.at_level(logging.WARNING):
        loaded = datasets.load("bnlc", bundle=bundle_dir, cache=cache_dir)
    assert len(loaded.data) > 1000
    assert any("caching is off" in r.getMessage() and "No space left" in r.getMessage()
               for r in caplog.records)
    frames = cache_dir / "frames"
    assert not frames.exists() or list(frames.iterdir()) == []  # no half-written entry left
    key = store.cache_key([bundle_dir / "carpool" / "bnlc-2024-05-16.csv"],
                          loader="sources.loaders.carpool:load_bnlc", options={})
    assert store.load(key, cache=cache_dir) is None


def test_full_disk_for_temporary_files_falls_back(cache_dir: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfiles.tempfile, "NamedTemporaryFile", _disk_full)
    assert tempfiles.temp_dir(cache_dir) == Path(tempfiles.tempfile.gettempdir())
    monkeypatch.undo()
    monkeypatch.setenv("SPMD_CACHE", str(cache_dir))
    assert tempfiles.temp_dir(cache_dir) == cache_dir / "tmp"


# -- temporary files ----------------------------------------------------------------------------
