"""The one translation catalogue (sources.i18n): both languages for every key, one fallback rule,
the planner's messages and the dashboard's labels rendered by the same function."""

from __future__ import annotations

import ast
import copy
import pickle
import string
from pathlib import Path

import pytest

from routing.messages import Msg, render
from sources.i18n import CATALOGUE, DEFAULT_LANGUAGE, LANGUAGES, known, translate

ROOT = Path(__file__).resolve().parents[2]


def _fields(template: str) -> set[str]:
    return {f.split(".")[0].split("[")[0] for _, f, _, _ in string.Formatter().parse(template) if f}


def test_every_key_has_both_languages() -> None:
    assert LANGUAGES == ("fr", "en") and DEFAULT_LANGUAGE == "fr"
    incomplete = sorted(k for k, v in CATALOGUE.items() if set(v) != set(LANGUAGES) or not all(v.values()))
    assert incomplete == []


def test_both_languages_take_the_same_parameters() -> None:
    differ = {k: (v["fr"], v["en"]) for k, v in CATALOGUE.items() if _fields(v["fr"]) != _fields(v["en"])}
    assert differ == {}


def test_the_fallback_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    assert translate("app.title", "en") == "Getting around Rennes"
    assert translate("app.title") == translate("app.title", "fr") == "Mobilité à Rennes"
    assert translate("app.title", "de") == "Mobilité à Rennes"  # a language not in the catalogue: French
    monkeypatch.setitem(CATALOGUE, "test.only_fr", {"fr": "seulement {n}"})
    assert translate("test.only_fr", "en", n=2) == "seulement 2"  # a template missing: French
    assert translate("no.such.key", "en") == "no.such.key" and not known("no.such.key")  # the key, visible
    assert translate("planner.min", "fr") == "{m} min"  # no parameters: the template as it is
    assert translate("planner.min", "fr", other=1) == "{m} min"  # fields not all given: unformatted
    assert translate("planner.min", "en", m=7, unused="x") == "7 min"


def test_planner_messages_render_through_the_catalogue() -> None:
    msg = Msg("plan.outside_data", side="origin", mode="bike", km="2.5")
    assert msg == "the origin lies outside the offline street data (by bike): the nearest road is 2.5 km away"
    assert msg.render("fr") == render(msg, "fr") == (
        "le départ est hors des données de rues hors ligne (à vélo) : la route la plus proche est à 2,5 km")
    assert render(msg, "de") == render(msg, "fr")  # the one fallback rule
    assert Msg("plan.no_path", mode="boat").render("fr") == "pas de chemin boat entre ces lieux sur le réseau de rues"
    assert render("plain text", "en") == "plain text"
    assert copy.deepcopy(msg).render("fr") == pickle.loads(pickle.dumps(msg)).render("fr") == msg.render("fr")
    with pytest.raises(KeyError):
        Msg("no.such.message")


def test_message_parameters_are_rendered_in_the_readers_language() -> None:
    too_long = Msg("plan.too_long", hours="4.1", mode="walk", cap=3)
    assert too_long.render("fr") == "4,1 h à pied : plus que les 3 h proposées pour ce mode"
    assert too_long.render("en") == str(too_long) == "4.1 h on foot: longer than the 3 h offered for this mode"
    assert Msg("plan.battery", soc="85%").render("fr") == "batterie à 85\u00a0% à l'arrivée"
    assert Msg("plan.other_day", day="2011-11-15", time="08:00").render("fr").startswith("horaires du 15 novembre 2011")
    both = Msg("plan.reasons", reasons=[Msg("plan.mode_reason", mode_name="walk", reason=Msg("plan.no_path", mode="walk")),
                                        Msg("plan.mode_reason", mode_name="car", reason=Msg("plan.no_mode"))])
    assert both.render("fr") == ("Marche : pas de chemin à pied entre ces lieux sur le réseau de rues ; "
                                 "Voiture : aucun mode demandé")
    assert both.render("en").startswith("Walk: no path on foot")
    # a place typed is shown as typed, its reason in the reader's language
    assert Msg("place.not_found", text="1.5").render("fr") == "aucun lieu ne correspond à « 1.5 »"


def test_no_english_reason_escapes_a_place_search() -> None:
    from routing.places import PlaceNotFound

    exc = PlaceNotFound("xyzzy", [])
    assert str(exc) == "no place matches 'xyzzy'"
    assert exc.msg.render("fr") == "aucun lieu ne correspond à « xyzzy »"
    assert PlaceNotFound("95,1", [], reason="out of range").msg.render("fr").startswith("« 95,1 » n'est pas une position")


def _literal_keys() -> dict[str, set[str]]:
    """Keys written as literals in the dashboard and routing: ``t("k")``, ``translate("k", ...)``,
    ``ui.say(kind, "k")``, ``text_key="k"``, ``caption_key="k"``, ``Msg("k", ...)``."""
    keys: dict[str, set[str]] = {}
    for path in [*(ROOT / "dashboard").rglob("*.py"), *(ROOT / "routing").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            pos = {"t": 0, "translate": 0, "tr": 0, "say": 1, "Msg": 0, "plural": 0}.get(func)
            args = [node.args[pos]] if pos is not None and len(node.args) > pos else []
            args += [k.value for k in node.keywords if k.arg in ("text_key", "caption_key", "label_key")]
            for arg in args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    keys.setdefault(arg.value, set()).add(str(path.relative_to(ROOT)))
    return keys


def test_every_key_the_code_names_is_in_the_catalogue() -> None:
    from dashboard import maps

    keys = _literal_keys()
    assert len(keys) > 200  # the scan finds them
    for spec in maps.LAYERS.values():
        for key in (spec.label_key, *(k for _, k in spec.legend), *spec.attribution_keys):
            keys.setdefault(key, set()).add(f"maps.LAYERS[{spec.id}]")
    assert {k: v for k, v in keys.items() if not (known(k) or known(f"{k}.other"))} == {}


def test_numbers_dates_and_plurals_in_each_language_format():
    from datetime import date

    from sources import i18n

    nbsp_narrow = "\u202f"
    assert i18n.format_number(226011.6, "fr") == f"226{nbsp_narrow}012"
    assert i18n.format_number(226011.6, "en") == "226,012"
    assert i18n.format_number(0.834, "fr", 2) == "0,83"
    assert i18n.format_number(float("nan"), "fr") == "—" and i18n.format_number(None, "en") == "—"
    assert i18n.format_percent(0.834, "fr") == "83\u00a0%" and i18n.format_percent(0.834, "en", 1) == "83.4%"
    assert i18n.format_money(1.7, "fr") == "1,70\u00a0€" and i18n.format_money(1.7, "en") == "€1.70"
    assert i18n.format_date(date(2011, 11, 15), "fr") == "15 nov. 2011"
    assert i18n.format_date(date(2011, 11, 15), "en") == "15 Nov 2011"
    assert i18n.format_distance(1530, "fr") == "1,5 km" and i18n.format_distance(850, "en") == "850 m"
    assert [i18n.plural("unit.departures", n, "fr") for n in (0, 1, 2)] == ["0 passage", "1 passage", "2 passages"]
    assert [i18n.plural("unit.departures", n, "en") for n in (0, 1, 2)] == [
        "0 departures", "1 departure", "2 departures"]
    assert i18n.plural("unit.trips", 41736, "fr") == f"41{nbsp_narrow}736 trajets"
