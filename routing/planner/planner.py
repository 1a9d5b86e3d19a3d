"""Door-to-door trip planning over the multimodal network.

``Planner(network).plan(origin, destination, when, arrive_by=False, modes=..., params=...)``
returns a :class:`~routing.planner.itinerary.PlanResult`: the best itinerary for each mode asked
for, fastest first, or none with the reason. Modes:

* ``walk``, ``bike`` (own bike), ``car``: shortest path by time on the street layer;
* ``bikeshare``: walk to a station that has bikes, ride, dock at a station with free docks,
  walk (availability used when the status is known; unknown availability is said);
* ``transit``: walk to stops, bus/metro (connection scan), walk from stops;
* ``bike_transit``: ride your own bike to a stop, then transit and walk;
* ``park_ride``: drive to a park-and-ride car park, walk to a stop, transit, walk;
* ``carpool``: the driver (origin) and a passenger (``params.carpool_partner``) meet at a
  carpool place (BNLC), then ride together; both sides are returned;
* ``ecar``: electric car with charging stops (:mod:`routing.planner.ev`).

Every point meets the street layers through :mod:`routing.linking` (one rule set shared with
the accessibility engine): where an end lies off a layer, the connector is a straight line x
the detour factor, marked approximate and said in the itinerary; notes and reasons are
:class:`routing.messages.Msg` (a key with parameters, rendered in French or English). Times are naive local datetimes; the
timetable is the network's service day: a request for another date is answered on that
day at the same time of day, with a note.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from routing import linking
from routing.constants import DEFAULT_MODES, NO_DEPARTURE, TRIP_MODES, UNREACHABLE
from routing.derived import derived
from routing.errors import RoutingError
from routing.linking import LINK
from routing.messages import Msg
from routing.network.assemble import Network
from routing.places import Place, PlaceNotFound, parse_coordinates
from routing.planner import costs, steps
from routing.planner.ev import EVParams, NoEVRoute, plan_ev_trip
from routing.planner.itinerary import (
    BIKE,
    BIKESHARE,
    CAR,
    CARPOOL,
    CHARGE,
    ECAR,
    TRANSIT,
    WAIT,
    WALK,
    Itinerary,
    Leg,
    PlanResult,
    group_options,
    set_headway,
)
from routing.planner.wheelchair import plan_wheelchair
from routing.scenarios.scenario import bare_network, estimated_note, network_with_scenario
from routing.streets.graph import (
    ModeGraph,
    ShortestPathTree,
    StreetPath,
    multi_source,
    one_to_one,
    path_coords,
)
from routing.transit import csa
from sources.geo import haversine_m, line_length_m

MODES = TRIP_MODES
#: when walking is faster, a bus itinerary is still offered if it arrives (arrive-by: leaves)
#: within this long of the walk
RIDE_WINDOW_S = 3600.0


@dataclass(frozen=True)
class PlanParams:
    """Options of a trip request (all durations in seconds)."""

    max_walk_s: float = LINK.max_access_s  # to or from transit, to a bike-share station
    max_long_walk_s: float = LINK.max_long_access_s  # tried, and said, when nothing lies within max_walk_s
    max_walk_trip_s: float = 7200.0  # a walk-only trip longer than this is not offered
    max_bike_trip_s: float = 10800.0  # nor a bike-only trip longer than this
    max_bike_access_s: float = 900.0
    max_car_access_s: float = 2700.0  # to a park-and-ride car park
    bikeshare_pick_s: float = 60.0
    bikeshare_drop_s: float = 60.0
    bike_park_s: float = 60.0  # lock the bike at the stop
    car_park_s: float = LINK.car_park_s  # park the car
    carpool_wait_s: float = 120.0
    carpool_partner: tuple[float, float] | None = None  # (lon, lat) of the passenger
    # electric car: the defaults are EVParams' own
    battery_kwh: float = EVParams.battery_kwh
    consumption_kwh_per_100km: float = EVParams.consumption_kwh_per_100km
    soc_start: float = EVParams.soc_start
    min_soc: float = EVParams.min_soc
    max_charge_kw: float = EVParams.max_charge_kw
    max_transfers: int = 5
    #: minimum time between two vehicles (OpenTripPlanner's transfer slack)
    transfer_slack_s: int = LINK.transfer_slack_s
    #: further transit itineraries leaving later (depart-at) or earlier (arrive-by) than the best
    transit_alternatives: int = 0
    #: the wheelchair profile (routing.planner.wheelchair): accessible stops and lines, reduced speed
    wheelchair: bool = False
    #: the same option (same lines, same stops) leaving within this long of the earliest is one
    #: itinerary with its next departures (routing.planner.itinerary.group_options)
    group_window_s: float = 1800.0
    #: at most this many next departures listed per itinerary
    max_next_departures: int = 6
    #: the date whose tariffs price the itineraries (routing.planner.costs; None: today)
    price_date: dt.date | None = None

    def ev(self) -> EVParams:
        return EVParams(battery_kwh=self.battery_kwh, consumption_kwh_per_100km=self.consumption_kwh_per_100km,
                        soc_start=self.soc_start, min_soc=self.min_soc, max_charge_kw=self.max_charge_kw)


class NoRoute(RoutingError):
    """One mode cannot serve the request; the message (a :class:`Msg`) is the reason shown to users."""

    def __init__(self, msg: Msg) -> None:
        super().__init__(msg)
        self.msg = msg


@dataclass
class _End:
    """An origin or destination linked to each street layer (:func:`routing.linking.link`)."""

    place: Place
    links: dict[str, linking.Links] = field(default_factory=dict)
    node: dict[str, int] = field(default_factory=dict)
    snap_m: dict[str, float] = field(default_factory=dict)
    conn_s: dict[str, float] = field(default_factory=dict)

    def on(self, mode: str, limit: float | None = None) -> bool:
        """Linked to the mode's layer (within ``max_offnetwork_m``)."""
        return self.node.get(mode, -1) >= 0

    def approx(self, mode: str) -> bool:
        return bool(self.links[mode].approximate[0]) if mode in self.links else True


class Planner:
    """Plans trips on a :class:`~routing.network.assemble.Network` (read-only, shareable across threads)."""

    def __init__(self, network: Network, *, link_params: linking.LinkParams = LINK) -> None:
        self.network = network
        #: how trip ends and stops join the street layers (benches compare rules through it)
        self.link_params = link_params
        self.tt = network.timetable
        self.walk_speed = network.params.walk_speed_kmh / 3.6
        self._kdtrees: dict[str, tuple[Any, np.ndarray]] = {}
        self._local = threading.local()  # pyproj transformers are not shared across threads
        self._derived: dict[Hashable, Any] = {}  # built from the network on first use (routing.derived)

    # -- construction ---------------------------------------------------------------------------
    @classmethod
    def from_bundle(cls, bundle: Any = None, *, day: dt.date | None = None, cache: Any = None,
                    progress: bool = False, scenario: Any = "default") -> Planner:
        """Load the catalogue datasets (bundle or cache), build or reuse the cached network.

        ``scenario``: see :func:`routing.scenarios.scenario.network_with_scenario` ("default": the 2011 bus
        network gets metro a with an estimated timetable; "none": the bare feed).
        """
        from routing.network.inputs import load_network

        return cls(network_with_scenario(load_network(bundle=bundle, day=day, cache=cache, progress=progress),
                                         scenario))

    def on_day(self, day: dt.date, *, feed: Any = None, bundle: Any = None, cache: Any = None,
               scenario: Any = "default") -> Planner:
        """A planner answering on ``day`` (a date of the feed: :func:`routing.network.service_day_for`
        finds the one that answers for any date): the same streets and places, ``day``'s timetable
        compiled from ``feed`` (default: the catalogue's), ``scenario`` applied again (see
        :meth:`from_bundle`). Itself when ``day`` is its day."""
        from routing.network.inputs import network_on_day

        if day == self.date:
            return self
        network = network_on_day(bare_network(self.network), day, feed=feed, bundle=bundle, cache=cache)
        return Planner(network_with_scenario(network, scenario), link_params=self.link_params)

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

        from routing.transit.realtime import apply_trip_updates

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
            if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
                raise PlaceNotFound(f"{where[1]},{where[0]}", [], reason="not a position on Earth")
            return Place(f"{lat:.5f}, {lon:.5f}", "coordinates", lon, lat)
        text = str(where)
        coords = parse_coordinates(text)
        if coords is not None:
            return Place(f"{coords[1]:.5f}, {coords[0]:.5f}", "coordinates", coords[0], coords[1])
        if self.network.places is None:
            raise PlaceNotFound(text, [])
        return self.network.places.resolve(text)

    def _end(self, place: Place) -> _End:
        """The place linked to every layer; stops, stations and car parks are kept (they recur)."""
        key = (place.kind, place.lon, place.lat) if place.kind not in ("coordinates",) else None
        cache = self.__dict__.setdefault("_ends", {})
        if key is not None and key in cache:
            cached = cache[key]
            return _End(place, cached.links, cached.node, cached.snap_m, cached.conn_s)
        end = self._link_end(place)
        if key is not None and len(cache) < 20_000:
            cache[key] = end
        return end

    def _link_end(self, place: Place) -> _End:
        end = _End(place)
        layers = linking.link_every_layer(self.network.graphs, place.lon, place.lat, self.link_params)
        for mode, ln in layers.items():
            end.links[mode] = ln
            end.node[mode] = int(ln.node[0])
            end.snap_m[mode] = float(ln.distance_m[0])
            end.conn_s[mode] = float(ln.seconds[0])
        return end

    def _stop_links(self, mode: str) -> linking.Links:
        """Every stop linked to a layer (cached per planner)."""
        key = f"_stop_links_{mode}"
        if not hasattr(self, key):
            setattr(self, key, linking.link(self.network.graphs[mode], self.tt.stop_lon, self.tt.stop_lat,
                                            self.link_params))
        return getattr(self, key)

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
        if params.wheelchair:
            return plan_wheelchair(self, origin, destination, when, arrive_by=arrive_by, modes=modes, params=params)
        unknown = [m for m in modes if m not in MODES]
        if unknown:
            return PlanResult([], reason=Msg("plan.unknown_modes", modes=", ".join(unknown),
                                             choices=", ".join(MODES)))
        modes = list(dict.fromkeys(modes))
        try:
            o = self._end(self.resolve_place(origin))
            d = self._end(self.resolve_place(destination))
        except PlaceNotFound as exc:
            return PlanResult([], reason=exc.msg)
        notes: list[str] = [end.place.note for end in (o, d) if end.place.note]  # e.g. no house numbers
        day = self.network.day
        if when.date() != day:
            notes.append(Msg("plan.other_day", day=day.isoformat(), time=when.strftime("%H:%M")))
        base = dt.datetime.combine(day, dt.time())
        t_s = float((when - dt.datetime.combine(when.date(), dt.time())).total_seconds())
        ctx = _Ctx(self, o, d, base, t_s, arrive_by, params)
        itineraries: list[Itinerary] = []
        reasons: dict[str, str] = {}
        for mode in modes:
            try:
                found = MODE_PLANS[mode](self, ctx)
            except NoRoute as exc:
                reasons[mode] = exc.msg
                continue
            itineraries.extend(found if isinstance(found, list) else [found])
            if mode == TRANSIT and params.transit_alternatives > 0:
                itineraries.extend(self._transit_alternatives(ctx, found))
        for it in itineraries:
            it.price = costs.price(it, on=params.price_date)
        itineraries = group_options(itineraries, params.group_window_s)
        for it in itineraries:
            self._add_later_runs(it, ctx)
        if arrive_by:
            itineraries.sort(key=lambda it: (-it.departure.timestamp(), it.duration_s))
        else:
            itineraries.sort(key=lambda it: (it.arrival, it.duration_s))
        if not itineraries:
            reason = (Msg("plan.reasons", reasons=[Msg("plan.mode_reason", mode_name=m, reason=r)
                                                   for m, r in reasons.items()])
                      if reasons else Msg("plan.no_mode"))
            return PlanResult([], reason=reason, notes=notes, reasons=reasons, origin=o.place, destination=d.place)
        return PlanResult(itineraries, notes=notes, reasons=reasons, origin=o.place, destination=d.place)

    # -- street helpers -------------------------------------------------------------------------
    def reverse_graph(self, mode: str) -> ModeGraph:
        """The mode graph with every arc reversed (for all-to-one searches on directed layers)."""
        return self.network.graphs[mode].reversed()

    def tree(self, mode: str, end: _End, *, cutoff: float = math.inf, reverse: bool = False,
             weight: str = "travel_time_s") -> ShortestPathTree:
        """Times from ``end`` to every node of a layer (or to ``end`` with ``reverse``), the
        linking connector included."""
        g = self.reverse_graph(mode) if reverse and mode == CAR else self.network.graphs[mode]
        return multi_source(g, [end.node[mode]], [end.conn_s[mode]], cutoff=cutoff, weight=weight)

    def street_leg(self, mode: str, a: Place, b: Place, path: StreetPath, depart_s: float,
                   base: dt.datetime, *, conn_a: tuple[float, float, bool] = (0.0, 0.0, False),
                   conn_b: tuple[float, float, bool] = (0.0, 0.0, False),
                   extra_s: float = 0.0, co2_mode: str | None = None) -> Leg:
        """A street leg along ``path`` with connectors (metres, seconds, approximate) from ``a`` and to ``b``."""
        g = self.network.graphs[mode]
        coords = np.concatenate([[(a.lon, a.lat)], path_coords(g, path).reshape(-1, 2), [(b.lon, b.lat)]])
        duration = float(path.travel_time_s) + conn_a[1] + conn_b[1] + extra_s
        distance = float(path.length_m) + conn_a[0] + conn_b[0]
        leg = _leg(mode, a.name, b.name, base, depart_s, depart_s + duration, distance, coords,
                   co2_mode=co2_mode or mode)
        far = max(conn_a[0] if conn_a[2] else 0.0, conn_b[0] if conn_b[2] else 0.0)
        if far > 0:
            leg.approximate = True
            leg.notes.append(Msg("plan.connector", km=f"{far / 1000:.1f}", factor=LINK.detour_factor))
        arcs = path.arcs if path.found else np.zeros(0, np.int64)
        on_bus_roads = self._approx_arcs(g)[arcs]
        if on_bus_roads.any():
            leg.approximate = True
            leg.notes.append(Msg("plan.bus_roads"))
        runs = steps.street_runs(g.arc_street_names(arcs), g.length_m[arcs], on_bus_roads,
                                 start_m=0.0 if conn_a[2] else conn_a[0], end_m=0.0 if conn_b[2] else conn_b[0])
        leg.steps = steps.street_steps(runs, connector_start_m=conn_a[0] if conn_a[2] else 0.0,
                                       connector_end_m=conn_b[0] if conn_b[2] else 0.0,
                                       factor=LINK.detour_factor) or [steps.go_step(b.name, leg.distance_m)]
        return leg

    def _approx_arcs(self, g: ModeGraph) -> np.ndarray:
        return derived(self, _approx_arcs, g.mode)

    def _point_conn(self, mode: str, dist_m: float) -> tuple[float, float, bool]:
        """(metres, seconds, approximate) of a linking connector of ``dist_m``."""
        far = dist_m > LINK.snap_m
        return (dist_m * (LINK.detour_factor if far else 1.0), float(linking.connector_s(dist_m, mode)), far)

    def route_leg(self, mode: str, a: Place, b: Place, depart_s: float, base: dt.datetime, *,
                  a_end: _End | None = None, b_end: _End | None = None, extra_s: float = 0.0,
                  co2_mode: str | None = None) -> Leg:
        """The leg of :func:`routing.linking.street_route` between two places (raises NoRoute)."""
        a_end = a_end or self._end(a)
        b_end = b_end or self._end(b)
        g = self.network.graphs[mode]
        r = linking.street_route(g, (a.lon, a.lat), (b.lon, b.lat), a_links=a_end.links[mode],
                                 b_links=b_end.links[mode])
        if not r.found:
            for side, end in (("origin", a_end), ("destination", b_end)):
                if not end.on(mode):
                    raise NoRoute(Msg("plan.outside_data", side=side, mode=mode,
                                      km=f"{end.snap_m[mode] / 1000:.1f}"))
            raise NoRoute(Msg("plan.no_path", mode=mode))
        if r.direct:
            leg = _leg(mode, a.name, b.name, base, depart_s, depart_s + r.seconds + extra_s, r.distance_m,
                       [(a.lon, a.lat), (b.lon, b.lat)], co2_mode=co2_mode or mode)
            leg.approximate = True
            leg.notes.append(Msg("plan.straight_line", factor=LINK.detour_factor))
            leg.steps = [steps.straight_step(b.name, leg.distance_m, LINK.detour_factor)]
            return leg
        return self.street_leg(mode, a, b, r.path, depart_s, base, conn_a=self._point_conn(mode, r.a_link[1]),
                               conn_b=self._point_conn(mode, r.b_link[1]), extra_s=extra_s, co2_mode=co2_mode)

    def walk_between(self, a: Place, b: Place, depart_s: float, base: dt.datetime, *,
                     a_end: _End | None = None, b_end: _End | None = None) -> tuple[Leg, bool]:
        """Walk from a to b (:func:`routing.linking.street_route`); returns the leg and whether
        it is approximate. Beyond the reach of the street data, a straight line x detour."""
        try:
            leg = self.route_leg(WALK, a, b, depart_s, base, a_end=a_end, b_end=b_end)
        except NoRoute:
            dist = float(haversine_m(a.lon, a.lat, b.lon, b.lat))
            leg = _leg(WALK, a.name, b.name, base, depart_s,
                       depart_s + dist * LINK.detour_factor / LINK.speed_ms(WALK),
                       dist * LINK.detour_factor, [(a.lon, a.lat), (b.lon, b.lat)])
            leg.approximate = True
            leg.notes.append(Msg("plan.straight_line", factor=LINK.detour_factor))
            leg.steps = [steps.straight_step(b.name, leg.distance_m, LINK.detour_factor)]
        return leg, leg.approximate

    def _direct(self, ctx: _Ctx, mode: str) -> Itinerary:
        cap = {WALK: ctx.params.max_walk_trip_s, BIKE: ctx.params.max_bike_trip_s}.get(mode)
        if cap is not None:  # no search when even the straight line is over the cap
            floor_s = haversine_m(ctx.o.place.lon, ctx.o.place.lat, ctx.d.place.lon, ctx.d.place.lat) / \
                LINK.speed_ms(mode)
            if floor_s > cap:
                raise NoRoute(Msg("plan.too_long", hours=f"{floor_s * LINK.detour_factor / 3600:.1f}", mode=mode,
                                  cap=f"{cap / 3600:.0f}"))
        it = self._direct_path(ctx, mode)
        if cap is not None and it.duration_s > cap:
            raise NoRoute(Msg("plan.too_long", hours=f"{it.duration_s / 3600:.1f}", mode=mode,
                              cap=f"{cap / 3600:.0f}"))
        return it

    def _direct_path(self, ctx: _Ctx, mode: str) -> Itinerary:
        extra = ctx.params.car_park_s if mode == CAR else 0.0
        leg = self.route_leg(mode, ctx.o.place, ctx.d.place, 0.0, ctx.base, a_end=ctx.o, b_end=ctx.d,
                             extra_s=extra)
        return ctx.shift(Itinerary(mode, [leg], notes=list(leg.notes)))

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
            raise NoRoute(Msg("plan.no_station"))
        p = ctx.params
        for side, end in (("origin", ctx.o), ("destination", ctx.d)):
            if not end.on(WALK):
                raise NoRoute(Msg("plan.outside_data", side=side, mode=WALK, km=f"{end.snap_m[WALK] / 1000:.1f}"))
        known = stations["status_known"].to_numpy(bool)
        bikes = stations["bikes_available"].to_numpy(float)
        docks = stations["docks_available"].to_numpy(float)
        pick_ok = ~known | (bikes > 0)
        drop_ok = ~known | (docks > 0)
        walk_o = self._walk_tree(ctx.o, p, stations)
        walk_d = self._walk_tree(ctx.d, p, stations)
        node_walk = stations["node_walk"].to_numpy()
        on_street = (node_walk >= 0) & (stations["node_bike"].to_numpy() >= 0)
        conn_walk = linking.connector_s(stations["snap_walk_m"].to_numpy(float), WALK)
        safe = np.where(on_street, node_walk, 0)
        t_pick = np.where(on_street, walk_o.travel_time_s[safe] + conn_walk, math.inf)
        t_drop = np.where(on_street, walk_d.travel_time_s[safe] + conn_walk, math.inf)
        pick = np.flatnonzero(pick_ok & on_street & np.isfinite(t_pick))
        drop = np.flatnonzero(drop_ok & on_street & np.isfinite(t_drop))
        if not len(pick):
            raise NoRoute(Msg("plan.no_bikes", minutes=f"{p.max_long_walk_s / 60:.0f}"))
        if not len(drop):
            raise NoRoute(Msg("plan.no_docks", minutes=f"{p.max_long_walk_s / 60:.0f}"))
        bike = self.network.graphs[BIKE]
        nodes_bike = stations["node_bike"].to_numpy()
        tree = multi_source(bike, nodes_bike[pick], t_pick[pick] + p.bikeshare_pick_s, weight="travel_time_s")
        total = tree.travel_time_s[nodes_bike[drop]] + p.bikeshare_drop_s + t_drop[drop]
        if not np.isfinite(total).any():
            raise NoRoute(Msg("plan.no_bike_path_stations"))
        q = int(drop[int(np.argmin(total))])
        path = tree.path_to(int(nodes_bike[q]))
        pk = int(pick[path.root])
        if pk == q:
            raise NoRoute(Msg("plan.same_station"))
        st = stations.iloc
        a = Place(str(st[pk]["name"]), "bikeshare", float(st[pk]["lon"]), float(st[pk]["lat"]), str(st[pk]["point_id"]))
        b = Place(str(st[q]["name"]), "bikeshare", float(st[q]["lon"]), float(st[q]["lat"]), str(st[q]["point_id"]))
        leg1, _ = self.walk_between(ctx.o.place, a, 0.0, ctx.base, a_end=ctx.o)
        # ride on the bike layer between the stations' bike nodes
        # the ride follows the bike layer's preferences (cycleways, REV), like the bike mode
        ride_path = one_to_one(bike, int(nodes_bike[pk]), int(nodes_bike[q]), weight="cost")
        t1 = _secs(leg1.arrival, ctx.base) + p.bikeshare_pick_s
        leg2 = self.street_leg(BIKE, a, b, ride_path, t1, ctx.base,
                               conn_a=self._point_conn(BIKE, float(stations.iloc[pk]["snap_bike_m"])),
                               conn_b=self._point_conn(BIKE, float(stations.iloc[q]["snap_bike_m"])),
                               extra_s=p.bikeshare_drop_s)
        leg2.mode = BIKESHARE
        leg2.steps = [Msg("itin.step.bikeshare_take", station=a.name), *leg2.steps,
                      Msg("itin.step.bikeshare_drop", station=b.name)]
        leg3, _ = self.walk_between(b, ctx.d.place, _secs(leg2.arrival, ctx.base), ctx.base, b_end=ctx.d)
        notes = _long_walks(leg1, leg3, p.max_walk_s, "plan.long_walk_station")
        if not (known[pk] and known[q]):
            notes.append(Msg("plan.availability_unknown"))
        else:
            notes.append(Msg("plan.availability", bikes=int(bikes[pk]), a=a.name, docks=int(docks[q]), b=b.name))
        legs = _drop_empty([leg1, leg2, leg3])
        return ctx.shift(Itinerary(BIKESHARE, legs, notes=_notes(notes, legs)))

    # transit and its combinations -----------------------------------------------------------
    def stop_access(self, end: _End, mode: str, cutoff_s: float, *,
                    start_s: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """Stops reachable from (or, walking being symmetric, to) ``end`` by ``mode`` within
        ``cutoff_s``: :func:`routing.linking.street_times`, as the accessibility engine.

        Returns stop indices and seconds (``start_s`` added).
        """
        if not end.on(mode):
            return np.zeros(0, np.int64), np.zeros(0)
        g = self.network.graphs[mode]
        tt = self.tt
        _, j, t = linking.street_times(g, end.place.lon, end.place.lat, tt.stop_lon, tt.stop_lat, cutoff_s,
                                       a_links=end.links[mode], b_links=self._stop_links(mode))
        return j, t.astype(float) + start_s

    def walk_stops(self, end: _End, p: PlanParams) -> tuple[np.ndarray, np.ndarray]:
        """Stops within ``max_walk_s`` of ``end``; none there: those within ``max_long_walk_s``
        (the itinerary then says the walk is long)."""
        stops, secs = self.stop_access(end, WALK, p.max_walk_s)
        if not len(stops) and self._within_walk(end, self.tt.stop_lon, self.tt.stop_lat, p.max_long_walk_s):
            stops, secs = self.stop_access(end, WALK, p.max_long_walk_s)
        return stops, secs

    def _within_walk(self, end: _End, lon: np.ndarray, lat: np.ndarray, walk_s: float) -> bool:
        """Some point lies within ``walk_s`` of walking in a straight line (no walk is shorter:
        the long-walk search is skipped where it cannot find anything)."""
        if walk_s <= 0 or not len(lon):
            return False
        reach_m = walk_s * LINK.speed_ms(WALK)
        return bool((haversine_m(end.place.lon, end.place.lat, lon, lat) <= reach_m).any())

    def _walk_tree(self, end: _End, p: PlanParams, stations: Any) -> ShortestPathTree:
        """Walking times from ``end`` up to ``max_walk_s``, or ``max_long_walk_s`` when no
        bike-share station lies within the first (its availability is checked afterwards)."""
        tree = self.tree(WALK, end, cutoff=p.max_walk_s)
        nodes = stations["node_walk"].to_numpy()
        near = nodes >= 0
        if (p.max_long_walk_s > p.max_walk_s and not np.isfinite(tree.travel_time_s[nodes[near]]).any()
                and self._within_walk(end, stations["lon"].to_numpy(float), stations["lat"].to_numpy(float),
                                      p.max_long_walk_s)):
            tree = self.tree(WALK, end, cutoff=p.max_long_walk_s)
        return tree

    def _transit_core(self, ctx: _Ctx, sources: np.ndarray, src_s: np.ndarray, label: str,
                      access_legs: Any) -> Itinerary:
        """Connection scan between access labels and walking egress, then legs.

        ``access_legs(stop, board_s)`` returns the legs from the door to ``stop`` arriving by
        ``board_s`` (the access is shifted to leave as late as possible). When walking beats
        every bus, the best itinerary with a vehicle is still returned, flagged.
        """
        p = ctx.params
        eg_stops, eg_s = self.walk_stops(ctx.d, p)
        if not len(sources):
            raise NoRoute(Msg("plan.no_stop_origin"))
        if not len(eg_stops):
            raise NoRoute(Msg("plan.no_stop_destination", minutes=f"{p.max_long_walk_s / 60:.0f}"))
        tt = self.tt
        flags: list[str] = []
        forward = not ctx.arrive_by
        # forward, the door arrival is a bus arrival plus the egress walk, the earliest wins;
        # arrive-by, the door departure is a bus departure minus the access walk, the latest
        # wins: ``sign`` makes "latest" an "earliest" of negated times, so one rule serves both.
        sign = 1.0 if forward else -1.0
        if forward:
            labels = np.column_stack([sources, np.ceil(ctx.t_s + src_s)]).astype(np.int64)
            res = csa.earliest_arrival(tt, labels, targets=eg_stops, initial_footpaths=False,
                                       transfer_slack_s=p.transfer_slack_s)
            ends, end_s, reached = eg_stops, eg_s, res.time[eg_stops] < UNREACHABLE
        else:
            labels = np.column_stack([eg_stops, np.floor(ctx.t_s - eg_s)]).astype(np.int64)
            res = csa.latest_departure(tt, labels, sources=sources, initial_footpaths=False,
                                       transfer_slack_s=p.transfer_slack_s)
            ends, end_s, reached = sources, src_s, res.time[sources] > NO_DEPARTURE
        if not reached.any():
            raise NoRoute(Msg("plan.no_transit_after" if forward else "plan.no_transit_before"))
        door = np.where(reached, res.time[ends].astype(float) + sign * end_s, sign * math.inf)
        k = int(np.argmin(sign * door))
        jlegs = csa.journey(tt, res, int(ends[k]))
        if not any(leg.mode == TRANSIT for leg in jlegs):
            # walking beats every bus: the best trip riding one, if within RIDE_WINDOW_S of it
            flags.append(Msg("plan.walking_faster", minutes=f"{sign * (door[k] - ctx.t_s) / 60:.0f}"))
            ride = self._ride_forward if forward else self._ride_backward
            jlegs = ride(labels, ends, end_s, p.transfer_slack_s)
            ride_end = jlegs[-1].arr_time_s if forward else jlegs[0].dep_time_s  # at the walk's end
            if sign * ride_end > sign * door[k] + RIDE_WINDOW_S:
                raise NoRoute(flags[0])
        legs: list[Leg] = []
        legs.extend(access_legs(jlegs[0].from_stop, jlegs[0].dep_time_s))
        for jl in jlegs:
            a = self._stop_place(jl.from_stop)
            b = self._stop_place(jl.to_stop)
            if jl.mode == TRANSIT:
                legs.append(self._ride_leg(jl, a, b, ctx.base))
            else:
                leg, _ = self.walk_between(a, b, jl.dep_time_s, ctx.base)
                legs.append(_retime(leg, ctx.base, jl.dep_time_s, jl.arr_time_s))
        leg, _ = self.walk_between(self._stop_place(jlegs[-1].to_stop), ctx.d.place, jlegs[-1].arr_time_s,
                                   ctx.base, b_end=ctx.d)
        legs.append(leg)
        legs = self._with_ride_steps(_merge_rides(_drop_empty(legs)), ctx.base)
        flags.extend(_long_walks(legs[0], legs[-1], p.max_walk_s, "plan.long_walk"))
        return Itinerary(label, legs, notes=_notes(flags, legs))

    def _ride_forward(self, labels: np.ndarray, eg_stops: np.ndarray, eg_s: np.ndarray,
                      slack: int) -> list[csa.JourneyLeg]:
        """The earliest arrival at the destination that rides at least one vehicle.

        A trip is boarded at its first connection whose stop is reached in time (exact labels of
        a full scan); its later connections are ridden; the best of them ending at an egress
        stop ends the journey, the legs before boarding come from the scan."""
        tt = self.tt
        full = csa.earliest_arrival(tt, labels, initial_footpaths=False, transfer_slack_s=slack)
        conn = np.arange(tt.n_connections)
        ok = np.flatnonzero(full.ready[tt.dep_stop] <= tt.dep_time)
        first = np.full(tt.n_trips, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(first, tt.trip[ok], ok)
        ridden = conn >= first[tt.trip]
        eg = np.full(tt.n_stops, math.inf)
        eg[eg_stops] = eg_s
        cand = np.flatnonzero(ridden & np.isfinite(eg[tt.arr_stop]))
        if not len(cand):
            raise NoRoute(Msg("plan.no_transit_after"))
        x = int(cand[int(np.argmin(tt.arr_time[cand] + eg[tt.arr_stop[cand]]))])
        e = int(first[tt.trip[x]])
        ride = csa.JourneyLeg(TRANSIT, int(tt.dep_stop[e]), int(tt.arr_stop[x]), int(tt.dep_time[e]),
                              int(tt.arr_time[x]), int(tt.trip[e]), e, x)
        before = csa.ScanResult("forward", full.ready, full.ready_enter, full.ready_exit, full.ready_fp, full.labels)
        return [*csa.journey(tt, before, int(tt.dep_stop[e])), ride]

    def _ride_backward(self, labels: np.ndarray, sources: np.ndarray, src_s: np.ndarray,
                       slack: int) -> list[csa.JourneyLeg]:
        """Arrive-by twin of :meth:`_ride_forward`: the latest departure that rides a vehicle."""
        tt = self.tt
        full = csa.latest_departure(tt, labels, initial_footpaths=False, transfer_slack_s=slack)
        conn = np.arange(tt.n_connections)
        ok = np.flatnonzero(full.ready[tt.arr_stop] >= tt.arr_time)
        last = np.full(tt.n_trips, -1, dtype=np.int64)
        np.maximum.at(last, tt.trip[ok], ok)
        ridden = conn <= last[tt.trip]
        src = np.full(tt.n_stops, math.inf)
        src[sources] = src_s
        cand = np.flatnonzero(ridden & np.isfinite(src[tt.dep_stop]))
        if not len(cand):
            raise NoRoute(Msg("plan.no_transit_before"))
        e = int(cand[int(np.argmax(tt.dep_time[cand] - src[tt.dep_stop[cand]]))])
        x = int(last[tt.trip[e]])
        ride = csa.JourneyLeg(TRANSIT, int(tt.dep_stop[e]), int(tt.arr_stop[x]), int(tt.dep_time[e]),
                              int(tt.arr_time[x]), int(tt.trip[e]), e, x)
        after = csa.ScanResult("backward", full.ready, full.ready_enter, full.ready_exit, full.ready_fp, full.labels)
        return [ride, *csa.journey(tt, after, int(tt.arr_stop[x]))]

    def _ride_leg(self, jl: csa.JourneyLeg, a: Place, b: Place, base: dt.datetime) -> Leg:
        """The leg of one ride: line, colour, trip, stops boarded at and alighted at, direction and
        stops ridden (the connections from boarding to alighting)."""
        tt = self.tt
        route = int(tt.trip_route[jl.trip])
        coords = self._ride_coords(jl)
        leg = _leg(TRANSIT, a.name, b.name, base, jl.dep_time_s, jl.arr_time_s, _polyline_m(coords), coords,
                   co2_mode=costs.vehicle_of(int(tt.route_types[route])))
        leg.route = str(tt.route_short_names[route])
        leg.route_color = str(tt.route_colors[route]) or None
        leg.trip_id = str(tt.trip_ids[jl.trip])
        leg.from_stop_id, leg.to_stop_id = a.id, b.id
        leg.headsign = tt.headsign(jl.trip) or None
        leg.stops = tt.seq_position(jl.exit_conn) - tt.seq_position(jl.enter_conn) + 1
        leg.vehicle = costs.vehicle_of(int(tt.route_types[route]))
        if tt.estimated_headway_s(jl.trip):  # a run estimated from a frequency (scenarios)
            leg.notes.append(estimated_note(tt.estimated_headway_s(jl.trip)))
        return leg

    def _add_later_runs(self, it: Itinerary, ctx: _Ctx) -> None:
        """For an itinerary riding one vehicle: the later runs of its line from the same stop that
        reach the same alighting stop, within the grouping window, as next departures (the same
        walks before and after)."""
        rides = [leg for leg in it.legs if leg.mode == TRANSIT]
        if len(rides) != 1 or ctx.params.max_next_departures <= 0:
            return
        leg, tt = rides[0], self.tt
        try:
            trips = tt.trip_indices(leg.trip_id or "")
            a, b = tt.stop_index(leg.from_stop_id or ""), tt.stop_index(leg.to_stop_id or "")
        except KeyError:
            return
        if not trips:
            return
        route = tt.trip_route[trips[0]]
        dep_s = _secs(leg.departure, ctx.base)
        dep_off, dep_conn = tt.stop_departures
        trip_off, trip_conn = tt.trip_connections
        found: list[dt.datetime] = []
        for c in dep_conn[dep_off[a]:dep_off[a + 1]]:
            t = float(tt.dep_time[c])
            trip = int(tt.trip[c])
            if not dep_s < t <= dep_s + ctx.params.group_window_s or tt.trip_route[trip] != route:
                continue
            later = trip_conn[trip_off[trip]:trip_off[trip + 1]]
            if np.any((tt.arr_stop[later] == b) & (tt.seq[later] >= tt.seq[c])):
                found.append(it.departure + dt.timedelta(seconds=round(t - dep_s)))
        if found:
            it.next_departures = sorted({*it.next_departures, *found})[:ctx.params.max_next_departures]
            set_headway(it)

    def _with_ride_steps(self, legs: list[Leg], base: dt.datetime) -> list[Leg]:
        """``legs`` with the steps of their rides (the wait counted from the previous leg's arrival)."""
        for i, leg in enumerate(legs):
            if leg.mode == TRANSIT:
                wait = (leg.departure - legs[i - 1].arrival).total_seconds() if i else 0.0
                leg.steps = steps.transit_steps(
                    line=leg.route or "", vehicle=leg.vehicle or "", headsign=leg.headsign or "",
                    board_stop=leg.from_name, board_s=_secs(leg.departure, base), alight_stop=leg.to_name,
                    alight_s=_secs(leg.arrival, base), stops=int(leg.stops or 0), wait_s=wait)
        return legs

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
        stops, secs = self.walk_stops(ctx.o, ctx.params)
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
        if not ctx.o.on(BIKE):
            raise NoRoute(Msg("plan.outside_data", side="origin", mode=BIKE, km=f"{ctx.o.snap_m[BIKE] / 1000:.1f}"))
        stops, secs = self.stop_access(ctx.o, BIKE, p.max_bike_access_s)
        if not len(stops):
            raise NoRoute(Msg("plan.no_stop_bike"))

        def legs(stop: int, board_s: float) -> list[Leg]:
            place = self._stop_place(stop)
            leg = self.route_leg(BIKE, ctx.o.place, place, 0.0, ctx.base, a_end=ctx.o, extra_s=p.bike_park_s)
            return [_shift_leg(leg, board_s - _secs(leg.arrival, ctx.base))]

        it = self._transit_core(ctx, stops, secs + p.bike_park_s, "bike_transit", legs)
        if not any(leg.mode == BIKE for leg in it.legs):
            raise NoRoute(Msg("plan.bike_adds_nothing"))
        return it

    def _plan_park_ride(self, ctx: _Ctx) -> Itinerary:
        p = ctx.params
        prs = self.network.points.get("park_ride")
        if prs is None or not len(prs):
            raise NoRoute(Msg("plan.no_park_ride"))
        if not ctx.o.on(CAR):
            raise NoRoute(Msg("plan.outside_data", side="origin", mode=CAR, km=f"{ctx.o.snap_m[CAR] / 1000:.1f}"))
        car = self.tree(CAR, ctx.o, cutoff=p.max_car_access_s)
        node_car, node_walk = prs["node_car"].to_numpy(), prs["node_walk"].to_numpy()
        ok = (node_car >= 0) & (node_walk >= 0)
        conn_car = linking.connector_s(prs["snap_car_m"].to_numpy(float), CAR)
        conn_walk = linking.connector_s(prs["snap_walk_m"].to_numpy(float), WALK)
        t_car = np.where(ok, car.travel_time_s[np.where(ok, node_car, 0)] + conn_car + p.car_park_s, math.inf)
        cand = np.flatnonzero(ok & np.isfinite(t_car))
        if not len(cand):
            raise NoRoute(Msg("plan.no_park_ride_reach"))
        walk = self.network.graphs[WALK]
        wtree = multi_source(walk, node_walk[cand], t_car[cand] + conn_walk[cand],
                             cutoff=p.max_car_access_s + 600, weight="travel_time_s")
        sl = self._stop_links(WALK)
        t_stop = np.where(sl.linked, wtree.travel_time_s[np.where(sl.linked, sl.node, 0)] + sl.seconds, math.inf)
        stops = np.flatnonzero(np.isfinite(t_stop) & (t_stop - t_car.min() <= 600))
        if not len(stops):
            raise NoRoute(Msg("plan.no_stop_park_ride"))

        def legs(stop: int, board_s: float) -> list[Leg]:
            path_w = wtree.path_to(int(sl.node[stop]))
            k = int(cand[path_w.root])
            pr = prs.iloc[k]
            pr_place = Place(str(pr["name"]), "parking", float(pr["lon"]), float(pr["lat"]), str(pr["point_id"]))
            leg1 = self.street_leg(CAR, ctx.o.place, pr_place, car.path_to(int(pr["node_car"])), 0.0, ctx.base,
                                   conn_a=self._point_conn(CAR, ctx.o.snap_m[CAR]),
                                   conn_b=self._point_conn(CAR, float(pr["snap_car_m"])), extra_s=p.car_park_s)
            leg2, _ = self.walk_between(pr_place, self._stop_place(stop), _secs(leg1.arrival, ctx.base), ctx.base)
            shift = board_s - _secs(leg2.arrival, ctx.base)
            return [_shift_leg(leg1, shift), _shift_leg(leg2, shift)]

        return self._transit_core(ctx, stops, t_stop[stops], "park_ride", legs)

    def _plan_carpool(self, ctx: _Ctx) -> list[Itinerary]:
        p = ctx.params
        if p.carpool_partner is None:
            raise NoRoute(Msg("plan.carpool_partner"))
        places = self.network.points.get("carpool")
        if places is None or not len(places):
            raise NoRoute(Msg("plan.no_carpool_place"))
        partner = self._end(Place("passager / passenger", "coordinates", *p.carpool_partner))
        for who, end in (("origin", ctx.o), ("passenger", partner), ("destination", ctx.d)):
            if not end.on(CAR):
                raise NoRoute(Msg("plan.outside_data", side=who, mode=CAR, km=f"{end.snap_m[CAR] / 1000:.1f}"))
        t_drv = self.tree(CAR, ctx.o)
        t_pas = self.tree(CAR, partner)
        t_dst = self.tree(CAR, ctx.d, reverse=True)
        nodes = places["node_car"].to_numpy()
        ok = nodes >= 0
        safe = np.where(ok, nodes, 0)
        conn = linking.connector_s(places["snap_car_m"].to_numpy(float), CAR)
        meet = np.maximum(t_drv.travel_time_s[safe], t_pas.travel_time_s[safe]) + conn + p.carpool_wait_s
        total = np.where(ok, meet + t_dst.travel_time_s[safe] + conn, math.inf)
        if not np.isfinite(total).any():
            raise NoRoute(Msg("plan.no_carpool_reach"))
        k = int(np.argmin(total))
        row = places.iloc[k]
        m = Place(str(row["name"]) or "aire de covoiturage", "carpool", float(row["lon"]), float(row["lat"]),
                  str(row["point_id"]))
        meet_s = float(meet[k])
        car = self.network.graphs[CAR]
        ride_path = one_to_one(car, int(nodes[k]), ctx.d.node[CAR], weight="travel_time_s")
        m_conn = self._point_conn(CAR, float(row["snap_car_m"]))
        out = []
        for label, end, tree in (("carpool", ctx.o, t_drv), ("carpool_passenger", partner, t_pas)):
            leg1 = self.street_leg(CAR, end.place, m, tree.path_to(int(nodes[k])), 0.0, ctx.base,
                                   conn_a=self._point_conn(CAR, end.snap_m[CAR]), conn_b=m_conn)
            leg1 = _shift_leg(leg1, meet_s - p.carpool_wait_s - _secs(leg1.arrival, ctx.base))
            wait = _leg(WAIT, m.name, m.name, ctx.base, _secs(leg1.arrival, ctx.base), meet_s, 0.0,
                        [(m.lon, m.lat)])
            wait.steps = [Msg("itin.step.meet", place=m.name)]
            ride = self.street_leg(CAR, m, ctx.d.place, ride_path, meet_s, ctx.base, conn_a=m_conn,
                                   conn_b=self._point_conn(CAR, ctx.d.snap_m[CAR]), extra_s=p.car_park_s,
                                   co2_mode=CARPOOL)
            ride.mode = CARPOOL
            legs = _drop_empty([leg1, wait, ride])
            places_n = int(row["places"]) if np.isfinite(row["places"]) else "?"
            out.append(Itinerary(label, legs, notes=_notes([Msg("plan.carpool_meet", place=m.name,
                                                                    places=places_n)], legs)))
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
        for side, end in (("origin", ctx.o), ("destination", ctx.d)):
            if not end.on(CAR):
                raise NoRoute(Msg("plan.outside_data", side=side, mode=ECAR, km=f"{end.snap_m[CAR] / 1000:.1f}"))
        chargers = self.network.points.get("charger")
        car = self.network.graphs[CAR]
        if chargers is not None and len(chargers):
            ch = chargers[chargers["node_car"].to_numpy() >= 0].reset_index(drop=True)
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
            to_dest = multi_source(car.reversed(), [ctx.d.node[CAR]], [0.0], weight="travel_time_s")
            plan = plan_ev_trip(origin_node=ctx.o.node[CAR], dest_node=ctx.d.node[CAR], charger_nodes=ch_nodes,
                                charger_kw=ch_kw, drive_from=drive_from, params=p.ev(),
                                remaining_s=to_dest.travel_time_s)
        except NoEVRoute as exc:
            raise NoRoute(Msg("plan.ev", why=exc.args[0] if exc.args else str(exc))) from None
        legs: list[Leg] = []
        t = 0.0
        prev_place, prev_node = ctx.o.place, ctx.o.node[CAR]
        prev_conn = self._point_conn(CAR, ctx.o.snap_m[CAR])
        stops = list(plan.stops)
        for i, node in enumerate(plan.route_nodes[1:], start=1):
            last = i == len(plan.route_nodes) - 1
            if last:
                place, conn = ctx.d.place, self._point_conn(CAR, ctx.d.snap_m[CAR])
            else:
                row = ch.iloc[stops[i - 1].charger]
                place = Place(str(row["name"]), "charger", float(row["lon"]), float(row["lat"]), str(row["point_id"]))
                conn = self._point_conn(CAR, float(row["snap_car_m"]))
            path = trees[prev_node].path_to(node) if prev_node in trees else \
                one_to_one(car, prev_node, node, weight="travel_time_s")
            leg = self.street_leg(CAR, prev_place, place, path, t, ctx.base, conn_a=prev_conn, conn_b=conn,
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
                charge.notes.append(Msg("plan.charge", kwh=f"{stop.energy_kwh:.1f}",
                                        kw=f"{float(crow['power_kw']):.0f}",
                                        assumed="" if known else " (?)", soc_in=f"{stop.soc_in:.0%}",
                                        soc_out=f"{stop.soc_out:.0%}"))
                charge.steps = list(charge.notes)
                legs.append(charge)
                t += stop.charge_s
            prev_place, prev_node, prev_conn = place, node, conn
        notes = [Msg("plan.battery", soc=f"{plan.soc_end:.0%}")]
        return ctx.shift(Itinerary(ECAR, legs, notes=_notes(notes, legs)))


def _approx_arcs(planner: Planner, mode: str) -> np.ndarray:
    """Per arc of the mode's layer: its street edge is marked approximate (a bus-only road)."""
    g, edges = planner.network.graphs[mode], planner.network.streets.edges
    flag = edges["approximate"].to_numpy(bool) if "approximate" in edges else np.zeros(len(edges), bool)
    return flag[g.edge_row] if len(flag) else np.zeros(g.n_arcs, bool)


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


#: Every mode of :data:`MODES` and the method of :class:`Planner` that plans it: a request context in,
#: an itinerary out (carpool: one per traveller), :class:`NoRoute` with the reason when the mode
#: cannot serve the request.
MODE_PLANS: dict[str, Callable[[Planner, _Ctx], Itinerary | list[Itinerary]]] = {
    WALK: Planner._plan_walk,
    BIKE: Planner._plan_bike,
    BIKESHARE: Planner._plan_bikeshare,
    TRANSIT: Planner._plan_transit,
    "bike_transit": Planner._plan_bike_transit,
    "park_ride": Planner._plan_park_ride,
    CARPOOL: Planner._plan_carpool,
    CAR: Planner._plan_car,
    ECAR: Planner._plan_ecar,
}


# -- small helpers ------------------------------------------------------------------------------

def _long_walks(first: Leg, last: Leg, max_walk_s: float, key: str) -> list[str]:
    """Notes for the walks to the first and from the last vehicle longer than ``max_walk_s``."""
    out = []
    for side, leg in (("origin", first), ("destination", last)):
        if leg.mode == WALK and leg.duration_s > max_walk_s + 30:  # the legs round to the second
            out.append(Msg(f"{key}.{side}", minutes=f"{leg.duration_s / 60:.0f}"))
    return out


def _notes(first: list[str], legs: list[Leg]) -> list[str]:
    """``first`` then the legs' notes, each once, in order."""
    return list(dict.fromkeys([*first, *(n for leg in legs for n in leg.notes)]))


def _merge_rides(legs: list[Leg]) -> list[Leg]:
    """Consecutive rides on the same trip, or on the same line through the stop where one ends and
    the next starts, as one leg (staying on board is no transfer)."""
    out: list[Leg] = []
    for leg in legs:
        prev = out[-1] if out else None
        if (prev is not None and leg.mode == TRANSIT and prev.mode == TRANSIT
                and (leg.trip_id == prev.trip_id
                     or (leg.route == prev.route and leg.from_stop_id == prev.to_stop_id))):
            prev.arrival, prev.to_name, prev.to_stop_id = leg.arrival, leg.to_name, leg.to_stop_id
            prev.geometry = prev.geometry + leg.geometry[1:]
            prev.distance_m = round(prev.distance_m + leg.distance_m, 1)
            prev.co2_g = round(prev.co2_g + leg.co2_g, 1)
            prev.stops = (prev.stops or 0) + (leg.stops or 0)
            prev.notes = list(dict.fromkeys([*prev.notes, *leg.notes]))
            continue
        out.append(leg)
    return out


def _same_rides(a: Itinerary, b: Itinerary) -> bool:
    return [leg.trip_id for leg in a.legs if leg.mode == TRANSIT] == \
        [leg.trip_id for leg in b.legs if leg.mode == TRANSIT]


def _secs(t: dt.datetime, base: dt.datetime) -> float:
    return (t - base).total_seconds()


def _leg(mode: str, a: str, b: str, base: dt.datetime, dep_s: float, arr_s: float, distance_m: float,
         coords: Any, *, co2_mode: str | None = None, co2_g_per_km: float | None = None) -> Leg:
    rate = co2_g_per_km if co2_g_per_km is not None else costs.co2_g_per_km(co2_mode or mode)
    geometry = [tuple(xy) for xy in np.round(np.asarray(coords, dtype=float).reshape(-1, 2), 6).tolist()]
    return Leg(mode=mode, from_name=a, to_name=b, departure=base + dt.timedelta(seconds=round(dep_s)),
               arrival=base + dt.timedelta(seconds=round(arr_s)), distance_m=round(float(distance_m), 1),
               geometry=geometry, co2_g=round(rate * distance_m / 1000, 1))


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


def _polyline_m(coords: list[tuple[float, float]]) -> float:
    if len(coords) < 2:
        return 0.0
    return line_length_m(coords)
