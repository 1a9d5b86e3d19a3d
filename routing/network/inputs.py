"""From the catalogue to a ready network: load the datasets, build, cache on disk.

This is the one place where :mod:`routing` meets :mod:`sources`: it asks the catalogue
for the loaded frames (bundle or cache, see :func:`sources.datasets.load`), then calls
:func:`routing.network.assemble.build_network`. The built network is cached under
``<cache>/networks/<digest>``, the digest covering the input files' SHA-256, the
service day and :data:`routing.network.assemble.NETWORK_VERSION`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from routing.network.assemble import NETWORK_VERSION, Network, build_network
from sources import settings
from sources.tempfiles import atomic_write

log = logging.getLogger(__name__)

#: catalogue ids the network is made of; the first two are required
STREET_IDS = ("osm-streets", "main-roads-traffic")
GTFS_ID = "star-gtfs"
POINT_IDS = {"bikeshare": "velo-star", "carpool": "bnlc", "parkings": "parkings", "chargers": "irve"}
CYCLE_ID = "rev-cycle-network"


def input_files(*, bundle: Any = None, cache: Any = None) -> dict[str, list[Path]]:
    """Files behind every input dataset (missing optional ones are left out)."""
    from sources.errors import SourceError
    from sources.fetch import fetch

    out: dict[str, list[Path]] = {}
    for ds_id in (GTFS_ID, *STREET_IDS, *POINT_IDS.values(), CYCLE_ID):
        try:
            out[ds_id] = fetch(ds_id, bundle=bundle, cache=cache)
        except SourceError as exc:
            if ds_id in (GTFS_ID, STREET_IDS[0]):
                raise
            log.warning("network input %s unavailable: %s", ds_id, exc)
    return out


def network_digest(files: dict[str, Iterable[Path]], day: dt.date | str | None) -> str:
    from sources.store import file_digest

    h = hashlib.sha256(f"network-v{NETWORK_VERSION}|{day}".encode())
    for ds_id in sorted(files):
        for path in sorted(files[ds_id]):
            h.update(f"|{ds_id}|{path.name}|{file_digest(path)}".encode())
    return h.hexdigest()[:24]


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
    return kwargs


def load_network(*, bundle: Any = None, day: dt.date | None = None, cache: Any = None,
                 use_cache: bool = True, progress: bool = False) -> Network:
    """The network for ``day`` (default: the feed's representative weekday, see
    :meth:`sources.loaders.gtfs.GtfsFeed.representative_date`), from the disk cache when fresh."""
    from sources.errors import SourceError
    from sources.settings import RENNES_METROPOLE_BBOX

    candidate = settings.default_bundle_candidate()
    has_candidate = (candidate / "README.md").exists()
    if bundle is None and settings.bundle_dir() is None and has_candidate and settings.offline():
        bundle = candidate
    try:
        files = input_files(bundle=bundle, cache=cache)
    except SourceError as exc:
        # no bundle named and the official copies unreachable: the bundle beside the checkout
        if bundle is not None or settings.bundle_dir() is not None or not has_candidate:
            raise
        log.warning("official sources unavailable (%s): using the bundle %s", exc, candidate)
        bundle = candidate
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
            x0, y0, x1, y1 = RENNES_METROPOLE_BBOX
            kwargs[key] = frame[frame["lon"].between(x0, x1) & frame["lat"].between(y0, y1)]
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
