"""The transit pages (next departures, line explorer, a day of buses) through AppTest, on a real
planner over the tiny network of tests/planner_fixtures (4 stops, lines 1 and 2), plus their
pure helpers (share links with the language, board and timetable HTML escaping, animation page)."""

from __future__ import annotations

import json
from datetime import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import share, state
from dashboard.i18n import translate
from dashboard.services import transit
from routing import day_of_buses, departure_board, next_departures
from routing.planner.planner import Planner
from sources.i18n import plural
from tests.browser_helpers import small_loader

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
H8 = 8 * 3600


@pytest.fixture(scope="module")
def tiny_planner(tmp_path_factory):
    from tests.planner_fixtures import make_network

    return Planner(make_network(tmp_path_factory.mktemp("transit_net")))


@pytest.fixture()
def planner(tiny_planner):
    state.set_override("planner", lambda: tiny_planner)
    state.set_override("load_dataset", small_loader)
    yield tiny_planner
    state.clear_overrides()


def _page(path: str, lang: str = "fr", **query: str) -> AppTest:
    """The app opened on the planner, then on ``path`` with ``query`` as its link (AppTest runs a
    switched-to page on its own: the language the app reads from ``?lang=`` is set here)."""
    at = AppTest.from_file(APP, default_timeout=60).run()
    for k, v in query.items():
        at.query_params[k] = v
    at.session_state["lang"] = lang
    at.switch_page(path)
    return at.run()


def _markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_departures_page_from_a_link_with_language(planner):
    at = _page("pages/departures.py", stop="République", at="2024-03-05T08:00", lang="en")
    assert not at.exception and not at.error
    assert at.title[0].value == "Next departures"
    md = _markdown(at)
    assert "→ Clemenceau" in md and "now · 20 min" in md and "every 20 min" in md
    link = at.code[0].value
    assert "stop=R%C3%A9publique" in link and "lang=en" in link and "at=2024-03-05T08%3A00" in link


def test_lang_in_the_url_sets_the_language_once(planner):
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception and at.title[0].value == "Plan a trip"
    assert at.session_state["lang"] == "en" and at.query_params["lang"] in ("en", ["en"])


def test_departures_page_search_time_and_french(planner):
    at = _page("pages/departures.py")
    assert not at.exception and at.title[0].value == "Prochains passages"
    assert "→" not in _markdown(at)
    at.text_input(key="dep_q").input("gares").run()
    at.time_input(key="dep_time").set_value(time(8, 10)).run()
    assert not at.exception and not at.error
    # the map: every stop sent once as a file, the chosen one drawn over them, named, and shown
    found = [el for el in at.get("component_instance") if "deckmap" in el.proto.component_name]
    args = json.loads(found[0].proto.json_args)
    from dashboard import served

    every = json.loads(served.path_of(args["data_url"]).read_text(encoding="utf-8"))["layers"][0]
    chosen = args["overlay"][0]
    assert every["id"] == "stops" and len(every["ci"]) == 4 and chosen["labels"]["text"] == ["Gares"]
    assert args["select"] and args["view"][:2] == chosen["xy"][:2] and args["view"][2] == 15.5
    md = _markdown(at)
    assert "→ Clemenceau" in md and "15 min" in md  # T2 leaves B at 08:25
    assert "→ République" in md and "2 min" in md  # T3 leaves B at 08:12
    at.text_input(key="dep_q").input("Zzyzx qq").run()
    assert any("Aucun arrêt" in i.value for i in at.info)


def test_lines_page_patterns_timetable_and_link(planner):
    at = _page("pages/lines.py", line="1", stop="Gares")
    assert not at.exception and not at.error
    assert at.title[0].value == "Explorer une ligne"
    # the kept-frame map: the line over the street base map, sent as a small overlay
    found = [el for el in at.get("component_instance") if "deckmap" in el.proto.component_name]
    args = json.loads(found[0].proto.json_args)
    assert [x["id"] for x in args["overlay"]] == ["others", "pattern", "line_stops"]
    pattern = args["overlay"][1]
    assert pattern["palette"][pattern["ci"][0]][:3] == [227, 5, 27]  # the line's colour
    stops = args["overlay"][2]
    assert stops["labels"]["always"] and "Gares" in stops["labels"]["text"]  # names written, not codes
    md = _markdown(at)
    assert "Horaires de la ligne 1 à Gares" in md
    assert "<td class=\"h\">08h</td><td>05 25</td>" in md and "23h" in md
    assert "line=1" in at.code[0].value
    at.selectbox(key="line_pick").set_value(1).run()  # line 2
    assert not at.exception and "Horaires de la ligne 2" in _markdown(at)


def test_lines_page_unknown_line_in_link(planner):
    at = _page("pages/lines.py", line="99")
    assert not at.exception and "99" in at.warning[0].value


def test_day_of_buses_page(planner):
    at = _page("pages/day_of_buses.py")
    assert not at.exception and not at.error
    assert at.title[0].value == "Une journée de bus"
    html_el = [el for el in at.get("iframe")] or [el for el in at.get("html")]
    assert html_el, "the animation component is drawn"
    assert "3 courses" in at.caption[0].value or "courses" in at.caption[0].value


def test_pages_say_when_the_network_failed_to_load(monkeypatch):
    from types import SimpleNamespace

    failed = SimpleNamespace(failed=True, finished=1.0, ready=False, value=None, elapsed_s=1.0,
                             wait=lambda timeout_s=None: None)
    monkeypatch.setattr(state, "planner_loader", lambda: failed)
    for path in ("pages/departures.py", "pages/lines.py", "pages/day_of_buses.py"):
        at = _page(path)
        assert not at.exception and "pas disponible" in at.error[0].value


# -- pure helpers -----------------------------------------------------------------------------------------

def test_share_links_carry_the_language():
    assert share.share_url({"stop": "Gares"}, lang="en") == "?stop=Gares&lang=en"
    assert share.share_url({"stop": "Gares", "lang": "en"}, lang="fr") == "?stop=Gares"
    assert share.parse_lang({"lang": "en"}, ("fr", "en")) == "en"
    assert share.parse_lang({"lang": "de"}, ("fr", "en")) is None
    assert share.clean_line("C4") == "C4" and share.clean_line("<b>") is None and share.clean_line("x" * 30) is None
    assert share.parse_at("2011-11-15T08:00").hour == 8 and share.parse_at("nope") is None


def test_board_and_timetable_html_escape_names(planner):
    tt = planner.network.timetable
    board = departure_board(next_departures(tt, "A", H8), H8)
    board.loc[0, "direction"] = "<script>x</script>"
    html = transit.board_html(board, lambda k, **f: translate(k, "fr", **f), lambda k, n: plural(k, n, "fr"))
    assert "<script>" not in html and "&lt;script&gt;" in html and "toutes les 20 min" in html
    import pandas as pd

    assert transit.hours_html(pd.DataFrame({"hour": [8, 24], "minutes": [[5, 25], [6]]})) == (
        '<table class="spmd-hours"><tr><td class="h">08h</td><td>05 25</td></tr>'
        '<tr><td class="h">00h (+1)</td><td>06</td></tr></table>')


def test_departures_by_time_are_sorted_and_far_waits_are_clock_times():
    import pandas as pd

    fr = lambda k, **f: translate(k, "fr", **f)  # noqa: E731
    deps = pd.DataFrame({"expected_s": [H8 + 74 * 60, H8 + 60, H8], "line": ["11", "2", "34"],
                         "color": ["E78AC3", "0A7ABF", "FFE600"], "direction": ["Saint Saëns", "Haut Sancé", "Z"],
                         "wait_min": [74, 1, 0], "status": ["scheduled"] * 3})
    html = transit.times_html(deps, fr)
    assert html.index("Z") < html.index("Haut Sancé") < html.index("Saint Saëns")  # soonest first
    assert "09:14" in html and "74 min" not in html and "à l&#x27;arrêt" in html
    assert transit.wait_text(30, "08:30", fr) == "30 min" and transit.wait_text(31, "08:31", fr) == "08:31"
    assert plural("unit.departures", 1, "fr") == "1 passage" and plural("unit.departures", 2, "en") == "2 departures"


def test_animation_page_is_self_contained(planner):
    tt = planner.network.timetable
    day = day_of_buses(tt)
    payload = json.loads(transit.day_deck_json(tt, day))
    spec = payload["deck"]
    trips = next(x for x in spec["layers"] if x["id"] == "trips")
    assert trips["@@type"] == "TripsLayer" and trips["data"] == []  # fed by the page, piece by piece
    assert "mapStyle" not in spec
    t1 = day.trips["trip_id"].tolist().index("T1")
    path, times = transit.trip_of(payload, t1)
    assert times == [H8, H8 + 300, H8 + 600, H8 + 900]
    assert path[:2] == [-1.678, 48.11] and len(path) == 8
    for i, (p, stamps) in enumerate(zip(day.trips["path"], day.trips["timestamps"], strict=True)):
        assert transit.trip_of(payload, i) == ([v for xy in p for v in xy], [int(s) for s in stamps])
    page = transit.animation_html(json.dumps(payload), day, {"play": "</script>", "pause": "P", "speed": "S",
                                                           "clock": "C", "error": "E", "vehicles": "{n}"})
    assert page.count("</script>") == 1  # its one script element: payloads cannot close it
    assert transit.DECKGL_JS in page and "http" not in page.split("<script>", 1)[1]
    served = transit.ensure_deckgl_bundle()
    assert served == transit.DECKGL_FILE and served.stat().st_size > 1_000_000
    assert b"sourceMappingURL" not in served.read_bytes()[-200:]  # no request for a map not shipped


def test_street_segments_follow_the_car_layer(planner):
    from routing.transit.departures import day_of_buses as day_of
    from routing.transit.departures import street_segments
    from sources.geo import haversine_m

    net = planner.network
    tt = net.timetable
    segs = street_segments(tt, net.graphs["car"], simplify_m=0)
    assert ("A", "B") in segs and ("B", "C") in segs
    ab = segs[("A", "B")]
    a, b = tt.stop_index("A"), tt.stop_index("B")
    assert ab[0].tolist() == [tt.stop_lon[a], tt.stop_lat[a]] and ab[-1].tolist() == [tt.stop_lon[b], tt.stop_lat[b]]
    along = sum(float(haversine_m(*ab[i], *ab[i + 1])) for i in range(len(ab) - 1))
    assert len(ab) > 2 and along >= float(haversine_m(*ab[0], *ab[-1]))  # the grid's corner, not a diagonal
    day = day_of(tt, segments=segs)
    assert day.n_matched_segments > 0
    for stamps in day.trips["timestamps"]:
        assert stamps == sorted(stamps)


def test_departures_page_by_stop_id(planner):
    at = _page("pages/departures.py", stop="B", at="2024-03-05T08:00")
    assert not at.exception and not at.error
    assert any("Gares — 1 quai," in h.value for h in at.subheader)
    assert "→ Clemenceau" in _markdown(at)


def test_day_of_buses_with_an_active_scenario(planner, monkeypatch):
    from routing.transit.timetable import Timetable

    seen: list[str] = []

    def scenario_planner(key: str):
        seen.append(key)
        return planner

    monkeypatch.setattr(state, "scenario_planner", scenario_planner)
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.session_state["scen_new"] = "metro-b"
    at.switch_page("pages/day_of_buses.py").run()
    assert not at.exception and not at.error
    assert seen == ["metro-b"] and at.toggle(key="day_scenario").value is True
    assert isinstance(planner.network.timetable, Timetable)
    at.toggle(key="day_scenario").set_value(False).run()
    assert not at.exception and seen == ["metro-b"]  # the base day again


def test_departures_page_journeys_to_another_stop(planner):
    """The range query on the page: every worthwhile journey from the stop to another leaving
    within the hour, as a table; the same stop and an unknown one are said, not computed."""
    at = _page("pages/departures.py", stop="République", at="2024-03-05T08:00")
    assert not at.exception
    assert any("entre 08:00 et 09:00" in c.value.replace("\\", "") for c in at.caption)  # hint, no destination
    at.text_input(key="dep_to").input("Clemenceau").run()
    assert not at.exception and not at.error
    assert "de République à Clemenceau, départ entre 08:00 et 09:00" in _markdown(at).replace("\\", "")
    table = at.dataframe[-1].value
    assert list(table.columns) == ["Départ", "Arrivée", "Durée (min)", "Correspondances", "Marche (min)", "Lignes"]
    assert len(table) >= 1 and table["Départ"].min() >= "08:00" and (table["Arrivée"] > table["Départ"]).all()
    assert list(table["Départ"]) == sorted(table["Départ"])
    at.text_input(key="dep_to").input("République").run()
    assert any("un autre arrêt" in i.value for i in at.info)
    at.text_input(key="dep_to").input("Zzyzx qq").run()
    assert any("Aucun arrêt" in i.value for i in at.info)


def test_departures_page_journeys_with_hostile_destinations(planner):
    """Text typed as the destination is said back as plain text, never rendered as markup."""
    from tests.dashboard.test_hostile_text import HOSTILE, assert_inert

    at = _page("pages/departures.py", stop="République", at="2024-03-05T08:00")
    for hostile in HOSTILE[:7]:
        at.text_input(key="dep_to").input(hostile[:200]).run()
        carrying = assert_inert(at)
        if share.clean_place(hostile[:200]):
            assert any("Aucun arrêt" in s for s in carrying), (hostile, carrying)
