"""Kiosk benchmark: a tile tapped -> the trip's cards and its legs drawn on the map, in chromium.

    uv run python bench/bench_kiosk.py [--bundle DIR] [--cache DIR] [--runs 12] [--width 1920 --height 1080]

The server is ``python -m dashboard`` on the bundle with the real planner (offline); chromium opens
``/?kiosk=1`` at the given screen size and, once the planner is warm (one trip first), taps the
destination tiles in turn. Each sample is the time from the tap to the first itinerary card shown
and the itinerary's legs drawn on the Leaflet map (``devkit.browser.wait_trip_legs_drawn``). The
baseline, measured in the same run, is "Recommencer": the tap back to the start screen with its
tiles drawn (a rerun of the kiosk without planning nor map).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from timing import line  # noqa: E402

from devkit import browser  # noqa: E402

KEYS = ("town_hall", "champs_libres", "pontchaillou", "beaulieu", "roazhon", "gayeulles")


def _tile(page, key: str):
    return page.locator(f".st-key-kiosk_tile_{key} button")


def _tap_to_trip(page, key: str) -> float:
    t0 = time.perf_counter()
    _tile(page, key).click()
    page.locator(".spmd-compact").first.wait_for(timeout=300_000)
    browser.wait_trip_legs_drawn(page, timeout_ms=300_000)
    return time.perf_counter() - t0


def _back_to_start(page) -> float:
    t0 = time.perf_counter()
    page.locator(".st-key-kiosk_reset button").click()
    _tile(page, KEYS[0]).wait_for(timeout=300_000)
    page.wait_for_function("() => document.querySelectorAll('.spmd-compact').length === 0", timeout=300_000)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bundle", default=os.environ.get("SPMD_BUNDLE") or str(ROOT.parent / "shared/data/rennes"))
    ap.add_argument("--cache", default=os.environ.get("SPMD_CACHE"), help="network cache (default: a new one)")
    ap.add_argument("--runs", type=int, default=12, help="taps timed (each followed by 'Recommencer')")
    ap.add_argument("--width", type=int, default=1920)
    ap.add_argument("--height", type=int, default=1080)
    args = ap.parse_args()
    if not browser.CHROMIUM.exists():
        sys.exit("no /usr/bin/chromium: nothing measured")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        env = {"SPMD_BUNDLE": args.bundle, "SPMD_CACHE": args.cache or str(Path(tmp) / "cache"),
               "SPMD_OFFLINE": "1", "SPMD_KIOSK_IDLE_S": "3600"}
        port = browser.free_port()
        proc = browser.start_streamlit(port=port, env=env, log_path=Path(tmp) / "server.log")
        try:
            browser.wait_healthy(port, proc=proc, timeout_s=300)
            with sync_playwright() as p:
                chromium = p.chromium.launch(executable_path=str(browser.CHROMIUM), args=browser.CHROMIUM_ARGS)
                page = chromium.new_page(viewport={"width": args.width, "height": args.height}, locale="fr-FR")
                page.goto(f"http://127.0.0.1:{port}/?kiosk=1")
                _tile(page, KEYS[0]).wait_for(timeout=300_000)
                first = _tap_to_trip(page, KEYS[-1])  # waits for the network and warms the planner
                _back_to_start(page)
                taps, resets = [], []
                for i in range(args.runs):
                    taps.append(_tap_to_trip(page, KEYS[i % len(KEYS)]))
                    resets.append(_back_to_start(page))
                chromium.close()
        finally:
            browser.stop_streamlit(proc)
    print(f"kiosk at {args.width}x{args.height}, real planner on {args.bundle}; first tap (network loading "
          f"and warming) {first:.1f} s")
    line("tile tap -> cards + legs on the map", taps, resets, of="'Recommencer' -> tiles", unit="s", decimals=2)
    line("'Recommencer' -> tiles (baseline)", resets, unit="s", decimals=2)


if __name__ == "__main__":
    main()
