"""Helpers for the dashboard tests: a small planner, tiny datasets, a streamlit server fixture.

``SmallPlanner`` is a test double with the planner's contract (search_places,
resolve_place, plan, date): a real place index (routing.places) over six Rennes
places and straight-line walk/bike itineraries. ``small_planner`` is its factory
for ``$SPMD_DASHBOARD_PLANNER`` in the browser tests.
"""

from __future__ import annotations

import asyncio
import math
import os
import random
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd

from routing.places import PlaceIndex
from routing.planner.itinerary import Itinerary, Leg, PlanResult
from sources.errors import DatasetNotFound
from sources.validate import Loaded, Report

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
#: where the browser tests leave their screenshots (git-ignored)
SHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]

PLACES = pd.DataFrame([
    ("Gares", "stop", -1.6727, 48.1035, "g"),
    ("Beaulieu Chimie", "stop", -1.6372, 48.1186, "b"),
    ("République", "stop", -1.6790, 48.1100, "r"),
    ("Villejean-Université", "stop", -1.7013, 48.1216, "v"),
    ("Rue de Brest", "street", -1.6950, 48.1120, "s1"),
    ("Hôtel Dieu", "bikeshare", -1.6778, 48.1176, "h"),
], columns=["name", "kind", "lon", "lat", "id"])


def _distance_m(a, b) -> float:
    kx = 111_320 * math.cos(math.radians((a.lat + b.lat) / 2))
    return math.hypot((a.lon - b.lon) * kx, (a.lat - b.lat) * 110_540)


class SmallPlanner:
    """Straight-line walk and bike itineraries between indexed places (a test double)."""

    date = date(2011, 11, 15)
    SPEEDS_M_S = {"walk": 1.3, "bike": 4.2}

    def __init__(self) -> None:
        self.index = PlaceIndex(PLACES)
        self.calls: list[dict] = []

    def search_places(self, text: str, *, limit: int = 8):
        return self.index.search(text, limit=limit)

    def resolve_place(self, text: str):
        return self.index.resolve(text)

    def plan(self, origin, destination, when: datetime, *, arrive_by=False, modes=("walk",), params=None):
        self.calls.append({"origin": origin, "destination": destination, "when": when,
                           "arrive_by": arrive_by, "modes": tuple(modes), "params": params})
        dist = _distance_m(origin, destination)
        if dist < 1:
            return PlanResult([], reason="origin and destination are the same place")
        its = []
        for mode in ("walk", "bike"):
            if mode not in modes:
                continue
            dur = timedelta(seconds=dist / self.SPEEDS_M_S[mode])
            dep = when - dur if arrive_by else when
            leg = Leg(mode, origin.name, destination.name, dep, dep + dur, dist,
                      [(origin.lon, origin.lat), (destination.lon, destination.lat)])
            its.append(Itinerary(mode, [leg]))
        # the other modes answer as the real planner does when a place lies beyond the street data
        from routing.messages import Msg

        reasons = {m: Msg("plan.outside_data", side="destination", mode=m, km="4.2")
                   for m in modes if m not in ("walk", "bike")}
        if not its:
            return PlanResult([], reason="no mode available", reasons=reasons)
        return PlanResult(sorted(its, key=lambda i: i.duration_s), reasons=reasons)


def _report(dataset_id: str, n: int, bad: int = 0) -> Report:
    rep = Report(dataset_id, files=[f"{dataset_id}.csv"], rows_read=n + bad, rows_kept=n)
    for i in range(bad):
        rep.quarantine("point_near_origin", "coordinates at 0,0", file=f"{dataset_id}.csv", row=i + 1,
                       field="lon", value=0)
    return rep


def contract_frame(columns: dict[str, list], contract: dict[str, str]) -> pd.DataFrame:
    """A frame with every column of a loader's ``contract``, in its dtypes (absent ones empty:
    0 for int64, False for bool, else missing)."""
    n = len(next(iter(columns.values())))
    empty = {"int64": 0, "bool": False}
    return pd.DataFrame({c: pd.Series(columns.get(c, [empty.get(t)] * n), dtype=t if t != "geometry" else object)
                         for c, t in contract.items()})


def small_loader(dataset_id: str) -> Loaded:
    """Tiny loaded datasets in their loaders' column contracts (``velo-star``, ``bnlc``, ``osm-streets``)."""
    if dataset_id == "velo-star":
        from sources.loaders.bikeshare import COLUMNS

        frame = contract_frame({"station_id": ["1", "2", "3"], "name": ["République", "Gares", "<b>X</b>"],
                          "lon": [-1.679, -1.673, -1.66], "lat": [48.110, 48.1035, 48.12],
                          "capacity": [40, 20, 10], "bikes_available": [30, 0, 2],
                          "is_renting": [True, True, False]}, COLUMNS)
        return Loaded(frame, _report(dataset_id, 3, bad=2))
    if dataset_id == "bnlc":
        from sources.loaders.carpool import COLUMNS

        frame = contract_frame({"name": ["Aire A", "Far away"], "lon": [-1.60, 5.0], "lat": [48.10, 45.0],
                          "places": [12, 3]}, COLUMNS)
        return Loaded(frame, _report(dataset_id, 2))
    if dataset_id == "osm-streets":
        import shapely

        from sources.loaders.streets import COLUMNS, StreetNetwork

        geoms = [shapely.LineString([(-1.68, 48.11), (-1.67, 48.11)]),
                 shapely.LineString([(-1.67, 48.11), (-1.67, 48.12)]), shapely.Point(-1.675, 48.11)]
        edges = contract_frame({"u": [0, 1, 2], "v": [1, 2, 2], "name": ["Rue A", "Rue B", "signal"],
                          "geometry": shapely.to_wkb(geoms).tolist()}, COLUMNS["edges"])
        nodes = pd.DataFrame({"x": [-1.68, -1.67, -1.67], "y": [48.11, 48.11, 48.12]},
                             index=pd.Index([0, 1, 2], name="node_id"))
        return Loaded(StreetNetwork(nodes, edges), _report(dataset_id, 3))
    raise DatasetNotFound(f"{dataset_id} not in the test set")



def small_planner() -> SmallPlanner:
    """Factory for ``SPMD_DASHBOARD_PLANNER=tests.browser_helpers:small_planner``."""
    return SmallPlanner()


#: opened by a test to let :func:`gated_small_planner` finish (a network that takes its time to load)
PLANNER_GATE = threading.Event()


def gated_small_planner() -> SmallPlanner:
    """A SmallPlanner that is "loading" until :data:`PLANNER_GATE` is set (at most 60 s)."""
    PLANNER_GATE.wait(60)
    return SmallPlanner()


class ServerURL(str):
    """The base URL of a test server, with the server's process id (for memory figures)."""

    pid: int = 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_streamlit(*, port: int, env: dict[str, str], log_path: Path,
                    extra_args: tuple[str, ...] = ()) -> subprocess.Popen:
    """``python -m dashboard`` (``streamlit run dashboard/app.py`` with the planner loading from the
    process start) on 127.0.0.1:port, headless, output to ``log_path``."""
    cmd = [sys.executable, "-m", "dashboard",
           "--server.address", "127.0.0.1", "--server.port", str(port), "--server.headless", "true",
           "--browser.gatherUsageStats", "false", "--global.developmentMode", "false", *extra_args]
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    log = open(log_path, "wb")  # noqa: SIM115 - closed by stop_streamlit
    proc = subprocess.Popen(cmd, cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT)
    proc._spmd_log = log  # type: ignore[attr-defined]
    return proc


def wait_healthy(port: int, *, timeout_s: float = 90.0, proc: subprocess.Popen | None = None,
                 poll_s: float = 0.2) -> float:
    """Seconds until ``/_stcore/health`` answers ok; raises TimeoutError."""
    t0 = time.perf_counter()
    url = f"http://127.0.0.1:{port}/_stcore/health"
    while time.perf_counter() - t0 < timeout_s:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return time.perf_counter() - t0
        except OSError:
            time.sleep(poll_s)
    raise TimeoutError(f"streamlit not healthy on port {port} after {timeout_s} s")


def stop_streamlit(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)
    log = getattr(proc, "_spmd_log", None)
    if log is not None:
        log.close()


#: arms a watcher of the app's script state (``data-test-script-state`` of stApp): call it, act, then
#: wait for :data:`RERUN_DONE_JS`; a rerun is seen even when it is over within a frame
ARM_RERUN_JS = """() => {
  window.__spmdRan = false;
  if (!window.__spmdObs) {
    const isApp = n => n.nodeType === 1 && (n.matches('[data-testid="stApp"]') || n.querySelector('[data-testid="stApp"]'));
    window.__spmdObs = new MutationObserver(ms => { for (const m of ms) {
      if (m.type === 'attributes' && (m.oldValue === 'running' || m.target.getAttribute(m.attributeName) === 'running'))
        window.__spmdRan = true;
      if (m.type === 'childList' && [...m.addedNodes].some(isApp)) window.__spmdRan = true;  // app remounted
    } });
    window.__spmdObs.observe(document.body, {subtree: true, childList: true, attributes: true,
                                             attributeFilter: ['data-test-script-state'], attributeOldValue: true});
  }
}"""
SCRIPT_STATE_JS = """() => document.querySelector('[data-testid="stApp"]')?.getAttribute('data-test-script-state')"""
RERUN_DONE_JS = """() => window.__spmdRan === true &&
  document.querySelector('[data-testid="stApp"]').getAttribute('data-test-script-state') === 'notRunning'"""


FOLIUM_FRAME = 'iframe[title="streamlit_folium.st_folium"]'


#: the place boxes with suggestions (dashboard/places_input.py: streamlit-searchbox)
PLACE_FRAME = 'iframe[title="streamlit_searchbox.searchbox"]'
#: the suggestions listed under a place box (react-select options)
SUGGESTION = '[id*="-option-"]'


def place_box(page, label: str, *, timeout_ms: float = 120_000):
    """The frame of the place box labelled ``label`` (the label is drawn inside the component)."""
    deadline = time.monotonic() + timeout_ms / 1000
    while time.monotonic() < deadline:
        boxes = page.frame_locator(PLACE_FRAME)
        for i in range(page.locator(PLACE_FRAME).count()):
            frame = boxes.nth(i)
            try:
                if frame.locator("#root").inner_text(timeout=2000).strip().startswith(label):
                    return frame
            except Exception:  # a frame being replaced
                continue
        page.wait_for_timeout(300)
    raise AssertionError(f"no place box labelled {label!r}")


def type_place(page, label: str, text: str, *, pick: bool = True) -> str:
    """Type ``text`` in a place box as a visitor does (key by key) and, with ``pick``, choose the first
    suggestion (Enter); returns the first suggestion's text."""
    frame = place_box(page, label)
    box = frame.locator("input").first
    box.click()
    box.press_sequentially(text, delay=40)
    first = frame.locator(SUGGESTION).first
    first.wait_for(timeout=120_000)
    page.wait_for_timeout(1000)  # the list of the last keystroke (a slower earlier answer may come first)
    shown = first.inner_text()
    if pick:  # the suggestion named exactly as typed, else the first one
        options = frame.locator(SUGGESTION).all()
        exact = [o for o in options if o.inner_text().split(" ", 1)[-1].split(" · ")[0] == text]
        (exact[0] if exact else first).click()
        page.wait_for_timeout(800)  # the page reruns with the place chosen
    return shown


def wait_place_text(page, label: str, text: str, *, timeout_ms: float = 30_000) -> None:
    """Wait until the place box ``label`` shows ``text`` (the box is found again at each look: a box
    whose content was set from outside is drawn anew)."""
    deadline = time.monotonic() + timeout_ms / 1000
    seen = None
    while time.monotonic() < deadline:
        try:
            seen = place_box(page, label, timeout_ms=5_000).locator("input").first.input_value(timeout=2_000)
        except Exception:  # a frame being replaced
            seen = None
        if seen == text:
            return
        page.wait_for_timeout(300)
    raise AssertionError(f"the place box {label!r} shows {seen!r}, not {text!r}")


def wait_trip_map_drawn(page, *, timeout_ms: float = 120_000) -> None:
    """Wait until the trip map (Leaflet in the streamlit-folium iframe) has drawn its base layer."""
    frame = page.frame_locator(FOLIUM_FRAME).first
    frame.locator(".leaflet-container").wait_for(timeout=timeout_ms)
    frame.locator(".leaflet-overlay-pane canvas, .leaflet-tile-loaded").first.wait_for(timeout=timeout_ms)


def real_planner_usable() -> bool:
    """The real planner can be built here (routing.planner.planner and its network builder exist)."""
    import importlib.util

    try:
        return all(importlib.util.find_spec(m) is not None for m in ("routing.planner.planner", "routing.network.inputs"))
    except (ImportError, ValueError):
        return False


# -- many visitors at once (tests/browser/test_dashboard.py and bench/bench_dashboard_load.py) ----------------

#: (origin, destination) typed by the sessions: stops and districts of Rennes
TRIPS = (("Gares", "Beaulieu"), ("République", "Villejean"), ("Sainte-Anne", "Gares"),
         ("Beaulieu", "République"), ("Villejean", "Sainte-Anne"), ("Gares", "République"))


@dataclass
class SessionStats:
    plans: int = 0
    retries: int = 0
    frames: int = 0
    plan_s: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class RssSampler:
    """Samples a process's resident memory (MB) every ``every_s`` seconds in a thread."""

    def __init__(self, pid: int, *, every_s: float = 1.0) -> None:
        import psutil

        self.proc = psutil.Process(pid)
        self.every_s = every_s
        self.samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def rss_mb(self) -> float:
        return self.proc.memory_info().rss / 2**20

    def _run(self) -> None:
        t0 = time.monotonic()
        while not self._stop.is_set():
            try:
                self.samples.append((time.monotonic() - t0, self.rss_mb()))
            except Exception:  # the process ended
                return
            self._stop.wait(self.every_s)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def peak_mb(self) -> float:
        return max((mb for _, mb in self.samples), default=float("nan"))


async def type_place_async(page, label: str, text: str) -> None:
    """Type ``text`` in the place box ``label`` (streamlit-searchbox) and choose the first suggestion."""
    frames = page.frame_locator(PLACE_FRAME)
    for _ in range(200):
        for i in range(await page.locator(PLACE_FRAME).count()):
            frame = frames.nth(i)
            try:
                if (await frame.locator("#root").inner_text(timeout=2000)).strip().startswith(label):
                    box = frame.locator("input").first
                    await box.click()
                    await box.fill(text)
                    await frame.locator(SUGGESTION).first.wait_for(timeout=60_000)
                    await box.press("Enter")
                    return
            except Exception:  # a frame being replaced: look again
                continue
        await page.wait_for_timeout(300)
    raise TimeoutError(f"no place box labelled {label!r}")


async def _rerun_after(page, action, stats: SessionStats, *, tries: int = 3, wait_s: float = 30.0) -> None:
    """Await ``action()`` and the rerun it causes: the app is idle again after the server sent
    something (websocket frames counted in ``stats.frames``) or the script state was seen running
    (:data:`ARM_RERUN_JS`; React may batch a quick run away from the DOM under load), with 250 ms
    of quiet. An interaction that caused nothing within ``wait_s`` (landed on an element being
    replaced) is done again, at most ``tries`` times, counted in ``stats.retries``."""
    for attempt in range(tries):
        await page.evaluate(ARM_RERUN_JS)
        before = stats.frames
        await action()
        t0 = time.monotonic()
        last, last_change = stats.frames, time.monotonic()
        while time.monotonic() - t0 < wait_s:
            await page.wait_for_timeout(50)
            if stats.frames != last:
                last, last_change = stats.frames, time.monotonic()
            ran = stats.frames > before or await page.evaluate("() => window.__spmdRan === true")
            if ran and time.monotonic() - last_change > 0.25 and await page.evaluate(SCRIPT_STATE_JS) == "notRunning":
                return
        if attempt == tries - 1:
            raise TimeoutError(f"no rerun within {wait_s:.0f} s")
        stats.retries += 1


async def _session(browser, url: str, idx: int, deadline: float, stats: SessionStats, *, seed: int) -> None:
    rng = random.Random(seed)
    context = await browser.new_context(viewport={"width": 1400, "height": 900}, locale="fr-FR")
    page = await context.new_page()

    def on_console(msg) -> None:
        if msg.type == "error":
            stats.errors.append(f"s{idx} console: {msg.text[:160]}")

    def on_websocket(ws) -> None:
        def on_frame(_payload: object) -> None:
            stats.frames += 1

        ws.on("framereceived", on_frame)

    page.on("websocket", on_websocket)
    page.on("console", on_console)
    page.on("pageerror", lambda e: stats.errors.append(f"s{idx} pageerror: {str(e)[:160]}"))
    page.on("requestfailed", lambda r: stats.errors.append(f"s{idx} request failed: {r.url[:120]}"))
    page.on("response", lambda r: stats.errors.append(f"s{idx} HTTP {r.status} {r.url[:120]}")
            if r.status >= 400 else None)
    page.set_default_timeout(120_000)
    typed = {"Départ": "", "Arrivée": ""}
    kind_now = "Partir à"
    step = "open"
    try:
        await page.goto(url)
        await page.locator(PLACE_FRAME).first.wait_for()
        await page.wait_for_function(RERUN_DONE_JS.replace("window.__spmdRan === true &&", ""))
        while True:  # at least one plan, then until the deadline
            origin, dest = rng.choice(TRIPS)
            for label, text in (("Départ", origin), ("Arrivée", dest)):
                if typed[label] == text:
                    continue
                step = f"type {label}"

                async def type_it(label=label, text=text) -> None:
                    await type_place_async(page, label, text)

                await _rerun_after(page, type_it, stats)
                typed[label] = text
            kind = "Arriver avant" if rng.random() < 0.3 else "Partir à"  # depart-at or arrive-by
            if kind != kind_now:
                step = kind
                await _rerun_after(page, page.get_by_text(kind, exact=True).click, stats)
                kind_now = kind
            t0 = time.monotonic()
            step = "plan"
            await _rerun_after(page, page.get_by_role("button", name="Calculer").click, stats)
            if await page.locator(".spmd-card").count() == 0:
                stats.errors.append(f"s{idx} no itinerary card for {origin} -> {dest}")
                if os.environ.get("SPMD_LOAD_SHOTS"):
                    await page.screenshot(path=f"{os.environ['SPMD_LOAD_SHOTS']}/load-s{idx}.png")
            else:
                stats.plans += 1
                stats.plan_s.append(time.monotonic() - t0)
            if await page.locator('[data-testid="stException"]').count():
                stats.errors.append(f"s{idx} exception box shown")
            if await page.get_by_text("Désolé").count():
                stats.errors.append(f"s{idx} error message shown")
            await page.wait_for_timeout(rng.randint(200, 800))  # a visitor reads the cards
            if time.monotonic() >= deadline:
                break
    except Exception as exc:  # a timeout or a crash of the page: counted, the others go on
        state = await page.evaluate(SCRIPT_STATE_JS) if not page.is_closed() else "closed"
        stats.errors.append(f"s{idx} {type(exc).__name__} at {step!r} (script state {state}): {str(exc)[:120]}")
        if os.environ.get("SPMD_LOAD_SHOTS"):
            await page.screenshot(path=f"{os.environ['SPMD_LOAD_SHOTS']}/load-s{idx}-error.png")
    finally:
        await context.close()


async def run_sessions(url: str, *, sessions: int, duration_s: float, seed: int = 0) -> list[SessionStats]:
    """``sessions`` browser contexts (one chromium) planning trips until ``duration_s`` has passed."""
    from playwright.async_api import async_playwright

    stats = [SessionStats() for _ in range(sessions)]
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        deadline = time.monotonic() + duration_s
        await asyncio.gather(*(_session(browser, url, i, deadline, stats[i], seed=seed + i)
                               for i in range(sessions)))
        await browser.close()
    return stats
