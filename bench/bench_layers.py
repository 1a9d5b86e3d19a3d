"""Map layers page in a real browser: every layer switched on, until the map is drawn.

    uv run python bench/bench_layers.py [--bundle DIR] [--runs 5]

In chromium, on the layers page (French, offline, street base map): the seconds from a click on
"Tout afficher" (all 8 layers, one rerun) to the map page drawn with every layer (deck.gl
initialised in its frame, the script idle), median of ``--runs``; each run starts from the
default layers (a fresh page). Baseline, measured in the same run: switching the 6 other layers
on one toggle at a time, as the page asked before (each toggle a rerun with a new map).
The first run of each is printed apart (layer tables and map pages not yet cached). Target:
all layers on <= 3 s.
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

from timing import line, median  # noqa: E402

from devkit import browser  # noqa: E402

IDLE_JS = """() => document.querySelector('[data-testid="stApp"]')?.getAttribute('data-test-script-state') !== 'running'"""
LAYER_LABELS = ("Réseau Express Vélo", "Aires de covoiturage", "Bornes de recharge", "Parcs relais",
                "État du trafic", "Positions des bus")


def map_drawn(page, n_layers: int, timeout_ms: float = 300_000) -> None:
    """The layers map's frame holds a deck with ``n_layers`` toggled layers and is initialised."""
    page.wait_for_function(IDLE_JS, timeout=timeout_ms)
    deadline = time.perf_counter() + timeout_ms / 1000
    while time.perf_counter() < deadline:
        for frame in page.frames:
            try:
                ok = frame.evaluate(f"""() => !!(window.__spmdDeckReady && window.__spmdDeckReady()) &&
                    window.__spmdLayerIds().filter(i => !/^(streets|labels)/.test(i)).length >= {n_layers}""")
            except Exception:  # a frame being replaced
                ok = False
            if ok:
                return
        page.wait_for_timeout(50)
    raise TimeoutError("the layers map was not drawn")


def one_run(page, url: str, *, all_at_once: bool) -> float:
    page.goto(url)
    page.get_by_text("Couches affichées").wait_for(timeout=300_000)
    map_drawn(page, 3)
    t0 = time.perf_counter()
    if all_at_once:
        page.get_by_role("button", name="Tout afficher").click()
        page.wait_for_timeout(100)
    else:
        for label in LAYER_LABELS:
            page.get_by_text(label, exact=True).click()
            page.wait_for_timeout(100)
            page.wait_for_function(IDLE_JS, timeout=300_000)
    map_drawn(page, len(LAYER_LABELS) + 3)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bundle", default=os.environ.get("SPMD_BUNDLE") or str(ROOT.parent / "shared/data/rennes"))
    ap.add_argument("--runs", type=int, default=5)
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
                first_all = one_run(page, url, all_at_once=True)
                first_each = one_run(page, url, all_at_once=False)
                alls, eachs = [], []
                for _ in range(args.runs):
                    alls.append(one_run(page, url, all_at_once=True))
                    eachs.append(one_run(page, url, all_at_once=False))
                chromium.close()
        finally:
            browser.stop_streamlit(proc)
    print(f"first run of the server: all at once {first_all:.2f} s, one toggle at a time {first_each:.2f} s")
    line("all 8 layers on (one click, warm)", alls, eachs, of="toggling the 6 others one at a time",
         unit="s", decimals=2)
    print(f"target: all layers on <= 3 s; median {median(alls):.2f} s")


if __name__ == "__main__":
    main()
