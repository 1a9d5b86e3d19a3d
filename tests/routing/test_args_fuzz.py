"""Fuzzing (hypothesis) of everything that reads a person's text: the argument parsers
(routing.args), the place search, the share-URL parser, the command lines' argument parsing and
the plain-text rendering. Any input yields a value or a clean error, never a traceback.

Bounded here (a few dozen examples per property, derandomised); ``bench/fuzz_args.py`` runs the
same properties with many more random examples (``SPMD_FUZZ_EXAMPLES``).
"""

from __future__ import annotations

import contextlib
import html as htmlmod
import io
import os
import re

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from dashboard import share, ui
from routing import args as A
from routing.cli.main import build_parser
from routing.constants import TRIP_MODES
from routing.places import Place, PlaceIndex, PlaceNotFound, coordinates_error
from sources.budgets import BudgetExceeded
from tests.browser_helpers import PLACES

#: examples per property: a few dozen in CI (derandomised); bench/fuzz_args.py sets more (random)
FUZZ_EXAMPLES = int(os.environ.get("SPMD_FUZZ_EXAMPLES", "40"))
CI = settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize="SPMD_FUZZ_EXAMPLES" not in os.environ,
              database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                                    HealthCheck.data_too_large])
INDEX = PlaceIndex(PLACES)
_MD = MarkdownIt("commonmark", {"html": True})

#: pieces people (and attackers) type: numbers, NaN, separators, markup, long runs
PIECES = st.sampled_from(["48.11", "-1.68", "91", "NaN", "inf", "-inf", "1e400", ",", ";", " ", ":", "-", "T",
                          "Z", "+01:00", "2011-11-15", "08:00", "25:99", "<script>", "![x](http://e/)", "[a](b)",
                          "Gares", "République", "\x00", "\u202e", "é", "０", "%", "\\", "'", '"', "\n", "/", "~",
                          ".csv", "/tmp/", "a" * 300])
TEXT = st.one_of(st.text(max_size=60), st.lists(PIECES, max_size=12).map("".join),
                 st.builds(lambda a, b: a * b, PIECES, st.integers(0, 400)))


def _clean(fn, *args, **kwargs):
    """``fn(...)``, or None when it raised the clean error of its contract (ArgumentError)."""
    try:
        return fn(*args, **kwargs)
    except A.ArgumentError as exc:
        assert str(exc) and "\n" not in str(exc)[:1]
        return None


@CI
@given(TEXT)
def test_argument_parsers_return_a_value_or_an_argument_error(text: str) -> None:
    coords = _clean(A.parse_coordinates, text)
    if coords is not None:
        lon, lat = coords
        assert -180 <= lon <= 180 and -90 <= lat <= 90
    place = _clean(A.parse_place, text)
    if place is not None:
        assert place == place.strip() and 0 < len(place) <= A.budgets().max_place_chars
    when = _clean(A.parse_datetime, text)
    assert when is None or (when.tzinfo is None and A.MIN_YEAR <= when.year <= A.MAX_YEAR)
    secs = _clean(A.parse_time, text)
    assert secs is None or 0 <= secs < 86400
    window = _clean(A.parse_window, text)
    if window is not None:
        a, b = window.split("-")
        assert A.parse_time(a) < A.parse_time(b)
    bands = _clean(A.parse_bands, text)
    assert bands is None or all(0 < x < y for x, y in zip(bands, bands[1:], strict=False)) and bands[0] > 0
    pct = _clean(A.parse_percentiles, text)
    assert pct is None or all(0 <= q <= 100 for q in pct)
    modes = _clean(A.parse_modes, text, allowed=TRIP_MODES)
    assert modes is None or (set(modes) <= set(TRIP_MODES) and len(set(modes)) == len(modes))
    _clean(A.parse_count, text, "--n", hi=10)
    _clean(A.parse_number, text, "--x", lo=0, hi=1)
    _clean(A.parse_at, text)
    _clean(A.parse_date, text)
    out = _clean(A.parse_output, text, suffixes=(".csv",))  # only checked: nothing is written
    assert out is None or (not out.exists() or out.is_file()) and out.parent.is_dir()
    given_file = _clean(A.parse_input_file, text, "--trip-updates")
    assert given_file is None or given_file.is_file()  # never a device, a FIFO or a folder


@CI
@given(TEXT)
def test_place_search_returns_places_or_a_clean_refusal(text: str) -> None:
    try:
        hits = INDEX.search(text)
    except BudgetExceeded:
        assert len(text) > A.budgets().max_place_chars
        return
    assert all(isinstance(p, Place) for p in hits)
    try:
        place = INDEX.resolve(text)
    except PlaceNotFound as exc:
        assert str(exc).startswith("no place matches ")
        assert not hits
        return
    assert hits and place == hits[0]
    if place.kind == "coordinates":
        assert -90 <= place.lat <= 90 and -180 <= place.lon <= 180


PARAMS = st.dictionaries(st.sampled_from(["from", "to", "at", "modes", "arrive", "kiosk", "x", ""]),
                         st.one_of(TEXT, st.lists(TEXT, max_size=3), st.none(), st.integers()), max_size=6)


@CI
@given(PARAMS)
def test_share_url_parser_never_raises(params: dict) -> None:
    q = share.parse_query(params)
    for value in (q.origin, q.destination):
        assert value is None or (share.clean_place(value) == value and coordinates_error(value) is None)
    assert q.modes is None or set(q.modes) <= set(share.ALL_MODES)
    assert set(q.invalid) <= {"from", "to", "at", "modes", "arrive"}
    if q.origin and q.destination and q.at and q.modes:  # what the page shares is read back the same
        back = share.parse_query(share.to_query(origin=q.origin, destination=q.destination, at=q.at, modes=q.modes))
        assert (back.origin, back.destination, back.modes, back.invalid) == (q.origin, q.destination, q.modes, [])


COMMANDS = ["plan", "build", "isochrone", "accessibility", "matrix", "scenario", "departures", "journeys",
            "simulate-traces"]
OPTIONS = ["--from", "--to", "--at", "--modes", "--partner", "--soc", "--battery-kwh", "--alternatives", "--day",
           "--bands", "--window", "--percentiles", "--cutoff", "--k", "--out", "--mode", "--origins",
           "--opportunities", "--graphml", "--trip-updates", "--json", "--geojson", "--arrive-by", "--dask",
           "compare", "show", "apply", "list", "--threshold", "--pairs", "--top", "--scenario", "--stop",
           "--horizon-min", "--per-line", "--window-min", "--max-transfers", "--users", "--seed", "/dev/zero",
           "/dev/full", "/dev/null", "/tmp", "inf", "nan", "-1", "0001-01-01T00:00", "2011-11-15T20:00+14:00"]
ARGV = st.tuples(st.sampled_from(COMMANDS), st.lists(st.one_of(st.sampled_from(OPTIONS), TEXT), max_size=10))


@CI
@given(ARGV)
@example(("build", ["\n"]))  # found by bench/fuzz_args.py: a line break echoed in the message
@example(("plan", ["--from", "\x1b[2J", "--to"]))
@example(("departures", ["--stop", "Gares", "--at", "08:00", "--trip-updates", "/dev/zero"]))
@example(("departures", ["--stop", "Gares", "--at", "08:00", "--horizon-min", "inf", "--per-line", "-1"]))
@example(("simulate-traces", ["--out", "/dev/full", "--users", "1e9"]))
def test_cli_argument_parsing_is_a_namespace_or_one_line_and_exit_2(argv: tuple[str, list[str]]) -> None:
    parser = build_parser()
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            ns = parser.parse_args([argv[0], *argv[1].__iter__()])
        except SystemExit as exc:
            assert exc.code in (0, 2)
            if exc.code == 2:
                assert err.getvalue().startswith("error: ") and err.getvalue().count("\n") == 1
            return
    assert ns.command == argv[0] and callable(ns.func)


@CI
@given(st.one_of(TEXT, st.lists(st.sampled_from(["![x](http://evil.example/i.png)", "<img src=x>", "http://e.x/",
                                                  "www.e.x", "a@b.fr", "[a](b)", "<", ">", "&", "`", "$", ":",
                                                  "\\", "\n", "*", "_", "#", " "]), max_size=12).map("".join)))
def test_plain_text_never_renders_markup_and_keeps_the_text(text: str) -> None:
    html = _MD.render(ui.plain(text))
    assert not re.search(r"<(?:a|img|script|code|em|strong|h\d|blockquote|ul|ol|li|pre|hr|br)\b", html), html
    shown = htmlmod.unescape(re.sub(r"<[^>]*>", "", html))
    # GFM's bare links (read on the text, after the escapes): broken by a zero-width space
    assert not re.search(r"(?i)(?:https?|ftp|mailto|xmpp):|www\.|[-.\w+]@[-\w]", shown)
    words = "".join(ch for ch in text if ch.isprintable() and not ch.isspace())
    assert "".join(ch for ch in shown.replace("\u200b", "") if not ch.isspace()).rstrip("…") == words[:500] \
        or len(text) > 500
