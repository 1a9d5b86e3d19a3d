"""Kiosk benchmark: a tile tapped -> the trip's cards and its legs drawn on the map, in chromium.

    uv run python bench/bench_kiosk.py [--bundle DIR] [--cache DIR] [--runs 12] [--sizes 1920x1080,1080x1920]

The server is ``python -m dashboard`` on the bundle with the real planner (offline); chromium opens
``/?kiosk=1`` at each screen size and, once the planner is warm (one trip first), taps the
destination tiles in turn. Each sample is the time from the tap until, all at once: an itinerary
card shown, the trip map's frame visible inside the screen, and the map (Leaflet in the
streamlit-folium frame) holding a leg (a line 5 px wide or more, the street base map being thinner)
and the end marker named after the tapped destination: what is drawn is the trip asked for, not the
one before. The baseline, measured in the same run, is "Recommencer": the tap back to the start
screen with its tiles, no card and no leg left on the map. The page is watched by the browser
itself (``page.wait_for_function`` on animation frames), not by polling from here.
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

from timing import line, load_average  # noqa: E402

from devkit import browser  # noqa: E402

#: (tile key, the landmark the trip ends at: its end marker's name) of the kiosk's tiles
DESTINATIONS = (("town_hall", "Hôtel de Ville de Rennes"), ("champs_libres", "Les Champs Libres"),
                ("pontchaillou", "CHU Pontchaillou"), ("beaulieu", "Campus de Beaulieu"),
                ("roazhon", "Roazhon Park"), ("gayeulles", "Parc des Gayeulles"))

#: the trip map in the page's viewport, and what its Leaflet map holds: (legs, end marker names)
MAP_JS = """() => {
  const frame = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
  if (!frame) return null;
  const r = frame.getBoundingClientRect();
  const visible = getComputedStyle(frame).visibility === 'visible' && r.width > 100 && r.height > 100
    && r.left >= 0 && r.top >= 0 && r.right <= innerWidth && r.bottom <= innerHeight;
  const w = frame.contentWindow, m = w && w.map;
  if (!m || !m.eachLayer) return {visible, legs: 0, ends: []};
  let legs = 0; const ends = [];
  m.eachLayer(l => {
    if (l instanceof w.L.CircleMarker && l.getTooltip && l.getTooltip()) ends.push(String(l.getTooltip().getContent()));
    else if (l instanceof w.L.Polyline && (l.options.weight || 0) >= 5) legs += 1;
  });
  return {visible, legs, ends};
}"""
TRIP_SHOWN_JS = f"""name => {{
  const m = ({MAP_JS})();
  return document.querySelector('.spmd-compact') !== null && m !== null && m.visible && m.legs > 0
    && m.ends.some(e => e.includes(name));
}}"""
START_SHOWN_JS = f"""() => {{
  const m = ({MAP_JS})();
  return document.querySelector('.st-key-kiosk_tiles button') !== null
    && document.querySelectorAll('.spmd-compact').length === 0 && (m === null || m.legs === 0);
}}"""


def _tap_to_trip(page, key: str, name: str) -> float:
    t0 = time.perf_counter()
    page.locator(f".st-key-kiosk_tile_{key} button").click()
    page.wait_for_function(TRIP_SHOWN_JS, arg=name, polling="raf", timeout=300_000)
    return time.perf_counter() - t0


def _back_to_start(page) -> float:
    t0 = time.perf_counter()
    page.locator(".st-key-kiosk_reset button").click()
    page.wait_for_function(START_SHOWN_JS, polling="raf", timeout=300_000)
    return time.perf_counter() - t0


def _size(text: str) -> tuple[int, int]:
    width, height = text.lower().split("x")
    return int(width), int(height)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bundle", default=os.environ.get("SPMD_BUNDLE") or str(ROOT.parent / "shared/data/rennes"))
    ap.add_argument("--cache", default=os.environ.get("SPMD_CACHE"), help="network cache (default: a new one)")
    ap.add_argument("--runs", type=int, default=12, help="taps timed per screen (each followed by 'Recommencer')")
    ap.add_argument("--sizes", default="1920x1080,1080x1920", help="screens (WIDTHxHEIGHT, comma-separated)")
    args = ap.parse_args()
    if not browser.CHROMIUM.exists():
        sys.exit("no /usr/bin/chromium: nothing measured")
    from playwright.sync_api import sync_playwright

    sizes = [_size(s) for s in args.sizes.split(",")]
    results, loads = [], []
    with tempfile.TemporaryDirectory() as tmp:
        env = {"SPMD_BUNDLE": args.bundle, "SPMD_CACHE": args.cache or str(Path(tmp) / "cache"),
               "SPMD_OFFLINE": "1", "SPMD_KIOSK_IDLE_S": "3600"}
        port = browser.free_port()
        proc = browser.start_streamlit(port=port, env=env, log_path=Path(tmp) / "server.log")
        try:
            browser.wait_healthy(port, proc=proc, timeout_s=300)
            with sync_playwright() as p:
                chromium = p.chromium.launch(executable_path=str(browser.CHROMIUM), args=browser.CHROMIUM_ARGS)
                for width, height in sizes:
                    page = chromium.new_page(viewport={"width": width, "height": height}, locale="fr-FR")
                    page.goto(f"http://127.0.0.1:{port}/?kiosk=1")
                    page.wait_for_function(START_SHOWN_JS, polling="raf", timeout=300_000)
                    first = _tap_to_trip(page, *DESTINATIONS[-1])  # waits for the network and warms the planner
                    _back_to_start(page)
                    taps, resets = [], []
                    for i in range(args.runs):
                        taps.append(_tap_to_trip(page, *DESTINATIONS[i % len(DESTINATIONS)]))
                        resets.append(_back_to_start(page))
                    loads.append(load_average())
                    results.append((width, height, first, taps, resets))
                    page.close()
                chromium.close()
        finally:
            browser.stop_streamlit(proc)
    print(f"kiosk, real planner on {args.bundle}; {args.runs} taps per screen")
    for (width, height, first, taps, resets), load in zip(results, loads, strict=True):
        print(f"-- {width}x{height} (first tap, the network loading and warming: {first:.1f} s; {load})")
        line("tile tap -> cards + legs on the map", taps, resets, of="'Recommencer' -> tiles", unit="s",
             decimals=2)
        line("'Recommencer' -> tiles (baseline)", resets, unit="s", decimals=2)


if __name__ == "__main__":
    main()
