"""Leaflet maps (folium) that work offline: Leaflet is served by Streamlit itself (no Streamlit here).

Leaflet 1.9.4 comes from its npm package (``npm pack leaflet@1.9.4``: ``dist/leaflet.js``,
``leaflet.css``, ``images/``, BSD-2-Clause licence beside them) and lives in
``dashboard/static/leaflet/``, which Streamlit serves at ``/app/static/leaflet/`` when
``server.enableStaticServing`` is on (``.streamlit/config.toml``). folium's CDN links
(Leaflet, jQuery, Bootstrap, Font Awesome, awesome-markers) are replaced by the local Leaflet
only: the maps here use no marker icons or plugins that need the rest.

The base map is OpenStreetMap tiles when the tile server answers (checked by
:func:`dashboard.state.tiles_reachable`), otherwise the street network drawn as two
MultiLineString features (streets, main roads) on Leaflet's canvas renderer: never a blank map.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import pandas as pd
from branca.element import Element, MacroElement
from jinja2 import Template

from dashboard import maps

STATIC_DIR = "dashboard/static/leaflet"
LEAFLET_URL = "/app/static/leaflet"
LEAFLET_JS = [("leaflet", f"{LEAFLET_URL}/leaflet.js")]
LEAFLET_CSS = [("leaflet_css", f"{LEAFLET_URL}/leaflet.css")]
#: a light background under the drawn streets (Leaflet's default grey is dull without tiles)
MAP_CSS = "<style>.leaflet-container {background: #f6f5f1;}</style>"
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'


def is_local(url: str) -> bool:
    """A URL served by this server (a path, no scheme or host)."""
    return url.startswith("/") and not url.startswith("//")


def localise(fmap: Any) -> Any:
    """Point ``fmap``'s Leaflet at the local copy and check that nothing else needs a CDN.

    Raises
    ------
    ValueError
        When an element of the map still links to an outside script or stylesheet.
    """
    fmap.default_js = list(LEAFLET_JS)
    fmap.default_css = list(LEAFLET_CSS)
    outside = [url for el in _elements(fmap) for _, url in
               [*getattr(el, "default_js", []), *getattr(el, "default_css", [])] if not is_local(url)]
    if outside:
        raise ValueError(f"map elements need outside resources: {outside}")
    return fmap


def _elements(fig: Any) -> Iterable[Any]:
    yield fig
    for child in getattr(fig, "_children", {}).values():
        yield from _elements(child)


def streets_geojson(table: pd.DataFrame) -> dict[str, Any]:
    """The street base map table (maps.prepare_streets) as one MultiLineString per colour/width."""
    features = []
    if len(table):
        keys = [(tuple(int(v) for v in c), float(w)) for c, w in zip(table["color"], table["width_m"], strict=True)]
        groups: dict[tuple, list[list[list[float]]]] = {}
        for key, path in zip(keys, table["path"], strict=True):
            groups.setdefault(key, []).append(path)
        for (rgb, width), paths in sorted(groups.items(), key=lambda kv: kv[0][1]):
            features.append({"type": "Feature", "geometry": {"type": "MultiLineString", "coordinates": paths},
                             "properties": {"color": maps.rgb_hex(rgb), "weight": 1.0 if width < 6 else 2.2}})
    return {"type": "FeatureCollection", "features": features}


def _metric_scale() -> Any:
    """Leaflet's scale control in metres and kilometres only."""
    from branca.element import MacroElement
    from jinja2 import Template

    scale = MacroElement()
    scale._template = Template("{% macro script(this, kwargs) %}"
                               "L.control.scale({imperial: false}).addTo({{ this._parent.get_name() }});"
                               "{% endmacro %}")
    return scale


#: the street base map drawn by Leaflet itself: the look of ``folium.GeoJson`` with a style per feature
STREETS_JS = """{% macro script(this, kwargs) %}
L.geoJson({{ this.data }}, {interactive: false, attribution: {{ this.attribution|tojson }},
  style: f => ({color: f.properties.color, weight: f.properties.weight, opacity: 1.0})
}).addTo({{ this._parent.get_name() }});
{% endmacro %}"""
_streets_text: tuple[Any, str] | None = None


def _streets_json(streets: dict[str, Any]) -> str:
    """``streets`` serialised once for all the maps drawn from the same (shared, read-only) object."""
    global _streets_text
    memo = _streets_text
    if memo is None or memo[0] is not streets:  # the object is held, so its identity is never reused
        memo = _streets_text = (streets, json.dumps(streets, separators=(",", ":")))
    return memo[1]


class _Text(Element):
    """Text put into the page as it is (a branca ``Element`` compiles its text as a Jinja template)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


class StreetsLayer(MacroElement):
    """The street base map (GeoJSON from :func:`streets_geojson`) on Leaflet's canvas, not interactive.

    Rendering a map again (every rerun of a page) costs no bounds walked over its 20,000 points nor
    Jinja lexing of its half megabyte of data, which ``folium.GeoJson`` does each time (0.4 s)."""

    _template = Template(STREETS_JS)

    def __init__(self, streets: dict[str, Any], attribution: str = "") -> None:
        super().__init__()
        self._name = "streets"
        self.data = _streets_json(streets)
        self.attribution = attribution

    def render(self, **kwargs: Any) -> None:
        script = self._template.module.script(self, kwargs)
        self.get_root().script.add_child(_Text(script), name=self.get_name())


def base_map(*, center: tuple[float, float] = maps.RENNES_CENTER, zoom: int = 13, online_tiles: bool = False,
             streets: dict[str, Any] | None = None, attribution: str = "") -> Any:
    """A localised folium map: OSM tiles when ``online_tiles``, else ``streets`` (GeoJSON) drawn."""
    import folium

    fmap = folium.Map(location=[center[1], center[0]], zoom_start=zoom, tiles=None, prefer_canvas=True,
                      control_scale=False, attribution_control=True)
    _metric_scale().add_to(fmap)  # folium's own scale control has a bar in feet too
    fmap.get_root().header.add_child(folium.Element(MAP_CSS))
    if online_tiles:
        folium.TileLayer(OSM_TILES, attr=OSM_ATTRIBUTION, name="OpenStreetMap", max_zoom=19).add_to(fmap)
    elif streets is not None and streets["features"]:
        fmap.add_child(StreetsLayer(streets, attribution))
    return fmap


def stops_geojson(stops: pd.DataFrame, *, max_points: int = 5000) -> dict[str, Any]:
    """Transit stops as GeoJSON points with their (already escaped) ``name``."""
    head = stops.head(max_points)
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(float(x), 5), round(float(y), 5)]},
         "properties": {"name": str(n)}} for x, y, n in zip(head["lon"], head["lat"], head["name"], strict=True)]}


def add_stops(fmap: Any, stops: dict[str, Any]) -> None:
    """Stops (GeoJSON from :func:`stops_geojson`) as small circles, their name as tooltip: one layer,
    so that the map renders in milliseconds whatever the number of stops."""
    import folium

    folium.GeoJson(stops, name="stops",
                   marker=folium.CircleMarker(radius=3, weight=1, color="#ffffff", fill=True, fill_color="#005aaa",
                                              fill_opacity=0.9),
                   tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False)).add_to(fmap)


def add_itinerary(fmap: Any, itinerary: Any) -> list[tuple[float, float]]:
    """Legs in route colours, origin (green) and destination (red); returns the (lon, lat) drawn."""
    import folium

    paths, ends = maps.itinerary_tables(itinerary)
    points: list[tuple[float, float]] = []
    for rec in paths.itertuples(index=False):
        latlon = [[float(y), float(x)] for x, y in rec.path]
        folium.PolyLine(latlon, color=maps.rgb_hex(rec.color), weight=7 if rec.width_m > 25 else 5, opacity=0.9,
                        tooltip=f"{rec.name} · {rec.info}").add_to(fmap)
        points.extend((float(x), float(y)) for x, y in rec.path)
    for rec in ends.itertuples(index=False):
        add_marker(fmap, (float(rec.lon), float(rec.lat)), str(rec.name), color=maps.rgb_hex(rec.color))
    return points


def add_marker(fmap: Any, lonlat: tuple[float, float], name: str, *, color: str) -> None:
    import folium

    folium.CircleMarker([lonlat[1], lonlat[0]], radius=9, weight=3, color="#ffffff", fill=True, fill_color=color,
                        fill_opacity=1.0, tooltip=name).add_to(fmap)


def fit(fmap: Any, points: Iterable[tuple[float, float]]) -> None:
    """Frame the map on (lon, lat) points (a small margin around a single point)."""
    pts = [p for p in points if p is not None]
    if not pts:
        return
    lons, lats = [p[0] for p in pts], [p[1] for p in pts]
    pad = 0.004
    fmap.fit_bounds([[min(lats) - pad, min(lons) - pad], [max(lats) + pad, max(lons) + pad]])
