"""Messages the planner writes for people: notes and "no route" reasons, as keys with parameters.

A :class:`Msg` is a ``str`` (its English text, for command lines, logs and JSON) that also
carries its ``key`` and ``params``, so that the dashboard renders it in the reader's
language (:func:`render`). :data:`CATALOGUE` holds every key in French first, then English.
"""

from __future__ import annotations

from typing import Any

#: key -> {"fr": template, "en": template}; templates use str.format with the params
CATALOGUE: dict[str, dict[str, str]] = {
    "plan.unknown_modes": {"fr": "mode(s) inconnu(s) : {modes} ; choisir parmi {choices}",
                           "en": "unknown mode(s): {modes}; choose among {choices}"},
    "plan.no_mode": {"fr": "aucun mode demandé", "en": "no mode asked for"},
    "plan.other_day": {"fr": "horaires du {day} (jour de service du réseau) à {time}",
                       "en": "timetable of {day} used (the service day of the network) at {time}"},
    "plan.too_long": {"fr": "{hours} h en {mode} : plus que les {cap} h proposées pour ce mode",
                      "en": "{hours} h by {mode}: longer than the {cap} h offered for this mode"},
    "plan.outside_data": {
        "fr": "{side_fr} hors des données de rues hors ligne ({mode_fr}) : la route la plus proche est à {km} km",
        "en": "the {side} lies outside the offline street data ({mode}): the nearest road is {km} km away"},
    "plan.no_path": {"fr": "pas de chemin {mode_fr} entre ces lieux sur le réseau de rues",
                     "en": "no {mode} path on the street network between these places"},
    "plan.straight_line": {
        "fr": "tracé approché : ligne droite x {factor} (aucune rue des données entre ces lieux)",
        "en": "approximate: straight line x {factor} (no street of the data between these places)"},
    "plan.connector": {
        "fr": "tracé approché : {km} km en ligne droite x {factor} jusqu'à la rue la plus proche",
        "en": "approximate: {km} km in a straight line x {factor} to the nearest street"},
    "plan.bus_roads": {"fr": "tracé approché d'après les lignes de bus (rues absentes des données)",
                       "en": "approximate route drawn from the bus lines (streets missing from the data)"},
    "plan.walking_faster": {"fr": "marcher est plus rapide ({minutes} min à pied)",
                            "en": "walking is faster ({minutes} min on foot)"},
    "plan.no_station": {"fr": "aucune station de vélos en libre-service dans le réseau",
                        "en": "no bike-share station in the network"},
    "plan.no_bikes": {"fr": "aucune station avec des vélos à moins de {minutes} min à pied du départ",
                      "en": "no station with bikes within {minutes} min walk of the origin"},
    "plan.no_docks": {"fr": "aucune station avec des places libres à moins de {minutes} min à pied de l'arrivée",
                      "en": "no station with free docks within {minutes} min walk of the destination"},
    "plan.no_bike_path_stations": {"fr": "pas de trajet à vélo entre les stations proches du départ et de l'arrivée",
                                   "en": "no bike path between stations near the origin and the destination"},
    "plan.same_station": {"fr": "la même station sert les deux bouts : marchez",
                          "en": "the same station serves both ends: walk instead"},
    "plan.availability_unknown": {"fr": "disponibilité des vélos et des places inconnue : vérifier à la station",
                                  "en": "bike and dock availability unknown: check at the station"},
    "plan.availability": {"fr": "{bikes} vélos à {a}, {docks} places libres à {b}",
                          "en": "{bikes} bikes at {a}, {docks} free docks at {b}"},
    "plan.no_stop_origin": {"fr": "aucun arrêt à portée du départ", "en": "no stop within reach of the origin"},
    "plan.no_stop_destination": {"fr": "aucun arrêt à moins de {minutes} min à pied de l'arrivée",
                                 "en": "no stop within {minutes} min walk of the destination"},
    "plan.no_transit_after": {"fr": "aucun bus ni métro n'atteint l'arrivée ce jour-là après cette heure",
                              "en": "no bus or metro reaches the destination that day after this time"},
    "plan.no_transit_before": {"fr": "aucun bus ni métro n'atteint l'arrivée à cette heure ce jour-là",
                               "en": "no bus or metro reaches the destination by that time that day"},
    "plan.no_stop_bike": {"fr": "aucun arrêt à courte distance à vélo du départ",
                          "en": "no stop within a short ride of the origin"},
    "plan.bike_adds_nothing": {"fr": "le vélo n'apporte rien à ce trajet en bus",
                               "en": "the bike adds nothing to this transit trip"},
    "plan.no_park_ride": {"fr": "aucun parc relais dans le réseau", "en": "no park-and-ride car park in the network"},
    "plan.no_park_ride_reach": {"fr": "aucun parc relais accessible en voiture",
                                "en": "no park-and-ride car park within reach by car"},
    "plan.no_stop_park_ride": {"fr": "aucun arrêt à moins de 10 min à pied d'un parc relais",
                               "en": "no stop within a 10 min walk of a park-and-ride car park"},
    "plan.carpool_partner": {"fr": "le covoiturage demande le point de départ du passager",
                             "en": "carpooling needs the passenger's starting point (carpool partner)"},
    "plan.no_carpool_place": {"fr": "aucune aire de covoiturage dans le réseau", "en": "no carpool place in the network"},
    "plan.no_carpool_reach": {"fr": "aucune aire de covoiturage accessible aux deux",
                              "en": "no carpool place reachable by both"},
    "plan.carpool_meet": {"fr": "rendez-vous à {place} ({places} places)", "en": "meet at {place} ({places} places)"},
    "plan.battery": {"fr": "batterie à {soc} à l'arrivée", "en": "battery {soc} on arrival"},
    "plan.charge": {"fr": "recharge de {kwh} kWh à {kw} kW{assumed} : {soc_in} -> {soc_out}",
                    "en": "charge {kwh} kWh at {kw} kW{assumed}: {soc_in} -> {soc_out}"},
    "plan.ev": {"fr": "voiture électrique : {why}", "en": "{why}"},
    "plan.real_time": {"fr": "temps réel : {stats}", "en": "real time: {stats}"},
    "note.metro_estimated": {  # scenarios: runs estimated from a frequency
        "fr": "horaires estimés à partir d'une fréquence (un passage toutes les {minutes} min), pas d'un horaire publié",
        "en": "times estimated from a frequency (one every {minutes} min), not a published timetable"},
    "place.not_found": {"fr": "aucun lieu ne correspond à « {text} »", "en": "no place matches '{text}'"},
}

_SIDE_FR = {"origin": "le départ est", "destination": "l'arrivée est", "passenger": "le passager est"}
_MODE_FR = {"walk": "à pied", "bike": "à vélo", "car": "en voiture", "bikeshare": "en vélo STAR",
            "transit": "en bus/métro", "ecar": "en voiture électrique"}


class Msg(str):
    """A message: its English text as a ``str``, with ``key`` and ``params`` for translation."""

    key: str
    params: dict[str, Any]

    def __new__(cls, key: str, **params: Any) -> Msg:
        if key not in CATALOGUE:
            raise KeyError(f"unknown message key {key!r}")
        params = _with_french(params)
        obj = super().__new__(cls, CATALOGUE[key]["en"].format(**params))
        obj.key = key
        obj.params = params
        return obj

    def render(self, lang: str = "fr") -> str:
        return render(self, lang)

    def __reduce__(self) -> tuple[Any, ...]:  # copy and pickle keep the key
        return (_rebuild, (self.key, self.params))


def _rebuild(key: str, params: dict[str, Any]) -> Msg:
    return Msg(key, **params)


def _with_french(params: dict[str, Any]) -> dict[str, Any]:
    out = dict(params)
    if "side" in out and "side_fr" not in out:
        out["side_fr"] = _SIDE_FR.get(str(out["side"]), str(out["side"]))
    if "mode" in out and "mode_fr" not in out:
        out["mode_fr"] = _MODE_FR.get(str(out["mode"]), str(out["mode"]))
    return out


def render(message: Any, lang: str = "fr") -> str:
    """The message in ``lang`` (fr or en); plain strings are returned as they are."""
    key = getattr(message, "key", None)
    if key is None or key not in CATALOGUE:
        return str(message)
    template = CATALOGUE[key].get(lang) or CATALOGUE[key]["en"]
    try:
        return template.format(**message.params)
    except (KeyError, IndexError, ValueError):
        return str(message)
