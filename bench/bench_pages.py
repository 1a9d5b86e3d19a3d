"""Every page's interactions in a real browser: from the visitor's action to its result drawn.

    uv run python bench/bench_pages.py [--bundle DIR] [--cache DIR] [--runs 10] [--only departures,lines]

The server is ``python -m dashboard`` on the bundle with the real planner (offline), its network read
from ``--cache`` (default ``$SPMD_CACHE``; a new one, built first, without); chromium at 1440 x 900 in
French. For each page, each of its main interactions is done once untimed (warm: caches filled, the
page's components mounted), then ``--runs`` times timed; p50/p95 printed (target p95 <= 1 s).

A sample runs from the action (a click on a suggestion, an option, a button, a tab or a link) to a
specific element of its result drawn: present, visible, delivered by the rerun the action caused
(its element container not stale) and carrying the expected text where the result has one (the
interactions alternate between values so that each result differs from the one before), then two
animation frames painted. Never "network idle".

Baseline, per page, in the same run: a trivial rerun of that page (the "r" key: the same page with the
same inputs, every result from the caches) until the script has run and is at rest; the ratio of each
interaction's p50 to its page's baseline p50 is printed, and the load average.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from timing import load_average, median, percentile  # noqa: E402

from devkit import browser  # noqa: E402
from sources.i18n import translate  # noqa: E402

WHEN = "2011-11-15T08:00"
TIMEOUT_MS = 120_000

#: a result element is drawn: matches ``sel``, shown (not in a hidden tab), delivered by the current
#: run (its element container not stale), with ``text`` in it when given; with ``ran``, only after a
#: rerun was seen (browser.ARM_RERUN_JS)
FRESH_JS = """([sel, text, ran]) => {
  if (ran && window.__spmdRan !== true) return false;
  return [...document.querySelectorAll(sel)].some(e => {
    const c = e.closest('[data-testid="stElementContainer"]');
    if (c && c.getAttribute('data-stale') === 'true') return false;
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return false;
    return !text || (e.innerText || e.textContent || '').includes(text);
  });
}"""
PAINTED_JS = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))"
AT_REST_JS = """() => window.__spmdRan === true &&
  document.querySelector('[data-testid="stApp"]')?.getAttribute('data-test-script-state') !== 'running'
  && !document.querySelector('[data-testid="stSpinner"]')"""
DECK = '[data-testid="stDeckGlJsonChart"] canvas'
VEGA = '[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg'
TABLE = '[data-testid="stDataFrame"] canvas, [data-testid="stDataFrame"] table, .spmd-table-wrap'


# -- what a visitor does ------------------------------------------------------------------------------

def arm(page) -> None:
    """Watch for the rerun the next action causes."""
    page.evaluate(browser.ARM_RERUN_JS)


def fresh(page, sel: str, text: str | None = None, *, ran: bool = True) -> None:
    page.wait_for_function(FRESH_JS, arg=[sel, text or "", ran], polling="raf", timeout=TIMEOUT_MS)


def painted(page) -> None:
    page.evaluate(PAINTED_JS)


def at_rest(page) -> None:
    """The page's script has run (after :func:`arm`) and is at rest."""
    page.wait_for_function(AT_REST_JS, polling="raf", timeout=TIMEOUT_MS)


def open_page(page, base: str, path: str) -> None:
    page.goto(f"{base}{path}")
    page.locator('[data-testid="stApp"]').wait_for(timeout=TIMEOUT_MS)
    page.wait_for_timeout(800)
    page.wait_for_function(AT_REST_JS.replace("window.__spmdRan === true &&", ""), timeout=600_000)
    page.wait_for_timeout(500)


def selectbox(page, label: str):
    return page.locator('[data-testid="stSelectbox"]').filter(
        has=page.locator('[data-testid="stWidgetLabel"]', has_text=label)).first


def open_options(page, label: str) -> None:
    """Open a select box's list (untimed: the choice is the action)."""
    selectbox(page, label).locator('[role="combobox"], input').first.click()
    page.locator('[role="option"]').first.wait_for(timeout=TIMEOUT_MS)


def option(page, text: str):
    return page.get_by_role("option", name=text, exact=True).first


def type_for_suggestion(page, label: str, text: str):
    """Type ``text`` in the place box ``label`` and return its suggestion named ``text`` (or the
    first), once the list of the last keystroke is shown (untimed: the choice is the action)."""
    frame = browser.place_box(page, label)
    box = frame.locator("input").first
    box.click()
    if box.input_value():
        box.press("Control+a")
        box.press("Backspace")
        page.wait_for_timeout(500)
    box.press_sequentially(text, delay=40)
    frame.locator(browser.SUGGESTION).first.wait_for(timeout=TIMEOUT_MS)
    page.wait_for_timeout(1000)
    texts = frame.locator(browser.SUGGESTION).all_inner_texts()
    exact = [i for i, o in enumerate(texts) if o.split(" ", 1)[-1].split(" · ")[0] == text]
    return frame.locator(browser.SUGGESTION).nth(exact[0] if exact else 0)


def timed(page, act: Callable[[], None], done: Callable[[], None], *, wait_ms: float | None = None) -> float:
    """Seconds from ``act()`` to ``done()`` and two frames painted; NaN when the result never came
    (an action lost on an element being replaced, or a key no rerun answered within ``wait_ms``)."""
    global TIMEOUT_MS
    from playwright.sync_api import TimeoutError as Timeout

    arm(page)
    saved, TIMEOUT_MS = TIMEOUT_MS, wait_ms or TIMEOUT_MS
    try:
        t0 = time.perf_counter()
        act()
        done()
        painted(page)
        return time.perf_counter() - t0
    except Timeout:
        return math.nan
    finally:
        TIMEOUT_MS = saved


def rerun_key(page) -> float:
    """The baseline: the "r" key reruns the page as it is (every result from the caches)."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")  # no input has the key
    page.wait_for_timeout(200)
    return timed(page, lambda: page.keyboard.press("r"), lambda: at_rest(page), wait_ms=15_000)


# -- the pages' interactions ---------------------------------------------------------------------------

@dataclass
class Interaction:
    name: str
    #: (page, i) -> seconds of the i-th sample (i = 0: the untimed warm-up)
    run: Callable[[object, int], float]


@dataclass
class Page:
    name: str
    path: str
    interactions: list[Interaction]
    #: untimed, after opening the page: what the interactions need (a stop chosen, a simulation...)
    prepare: Callable[[object], None] | None = None


def overlay_painted(page):
    """``done`` for a kept-frame map (dashboard.deckmap): what the action changed on the map is
    painted (the frame's overlay drawn after the action); to call just before the action."""
    frame = browser.kept_map_frame(page)
    since = page.evaluate("() => Date.now()")
    return lambda: frame.wait_for_function(browser.OVERLAY_PAINTED_JS, arg=since, polling="raf",
                                           timeout=TIMEOUT_MS)


def departures() -> Page:
    stops = ("République", "Gares")

    def choose(page, i: int) -> float:
        name = stops[i % 2]
        pick = type_for_suggestion(page, "Arrêt", name)
        drawn = overlay_painted(page)
        return timed(page, pick.click, lambda: (fresh(page, '[data-testid="stHeading"]', name),
                                                fresh(page, ".spmd-deprow"), drawn()))

    def tab(page, i: int) -> float:
        if i % 2 == 0:
            return timed(page, page.get_by_role("tab", name="Par ligne").click,
                         lambda: fresh(page, ".spmd-board .spmd-dep", ran=False))
        return timed(page, page.get_by_role("tab", name="Par heure").click,
                     lambda: fresh(page, ".spmd-deprow", ran=False))

    return Page("departures", f"/departures?at={WHEN}", [
        Interaction("choose a stop -> board", choose),
        Interaction("tab Par ligne / Par heure -> shown", tab)])


def lines() -> Page:
    picks = (("Ligne 2 ·", "ligne 2 à"), ("Ligne 1 ·", "ligne 1 à"))

    def choose(page, i: int) -> float:
        prefix, heading = picks[i % 2]
        open_options(page, "Ligne")
        opt = page.get_by_role("option").filter(has_text=prefix).first
        drawn = overlay_painted(page)
        return timed(page, opt.click, lambda: (fresh(page, '[data-testid="stMarkdown"]', f"Horaires de la {heading}"),
                                               drawn(), fresh(page, VEGA), fresh(page, TABLE)))

    def stop(page, i: int) -> float:
        box = selectbox(page, "Arrêt")
        box.locator('[role="combobox"], input').first.click()
        opts = page.locator('[role="option"]')
        opts.first.wait_for(timeout=TIMEOUT_MS)
        opt = opts.nth(1 + i % 2)
        name = opt.inner_text().split(". ", 1)[-1]
        return timed(page, opt.click, lambda: fresh(page, '[data-testid="stMarkdown"]', f" à {name}, direction"))

    return Page("lines", "/lines", [Interaction("choose a line -> table, map, chart", choose),
                                    Interaction("choose a stop -> its timetable", stop)])


def _animation_running(page) -> None:
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        for frame in page.frames:
            try:
                if frame.evaluate("() => (window.__spmdFrames || 0) > 0"):
                    return
            except Exception:  # a frame being replaced
                continue
        page.wait_for_timeout(10)
    raise TimeoutError("the animation never started")


def via(page, away: tuple[str, str], link: str, done: Callable[[], None]) -> float:
    """From another page (``away``: its link and its heading), a click on ``link`` -> ``done()``."""
    page.get_by_role("link", name=away[0]).click()
    page.get_by_role("heading", name=away[1]).wait_for(timeout=TIMEOUT_MS)
    page.wait_for_timeout(500)
    return timed(page, page.get_by_role("link", name=link).click, done)


def day_of_buses() -> Page:
    def show(page, i: int) -> float:
        return via(page, ("À propos", "À propos"), "Une journée de bus",
                   lambda: (fresh(page, '[data-testid="stHeading"]', "Une journée de bus"), _animation_running(page)))

    return Page("day of buses", "/day", [Interaction("page shown, animation running", show)])


PLACES = ("Gares", "République", "Villejean-Université", "Beaulieu Chimie", "Sainte-Anne", "Henri Fréville")


def accessibility() -> Page:
    opps = (translate("acc.opp.stops", "fr"), translate("acc.opp.employers", "fr"))

    def isochrone(page, i: int) -> float:
        page.get_by_role("tab", name="Isochrones").click()
        name = PLACES[i % len(PLACES)]
        pick = type_for_suggestion(page, "Isochrone depuis", name)
        return timed(page, pick.click, lambda: (fresh(page, '[data-testid="stCaptionContainer"]', f"{name}"),
                                                fresh(page, DECK), fresh(page, VEGA)))

    def opportunity(page, i: int) -> float:
        page.locator("[role=tab]", has_text="Carte").first.click()
        open_options(page, "Opportunités")
        label = opps[i % 2]
        return timed(page, option(page, label).click,
                     lambda: (fresh(page, '[data-testid="stMetric"]'), fresh(page, DECK), fresh(page, VEGA)))

    def compare(page, i: int) -> float:
        page.get_by_role("tab", name="Comparaison des modes").click()
        return timed(page, page.get_by_role("button", name="Comparer les quatre modes").click,
                     lambda: (fresh(page, TABLE), fresh(page, VEGA)))

    def gap(page, i: int) -> float:
        if i == 0:
            page.get_by_text("Fauteuil roulant", exact=True).click()
            page.get_by_role("tab", name="Temps perdu en fauteuil").wait_for(timeout=600_000)
            page.wait_for_timeout(500)
        page.locator("[role=tab]", has_text="Carte").first.click()
        return timed(page, page.get_by_role("tab", name="Temps perdu en fauteuil").click,
                     lambda: (fresh(page, '[data-testid="stMetric"]', "Habitants", ran=False),
                              fresh(page, DECK, ran=False)))

    return Page("accessibility", "/accessibility", [
        Interaction("isochrone from a place -> map + histogram", isochrone),
        Interaction("opportunity type -> map + metrics", opportunity),
        Interaction("four modes compared -> table + chart", compare),
        Interaction("wheelchair gap tab -> map", gap)])


def scenarios() -> Page:
    names = ("Bus 2011", "Métro b")

    def prepare(page) -> None:
        page.get_by_role("button", name="Et si le métro b avait existé en 2011 ?").click()
        page.get_by_text("Habitants gagnants").wait_for(timeout=600_000)

    def choose(page, i: int) -> float:
        open_options(page, "Scénario")
        opts = page.locator('[role="option"]')
        opt = opts.filter(has_text=names[i % 2]).first
        return timed(page, opt.click, lambda: (fresh(page, '[data-testid="stMetric"]', "Habitants gagnants"),
                                               fresh(page, DECK), fresh(page, VEGA)))

    return Page("scenarios", "/scenarios", [Interaction("choose a scenario -> comparison", choose)],
                prepare=prepare)


def traces() -> Page:
    def prepare(page) -> None:
        arm(page)
        page.get_by_role("button", name="Simuler", exact=True).click()
        at_rest(page)

    def analyse(page, i: int) -> float:
        return timed(page, page.get_by_role("button", name="Analyser et anonymiser").click,
                     lambda: (fresh(page, '[data-testid="stHeading"]', "Risque de ré-identification"),
                              fresh(page, DECK)))

    def afresh(page, i: int) -> float:
        """Parameters never asked before (untimed: a rerun each), then the analysis, so computed:
        modes kept apart or not at every sample, k one higher at every other (5 to 10)."""
        if i % 2:
            arm(page)
            page.locator('[data-testid="stSlider"]').filter(
                has=page.locator('[data-testid="stWidgetLabel"]', has_text="k :")).get_by_role("slider").press(
                "ArrowRight")
            at_rest(page)
        arm(page)
        page.get_by_text("Distinguer les modes", exact=True).click()
        at_rest(page)
        return analyse(page, i)

    return Page("traces", "/traces", [Interaction("analyse 400 simulated people -> risk + map", analyse),
                                      Interaction("new parameters, analysed afresh -> risk + map", afresh)],
                prepare=prepare)


def catalogue() -> Page:
    from sources import all_datasets

    by_id = {ds.id: ds for ds in all_datasets()}
    first = next(iter(by_id))
    #: pairs with a file in the bundle, named differently and each with its own official address
    shown = (by_id["star-stops"], by_id["parkings"])
    checked = (by_id["star-gtfs"], by_id["velo-star"])

    def pick(page, ds) -> Callable[[], None]:
        """The dataset's option in the list, opened (untimed): its click is the action."""
        open_options(page, translate("cat.pick", "fr"))
        page.keyboard.type(ds.title_fr)  # the list shows its first options only: filtered to this one
        option(page, ds.title_fr).wait_for(timeout=TIMEOUT_MS)
        return option(page, ds.title_fr).click

    def details(page, ds) -> None:
        fresh(page, '[data-testid="stMarkdown"] a', ds.urls[0])

    def choose(page, i: int) -> float:
        ds = shown[i % 2]
        return timed(page, pick(page, ds), lambda: details(page, ds))

    def validate(page, i: int) -> float:
        # a visitor's first validation of a dataset in their visit (a session remembers what it
        # validated and shows it again at once): a new visit, the dataset chosen, then the button
        ds = checked[i % 2]
        open_page(page, page.url.split("/catalogue")[0], "/catalogue")
        if ds.id != first:  # the first dataset is the one shown on arrival
            arm(page)
            pick(page, ds)()
            details(page, ds)
            at_rest(page)
        return timed(page, page.get_by_role("button", name=translate("cat.validate", "fr")).click,
                     lambda: (fresh(page, f'.st-key-dl_report_{ds.id}'),
                              fresh(page, '[data-testid="stMetric"]', translate("cat.rows_kept", "fr"))))

    return Page("catalogue", "/catalogue", [Interaction("choose a dataset -> its details", choose),
                                            Interaction("validate it -> report", validate)])


def about() -> Page:
    def show(page, i: int) -> float:
        return via(page, ("Catalogue", "Catalogue des données"), "À propos",
                   lambda: (fresh(page, '[data-testid="stHeading"]', "À propos"), fresh(page, TABLE)))

    return Page("about", "/about", [Interaction("page shown with its table", show)])


PAGES = {p.name.split()[0]: p for p in (departures(), lines(), day_of_buses(), accessibility(), scenarios(),
                                         traces(), catalogue(), about())}


# -- the run -------------------------------------------------------------------------------------------

def measure(base: str, pages: list[Page], runs: int) -> list[tuple[str, str, list[float], list[float]]]:
    from playwright.sync_api import sync_playwright

    out = []
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(browser.CHROMIUM), args=browser.CHROMIUM_ARGS)
        context = chromium.new_context(viewport={"width": 1440, "height": 900}, locale="fr-FR")
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        for spec in pages:
            open_page(page, base, spec.path)
            if spec.prepare is not None:
                spec.prepare(page)
            print(f"{spec.name}: page open", flush=True)
            base_s = [s for s in (rerun_key(page) for _ in range(runs + 1)) if not math.isnan(s)][1:]
            print(f"  {spec.name}: baseline, the page rerun ('r'): p50 {median(base_s):.2f} s", flush=True)
            for inter in spec.interactions:
                samples = []
                lost = 0
                for i in range(runs + 1):
                    page.wait_for_timeout(300)
                    try:
                        s = inter.run(page, i)
                    except Exception as exc:  # a step before the action failed: the page opened again
                        print(f"  {spec.name}: {inter.name}: {type(exc).__name__} {str(exc)[:120]}", flush=True)
                        open_page(page, base, spec.path)
                        if spec.prepare is not None:
                            spec.prepare(page)
                        s = math.nan
                    if math.isnan(s):
                        lost += 1
                        page.wait_for_function(AT_REST_JS.replace("window.__spmdRan === true &&", ""))
                    elif i:
                        samples.append(s)
                if lost:
                    print(f"  {spec.name}: {inter.name}: {lost} action(s) without their result, left out")
                if not samples:
                    continue
                print(f"  {spec.name}: {inter.name}: p50 {median(samples):.2f} s, p95 {percentile(samples, 95):.2f} s",
                      flush=True)
                out.append((spec.name, inter.name, samples, base_s))
        chromium.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bundle", default=os.environ.get("SPMD_BUNDLE") or str(ROOT.parent / "shared/data/rennes"))
    ap.add_argument("--cache", default=os.environ.get("SPMD_CACHE"), help="network cache (default: a new one)")
    ap.add_argument("--runs", type=int, default=10, help="timed samples per interaction (after one untimed)")
    ap.add_argument("--url", default="", help="a dashboard already running (its cache and load are yours)")
    ap.add_argument("--only", default="", help=f"comma-separated pages among {', '.join(PAGES)}")
    args = ap.parse_args()
    if not browser.CHROMIUM.exists():
        sys.exit("no /usr/bin/chromium: nothing measured")
    chosen = [PAGES[n.strip()] for n in args.only.split(",") if n.strip()] or list(PAGES.values())
    if args.url:
        report(args, measure(args.url.rstrip("/"), chosen, args.runs))
        return
    with tempfile.TemporaryDirectory() as tmp:
        env = {"SPMD_BUNDLE": args.bundle, "SPMD_CACHE": args.cache or str(Path(tmp) / "cache"),
               "SPMD_OFFLINE": "1"}
        port = browser.free_port()
        proc = browser.start_streamlit(port=port, env=env, log_path=Path(tmp) / "server.log")
        try:
            browser.wait_healthy(port, proc=proc, timeout_s=600)
            results = measure(f"http://127.0.0.1:{port}", chosen, args.runs)
        finally:
            browser.stop_streamlit(proc)
    report(args, results)


def report(args: argparse.Namespace, results: list[tuple[str, str, list[float], list[float]]]) -> None:
    print(f"\nchromium 1440 px, real planner on {args.bundle}, warm (one untimed run first), n={args.runs} each; "
          f"target p95 <= 1 s")
    print(f"{'page':<14} {'interaction':<44} {'p50':>6} {'p95':>6}  {'rerun p50':>9}  ratio p50")
    for page, name, samples, base_s in results:
        flag = "" if percentile(samples, 95) <= 1.0 else "  > 1 s"
        print(f"{page:<14} {name:<44} {median(samples):6.2f} {percentile(samples, 95):6.2f}  "
              f"{median(base_s):9.2f}  x{median(samples) / median(base_s):.1f}{flag}")
    print(load_average())


if __name__ == "__main__":
    main()
