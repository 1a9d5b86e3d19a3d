"""Benchmark: load the whole bundle cold (no frame cache) and warm (from the frame cache).

    uv run python bench/bench_sources_load.py [--bundle DIR] [--runs 3]

Cold: a fresh, empty cache directory and no in-process file-digest memo (what a first
start does: parse + validate every file, then write the frame cache). Warm: the same
cache directory, already filled (what every later start does). Loader modules are
imported once before timing (their import time is printed separately). Prints the
median and every run, peak RSS per phase (psutil, sampled every 10 ms), the warm/cold
ratio and the per-dataset times. Targets: cold <= 30 s, warm <= 3 s.
Datasets whose loader is not written yet are listed and skipped.
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sources import catalogue, datasets, settings, store  # noqa: E402
from sources.validate import Loaded  # noqa: E402


def measure(func: Callable[[], Any]) -> tuple[Any, float, float]:
    """Run ``func``; return (result, seconds, peak RSS in MiB during the run)."""
    proc = psutil.Process()
    peak = proc.memory_info().rss
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.01):
            peak = max(peak, proc.memory_info().rss)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    t0 = time.perf_counter()
    try:
        result = func()
    finally:
        elapsed = time.perf_counter() - t0
        done.set()
        thread.join()
    peak = max(peak, proc.memory_info().rss)
    return result, elapsed, peak / 2**20


def loadable_ids(bundle: Path) -> tuple[list[str], dict[str, str], float]:
    """Ids with bundle files and an importable loader; skipped ids with the reason; import s."""
    ids, skipped = [], {}
    t0 = time.perf_counter()
    for dataset_id in datasets.default_ids(bundle=bundle):
        ds = catalogue.get(dataset_id)
        module, _, name = (ds.loader or "").partition(":")
        try:
            getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError) as exc:
            skipped[dataset_id] = f"{type(exc).__name__}: {exc}"
            continue
        ids.append(dataset_id)
    return ids, skipped, time.perf_counter() - t0


def load_all(ids: list[str], bundle: Path, cache: Path) -> dict[str, Any]:
    times: dict[str, float] = {}
    out: dict[str, Any] = {}
    for dataset_id in ids:
        t0 = time.perf_counter()
        out[dataset_id] = datasets.load_many([dataset_id], bundle=bundle, cache=cache)[dataset_id]
        times[dataset_id] = time.perf_counter() - t0
    return {"results": out, "times": times}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", default=None, help="bundle dir (default $SPMD_BUNDLE or "
                                                       "../shared/data/rennes)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    bundle = settings.bundle_dir(args.bundle) or settings.default_bundle_candidate()
    if not bundle.is_dir():
        print(f"bundle not found: {bundle}", file=sys.stderr)
        return 2

    ids, skipped, import_s = loadable_ids(bundle)
    print(f"bundle {bundle}: {len(ids)} datasets with a loader "
          f"(loader imports {import_s:.2f} s, not timed below)")
    for dataset_id, why in skipped.items():
        print(f"  skipped {dataset_id}: {why}")

    cold_s, cold_mem, cold_times = [], [], []
    with tempfile.TemporaryDirectory(prefix="bench-warm-") as warm_dir:
        for i in range(args.runs):
            with tempfile.TemporaryDirectory(prefix="bench-cold-") as cold_dir:
                store.forget_file_digests()
                # the first cold run fills the warm cache; the others use throw-away dirs
                cache = Path(warm_dir) if i == 0 else Path(cold_dir)
                res, s, mem = measure(lambda c=cache: load_all(ids, bundle, c))
                cold_s.append(s)
                cold_mem.append(mem)
                cold_times.append(res["times"])
        failures = {k: v for k, v in res["results"].items() if not isinstance(v, Loaded)}
        warm_s, warm_mem, warm_times = [], [], []
        for _ in range(args.runs):
            store.forget_file_digests()
            res, s, mem = measure(lambda: load_all(ids, bundle, Path(warm_dir)))
            warm_s.append(s)
            warm_mem.append(mem)
            warm_times.append(res["times"])
        entries = sum(1 for p in (Path(warm_dir) / "frames").iterdir() if p.is_dir())
        size_mb = sum(f.stat().st_size for f in (Path(warm_dir) / "frames").rglob("*")
                      if f.is_file()) / 2**20

    cold, warm = statistics.median(cold_s), statistics.median(warm_s)
    print(f"\ncold: median {cold:.2f} s  runs {', '.join(f'{x:.2f}' for x in cold_s)}  "
          f"peak RSS {max(cold_mem):.0f} MiB   (target <= 30 s)")
    print(f"warm: median {warm:.2f} s  runs {', '.join(f'{x:.2f}' for x in warm_s)}  "
          f"peak RSS {max(warm_mem):.0f} MiB   (target <= 3 s)")
    print(f"ratio warm/cold: {warm / cold:.3f}  (x{cold / warm:.1f} faster); frame cache "
          f"{entries} entries, {size_mb:.1f} MiB")
    print("\nper dataset (median s)      cold     warm")
    for dataset_id in ids:
        c = statistics.median(t[dataset_id] for t in cold_times)
        w = statistics.median(t[dataset_id] for t in warm_times)
        flag = "" if dataset_id not in failures else f"  FAILED: {failures[dataset_id]}"
        print(f"  {dataset_id:<28} {c:7.3f}  {w:7.3f}{flag}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
