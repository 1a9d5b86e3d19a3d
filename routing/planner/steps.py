"""What to do, leg by leg: itinerary steps as messages (:class:`routing.messages.Msg`).

Street legs (walk, bike, bike share, car) say the streets followed, in order, each with its
distance: the arcs of the path are read with their street names (:meth:`ModeGraph.arc_street_names`),
consecutive arcs of one street become one run, then

* a run shorter than :data:`MIN_RUN_M` (a crossing, a bit of an unnamed link) is counted in the run
  before it (the first: the one after), so that the distances still add up to the leg's;
* a leg is told in at most :data:`MAX_STEPS` runs: beyond, the shortest named runs are counted
  in their neighbours the same way (main streets kept);
* an unnamed way is said generically ("une voie sans nom"); the parts drawn from the bus lines and
  the straight connectors to the nearest street are their own steps, said approximate.

Transit legs say the line and its direction, the stop boarded at and when, the wait before it
(from the previous leg's arrival, when a minute or more), the number of stops ridden and the stop
to get off at. Every step is a catalogue key (section "itinerary" of :mod:`sources.i18n`) whose
parameters are written in the reader's language when rendered (:class:`routing.messages.Fmt`): ``street``
(in French with its article, "la rue de Paris"), ``distance`` (:func:`sources.i18n.format_distance`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from routing.clock import format_clock
from routing.messages import Fmt, Msg

#: runs shorter than this (metres) are counted in the run before them
MIN_RUN_M = 25.0
#: a street leg is told in at most this many runs
MAX_STEPS = 8
#: a wait of at least this long (seconds) before boarding is said
MIN_WAIT_S = 60.0

#: French street types and their article: "Rue de Paris" -> "la rue de Paris"
_FRENCH_ARTICLES = {
    "rue": "la", "ruelle": "la", "route": "la", "rocade": "la", "place": "la", "promenade": "la",
    "voie": "la", "venelle": "la", "cité": "la", "résidence": "la", "piste": "la", "passerelle": "la",
    "porte": "la", "levée": "la", "digue": "la", "cour": "la", "sente": "la", "montée": "la",
    "côte": "la", "traverse": "la", "galerie": "la", "bretelle": "la", "villa": "la", "zone": "la",
    "boulevard": "le", "quai": "le", "chemin": "le", "square": "le", "mail": "le", "passage": "le",
    "cours": "le", "pont": "le", "parvis": "le", "sentier": "le", "carrefour": "le", "rond-point": "le",
    "contour": "le", "jardin": "le", "parc": "le", "faubourg": "le", "hameau": "le", "lieu-dit": "le",
    "tunnel": "le", "clos": "le", "domaine": "le", "giratoire": "le",
    "avenue": "l'", "allée": "l'", "impasse": "l'", "esplanade": "l'", "autoroute": "l'",
    "échangeur": "l'", "espace": "l'", "îlot": "l'",
}

def french_street(name: str) -> str:
    """``"Rue de Paris"`` -> ``"la rue de Paris"``; a name that does not start with a street type
    is kept as it is ("Les Champs Libres")."""
    first, _, rest = name.partition(" ")
    article = _FRENCH_ARTICLES.get(first.lower())
    if article is None:
        return name
    sep = "" if article.endswith("'") else " "
    return f"{article}{sep}{first.lower()}{(' ' + rest) if rest else ''}"


def _distance(metres: float) -> dict[str, Fmt]:
    m = float(metres)
    if m < 1000:  # "sur 300 m": tens of metres are what a walker can use
        m = max(10.0, round(m / 10.0) * 10.0)
    return {"distance": Fmt("distance", m)}


def _street(name: str) -> dict[str, Any]:
    if not name:
        return {"street": Msg("itin.street.unnamed")}
    return {"street": Fmt("words", {"fr": french_street(name), "en": name})}


def street_runs(names: Sequence[str], lengths: Sequence[float], approximate: Sequence[bool], *,
                start_m: float = 0.0, end_m: float = 0.0) -> list[tuple[str, float, bool]]:
    """The path's arcs (street name, metres, drawn from the bus lines) as runs (name, metres,
    approximate): consecutive arcs of one street together, short runs and, beyond
    :data:`MAX_STEPS`, the shortest named ones counted in their neighbours. ``start_m`` and
    ``end_m`` (exact connectors to the path) are counted in the first and last runs."""
    runs: list[list[Any]] = []
    for name, length, approx in zip(names, lengths, approximate, strict=True):
        key = ("" if approx else str(name), bool(approx))
        if runs and (runs[-1][0], runs[-1][2]) == key:
            runs[-1][1] += float(length)
        else:
            runs.append([key[0], float(length), key[1]])
    if not runs:
        return []
    runs[0][1] += start_m
    runs[-1][1] += end_m

    def absorb(i: int) -> None:
        j = i - 1 if i > 0 else i + 1
        runs[j][1] += runs[i][1]
        del runs[i]
        k = 1  # neighbours that became equal are one run again
        while k < len(runs):
            if (runs[k][0], runs[k][2]) == (runs[k - 1][0], runs[k - 1][2]):
                runs[k - 1][1] += runs[k][1]
                del runs[k]
            else:
                k += 1

    while len(runs) > 1:
        short = [i for i, r in enumerate(runs) if r[1] < MIN_RUN_M and not r[2]]
        if not short:
            break
        absorb(short[0])
    while len(runs) > MAX_STEPS:
        named = [i for i, r in enumerate(runs) if not r[2]]
        if not named:
            break
        absorb(min(named, key=lambda i: runs[i][1]))
    return [(str(n), float(m), bool(a)) for n, m, a in runs]


def street_steps(runs: Sequence[tuple[str, float, bool]], *, connector_start_m: float = 0.0,
                 connector_end_m: float = 0.0, factor: float = 1.0) -> list[Msg]:
    """Steps of a street leg: approximate connectors (metres, already times the detour
    ``factor``) at either end, then "Prendre X sur d", "puis Y sur d"..., bus-line parts said."""
    steps: list[Msg] = []
    if connector_start_m > 0:
        steps.append(Msg("itin.step.connector", factor=factor, **_distance(connector_start_m)))
    first = True
    for name, metres, approx in runs:
        if approx:
            steps.append(Msg("itin.step.bus_road", **_distance(metres)))
            continue
        steps.append(Msg("itin.step.start" if first else "itin.step.then", **_street(name), **_distance(metres)))
        first = False
    if connector_end_m > 0:
        steps.append(Msg("itin.step.connector_end", factor=factor, **_distance(connector_end_m)))
    return steps


def go_step(to: str, metres: float) -> Msg:
    """The step of a street leg too short to name a street (a stop's platform, a station)."""
    return Msg("itin.step.go", to=to, **_distance(metres))


def straight_step(to: str, metres: float, factor: float) -> Msg:
    """The step of a leg drawn as a straight line (no street of the data between its ends)."""
    return Msg("itin.step.straight", to=to, factor=factor, **_distance(metres))


def transit_steps(*, line: str, vehicle: str, headsign: str, board_stop: str, board_s: float,
                  alight_stop: str, alight_s: float, stops: int, wait_s: float) -> list[Msg]:
    """Steps of a transit leg: the wait (when a minute or more), boarding (the vehicle, "bus",
    "metro" or "tram", its line and direction, stop, time), getting off (stops ridden, stop, time)."""
    steps: list[Msg] = []
    if wait_s >= MIN_WAIT_S:
        steps.append(Msg("itin.step.wait", minutes=int(round(wait_s / 60.0)), stop=board_stop))
    kind = vehicle if vehicle in ("metro", "bus", "tram") else "line"
    steps.append(Msg(f"itin.step.board.{kind}", line=line, headsign=headsign or "?", stop=board_stop,
                     time=format_clock(board_s)))
    steps.append(Msg("itin.step.alight.one" if stops == 1 else "itin.step.alight.other", n=stops,
                     stop=alight_stop, time=format_clock(alight_s)))
    return steps


def render_steps(steps: Sequence[Any], lang: str = "fr") -> list[str]:
    """The steps as plain text in ``lang`` (command lines, JSON)."""
    from routing.messages import render

    return [render(s, lang) for s in steps]
