"""Dashboard benchmark: cold and warm start, and a trip-planner interaction's server time.

    uv run python bench/bench_dashboard.py [--bundle DIR] [--runs 40] [--starts 3]

* cold start: process start -> /_stcore/health ok -> planner page interactive in chromium
  (place boxes and the Leaflet map drawn; chromium is already running), with an empty cache
  (frames and network); then the time to a first itinerary card (type two places, click);
* warm start: the same with the caches filled by the cold runs; medians of ``--starts``;
* interaction: server time of one planner rerun (AppTest: change places and time, click
  "Calculer"), p50/p95 over ``--runs``; baseline = a rerun of the same page without
  planning, measured in the same process, printed as a ratio;
* click to cards, in chromium at 1440 px: click "Calculer" -> the itinerary cards shown and the
  route drawn on the map (the map frame's feature group holds the legs, then one frame painted),
  p50/p95 over ``--clicks`` (Gares <-> Villejean-Université, swapped between clicks: the swap
  clears the old cards, not timed); baseline in the same browser and server: a click on another
  card -> that card selected and its route drawn (a rerun and a map update without planning).

    uv run python bench/bench_dashboard.py --only click [--cache DIR]   (the network built in DIR)

Targets: cold <= 20 s, warm <= 3 s, interaction p95 <= 500 ms, click to cards and map p95 <= 1 s.
The planner is the real one, on the network of the bundle.
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

from timing import clock, load_average, median, percentile  # noqa: E402

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
            page.get_by_role("button", name="Calculer", exact=True).click()
            page.locator(".spmd-card").first.wait_for(timeout=300_000)
            card = time.perf_counter() - t0
        finally:
            browser.stop_streamlit(proc)
            chromium.close()
    return health, widgets, first, card


#: in the page: the itinerary cards are shown and the trip map's feature group (streamlit-folium
#: keeps it in its frame's __GLOBAL_DATA__) holds the legs of the card ``sel`` (a polyline)
CARDS_AND_ROUTE_JS = """([sel, before]) => {
  if (!document.querySelector(sel)) return false;
  const frame = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
  const data = frame && frame.contentWindow && frame.contentWindow.__GLOBAL_DATA__;
  const group = data && data.last_feature_group;
  return !!group && group !== before && group.includes('L.polyline');
}"""
FEATURE_GROUP_JS = """() => { const f = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
  const d = f && f.contentWindow && f.contentWindow.__GLOBAL_DATA__; return d ? d.last_feature_group : null; }"""
#: one frame painted in the map's frame after its layers changed
PAINTED_JS = """() => new Promise(r => {
  const w = document.querySelector('iframe[title="streamlit_folium.st_folium"]').contentWindow;
  w.requestAnimationFrame(() => w.requestAnimationFrame(() => r(true))); })"""


def click_to_cards(env: dict[str, str], log: Path, clicks: int) -> tuple[list[float], list[float]]:
    """Seconds from a click on "Calculer" to the cards and the route drawn (chromium, 1440 x 900),
    and, as the baseline, from a click on another card to its route drawn."""
    from playwright.sync_api import TimeoutError, sync_playwright

    port = browser.free_port()
    proc = browser.start_streamlit(port=port, env=env, log_path=log)
    plans, picks = [], []
    try:
        browser.wait_healthy(port, proc=proc, timeout_s=600)
        with sync_playwright() as p:
            chromium = p.chromium.launch(executable_path=str(browser.CHROMIUM), args=browser.CHROMIUM_ARGS)
            page = chromium.new_page(viewport={"width": 1440, "height": 900}, locale="fr-FR")
            page.set_default_timeout(600_000)
            page.goto(f"http://127.0.0.1:{port}/")
            browser.wait_trip_map_drawn(page, timeout_ms=600_000)
            for i, text in enumerate(("Gares", "Villejean-Université")):
                frame = page.frame_locator(browser.PLACE_FRAME).nth(i)
                frame.locator("input").first.fill(text)
                frame.locator(browser.SUGGESTION).first.wait_for()
                page.wait_for_timeout(800)
                frame.locator("input").first.press("Enter")
                page.wait_for_timeout(1500)
            go = page.get_by_role("button", name="Calculer", exact=True)
            page.set_default_timeout(60_000)
            lost = 0
            for i in range(clicks + 1):  # the first plan warms the page up: not counted
                page.wait_for_function(browser.SCRIPT_STATE_JS.replace("=>", "=> 'notRunning' ===", 1))
                try:
                    before = page.evaluate(FEATURE_GROUP_JS)
                    t0 = time.perf_counter()
                    go.click()
                    page.wait_for_function(CARDS_AND_ROUTE_JS, arg=[".st-key-plan_card_1 .spmd-card", before],
                                           polling="raf")
                    page.evaluate(PAINTED_JS)
                    plan_s = time.perf_counter() - t0
                    before = page.evaluate(FEATURE_GROUP_JS)
                    t0 = time.perf_counter()
                    page.locator(".st-key-plan_card_1 .spmd-head").click(force=True)  # the whole card selects it
                    page.wait_for_function(CARDS_AND_ROUTE_JS,
                                           arg=[".st-key-plan_card_1 .spmd-card.selected", before], polling="raf")
                    page.evaluate(PAINTED_JS)
                    if i:
                        plans.append(plan_s)
                        picks.append(time.perf_counter() - t0)
                except TimeoutError:  # a click landed while the page was rerunning: not a sample
                    lost += 1
                page.get_by_role("button", name="Inverser").click()  # new places: the old cards leave
                page.wait_for_function("() => !document.querySelector('.spmd-card')")
                page.wait_for_timeout(1500)  # the swapped boxes settle
            if lost:
                print(f"{lost} click(s) without an answer within 60 s, left out")
            chromium.close()
    finally:
        browser.stop_streamlit(proc)
    return plans, picks


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
    ap.add_argument("--clicks", type=int, default=30, help="clicks on Calculer timed in the browser (>= 20)")
    ap.add_argument("--only", choices=("all", "click"), default="all",
                    help="click: only the click-to-cards figure (on --cache's network)")
    ap.add_argument("--cache", default=os.environ.get("SPMD_CACHE"), help="with --only click: a cache with the "
                    "network built (else a fresh one: the network is built first)")
    args = ap.parse_args()
    os.environ["SPMD_BUNDLE"] = args.bundle
    os.environ["SPMD_OFFLINE"] = "1"
    if args.only == "click":
        with tempfile.TemporaryDirectory() as tmp:
            env = {"SPMD_BUNDLE": args.bundle, "SPMD_CACHE": args.cache or str(Path(tmp) / "cache"),
                   "SPMD_OFFLINE": "1"}
            print_clicks(*click_to_cards(env, Path(tmp) / "click.log", args.clicks))
        return
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
        if browser.CHROMIUM.exists():
            print_clicks(*click_to_cards(env, Path(tmp) / "click.log", args.clicks))
        plans, base = interaction_times(args.runs)
    p50, p95 = median(plans), percentile(plans, 95)
    b50 = median(base)
    print(f"planner interaction (server, AppTest, n={len(plans)}): p50 {1000 * p50:.0f} ms, "
          f"p95 {1000 * p95:.0f} ms (target p95 <= 500 ms), max {1000 * max(plans):.0f} ms; "
          f"plain rerun p50 {1000 * b50:.0f} ms; ratio p50 plan/rerun {p50 / b50:.2f}")


def print_clicks(plans: list[float], picks: list[float]) -> None:
    p50, p95 = median(plans), percentile(plans, 95)
    print(f"click Calculer to cards and route drawn (chromium 1440 px, n={len(plans)}): p50 {1000 * p50:.0f} ms, "
          f"p95 {1000 * p95:.0f} ms (target p95 <= 1000 ms), max {1000 * max(plans):.0f} ms; baseline, a click on "
          f"another card to its route drawn: p50 {1000 * median(picks):.0f} ms, p95 {1000 * percentile(picks, 95):.0f}"
          f" ms; ratio p50 plan/select {p50 / median(picks):.2f}; {load_average()}")


if __name__ == "__main__":
    main()
