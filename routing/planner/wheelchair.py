"""Trips for wheelchair users: the planner on the profile's network, its notes and its reasons.

``Planner.plan(..., params=PlanParams(wheelchair=True))`` comes here. The trip is planned by
the same :class:`~routing.planner.planner.Planner` on :func:`routing.network.wheelchair.wheelchair_network`
(the walk layer rolled at 0.8 m/s with steps closed; boarding and alighting only at accessible
stops of accessible routes), with the profile's caps on the roll to and from stops. Only the
roll-only (``walk``) and ``transit`` modes are planned (bike, car and bike share are not a
wheelchair user's), and the result says so when others were asked for.

What is added to the answer:

* a note with the profile's rules (unknown accessibility counts as not accessible), and the
  number of stops without information when there are some;
* on each transit leg, a note that its boarding and alighting stops and its line are
  accessible (the stop ids filled in when the leg has none);
* when transit finds nothing, the reason names the end with no accessible stop within reach
  (``wheelchair.no_stop_origin`` / ``.no_stop_destination``, with the place's name), or says
  that no trip by accessible stops exists at that time (``wheelchair.no_trip``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from routing.messages import Msg
from routing.network.wheelchair import WHEELCHAIR, WheelchairProfile, wheelchair_network
from routing.places import PlaceNotFound
from routing.transit.accessible import accessible_stops

TRANSIT, WALK = "transit", "walk"
#: the modes planned for a wheelchair user
WHEELCHAIR_MODES = (WALK, TRANSIT)


def profile_planner(planner: Any, profile: WheelchairProfile = WHEELCHAIR) -> Any:
    """The planner on ``planner``'s network as a wheelchair user travels it (kept by ``planner``)."""
    cache = planner.__dict__.setdefault("_wheelchair_planners", {})
    if profile not in cache:
        cache[profile] = type(planner)(wheelchair_network(planner.network, profile))
    return cache[profile]


def profile_params(params: Any, profile: WheelchairProfile = WHEELCHAIR) -> Any:
    """``params`` with the profile's caps (never longer than asked) and ``wheelchair`` cleared."""
    return replace(params, wheelchair=False, max_walk_s=min(params.max_walk_s, profile.max_access_s),
                   max_long_walk_s=min(params.max_long_walk_s, profile.max_long_access_s),
                   max_walk_trip_s=min(params.max_walk_trip_s, profile.max_trip_s))


def plan_wheelchair(planner: Any, origin: Any, destination: Any, when: dt.datetime, *, arrive_by: bool,
                    modes: Sequence[str], params: Any, profile: WheelchairProfile = WHEELCHAIR) -> Any:
    """The wheelchair answer to a request (see the module docstring); a PlanResult."""
    inner = profile_planner(planner, profile)
    p = profile_params(params, profile)
    kept = [m for m in modes if m in WHEELCHAIR_MODES] or list(WHEELCHAIR_MODES)
    result = inner.plan(origin, destination, when, arrive_by=arrive_by, modes=kept, params=p)
    tt = inner.tt
    notes: list[str] = [Msg("wheelchair.profile", minutes=f"{p.max_walk_s / 60:.0f}")]
    unknown = int((tt.stop_wheelchair == 0).sum())
    if unknown:
        notes.append(Msg("wheelchair.unknown_stops", n=unknown))
    if set(modes) - set(WHEELCHAIR_MODES):
        notes.append(Msg("wheelchair.modes"))
    base = dt.datetime.combine(inner.network.day, dt.time())
    for it in result.itineraries:
        for leg in it.legs:
            if leg.mode == TRANSIT:
                _mark_leg(tt, leg, base)
    result.notes = [*notes, *result.notes]
    if TRANSIT in kept and TRANSIT in result.reasons:
        why = _no_transit_reason(inner, origin, destination, p)
        result.reasons[TRANSIT] = why
        if not result.itineraries:
            result.reason = "; ".join(f"{m}: {r}" for m, r in result.reasons.items()) if len(result.reasons) > 1 \
                else why
    return result


def _mark_leg(tt: Any, leg: Any, base: dt.datetime) -> None:
    """Fill the leg's stop ids (from its trip and times) and say its stops and line are accessible."""
    if leg.from_stop_id is None or leg.to_stop_id is None:
        board, alight = leg_stops(tt, leg.trip_id, (leg.departure - base).total_seconds(),
                                  (leg.arrival - base).total_seconds())
        if board >= 0:
            leg.from_stop_id, leg.to_stop_id = str(tt.stop_ids[board]), str(tt.stop_ids[alight])
    leg.notes.append(Msg("wheelchair.leg_accessible", board=leg.from_name, alight=leg.to_name,
                         route=leg.route or ""))


def leg_stops(tt: Any, trip_id: str | None, dep_s: float, arr_s: float) -> tuple[int, int]:
    """(boarding stop, alighting stop) indices of a ride on ``trip_id`` leaving at ``dep_s`` and
    arriving at ``arr_s`` (seconds of the service day); (-1, -1) when not found."""
    if trip_id is None:
        return -1, -1
    trips = np.asarray(tt.trip_indices(trip_id), dtype=np.int64)
    on = np.isin(tt.trip, trips)
    dep = np.flatnonzero(on & (tt.dep_time == int(round(dep_s))))
    arr = np.flatnonzero(on & (tt.arr_time == int(round(arr_s))))
    if not len(dep) or not len(arr):
        return -1, -1
    return int(tt.dep_stop[dep[0]]), int(tt.arr_stop[arr[-1]])


def served_accessible_stops(tt: Any) -> np.ndarray:
    """bool (n_stops): accessible stops where an accessible vehicle stops that day (``tt``: the
    profile's timetable)."""
    served = np.zeros(tt.n_stops, dtype=bool)
    served[tt.dep_stop] = True
    served[tt.arr_stop] = True
    return served & accessible_stops(tt)


def _no_transit_reason(inner: Any, origin: Any, destination: Any, p: Any) -> Msg:
    """Why transit found nothing: the end with no accessible stop within the longest roll tried."""
    ok = served_accessible_stops(inner.tt)
    minutes = f"{max(p.max_walk_s, p.max_long_walk_s) / 60:.0f}"
    try:
        ends = [(side, inner._end(inner.resolve_place(where)))
                for side, where in (("origin", origin), ("destination", destination))]
    except PlaceNotFound:
        return Msg("wheelchair.no_trip")
    for side, end in ends:
        stops, _ = inner.stop_access(end, WALK, max(p.max_walk_s, p.max_long_walk_s))
        if not ok[np.asarray(stops, dtype=np.int64)].any():
            return Msg(f"wheelchair.no_stop_{side}", minutes=minutes, place=end.place.name)
    return Msg("wheelchair.no_trip")
