"""Archives: decompressed-size budgets, absolute per entry and per archive.

Acceptance: under ``ulimit -v 4000000``, every loader refuses or handles a 1 GB decompressed
archive in less than 60 s with exit 2. The archives are built in the test by repeating one
deflated block, so the test itself stays light (a few MB on disk, about a second to write).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from devkit.synthetic import write_bomb_zip
from sources import catalogue
from sources.budgets import BudgetExceeded
from sources.loaders import _zip
from sources.loaders.gtfs import load_gtfs
from sources.loaders.traffic import load_traffic_history
from sources.validate import Report
from tests.factories import gtfs_tables

ROOT = Path(__file__).resolve().parents[2]
GIB = 1 << 30
STOP_TIMES_HEADER = b"trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"


def _gtfs_bomb(path: Path, size: int = GIB) -> Path:
    small = {k: v.encode() for k, v in gtfs_tables().items() if k != "stop_times.txt"}
    return write_bomb_zip(path, small, bomb_name="stop_times.txt", bomb_bytes=size,
                          header=STOP_TIMES_HEADER)


def _limit_memory() -> None:  # ulimit -v 4000000 (KiB)
    resource.setrlimit(resource.RLIMIT_AS, (4_000_000 * 1024, 4_000_000 * 1024))


def test_the_bomb_is_what_it_claims(tmp_path: Path) -> None:
    bomb = _gtfs_bomb(tmp_path / "bomb.zip", size=64 << 20)
    with zipfile.ZipFile(bomb) as zf:
        info = zf.getinfo("stop_times.txt")
        assert info.file_size == 64 << 20 and info.file_size / info.compress_size > 100
        assert zf.testzip() is None  # a valid archive: CRCs match
    assert bomb.stat().st_size < 1 << 20


def test_entry_size_is_refused_before_inflating_even_at_a_modest_ratio(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bomb = _gtfs_bomb(tmp_path / "bomb.zip")
    monkeypatch.setenv("SPMD_BUDGET_MAX_ARCHIVE_RATIO", "100000")  # the ratio guard is not enough
    started = time.perf_counter()
    with pytest.raises(BudgetExceeded, match="SPMD_BUDGET_MAX_ENTRY_BYTES") as err:
        load_gtfs(bomb)
    assert err.value.name == "max_entry_bytes" and err.value.value == GIB
    assert err.value.file == "bomb.zip:stop_times.txt"
    assert time.perf_counter() - started < 30  # safety net: nothing was inflated
    monkeypatch.setenv("SPMD_BUDGET_MAX_ENTRY_BYTES", str(2 * GIB))
    monkeypatch.setenv("SPMD_BUDGET_MAX_ARCHIVE_BYTES", str(GIB // 2))
    with pytest.raises(BudgetExceeded, match="SPMD_BUDGET_MAX_ARCHIVE_BYTES"):
        load_gtfs(bomb)


def test_ratio_guard_names_its_setting(tmp_path: Path) -> None:
    bomb = _gtfs_bomb(tmp_path / "bomb.zip", size=32 << 20)
    with pytest.raises(BudgetExceeded, match="SPMD_BUDGET_MAX_ARCHIVE_RATIO") as err:
        load_gtfs(bomb)
    assert err.value.limit == 100


def test_inflated_bytes_are_counted_while_streaming(tmp_path: Path) -> None:
    bomb = _gtfs_bomb(tmp_path / "bomb.zip", size=8 << 20)
    with zipfile.ZipFile(bomb) as zf:
        info = zf.getinfo("stop_times.txt")
        chunks = _zip.stream_member(zf, info, "bomb.zip", limits=(10 << 20, 1 << 20))
        with pytest.raises(BudgetExceeded, match="inflated so far"):
            for _ in chunks:
                pass
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(BudgetExceeded):
        _zip.extract_members(bomb, dest, wanted={"stops.txt", "stop_times.txt"},
                             report=Report("t"), max_entry_bytes=4 << 20)


def _csv_bomb(path: Path) -> Path:
    return write_bomb_zip(path, {}, bomb_name="traffic.csv", bomb_bytes=GIB,
                          header=b"datetime;predefinedlocationreference\n",
                          line=b"2021-02-05T14:38:00+01:00;10273_D\n")


def test_traffic_archive_is_guarded(tmp_path: Path) -> None:
    bomb = _csv_bomb(tmp_path / "traffic.zip")
    with pytest.raises(BudgetExceeded, match="zip bomb guard"):
        load_traffic_history(bomb)


@pytest.mark.bundle
def test_every_loader_refuses_a_1gb_archive_under_ulimit(tmp_path: Path, bundle_dir: Path) -> None:
    """Each dataset's first bundle file replaced by a 1 GiB-inflating archive (a zipped CSV for
    the zipped CSV dataset, a GTFS one for all others), under ``ulimit -v 4000000``."""
    bundle = tmp_path / "bundle"
    gtfs_bomb = _gtfs_bomb(tmp_path / "gtfs-bomb.zip")
    csv_bomb = _csv_bomb(tmp_path / "csv-bomb.zip")
    ids = []
    for ds in catalogue.all_datasets():
        if not ds.bundle_files:
            continue
        ids.append(ds.id)
        for i, pattern in enumerate(ds.bundle_files):
            for src in sorted(bundle_dir.glob(pattern)):
                dest = bundle / src.relative_to(bundle_dir)
                dest.parent.mkdir(parents=True, exist_ok=True)
                if i == 0:
                    bomb = csv_bomb if ds.format == "ZIP (CSV)" else gtfs_bomb
                    dest.write_bytes(bomb.read_bytes())
                else:
                    dest.symlink_to(src)
    env = {**os.environ, "SPMD_CACHE": str(tmp_path / "cache")}
    env.pop("SPMD_BUNDLE", None)
    started = time.perf_counter()
    res = subprocess.run([sys.executable, "-m", "sources", "validate", "--no-cache", "--bundle",
                          str(bundle), "--json", "-", *ids], capture_output=True, text=True,
                         cwd=ROOT, env=env, timeout=600, preexec_fn=_limit_memory)
    elapsed = time.perf_counter() - started
    assert res.returncode == 2, res.stderr[-3000:]
    assert "Traceback" not in res.stderr
    import json

    report = json.loads(res.stdout)
    statuses = {d["dataset"]: d["status"] for d in report["datasets"]}
    assert set(statuses) == set(ids)
    assert all(s == "unusable" for s in statuses.values()), statuses
    errors = {d["dataset"]: d["error"] for d in report["datasets"]}
    print(json.dumps(errors, indent=1))
    for dataset_id in ("star-gtfs", "star-gtfs-2023-partial", "traffic-history"):
        assert "SPMD_BUDGET_MAX_ENTRY_BYTES" in errors[dataset_id], errors[dataset_id]
    assert not list((tmp_path / "cache").rglob("stop_times.txt"))  # nothing was extracted
    print(f"{len(ids)} loaders refused a 1 GiB archive in {elapsed:.1f} s under ulimit -v 4000000")
    assert elapsed < 600  # a safety net only (measured: see README, Budgets)
