"""The transit pages' side without Streamlit (``pages/departures.py``, ``pages/lines.py``,
``pages/day_of_buses.py``): HTML snippets (every text escaped), display tables, deck.gl JSON and
the animation's self-contained HTML. No caching here (see state.py). The computations come from
:mod:`routing.transit` (line colours arrive as hex and become RGB here, :func:`line_rgb`).
"""

from __future__ import annotations

import functools
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pydeck as pdk

from dashboard import maps, served
from routing import format_clock, line_patterns, lines_table

#: the animation runs the whole service day in about this many seconds at speed x1
DAY_IN_S = 60.0
SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0)
TRAIL_S = 240
DECKGL_JS = "/app/static/deckgl/deckgl-jupyter-widget.js"
#: where Streamlit serves it from (not kept in git: copied from the installed pydeck package)
DECKGL_FILE = Path(__file__).resolve().parent.parent / "static" / "deckgl" / "deckgl-jupyter-widget.js"

log = logging.getLogger("dashboard")


def ensure_deckgl_bundle() -> Path | None:
    """pydeck's own deck.gl bundle (``pydeck/nbextension/static/index.js``, MIT), served offline at
    :data:`DECKGL_JS`: copied from the installed package when missing or older than it, its
    source-map line dropped (the map is not shipped; the browser would ask for it). Returns the
    served file, or None when it cannot be written (the animation page then says it cannot load)."""
    source = Path(pdk.__file__).resolve().parent / "nbextension" / "static" / "index.js"
    try:
        if DECKGL_FILE.exists() and DECKGL_FILE.stat().st_mtime >= source.stat().st_mtime:
            return DECKGL_FILE
        lines = source.read_bytes().rstrip().split(b"\n")
        if lines and lines[-1].startswith(b"//# sourceMappingURL="):
            lines = lines[:-1]
        tmp = DECKGL_FILE.with_name(f".{DECKGL_FILE.name}.{os.getpid()}.tmp")
        tmp.write_bytes(b"\n".join(lines) + b"\n")
        os.replace(tmp, DECKGL_FILE)
        return DECKGL_FILE
    except OSError as exc:
        log.warning("deck.gl bundle not available at %s: %s", DECKGL_FILE, exc)
        return None

TRANSIT_CSS = """
<style>
.spmd-board {display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 10px;}
.spmd-dep {border: 1px solid #e5e7eb; border-radius: 12px; padding: 10px 12px; background: #fff;}
.spmd-dep .head {display: flex; gap: 8px; align-items: center; font-weight: 700; color: #111827;}
.spmd-line {display: inline-block; min-width: 2.2em; text-align: center; border-radius: 6px; padding: 2px 6px;
            font-weight: 800;}
.spmd-times {display: flex; flex-direction: column; gap: 4px; max-width: 720px;}
.spmd-deprow {display: flex; gap: 10px; align-items: center; padding: 6px 10px; border: 1px solid #e5e7eb;
              border-radius: 10px; background: #fff; font-variant-numeric: tabular-nums; color: #111827;}
.spmd-deprow .when {min-width: 4.6em; font-weight: 800; font-size: 1.05rem;}
.spmd-deprow .at {color: #4b5563; min-width: 3em;}
.spmd-deprow .dir {font-weight: 600; flex: 1 1 auto;}
.spmd-deprow .late {color: #b45309; font-weight: 600;}
.spmd-deprow .cancel {color: #b91c1c; font-weight: 600;}
.spmd-dep .waits {font-size: 1.15rem; font-weight: 700; margin-top: 4px; color: #111827;}
.spmd-dep .meta {color: #4b5563; font-size: 0.85rem;}
.spmd-dep .late {color: #b45309; font-weight: 600;}
.spmd-dep .cancel {color: #b91c1c; font-weight: 600;}
table.spmd-hours {border-collapse: collapse; font-variant-numeric: tabular-nums;}
table.spmd-hours td {border-bottom: 1px solid #e5e7eb; padding: 3px 10px 3px 0;}
table.spmd-hours td.h {font-weight: 800; color: #111827;}
</style>
"""


def line_rgb(color_hex: Any) -> list[int]:
    """A line's colour from the feed (hex) as RGB; :data:`dashboard.maps.LINE_COLOR` when it has none."""
    return maps.hex_to_rgb(color_hex, maps.LINE_COLOR)


def line_badge(line: str, color_hex: str) -> str:
    """A line's number on its colour, in black or white by contrast (:func:`dashboard.maps.text_colour_on`)."""
    rgb = line_rgb(color_hex)
    return (f'<span class="spmd-line" style="background:{maps.rgb_css(rgb)}; '
            f'color:{maps.rgb_css(maps.text_colour_on(rgb))}">{maps.esc(line)}</span>')


#: a wait longer than this is shown as the clock time of the departure ("09:14", not "74 min")
WAIT_AS_CLOCK_MIN = 30


def wait_text(wait_min: int, clock: str, tr: Callable[..., str]) -> str:
    """ "à l'arrêt", "6 min", or beyond :data:`WAIT_AS_CLOCK_MIN` the departure's time."""
    if wait_min <= 0:
        return tr("dep.wait_now")
    return tr("dep.wait_min", n=wait_min) if wait_min <= WAIT_AS_CLOCK_MIN else clock


def board_html(board: pd.DataFrame, tr: Callable[..., str], plural: Callable[..., str]) -> str:
    """Cards of :func:`routing.transit.departures.departure_board`, one per line and direction
    (``tr`` translates keys with parameters, ``plural`` a plural key with its count)."""
    cards = []
    for row in board.itertuples():
        waits = " · ".join(wait_text(w, c, tr) for w, c in zip(row.waits_min, row.times, strict=True))
        meta = tr("dep.in_hour", departures=plural("unit.departures", row.n_next_hour))
        if row.headway_min is not None and row.headway_min == row.headway_min:
            meta += " · " + tr("dep.headway", n=f"{row.headway_min:.0f}")
        extra = ""
        if row.n_delayed:
            extra += f'<div class="late">{maps.esc(tr("dep.delayed", n=row.n_delayed))}</div>'
        if row.n_canceled:
            extra += f'<div class="cancel">{maps.esc(tr("dep.canceled", n=row.n_canceled))}</div>'
        cards.append(
            f'<div class="spmd-dep"><div class="head">{line_badge(row.line, row.color)}'
            f'<span>→ {maps.esc(row.direction)}</span></div>'
            f'<div class="waits">{maps.esc(waits or tr("dep.none_soon"))}</div>'
            f'<div class="meta">{maps.esc(" ".join(row.times))} · {maps.esc(meta)}</div>{extra}</div>')
    return f'<div class="spmd-board">{"".join(cards)}</div>'


def hour_label(h: int) -> str:
    """An hour of the service day as a reader's clock shows it: ``07h``, after midnight ``00h (+1)``."""
    h = int(h)
    return f"{h % 24:02d}h" + (f" (+{h // 24})" if h >= 24 else "")
#: the departures listed one per row; the page counts the others (:func:`times_html`)
TIMES_LIMIT = 40


def times_html(deps: pd.DataFrame, tr: Callable[..., str], *, limit: int = TIMES_LIMIT) -> str:
    """The first ``limit`` departures one per row, soonest first (by the expected time): wait or clock
    time, line, direction, and what is late or cancelled."""
    rows = []
    order = deps.sort_values("expected_s", kind="stable").head(limit)
    for row in order.itertuples():
        clock = format_clock(row.expected_s)
        status = ""
        if row.status in ("canceled", "skipped", "delayed", "early"):
            status = f'<span class="{"cancel" if row.status in ("canceled", "skipped") else "late"}">' \
                     f'{maps.esc(tr(f"dep.status.{row.status}"))}</span>'
        rows.append(f'<div class="spmd-deprow"><span class="when">{maps.esc(wait_text(int(row.wait_min), clock, tr))}'
                    f'</span><span class="at">{maps.esc(clock)}</span>{line_badge(row.line, row.color)}'
                    f'<span class="dir">→ {maps.esc(row.direction)}</span>{status}</div>')
    return f'<div class="spmd-times">{"".join(rows)}</div>'


def hours_html(table: pd.DataFrame) -> str:
    """A stop timetable as printed at bus stops: hour, then its minutes; hours after midnight
    carry the day after the service day, as :func:`routing.format_clock` writes them (``00h (+1)``)."""
    rows = "".join(f'<tr><td class="h">{hour_label(h)}</td><td>{" ".join(f"{m:02d}" for m in ms)}</td></tr>'
                   for h, ms in zip(table["hour"], table["minutes"], strict=True))
    return f'<table class="spmd-hours">{rows}</table>'


def departures_table(deps: pd.DataFrame, tr: Callable[..., str]) -> pd.DataFrame:
    """The departures as a display table with translated headers and statuses."""
    return pd.DataFrame({
        tr("dep.col.time"): [format_clock(s) for s in deps["expected_s"]],
        tr("dep.col.line"): deps["line"], tr("dep.col.direction"): deps["direction"],
        tr("dep.col.wait"): deps["wait_min"], tr("dep.col.stop"): deps["stop_id"],
        tr("dep.col.status"): [tr(f"dep.status.{s}") for s in deps["status"]],
        tr("dep.col.delay"): (deps["delay_s"] // 60).astype(int)})


def journeys_table(tt: Any, journeys: pd.DataFrame, tr: Callable[..., str]) -> pd.DataFrame:
    """The journeys of a range query (:func:`routing.profile_to_any`) as a display table with
    translated headers: departure, arrival, minutes, transfers, minutes walked, lines ridden."""
    def lines(legs: list[Any]) -> str:
        return " › ".join(leg.row(tt)["route_short_name"] or tr("dep.to_walk") for leg in legs)

    return pd.DataFrame({
        tr("dep.to_col.departure"): [format_clock(s) for s in journeys["departure_s"]],
        tr("dep.to_col.arrival"): [format_clock(s) for s in journeys["arrival_s"]],
        tr("dep.to_col.duration"): (journeys["duration_s"] // 60).astype(int),
        tr("dep.to_col.transfers"): journeys["transfers"].astype(int),
        tr("dep.to_col.walk"): (journeys["walk_s"] // 60).astype(int),
        tr("dep.to_col.lines"): [lines(legs) for legs in journeys["legs"]]})


def patterns_table(patterns: pd.DataFrame, *, alpha: int = 255, width_m: float = 18.0) -> pd.DataFrame:
    """A line's patterns as a paths display table in the line's colour: the direction named, its
    number of trips as the tooltip's line."""
    return pd.DataFrame({"path": patterns["path"], "color": [[*line_rgb(c), alpha] for c in patterns["color"]],
                         "width_m": width_m, "name": [maps.esc(d) for d in patterns["direction"]],
                         "info": [str(n) for n in patterns["n_trips"]]})


def stops_table(stops: pd.DataFrame, color: list[int]) -> pd.DataFrame:
    """A line's stops as a points display table: names, no stop codes (platform numbers mean
    nothing to a reader)."""
    return pd.DataFrame({"lon": stops["lon"], "lat": stops["lat"], "radius_m": 25.0,
                         "color": [list(color)] * len(stops), "name": [maps.esc(n) for n in stops["stop_name"]],
                         "info": ""})


def lines_summary(summary: pd.DataFrame) -> pd.DataFrame:
    """First and last departures of a line, after midnight as ``00:10 (+1)`` (one notation)."""
    return summary.assign(first=[format_clock(s, next_day=True) for s in summary["first_s"]],
                          last=[format_clock(s, next_day=True) for s in summary["last_s"]])


def vehicles_per_hour(day: Any) -> pd.DataFrame:
    """Buses in service per hour, as the animation's counter counts them: the most trips running
    at one moment of the hour (minute by minute), not the trips that start in it.

    Returns ``hour`` (0-23, then 24+ after midnight) and ``vehicles``."""
    trips = day.trips
    if not len(trips):
        return pd.DataFrame({"hour": pd.Series(dtype=int), "vehicles": pd.Series(dtype=int)})
    starts = np.sort(trips["start_s"].to_numpy(dtype=np.int64))
    ends = np.sort(trips["end_s"].to_numpy(dtype=np.int64))
    first, last = int(starts[0]) // 3600 * 3600, int(ends[-1])
    moments = np.arange(first, last + 60, 60)
    # running at t: started at or before t, not ended before t (the counter's starts <= t <= ends)
    running = np.searchsorted(starts, moments, side="right") - np.searchsorted(ends, moments, side="left")
    frame = pd.DataFrame({"hour": moments // 3600, "vehicles": running})
    return frame.groupby("hour", as_index=False)["vehicles"].max()


def line_legend(tt: Any) -> list[tuple[list[int], str]]:
    """Each line of the day's colour and name, in line-number order (the animation's legend)."""
    table = lines_table(tt).drop_duplicates("line")
    names = [str(n) for n in table["line"]]
    order = sorted(range(len(names)), key=lambda i: maps.natural_key(names[i]))
    return [(line_rgb(table["color"].iloc[i]), names[i]) for i in order]


def network_patterns(tt: Any) -> pd.DataFrame:
    """The main pattern of each direction of every line of the day (for a light background)."""
    frames = []
    for route in lines_table(tt)["route"].tolist():
        pats = line_patterns(tt, route)
        frames.append(pats.drop_duplicates("direction").head(2))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["path", "color"])


def _rgb_of(colors: pd.Series) -> list[list[int]]:
    """Line colours (hex) as RGB lists, each distinct colour read once."""
    rgb = {c: line_rgb(c) for c in colors.unique().tolist()}
    return [rgb[c] for c in colors.tolist()]


def day_deck_json(tt: Any, day: Any, streets: pd.DataFrame | None = None) -> str:
    """The deck.gl JSON (layers declared with pydeck) of the day of buses: a TripsLayer over the lines.

    The trips layer is declared empty: the page feeds it, frame by frame, the pieces of the trips
    running around the clock's time (see :func:`animation_html`), so that the browser draws a few
    hundred short paths rather than the whole day at every frame.
    """
    trips = day.trips
    layer = pdk.Layer("TripsLayer", id="trips", data=[], get_path="path", get_timestamps="timestamps",
                      get_color="color", width_min_pixels=3, trail_length=TRAIL_S, current_time=day.start_s,
                      fade_trail=True, cap_rounded=True, joint_rounded=True, opacity=0.9)
    base = pdk.Layer("PathLayer", id="lines", data=[], get_path="path", get_color="color",
                     width_min_pixels=1.5, get_width=10)
    under = []
    if streets is not None and len(streets):  # the street base map, light on the dark background
        under = maps.base_layers(streets.assign(color=[[71, 85, 105]] * len(streets)))
    spec = json.loads(maps.make_deck([*under, base, layer], height_px=600).to_json())
    for key in ("mapStyle", "mapProvider", "views"):
        spec.pop(key, None)
    spec["initialViewState"]["zoom"] = 11.6
    background = network_patterns(tt)
    data = {"lines": [{"path": p, "color": [*line_rgb(c), 70]}
                      for p, c in zip(background["path"], background["color"], strict=True)], "trips": []}
    for entry in spec["layers"]:
        if entry["id"] in data:
            entry["data"] = data[entry["id"]]
    # the 4,559 trips of a day follow ~300 distinct paths and ~1,500 distinct timings: each written
    # once (7 MB -> 1.6 MB of JSON to fetch and parse before the first frame)
    shapes: dict[tuple, int] = {}
    timings: dict[tuple, int] = {}
    shape_of, timing_of, t0 = [], [], []
    for path, stamps in zip(trips["path"], trips["timestamps"], strict=True):
        shape_of.append(shapes.setdefault(tuple(v for xy in path for v in xy), len(shapes)))
        first = int(stamps[0]) if len(stamps) else 0
        t0.append(first)
        timing_of.append(timings.setdefault(tuple(int(s) - first for s in stamps), len(timings)))
    trips_data = {"shapes": [list(p) for p in shapes], "shape": shape_of,
                  "offsets": [list(o) for o in timings], "offset": timing_of, "t0": t0,
                  "colors": _rgb_of(trips["color"]),
                  "starts": trips["start_s"].astype(int).tolist(), "ends": trips["end_s"].astype(int).tolist()}
    return json.dumps({"deck": spec, "trips": trips_data}, separators=(",", ":"))


def trip_of(payload: dict[str, Any], i: int) -> tuple[list[float], list[int]]:
    """Trip ``i`` of :func:`day_deck_json`'s parsed ``payload``: its flat path [lon, lat, lon, lat...]
    and its timestamps (as the page reads them)."""
    trips = payload["trips"]
    base = trips["t0"][i]
    return trips["shapes"][trips["shape"][i]], [base + o for o in trips["offsets"][trips["offset"][i]]]


@functools.lru_cache(maxsize=4)
def day_json_url(deck_json: str) -> str | None:
    """The address of the day's animation data (several megabytes) served as a static file
    (:func:`dashboard.served.serve`): the page then fetches it (kept by the browser's cache) rather
    than carrying it; None when it cannot be written (the page then carries the data itself). A
    string's hash is kept by the string: a cached JSON costs nothing here at the next rerun."""
    return served.serve(deck_json, "day", max_files=8)


def animation_html(deck_json: str, day: Any, labels: dict[str, str], *, height_px: int = 600,
                   spec_url: str | None = None) -> str:
    """A self-contained page (for ``st.components.v1.html``): the TripsLayer animated by
    requestAnimationFrame, with a clock, play/pause, speed and a time slider. With ``spec_url``
    (:func:`day_json_url`) the page fetches ``deck_json`` from there rather than carrying it.

    ``window.__spmdFrames`` counts the frames drawn (browser tests measure the frame rate).
    """
    data = {"start": int(day.start_s), "end": int(day.end_s), "dayInS": DAY_IN_S, "speeds": list(SPEEDS),
            "trail": TRAIL_S, "labels": labels, "first": int(max(day.start_s, min(day.end_s, 6 * 3600)))}
    # both payloads are JSON (no HTML inside): "</" is escaped so that they cannot close the script
    payload = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    spec = (f"await (await fetch({json.dumps(spec_url)})).json()" if spec_url
            else deck_json.replace("</", "<\\/"))
    return ANIMATION_TEMPLATE.replace("__HEIGHT__", str(int(height_px))).replace("__DECKGL__", json.dumps(DECKGL_JS)) \
        .replace("__DATA__", payload).replace("__SPEC__", spec)


ANIMATION_TEMPLATE = """<!DOCTYPE html><html><head><meta charset="utf-8">
<style>
html, body {margin: 0; padding: 0; font-family: "Source Sans Pro", sans-serif; background: #f8fafc;}
#wrap {position: relative; height: __HEIGHT__px; border-radius: 12px; overflow: hidden; background: #0f172a;}
#deck {position: absolute; inset: 0;}
#base, #trails {position: absolute; left: 0; top: 0; width: 100%; height: 100%; pointer-events: none;}
#bar {position: absolute; left: 8px; right: 8px; bottom: 8px; display: flex; flex-wrap: wrap; gap: 8px;
      align-items: center; background: rgba(255,255,255,0.94); border-radius: 10px; padding: 6px 10px;}
#bar button, #bar select {min-height: 44px; min-width: 44px; font-size: 16px; border-radius: 8px;
      border: 1px solid #cbd5e1; background: #fff; cursor: pointer;}
#play {background: #E3051B !important; color: #fff; border: none !important; padding: 0 14px; font-weight: 700;}
#clock {font-size: 26px; font-weight: 800; font-variant-numeric: tabular-nums; min-width: 3.2em; color: #111827;}
#count {color: #374151; font-size: 15px;}
#scrub {flex: 1 1 160px; min-height: 44px;}
</style></head><body>
<div id="wrap"><div id="deck"></div><canvas id="base"></canvas><canvas id="trails"></canvas>
<div id="bar"><button id="play" type="button"></button><span id="clock">--:--</span>
<input id="scrub" type="range" step="60"><select id="speed"></select><span id="count"></span></div></div>
<script>
(async function () {
  // milliseconds since the frame opened (the bench reads them): the renderer known, the data
  // fetched and parsed, the first animation frame, the map drawn
  const times = window.__spmdTimes = {};
  const mark = name => { if (!(name in times)) times[name] = Math.round(performance.now()); };
  const D = __DATA__;
  const L = D.labels;
  const play = document.getElementById('play'), clockEl = document.getElementById('clock');
  const scrub = document.getElementById('scrub'), speedEl = document.getElementById('speed');
  const countEl = document.getElementById('count');
  // Software WebGL (no GPU: SwiftShader, llvmpipe) draws a map of 12,000 street segments in a few
  // hundred milliseconds and cannot redraw a TripsLayer at 30 frames per second: there the street
  // base map, the lines and the trails are drawn on 2D canvases and deck.gl is not even loaded.
  // The answer is kept by the browser (a WebGL context takes up to half a second to make on a busy
  // machine without a GPU), for this browser's version only.
  let soft = true, known = null;
  const KEY = 'spmd-day-renderer', agent = navigator.userAgent;
  try { known = JSON.parse(localStorage.getItem(KEY) || 'null'); } catch (e) { known = null; }
  if (known && known.agent === agent) {
    soft = known.soft === true;
  } else {
    try {
      const gl = document.createElement('canvas').getContext('webgl');
      const info = gl && gl.getExtension('WEBGL_debug_renderer_info');
      const name = info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : '';
      soft = !gl || /swiftshader|llvmpipe|software|softpipe/i.test(name);
      const lose = gl && gl.getExtension('WEBGL_lose_context');
      if (lose) lose.loseContext();
    } catch (e) { soft = true; }
    try { localStorage.setItem(KEY, JSON.stringify({agent: agent, soft: soft})); } catch (e) { /* not kept */ }
  }
  window.__spmdMode = soft ? 'canvas2d' : 'tripslayer';
  mark('renderer');
  const deckgl = soft ? null : new Promise((ok, ko) => {
    const el = document.createElement('script'); el.src = __DECKGL__; el.onload = ok; el.onerror = ko;
    document.head.appendChild(el);
  });
  let S;
  try { S = __SPEC__; } catch (e) { countEl.textContent = L.error; return; }
  mark('data');
  const spec = S.deck, T = S.trips, n = T.starts.length;
  scrub.min = D.start; scrub.max = D.end;
  for (const s of D.speeds) {
    const o = document.createElement('option'); o.value = s; o.textContent = 'x' + s;
    if (s === 1) o.selected = true; speedEl.appendChild(o);
  }
  speedEl.setAttribute('aria-label', L.speed); scrub.setAttribute('aria-label', L.clock);
  let t = D.first, playing = true, last = performance.now();
  const perSecond = (D.end - D.start) / D.dayInS;
  window.__spmdFrames = 0; window.__spmdPlaying = () => playing; window.__spmdTime = () => t;
  const fmt = s => { s = Math.floor(s); const h = Math.floor(s / 3600), m = Math.floor(s % 3600 / 60);
    return String(h % 24).padStart(2, '0') + ':' + String(m).padStart(2, '0'); };
  const running = s => { let c = 0; for (let i = 0; i < n; i++) if (T.starts[i] <= s && T.ends[i] >= s) c++;
    return c; };
  // the pieces of the trips running in [t0, t1]: the layer draws only those
  let win = [1, 0], pieces = [];
  function cut(t0, t1) {
    const out = [];
    for (let i = 0; i < n; i++) {
      if (T.ends[i] < t0 || T.starts[i] > t1) continue;
      const off = T.offsets[T.offset[i]], base = T.t0[i], xy = T.shapes[T.shape[i]], m = off.length;
      let a = 0; while (a < m - 1 && base + off[a + 1] < t0) a++;
      let b = m - 1; while (b > a && base + off[b - 1] > t1) b--;
      if (b <= a) continue;
      const path = [], stamps = [];
      for (let k = a; k <= b; k++) { path.push([xy[2 * k], xy[2 * k + 1]]); stamps.push(base + off[k]); }
      out.push({path: path, timestamps: stamps, color: T.colors[i]});
    }
    return out;
  }
  const label = () => { play.textContent = playing ? '❚❚ ' + L.pause : '▶ ' + L.play; };
  play.onclick = () => { playing = !playing; label(); };
  scrub.oninput = () => { t = Number(scrub.value); };
  label();
  let deck = null;
  if (!soft) {
    try {
      await deckgl;
      deck = createDeck({container: document.getElementById('deck'), jsonInput: spec, tooltip: false});
      deck.setProps({onAfterRender: () => mark('drawn')});
    } catch (e) { countEl.textContent = L.error; }
  }
  // -- without a GPU: the view of deck.gl's MapView (web mercator, 512 px tiles), drawn in 2D
  const view = spec.initialViewState, css = c => 'rgb(' + c[0] + ',' + c[1] + ',' + c[2] + ')';
  let project = null, metresPerPx = 1;
  function projector(w, h) {
    const scale = 512 * Math.pow(2, view.zoom);
    const px = lon => (lon + 180) / 360 * scale;
    const py = lat => { const s = Math.sin(lat * Math.PI / 180);
      return (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * scale; };
    const cx = px(view.longitude) - w / 2, cy = py(view.latitude) - h / 2;
    metresPerPx = 40075016.686 * Math.cos(view.latitude * Math.PI / 180) / scale;
    return p => [px(p[0]) - cx, py(p[1]) - cy];
  }
  const base = document.getElementById('base'), bctx = base.getContext('2d');
  let baseKey = '';
  // the street base map and the lines, as deck.gl would draw the layers of the spec (LineLayers of
  // segments {s, t} with one colour, a PathLayer of {path, color}): again only when the frame's size changes
  function drawBase() {
    const w = base.clientWidth, h = base.clientHeight, r = Math.min(2, window.devicePixelRatio || 1);
    const key = w + 'x' + h + '@' + r;
    if (key === baseKey || !w || !h) return;
    baseKey = key; base.width = Math.round(w * r); base.height = Math.round(h * r);
    bctx.setTransform(r, 0, 0, r, 0, 0);
    project = projector(w, h);
    const width = l => Math.max(l.widthMinPixels || 1, (typeof l.getWidth === 'number' ? l.getWidth : 0) / metresPerPx);
    bctx.lineCap = 'round'; bctx.lineJoin = 'round';
    for (const l of spec.layers) {
      if (l['@@type'] === 'LineLayer' && Array.isArray(l.getColor)) {
        bctx.strokeStyle = css(l.getColor); bctx.globalAlpha = l.getColor.length > 3 ? l.getColor[3] / 255 : 1;
        bctx.lineWidth = width(l); bctx.beginPath();
        for (const d of l.data) { const a = project(d.s), b = project(d.t); bctx.moveTo(a[0], a[1]); bctx.lineTo(b[0], b[1]); }
        bctx.stroke();
      } else if (l['@@type'] === 'PathLayer') {
        bctx.lineWidth = width(l);
        for (const d of l.data) {
          if (!d.path.length) continue;
          bctx.strokeStyle = css(d.color); bctx.globalAlpha = d.color.length > 3 ? d.color[3] / 255 : 1;
          bctx.beginPath(); let p = project(d.path[0]); bctx.moveTo(p[0], p[1]);
          for (let k = 1; k < d.path.length; k++) { p = project(d.path[k]); bctx.lineTo(p[0], p[1]); }
          bctx.stroke();
        }
      }
    }
    bctx.globalAlpha = 1;
    mark('drawn');
  }
  const overlay = document.getElementById('trails'), ctx = overlay.getContext('2d');
  function draw2d(now) {
    const w = overlay.clientWidth, h = overlay.clientHeight;
    if (overlay.width !== w || overlay.height !== h) { overlay.width = w; overlay.height = h; }
    ctx.clearRect(0, 0, w, h);
    if (!project) return;
    const t0 = now - D.trail;
    ctx.lineCap = 'round'; ctx.lineJoin = 'round';
    let drawn = 0;
    for (const p of pieces) {
      const ts = p.timestamps, m = ts.length;
      if (ts[0] > now || ts[m - 1] < t0) continue;
      ctx.strokeStyle = css(p.color); ctx.fillStyle = ctx.strokeStyle;
      ctx.globalAlpha = 0.55; ctx.lineWidth = 3; ctx.beginPath();
      let head = null;
      for (let k = 0; k < m - 1; k++) {
        const a = ts[k], b = ts[k + 1];
        if (b < t0 || a > now) continue;
        const f0 = b > a ? Math.max(0, (t0 - a) / (b - a)) : 0, f1 = b > a ? Math.min(1, (now - a) / (b - a)) : 1;
        const P = p.path[k], Q = p.path[k + 1];
        const s0 = project([P[0] + (Q[0] - P[0]) * f0, P[1] + (Q[1] - P[1]) * f0]);
        const s1 = project([P[0] + (Q[0] - P[0]) * f1, P[1] + (Q[1] - P[1]) * f1]);
        if (!head) ctx.moveTo(s0[0], s0[1]); else ctx.lineTo(s0[0], s0[1]);
        ctx.lineTo(s1[0], s1[1]); head = s1;
      }
      ctx.stroke();
      if (head && ts[m - 1] >= now) { ctx.globalAlpha = 1; ctx.beginPath(); ctx.arc(head[0], head[1], 3.2, 0, 6.2832); ctx.fill(); drawn++; }
    }
    ctx.globalAlpha = 1;
    window.__spmdDrawn = drawn;
  }
  let shownCount = -1, tick = 0;
  function frame(now) {
    const dt = Math.min(0.25, (now - last) / 1000); last = now;
    const step = perSecond * Number(speedEl.value);
    if (playing) { t += dt * step; if (t > D.end) t = D.start; }
    let fresh = false;
    if (t < win[0] + D.trail || t > win[1]) {
      win = [t - D.trail - 60, t + Math.max(300, step * 0.6)];
      pieces = cut(win[0], win[1]); fresh = true;
    }
    if (soft) {
      drawBase(); draw2d(t);
    } else {
      const layers = deck && deck.props && deck.props.layers;
      if (layers && layers.length && layers[0].clone) {
        deck.setProps({layers: layers.map(l => l.id !== 'trips' ? l :
          (fresh ? l.clone({data: pieces, currentTime: t}) : l.clone({currentTime: t})))});
      }
    }
    clockEl.textContent = fmt(t);
    if (playing) scrub.value = t;
    if ((tick++ % 10) === 0) { const c = running(t); if (c !== shownCount) { shownCount = c;
      countEl.textContent = L.vehicles.replace('{n}', c); } }
    window.__spmdFrames++;
    mark('frame');
    requestAnimationFrame(frame);
  }
  requestAnimationFrame(frame);
})();
</script></body></html>"""
