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
    """Keys written as literals in the dashboard, routing and sources: ``t("k")``, ``translate("k", ...)``,
    ``ui.say(kind, "k")``, ``text_key="k"``, ``caption_key="k"``, ``Msg("k", ...)``."""
    keys: dict[str, set[str]] = {}
    for path in [*(ROOT / "dashboard").rglob("*.py"), *(ROOT / "routing").rglob("*.py"), *(ROOT / "sources").rglob("*.py")]:
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


def _calls(folder: str) -> list[tuple[Path, ast.Call, str]]:
    out = []
    for path in (ROOT / folder).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                out.append((path, node, func))
    return out


def test_every_finding_of_sources_is_a_message_with_its_reason_named() -> None:
    """A loader's finding is a Msg (never an English text), its code has words (reason.<code>), and
    every Msg of sources and routing gives exactly the parameters its templates name."""
    texts, codes, wrong_params = [], set(), []
    for path, node, func in _calls("sources"):
        where = f"{path.relative_to(ROOT)}:{node.lineno}"
        args = [node.args[1]] if func in ("quarantine", "notice") and len(node.args) > 1 else []
        args += [node.args[4]] if func in ("_drop", "_quarantine") and len(node.args) > 4 else []
        args += [k.value for k in node.keywords if k.arg == "message" and func == "quarantine_mask"]
        texts += [where for a in args if isinstance(a, (ast.Constant, ast.JoinedStr, ast.BinOp))]
        found = [k.value for k in node.keywords if k.arg == "code"]
        found += [node.args[0]] if func in ("quarantine", "notice") and node.args else []
        found += [node.args[3]] if func in ("_drop", "_quarantine") and len(node.args) > 3 else []
        codes |= {c.value for c in found if isinstance(c, ast.Constant)}
    for path, node, func in _calls("sources") + _calls("routing") + _calls("dashboard"):
        if func != "Msg" or not node.args or not isinstance(node.args[0], ast.Constant):
            continue
        if any(k.arg is None for k in node.keywords):  # **params: checked by rendering below
            continue
        given = {k.arg for k in node.keywords}
        key = node.args[0].value
        if known(key) and given != _fields(CATALOGUE[key]["fr"]):
            wrong_params.append(f"{path.relative_to(ROOT)}:{node.lineno} {key} {sorted(given)}")
    assert texts == []
    assert len(codes) > 50  # the scan finds them
    codes |= {"stop_time_with_arrival_before_previous_departure_time", "missing_geometry", "invalid_geometry"}
    assert sorted(c for c in codes if not known(f"reason.{c}")) == []
    assert wrong_params == []


def test_keys_built_from_names_exist() -> None:
    from sources.budgets import DEFAULTS
    from sources.validate import area_params

    assert [n for n in DEFAULTS if not (known(f"budget.{n}") and known(f"budget.{n}.unit"))] == []
    assert known("finding.accessibility_unknown_stops") and known("finding.accessibility_unknown_routes")
    area = Msg("finding.outside_area", **area_params((-1.96, 47.95, -1.45, 48.26)))
    assert area.render("fr") == "point hors de la zone attendue (longitude -1,96 à -1,45, latitude 47,95 à 48,26)"


def test_a_report_renders_its_findings_in_each_language_and_keeps_them_in_json() -> None:
    from sources.traces.load import load_traces_csv
    from sources.validate import Report, reason_name

    data = b"id,y,x,t\nu,48.11,-1.68,2024-03-01T08:00\nu,48.12,-1.67,nope\nu,abc,-1.66,2024-03-01T08:02\n" \
           b"u,48.13,-1.65,2024-03-01T08:03\n"
    report = load_traces_csv(data, name="up.csv", user="id", lat="y", lon="x", time="t").report
    rows = {(n.row, n.field, n.code): n.message for n in report.quarantined}
    assert rows[(2, "t", "invalid_time")].render("fr") == "heure illisible"
    assert rows[(3, "y", "invalid_float")].render("en") == "not a number"
    assert reason_name("invalid_time", "fr") == "heure invalide" and reason_name("no_such_code", "fr") == "no_such_code"
    back = Report.from_dict(report.to_dict())
    assert [n.message.render("fr") for n in back.quarantined] == [n.message.render("fr") for n in report.quarantined]
    assert report.to_dict()["quarantined_rows"][0]["key"] == "finding.time_unreadable"


def test_an_unusable_upload_is_told_in_the_readers_language_with_file_row_and_field() -> None:
    from sources import UnusableInputError
    from sources.traces.load import load_traces_csv

    with pytest.raises(UnusableInputError) as err:
        load_traces_csv(b"user_id,lat,lon,time\nu,x,y,z\n", name="bad.csv")
    assert str(err.value).startswith("no usable trace point (1 row set aside: invalid time × 1)")
    assert err.value.render("fr") == ("aucun point de trace utilisable (1 ligne écartée : heure invalide × 1) "
                                      "(fichier bad.csv)")
    with pytest.raises(UnusableInputError) as err:
        load_traces_csv(b"user_id,lat,lon\nu,48.1,-1.6\n", name="t.csv")
    assert err.value.render("fr").startswith("colonne « time » absente (colonnes du fichier : user_id, lat, lon)")
    assert err.value.render("fr").endswith("(fichier t.csv, champ « time »)")
    assert "au-delà de la limite de 50 octets" in _budget_error().render("fr")


def _budget_error() -> Exception:
    from sources import UnusableInputError
    from sources.traces.load import load_traces_csv

    try:
        load_traces_csv(b"user_id,lat,lon,time\n" + b"u,48.1,-1.6,2024-01-01\n" * 10, max_bytes=50)
    except UnusableInputError as exc:
        return exc
    raise AssertionError("the budget let a file through")
