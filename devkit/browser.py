"""The dashboard as a visitor meets it, for the browser tests and the dashboard benches: its server
started and stopped, a headless chromium (Debian's, driven by Playwright), the trip map drawn, and
many visitors planning trips at once (``run_sessions``) while the server's memory is sampled
(``RssSampler``).
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


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
#: the place boxes with suggestions (dashboard/places_input.py: streamlit-searchbox) and their suggestions
PLACE_FRAME = 'iframe[title="streamlit_searchbox.searchbox"]'
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


def kept_map_frame(page, *, timeout_s: float = 120.0):
    """The frame of a page's kept-frame map (:mod:`dashboard.deckmap`: layers, departures, lines) once
    deck.gl has drawn it (browser tests and benches); TimeoutError when it never is."""
    deadline = time.perf_counter() + timeout_s
    while time.perf_counter() < deadline:
        for frame in page.frames:
            try:
                if frame.evaluate("() => !!(window.__spmdDeckReady && window.__spmdDeckReady())"):
                    return frame
            except Exception:  # noqa: BLE001 - a frame being replaced
                continue
        page.wait_for_timeout(50)
    raise TimeoutError("the map was never drawn")


#: a kept-frame map has painted the overlay its page sent last, after ``t`` (the page's Date.now())
OVERLAY_PAINTED_JS = "t => !!(window.__spmdDrawn && window.__spmdDrawn().overlayAt > t)"


def wait_trip_map_drawn(page, *, timeout_ms: float = 120_000) -> None:
    """Wait until the trip map (Leaflet in the streamlit-folium iframe) has drawn its base layer."""
    frame = page.frame_locator(FOLIUM_FRAME).first
    frame.locator(".leaflet-container").wait_for(timeout=timeout_ms)
    frame.locator(".leaflet-overlay-pane canvas, .leaflet-tile-loaded").first.wait_for(timeout=timeout_ms)


#: true once the trip map's Leaflet map (``window.map`` of the streamlit-folium frame) holds an itinerary
#: leg: a line at least 5 px wide (dashboard.leaflet.add_itinerary; the street base map is thinner)
TRIP_LEGS_JS = """() => { const m = window.map; if (!m || !m.eachLayer) return false; let found = false;
  m.eachLayer(l => { if (l instanceof L.Polyline && (l.options.weight || 0) >= 5) found = true; }); return found; }"""


def wait_trip_legs_drawn(page, *, timeout_ms: float = 120_000) -> None:
    """Wait until the trip map has drawn an itinerary's legs (not only its base layer)."""
    wait_trip_map_drawn(page, timeout_ms=timeout_ms)
    deadline = time.monotonic() + timeout_ms / 1000
    while time.monotonic() < deadline:
        for frame in page.frames:
            if "streamlit_folium" in frame.url:
                try:
                    if frame.evaluate(TRIP_LEGS_JS):
                        return
                except Exception:  # a frame being replaced: look again
                    continue
        page.wait_for_timeout(50)
    raise TimeoutError("no itinerary drawn on the trip map")


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
            await _rerun_after(page, page.get_by_role("button", name="Calculer", exact=True).first.click, stats)
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
