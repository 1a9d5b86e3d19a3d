"""A read-only or full cache directory, and temporary files (issue 12, classes 6 and 7).

* every command still works from the bundle, saying that caching is off;
* temporary files live under the cache directory and the leftovers of killed processes are
  removed at the next start (not those of live processes, not young ones).
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from sources import datasets, fetch, store, tempfiles
from sources.errors import FetchError
from sources.loaders import _zip
from sources.loaders.gtfs import load_gtfs
from sources.validate import Report
from tests.factories import make_gtfs_zip

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _fresh_tempfiles_state(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfiles, "_cleaned", set())
    monkeypatch.setattr(tempfiles, "_warned", set())


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

def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _age(path: Path, seconds: float) -> Path:
    then = time.time() - seconds
    os.utime(path, (then, then))
    return path


def test_feed_extraction_lives_under_the_cache(cache_dir: Path, tmp_path: Path) -> None:
    z = make_gtfs_zip(tmp_path / "f.zip")
    with _zip.open_feed_folder(z, wanted={"stops.txt"}, report=Report("t")) as files:
        folder = files["stops.txt"].parent
        assert folder.parent == cache_dir / "tmp"
        assert folder.name.startswith(f"spmd-feed-p{os.getpid()}-")
    assert not folder.exists()


def test_stale_leftovers_of_dead_processes_are_removed(cache_dir: Path) -> None:
    dead, live = _dead_pid(), os.getppid()
    made = {}
    for place, name in [("tmp", f"spmd-feed-p{dead}-abc"), ("frames", f".tmp-0123456789abcdef-p{dead}-x"),
                        ("networks", f".tmp-network-p{dead}-y"), ("bnlc", f".staging-p{dead}-z"),
                        (".", f".manifest-p{dead}-q.tmp"), ("networks", ".tmp-network-legacy")]:
        path = cache_dir / place / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if name.endswith(".tmp"):
            path.write_text("{}")
        else:
            path.mkdir()
            (path / "stop_times.txt").write_text("x" * 1000)
        made[name] = _age(path, 3600)
    kept = {
        "live": cache_dir / "tmp" / f"spmd-feed-p{live}-alive",
        "young": cache_dir / "tmp" / f"spmd-feed-p{dead}-young",
        "data": cache_dir / "bnlc" / "bnlc.csv",
        "entry": cache_dir / "frames" / "0123456789abcdef",
    }
    for key, path in kept.items():
        if key == "data":
            path.write_text("id\n")
        else:
            path.mkdir(exist_ok=True)
        _age(path, 0 if key == "young" else 3600)
    removed = tempfiles.clean_stale(cache_dir)
    assert sorted(p.name for p in removed if p.is_relative_to(cache_dir)) == sorted(made)
    assert not any(p.exists() for p in made.values())
    assert all(p.exists() for p in kept.values())
    assert tempfiles.clean_stale(cache_dir) == []  # once per process and cache directory


def test_leftovers_of_a_killed_run_go_at_the_next_start(cache_dir: Path) -> None:
    code = ("import os, signal\n"
            "from sources import tempfiles\n"
            "d = tempfiles.make_temp_dir('spmd-feed-', tempfiles.temp_dir())\n"
            "(d / 'stop_times.txt').write_bytes(b'x' * 100000)\n"
            "print(d, flush=True)\n"
            "os.kill(os.getpid(), signal.SIGKILL)\n")
    env = {**os.environ, "SPMD_CACHE": str(cache_dir)}
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env=env, timeout=120)
    assert res.returncode == -9
    leftover = Path(res.stdout.strip())
    assert leftover.parent == cache_dir / "tmp" and leftover.exists()
    _age(leftover, 3600)
    res = _run("sources", "catalogue", "--format", "json", env={"SPMD_CACHE": str(cache_dir)})
    assert res.returncode == 0, res.stderr
    assert not leftover.exists()


def test_full_cache_disk_while_extracting_a_feed(cache_dir: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                caplog: pytest.LogCaptureFixture) -> None:
    """The probe file fits but the feed does not: extraction moves to the system folder."""
    import builtins

    real_open = builtins.open
    used: list[Path] = []

    def open_or_full(file, mode="r", *args, **kwargs):  # noqa: ANN001, ANN202
        if "w" in mode and Path(file).is_relative_to(cache_dir):
            raise OSError(errno.ENOSPC, "No space left on device")
        if "w" in mode:
            used.append(Path(file))
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(_zip, "open", open_or_full, raising=False)
    with caplog.at_level(logging.WARNING):
        feed, _ = load_gtfs(make_gtfs_zip(tmp_path / "f.zip"))
    assert len(feed.stop_times) == 16
    assert used and all(p.parent.parent == Path(tempfile.gettempdir()) for p in used)
    assert not any(p.exists() for p in used)  # removed after loading
    assert any("caching is off" in r.getMessage() for r in caplog.records)
    assert list((cache_dir / "tmp").iterdir()) == []


def test_old_feed_folders_in_the_system_temp_folder_are_removed(cache_dir: Path) -> None:
    """Earlier versions extracted feeds into the system temporary folder (up to 1.1 GB each)."""
    legacy = Path(tempfile.mkdtemp(prefix="spmd-feed-"))  # no pid in the name: age only
    (legacy / "stop_times.txt").write_bytes(b"x" * 1000)
    young = Path(tempfile.mkdtemp(prefix="spmd-feed-"))
    _age(legacy, 3600)
    try:
        removed = tempfiles.clean_stale(cache_dir, force=True)
        assert legacy in removed and not legacy.exists()
        assert young.exists() and young not in removed
    finally:
        shutil.rmtree(legacy, ignore_errors=True)
        shutil.rmtree(young, ignore_errors=True)
