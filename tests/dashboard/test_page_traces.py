"""The "Traces et flux" page through streamlit.testing.v1.AppTest."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import state
from routing.planner.simulate import simulate_straight_commutes

PAGE = str(Path(__file__).resolve().parents[2] / "dashboard" / "pages" / "traces.py")


@pytest.fixture()
def no_datasets():
    state.set_override("load_dataset", lambda dataset_id: None)  # no street base map
    yield
    state.clear_overrides()


def _commuters() -> object:
    rng = np.random.default_rng(3)
    n = 8
    homes = np.column_stack([-1.700 + rng.normal(0, 4e-4, n), 48.100 + rng.normal(0, 4e-4, n)])
    work = np.column_stack([-1.650 + rng.normal(0, 4e-4, n), 48.120 + rng.normal(0, 4e-4, n)])
    return simulate_straight_commutes(n, seed=3, homes=homes, workplaces=work)


def test_page_without_data_explains_itself(no_datasets) -> None:
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "Traces et flux"
    assert any("simulez" in i.value for i in at.info)
    assert at.button(key="traces_analyse").disabled


def test_page_analyses_and_offers_only_anonymised_downloads(no_datasets) -> None:
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["traces_tdf"] = _commuters()
    at.run()
    assert any("SIMULÉES" in c.value for c in at.caption)
    at.slider(key="traces_k").set_value(3)
    at.selectbox(key="traces_tiles").set_value("grid1000")
    at.selectbox(key="traces_temporal").set_value("none")
    at.checkbox(key="traces_by_mode").set_value(False)
    at.button(key="traces_analyse").click().run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Trajets"] == "16" and metrics["Flux publiés"] == "2"
    risk = at.dataframe[0].value  # in the reader's words: the stages by name, no code
    assert set(risk["étape"]) == {"Avant", "Après"}
    assert set(risk["ce que sait l'attaquant"]) == {"deux lieux visités", "deux lieux distincts", "domicile et travail"}
    flows = at.dataframe[-1].value
    assert pd.to_numeric(flows["personnes"]).min() >= 3 and "uid" not in flows.columns
    assert len(at.get("deck_gl_json_chart")) == 1
    assert len(at.get("download_button")) == 2


BAD_CSV = (b"person,y,x,when\n"
           b"a,48.110,-1.680,2024-03-01T09:00\n"
           b"a,48.111,-1.679,never\n"
           b"a,abc,-1.678,2024-03-01T09:02\n"
           b"a,48.113,-1.677,2024-03-01T09:03\n")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_rows_set_aside_are_told_in_the_readers_words(no_datasets, lang: str) -> None:
    """A CSV with bad rows: the reasons, the findings and the table's headers in the page's language,
    the fields as the file names them, no code."""
    from sources.traces.load import load_traces_csv

    tdf, report = load_traces_csv(BAD_CSV, name="mes-traces.csv", user="person", lat="y", lon="x", time="when")
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["lang"] = lang
    at.session_state["traces_tdf"], at.session_state["traces_report"] = tdf, report
    at.run()
    assert not at.exception
    warning = at.warning[0].value.replace("\\", "")  # the reasons' text is Markdown-escaped
    table = at.dataframe[0].value
    cells = " ".join(str(v) for v in table.to_numpy().ravel())
    if lang == "fr":
        assert warning == "2 lignes écartées : nombre invalide × 1, heure invalide × 1"
        assert list(table.columns) == ["ligne", "champ", "motif", "constat", "valeur"]
        assert "heure illisible" in cells and "ce n'est pas un nombre" in cells
    else:
        assert warning == "2 rows set aside: invalid number × 1, invalid time × 1"
        assert list(table.columns) == ["row", "field", "reason", "finding", "value"]
        assert "time cannot be parsed" in cells and "not a number" in cells
    assert set(table.iloc[:, 1]) == {"when", "y"}  # the file's own columns
    assert "invalid_time" not in cells + warning and "invalid_float" not in cells + warning
