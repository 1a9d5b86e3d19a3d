"""All Streamlit caching and session state of the dashboard lives here.

* Heavy, read-only objects shared by every session of the process (loaded datasets,
  prepared map layers, accessibility results) are ``st.cache_resource`` entries: built once
  per process, never mutated.
* The planner (network and engines) loads in a background thread (:class:`BackgroundLoad`,
  in a module-level registry) started with the server process by ``python -m dashboard`` or
  by the first run of the app: pages draw their widgets at once, poll
  :func:`planner_if_ready` and show progress only where a result needs the planner.
* Per-session values (chosen places, plan results, last interaction
  time for the kiosk) are ``st.session_state`` entries; the language is read by
  :func:`dashboard.i18n.language`.

Tests replace the planner, the dataset loader, the accessibility context or the address index with
:func:`set_override` (``"planner"``: a zero-argument factory; ``"load_dataset"``: a function
``dataset_id -> Loaded``; ``"access"``: a factory of a ``dashboard.services.accessibility.AccessContext``;
``"addresses"``: a factory of a ``routing.network.AddressIndex`` or None; ``"stop_ranking"``: a
factory of a ``routing.scenarios.StopRanking``);
overridden values are not cached. The operator (never a URL) may also name another planner
factory in ``$SPMD_DASHBOARD_PLANNER`` (``"module:function"``), e.g. for browser tests before
the network is built.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
import time
from collections.abc import Callable
from datetime import date, datetime
from datetime import time as dtime
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import maps
from dashboard.i18n import language
from sources import settings

log = logging.getLogger("dashboard")

DEFAULT_WARM_TIME = dtime(8, 0)


def kiosk_idle_s() -> float:
    """Kiosk: back to the welcome screen after this many seconds without interaction
    (``$SPMD_KIOSK_IDLE_S``, default 120)."""
    return float(os.environ.get("SPMD_KIOSK_IDLE_S", "120"))


def kiosk_check_s() -> float:
    """How often the kiosk checks for inactivity (``$SPMD_KIOSK_CHECK_S``, default 15)."""
    return float(os.environ.get("SPMD_KIOSK_CHECK_S", "15"))


_overrides: dict[str, Callable[..., Any]] = {}


def set_override(name: str, value: Callable[..., Any]) -> None:
    """Replace ``"planner"`` (factory), ``"load_dataset"`` (id -> Loaded), ``"access"`` (factory of a
    :class:`dashboard.services.accessibility.AccessContext`) or ``"stop_ranking"`` (factory of a
    ``routing.scenarios.StopRanking``), for tests and demos."""
    if name not in {"planner", "load_dataset", "access", "addresses", "stop_ranking"}:
        raise ValueError(f"unknown override {name!r}; use 'planner', 'load_dataset', 'access', "
                         "'addresses' or 'stop_ranking'")
    _overrides[name] = value


def clear_overrides() -> None:
    _overrides.clear()


def bundle_path() -> Path | None:
    """The offline bundle: ``$SPMD_BUNDLE``, else ``../shared/data/rennes`` beside the checkout."""
    path = settings.bundle_dir()
    if path is None:
        cand = settings.default_bundle_candidate()
        path = cand if (cand / "README.md").exists() else None
    return path


def _bundle_key() -> str:
    path = bundle_path()
    return str(path) if path else ""


# -- session ----------------------------------------------------------------------------------------

def touch() -> None:
    """Record a user interaction (every full rerun is one)."""
    st.session_state["last_interaction"] = time.monotonic()


def idle_s() -> float:
    return time.monotonic() - st.session_state.get("last_interaction", time.monotonic())


def reset_session(*, keep: tuple[str, ...] = ("kiosk",)) -> None:
    """Forget everything the visitor did (kiosk reset); the language goes back to French."""
    for key in list(st.session_state.keys()):
        if key not in keep:
            del st.session_state[key]


def kiosk_expired() -> bool:
    """A kiosk visitor did something and then nothing for KIOSK_IDLE_S. A visitor whose trip is
    still waiting for the network (first start of a cold kiosk) is waiting, not gone: the limit
    is then ten times longer."""
    pending = bool(st.session_state.get("auto_plan"))
    return bool(st.session_state.get("kiosk_dirty")) and idle_s() > kiosk_idle_s() * (10 if pending else 1)


def kiosk_reset() -> None:
    """Back to the kiosk welcome screen: session and trip URL forgotten, kiosk kept."""
    reset_session()
    st.query_params.clear()
    st.query_params["kiosk"] = "1"


@st.cache_resource(show_spinner=False, max_entries=1)
def landmarks() -> pd.DataFrame:
    """The landmark table (``assets/landmarks.csv`` through ``routing.network.load_landmarks``: the
    kiosk's origin and destinations), read once per process (read-only)."""
    from routing.network import load_landmarks

    return load_landmarks()


def is_kiosk() -> bool:
    if st.session_state.get("kiosk"):
        return True
    if st.query_params.get("kiosk") == "1":
        st.session_state["kiosk"] = True
        return True
    return False


# -- the planner (loaded in the background) ---------------------------------------------------------

class BackgroundLoad:
    """A heavy object built once in a daemon thread; pages poll it and never block their first paint.

    ``factory`` builds the value; ``warm`` (optional) runs on it afterwards, once it is already
    served (e.g. one tiny plan, so that numba kernels are loaded before most visitors' first
    request). The value must be read-only and safe to share across threads.
    """

    def __init__(self, name: str, factory: Callable[[], Any], *,
                 warm: Callable[[Any], None] | None = None) -> None:
        self.name = name
        self.value: Any = None
        self.failed = False
        self.started = time.monotonic()
        self.finished: float | None = None
        self._factory = factory
        self._warm = warm
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"spmd-load-{name}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self.value = self._factory()
        except Exception:
            log.exception("%s could not be loaded", self.name)
            self.failed = True
        finally:
            self.finished = time.monotonic()
            self._done.set()
        if self.failed:
            return
        log.info("%s ready in %.1f s", self.name, self.finished - self.started)
        if self._warm is not None:  # after "ready": a visitor's first request may run alongside
            t0 = time.monotonic()
            try:
                self._warm(self.value)
                log.info("%s warmed up in %.1f s", self.name, time.monotonic() - t0)
            except Exception:  # a failed warm-up only costs the first request its compile time
                log.exception("%s warm-up failed", self.name)

    @property
    def ready(self) -> bool:
        return self._done.is_set() and not self.failed

    @property
    def elapsed_s(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    def wait(self, timeout_s: float | None = None) -> Any | None:
        """The value once ready (None on timeout or failure)."""
        self._done.wait(timeout_s)
        return self.value if self.ready else None


#: a failed background load is tried again after this many seconds (not at every rerun)
RETRY_AFTER_S = 60.0


def planner_available() -> bool:
    if "planner" in _overrides or os.environ.get("SPMD_DASHBOARD_PLANNER"):
        return True
    try:
        return importlib.util.find_spec("routing.planner") is not None
    except (ImportError, ValueError):
        return False


def _build_real_planner(bundle_key: str) -> Any:
    from routing.planner import Planner  # heavy: loads data, builds or reads the cached network

    # no day: the network is built for the feed's representative weekday (routing.network.inputs)
    return Planner.from_bundle(Path(bundle_key) if bundle_key else None)


def _build_factory_planner(spec: str) -> Any:
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)()


def warm_planner(planner: Any) -> None:
    """One tiny plan between two nearby stops with every mode: loads the numba kernels and the
    lazily built kd-trees and reverse graphs, so that the first visitor does not pay for them."""
    tt = getattr(getattr(planner, "network", None), "timetable", None)
    if tt is None or getattr(tt, "n_stops", 0) < 2:
        return
    from routing.planner import MODES

    a = (float(tt.stop_lon[0]), float(tt.stop_lat[0]))
    b = (float(tt.stop_lon[1]), float(tt.stop_lat[1]))
    when = datetime.combine(service_date(planner), DEFAULT_WARM_TIME)
    planner.plan(a, b, when, modes=MODES)
    planner.plan(a, b, when, modes=MODES, arrive_by=True)


_loaders: dict[tuple[str, str], BackgroundLoad] = {}
_loaders_lock = threading.Lock()


def _planner_loader(bundle_key: str, factory: str) -> BackgroundLoad:
    """The process-wide load for (bundle, factory): created once, shared read-only by every session
    (a module-level registry rather than ``st.cache_resource`` so that :func:`start_planner_loading`
    can start it with the server process, before any session exists)."""
    key = (bundle_key, factory)
    with _loaders_lock:
        loader = _loaders.get(key)
        if loader is not None and loader.failed and loader.finished is not None \
                and time.monotonic() - loader.finished > RETRY_AFTER_S:
            loader = None  # a failed load is tried again, not at every rerun
        if loader is None:
            if factory:
                loader = BackgroundLoad("planner", lambda: _build_factory_planner(factory))
            else:
                loader = BackgroundLoad("planner", lambda: _build_real_planner(bundle_key), warm=warm_planner)
            _loaders[key] = loader
        return loader


def forget_loaders() -> None:
    """Drop the process-wide loads (tests)."""
    with _loaders_lock:
        _loaders.clear()


def planner_loader() -> BackgroundLoad | None:
    """The process-wide planner load (started on first call; None when a test override is set).

    Started with the server process by ``python -m dashboard``, else by the first run of the app,
    so that the network is prepared while the page draws its widgets.
    """
    if "planner" in _overrides or not planner_available():
        return None
    return _planner_loader(_bundle_key(), os.environ.get("SPMD_DASHBOARD_PLANNER", ""))


def planner_on(planner: Any | None, day: date) -> tuple[Any | None, date]:
    """The planner that answers a trip on ``day`` and the timetable day it uses: ``day`` itself
    within the feed, else the same kind of day in the feed's week (a Sunday or public holiday its
    Sunday, a Saturday its Saturday: :func:`routing.network.service_day_for`). The network of
    another day shares the streets and only compiles that day's timetable (about half a second,
    once: kept for the next visitors). A planner injected by a test answers on its own day."""
    if planner is None:
        return None, service_date(None)
    if "planner" in _overrides or os.environ.get("SPMD_DASHBOARD_PLANNER") or not hasattr(planner, "on_day"):
        return planner, service_date(planner)
    if day == planner.date:  # the network's own day: the feed need not be read
        return planner, day
    from routing.network import GTFS_ID

    loaded = load_dataset(GTFS_ID)
    if loaded is None:
        return planner, service_date(planner)
    used = _served_day(_bundle_key(), day, loaded.data)
    if used is None or used == planner.date:
        return planner, service_date(planner)
    return _day_planner(_bundle_key(), used, planner, loaded.data), used


@st.cache_resource(show_spinner=False, max_entries=256)
def _served_day(bundle_key: str, day: date, _feed: Any) -> date | None:
    from routing.network import service_day_for

    try:
        return service_day_for(day, feed=_feed).used
    except Exception as exc:  # noqa: BLE001 - a feed without dates: the network's own day answers
        _log_once(f"no timetable day answers for {day}: {exc}")
        return None


@st.cache_resource(show_spinner=False, max_entries=4)
def _day_planner(bundle_key: str, used: date, _planner: Any, _feed: Any) -> Any:
    planner = _planner.on_day(used, feed=_feed)
    warm_planner(planner)
    return planner


#: the layers of the planner page's map, prepared with the planner at process start
BASE_LAYER_IDS = ("streets", "stops")


def start_background() -> None:
    """Start the process-wide background loads (planner, base map layers); returns at once.

    Called by ``python -m dashboard`` before the server starts; the app's first run calls
    :func:`planner_loader` anyway, so that ``streamlit run dashboard/app.py`` works too.
    """
    planner_loader()
    with _loaders_lock:
        if ("layers", "") not in _loaders:
            _loaders[("layers", "")] = BackgroundLoad(
                "base map layers", lambda: [layer_table(layer_id) for layer_id in BASE_LAYER_IDS])


def planner_if_ready() -> Any | None:
    """The planner when it is ready, else None (never blocks)."""
    if "planner" in _overrides:
        return _overrides["planner"]()
    loader = planner_loader()
    return loader.value if loader is not None and loader.ready else None


def get_planner(*, timeout_s: float | None = None) -> Any:
    """The process-wide planner (read-only, shared by every session); waits for its background
    load. Raises RuntimeError when it cannot be loaded (or on timeout)."""
    if "planner" in _overrides:
        return _overrides["planner"]()
    loader = planner_loader()
    planner = loader.wait(timeout_s) if loader is not None else None
    if planner is None:
        raise RuntimeError("the planner is not available")
    return planner


# -- naming points, finding addresses ------------------------------------------------------------------

def _build_point_namer(planner: Any) -> Any:
    from routing.network import PointNamer

    network = getattr(planner, "network", None)
    if network is None or getattr(network, "streets", None) is None:
        return None
    loaded = load_dataset("communes")
    return PointNamer.for_network(network, loaded.data if loaded is not None else None)


@st.cache_resource(show_spinner=False, max_entries=2)
def _point_namer(bundle_key: str, _planner: Any) -> Any:
    return _build_point_namer(_planner)


def point_namer() -> Any | None:
    """The :class:`routing.network.PointNamer` of the ready planner's streets and the communes (None
    while the planner loads, or for a planner without street data)."""
    planner = planner_if_ready()
    if planner is None:
        return None
    if "planner" in _overrides or "load_dataset" in _overrides:
        return _build_point_namer(planner)
    return _point_namer(_bundle_key(), planner)


@st.cache_resource(show_spinner=False, max_entries=2)
def _address_index(cache_key: str) -> Any:
    from routing.network import address_index

    t0 = time.perf_counter()
    index = address_index(cache=Path(cache_key))
    if index is not None:
        log.info("address base: %d address points indexed in %.1f s", len(index), time.perf_counter() - t0)
    return index


def address_index() -> Any | None:
    """The BAN address index when the address base is in the cache (``python -m sources fetch
    ban-35``), read once per process; None offline (house numbers are then not known)."""
    if "addresses" in _overrides:
        return _overrides["addresses"]()
    if "planner" in _overrides:
        return None
    return _address_index(str(settings.cache_dir()))


def service_date(planner: Any) -> date:
    """The planner's service day; before it is loaded, :func:`default_service_date`."""
    value = getattr(planner, "date", None)
    return value if isinstance(value, date) else default_service_date()


def default_service_date() -> date:
    """The day the network is built for when none is asked: the bundle feed's representative
    weekday (``routing.network.inputs.default_service_day``); today when the feed cannot be read."""
    return _default_service_date(_bundle_key())


@st.cache_resource(show_spinner=False, max_entries=4)
def _default_service_date(bundle_key: str) -> date:
    try:
        from routing.network import default_service_day

        day = default_service_day(bundle=Path(bundle_key) if bundle_key else None)
    except Exception as exc:  # noqa: BLE001 - the page still draws; planning will say what is wrong
        log.warning("service day unknown (%s): today is proposed", exc)
        day = None
    return day or date.today()


# -- datasets and layers -------------------------------------------------------------------------------

@st.cache_resource(show_spinner=False, max_entries=64)
def _load_dataset(dataset_id: str, bundle_key: str) -> Any:
    from sources import load

    return load(dataset_id, bundle=Path(bundle_key) if bundle_key else None)


#: dataset id -> why it could not be loaded (its last error), for the catalogue's validation
_LOAD_ERRORS: dict[str, BaseException] = {}


def load_dataset(dataset_id: str) -> Any | None:
    """The :class:`sources.validate.Loaded` for ``dataset_id``, or None (logged; the error kept for
    :func:`load_error`) when it cannot load."""
    try:
        if "load_dataset" in _overrides:
            loaded = _overrides["load_dataset"](dataset_id)
        else:
            loaded = _load_dataset(dataset_id, _bundle_key())
        _LOAD_ERRORS.pop(dataset_id, None)
        return loaded
    except Exception as exc:  # a dataset that fails must not take the page down
        _LOAD_ERRORS[dataset_id] = exc
        _log_once(f"dataset {dataset_id} could not be loaded")
        return None


def load_error(dataset_id: str) -> BaseException | None:
    """Why ``dataset_id`` could not be loaded the last time it was asked (None: it loaded)."""
    return _LOAD_ERRORS.get(dataset_id)


@st.cache_resource(show_spinner=False, max_entries=32)
def _layer_table(layer_id: str, bundle_key: str, lang: str) -> pd.DataFrame:
    return _prepare_layer(layer_id, lang)


def _prepare_layer(layer_id: str, lang: str) -> pd.DataFrame:
    spec = maps.STREETS if layer_id == "streets" else maps.LAYERS[layer_id]
    data = {}
    for ds in spec.dataset_ids:
        loaded = load_dataset(ds)
        if loaded is not None:
            data[ds] = loaded.data
    if not data:  # raise, so that nothing empty is cached: the next run tries again
        raise LookupError(f"no dataset of layer {layer_id!r} could be loaded: {spec.dataset_ids}")
    return spec.prepare(data, lang)


def layer_table(layer_id: str) -> pd.DataFrame | None:
    """The display table of a map layer (see :mod:`dashboard.maps`), or None when unavailable."""
    try:
        lang = "" if layer_id == "streets" else language()  # the base map has no words
        if "load_dataset" in _overrides:
            return _prepare_layer(layer_id, lang)
        return _layer_table(layer_id, _bundle_key(), lang)
    except Exception:
        _log_once(f"layer {layer_id} could not be prepared")
        return None


@st.cache_resource(show_spinner=False, max_entries=16)
def _deck_page(key: tuple[str, ...], bundle_key: str, _build: Callable[[], str]) -> str:
    return _build()


def deck_page(key: tuple[str, ...], build: Callable[[], str]) -> str:
    """What a kept-frame map is drawn from (a data file, :func:`dashboard.deckmap.publish`),
    built once per ``key`` (the layers available, the language) and bundle; built afresh at every
    call while a test override is set."""
    if _overrides:
        return build()
    return _deck_page(tuple(key), _bundle_key(), build)


@st.cache_resource(show_spinner=False, max_entries=64)
def _display(key: tuple[Any, ...], data_key: str, _build: Callable[[], Any]) -> Any:
    return _build()


def display(key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
    """What a page draws from a cached result (a map layer of 18,000 cells, its classes), built
    once per ``key`` (the result's parameters and the language) and shared read-only, so that a
    rerun which changes nothing on a map sends the same map (the browser then keeps it as drawn)
    without rebuilding it; built afresh at every call while a test override is set."""
    if _overrides:
        return build()
    return _display(tuple(key), _bundle_key(), build)


def frozen(layers: list[Any], *, by_url: bool = True) -> list[Any]:
    """:func:`dashboard.maps.frozen` (data served as files unless ``by_url`` is False), except while a
    test override is set (the tests read the layers' data in the maps' JSON)."""
    return layers if _overrides else maps.frozen(layers, by_url=by_url)


_logged: set[str] = set()


def _log_once(message: str) -> None:
    """Log a failure with its traceback the first time, briefly afterwards (pages rerun often)."""
    if message in _logged:
        log.debug(message)
    else:
        _logged.add(message)
        log.exception(message)


# -- base map -----------------------------------------------------------------------------------------

#: tile server probed before online tiles are used; the answer is kept TILES_CHECK_TTL_S seconds
TILES_PROBE_URL = "https://tile.openstreetmap.org/0/0/0.png"
TILES_CHECK_TTL_S = 300.0
_tiles_state: dict[str, float | bool] = {}
_tiles_lock = threading.Lock()


def tiles_reachable() -> bool:
    """Whether online map tiles can be used: never with ``$SPMD_OFFLINE``; else a HEAD request to the
    tile server (1 s timeout), remembered for a few minutes. Default (no answer): offline."""
    if settings.offline():
        return False
    with _tiles_lock:
        checked = float(_tiles_state.get("at", -1e9))
        if time.monotonic() - checked < TILES_CHECK_TTL_S:
            return bool(_tiles_state.get("ok", False))
        ok = False
        try:
            import requests

            r = requests.head(TILES_PROBE_URL, timeout=1.0, headers={"User-Agent": "spmd-mobilite dashboard"})
            ok = r.status_code < 400
        except Exception:  # requests.RequestException and friends: no tiles
            ok = False
        _tiles_state.update(at=time.monotonic(), ok=ok)
        return ok


def street_layers() -> list[Any]:
    """The street base map as deck.gl layers (:func:`dashboard.maps.base_layers`), a new list of
    shared read-only layers whose JSON is written once per process (:func:`dashboard.maps.frozen`);
    none when it cannot be prepared."""
    if "load_dataset" in _overrides:
        table = layer_table("streets")
        return maps.base_layers(table) if table is not None and len(table) else []
    try:
        return list(_street_layers(_bundle_key()))
    except LookupError:
        return []


def road_layers() -> list[Any]:
    """The main roads of :func:`street_layers` only (:data:`dashboard.maps.ROAD_COLOR`): the base of
    maps that cover the metropole with coloured areas (accessibility), drawn over them to find
    one's way; a third of the street segments, so a third of their cost per frame without a GPU."""
    return [layer for layer in street_layers() if list(getattr(layer, "get_color", ())) == maps.ROAD_COLOR]


@st.cache_resource(show_spinner=False, max_entries=2)
def _street_layers(bundle_key: str) -> list[Any]:
    table = layer_table("streets")
    if table is None or not len(table):
        raise LookupError("no street base map")  # not cached: the next run tries again
    return frozen(maps.base_layers(table))


def streets_url() -> str | None:
    """The street base map of the kept-frame maps (:mod:`dashboard.deckmap`) as one file shared by
    every such map, written once per bundle; None when there is no base map or no file can be written."""
    from dashboard import deckmap

    table = layer_table("streets")
    if table is None or not len(table):
        return None
    return deck_page(("streets",), lambda: deckmap.publish({"streets": maps.streets_payload(table)}))


@st.cache_resource(show_spinner=False, max_entries=2)
def _streets_geojson(bundle_key: str) -> dict[str, Any] | None:
    from dashboard.leaflet import streets_geojson

    table = layer_table("streets")
    return streets_geojson(table) if table is not None else None


def streets_geojson() -> dict[str, Any] | None:
    """The street base map as GeoJSON for Leaflet (read-only, shared)."""
    if "load_dataset" in _overrides:
        from dashboard.leaflet import streets_geojson as build

        table = layer_table("streets")
        return build(table) if table is not None else None
    return _streets_geojson(_bundle_key())


@st.cache_resource(show_spinner=False, max_entries=2)
def _stops_geojson(bundle_key: str) -> dict[str, Any] | None:
    from dashboard.leaflet import stops_geojson

    table = layer_table("stops")
    return stops_geojson(table) if table is not None and len(table) else None


def stops_geojson() -> dict[str, Any] | None:
    """Transit stops as GeoJSON for Leaflet (read-only, shared)."""
    if "load_dataset" in _overrides:
        from dashboard.leaflet import stops_geojson as build

        table = layer_table("stops")
        return build(table) if table is not None and len(table) else None
    return _stops_geojson(_bundle_key())


# -- accessibility ------------------------------------------------------------------------------------

def accessibility_available() -> bool:
    if "access" in _overrides:
        return True
    try:
        return importlib.util.find_spec("routing.accessibility") is not None
    except (ImportError, ValueError):
        return False


@st.cache_resource(show_spinner=False, max_entries=1)
def _access_context(bundle_key: str) -> Any:
    from dashboard.services.accessibility import build_context

    planner = get_planner(timeout_s=600)
    return build_context(planner.network, bundle=Path(bundle_key) if bundle_key else None)


def access_context() -> Any:
    """The process-wide :class:`dashboard.services.accessibility.AccessContext` (needs the planner's network)."""
    if "access" in _overrides:
        return _overrides["access"]()
    return _access_context(_bundle_key())


def access_overridden() -> bool:
    return "access" in _overrides


def _access_key() -> str:
    return "override" if "access" in _overrides else _bundle_key()


@st.cache_resource(show_spinner=False, max_entries=24)
def _cell_values(key: str, mode: str, opportunity: str, cutoff_min: int, window: str,
                 wheelchair: bool = False) -> pd.DataFrame:
    from dashboard.services.accessibility import cell_values

    return cell_values(access_context(), mode=mode, opportunity=opportunity, cutoff_min=cutoff_min, window=window,
                       wheelchair=wheelchair)


def cell_values(*, mode: str, opportunity: str, cutoff_min: int, window: str,
                wheelchair: bool = False) -> pd.DataFrame:
    """Per-cell accessibility (``wheelchair``: the wheelchair profile's), computed once per process
    and parameter set (read-only: do not modify)."""
    t0 = time.perf_counter()
    out = _cell_values(_access_key(), mode, opportunity, int(cutoff_min), window, bool(wheelchair))
    log.info("accessibility %s/%s/%d min/%s%s in %.0f ms", mode, opportunity, cutoff_min, window,
             " (wheelchair)" if wheelchair else "", 1000 * (time.perf_counter() - t0))
    return out


@st.cache_resource(show_spinner=False, max_entries=32)
def _isochrone(key: str, lon: float, lat: float, mode: str, departure: str, bands: tuple[int, ...],
               wheelchair: bool = False) -> Any:
    from dashboard.services.accessibility import isochrone_frame

    return isochrone_frame(access_context(), (lon, lat), mode=mode, departure=departure, bands_min=bands,
                           wheelchair=wheelchair)


def isochrone(origin: tuple[float, float], *, mode: str, departure: str, bands: tuple[int, ...],
              wheelchair: bool = False) -> Any:
    """Isochrone bands (GeoDataFrame), cached per origin (rounded to ~10 m), parameters and profile."""
    return _isochrone(_access_key(), round(float(origin[0]), 4), round(float(origin[1]), 4), mode, departure,
                      tuple(int(b) for b in bands), bool(wheelchair))


@st.cache_resource(show_spinner=False, max_entries=8)
def _wheelchair_gap(key: str, opportunity: str, window: str) -> Any:
    from dashboard.services.accessibility import outside_cells, wheelchair_gap

    ctx = access_context()
    t0 = time.perf_counter()
    out = wheelchair_gap(ctx, opportunity=opportunity, window=window, outside=outside_cells(ctx, "transit"))
    log.info("wheelchair gap %s/%s in %.1f s", opportunity, window, time.perf_counter() - t0)
    return out


def wheelchair_gap(*, opportunity: str, window: str) -> Any:
    """(cells, communes) of :func:`dashboard.services.accessibility.wheelchair_gap`, computed once
    per process, opportunity and window (read-only)."""
    return _wheelchair_gap(_access_key(), opportunity, window)


def catalogue() -> list[Any]:
    from sources import all_datasets

    return all_datasets()


# -- transit views: next departures, line explorer, a day of buses ----------------------------

def timetable() -> Any | None:
    """The service day's compiled timetable of the ready planner (None while it loads or without one)."""
    planner = planner_if_ready()
    tt = getattr(planner, "tt", None)
    return tt if tt is not None else getattr(getattr(planner, "network", None), "timetable", None)


@st.cache_resource(show_spinner=False, max_entries=2)
def _day_of_buses(key: str, _tt: Any, _streets: Any) -> tuple[Any, str, list, Any]:
    from dashboard.services.transit import day_deck_json, line_legend, vehicles_per_hour
    from routing import day_of_buses, street_segments

    t0 = time.perf_counter()
    segments = street_segments(_tt, _streets) if _streets is not None else None
    day = day_of_buses(_tt, segments=segments)
    deck_json = day_deck_json(_tt, day, layer_table("streets"))  # the street base map under the buses
    log.info("day of buses prepared in %.2f s (%d trips, %d stop-to-stop legs along streets, %.1f MB)",
             time.perf_counter() - t0, len(day.trips), len(segments or {}), len(deck_json) / 1e6)
    return day, deck_json, line_legend(_tt), vehicles_per_hour(day)


def day_of_buses(tt: Any, streets: Any = None) -> tuple[Any, str, list, Any]:
    """(routing.transit.departures.DayOfBuses, the animation's JSON, the lines' legend, the buses in
    service per hour) of a timetable, prepared once per process (a visit of the page computes
    nothing); with ``streets`` (the car layer's ModeGraph) the legs matched to it follow the streets.
    The per-hour table is shared: copy it before changing it."""
    return _day_of_buses(f"{id(tt)}|{tt.day}|{tt.n_connections}|{id(streets)}", tt, streets)


# -- scenarios: networks, planners and comparisons per scenario digest ------------------
_uploaded_scenarios: dict[str, Any] = {}  # digest -> Scenario parsed from an upload (plain data)


def remember_scenario(scenario: Any) -> str:
    """Keep a parsed (uploaded) scenario for the cached functions; returns its key (``upload:<digest>``)."""
    _uploaded_scenarios[scenario.digest] = scenario
    return f"upload:{scenario.digest}"


def scenario_of(key: str) -> Any:
    """The Scenario of an upload key, or the versioned scenario name itself."""
    if key.startswith("upload:"):
        return _uploaded_scenarios[key.split(":", 1)[1]]
    return key  # a versioned scenario name (or "none")


@st.cache_resource(show_spinner=False, max_entries=6)
def _scenario_planner(bundle_key: str, key: str) -> Any:
    from routing.planner import Planner
    from routing.scenarios import bare_network, with_scenario

    base = bare_network(get_planner(timeout_s=600).network)
    return Planner(base if key == "none" else with_scenario(base, scenario_of(key)))


def scenario_planner(key: str) -> Any:
    """A planner on the bare network with scenario ``key`` applied (cached per process)."""
    if "scenario_planner" in _overrides:
        return _overrides["scenario_planner"](key)
    return _scenario_planner(_bundle_key(), key)


def _place_key(place: Any) -> tuple:
    """What identifies a trip's end: its text, or the place found (name and position)."""
    if isinstance(place, str):
        return (place,)
    return (place.name, place.kind, round(float(place.lon), 6), round(float(place.lat), 6))


def _plan_both(before: Any, after: Any, origin: Any, destination: Any, when: dtime) -> dict[str, Any]:
    from dashboard.services.scenarios import plan_both

    return plan_both(before, after, origin, destination, datetime.combine(service_date(before), when))


@st.cache_resource(show_spinner=False, max_entries=16)
def _scenario_trips(bundle_key: str, base: str, new: str, origin_key: tuple, destination_key: tuple,
                    when: dtime, _origin: Any, _destination: Any) -> dict[str, Any]:
    return _plan_both(_scenario_planner(bundle_key, base), _scenario_planner(bundle_key, new), _origin,
                      _destination, when)


def scenario_trips(base: str, new: str, origin: Any, destination: Any, when: dtime) -> dict[str, Any]:
    """The transit trip from ``origin`` to ``destination`` (a place or a text) at ``when`` on the
    service day, planned on scenario ``base`` and on ``new`` (:func:`dashboard.services.scenarios.plan_both`),
    kept per trip: the page shows it at every rerun (a place not found raises, never kept)."""
    if _overrides:
        return _plan_both(scenario_planner(base), scenario_planner(new), origin, destination, when)
    return _scenario_trips(_bundle_key(), base, new, _place_key(origin), _place_key(destination), when,
                           origin, destination)


@st.cache_resource(show_spinner=False, max_entries=8)
def _scenario_comparison(access_key: str, base: str, new: str, opportunity: str, window: str,
                         cutoff_min: int) -> Any:
    from routing.scenarios import compare_scenarios

    ctx = access_context()
    return compare_scenarios(ctx.engine.network, scenario_of(base), scenario_of(new), grid=ctx.grid,
                             opportunity=opportunity, window=window, cutoff_min=cutoff_min,
                             commune_names=ctx.commune_names, bundle=ctx.bundle)


def scenario_comparison(base: str, new: str, *, opportunity: str, window: str, cutoff_min: int) -> Any:
    """Before/after accessibility (:class:`routing.scenarios.compare.ScenarioComparison`), cached."""
    if "scenario_comparison" in _overrides:
        return _overrides["scenario_comparison"](base, new, opportunity, window, cutoff_min)
    return _scenario_comparison(_access_key(), base, new, opportunity, window, int(cutoff_min))


@st.cache_resource(show_spinner=False, max_entries=2)
def _stop_ranking(access_key: str) -> Any:
    from dashboard.services.scenarios import rank_stops

    return rank_stops(access_context())


def stop_ranking() -> Any:
    """The stops to make wheelchair-accessible first (:func:`dashboard.services.scenarios.rank_stops`):
    tens of seconds, computed once per process, then shared (read-only)."""
    if "stop_ranking" in _overrides:
        return _overrides["stop_ranking"]()
    return _stop_ranking(_access_key())


# -- traces: analyses kept per session, computed on one long-lived thread -------------------------------
#: analyses a session keeps (each holds its people's stays and trips: kept in the session only)
TRACES_KEPT = 4
_traces_pool: Any = None
_traces_pool_lock = threading.Lock()


def _traces_worker() -> Any:
    """One thread for every traces analysis: Streamlit runs each rerun on a new thread, and the
    projections the analysis uses (pyproj transformers, built once per thread) cost more than
    a third of a fresh analysis when built again at every click."""
    global _traces_pool
    with _traces_pool_lock:
        if _traces_pool is None:
            from concurrent.futures import ThreadPoolExecutor

            _traces_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="spmd-traces")
        return _traces_pool


def traces_digest(tdf: pd.DataFrame) -> str:
    """What identifies the session's traces (their content), computed once per frame held."""
    import hashlib

    ss = st.session_state
    held = ss.get("traces_digest")
    if held is not None and held[0] == id(tdf):
        return held[1]
    digest = hashlib.sha256(pd.util.hash_pandas_object(tdf, index=True).to_numpy().tobytes()).hexdigest()[:24]
    ss["traces_digest"] = (id(tdf), digest)
    return digest


def traces_analysis(tdf: pd.DataFrame, params: dict[str, Any]) -> tuple[Any, tuple]:
    """(the analysis of ``tdf`` with the anonymisation's ``params``, its key): the same traces
    analysed with the same parameters come from the session's last analyses, and other parameters
    start from the session's preparation of the same traces (cleaning, stays, trips, the risk
    before: :func:`sources.traces.pipeline.prepare_traces`, two thirds of the work)."""
    from sources.traces import pipeline

    digest = traces_digest(tdf)
    key = (digest, *sorted(params.items()))
    ss = st.session_state
    kept = ss.setdefault("traces_analyses", {})
    if key not in kept:
        prepared = ss.get("traces_prepared")
        if prepared is None or prepared[0] != digest:
            prepared = ss["traces_prepared"] = (digest, _traces_worker().submit(pipeline.prepare_traces, tdf).result())
        kept[key] = _traces_worker().submit(pipeline.anonymise_prepared, prepared[1], **params).result()
        for old in list(kept)[:-TRACES_KEPT]:
            del kept[old]
    return kept[key], key
