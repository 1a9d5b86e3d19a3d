"""routing.args (strict argument parsing) and the minimum match quality of routing.places."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from routing import args as A
from routing.constants import TRIP_MODES
from routing.places import PlaceIndex, PlaceNotFound, match_quality
from sources.budgets import BudgetExceeded

# -- coordinates and places ------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("48.11,-1.68", (-1.68, 48.11)),
    (" 48.11 , -1.68 ", (-1.68, 48.11)),
    ("48.11;-1.68", (-1.68, 48.11)),
    ("48.11 -1.68", (-1.68, 48.11)),
    ("-1.68,48.11", (48.11, -1.68)),  # latitude first, always: a valid point far away, never swapped
    ("+48.1e0,-1.68", (-1.68, 48.1)),
    ("90,180", (180.0, 90.0)),
    ("République", None),
    ("48.11", None),
    ("rue du 11 novembre", None),
])
def test_coordinates_are_lat_lon_in_range(text: str, expected: tuple[float, float] | None) -> None:
    assert A.parse_coordinates(text) == expected


@pytest.mark.parametrize("text, message", [
    ("91,-1.68", "latitude 91 is not in [-90, 90]"),
    ("-90.5,3", "latitude -90.5 is not in"),
    ("48.1,-181", "longitude -181 is not in [-180, 180]"),
    ("NaN,NaN", "must be finite numbers"),
    ("nan, -1.68", "must be finite numbers"),
    ("48.1,inf", "must be finite numbers"),
    ("-Infinity;0", "must be finite numbers"),
    ("1e400,0", "must be finite numbers"),
])
def test_impossible_coordinates_are_refused(text: str, message: str) -> None:
    with pytest.raises(A.ArgumentError, match=message.replace("[", r"\[").replace("]", r"\]")) as err:
        A.parse_coordinates(text, "--from")
    assert err.value.key == "coords"
    assert isinstance(err.value, ValueError)


@pytest.mark.parametrize("text, key", [
    ("", "empty"), ("   ", "empty"), ("Gares\x00", "control"), ("a\nb", "control"), ("\u202eGares", "control"),
    ("91,0", "coords"), ("x" * 201, "too_long"), ("x" * 100_000, "too_long"), (None, "invalid"), (3, "invalid"),
])
def test_bad_places_are_refused_with_a_translation_key(text: object, key: str) -> None:
    with pytest.raises(A.ArgumentError) as err:
        A.parse_place(text, "from")
    assert err.value.key == key


def test_place_length_budget_names_its_setting_and_can_be_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(A.ArgumentError, match="SPMD_BUDGET_MAX_PLACE_CHARS"):
        A.parse_place("y" * 300)
    monkeypatch.setenv("SPMD_BUDGET_MAX_PLACE_CHARS", "500")
    assert A.parse_place("y" * 300) == "y" * 300
    assert A.parse_place("  Gares  ") == "Gares"


def test_lat_lon_argument_must_be_coordinates() -> None:
    assert A.parse_lat_lon("48.1,-1.6") == (-1.6, 48.1)
    for text in ("somewhere", "48.1", "", "91,0"):
        with pytest.raises(A.ArgumentError):
            A.parse_lat_lon(text, "--partner")


# -- dates and times -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("2011-11-15T08:00", dt.datetime(2011, 11, 15, 8, 0)),
    ("2011-11-15 08:00", dt.datetime(2011, 11, 15, 8, 0)),
    ("2011-11-15T08:00:30", dt.datetime(2011, 11, 15, 8, 0, 30)),
    ("2011-11-15T07:00Z", dt.datetime(2011, 11, 15, 8, 0)),  # UTC+1 in winter
    ("2011-11-15T08:00+01:00", dt.datetime(2011, 11, 15, 8, 0)),
    ("2011-11-15T03:00-04:00", dt.datetime(2011, 11, 15, 8, 0)),
    ("2011-07-15T06:00Z", dt.datetime(2011, 7, 15, 8, 0)),  # UTC+2 in summer
    ("2011-11-14T23:30Z", dt.datetime(2011, 11, 15, 0, 30)),  # the local date changes
])
def test_iso_date_times_with_or_without_offset_are_local_naive(text: str, expected: dt.datetime) -> None:
    got = A.parse_datetime(text)
    assert got == expected and got.tzinfo is None


@pytest.mark.parametrize("text", ["tomorrow", "2011-11-15T25:99", "2011-02-30T08:00", "2011-11-15",
                                  "1789-07-14T08:00", "2011-11-15T08:00+25:00", "", "9" * 5000, "08:00"])
def test_bad_date_times_are_refused(text: str) -> None:
    with pytest.raises(A.ArgumentError):
        A.parse_datetime(text)


def test_dates() -> None:
    assert A.parse_date("2011-11-15") == dt.date(2011, 11, 15)
    for text in ("2011-13-01", "15/11/2011", "3000-01-01", "", "2011-11-15T08:00"):
        with pytest.raises(A.ArgumentError):
            A.parse_date(text)


@pytest.mark.parametrize("text, secs", [("08:00", 28800), ("8:05", 29100), ("23:59:59", 86399), ("00:00", 0)])
def test_times(text: str, secs: int) -> None:
    assert A.parse_time(text) == secs


@pytest.mark.parametrize("text", ["25:99", "24:00", "08:60", "08", "8h", "-1:00", "08:00:60", "", "０８:００"])
def test_bad_times_are_refused(text: str) -> None:
    with pytest.raises(A.ArgumentError) as err:
        A.parse_time(text)
    assert err.value.key == "time"


def test_at_is_a_time_or_a_date_time() -> None:
    assert A.parse_at("08:00") == dt.time(8, 0)
    assert A.parse_at("2011-11-15T07:00Z") == dt.datetime(2011, 11, 15, 8, 0)
    assert A.parse_at("2011-11-15 08:00:30") == dt.datetime(2011, 11, 15, 8, 0, 30)
    for text in ("25:99", "24:05", "2011-11-15T25:00", "2011-11-15", "soon"):
        with pytest.raises(A.ArgumentError):
            A.parse_at(text)


@pytest.mark.parametrize("text, expected", [("08:00-09:00", "08:00-09:00"), ("8:00-8:30", "08:00-08:30"),
                                            (" 07:15 - 07:45 ", "07:15-07:45")])
def test_windows(text: str, expected: str) -> None:
    assert A.parse_window(text) == expected


@pytest.mark.parametrize("text, key", [("09:00-08:00", "window_order"), ("08:00-08:00", "window_order"),
                                       ("08:00", "window"), ("08:00-09:00-10:00", "window"), ("08:00-25:00", "time"),
                                       ("-", "time")])
def test_reversed_empty_or_malformed_windows_are_refused(text: str, key: str) -> None:
    with pytest.raises(A.ArgumentError) as err:
        A.parse_window(text)
    assert err.value.key == key


def test_window_minutes_are_the_cost_factor() -> None:
    assert A.window_minutes("08:00-09:00") == 60
    assert A.window_minutes("00:00-23:59") == 1439
    assert A.window_minutes("08:00:00-08:00:30") == 1
    with pytest.raises(A.ArgumentError):
        A.window_minutes("09:00-08:00")


# -- numbers ----------------------------------------------------------------------------------------------

def test_bands() -> None:
    assert A.parse_bands("10,20,30") == [10, 20, 30]
    assert A.parse_bands(" 5 , 7.5 ") == [5, 7.5]


@pytest.mark.parametrize("text", ["inf", "10,inf", "nan", "-10,20", "0,10", "30,10", "10,10", "10,,20", "",
                                  "ten", "10;20", ",".join(str(i) for i in range(1, 40)), "2000"])
def test_bad_bands_are_refused(text: str) -> None:
    with pytest.raises(A.ArgumentError):
        A.parse_bands(text)


def test_percentiles() -> None:
    assert A.parse_percentiles("25,50,75") == [25, 50, 75]
    assert A.parse_percentiles("0,100") == [0, 100]
    for text in ("101", "-1", "50,50", "nan", "inf", "", "a", "50,"):
        with pytest.raises(A.ArgumentError):
            A.parse_percentiles(text)


def test_numbers_and_counts() -> None:
    assert A.parse_number("0.5", "--soc", lo=0, hi=1, lo_open=True) == 0.5
    assert A.parse_count("3", "--alternatives", hi=10) == 3
    for text in ("0", "1.01", "nan", "inf", "-inf", "x", ""):
        with pytest.raises(A.ArgumentError):
            A.parse_number(text, "--soc", lo=0, hi=1, lo_open=True)
    for text in ("11", "-1", "1.5", "1e3", "100000000", "", "three"):
        with pytest.raises(A.ArgumentError):
            A.parse_count(text, "--alternatives", hi=10)


# -- modes and files ------------------------------------------------------------------------------------

def test_modes_are_validated_and_deduplicated() -> None:
    assert A.parse_modes("walk,bike,walk, bike ,car", allowed=TRIP_MODES) == ("walk", "bike", "car")
    with pytest.raises(A.ArgumentError, match="unknown mode"):
        A.parse_modes("walk,teleport", allowed=TRIP_MODES)
    with pytest.raises(A.ArgumentError, match="no mode given"):
        A.parse_modes(" , ,", allowed=TRIP_MODES)
    with pytest.raises(A.ArgumentError):
        A.parse_modes("WALK", allowed=TRIP_MODES)


def test_output_paths(tmp_path: Path) -> None:
    assert A.parse_output(str(tmp_path / "a.csv"), suffixes=(".csv",)) == tmp_path / "a.csv"
    cases = [(str(tmp_path / "missing" / "a.csv"), "folder"), (str(tmp_path / "a.txt"), "suffix"),
             (str(tmp_path), "path"), ("", "path")]
    for text, key in cases:
        with pytest.raises(A.ArgumentError) as err:
            A.parse_output(text, suffixes=(".csv",) if key != "path" else None)
        assert err.value.key == key


@pytest.mark.parametrize("text, message", [
    ("a\x00b.csv", "control characters"), ("a\nb.csv", "control characters"), ("x" * 300 + ".csv", "too long"),
    ("~nosuchuser/x.csv", "does not exist"), ("x" * 300 + "/y.csv", "too long"), ("", "empty path"),
])
def test_hostile_output_paths_are_refused_cleanly(text: str, message: str) -> None:
    with pytest.raises(A.ArgumentError, match=message):
        A.parse_output(text, "--out", suffixes=(".csv",))
    with pytest.raises(A.ArgumentError):
        A.parse_input_file(text.replace(".csv", ".pb"), "--trip-updates")


def test_input_files(tmp_path: Path) -> None:
    f = tmp_path / "u.pb"
    f.write_bytes(b"x")
    assert A.parse_input_file(str(f), "--trip-updates") == f
    with pytest.raises(A.ArgumentError, match="no such file"):
        A.parse_input_file(str(tmp_path / "no.pb"), "--trip-updates")
    with pytest.raises(A.ArgumentError, match="is a folder, not a file to read"):
        A.parse_input_file(str(tmp_path), "--trip-updates")


# -- place search: a minimum match quality ----------------------------------------------------------------

@pytest.fixture()
def index() -> PlaceIndex:
    rows = [("République", "stop"), ("Place de la République", "street"), ("Gares", "stop"),
            ("Pont de Nantes", "stop"), ("Antipolis 1", "street"), ("Beaulieu Chimie", "stop"),
            ("Rue de Brest", "street"), ("Hôtel Dieu", "bikeshare"), ("Infanterie", "street"),
            ("Sainte-Anne", "stop"), ("Villejean-Université", "stop")]
    return PlaceIndex(pd.DataFrame([{"name": n, "kind": k, "lon": -1.68 + i / 100, "lat": 48.11, "id": str(i)}
                                    for i, (n, k) in enumerate(rows)]))


@pytest.mark.parametrize("text, name", [
    ("republique", "République"), ("Repuplique", "République"), ("gares", "Gares"), ("gare", "Gares"),
    ("beaulieu", "Beaulieu Chimie"), ("hotel-dieu", "Hôtel Dieu"), ("place de la republique", "Place de la République"),
    ("rue de brest", "Rue de Brest"), ("ste anne", "Sainte-Anne"), ("sainte anne", "Sainte-Anne"),
    ("villejean universite", "Villejean-Université"),
])
def test_good_matches_are_found(index: PlaceIndex, text: str, name: str | None) -> None:
    if name is None:
        with pytest.raises(PlaceNotFound):
            index.resolve(text)
    else:
        assert index.resolve(text).name == name


@pytest.mark.parametrize("text", [
    "NaN,NaN", "nan nan", "inf,inf", "91,-1.68", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
    "![x](http://evil/)", "[Gares](http://evil.example)", "zzzz qqqq", "xyz hello world", "1", "'; DROP TABLE stops;--",
])
def test_garbage_is_never_matched_to_a_place(index: PlaceIndex, text: str) -> None:
    assert index.search(text) == []
    with pytest.raises(PlaceNotFound) as err:
        index.resolve(text)
    assert str(err.value).startswith("no place matches ")


def test_no_match_suggests_near_misses(index: PlaceIndex) -> None:
    with pytest.raises(PlaceNotFound) as err:
        index.resolve("[Gares](http://evil.example)")
    assert [p.name for p in err.value.suggestions][:1] == ["Gares"]
    assert "did you mean: Gares" in str(err.value)
    with pytest.raises(PlaceNotFound) as err:
        index.resolve("91,-1.68")
    assert "latitude between -90 and 90" in str(err.value) and err.value.suggestions == []


def test_match_quality() -> None:
    assert match_quality("republique", "place de la republique") == 1.0
    assert match_quality("script alert 1 script", "antipolis 1") < 0.1
    assert match_quality("nan nan", "pont de nantes") == 1.0  # a name... but "NaN,NaN" is refused as coordinates
    assert match_quality("de la", "place de la republique") == 0.0  # stop words alone are no evidence
    assert match_quality("1", "antipolis 1") == 0.0


def test_a_huge_place_name_is_refused_before_any_search(index: PlaceIndex, monkeypatch: pytest.MonkeyPatch) -> None:
    from rapidfuzz import process

    def no_search(*args: object, **kwargs: object) -> None:
        raise AssertionError("the fuzzy search ran on a text over budget")

    monkeypatch.setattr(process, "extract", no_search)  # 100 kB through rapidfuzz took 36 s on the bundle
    with pytest.raises(BudgetExceeded, match="SPMD_BUDGET_MAX_PLACE_CHARS"):
        index.search("République " * 10_000)
    with pytest.raises(BudgetExceeded):
        index.resolve("x" * 100_000)
