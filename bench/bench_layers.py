"""Map layers page in a real browser: every layer switched on, from the click to the layers painted.

    uv run python bench/bench_layers.py [--bundle DIR] [--runs 10]

In chromium, on the layers page (French, offline, street base map), each run a fresh page (a new
visitor, the default layers drawn): first one layer switched on ("Aires de covoiturage", the
baseline, measured in the same run) and off again, then a click on "Tout afficher" (all 8 layers).
Each time is from the click to the first frame deck.gl paints with the expected layers (the map's
``__spmdDrawn()``: the ids of the visible, loaded layers of the last frame painted, and when).
What is drawn is checked: the painted layers are those switched on (8 after "Tout afficher") and
the page shows a legend line per layer. The first run of the server is printed apart (layer tables
and the map's data file not yet built). Target: all layers on <= 3 s.
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

from timing import agreement, line, load_average, median_p95  # noqa: E402

from devkit import browser  # noqa: E402

#: every layer of the page ("Tout afficher"; the issue's 8 layers and the stops) and the default ones
ALL = ("lines", "stops", "bikeshare", "rev", "carpool", "chargers", "parkride", "traffic", "buses")
DEFAULT = {"lines", "stops", "bikeshare"}
DRAWN_JS = """() => window.__spmdDrawn ? window.__spmdDrawn() : null"""
#: the legend line of each layer ("Aires de covoiturage — 132 éléments")
LEGEND_JS = """() => (document.querySelector('[data-testid="stMain"]')?.innerText || '').split('\\n')
    .filter(l => / — [0-9\\u202f\\u00a0 ]+ éléments?$/.test(l.trim())).length"""


def painted(frame, want: set[str], since_ms: float, timeout_s: float = 120.0) -> tuple[float, set[str]]:
    """(the time, Date.now() in ms, of the first frame painted with exactly the layers ``want``
    after ``since_ms``; the layers painted)."""
    deadline = time.perf_counter() + timeout_s
    while time.perf_counter() < deadline:
        drawn = frame.evaluate(DRAWN_JS)
        ids = {i for i in drawn["ids"] if not i.startswith(("streets", "labels"))}
        if ids == want and drawn["at"] >= since_ms:
            return drawn["at"], ids
        time.sleep(0.02)
    raise TimeoutError(f"the layers {sorted(want)} were never painted")


def click_until_painted(page, frame, name: str, want: set[str], *, button: bool) -> float:
    """Seconds from a click on ``name`` (a button or a toggle's label) to the layers ``want`` painted."""
    target = page.get_by_role("button", name=name) if button else page.get_by_text(name, exact=True).first
    target.wait_for()
    t0 = time.time()
    target.click()
    at, _ = painted(frame, want, t0 * 1000)
    return at / 1000 - t0


def one_run(page, url: str) -> tuple[float, float, float, int, dict[str, float]]:
    """(seconds to the first map painted, one layer on, all layers on, legend lines, the map frame's
    own times in seconds since it opened) of a fresh page."""
    t0 = time.perf_counter()
    page.goto(url)
    page.get_by_text("Couches affichées").wait_for(timeout=300_000)
    frame = browser.kept_map_frame(page, timeout_s=300.0)
    painted(frame, DEFAULT, 0, timeout_s=300)
    first = time.perf_counter() - t0
    stages = {k: v / 1000 for k, v in frame.evaluate(DRAWN_JS)["times"].items()}
    one = click_until_painted(page, frame, "Aires de covoiturage", DEFAULT | {"carpool"}, button=False)
    click_until_painted(page, frame, "Aires de covoiturage", DEFAULT, button=False)
    everything = click_until_painted(page, frame, "Tout afficher", set(ALL), button=True)
    page.get_by_text("Positions des bus —").wait_for()
    return first, one, everything, page.evaluate(LEGEND_JS), stages


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bundle", default=os.environ.get("SPMD_BUNDLE") or str(ROOT.parent / "shared/data/rennes"))
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    env = {"SPMD_BUNDLE": args.bundle, "SPMD_OFFLINE": "1",
           "SPMD_CACHE": os.environ.get("SPMD_CACHE", str(Path(tempfile.gettempdir()) / "spmd-bench-cache"))}
    port = browser.free_port()
    with tempfile.TemporaryDirectory() as tmp:
        proc = browser.start_streamlit(port=port, env=env, log_path=Path(tmp) / "streamlit.log")
        try:
            browser.wait_healthy(port, proc=proc, timeout_s=300)
            url = f"http://127.0.0.1:{port}/layers?lang=fr"
            with sync_playwright() as p:
                chromium = p.chromium.launch(executable_path=str(browser.CHROMIUM), args=browser.CHROMIUM_ARGS)
                page = chromium.new_page(viewport={"width": 1440, "height": 900})
                cold = one_run(page, url)
                runs = [one_run(page, url) for _ in range(args.runs)]
                chromium.close()
        finally:
            browser.stop_streamlit(proc)
    print(load_average())
    print(f"first run of the server: map painted {cold[0]:.2f} s after the page opened, one layer on "
          f"{cold[1]:.2f} s, all {len(ALL)} layers on {cold[2]:.2f} s")
    firsts, ones, alls, legends, stages = (list(x) for x in zip(*runs, strict=True))
    line("map painted after the page opened", firsts, unit="s", decimals=2)
    line("  the map's frame opened at", [f - s["painted"] for f, s in zip(firsts, stages, strict=True)],
         unit="s", decimals=2)
    print("  then, in seconds since the frame opened:")
    for key, what in (("deckgl", "deck.gl's bundle loaded"), ("data", "every layer's data fetched"),
                      ("deck", "layers built, deck made"), ("painted", "first frame painted")):
        line(f"    {what}", [s[key] for s in stages], unit="s", decimals=2)
    line("one layer on (baseline)", ones, unit="s", decimals=2)
    line(f"all {len(ALL)} layers on (one click)", alls, ones, of="one layer on", unit="s", decimals=2)
    print(agreement(f"runs with all {len(ALL)} layers painted and a legend line each",
                    sum(n == len(ALL) for n in legends), len(legends)))
    p50, p95 = median_p95(alls, unit="s")
    print(f"target: all layers on <= 3 s; median {p50:.2f} s, p95 {p95:.2f} s")


if __name__ == "__main__":
    main()
