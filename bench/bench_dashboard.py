"""Dashboard benchmark: cold and warm start, and a trip-planner interaction's server time.

    uv run python bench/bench_dashboard.py [--bundle DIR] [--runs 40] [--starts 3]

* cold start: process start -> /_stcore/health ok -> planner page interactive in chromium
  (place boxes and the Leaflet map drawn; chromium is already running), with an empty cache
  (frames and network); then the time to a first itinerary card (type two places, click);
* warm start: the same with the caches filled by the cold runs; medians of ``--starts``;
* interaction: server time of one planner rerun (AppTest: change places and time, click
  "Calculer"), p50/p95 over ``--runs``; baseline = a rerun of the same page without
  planning, measured in the same process, printed as a ratio.

Targets: cold <= 20 s, warm <= 3 s, interaction p95 <= 500 ms. The planner is the real one, on
the network of the bundle.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from timing import clock, median, percentile  # noqa: E402

from devkit import browser  # noqa: E402


def start_to_first_page(env: dict[str, str], log: Path) -> tuple[float, float, float, float]:
    """Seconds from process start to: /_stcore/health ok, the place boxes usable, the planner page
    interactive in chromium (boxes and the map drawn), a first itinerary card after typing two places.

    Chromium is launched before the server (a visitor's browser is already open).
    """
    from playwright.sync_api import sync_playwright

    port = browser.free_port()
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(browser.CHROMIUM), args=browser.CHROMIUM_ARGS)
        page = chromium.new_page(viewport={"width": 1600, "height": 1000})
        t0 = time.perf_counter()
        proc = browser.start_streamlit(port=port, env=env, log_path=log)
        try:
            browser.wait_healthy(port, proc=proc, timeout_s=300, poll_s=0.05)
            health = time.perf_counter() - t0
            page.goto(f"http://127.0.0.1:{port}/")
            page.locator(browser.PLACE_FRAME).first.wait_for(timeout=300_000)
            widgets = time.perf_counter() - t0
            browser.wait_trip_map_drawn(page, timeout_ms=300_000)
            first = time.perf_counter() - t0
            for label, text in (("Départ", "Gares"), ("Arrivée", "Beaulieu")):
                box = page.frame_locator(browser.PLACE_FRAME).nth(0 if label == "Départ" else 1).locator("input")
                box.first.fill(text)
                page.frame_locator(browser.PLACE_FRAME).nth(0 if label == "Départ" else 1) \
                    .locator(browser.SUGGESTION).first.wait_for(timeout=300_000)
                box.first.press("Enter")
                page.wait_for_timeout(1000)
            page.get_by_role("button", name="Calculer").click()
            page.locator(".spmd-card").first.wait_for(timeout=300_000)
            card = time.perf_counter() - t0
        finally:
            browser.stop_streamlit(proc)
            chromium.close()
    return health, widgets, first, card


def interaction_times(runs: int) -> tuple[list[float], list[float]]:
    """Server seconds of planner reruns: (plan clicks, plain reruns as the baseline).

    Each plan changes the time and the places (several origin/destination pairs), as a visitor does.
    """
    from streamlit.testing.v1 import AppTest

    from dashboard import state

    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=600)
    at.run()
    state.get_planner(timeout_s=600)  # the background load started by the first run
    pairs = [("Gares", "Beaulieu"), ("République", "Villejean"), ("Sainte-Anne", "Gares"),
             ("Beaulieu", "République")]
    at.run()
    at.text_input(key="from_q").input("Gares").run()
    at.text_input(key="to_q").input("Beaulieu").run()
    at.button(key="go").click().run()  # warm-up: first plan
    plans, base = [], []
    for i in range(runs):
        origin, dest = pairs[i % len(pairs)]
        at.text_input(key="from_q").input(origin)
        at.text_input(key="to_q").input(dest).run()  # typing: a search rerun (not timed)
        at.time_input(key="time").set_value(dt.time(7 + i % 3, (i * 5) % 60))
        plans.append(clock(lambda: at.button(key="go").click().run())[0])
        if at.exception or 'class="spmd-card' not in "".join(m.value for m in at.markdown):
            raise RuntimeError(f"no itinerary for {origin} -> {dest}: {at.exception}")
        base.append(clock(at.run)[0])
    return plans, base


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bundle", default=os.environ.get("SPMD_BUNDLE") or str(ROOT.parent / "shared/data/rennes"))
    ap.add_argument("--runs", type=int, default=40, help="planner interactions timed (>= 30)")
    ap.add_argument("--starts", type=int, default=3, help="cold and warm starts each")
    args = ap.parse_args()
    os.environ["SPMD_BUNDLE"] = args.bundle
    os.environ["SPMD_OFFLINE"] = "1"
    with tempfile.TemporaryDirectory() as tmp:
        env = {"SPMD_BUNDLE": args.bundle, "SPMD_CACHE": str(Path(tmp) / "cache"), "SPMD_OFFLINE": "1"}
        print(f"planner: routing.Planner; bundle {args.bundle}")
        cache = Path(env["SPMD_CACHE"])
        cold, warm = [], []
        if not browser.CHROMIUM.exists():
            print("no /usr/bin/chromium: start times not measured")
            args.starts = 0
        for i in range(args.starts):
            shutil.rmtree(cache, ignore_errors=True)  # cold: empty frame and network caches
            cold.append(start_to_first_page(env, Path(tmp) / f"cold{i}.log"))
        for i in range(args.starts):
            warm.append(start_to_first_page(env, Path(tmp) / f"warm{i}.log"))  # filled by the cold runs
        for name, runs, target in ((("cold", cold, 20), ("warm", warm, 3)) if args.starts else ()):
            h, w, f, c = (median([r[k] for r in runs]) for k in range(4))
            print(f"{name} start (median of {len(runs)}): health {h:.2f} s, place boxes usable {w:.2f} s, "
                  f"page interactive with its map {f:.2f} s (target <= {target} s), "
                  f"first itinerary card {c:.2f} s")
        if args.starts:
            ratio = median([r[2] for r in warm]) / median([r[2] for r in cold])
            print(f"ratio warm/cold (page interactive) {ratio:.2f}")
        os.environ["SPMD_CACHE"] = env["SPMD_CACHE"]
        plans, base = interaction_times(args.runs)
    p50, p95 = median(plans), percentile(plans, 95)
    b50 = median(base)
    print(f"planner interaction (server, AppTest, n={len(plans)}): p50 {1000 * p50:.0f} ms, "
          f"p95 {1000 * p95:.0f} ms (target p95 <= 500 ms), max {1000 * max(plans):.0f} ms; "
          f"plain rerun p50 {1000 * b50:.0f} ms; ratio p50 plan/rerun {p50 / b50:.2f}")


if __name__ == "__main__":
    main()
