"""Map layers for the dashboard, as plain functions of loaded data (no Streamlit here).

The toggleable layers are a table, :data:`LAYERS`: one :class:`LayerSpec` per layer says
which catalogue dataset it draws, which table of the loaded data, and which of the loader's
typed columns (its published ``COLUMNS`` contract, kept in ``spec.columns``) give the
position or geometry, the name, the tooltip text, the size and the colour. One function,
:func:`prepare_layer`, turns any of them into a display table. Colour rules specific to a
layer (bike-share fill, charger power class, traffic state, bus delay) are small named
functions the table refers to. A column a layer needs and its loader does not publish is
added to the loader's contract, never guessed here (a test checks every spec against it).

Display tables have either point columns ``lon, lat, radius_m, color, name, info`` or path
columns ``path, color, width_m, name, info`` (``path`` a list of [lon, lat]); ``name`` and
``info`` are HTML-escaped because deck.gl puts tooltips in innerHTML. Words of the tooltips are
translations: a template field starting with ``_`` (``{_line}``) is the string ``map.line`` of
:mod:`sources.i18n` in the requested language.

The base map (:data:`STREETS`) is drawn from the street networks (no online tiles by
default), so the map is never blank, even offline.
"""

from __future__ import annotations

import html
import json
import math
import re
import string
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pydeck as pdk

from dashboard import served
from sources import SchemaError
from sources.geo import haversine_m, in_bbox
from sources.i18n import DEFAULT_LANGUAGE, translate
from sources.loaders import bikeshare, carpool, cycling, gtfs, irve, parkings, realtime
from sources.loaders import streets as street_loader

RENNES_CENTER = (-1.6778, 48.1173)  # lon, lat (République)
#: a bbox a little larger than Rennes Métropole, to crop national/regional files
VIEW_BBOX = (-2.05, 47.90, -1.35, 48.32)

GREY = [150, 150, 160]
#: a transit line whose feed gives no usable colour (STAR red)
LINE_COLOR = [227, 5, 27]
#: the two ends of a trip, on every map
ORIGIN_COLOR = [30, 160, 70]
DESTINATION_COLOR = [227, 5, 27]
STREET_COLOR = [205, 208, 214]
ROAD_COLOR = [170, 176, 188]
HEX_RE = re.compile(r"^[0-9A-Fa-f]{6}$")

POINT_COLUMNS = ["lon", "lat", "radius_m", "color", "name", "info"]
PATH_COLUMNS = ["path", "color", "width_m", "name", "info"]

#: leg colours by mode (RGB) when the leg has no route colour
MODE_COLORS: dict[str, list[int]] = {
    "walk": [90, 90, 90], "bike": [0, 150, 80], "bikeshare": [227, 5, 27], "transit": [0, 90, 170],
    "car": [120, 60, 160], "carpool": [230, 130, 0], "ecar": [0, 160, 160], "charge": [0, 160, 160],
    "wait": [160, 160, 160],
}


def hex_to_rgb(value: Any, default: list[int] | None = None) -> list[int]:
    """``"E3051B"`` or ``"#e3051b"`` -> [227, 5, 27]; anything else -> ``default`` (grey).

    The one reading of a colour from data (GTFS ``route_color``, scenario files); deck.gl takes
    the RGB list, HTML and Leaflet take :func:`rgb_css` and :func:`rgb_hex` of it."""
    text = str(value or "").strip().lstrip("#")
    if HEX_RE.match(text):
        return [int(text[i:i + 2], 16) for i in (0, 2, 4)]
    return list(default or GREY)


def rgb_css(rgb: Iterable[int]) -> str:
    """[227, 5, 27] (an alpha, if any, is left out) -> ``"rgb(227,5,27)"``."""
    r, g, b = (int(v) for v in list(rgb)[:3])
    return f"rgb({r},{g},{b})"


def rgb_hex(rgb: Iterable[int]) -> str:
    """[227, 5, 27] (an alpha, if any, is left out) -> ``"#e3051b"``."""
    r, g, b = (int(v) for v in list(rgb)[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


def natural_key(name: str) -> tuple[tuple[int, int, str], ...]:
    """Sort key of line names in reading order: "2" before "10", numbers before "KL"."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.findall(r"\d+|\D+", str(name)))
def _luminance(rgb: Iterable[int]) -> float:
    """WCAG 2 relative luminance of an sRGB colour (0 black .. 1 white)."""
    def linear(v: float) -> float:
        c = v / 255.0
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(float(v)) for v in list(rgb)[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def text_colour_on(rgb: Iterable[int]) -> list[int]:
    """The text colour for a coloured background (a line badge, a leg of the timeline): black or
    white, whichever contrasts more by the WCAG ratio (black on line 34's yellow, white on red)."""
    lum = _luminance(rgb)
    on_black = (lum + 0.05) / 0.05
    on_white = 1.05 / (lum + 0.05)
    return [0, 0, 0] if on_black >= on_white else [255, 255, 255]


def _missing(value: Any) -> bool:
    """None, NA, NaN or blank text."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def esc(value: Any) -> str:
    """Text safe for deck.gl tooltips and HTML snippets (None/NaN -> "")."""
    if value is None:
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return html.escape(str(value))


# -- geometry helpers -----------------------------------------------------------------------------

def line_paths(geometry: Any) -> list[list[list[float]]]:
    """Paths ([[lon, lat], ...]) of a shapely LineString/MultiLineString, WKB/WKT or GeoJSON mapping."""
    if geometry is None:
        return []
    if isinstance(geometry, (bytes, bytearray, memoryview, str)):
        import shapely

        try:
            geometry = (shapely.from_wkt(geometry) if isinstance(geometry, str)
                        else shapely.from_wkb(bytes(geometry)))
        except Exception:  # shapely.errors.GEOSException and friends: not a geometry
            return []
    if isinstance(geometry, Mapping):
        gtype, coords = geometry.get("type"), geometry.get("coordinates")
        if gtype == "LineString":
            return [[[float(x), float(y)] for x, y, *_ in coords]] if coords else []
        if gtype == "MultiLineString":
            return [[[float(x), float(y)] for x, y, *_ in part] for part in coords or [] if part]
        return []
    gtype = getattr(geometry, "geom_type", None)
    if gtype == "LineString":
        return [[[float(x), float(y)] for x, y, *_ in geometry.coords]]
    if gtype == "MultiLineString":
        return [[[float(x), float(y)] for x, y, *_ in g.coords] for g in geometry.geoms]
    return []


def compact_path(path: list[list[float]], *, tolerance_deg: float = 4e-5) -> list[list[float]]:
    """A path simplified (Douglas-Peucker, ~4 m) and rounded to 5 decimals (~1 m), for the base map."""
    import shapely

    if len(path) > 2:
        line = shapely.simplify(shapely.linestrings(path), tolerance_deg, preserve_topology=False)
        path = [list(c) for c in shapely.get_coordinates(line)]
    out: list[list[float]] = []
    for x, y in path:
        pt = [round(float(x), 5), round(float(y), 5)]
        if not out or pt != out[-1]:
            out.append(pt)
    return out if len(out) >= 2 else out * 2


def simplified_paths(frame: pd.DataFrame, *, tolerance_deg: float = 4e-5) -> list[list[list[float]]]:
    """The line geometries of ``frame`` as paths simplified (Douglas-Peucker, ~4 m) and rounded to
    5 decimals (~1 m), vectorised with shapely (no Python loop over features).

    Geometries that are not shapely lines (points, WKB, mappings) go through :func:`line_paths`.
    """
    import shapely

    geoms = np.asarray(frame["geometry"].to_numpy(), dtype=object)
    is_geom = np.array([isinstance(g, shapely.Geometry) for g in geoms], dtype=bool)
    out: list[list[list[float]]] = []
    if is_geom.any():
        parts = shapely.get_parts(geoms[is_geom])
        parts = parts[shapely.get_type_id(parts) == 1]  # LineStrings (MultiLineStrings exploded)
        if len(parts):
            simp = shapely.simplify(parts, tolerance_deg, preserve_topology=False)
            coords, idx = shapely.get_coordinates(simp, return_index=True)
            coords = np.round(coords, 5)
            for chunk in np.split(coords, np.flatnonzero(np.diff(idx)) + 1):
                if len(chunk) >= 2:
                    out.append(chunk.tolist())
    for geom in geoms[~is_geom]:
        out.extend(compact_path(p, tolerance_deg=tolerance_deg) for p in line_paths(geom) if len(p) >= 2)
    return out


#: without shapes.txt a line is drawn stop to stop; longer hops (express or interurban runs) are
#: left out rather than drawn as straight lines across the map
MAX_HOP_M = 3000.0


def split_long_hops(coords: np.ndarray, *, max_hop_m: float = MAX_HOP_M) -> list[list[list[float]]]:
    """Paths ([[lon, lat], ...]) of a stop sequence cut where two consecutive stops are farther
    apart than ``max_hop_m`` (great-circle distance); pieces of fewer than 2 stops are dropped."""
    if len(coords) < 2:
        return []
    hop = haversine_m(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1])
    cuts = np.flatnonzero(hop > max_hop_m) + 1
    return [piece.tolist() for piece in np.split(coords, cuts) if len(piece) >= 2]


# -- tables of the loaded data -------------------------------------------------------------------------

def whole_frame(data: Any) -> pd.DataFrame:
    """The loaded data itself: loaders that return one frame."""
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"expected a DataFrame, got {type(data).__name__}")
    return data


def gtfs_stops(feed: gtfs.GtfsFeed) -> pd.DataFrame:
    """``stops`` of a GTFS feed (:data:`sources.loaders.gtfs.COLUMNS` ``["stops"]``)."""
    return feed.stops


def street_edges(network: street_loader.StreetNetwork) -> pd.DataFrame:
    """Edges of a street network with shapely geometries (:data:`sources.loaders.streets.COLUMNS`)."""
    return network.to_geodataframe()


def route_paths(feed: gtfs.GtfsFeed) -> pd.DataFrame:
    """``routes`` of a GTFS feed with a ``geometry`` column: for each route, its longest trip's stop
    sequence as a GeoJSON MultiLineString (cut at hops longer than :data:`MAX_HOP_M`); routes without
    trips are left out."""
    st_, trips, routes, stops = feed.stop_times, feed.trips, feed.routes, feed.stops
    if not (len(st_) and len(trips) and len(routes) and len(stops)):
        return routes.assign(geometry=pd.Series(dtype=object)).iloc[:0]
    sizes = st_.groupby("trip_id", sort=False).size().rename("n").reset_index()
    sizes = sizes.merge(trips[["trip_id", "route_id"]], on="trip_id")
    best = sizes.sort_values(["route_id", "n"], ascending=[True, False]).drop_duplicates("route_id")
    seq = st_[st_["trip_id"].isin(best["trip_id"])].sort_values(["trip_id", "stop_sequence"])
    seq = seq.merge(stops[["stop_id", "stop_lon", "stop_lat"]], on="stop_id")
    seq = seq.merge(best[["trip_id", "route_id"]], on="trip_id")
    geometry = {route_id: {"type": "MultiLineString",
                           "coordinates": split_long_hops(grp[["stop_lon", "stop_lat"]].to_numpy(dtype=float))}
                for route_id, grp in seq.groupby("route_id", sort=False)}
    order = list(geometry)
    out = routes.drop_duplicates("route_id").set_index("route_id").reindex(order).reset_index()
    return out.assign(geometry=[geometry[r] for r in order])


# -- rules the table refers to ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    """A value per row from loader columns: ``fn(*values of columns)`` (missing values as None)."""

    columns: tuple[str, ...]
    fn: Callable[..., Any]


@dataclass(frozen=True)
class KeepIf:
    """Rows to draw: ``fn(*columns as Series)`` -> boolean mask (vectorised)."""

    columns: tuple[str, ...]
    fn: Callable[..., Any]


@dataclass(frozen=True)
class SizeBy:
    """A size in metres growing with a count: ``base_m + per_sqrt_m * sqrt(value)`` (the value
    floored at 1; ``default`` when missing)."""

    column: str
    base_m: float
    per_sqrt_m: float
    default: float


def in_view(lon: pd.Series, lat: pd.Series) -> np.ndarray:
    """Inside :data:`VIEW_BBOX` (national and regional files cropped to the Rennes area)."""
    return in_bbox(lon, lat, VIEW_BBOX)


def is_stop(location_type: pd.Series) -> pd.Series:
    """GTFS stops and platforms (``location_type`` 0), not stations or entrances."""
    return location_type.fillna(0) == 0


def is_true(flag: pd.Series) -> pd.Series:
    return flag.fillna(False).astype(bool)


def is_latest(snapshot: pd.Series) -> pd.Series:
    """Rows of the latest snapshot only (several real-time files loaded together)."""
    return snapshot == snapshot.max()


# -- palettes: one hue family per layer, so that layers shown together never share a colour ---------
# (ColorBrewer sequential ramps: a darker shade means more of the same thing inside each family).
# Bus lines keep their own GTFS colours (drawn half transparent below the others); red means only
# "late bus"; green only the cycle network; blue only bike availability.

#: bike-share stations, bikes available / places (Blues): many, a few, none or closed
BIKESHARE_PALETTE = {"many": [8, 81, 156], "some": [107, 174, 214], "empty": [198, 219, 239]}
#: cycle network (REV) status (Greens): done, works / scheduled, studied / postponed
REV_PALETTE = {"done": [0, 109, 44], "works": [116, 196, 118], "planned": [199, 233, 192]}
#: EV charger power class (YlOrBr): slow, mid, fast
CHARGER_PALETTE = {"slow": [254, 196, 79], "mid": [236, 112, 20], "fast": [140, 45, 4]}
#: traffic state (Purples): free flow, heavy, congested (and blocked), unknown in light grey
TRAFFIC_PALETTE = {"free": [188, 189, 220], "heavy": [128, 125, 186], "congested": [63, 0, 125],
                   "unknown": [217, 217, 217]}
#: bus punctuality: on time dark grey, late red (the only red of the page), out of service grey
BUS_PALETTE = {"on_time": [37, 37, 37], "late": [228, 26, 28]}
STOP_COLOR = [130, 130, 130]
CARPOOL_COLOR = [197, 27, 125]  # magenta
PARKRIDE_COLOR = [0, 150, 160]  # teal
#: bus lines are drawn with this opacity, under the other layers
LINE_ALPHA = 170


def route_color(value: Any) -> list[int]:
    return [*hex_to_rgb(value, [0, 90, 170]), LINE_ALPHA]


def fill_ratio(bikes: Any, capacity: Any) -> float:
    """Bikes available / capacity (0 when either is unknown or the capacity is 0)."""
    if bikes is None or capacity is None or capacity <= 0:
        return 0.0
    return float(bikes) / float(capacity)


def bikeshare_color(ratio: float, renting: Any = True) -> list[int]:
    """Lightest blue when empty or closed (``renting`` false; unknown counts as renting), mid blue
    with few bikes (under 30 % of the places), dark blue with many."""
    if (renting is not None and not bool(renting)) or not np.isfinite(ratio) or ratio <= 0:
        return list(BIKESHARE_PALETTE["empty"])
    if ratio < 0.3:
        return list(BIKESHARE_PALETTE["some"])
    return list(BIKESHARE_PALETTE["many"])


#: charger power classes, lower bound in kW -> colour (the legend's slow / mid / fast)
CHARGER_CLASSES: tuple[tuple[float, list[int]], ...] = (
    (50.0, CHARGER_PALETTE["fast"]), (22.0, CHARGER_PALETTE["mid"]), (0.0, CHARGER_PALETTE["slow"]))


def charger_power_kw(power_kw: Any, n_fast_points: Any) -> float:
    """The station's power: the declared maximum when known; else 50 kW when it has a DC fast
    connector (CCS Combo, CHAdeMO), else 22 kW (files grouped by station give no power)."""
    if power_kw is not None and np.isfinite(power_kw):
        return float(power_kw)
    return 50.0 if n_fast_points is not None and n_fast_points > 0 else 22.0


def charger_color(power_kw: Any) -> list[int]:
    if power_kw is None or not np.isfinite(power_kw):
        return list(GREY)
    return list(next(rgb for low, rgb in CHARGER_CLASSES if power_kw >= low))


REV_COLORS = {"done": REV_PALETTE["done"], "wip": REV_PALETTE["works"], "expected": REV_PALETTE["works"],
              "planned": REV_PALETTE["planned"], "postponed": REV_PALETTE["planned"]}


def rev_color(status: Any) -> list[int]:
    return list(REV_COLORS.get(str(status), GREY))


TRAFFIC_COLORS = {"freeflow": TRAFFIC_PALETTE["free"], "heavy": TRAFFIC_PALETTE["heavy"],
                  "congested": TRAFFIC_PALETTE["congested"], "impossible": TRAFFIC_PALETTE["congested"],
                  "unknown": TRAFFIC_PALETTE["unknown"]}


def traffic_color(status: Any) -> list[int]:
    return list(TRAFFIC_COLORS.get(str(status).lower(), TRAFFIC_COLORS["unknown"]))


#: a bus in service later than this is drawn late (red)
LATE_S = 120.0


def bus_color(in_service: Any, delay_s: Any) -> list[int]:
    """In service: red when late by more than :data:`LATE_S`, else dark grey; out of service: grey."""
    if not in_service:
        return list(GREY)
    return list(BUS_PALETTE["late"] if delay_s is not None and delay_s > LATE_S else BUS_PALETTE["on_time"])


# -- the table of layers ------------------------------------------------------------------------------

@dataclass(frozen=True)
class LayerSpec:
    """One toggleable map layer, read from one loader's typed columns.

    ``columns`` is the loader's column contract (its ``COLUMNS``, or ``COLUMNS[table]``) and every
    column named below must be in it, or in ``derive`` (columns computed here, before the rest),
    or in ``extra`` (columns that the ``table`` function adds). ``name`` and ``info`` are
    ``str.format`` templates over those columns (and translated words: ``{_places}`` is the string
    ``map.places``): the parts whose values are all known are kept, joined with a space (name) or
    " · " (info). ``size`` is the radius (points) or width (paths)
    in metres; ``color`` an RGB or a :class:`Rule`.
    """

    id: str
    label_key: str
    dataset_id: str
    columns: Mapping[str, str]
    kind: str  # "points" | "paths"
    color: tuple[int, int, int] | Rule
    size: float | SizeBy
    table: Callable[[Any], pd.DataFrame] = whole_frame
    lon: str = "lon"
    lat: str = "lat"
    geometry: str = "geometry"
    name: tuple[str, ...] = ("{name}",)
    info: tuple[str, ...] = ()
    keep: tuple[KeepIf, ...] = ()
    derive: tuple[tuple[str, Rule], ...] = ()
    extra: tuple[str, ...] = ()
    default_on: bool = False
    legend: tuple[tuple[tuple[int, int, int], str], ...] = ()
    attribution_keys: tuple[str, ...] = field(default=("attr.star",))
    #: what colour and size measure, with units (a translation key), under the layer's legend
    unit_key: str = ""
    #: the legend lists each feature's own colour and name (bus lines), not ``legend``
    legend_from_data: bool = False
    #: names written beside the points at close zoom
    labels: bool = False

    @property
    def dataset_ids(self) -> tuple[str, ...]:
        return (self.dataset_id,)

    def read_columns(self) -> set[str]:
        """Every column this layer reads from its table (contract, derived or extra)."""
        cols = {self.lon, self.lat} if self.kind == "points" else {self.geometry}
        cols |= {c for t in (*self.name, *self.info) for c in template_columns(t)}
        cols |= {c for k in self.keep for c in k.columns}
        cols |= {c for _, r in self.derive for c in r.columns}
        if isinstance(self.color, Rule):
            cols |= set(self.color.columns)
        if isinstance(self.size, SizeBy):
            cols.add(self.size.column)
        return cols

    def prepare(self, data: Mapping[str, Any], lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
        return prepare_layer(self, data, lang)


def _template_fields(template: str) -> list[str]:
    return [f for _, f, _, _ in string.Formatter().parse(template) if f]


def template_columns(template: str) -> list[str]:
    """The column names a ``str.format`` template reads (``"{places} {_places}"`` -> ["places"])."""
    return [f for f in _template_fields(template) if not f.startswith("_")]


def _values(frame: pd.DataFrame, columns: Iterable[str]) -> dict[str, list[Any]]:
    """Python values of ``columns`` (ints stay ints; None for missing)."""
    return {c: [None if _missing(v) else v for v in frame[c].tolist()] for c in columns}


def _compose(frame: pd.DataFrame, parts: tuple[str, ...], sep: str, lang: str) -> list[str]:
    """Per row, the templates whose values are all known, formatted, joined. Numbers are given to
    the template as numbers (for format specs such as ``:.0f``), anything else as escaped text;
    ``{_word}`` fields are the translation ``map.word`` in ``lang``."""
    if not parts:
        return [""] * len(frame)
    fields = [(part, template_columns(part)) for part in parts]
    words = {f: esc(translate(f"map.{f[1:]}", lang)) for part in parts for f in _template_fields(part)
             if f.startswith("_")}
    values = _values(frame, {c for _, cols in fields for c in cols})
    out = []
    for i in range(len(frame)):
        bits = []
        for part, cols in fields:
            row = {c: values[c][i] for c in cols}
            if any(v is None for v in row.values()):
                continue
            bits.append(part.format(**words, **{c: v if isinstance(v, (int, float)) and not isinstance(v, bool)
                                                else esc(v) for c, v in row.items()}))
        out.append(sep.join(bits).strip())
    return out


def _apply(frame: pd.DataFrame, rule: Rule) -> list[Any]:
    values = _values(frame, rule.columns)
    return [rule.fn(*row) for row in zip(*(values[c] for c in rule.columns), strict=True)]


def _sizes(frame: pd.DataFrame, size: float | SizeBy) -> np.ndarray:
    if not isinstance(size, SizeBy):
        return np.full(len(frame), float(size))
    value = pd.to_numeric(frame[size.column], errors="coerce").astype("float64")
    return size.base_m + size.per_sqrt_m * np.sqrt(value.fillna(size.default).clip(lower=1).to_numpy())


def prepare_layer(spec: LayerSpec, data: Mapping[str, Any], lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """The display table of ``spec`` from ``data`` ({dataset id: loaded data}), its tooltip words
    in ``lang``.

    Returns point or path columns (see the module docstring); an empty table with those columns
    when the dataset is absent or empty. Raises :class:`sources.SchemaError` naming the layer,
    dataset and columns when the loaded table lacks columns the spec reads (out of contract).
    """
    empty = pd.DataFrame(columns=POINT_COLUMNS if spec.kind == "points" else PATH_COLUMNS)
    loaded = data.get(spec.dataset_id)
    if loaded is None:
        return empty
    frame = spec.table(loaded)
    derived = {name for name, _ in spec.derive}
    missing = sorted(spec.read_columns() - set(frame.columns) - derived)
    if missing:
        raise SchemaError(f"layer {spec.id!r}: dataset {spec.dataset_id!r} has no column(s) {missing} of "
                          "its loader's contract", field=missing[0])
    if not len(frame):
        return empty
    keep = np.ones(len(frame), dtype=bool)
    if spec.kind == "points":
        lon = pd.to_numeric(frame[spec.lon], errors="coerce").to_numpy(dtype="float64")
        lat = pd.to_numeric(frame[spec.lat], errors="coerce").to_numpy(dtype="float64")
        keep &= np.isfinite(lon) & np.isfinite(lat)
    for rule in spec.keep:
        keep &= np.asarray(rule.fn(*(frame[c] for c in rule.columns)), dtype=bool)
    frame = frame.loc[keep].reset_index(drop=True)
    for name, rule in spec.derive:
        frame = frame.assign(**{name: _apply(frame, rule)})
    color = _apply(frame, spec.color) if isinstance(spec.color, Rule) else [list(spec.color)] * len(frame)
    out = pd.DataFrame({"color": color, "size": _sizes(frame, spec.size),
                        "name": _compose(frame, spec.name, " ", lang),
                        "info": _compose(frame, spec.info, " · ", lang)})
    if spec.kind == "points":
        out.insert(0, "lon", lon[keep])
        out.insert(1, "lat", lat[keep])
        return out.rename(columns={"size": "radius_m"})[POINT_COLUMNS]
    paths = [[np.round(np.asarray(p, dtype=float), 5).tolist() for p in line_paths(g) if len(p) >= 2]
             for g in frame[spec.geometry]]  # ~1 m: a lighter page for the browser
    out = out.assign(path=paths).explode("path").dropna(subset=["path"])
    return out.rename(columns={"size": "width_m"})[PATH_COLUMNS].reset_index(drop=True)


#: the toggleable layers of the layers page, in their order
LAYERS: dict[str, LayerSpec] = {s.id: s for s in (
    LayerSpec("lines", "layer.lines", "star-gtfs", gtfs.COLUMNS["routes"], "paths",
              Rule(("route_color",), route_color), 14.0, table=route_paths, extra=("geometry",),
              name=("{_line}", "{route_short_name}"), info=("{route_long_name}",), default_on=True,
              legend_from_data=True, unit_key="legend.unit.lines"),
    LayerSpec("stops", "layer.stops", "star-gtfs", gtfs.COLUMNS["stops"], "points", tuple(STOP_COLOR), 18.0,
              table=gtfs_stops, lon="stop_lon", lat="stop_lat", name=("{stop_name}",),
              keep=(KeepIf(("location_type",), is_stop),), default_on=True,
              legend=((tuple(STOP_COLOR), "layer.stops"),), labels=True),
    LayerSpec("bikeshare", "layer.bikeshare", "velo-star", bikeshare.COLUMNS, "points",
              Rule(("fill_ratio", "is_renting"), bikeshare_color), SizeBy("capacity", 12.0, 4.0, 10.0),
              derive=(("fill_ratio", Rule(("bikes_available", "capacity"), fill_ratio)),),
              info=("{bikes_available} / {capacity}",), default_on=True,
              legend=((tuple(BIKESHARE_PALETTE["many"]), "legend.many"),
                      (tuple(BIKESHARE_PALETTE["some"]), "legend.some"),
                      (tuple(BIKESHARE_PALETTE["empty"]), "legend.empty")),
              unit_key="legend.unit.bikeshare", labels=True),
    LayerSpec("rev", "layer.rev", "rev-cycle-network", cycling.COLUMNS, "paths",
              Rule(("status",), rev_color), 18.0, info=("REV {line}", "{status}", "{facility}"),
              legend=((tuple(REV_PALETTE["done"]), "legend.done"), (tuple(REV_PALETTE["works"]), "legend.works"),
                      (tuple(REV_PALETTE["planned"]), "legend.planned")), unit_key="legend.unit.rev"),
    LayerSpec("carpool", "layer.carpool", "bnlc", carpool.COLUMNS, "points", tuple(CARPOOL_COLOR),
              SizeBy("places", 30.0, 3.0, 4.0), info=("{places} {_places}",),
              keep=(KeepIf(("lon", "lat"), in_view),),
              legend=((tuple(CARPOOL_COLOR), "layer.carpool"),), attribution_keys=("attr.etalab",),
              unit_key="legend.unit.places", labels=True),
    LayerSpec("chargers", "layer.chargers", "irve", irve.COLUMNS, "points",
              Rule(("power_class_kw",), charger_color), SizeBy("n_points", 25.0, 6.0, 1.0),
              derive=(("power_class_kw", Rule(("power_kw", "n_fast_points"), charger_power_kw)),),
              info=("{power_class_kw:.0f} kW",), keep=(KeepIf(("lon", "lat"), in_view),),
              legend=((tuple(CHARGER_PALETTE["slow"]), "legend.kw_slow"), (tuple(CHARGER_PALETTE["mid"]), "legend.kw_mid"),
                      (tuple(CHARGER_PALETTE["fast"]), "legend.kw_fast")), attribution_keys=("attr.etalab",),
              unit_key="legend.unit.chargers"),
    LayerSpec("parkride", "layer.parkride", "parkings", parkings.COLUMNS, "points", tuple(PARKRIDE_COLOR),
              SizeBy("capacity", 40.0, 4.0, 50.0), info=("{capacity} {_places}",),
              keep=(KeepIf(("is_park_and_ride",), is_true),),
              legend=((tuple(PARKRIDE_COLOR), "layer.parkride"),), unit_key="legend.unit.places", labels=True),
    LayerSpec("traffic", "layer.traffic", "main-roads-traffic", street_loader.COLUMNS["edges"], "paths",
              Rule(("traffic_status",), traffic_color), 16.0, table=street_edges,
              info=("{traffic_status}", "{traffic_speed_kmh:.0f} km/h"),
              legend=((tuple(TRAFFIC_PALETTE["free"]), "legend.free"), (tuple(TRAFFIC_PALETTE["heavy"]), "legend.heavy"),
                      (tuple(TRAFFIC_PALETTE["congested"]), "legend.congested"),
                      (tuple(TRAFFIC_PALETTE["unknown"]), "legend.unknown")), unit_key="legend.unit.traffic"),
    LayerSpec("buses", "layer.buses", "star-bus-positions", realtime.COLUMNS, "points",
              Rule(("in_service", "delay_s"), bus_color), 35.0, name=("{_bus}", "{line_name}"),
              info=("{state}", "{delay_s:+.0f} s"), keep=(KeepIf(("snapshot",), is_latest),),
              legend=((tuple(BUS_PALETTE["on_time"]), "legend.on_time"), (tuple(BUS_PALETTE["late"]), "legend.late"),
                      (tuple(GREY), "legend.out_of_service")), unit_key="legend.unit.buses"),
)}


# -- the street base map ----------------------------------------------------------------------------

@dataclass(frozen=True)
class BaseMap:
    """The street base map: thin streets and thicker main roads, simplified, not pickable.
    ``layers``: (dataset id, colour, width in metres), each a :mod:`sources.loaders.streets`
    network drawn from its edge geometries."""

    id: str
    layers: tuple[tuple[str, list[int], float], ...]
    attribution_keys: tuple[str, ...] = ("attr.osm",)

    @property
    def dataset_ids(self) -> tuple[str, ...]:
        return tuple(ds for ds, _, _ in self.layers)

    def prepare(self, data: Mapping[str, Any], lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
        return prepare_streets(data, base=self)  # no words: the same table in every language


STREETS = BaseMap("streets", (("osm-streets", STREET_COLOR, 4.0), ("main-roads-traffic", ROAD_COLOR, 9.0)))


def prepare_streets(data: Mapping[str, Any], *, base: BaseMap = STREETS) -> pd.DataFrame:
    """Street base map table: columns ``path, color, width_m`` only (the base map is not pickable)."""
    parts = []
    for ds_id, color, width in base.layers:
        network = data.get(ds_id)
        if network is None:
            continue
        frame = street_edges(network)
        if len(frame):
            paths = simplified_paths(frame)
            parts.append(pd.DataFrame({"path": paths, "color": [list(color)] * len(paths), "width_m": width}))
    if not parts:
        return pd.DataFrame(columns=["path", "color", "width_m"])
    return pd.concat(parts, ignore_index=True)[["path", "color", "width_m"]]


def street_segments(paths: Iterable[Sequence[Sequence[float]]]) -> list[dict[str, list[float]]]:
    """Every consecutive pair of points of ``paths`` as a segment ``{"s": start, "t": end}``.

    The base map is drawn as segments (deck.gl's LineLayer) rather than paths: without a GPU
    (software WebGL) a PathLayer's joints cost 400-700 ms per frame for the metropole's 20,000
    street segments, a LineLayer of the same segments 80-170 ms, and every redraw of a map pays it."""
    return [{"s": list(a), "t": list(b)} for path in paths for a, b in zip(path[:-1], path[1:], strict=True)]


def base_layers(table: pd.DataFrame) -> list[pdk.Layer]:
    """The street base map as LineLayers of segments (:func:`street_segments`) with constant colour
    and width (small JSON), one per group of :func:`streets_payload`."""
    return [pdk.Layer("LineLayer", id=f"streets-{i}", data=street_segments(group["paths"]),
                      get_source_position="s", get_target_position="t", get_color=group["color"],
                      get_width=group["width"], width_units="'meters'", width_min_pixels=1, pickable=False)
            for i, group in enumerate(streets_payload(table))]


def deck_layer(spec_id: str, table: pd.DataFrame, *, kind: str, pickable: bool = True,
               min_width_px: float = 1.5) -> pdk.Layer:
    """A pydeck layer for a display table (see the module docstring for its columns)."""
    if kind == "paths":
        return pdk.Layer("PathLayer", id=spec_id, data=table, get_path="path", get_color="color",
                         get_width="width_m", width_min_pixels=min_width_px,
                         cap_rounded=True, joint_rounded=True, pickable=pickable, auto_highlight=pickable)
    return pdk.Layer("ScatterplotLayer", id=spec_id, data=table, get_position=["lon", "lat"],
                     get_radius="radius_m", radius_min_pixels=2.5,
                     radius_max_pixels=40, get_fill_color="color", get_line_color=[255, 255, 255],
                     line_width_min_pixels=1, stroked=True, pickable=pickable, auto_highlight=pickable)


def polygon_layer(layer_id: str, table: pd.DataFrame, *, pickable: bool = True) -> pdk.Layer:
    """Filled polygons (``polygon``: a ring or [outer, holes...] of [lon, lat]; ``color`` RGBA)."""
    return pdk.Layer("PolygonLayer", id=layer_id, data=table, get_polygon="polygon", get_fill_color="color",
                     get_line_color=[255, 255, 255, 60], line_width_min_pixels=0, stroked=False, filled=True,
                     pickable=pickable, auto_highlight=pickable)


def point_table(points: Iterable[tuple[float, float, str]], *, color: list[int] | None = None) -> pd.DataFrame:
    """A points display table from (lon, lat, name) triples."""
    rows = [{"lon": float(x), "lat": float(y), "radius_m": 60.0, "color": list(color or [227, 5, 27]),
             "name": esc(n), "info": ""} for x, y, n in points]
    return pd.DataFrame(rows, columns=["lon", "lat", "radius_m", "color", "name", "info"])


NO_BASEMAP = "__MAP_STYLE__"


def _compact_json(obj: Any) -> str:
    from pydeck.bindings.json_tools import default_serialize

    return json.dumps(obj, sort_keys=True, default=default_serialize, separators=(",", ":"))


#: layers whose JSON is written once (:func:`frozen`): a base map drawn unchanged at every rerun is
#: not serialised again (8,000 street paths, half a megabyte: a tenth of a second per map and rerun)
_FROZEN_JSON: weakref.WeakKeyDictionary[pdk.Layer, str] = weakref.WeakKeyDictionary()
def frozen(layers: list[pdk.Layer], *, by_url: bool = True) -> list[pdk.Layer]:
    """``layers`` with their data served as static files and their JSON written now, reused by
    every deck that draws them (the layers must not be changed afterwards).

    In the browser, a map whose JSON changes is parsed anew and deck.gl rebuilds every layer whose
    data changed (the street base map alone: seconds of software WebGL). A frozen layer's data is
    its file's address: a map redrawn with other layers beside it keeps that one as drawn (same
    address), the browser's cache keeps the file, and the map's JSON is small.

    ``by_url=False`` keeps the data in the JSON (still written once): for a result of a few
    hundred KB that changes with each answer, drawn in one frame, where data by address draws the
    map twice (once without the data, once when it has come)."""
    for layer in layers:
        url = served.serve(_compact_json(layer.data), "maps") if by_url else None
        if url is not None:
            layer.data = url
        _FROZEN_JSON[layer] = _compact_json(layer)
    return layers


class CompactDeck(pdk.Deck):
    """A pydeck Deck serialised without indentation (half the bytes sent to the browser); the
    JSON of :func:`frozen` layers is spliced in as written."""

    def to_json(self) -> str:
        layers = self.layers
        texts = {f"__spmd_frozen_layer_{i}__": _FROZEN_JSON.get(layer) for i, layer in enumerate(layers)}
        texts = {token: text for token, text in texts.items() if text is not None}
        if not texts:
            return _compact_json(self)
        self.layers = [layer if f"__spmd_frozen_layer_{i}__" not in texts else f"__spmd_frozen_layer_{i}__"
                       for i, layer in enumerate(layers)]
        try:
            out = _compact_json(self)
        finally:
            self.layers = layers
        for token, text in texts.items():
            out = out.replace(f'"{token}"', text, 1)
        return out


TOOLTIP = {"html": "<b>{name}</b><br/>{info}",
           "style": {"backgroundColor": "#1f2937", "color": "white", "fontSize": "13px"}}


def make_deck(layers: Iterable[pdk.Layer], *, view: tuple[float, float, float] | None = None,
              online_tiles: bool = False, height_px: int = 560) -> pdk.Deck:
    """A deck with no base map tiles (``online_tiles=False``): the street layer is the base map."""
    lon, lat, zoom = view or (RENNES_CENTER[0], RENNES_CENTER[1], 12.2)
    # Streamlit's deck.gl element adds a CARTO base map when mapStyle is empty; its sentinel
    # "__MAP_STYLE__" means "no base map at all" (nothing is requested from the network).
    kwargs: dict[str, Any] = {"map_provider": None, "map_style": NO_BASEMAP}
    if online_tiles:
        kwargs = {"map_provider": "carto", "map_style": "light"}
    return CompactDeck(layers=list(layers), initial_view_state=pdk.ViewState(
        longitude=lon, latitude=lat, zoom=zoom, pitch=0), tooltip=TOOLTIP, height=height_px, **kwargs)


def fit_view(points: Iterable[tuple[float, float]], *, min_zoom: float = 10.0,
             max_zoom: float = 15.5) -> tuple[float, float, float]:
    """(lon, lat, zoom) framing ``points`` (lon, lat); Rennes centre when empty."""
    pts = np.asarray([p for p in points if p is not None and all(map(math.isfinite, p))], dtype=float)
    if pts.size == 0:
        return (RENNES_CENTER[0], RENNES_CENTER[1], 12.2)
    lon0, lat0 = pts.min(axis=0)
    lon1, lat1 = pts.max(axis=0)
    span = max(lon1 - lon0, (lat1 - lat0) * 1.5, 1e-4)
    zoom = float(np.clip(math.log2(360.0 / span) - 1.3, min_zoom, max_zoom))
    return (float((lon0 + lon1) / 2), float((lat0 + lat1) / 2), zoom)


# -- itineraries ------------------------------------------------------------------------------------

def leg_color(leg: Any) -> list[int]:
    """Route colour for transit legs, else the mode colour."""
    if getattr(leg, "mode", "") == "transit" and getattr(leg, "route_color", None):
        return hex_to_rgb(leg.route_color, MODE_COLORS["transit"])
    return list(MODE_COLORS.get(getattr(leg, "mode", ""), GREY))


def itinerary_tables(itinerary: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(paths, points) display tables for one itinerary: legs in route colours, start/end markers."""
    rows = []
    for leg in itinerary.legs:
        path = [[float(x), float(y)] for x, y in (leg.geometry or [])]
        if len(path) == 1:
            path = path * 2
        if len(path) < 2:
            continue
        label = f"{esc(leg.mode)} {esc(leg.route) if leg.route else ''}".strip()
        rows.append({"path": path, "color": leg_color(leg),
                     "width_m": 22.0 if leg.mode in ("walk", "wait") else 34.0,
                     "name": label, "info": f"{esc(leg.from_name)} → {esc(leg.to_name)}"})
    paths = pd.DataFrame(rows, columns=["path", "color", "width_m", "name", "info"])
    pts = []
    legs = itinerary.legs
    if legs and legs[0].geometry:
        x, y = legs[0].geometry[0]
        pts.append({"lon": x, "lat": y, "radius_m": 45.0, "color": list(ORIGIN_COLOR),
                    "name": esc(legs[0].from_name), "info": ""})
    if legs and legs[-1].geometry:
        x, y = legs[-1].geometry[-1]
        pts.append({"lon": x, "lat": y, "radius_m": 45.0, "color": list(DESTINATION_COLOR),
                    "name": esc(legs[-1].to_name), "info": ""})
    return paths, pd.DataFrame(pts, columns=["lon", "lat", "radius_m", "color", "name", "info"])


# -- names written on the maps: labels with their accents, from a close zoom on ---------------------------

#: layers whose id starts with this are drawn only from :data:`LABEL_MIN_ZOOM` on
LABEL_PREFIX = "labels-"
LABEL_MIN_ZOOM = 14.5


def label_layer(layer_id: str, table: pd.DataFrame, *, color: Iterable[int] = (31, 41, 55)) -> pdk.Layer:
    """Names (``name`` column, already escaped) beside the points of a display table, hidden until
    the map shows them (its id gets :data:`LABEL_PREFIX`), with their accents ("République").

    ``characterSet`` is given quoted: pydeck passes a quoted string as text, where a bare string
    would become a deck.gl expression (and the layer fail); ``"auto"`` makes deck.gl draw every
    character of the names rather than its default ASCII set."""
    names = [html.unescape(str(n)) for n in table["name"]]
    data = pd.DataFrame({"lon": table["lon"], "lat": table["lat"], "text": names})
    data = data.loc[data["text"].str.strip() != ""].drop_duplicates(["text", "lon", "lat"])
    return pdk.Layer("TextLayer", id=f"{LABEL_PREFIX}{layer_id}", data=data, get_position=["lon", "lat"],
                     get_text="text", get_size=13, get_color=list(color), get_pixel_offset=[0, -14],
                     outline_width=3, outline_color=[255, 255, 255], font_settings={"sdf": True},
                     character_set='"auto"', pickable=False, visible=False)


# -- the layers page's map: every layer's data once, drawn by the page's own deck.gl code -------------

def _palette(colors: Iterable[Iterable[int]]) -> tuple[list[list[int]], list[int]]:
    """(distinct colours, index of each row's colour): a few colours for thousands of rows."""
    palette: dict[tuple[int, ...], int] = {}
    index = [palette.setdefault(tuple(int(v) for v in c), len(palette)) for c in colors]
    return [list(c) for c in palette], index


def _column(values: Iterable[float], digits: int = 1) -> list[float] | float:
    """A number per row, or one number when they are all equal (a smaller page)."""
    out = [round(float(v), digits) for v in values]
    return out[0] if out and all(v == out[0] for v in out) else out


def layer_payload(spec: LayerSpec, table: pd.DataFrame) -> dict[str, Any]:
    """One layer of :func:`layers_payload` (:func:`table_payload` of the layer's display table)."""
    return table_payload(spec.id, table, kind=spec.kind, labels=spec.labels)


def table_payload(layer_id: str, table: pd.DataFrame, *, kind: str, labels: bool = False,
                  always_labelled: bool = False, pickable: bool = True,
                  min_width_px: float | None = None) -> dict[str, Any]:
    """A display table (see the module docstring for its columns) as drawn by the kept-frame map
    (:mod:`dashboard.deckmap`): only the columns drawn, colours as a palette and an index,
    positions rounded to 5 decimals (~1 m) and paths simplified (:func:`compact_path`, ~4 m),
    sizes and widths to 0.1 m; ``name`` and ``info`` as escaped for the tooltip; with ``labels``
    the names as text (``text``, accents kept) and the rows they stand beside (``at``), written
    from :data:`LABEL_MIN_ZOOM` on, or at every zoom with ``always_labelled``; paths at least
    ``min_width_px`` wide when given (else 1.5 px)."""
    palette, color_index = _palette(table["color"])
    out: dict[str, Any] = {"id": layer_id, "kind": kind, "palette": palette, "ci": color_index,
                           "name": [str(n) for n in table["name"]], "info": [str(i) for i in table["info"]],
                           "pickable": pickable}
    if kind == "points":
        xy = np.round(table[["lon", "lat"]].to_numpy(dtype=float), 5)
        out.update(xy=xy.ravel().tolist(), size=_column(table["radius_m"]))
    else:
        out.update(paths=[compact_path(p) for p in table["path"]], size=_column(table["width_m"]))
        if min_width_px is not None:
            out["min_px"] = min_width_px
    if labels and kind == "points":
        text = [html.unescape(n).strip() for n in out["name"]]
        at = spread_labels(text, xy)
        out["labels"] = {"text": [text[i] for i in at], "at": at, "always": always_labelled}
    return out


def streets_payload(streets: pd.DataFrame | None) -> list[dict[str, Any]]:
    """The street base map as groups of paths of one colour ([r, g, b]) and width (metres), in that
    order: sent to the kept-frame map (drawn there as segments) and made into :func:`base_layers`."""
    if streets is None or not len(streets):
        return []
    groups: dict[tuple[Any, ...], list[Any]] = {}
    for path, color, width in zip(streets["path"], streets["color"], streets["width_m"], strict=True):
        groups.setdefault((*(int(v) for v in color), float(width)), []).append(path)
    return [{"color": list(key[:-1]), "width": key[-1], "paths": paths} for key, paths in sorted(groups.items())]


#: a name is written once within this distance (the two platforms of a stop, a station's entrances)
LABEL_SPACING_M = 150.0


def spread_labels(text: list[str], xy: np.ndarray, *, spacing_m: float = LABEL_SPACING_M) -> list[int]:
    """The rows whose name is written: not blank, and not within ``spacing_m`` of a row of the same
    name already written (``xy``: [lon, lat] per row)."""
    kept: dict[str, list[int]] = {}
    out = []
    for i, name in enumerate(text):
        if not name:
            continue
        near = kept.setdefault(name, [])
        if near and haversine_m(xy[near, 0], xy[near, 1], xy[i, 0], xy[i, 1]).min() < spacing_m:
            continue
        near.append(i)
        out.append(i)
    return out


def layers_payload(shown: Iterable[tuple[LayerSpec, pd.DataFrame]]) -> dict[str, Any]:
    """Every layer the layers page's map draws, sent once (its layers are then shown and hidden in
    the browser; the street base map is a file of its own, :func:`streets_payload`), each
    (:func:`layer_payload`) in drawing order: bus lines (half transparent) first, other paths, then
    points; names are written above all of them."""
    order = sorted(shown, key=lambda st: (0 if st[0].id == "lines" else 1 if st[0].kind == "paths" else 2))
    return {"layers": [layer_payload(spec, table) for spec, table in order]}
