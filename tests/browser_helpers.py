"""Helpers for the dashboard tests: a small planner and tiny datasets (the server and the browser
session are :mod:`devkit.browser`'s, shared with the dashboard benches).

``SmallPlanner`` is a test double with the planner's contract (search_places,
resolve_place, plan, date): a real place index (routing.places) over six Rennes
places and straight-line walk/bike itineraries. ``small_planner`` is its factory
for ``$SPMD_DASHBOARD_PLANNER`` in the browser tests.
"""

from __future__ import annotations

import math
import threading
import time
from datetime import date, datetime, timedelta

import pandas as pd

from devkit.browser import ROOT, SUGGESTION, place_box
from routing.places import PlaceIndex
from routing.planner.itinerary import Itinerary, Leg, PlanResult
from sources.errors import DatasetNotFound
from sources.messages import Msg
from sources.validate import Loaded, Report

#: where the browser tests leave their screenshots (git-ignored)
SHOTS = ROOT / "artifacts" / "screenshots"

PLACES = pd.DataFrame([
    ("Gares", "stop", -1.6727, 48.1035, "g"),
    ("Beaulieu Chimie", "stop", -1.6372, 48.1186, "b"),
    ("République", "stop", -1.6790, 48.1100, "r"),
    ("Villejean-Université", "stop", -1.7013, 48.1216, "v"),
    ("Rue de Brest", "street", -1.6950, 48.1120, "s1"),
    ("Hôtel Dieu", "bikeshare", -1.6778, 48.1176, "h"),
], columns=["name", "kind", "lon", "lat", "id"])


def drawn(rows: list[dict]) -> object:
    """The area a deck.gl polygon layer's rows cover (``polygon``: outer ring then holes), a shapely
    geometry: the accessibility maps draw cells merged by class, so a test compares areas."""
    import shapely

    return shapely.union_all([shapely.Polygon(r["polygon"][0], r["polygon"][1:]) for r in rows])


def same_area(a: object, b: object) -> bool:
    """Two shapely geometries (degrees) cover the same ground, within the rows' rounding to 5 decimals
    (each edge moved by at most 1e-5 degree: far less than a 200 m cell)."""
    return a.symmetric_difference(b).area <= 1e-5 * (a.length + b.length) + 1e-12


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
        reasons = {m: Msg("plan.outside_data", side="destination", mode=m, km="4.2")
                   for m in modes if m not in ("walk", "bike")}
        if not its:
            return PlanResult([], reason="no mode available", reasons=reasons)
        return PlanResult(sorted(its, key=lambda i: i.duration_s), reasons=reasons)


def _report(dataset_id: str, n: int, bad: int = 0) -> Report:
    rep = Report(dataset_id, files=[f"{dataset_id}.csv"], rows_read=n + bad, rows_kept=n)
    for i in range(bad):
        rep.quarantine("point_near_origin", Msg("finding.near_origin"), file=f"{dataset_id}.csv", row=i + 1,
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


def real_planner_usable() -> bool:
    """The real planner can be built here (routing.planner.planner and its network builder exist)."""
    import importlib.util

    try:
        return all(importlib.util.find_spec(m) is not None for m in ("routing.planner.planner", "routing.network.inputs"))
    except (ImportError, ValueError):
        return False


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
        # the texts read at once: the list may be redrawn (a later keystroke's answer) while it is read
        texts = frame.locator(SUGGESTION).all_inner_texts()
        exact = [i for i, o in enumerate(texts) if o.split(" ", 1)[-1].split(" · ")[0] == text]
        try:
            frame.locator(SUGGESTION).nth(exact[0] if exact else 0).click(timeout=10_000)
        except Exception:  # the list was redrawn shorter: its first suggestion
            first.click()
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
