"""Fuzzing scenario files (random TOML structures and values, and random text): reading and
applying one yields a scenario, a timetable, or a :class:`ScenarioError`, never another
exception, and an applied scenario keeps the connections' invariant.

Bounded here (derandomised); ``SPMD_FUZZ_EXAMPLES=2000 uv run pytest tests/routing/test_scenarios_fuzz.py``
runs more random examples.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.services.scenarios import read_upload
from devkit.reference_router import load_feed
from routing.scenarios.scenario import (
    _FIELDS,
    _TOP_FIELDS,
    DAY_BOUND_S,
    MODIFICATION_TYPES,
    ScenarioError,
    apply_scenario,
    parse_scenario,
)
from routing.transit.timetable import Timetable, build_timetable
from tests.factories import make_gtfs_dir

FUZZ_EXAMPLES = int(os.environ.get("SPMD_FUZZ_EXAMPLES", "60"))
CI = settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize="SPMD_FUZZ_EXAMPLES" not in os.environ,
              database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                                    HealthCheck.data_too_large, HealthCheck.filter_too_much])
#: every name a scenario knows, so that random tables reach the per-field checks
KEYS = sorted(set().union(*_FIELDS.values()) | _TOP_FIELDS | {"start", "end", "headway_min", "lon", "lat", "x"})
NUMBERS = st.one_of(st.integers(-(2**70), 2**70), st.floats(allow_nan=True, allow_infinity=True),
                    st.sampled_from([0, 1, -1, 0.5, 30, 1e-300, 1e300, 48.1, -1.67, 2**63, 47 * 3600]))
TEXTS = st.one_of(st.text(max_size=20),
                  st.sampled_from(["A", "B", "C", "D", "L1", "L2", "1", "07:00", "24:30", "47:59", "48:00",
                                   "25:99", "-01:00", "metro", "bus", "tram", "EE1D23", "metro-a", "metro-a.toml",
                                   "../../etc/passwd", "/proc/self/environ", *MODIFICATION_TYPES]))
SCALARS = st.one_of(st.booleans(), NUMBERS, TEXTS)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=5),
                                                       st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)),
                      max_leaves=30)
CLOCKS = st.one_of(st.integers(0, 48 * 60).map(lambda m: f"{m // 60:02d}:{m % 60:02d}"), TEXTS)
SMALL = st.one_of(NUMBERS, st.floats(0.01, 200))
#: values near the valid ones per field, so that random tables also reach the timetable
PLAUSIBLE = {
    "stops": st.lists(st.one_of(st.sampled_from(["A", "B", "C", "D", "ZZ"]),
                                st.fixed_dictionaries({"name": TEXTS, "lon": st.one_of(st.floats(-1.70, -1.64), NUMBERS),
                                                       "lat": st.one_of(st.floats(48.08, 48.13), NUMBERS)})),
                      max_size=6),
    "periods": st.lists(st.fixed_dictionaries({"start": CLOCKS, "end": CLOCKS, "headway_min": SMALL}), max_size=3),
    "departures": st.lists(CLOCKS, max_size=4), "segment_s": st.lists(SMALL, max_size=5),
    "speed_kmh": SMALL, "end_to_end_min": SMALL, "dwell_s": SMALL, "factor": SMALL, "capacity": SMALL,
    "route": st.sampled_from(["L1", "L2", "1", "2", "X", "nope"]), "start": CLOCKS, "end": CLOCKS,
    "last_departure": CLOCKS, "mode": st.sampled_from(["metro", "bus", "tram", "boat"]),
    "id": st.one_of(st.sampled_from(["X", "Y", "L1", "A"]), TEXTS), "name": TEXTS, "both_directions": st.booleans(),
    "lon": st.one_of(st.floats(-1.70, -1.64), NUMBERS), "lat": st.one_of(st.floats(48.08, 48.13), NUMBERS),
}


def value_of(key: str) -> st.SearchStrategy[Any]:
    return st.one_of(PLAUSIBLE[key], VALUES) if key in PLAUSIBLE else VALUES


def toml_value(v: Any) -> str:
    """TOML text of a value (inline tables and arrays), floats as TOML spells them."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        # a JSON string is a TOML basic string (DEL or a lone surrogate: a TOML or UTF-8 error)
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return "{ " + ", ".join(f"{toml_value(k)} = {toml_value(x)}" for k, x in v.items()) + " }"


@st.composite
def modification(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from([*MODIFICATION_TYPES, "add_tunnel"]))
    fields = sorted(_FIELDS.get(kind, {"type"}) - {"type"})
    mod = {"type": kind}
    keys = draw(st.lists(st.sampled_from(fields or ["x"]), max_size=8, unique=True))
    if kind == "add_line" and draw(st.booleans()):  # often complete, to reach the timetable
        keys = ["id", "stops", draw(st.sampled_from(["periods", "departures"])),
                draw(st.sampled_from(["segment_s", "speed_kmh", "end_to_end_min"])), *keys]
    for key in keys:
        mod[key] = draw(value_of(key))
    if draw(st.integers(0, 3)) == 0:
        mod[draw(st.sampled_from(KEYS))] = draw(VALUES)
    return mod


@st.composite
def scenario_text(draw: st.DrawFn) -> str:
    head = {"name": draw(st.one_of(st.just("fuzz"), st.just("fuzz"), TEXTS, VALUES))}
    if draw(st.integers(0, 3)) == 0:
        for key in draw(st.lists(st.sampled_from(sorted(_TOP_FIELDS - {"name", "modifications"})), max_size=2)):
            head[key] = draw(VALUES)
    lines = [f"{toml_value(k)} = {toml_value(v)}" for k, v in head.items()]
    for mod in draw(st.lists(modification(), min_size=1, max_size=4)):
        lines.append("[[modifications]]")
        lines += [f"{toml_value(k)} = {toml_value(v)}" for k, v in mod.items()]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def tt(tmp_path_factory: pytest.TempPathFactory) -> Timetable:
    return build_timetable(load_feed(make_gtfs_dir(tmp_path_factory.mktemp("gtfs") / "f")), dt.date(2024, 3, 5))


def _read_and_apply(tt: Timetable, data: bytes) -> None:
    try:
        sc = read_upload(data, "fuzz.toml")
        new = apply_scenario(tt, sc)
    except ScenarioError as exc:
        assert str(exc) and exc.file == "fuzz.toml"
        return
    assert (new.dep_time >= 0).all() and (new.arr_time >= new.dep_time).all()
    assert (new.arr_time < DAY_BOUND_S).all()


@CI
@given(text=scenario_text())
def test_random_scenario_structures_give_a_scenario_or_a_scenario_error(tt: Timetable, text: str) -> None:
    _read_and_apply(tt, text.encode("utf-8", "surrogatepass"))


@CI
@given(data=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(lambda t: t.encode("utf-8", "replace")),
                      st.lists(st.sampled_from(["[", "]", "{", "}", "[[modifications]]", "\n", "=", "name",
                                                '"x"', "a.b", ",", "inf", "nan", "'", '"""', "#"]),
                               max_size=60).map(lambda p: " ".join(p).encode())))
def test_random_text_gives_a_scenario_or_a_scenario_error(tt: Timetable, data: bytes) -> None:
    _read_and_apply(tt, data)


def test_the_fuzz_reaches_applied_scenarios(tt: Timetable) -> None:
    # the renderer's output of a valid structure is a valid scenario (the fuzz is not all refusals)
    doc = ('"name" = "ok"\n[[modifications]]\n' + "\n".join(
        f"{json.dumps(k)} = {toml_value(v)}" for k, v in {
            "type": "add_line", "id": "Z", "stops": ["A", "D"], "departures": ["07:00"], "segment_s": [600.0]}.items()))
    new = apply_scenario(tt, parse_scenario(doc))
    assert new.n_connections == tt.n_connections + 2 and np.isin("Z", new.route_ids)
