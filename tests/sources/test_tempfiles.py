"""Temporary files (sources.tempfiles): they live under the cache directory, the leftovers of killed
processes are removed at the next start (not those of live processes, not young ones), and the one
atomic write leaves nothing behind when it fails."""

from __future__ import annotations

import errno
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from sources import tempfiles
from sources.loaders import _zip
from sources.loaders.gtfs import load_gtfs
from sources.tempfiles import atomic_write
from sources.validate import Report
from tests.factories import make_gtfs_zip

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.usefixtures("fresh_tempfiles_state")


def test_atomic_write_reports_failures_and_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "cache" / "grid.parquet"
    atomic_write(target, lambda p: p.write_text("v1"))
    assert target.read_text() == "v1"

    def broken(p: Path) -> None:
        p.write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, broken)
    assert target.read_text() == "v1" and sorted(p.name for p in target.parent.iterdir()) == ["grid.parquet"]
    folder = tmp_path / "net"
    atomic_write(folder, lambda p: (p / "meta.json").write_text("{}"), folder=True)
    # another writer's copy is kept when replace=False
    atomic_write(folder, lambda p: (p / "meta.json").write_text("[]"), folder=True, replace=False)
    assert (folder / "meta.json").read_text() == "{}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "net"]


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
    res = subprocess.run([sys.executable, "-m", "sources", "catalogue", "--format", "json"], capture_output=True,
                         text=True, cwd=ROOT, env=env, timeout=300)
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
