"""Dashboard benchmark: cold and warm start, and a trip-planner interaction's server time.

    uv run python bench/bench_dashboard.py [--bundle DIR] [--runs 20] [--small-planner]

* cold start: process start -> /_stcore/health ok -> first page rendered in chromium
  (the planner page with its map canvas), with an empty frame cache;
* warm start: the same with the frame/network caches filled by the cold run;
* interaction: server time of one planner rerun (AppTest: type nothing new, click
  "Calculer"), p50/p95 over ``--runs``; baseline = a rerun of the same page without
  planning, measured in the same process, printed as a ratio.

Targets (issue 5): cold <= 20 s, warm <= 3 s, interaction p95 <= 500 ms.
Without the real planner (routing.build missing) or with ``--small-planner`` the
planner is tests.browser_helpers.SmallPlanner and the figures say so.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser_helpers import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    free_port,
    real_planner_usable,
    start_streamlit,
    stop_streamlit,
    wait_healthy,
)


def start_to_first_page(env: dict[str, str], log: Path) -> tuple[float, float]:
    """(seconds to health ok, seconds to the planner page drawn in chromium), from process start."""
    from playwright.sync_api import sync_playwright

    port = free_port()
    t0 = time.perf_counter()
    proc = start_streamlit(port=port, env=env, log_path=log)
    try:
        wait_healthy(port, proc=proc, timeout_s=300)
        health = time.perf_counter() - t0
        if not CHROMIUM.exists():
            return health, float("nan")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.goto(f"http://127.0.0.1:{port}/")
            page.get_by_role("textbox", name="Départ").wait_for(timeout=300_000)
            page.wait_for_function("""() => [...document.querySelectorAll(
                '[data-testid="stDeckGlJsonChart"] canvas')].some(c => c.width > 100)""", timeout=300_000)
            first = time.perf_counter() - t0
            browser.close()
        return health, first
    finally:
        stop_streamlit(proc)


def interaction_times(runs: int, *, small: bool) -> tuple[list[float], list[float]]:
    """Server seconds of planner reruns: (plan clicks, plain reruns as the baseline)."""
    from streamlit.testing.v1 import AppTest

    from dashboard import state

    if small:
        from tests.browser_helpers import SmallPlanner

        planner = SmallPlanner()
        state.set_override("planner", lambda: planner)
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=600)
    at.run()
    at.text_input(key="from_q").input("Gares").run()
    at.text_input(key="to_q").input("Beaulieu").run()
    at.button(key="go").click().run()  # warm-up: first plan
    plans, base = [], []
    for i in range(runs):
        at.time_input(key="time").set_value(dt.time(7 + i % 3, (i * 5) % 60))
        t0 = time.perf_counter()
        at.button(key="go").click().run()
        plans.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        at.run()
        base.append(time.perf_counter() - t0)
    if at.exception:
        raise RuntimeError(at.exception)
    return plans, base


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bundle", default=os.environ.get("SPMD_BUNDLE") or str(ROOT.parent / "shared/data/rennes"))
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--small-planner", action="store_true")
    args = ap.parse_args()
    small = args.small_planner or not real_planner_usable()
    os.environ["SPMD_BUNDLE"] = args.bundle
    os.environ["SPMD_OFFLINE"] = "1"
    with tempfile.TemporaryDirectory() as tmp:
        env = {"SPMD_BUNDLE": args.bundle, "SPMD_CACHE": str(Path(tmp) / "cache"), "SPMD_OFFLINE": "1"}
        if small:
            env["SPMD_DASHBOARD_PLANNER"] = "tests.browser_helpers:small_planner"
        print(f"planner: {'SmallPlanner (test double)' if small else 'routing.planner.Planner'}; "
              f"bundle {args.bundle}")
        h, f = start_to_first_page(env, Path(tmp) / "cold.log")
        print(f"cold start: health {h:.2f} s, first page drawn {f:.2f} s   (target <= 20 s)")
        h2, f2 = start_to_first_page(env, Path(tmp) / "warm.log")
        print(f"warm start: health {h2:.2f} s, first page drawn {f2:.2f} s   (target <= 3 s); "
              f"ratio warm/cold {f2 / f:.2f}")
        os.environ["SPMD_CACHE"] = env["SPMD_CACHE"]
        plans, base = interaction_times(args.runs, small=small)
    p50, p95 = statistics.median(plans), pct(plans, 0.95)
    b50 = statistics.median(base)
    print(f"planner interaction (server, AppTest): p50 {1000 * p50:.0f} ms, p95 {1000 * p95:.0f} ms "
          f"(target p95 <= 500 ms); plain rerun p50 {1000 * b50:.0f} ms; ratio {p50 / b50:.2f}")


if __name__ == "__main__":
    main()
