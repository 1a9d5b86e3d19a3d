"""Door-to-door trip planning over the multimodal network.

``Planner(network).plan(origin, destination, when, arrive_by=False, modes=..., params=...)``
returns a :class:`~routing.itinerary.PlanResult`: the best itinerary for each mode asked
for, fastest first, or none with the reason. Modes:

* ``walk``, ``bike`` (own bike), ``car``: shortest path by time on the street layer;
* ``bikeshare``: walk to a station that has bikes, ride, dock at a station with free docks,
  walk (availability used when the status is known; unknown availability is said);
* ``transit``: walk to stops, bus/metro (connection scan), walk from stops;
* ``bike_transit``: ride your own bike to a stop, then transit and walk;
* ``park_ride``: drive to a park-and-ride car park, walk to a stop, transit, walk;
* ``carpool``: the driver (origin) and a passenger (``params.carpool_partner``) meet at a
  carpool place (BNLC), then ride together; both sides are returned;
* ``ecar``: electric car with charging stops (:mod:`routing.ev`).

Where an end lies farther than ``max_snap_m`` from the street layer, walking uses the
straight line x 1.3 and the itinerary says so. Times are naive local datetimes; the
timetable is the network's service day: a request for another date is answered on that
day at the same time of day, with a note.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sources.loaders.streets import haversine_m

from . import csa
from .ev import EVParams, NoEVRoute, plan_ev_trip
from .itinerary import (
    BIKE,
    BIKESHARE,
    CAR,
    CARPOOL,
    CHARGE,
    CO2_G_PER_KM,
    CO2_G_PER_KM_BY_ROUTE_TYPE,
    ECAR,
    TRANSIT,
    WAIT,
    WALK,
    Itinerary,
    Leg,
    PlanResult,
)
from .network import Network
from .places import Place, PlaceNotFound, parse_coordinates
from .scenario import estimated_note
from .streets import (
    ModeGraph,
    ShortestPathTree,
    StreetPath,
    multi_source,
    nearest_nodes,
    one_to_one,
    path_coords,
)

MODES = ("walk", "bike", "bikeshare", "transit", "bike_transit", "park_ride", "carpool", "car", "ecar")
DEFAULT_MODES = ("walk", "bike", "bikeshare", "transit", "car")
INF = math.inf


@dataclass(frozen=True)
class PlanParams:
    """Options of a trip request (all durations in seconds)."""

    max_walk_s: float = 900.0  # to or from transit, to a bike-share station
    max_walk_trip_s: float = 7200.0  # a walk-only trip longer than this is not offered
    max_bike_trip_s: float = 10800.0  # nor a bike-only trip longer than this
    max_bike_access_s: float = 900.0
    max_car_access_s: float = 2700.0  # to a park-and-ride car park
    bikeshare_pick_s: float = 60.0
    bikeshare_drop_s: float = 60.0
    bike_park_s: float = 60.0  # lock the bike at the stop
    car_park_s: float = 180.0  # park the car
    carpool_wait_s: float = 120.0
    carpool_partner: tuple[float, float] | None = None  # (lon, lat) of the passenger
    # electric car: the defaults are EVParams' own
    battery_kwh: float = EVParams.battery_kwh
    consumption_kwh_per_100km: float = EVParams.consumption_kwh_per_100km
    soc_start: float = EVParams.soc_start
    min_soc: float = EVParams.min_soc
    max_charge_kw: float = EVParams.max_charge_kw
    max_transfers: int = 5
    #: further transit itineraries leaving later (depart-at) or earlier (arrive-by) than the best
    transit_alternatives: int = 0

    def ev(self) -> EVParams:
        return EVParams(battery_kwh=self.battery_kwh, consumption_kwh_per_100km=self.consumption_kwh_per_100km,
                        soc_start=self.soc_start, min_soc=self.min_soc, max_charge_kw=self.max_charge_kw)


class NoRoute(Exception):
    """One mode cannot serve the request; the message is the reason shown to users."""


@dataclass
class _End:
    """An origin or destination snapped to each street layer."""

    place: Place
    node: dict[str, int] = field(default_factory=dict)
    snap_m: dict[str, float] = field(default_factory=dict)

    def on(self, mode: str, limit: float) -> bool:
        return self.snap_m.get(mode, INF) <= limit


class Planner:
    """Plans trips on a :class:`~routing.network.Network` (read-only, shareable across threads)."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self.tt = network.timetable
        self.walk_speed = network.params.walk_speed_kmh / 3.6
        self._kdtrees: dict[str, tuple[Any, np.ndarray]] = {}
        self._local = threading.local()  # pyproj transformers are not shared across threads

    # -- construction ---------------------------------------------------------------------------
    @classmethod
    def from_bundle(cls, bundle: Any = None, *, day: dt.date | None = None, cache: Any = None,
                    progress: bool = False, scenario: Any = "default") -> Planner:
        """Load the catalogue datasets (bundle or cache), build or reuse the cached network.

        ``scenario``: see :func:`routing.build.network_with_scenario` ("default": the 2011 bus
        network gets metro a with an estimated timetable; "none": the bare feed).
        """
        from .build import load_network, network_with_scenario

        return cls(network_with_scenario(load_network(bundle=bundle, day=day, cache=cache, progress=progress),
                                         scenario))

    @property
    def date(self) -> dt.date:
        return self.network.day

    def with_trip_updates(self, updates: Any) -> Planner:
        """A planner on the same network whose timetable carries GTFS-RT TripUpdates.

        ``updates`` is the table of :func:`sources.loaders.gtfs_rt.load_trip_updates` (delays,
        skipped stops, cancelled trips). The street layers and the static network are shared; only
        the timetable arrays are copied and changed (no rebuild from GTFS).
        """
        from dataclasses import replace

        from .realtime import apply_trip_updates

        stats: dict[str, int] = {}
        timetable = apply_trip_updates(self.network.timetable, updates, stats=stats)
        network = replace(self.network, timetable=timetable,
                          notes=[*self.network.notes, "real time: " + ", ".join(
                              f"{k} {v}" for k, v in stats.items() if v)])
        return Planner(network)

    # -- places ---------------------------------------------------------------------------------
    def search_places(self, text: str, *, limit: int = 8) -> list[Place]:
        if self.network.places is None:
            return []
        return self.network.places.search(text, limit=limit)

    def resolve_place(self, where: str | Place | tuple[float, float]) -> Place:
        """A place from text (a name or "lat,lon"), a :class:`Place` or a (lon, lat) pair."""
        if isinstance(where, Place):
            return where
        if isinstance(where, tuple) and len(where) == 2:
            lon, lat = float(where[0]), float(where[1])
            return Place(f"{lat:.5f}, {lon:.5f}", "coordinates", lon, lat)
        text = str(where)
        coords = parse_coordinates(text)
        if coords is not None:
            return Place(f"{coords[1]:.5f}, {coords[0]:.5f}", "coordinates", coords[0], coords[1])
        if self.network.places is None:
            raise PlaceNotFound(text, [])
        return self.network.places.resolve(text)

    def _end(self, place: Place) -> _End:
        end = _End(place)
        for mode in self.network.graphs:
            end.node[mode], end.snap_m[mode] = self._snap(mode, place.lon, place.lat)
        return end

    def _snap(self, mode: str, lon: float, lat: float) -> tuple[int, float]:
        """:func:`~routing.streets.nearest_nodes` for one point (same kd-tree, same projection),
        keeping the tree and the projection between requests: building a pyproj transformer
        costs milliseconds, more than the rest of a door-to-door query."""
        g = self.network.graphs[mode]
        if mode not in self._kdtrees:
            from scipy.spatial import cKDTree

            cand = np.flatnonzero(g.active)
            tree = cKDTree(np.column_stack([g.x[cand], g.y[cand]])) if len(cand) else None
            self._kdtrees[mode] = (tree, cand)
        tree, cand = self._kdtrees[mode]
        if tree is None:
            return -1, INF
        transformers = self._local.__dict__.setdefault("transformers", {})
        if g.crs not in transformers:
            from pyproj import Transformer

            transformers[g.crs] = Transformer.from_crs("EPSG:4326", g.crs, always_xy=True)
        x, y = transformers[g.crs].transform(float(lon), float(lat))
        _, at = tree.query([x, y])
        node = int(cand[at])
        return node, float(haversine_m(lon, lat, g.lon[node], g.lat[node]))

    # -- the request ----------------------------------------------------------------------------
    def plan(self, origin: str | Place | tuple[float, float], destination: str | Place | tuple[float, float],
             when: dt.datetime, *, arrive_by: bool = False, modes: Sequence[str] = DEFAULT_MODES,
             params: PlanParams | None = None) -> PlanResult:
        """Best itinerary per mode, fastest first; no itinerary comes with the reasons.

        Parameters
        ----------
        origin, destination
            Names (stops, streets, stations...; accent-insensitive, typo-tolerant), "lat,lon"
            text, :class:`Place` or (lon, lat).
        when
            Departure time, or arrival deadline with ``arrive_by``.
        modes
            Any of :data:`MODES`.
        """
        params = params or PlanParams()
        unknown = [m for m in modes if m not in MODES]
        if unknown:
            return PlanResult([], reason=f"unknown mode(s): {', '.join(unknown)}; choose among {', '.join(MODES)}")
        try:
            o = self._end(self.resolve_place(origin))
            d = self._end(self.resolve_place(destination))
        except PlaceNotFound as exc:
            return PlanResult([], reason=str(exc))
        notes: list[str] = []
        day = self.network.day
        if when.date() != day:
            notes.append(f"timetable of {day.isoformat()} used (the service day of the network); "
                         f"times are those of {when.strftime('%H:%M')} on that day")
        base = dt.datetime.combine(day, dt.time())
        t_s = float((when - dt.datetime.combine(when.date(), dt.time())).total_seconds())
        ctx = _Ctx(self, o, d, base, t_s, arrive_by, params)
        itineraries: list[Itinerary] = []
        reasons: dict[str, str] = {}
        for mode in modes:
            try:
                found = getattr(self, f"_plan_{mode}")(ctx)
            except NoRoute as exc:
                reasons[mode] = str(exc)
                continue
            itineraries.extend(found if isinstance(found, list) else [found])
            if mode == TRANSIT and params.transit_alternatives > 0:
                itineraries.extend(self._transit_alternatives(ctx, found))
        if arrive_by:
            itineraries.sort(key=lambda it: (-it.departure.timestamp(), it.duration_s))
        else:
            itineraries.sort(key=lambda it: (it.arrival, it.duration_s))
        for mode, why in reasons.items():
            notes.append(f"{mode}: {why}")
        if not itineraries:
            reason = "; ".join(f"{m}: {r}" for m, r in reasons.items()) or "no mode asked for"
            return PlanResult([], reason=reason, notes=notes)
        return PlanResult(itineraries, notes=notes)

    # -- street helpers -------------------------------------------------------------------------
    def reverse_graph(self, mode: str) -> ModeGraph:
        """The mode graph with every arc reversed (for all-to-one searches on directed layers)."""
        return self.network.graphs[mode].reversed()

    def tree(self, mode: str, end: _End, *, cutoff: float = INF, reverse: bool = False,
             weight: str = "travel_time_s") -> ShortestPathTree:
        """Times from ``end`` to every node of a layer (or to ``end`` with ``reverse``)."""
        g = self.reverse_graph(mode) if reverse and mode == CAR else self.network.graphs[mode]
        start = end.snap_m[mode] / self.walk_speed
        return multi_source(g, [end.node[mode]], [start], cutoff=cutoff, weight=weight)

    def street_leg(self, mode: str, a: Place, b: Place, path: StreetPath, depart_s: float,
                   base: dt.datetime, *, snap_a_m: float = 0.0, snap_b_m: float = 0.0,
                   extra_s: float = 0.0, co2_mode: str | None = None) -> Leg:
        """A street leg along ``path`` with straight connectors from ``a`` and to ``b``."""
        g = self.network.graphs[mode]
        coords = [(a.lon, a.lat)] + [tuple(map(float, xy)) for xy in path_coords(g, path)] + [(b.lon, b.lat)]
        connect_s = (snap_a_m + snap_b_m) / self.walk_speed
        duration = float(path.travel_time_s) + connect_s + extra_s
        distance = float(path.length_m) + snap_a_m + snap_b_m
        return _leg(mode, a.name, b.name, base, depart_s, depart_s + duration, distance, coords,
                    co2_mode=co2_mode or mode)

    def walk_between(self, a: Place, b: Place, depart_s: float, base: dt.datetime, *,
                     a_end: _End | None = None, b_end: _End | None = None) -> tuple[Leg, bool]:
        """Walk from a to b: on the street layer when both lie on it, else straight line x 1.3.

        Returns the leg and whether the straight-line fallback was used.
        """
        limit = self.network.params.max_snap_m
        a_end = a_end or self._end(a)
        b_end = b_end or self._end(b)
        if a_end.on(WALK, limit) and b_end.on(WALK, limit):
            g = self.network.graphs[WALK]
            path = one_to_one(g, a_end.node[WALK], b_end.node[WALK], weight="travel_time_s")
            if path.found:
                return self.street_leg(WALK, a, b, path, depart_s, base, snap_a_m=a_end.snap_m[WALK],
                                       snap_b_m=b_end.snap_m[WALK]), False
        dist = _haversine(a.lon, a.lat, b.lon, b.lat)
        leg = _leg(WALK, a.name, b.name, base, depart_s,
                   depart_s + dist * self.network.params.walk_detour_factor / self.walk_speed,
                   dist * self.network.params.walk_detour_factor, [(a.lon, a.lat), (b.lon, b.lat)])
        leg.notes.append("off the street network: straight line x 1.3")
        return leg, True

    def _direct(self, ctx: _Ctx, mode: str) -> Itinerary:
        it = self._direct_path(ctx, mode)
        cap = {WALK: ctx.params.max_walk_trip_s, BIKE: ctx.params.max_bike_trip_s}.get(mode)
        if cap is not None and it.duration_s > cap:
            raise NoRoute(f"{it.duration_s / 3600:.1f} h by {mode}: longer than the "
                          f"{cap / 3600:.0f} h offered for this mode")
        return it

    def _direct_path(self, ctx: _Ctx, mode: str) -> Itinerary:
        o, d = ctx.o, ctx.d
        limit = self.network.params.max_snap_m
        if mode == WALK and not (o.on(WALK, limit) and d.on(WALK, limit)):
            leg, _ = self.walk_between(o.place, d.place, 0.0, ctx.base, a_end=o, b_end=d)
            return ctx.shift(Itinerary(WALK, [leg], notes=list(leg.notes)))
        if not (o.on(mode, limit) and d.on(mode, limit)):
            raise NoRoute(f"{'origin' if not o.on(mode, limit) else 'destination'} is more than "
                          f"{limit:.0f} m from the {mode} street layer")
        g = self.network.graphs[mode]
        path = one_to_one(g, o.node[mode], d.node[mode], weight="cost")
        if not path.found:
            raise NoRoute(f"no {mode} path on the street layer between these places")
        extra = ctx.params.car_park_s if mode == CAR else 0.0
        leg = self.street_leg(mode, o.place, d.place, path, 0.0, ctx.base, snap_a_m=o.snap_m[mode],
                              snap_b_m=d.snap_m[mode], extra_s=extra)
        return ctx.shift(Itinerary(mode, [leg]))

    # -- modes ------------------------------------------------------------------------------------
    def _plan_walk(self, ctx: _Ctx) -> Itinerary:
        return self._direct(ctx, WALK)

    def _plan_bike(self, ctx: _Ctx) -> Itinerary:
        return self._direct(ctx, BIKE)

    def _plan_car(self, ctx: _Ctx) -> Itinerary:
        return self._direct(ctx, CAR)

    def _plan_bikeshare(self, ctx: _Ctx) -> Itinerary:
        stations = self.network.points.get("bikeshare")
        if stations is None or not len(stations):
            raise NoRoute("no bike-share station in the network")
        p, limit = ctx.params, self.network.params.max_snap_m
        if not (ctx.o.on(WALK, limit) and ctx.d.on(WALK, limit)):
            raise NoRoute("origin or destination is off the street network")
        known = stations["status_known"].to_numpy(bool)
        bikes = stations["bikes_available"].to_numpy(float)
        docks = stations["docks_available"].to_numpy(float)
        pick_ok = ~known | (bikes > 0)
        drop_ok = ~known | (docks > 0)
        walk_o = self.tree(WALK, ctx.o, cutoff=p.max_walk_s)
        walk_d = self.tree(WALK, ctx.d, cutoff=p.max_walk_s)
        on_street = stations["snap_walk_m"].to_numpy(float) <= limit
        t_pick = walk_o.travel_time_s[stations["node_walk"].to_numpy()] + \
            stations["snap_walk_m"].to_numpy(float) / self.walk_speed
        t_drop = walk_d.travel_time_s[stations["node_walk"].to_numpy()] + \
            stations["snap_walk_m"].to_numpy(float) / self.walk_speed
        pick = np.flatnonzero(pick_ok & on_street & np.isfinite(t_pick))
        drop = np.flatnonzero(drop_ok & on_street & np.isfinite(t_drop))
        if not len(pick):
            raise NoRoute(f"no station with bikes within {p.max_walk_s / 60:.0f} min walk of the origin")
        if not len(drop):
            raise NoRoute(f"no station with free docks within {p.max_walk_s / 60:.0f} min walk of the destination")
        bike = self.network.graphs[BIKE]
        nodes_bike = stations["node_bike"].to_numpy()
        tree = multi_source(bike, nodes_bike[pick], t_pick[pick] + p.bikeshare_pick_s, weight="travel_time_s")
        total = tree.travel_time_s[nodes_bike[drop]] + p.bikeshare_drop_s + t_drop[drop]
        if not np.isfinite(total).any():
            raise NoRoute("no bike path between stations near the origin and the destination")
        q = int(drop[int(np.argmin(total))])
        path = tree.path_to(int(nodes_bike[q]))
        pk = int(pick[path.root])
        if pk == q:
            raise NoRoute("the same station serves both ends: walk instead")
        st = stations.iloc
        a = Place(str(st[pk]["name"]), "bikeshare", float(st[pk]["lon"]), float(st[pk]["lat"]), str(st[pk]["point_id"]))
        b = Place(str(st[q]["name"]), "bikeshare", float(st[q]["lon"]), float(st[q]["lat"]), str(st[q]["point_id"]))
        leg1, _ = self.walk_between(ctx.o.place, a, 0.0, ctx.base, a_end=ctx.o)
        # ride on the bike layer between the stations' bike nodes
        # the ride follows the bike layer's preferences (cycleways, REV), like the bike mode
        ride_path = one_to_one(bike, int(nodes_bike[pk]), int(nodes_bike[q]), weight="cost")
        t1 = _secs(leg1.arrival, ctx.base) + p.bikeshare_pick_s
        leg2 = self.street_leg(BIKE, a, b, ride_path, t1, ctx.base,
                               snap_a_m=float(stations.iloc[pk]["snap_bike_m"]),
                               snap_b_m=float(stations.iloc[q]["snap_bike_m"]), extra_s=p.bikeshare_drop_s)
        leg2.mode = BIKESHARE
        leg3, _ = self.walk_between(b, ctx.d.place, _secs(leg2.arrival, ctx.base), ctx.base, b_end=ctx.d)
        notes = []
        if not (known[pk] and known[q]):
            notes.append("bike and dock availability unknown: check at the station")
        else:
            notes.append(f"{int(bikes[pk])} bikes at {a.name}, {int(docks[q])} free docks at {b.name}")
        return ctx.shift(Itinerary(BIKESHARE, _drop_empty([leg1, leg2, leg3]), notes=notes))

    # transit and its combinations -----------------------------------------------------------
    def stop_access(self, end: _End, mode: str, cutoff_s: float, *, reverse: bool = False,
                    start_s: float = 0.0) -> tuple[np.ndarray, np.ndarray, ShortestPathTree | None]:
        """Stops reachable from (or, reversed, to) ``end`` by ``mode`` within ``cutoff_s``.

        Returns stop indices, access seconds, and the street tree (None when off-network, the
        times then being straight line x 1.3 at walking speed).
        """
        net = self.network
        limit = net.params.max_snap_m
        on_stop = net.stop_walk_m <= limit
        if end.on(mode, limit):
            tree = self.tree(mode, end, cutoff=cutoff_s, reverse=reverse)
            if mode == WALK:
                t = tree.travel_time_s[net.stop_walk_node] + net.stop_walk_m / self.walk_speed
            else:
                g = net.graphs[mode]
                snap = self._stop_snap(mode, g)
                t = tree.travel_time_s[snap[0]] + snap[1] / self.walk_speed
            t = np.where(on_stop, t + start_s, INF)
            ok = np.flatnonzero(np.isfinite(t) & (t <= cutoff_s + start_s))
            if len(ok):
                return ok, t[ok], tree
        if mode != WALK:
            return np.zeros(0, np.int64), np.zeros(0), None
        dist = _haversine_arr(end.place.lon, end.place.lat, self.tt.stop_lon, self.tt.stop_lat)
        t = dist * net.params.walk_detour_factor / self.walk_speed + start_s
        ok = np.flatnonzero(t <= cutoff_s + start_s)
        return ok, t[ok], None

    def _stop_snap(self, mode: str, g: ModeGraph) -> tuple[np.ndarray, np.ndarray]:
        key = f"_stop_snap_{mode}"
        if not hasattr(self, key):
            snap = nearest_nodes(g, self.tt.stop_lon, self.tt.stop_lat)
            setattr(self, key, (snap.node, snap.distance_m))
        return getattr(self, key)

    def _transit_core(self, ctx: _Ctx, sources: np.ndarray, src_s: np.ndarray, label: str,
                      access_legs: Any) -> Itinerary:
        """Connection scan between access labels and walking egress, then legs.

        ``access_legs(stop, board_s)`` returns the legs from the door to ``stop`` arriving by
        ``board_s`` (the access is shifted to leave as late as possible).
        """
        p = ctx.params
        eg_stops, eg_s, eg_tree = self.stop_access(ctx.d, WALK, p.max_walk_s)
        if not len(sources):
            raise NoRoute("no stop within reach of the origin")
        if not len(eg_stops):
            raise NoRoute(f"no stop within {p.max_walk_s / 60:.0f} min walk of the destination")
        tt = self.tt
        if not ctx.arrive_by:
            labels = np.column_stack([sources, np.ceil(ctx.t_s + src_s)]).astype(np.int64)
            res = csa.earliest_arrival(tt, labels, targets=eg_stops)
            total = res.time[eg_stops].astype(float) + eg_s
            total[res.time[eg_stops] >= csa.INF] = INF
            if not np.isfinite(total).any():
                raise NoRoute("no bus or metro reaches the destination that day after this time")
            k = int(np.argmin(total))
            last = int(eg_stops[k])
            jlegs = csa.journey(tt, res, last)
        else:
            deadline = ctx.t_s
            labels = np.column_stack([eg_stops, np.floor(deadline - eg_s)]).astype(np.int64)
            res = csa.latest_departure(tt, labels, sources=sources)
            ld = res.time[sources].astype(float)
            ok = res.time[sources] > csa.NEG_INF
            start = np.where(ok, ld - src_s, -INF)
            if not np.isfinite(start).any() or start.max() == -INF:
                raise NoRoute("no bus or metro reaches the destination by that time that day")
            k = int(np.argmax(start))
            first = int(sources[k])
            jlegs = csa.journey(tt, res, first)
        if not any(leg.mode == TRANSIT for leg in jlegs):
            raise NoRoute("walking is faster than any bus or metro for this trip")
        legs: list[Leg] = []
        first_stop = jlegs[0].from_stop
        board_s = jlegs[0].dep_time_s
        legs.extend(access_legs(first_stop, board_s))
        for jl in jlegs:
            a = self._stop_place(jl.from_stop)
            b = self._stop_place(jl.to_stop)
            if jl.mode == TRANSIT:
                route = int(tt.trip_route[jl.trip])
                coords = self._ride_coords(jl)
                dist = _polyline_m(coords)
                leg = _leg(TRANSIT, a.name, b.name, ctx.base, jl.dep_time_s, jl.arr_time_s, dist, coords,
                           co2_g_per_km=CO2_G_PER_KM_BY_ROUTE_TYPE.get(int(tt.route_types[route]), 104.0))
                leg.route = str(tt.route_short_names[route])
                leg.route_color = str(tt.route_colors[route]) or None
                leg.trip_id = str(tt.trip_ids[jl.trip])
                if tt.estimated_headway_s(jl.trip):  # a run estimated from a frequency (scenarios)
                    leg.notes.append(estimated_note(tt.estimated_headway_s(jl.trip)))
                legs.append(leg)
            else:
                leg, _ = self.walk_between(a, b, jl.dep_time_s, ctx.base)
                legs.append(_retime(leg, ctx.base, jl.dep_time_s, jl.arr_time_s))
        last_stop = jlegs[-1].to_stop
        arrive_stop_s = jlegs[-1].arr_time_s
        leg, fallback = self.walk_between(self._stop_place(last_stop), ctx.d.place, arrive_stop_s, ctx.base,
                                          b_end=ctx.d)
        legs.append(leg)
        notes = [n for leg in legs for n in leg.notes]
        return Itinerary(label, _drop_empty(legs), notes=sorted(set(notes)))

    def _stop_place(self, s: int) -> Place:
        tt = self.tt
        return Place(str(tt.stop_names[s]), "stop", float(tt.stop_lon[s]), float(tt.stop_lat[s]), str(tt.stop_ids[s]))

    def _ride_coords(self, jl: csa.JourneyLeg) -> list[tuple[float, float]]:
        tt = self.tt
        trip = tt.trip[jl.enter_conn]
        # connections of the trip between enter and exit, in order
        idx = np.flatnonzero(tt.trip == trip)
        idx = idx[(tt.seq[idx] >= tt.seq[jl.enter_conn]) & (tt.seq[idx] <= tt.seq[jl.exit_conn])]
        idx = idx[np.argsort(tt.seq[idx], kind="stable")]
        stops = [int(tt.dep_stop[i]) for i in idx] + [int(tt.arr_stop[idx[-1]])] if len(idx) else \
            [jl.from_stop, jl.to_stop]
        return [(float(tt.stop_lon[s]), float(tt.stop_lat[s])) for s in stops]

    def _walk_access_legs(self, ctx: _Ctx):
        def legs(stop: int, board_s: float) -> list[Leg]:
            leg, _ = self.walk_between(ctx.o.place, self._stop_place(stop), 0.0, ctx.base, a_end=ctx.o)
            return [_shift_leg(leg, board_s - _secs(leg.arrival, ctx.base))]
        return legs

    def _plan_transit(self, ctx: _Ctx) -> Itinerary:
        stops, secs, _ = self.stop_access(ctx.o, WALK, ctx.params.max_walk_s)
        return self._transit_core(ctx, stops, secs, TRANSIT, self._walk_access_legs(ctx))

    def _transit_alternatives(self, ctx: _Ctx, best: Itinerary) -> list[Itinerary]:
        """Up to ``transit_alternatives`` more transit itineraries: the next ones leaving after
        the best (depart-at), or the ones arriving before it (arrive-by)."""
        from dataclasses import replace

        out: list[Itinerary] = []
        current = best
        for _ in range(ctx.params.transit_alternatives):
            if ctx.arrive_by:
                t_s = _secs(current.arrival, ctx.base) - 60.0
            else:
                t_s = _secs(current.departure, ctx.base) + 60.0
            try:
                nxt = self._plan_transit(replace(ctx, t_s=t_s))
            except NoRoute:
                break
            if any(_same_rides(nxt, it) for it in (best, *out)):
                break
            out.append(nxt)
            current = nxt
        return out

    def _plan_bike_transit(self, ctx: _Ctx) -> Itinerary:
        p = ctx.params
        if not ctx.o.on(BIKE, self.network.params.max_snap_m):
            raise NoRoute("origin is off the bike street layer")
        stops, secs, tree = self.stop_access(ctx.o, BIKE, p.max_bike_access_s, start_s=0.0)
        if not len(stops):
            raise NoRoute("no stop within a short ride of the origin")

        def legs(stop: int, board_s: float) -> list[Leg]:
            g = self.network.graphs[BIKE]
            node, snap_m = self._stop_snap(BIKE, g)
            path = tree.path_to(int(node[stop]))
            leg = self.street_leg(BIKE, ctx.o.place, self._stop_place(stop), path, 0.0, ctx.base,
                                  snap_a_m=ctx.o.snap_m[BIKE], snap_b_m=float(snap_m[stop]), extra_s=p.bike_park_s)
            return [_shift_leg(leg, board_s - _secs(leg.arrival, ctx.base))]

        it = self._transit_core(ctx, stops, secs + p.bike_park_s, "bike_transit", legs)
        if not any(leg.mode == BIKE for leg in it.legs):
            raise NoRoute("the bike adds nothing to this transit trip")
        return it

    def _plan_park_ride(self, ctx: _Ctx) -> Itinerary:
        p = ctx.params
        prs = self.network.points.get("park_ride")
        if prs is None or not len(prs):
            raise NoRoute("no park-and-ride car park in the network")
        limit = self.network.params.max_snap_m
        if not ctx.o.on(CAR, limit):
            raise NoRoute("origin is off the car street layer")
        car = self.tree(CAR, ctx.o, cutoff=p.max_car_access_s)
        ok = (prs["snap_car_m"].to_numpy(float) <= limit) & (prs["snap_walk_m"].to_numpy(float) <= limit)
        t_car = car.travel_time_s[prs["node_car"].to_numpy()] + p.car_park_s
        cand = np.flatnonzero(ok & np.isfinite(t_car))
        if not len(cand):
            raise NoRoute("no park-and-ride car park within reach by car")
        walk = self.network.graphs[WALK]
        wtree = multi_source(walk, prs["node_walk"].to_numpy()[cand], t_car[cand], cutoff=p.max_car_access_s + 600,
                             weight="travel_time_s")
        net = self.network
        t_stop = wtree.travel_time_s[net.stop_walk_node] + net.stop_walk_m / self.walk_speed
        t_stop[net.stop_walk_m > limit] = INF
        stops = np.flatnonzero(np.isfinite(t_stop) & (t_stop - t_car.min() <= 600))
        if not len(stops):
            raise NoRoute("no stop within a 10 min walk of a park-and-ride car park")

        def legs(stop: int, board_s: float) -> list[Leg]:
            path_w = wtree.path_to(int(net.stop_walk_node[stop]))
            k = int(cand[path_w.root])
            pr = prs.iloc[k]
            pr_place = Place(str(pr["name"]), "parking", float(pr["lon"]), float(pr["lat"]), str(pr["point_id"]))
            path_c = car.path_to(int(pr["node_car"]))
            leg1 = self.street_leg(CAR, ctx.o.place, pr_place, path_c, 0.0, ctx.base,
                                   snap_a_m=ctx.o.snap_m[CAR], snap_b_m=float(pr["snap_car_m"]),
                                   extra_s=p.car_park_s)
            walk_path = one_to_one(walk, int(pr["node_walk"]), int(net.stop_walk_node[stop]), weight="travel_time_s")
            leg2 = self.street_leg(WALK, pr_place, self._stop_place(stop),
                                   walk_path, _secs(leg1.arrival, ctx.base),
                                   ctx.base, snap_a_m=float(pr["snap_walk_m"]), snap_b_m=float(net.stop_walk_m[stop]))
            shift = board_s - _secs(leg2.arrival, ctx.base)
            return [_shift_leg(leg1, shift), _shift_leg(leg2, shift)]

        it = self._transit_core(ctx, stops, t_stop[stops], "park_ride", legs)
        return it

    def _plan_carpool(self, ctx: _Ctx) -> list[Itinerary]:
        p = ctx.params
        if p.carpool_partner is None:
            raise NoRoute("carpooling needs the passenger's starting point (carpool partner)")
        places = self.network.points.get("carpool")
        if places is None or not len(places):
            raise NoRoute("no carpool place in the network")
        limit = self.network.params.max_snap_m
        partner = self._end(Place("passager / passenger", "coordinates", *p.carpool_partner))
        for who, end in (("origin", ctx.o), ("passenger", partner), ("destination", ctx.d)):
            if not end.on(CAR, limit):
                raise NoRoute(f"{who} is off the car street layer")
        t_drv = self.tree(CAR, ctx.o)
        t_pas = self.tree(CAR, partner)
        t_dst = self.tree(CAR, ctx.d, reverse=True)
        nodes = places["node_car"].to_numpy()
        ok = places["snap_car_m"].to_numpy(float) <= limit
        meet = np.maximum(t_drv.travel_time_s[nodes], t_pas.travel_time_s[nodes]) + p.carpool_wait_s
        total = np.where(ok, meet + t_dst.travel_time_s[nodes], INF)
        if not np.isfinite(total).any():
            raise NoRoute("no carpool place reachable by both")
        k = int(np.argmin(total))
        row = places.iloc[k]
        m = Place(str(row["name"]) or "aire de covoiturage", "carpool", float(row["lon"]), float(row["lat"]),
                  str(row["point_id"]))
        meet_s = float(meet[k])
        car = self.network.graphs[CAR]
        ride_path = one_to_one(car, int(nodes[k]), ctx.d.node[CAR], weight="travel_time_s")
        out = []
        for label, end, tree in (("carpool", ctx.o, t_drv), ("carpool_passenger", partner, t_pas)):
            leg1 = self.street_leg(CAR, end.place, m, tree.path_to(int(nodes[k])), 0.0, ctx.base,
                                   snap_a_m=end.snap_m[CAR], snap_b_m=float(row["snap_car_m"]))
            leg1 = _shift_leg(leg1, meet_s - p.carpool_wait_s - _secs(leg1.arrival, ctx.base))
            wait = _leg(WAIT, m.name, m.name, ctx.base, _secs(leg1.arrival, ctx.base), meet_s, 0.0,
                        [(m.lon, m.lat)])
            ride = self.street_leg(CAR, m, ctx.d.place, ride_path, meet_s, ctx.base,
                                   snap_b_m=ctx.d.snap_m[CAR], extra_s=p.car_park_s, co2_mode=CARPOOL)
            ride.mode = CARPOOL
            legs = [leg1, wait, ride]
            note = f"meet at {m.name} ({int(row['places']) if np.isfinite(row['places']) else '?'} places)"
            out.append(Itinerary(label, _drop_empty(legs), notes=[note]))
        # one clock for both sides, so that they meet at the same moment: the side with the
        # longer drive leaves at the requested time (arrive-by: the shared ride ends at the deadline)
        start = min(_secs(it.legs[0].departure, ctx.base) for it in out)
        end = _secs(out[0].legs[-1].arrival, ctx.base)
        delta = (ctx.t_s - end) if ctx.arrive_by else (ctx.t_s - start)
        for it in out:
            it.legs = [_shift_leg(leg, delta) for leg in it.legs]
        return out

    def _plan_ecar(self, ctx: _Ctx) -> Itinerary:
        p = ctx.params
        limit = self.network.params.max_snap_m
        if not (ctx.o.on(CAR, limit) and ctx.d.on(CAR, limit)):
            raise NoRoute("origin or destination is off the car street layer")
        chargers = self.network.points.get("charger")
        car = self.network.graphs[CAR]
        if chargers is not None and len(chargers):
            ok = chargers["snap_car_m"].to_numpy(float) <= limit
            ch = chargers[ok].reset_index(drop=True)
        else:
            ch = None
        ch_nodes = ch["node_car"].to_numpy() if ch is not None else np.zeros(0, np.int64)
        ch_kw = ch["power_kw"].fillna(0).to_numpy(float) if ch is not None else np.zeros(0)
        trees: dict[int, ShortestPathTree] = {}

        def drive_from(node: int) -> tuple[np.ndarray, np.ndarray]:
            tree = multi_source(car, [node], [0.0], weight="travel_time_s")
            trees[node] = tree
            return tree.travel_time_s, tree.length_m

        try:
            plan = plan_ev_trip(origin_node=ctx.o.node[CAR], dest_node=ctx.d.node[CAR], charger_nodes=ch_nodes,
                                charger_kw=ch_kw, drive_from=drive_from, params=p.ev())
        except NoEVRoute as exc:
            raise NoRoute(str(exc)) from None
        legs: list[Leg] = []
        t = 0.0
        prev_place, prev_node, prev_snap = ctx.o.place, ctx.o.node[CAR], ctx.o.snap_m[CAR]
        stops = list(plan.stops)
        for i, node in enumerate(plan.route_nodes[1:], start=1):
            last = i == len(plan.route_nodes) - 1
            if last:
                place, snap = ctx.d.place, ctx.d.snap_m[CAR]
            else:
                row = ch.iloc[stops[i - 1].charger]
                place = Place(str(row["name"]), "charger", float(row["lon"]), float(row["lat"]), str(row["point_id"]))
                snap = float(row["snap_car_m"])
            path = trees[prev_node].path_to(node) if prev_node in trees else \
                one_to_one(car, prev_node, node, weight="travel_time_s")
            leg = self.street_leg(CAR, prev_place, place, path, t, ctx.base, snap_a_m=prev_snap, snap_b_m=snap,
                                  extra_s=p.car_park_s if last else 0.0, co2_mode=ECAR)
            leg.mode = ECAR
            legs.append(leg)
            t = _secs(leg.arrival, ctx.base)
            if not last:
                stop = stops[i - 1]
                charge = _leg(CHARGE, place.name, place.name, ctx.base, t, t + stop.charge_s, 0.0,
                              [(place.lon, place.lat)])
                crow = ch.iloc[stop.charger]
                known = bool(crow["power_known"]) if "power_known" in crow else True
                charge.notes.append(f"charge {stop.energy_kwh:.1f} kWh at {float(crow['power_kw']):.0f} kW"
                                    f"{'' if known else ' (power not published: assumed)'}:"
                                    f" {stop.soc_in:.0%} -> {stop.soc_out:.0%}")
                legs.append(charge)
                t += stop.charge_s
            prev_place, prev_node, prev_snap = place, node, snap
        notes = [f"battery {plan.soc_end:.0%} on arrival"] + [n for leg in legs for n in leg.notes]
        return ctx.shift(Itinerary(ECAR, legs, notes=notes))


# -- request context ----------------------------------------------------------------------------

@dataclass
class _Ctx:
    planner: Planner
    o: _End
    d: _End
    base: dt.datetime
    t_s: float
    arrive_by: bool
    params: PlanParams

    def shift(self, it: Itinerary) -> Itinerary:
        """Place a time-independent itinerary (built from 0 s) at the requested time."""
        start = _secs(it.legs[0].departure, self.base)
        end = _secs(it.legs[-1].arrival, self.base)
        delta = (self.t_s - end) if self.arrive_by else (self.t_s - start)
        it.legs = [_shift_leg(leg, delta) for leg in it.legs]
        return it


# -- small helpers ------------------------------------------------------------------------------

def _same_rides(a: Itinerary, b: Itinerary) -> bool:
    return [leg.trip_id for leg in a.legs if leg.mode == TRANSIT] == \
        [leg.trip_id for leg in b.legs if leg.mode == TRANSIT]


def _secs(t: dt.datetime, base: dt.datetime) -> float:
    return (t - base).total_seconds()


def _leg(mode: str, a: str, b: str, base: dt.datetime, dep_s: float, arr_s: float, distance_m: float,
         coords: list[tuple[float, float]], *, co2_mode: str | None = None,
         co2_g_per_km: float | None = None) -> Leg:
    rate = co2_g_per_km if co2_g_per_km is not None else CO2_G_PER_KM.get(co2_mode or mode, 0.0)
    return Leg(mode=mode, from_name=a, to_name=b, departure=base + dt.timedelta(seconds=round(dep_s)),
               arrival=base + dt.timedelta(seconds=round(arr_s)), distance_m=round(float(distance_m), 1),
               geometry=[(round(x, 6), round(y, 6)) for x, y in coords], co2_g=round(rate * distance_m / 1000, 1))


def _shift_leg(leg: Leg, delta_s: float) -> Leg:
    d = dt.timedelta(seconds=round(delta_s))
    leg.departure += d
    leg.arrival += d
    return leg


def _retime(leg: Leg, base: dt.datetime, dep_s: float, arr_s: float) -> Leg:
    leg.departure = base + dt.timedelta(seconds=round(dep_s))
    leg.arrival = base + dt.timedelta(seconds=round(arr_s))
    return leg


def _drop_empty(legs: list[Leg]) -> list[Leg]:
    kept = [leg for leg in legs if leg.mode not in (WALK, WAIT) or leg.duration_s >= 1 or leg.distance_m >= 1]
    return kept or legs[:1]


def _haversine(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return float(_haversine_arr(lon1, lat1, np.array([lon2]), np.array([lat2]))[0])


def _haversine_arr(lon1: float, lat1: float, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    r = 6_371_008.8
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * r * np.arcsin(np.sqrt(a))


def _polyline_m(coords: list[tuple[float, float]]) -> float:
    if len(coords) < 2:
        return 0.0
    xy = np.asarray(coords)
    return float(sum(_haversine(xy[i, 0], xy[i, 1], xy[i + 1, 0], xy[i + 1, 1]) for i in range(len(xy) - 1)))
