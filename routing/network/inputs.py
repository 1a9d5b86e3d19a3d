"""From the catalogue to a ready network, grid and opportunities: load the datasets, build, cache.

This is the one module of :mod:`routing` that reads the catalogue, the fetch cache and the frame
store of :mod:`sources` (tests/test_architecture.py holds it): every other module gets loaded frames from
here (:func:`load_frame`, :func:`load_timetable`, :func:`load_network`, :func:`rennes_metropole_grid`).
The built network is cached under ``<cache>/networks/<digest>``, the digest covering the input
files' SHA-256, the service day and :data:`routing.network.assemble.NETWORK_VERSION`; derived frames
(the grid) under ``<cache>/<kind>/`` keyed the same way (:func:`cached_frame`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from routing.messages import Fmt, Msg
from routing.network.assemble import NETWORK_VERSION, Network, build_network
from sources import settings
from sources.tempfiles import atomic_write

log = logging.getLogger(__name__)

#: catalogue ids the network is made of; the first two are required
STREET_IDS = ("osm-streets", "main-roads-traffic")
GTFS_ID = "star-gtfs"
POINT_IDS = {"bikeshare": "velo-star", "carpool": "bnlc", "parkings": "parkings", "chargers": "irve"}
CYCLE_ID = "rev-cycle-network"
#: catalogue ids of what the place index holds besides the network (build_network keyword -> id)
PLACE_IDS = {"communes": "communes", "iris": "iris", "metro_stations": "star-metro-stations"}
#: the landmarks table (versioned): name, aliases, detail, commune, lon, lat, source, note
LANDMARKS_CSV = Path(__file__).resolve().parents[2] / "assets" / "landmarks.csv"
LANDMARK_COLUMNS = ("name", "aliases", "detail", "commune", "lon", "lat", "source")


def bundle_beside_checkout() -> Path | None:
    """The bundle beside the checkout (``../shared/data/rennes``) when it exists and no bundle is
    set in ``$SPMD_BUNDLE``; None otherwise."""
    if settings.bundle_dir() is not None:
        return None
    candidate = settings.default_bundle_candidate()
    return candidate if (candidate / "README.md").exists() else None


def load_frame(ds_id: str, *, bundle: Any = None, cache: Any = None) -> Any:
    """The loaded frame of catalogue dataset ``ds_id`` (bundle or cache; see :func:`sources.load`)."""
    from sources import load

    return load(ds_id, bundle=bundle, cache=cache).data


#: the national address base (BAN) of Ille-et-Vilaine: online only, never in the bundle
ADDRESS_ID = "ban-35"


def address_frame(*, cache: Any = None) -> Any | None:
    """The BAN address points when a verified copy is in the cache (``python -m sources fetch ban-35``
    without a bundle), else None: never downloads here (the file is large) and never raises, since
    the offline data has no house numbers and the place search then uses the street."""
    from sources import load
    from sources.errors import SourceError

    try:  # bundle "": the cache, whatever $SPMD_BUNDLE says (the BAN has no bundle file)
        return load(ADDRESS_ID, bundle="", cache=cache, offline=True).data
    except (SourceError, OSError, ValueError) as exc:
        log.info("no address base (%s): house numbers are not known", exc)
        return None


def load_timetable(*, bundle: Any = None, cache: Any = None, day: dt.date) -> Any:
    """The compiled timetable of ``day`` from the catalogue's GTFS (no street layer built); a day
    outside the feed's calendar is refused (:func:`check_service_day`)."""
    from routing.transit.timetable import build_timetable

    feed = load_frame(GTFS_ID, bundle=bundle, cache=cache)
    check_service_day(day, feed=feed)
    return build_timetable(feed, day)


def check_service_day(day: dt.date, *, feed: Any = None, bundle: Any = None, cache: Any = None) -> None:
    """Refuse a service day outside the GTFS feed's reach (its first to last date with service), naming the
    feed's dates: :class:`sources.loaders.gtfs.ServiceDateError` (an unusable input: exit 2 on the
    command lines). A day inside the calendar without service passes (its timetable is empty)."""
    from sources.loaders.gtfs import ServiceDateError

    if feed is None:
        feed = load_frame(GTFS_ID, bundle=bundle, cache=cache)
    first, last = feed.first_date, feed.last_date
    if first is None or not first <= day <= last:
        span = Msg("error.calendar_span", first=Fmt("date", first), last=Fmt("date", last)) if first else \
            Msg("error.calendar_empty")
        raise ServiceDateError(Msg("error.day_outside_feed", day=Fmt("date", day), span=span),
                               first_date=first, last_date=last)


def service_day_for(day: dt.date, *, feed: Any = None, bundle: Any = None, cache: Any = None) -> Any:
    """The timetable day that answers for ``day`` (a :class:`routing.clock.ServiceDay`): ``day`` itself
    within the feed's dates, else the same kind of day among them (:func:`routing.clock.same_kind_of_day`:
    a Sunday or public holiday -> the feed's Sunday, a Saturday -> its Saturday, a weekday -> the same
    weekday). Its ``message()`` is the banner naming both dates. A feed without any date with
    service raises :class:`sources.loaders.gtfs.ServiceDateError`."""
    from routing.clock import same_kind_of_day
    from sources.loaders.gtfs import ServiceDateError

    if feed is None:
        feed = load_frame(GTFS_ID, bundle=bundle, cache=cache)
    first, last = feed.first_date, feed.last_date
    if first is None:
        raise ServiceDateError(Msg("error.feed_no_service"), first_date=None, last_date=None)
    # every date of the feed's span: a day of the span without service answers with an empty timetable
    return same_kind_of_day(day, (first + dt.timedelta(days=k) for k in range((last - first).days + 1)))


def network_on_day(network: Network, day: dt.date, *, feed: Any = None, bundle: Any = None,
                   cache: Any = None) -> Network:
    """``network`` answering on ``day``: the timetable of ``day`` compiled from the catalogue's GTFS, the
    rest shared (streets, links, points and places do not change with the day; the walking transfers
    between stops are ``network``'s). ``network`` is a bare one (:func:`load_network`; apply a scenario
    after); ``day`` must lie within the feed (:func:`service_day_for` picks one that does).
    Compiling a day's timetable takes a fraction of a second, building the network minutes."""
    from dataclasses import replace

    from routing.transit.timetable import build_timetable

    if day == network.day:
        return network
    if feed is None:
        feed = load_frame(GTFS_ID, bundle=bundle, cache=cache)
    check_service_day(day, feed=feed)
    timetable = build_timetable(feed, day, transfers=network.timetable.footpaths_frame())
    return replace(network, day=day, timetable=timetable,
                   digest=f"{network.digest}@{day.isoformat()}" if network.digest else "")


def input_files(*, bundle: Any = None, cache: Any = None) -> dict[str, list[Path]]:
    """Files behind every input dataset (missing optional ones are left out)."""
    from sources.errors import SourceError
    from sources.fetch import fetch

    out: dict[str, list[Path]] = {}
    if LANDMARKS_CSV.exists():
        out["landmarks"] = [LANDMARKS_CSV]
    for ds_id in (GTFS_ID, *STREET_IDS, *POINT_IDS.values(), CYCLE_ID, *PLACE_IDS.values()):
        try:
            out[ds_id] = fetch(ds_id, bundle=bundle, cache=cache)
        except SourceError as exc:
            if ds_id in (GTFS_ID, STREET_IDS[0]):
                raise
            log.warning("network input %s unavailable: %s", ds_id, exc)
    return out


def files_digest(files: dict[str, Iterable[Path]], salt: str, *, length: int = 24) -> str:
    """SHA-256 over ``salt`` and the content digests of the files behind each dataset."""
    from sources.store import file_digest

    h = hashlib.sha256(salt.encode())
    for ds_id in sorted(files):
        for path in sorted(files[ds_id]):
            h.update(f"|{ds_id}|{path.name}|{file_digest(path)}".encode())
    return h.hexdigest()[:length]


def network_digest(files: dict[str, Iterable[Path]], day: dt.date | str | None) -> str:
    return files_digest(files, f"network-v{NETWORK_VERSION}|{day}")


def network_dir(digest: str, *, cache: Any = None) -> Path:
    return settings.cache_dir(cache) / "networks" / digest


def default_service_day(*, bundle: Any = None, cache: Any = None) -> dt.date | None:
    """The service day a network of the bundle is built for when none is asked: the GTFS feed's
    representative weekday (from the catalogue's cached feed)."""
    from sources.datasets import load

    feed = load(GTFS_ID, bundle=bundle, cache=cache).data
    return feed.representative_date() or feed.date


def load_inputs(*, bundle: Any = None, cache: Any = None, day: dt.date | None = None) -> dict[str, Any]:
    """Loaded frames for :func:`build_network` (keyword arguments), from the catalogue."""
    from sources.datasets import load

    feed = load(GTFS_ID, bundle=bundle, cache=cache).data
    streets = []
    for ds_id in STREET_IDS:
        try:
            streets.append(load(ds_id, bundle=bundle, cache=cache).data)
        except Exception as exc:  # noqa: BLE001 - an optional layer; the first is required
            if ds_id == STREET_IDS[0]:
                raise
            log.warning("street layer %s skipped: %s", ds_id, exc)
    kwargs: dict[str, Any] = {"feed": feed, "streets": streets}
    for key, ds_id in POINT_IDS.items():
        try:
            kwargs[key] = load(ds_id, bundle=bundle, cache=cache).data
        except Exception as exc:  # noqa: BLE001 - optional
            log.warning("points %s skipped: %s", ds_id, exc)
    try:
        rev = load(CYCLE_ID, bundle=bundle, cache=cache).data
        geoms = rev.geometry if hasattr(rev, "geometry") else []
        kwargs["cycle_lines"] = [g for g in geoms if g is not None and g.geom_type in ("LineString", "MultiLineString")]
    except Exception as exc:  # noqa: BLE001 - optional
        log.warning("cycle network skipped: %s", exc)
    for key, ds_id in PLACE_IDS.items():
        try:
            kwargs[key] = load(ds_id, bundle=bundle, cache=cache).data
        except Exception as exc:  # noqa: BLE001 - optional: the index is poorer without it
            log.warning("places %s skipped: %s", ds_id, exc)
    kwargs["landmarks"] = load_landmarks()
    return kwargs


def load_landmarks(path: str | Path | None = None) -> Any:
    """The landmarks table (default :data:`LANDMARKS_CSV`): LANDMARK_COLUMNS, coordinates checked.

    Raises :class:`sources.errors.SchemaError` naming the file, row and field of a bad value.
    """
    import numpy as np
    import pandas as pd

    from sources.errors import SchemaError
    from sources.geo import in_bbox
    from sources.settings import RENNES_METROPOLE_BBOX
    from sources.validate import area_params

    path = Path(path) if path is not None else LANDMARKS_CSV
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in LANDMARK_COLUMNS if c not in frame.columns]
    if missing:
        raise SchemaError(Msg("error.columns_missing", columns=", ".join(missing)), file=str(path))
    for column in ("lon", "lat"):
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = values.isna()
        if bad.any():
            row = int(bad.to_numpy().argmax())
            raise SchemaError(Msg("finding.not_a_number"), file=str(path), row=row + 2, field=column)
        frame[column] = values.astype(float)
    outside = ~np.asarray(in_bbox(frame["lon"], frame["lat"], RENNES_METROPOLE_BBOX), dtype=bool)
    for field in ("name", "source"):
        empty = frame[field].str.strip() == ""
        if empty.any():
            row = int(empty.to_numpy().argmax())
            raise SchemaError(Msg("finding.field_empty", field=field), file=str(path), row=row + 2, field=field)
    if outside.any():
        row = int(outside.argmax())
        raise SchemaError(Msg("finding.outside_area", **area_params(RENNES_METROPOLE_BBOX)), file=str(path),
                          row=row + 2, field="lon/lat")
    return frame


def load_network(*, bundle: Any = None, day: dt.date | None = None, cache: Any = None,
                 use_cache: bool = True, progress: bool = False) -> Network:
    """The network for ``day`` (default: the feed's representative weekday, see
    :meth:`sources.loaders.gtfs.GtfsFeed.representative_date`), from the disk cache when fresh."""
    from sources.errors import SourceError
    from sources.geo import in_bbox
    from sources.settings import RENNES_METROPOLE_BBOX

    beside = bundle_beside_checkout()
    if bundle is None and beside is not None and settings.offline():
        bundle = beside
    try:
        files = input_files(bundle=bundle, cache=cache)
    except SourceError as exc:
        # no bundle named and the official copies unreachable: the bundle beside the checkout
        if bundle is not None or beside is None:
            raise
        log.warning("official sources unavailable (%s): using the bundle %s", exc, beside)
        bundle = beside
        files = input_files(bundle=bundle, cache=cache)
    digest = network_digest(files, day or "representative-weekday")
    directory = network_dir(digest, cache=cache)
    if use_cache and (directory / "meta.json").exists():
        try:
            return Network.load(directory)
        except Exception as exc:  # noqa: BLE001 - a stale or broken cache is rebuilt
            log.warning("network cache %s unusable (%s): rebuilding", directory, exc)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=3, desc="network", unit="step", leave=False, disable=None)
        bar.set_postfix_str("loading datasets")
    kwargs = load_inputs(bundle=bundle, cache=cache, day=day)
    if bar is not None:
        bar.update(1)
        bar.set_postfix_str("building")
    feed = kwargs["feed"]
    service_day = day or feed.representative_date() or feed.date
    for key in ("bikeshare", "carpool", "parkings", "chargers"):
        frame = kwargs.get(key)
        if frame is not None and "lon" in frame:
            kwargs[key] = frame[in_bbox(frame["lon"], frame["lat"], RENNES_METROPOLE_BBOX)]
    network = build_network(day=service_day, digest=digest, **kwargs)
    if bar is not None:
        bar.update(1)
        bar.set_postfix_str("saving")
    if use_cache:
        try:
            network.save(directory)
        except OSError as exc:
            log.warning("could not cache the network in %s: %s", directory, exc)
    if bar is not None:
        bar.update(1)
        bar.close()
    return network


def networkx_graph(network: Network, *, cache: Any = None) -> Any:
    """The network as a NetworkX graph, cached beside the arrays (``graph.graphml.gz``).

    The cache entry lives in the network's digest directory, so it is rebuilt whenever an
    input changes; a missing or unreadable entry is rebuilt from the arrays.
    """
    import networkx as nx

    directory = network_dir(network.digest, cache=cache) if network.digest else None
    path = directory / "graph.graphml.gz" if directory is not None else None
    if path is not None and path.exists():
        try:
            return nx.read_graphml(path)
        except Exception as exc:  # noqa: BLE001 - a broken cache entry is rebuilt
            log.warning("cached graph %s unreadable (%s): rebuilding", path, exc)
    graph = network.to_networkx()
    if path is not None and directory.exists():
        try:
            atomic_write(path, lambda tmp: nx.write_graphml(graph, tmp), suffix=".tmp.gz")
        except OSError as exc:  # a read-only or full cache: the graph is still returned
            log.warning("graph cache %s not written: %s", path, exc)
    return graph


def cached_frame(kind: str, ds_ids: Iterable[str], salt: str, build: Any, *, bundle: Any = None,
                 cache: Any = None) -> Any:
    """A frame derived from catalogue datasets, cached as GeoParquet under ``<cache>/<kind>/``.

    The key covers ``salt`` and the content of the files behind ``ds_ids``; ``build()`` makes the
    frame on a miss. A broken cache file is rebuilt; a read-only or full cache is only logged.
    """
    from sources.fetch import fetch

    files = {ds_id: fetch(ds_id, bundle=bundle, cache=cache) for ds_id in ds_ids}
    path = settings.cache_dir(cache) / kind / f"{files_digest(files, salt, length=20)}.parquet"
    if path.exists():
        import geopandas as gpd

        try:
            return gpd.read_parquet(path)
        except Exception as exc:  # noqa: BLE001 - a broken cache file is rebuilt
            log.warning("%s cache %s unreadable (%s): rebuilt", kind, path, exc)
    frame = build()
    try:
        atomic_write(path, frame.to_parquet)
    except OSError as exc:  # a read-only or full cache: the frame is still returned
        log.warning("%s cache %s not written: %s", kind, path, exc)
    return frame


def rennes_metropole_grid(*, bundle: Any = None, cache: Any = None, cell_m: int = 200) -> Any:
    """The LAEA grid over Rennes Métropole from the catalogue's commune layer, with ``insee`` and
    ``population`` columns (see :mod:`routing.network.zones` for how population is spread).

    Cached under ``<cache>/grids/``, keyed by the commune and indicator files and ``cell_m``.
    """
    from routing.network.zones import laea_grid, population_on_cells
    from sources.loaders.territory import rennes_metropole_polygon

    def build() -> Any:
        communes = load_frame("communes", bundle=bundle, cache=cache)
        rm = communes[communes["in_rennes_metropole"].astype(bool)]
        grid = laea_grid(rennes_metropole_polygon(communes), cell_m=cell_m, communes=rm)
        indicators = load_frame("indicators", bundle=bundle, cache=cache)
        grid["population"] = population_on_cells(grid, rm, indicators, cell_m=cell_m)
        return grid

    return cached_frame("grids", ("communes", "indicators"), f"rm-grid-v1|{cell_m}", build,
                        bundle=bundle, cache=cache)
