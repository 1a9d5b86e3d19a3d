"""Territory and survey loaders: tiny data made here, then the real bundle figures."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sources.errors import SchemaError, UnusableInputError
from sources.loaders import survey, territory

RM = "243500139"


def _square(x: float, y: float, d: float = 0.01) -> dict:
    return {"type": "Polygon",
            "coordinates": [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]]}


def _fc(features: list[dict], crs: str | None = None) -> dict:
    doc: dict = {"type": "FeatureCollection", "features": features}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{crs}"}}
    return doc


def _feat(props: dict, geom: dict | None) -> dict:
    return {"type": "Feature", "properties": props, "geometry": geom}


def _write(path: Path, doc: object) -> Path:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


@pytest.fixture()
def tiny_territory(tmp_path: Path) -> dict[str, Path]:
    communes = _fc([
        _feat({"territoire": "35238", "nom": "Rennes"}, _square(-1.70, 48.10)),
        _feat({"territoire": "35051", "nom": "Cesson-Sévigné"}, _square(-1.69, 48.10)),
        _feat({"territoire": "35001", "nom": "Acigné"}, None),  # missing geometry
        _feat({"territoire": "22016", "nom": "Île-de-Bréhat"}, _square(-3.0, 48.84)),
        _feat({"territoire": "35238", "nom": "Rennes bis"}, _square(-1.70, 48.10)),  # duplicate
    ])
    terr = [
        {"territoire": "35238", "type": "commune", "nom": "Rennes", "departement": "35", "epci": RM},
        {"territoire": "35051", "type": "commune", "nom": "Cesson", "departement": "35", "epci": RM},
        {"territoire": "22016", "type": "commune", "nom": "Bréhat", "departement": "22", "epci": None},
        {"territoire": RM, "type": "epci", "nom": "Rennes Métropole (long)", "departement": "35",
         "epci": None},
    ]
    epci = _fc([_feat({"territoire": RM, "nom": "Rennes Métropole"}, _square(-1.70, 48.10, 0.02))])
    return {"communes": _write(tmp_path / "communes.geojson", communes),
            "territories": _write(tmp_path / "territories-x.json", terr),
            "epci": _write(tmp_path / "epci.geojson", epci)}


def test_communes_epci_membership_and_quarantine(tiny_territory: dict[str, Path]) -> None:
    gdf, report = territory.load_communes(tiny_territory["communes"])  # table found beside
    assert list(gdf.columns) == list(territory.COMMUNE_COLUMNS)
    assert gdf.crs.to_epsg() == 4326
    assert gdf["insee"].tolist() == ["22016", "35051", "35238"]
    assert gdf["in_rennes_metropole"].tolist() == [False, True, True]
    assert gdf["epci_siren"].tolist() == [None, RM, RM]
    assert report.reason_counts() == {"duplicate_key": 1, "missing_geometry": 1}
    assert report.rows_read == 5 and report.rows_kept == 3
    assert report.stats["rennes_metropole_communes"] == 2
    assert [n.code for n in report.notices] == ["commune_without_epci"]
    poly = territory.rennes_metropole_polygon(gdf)
    assert poly.geom_type == "Polygon"  # two adjacent squares merge into one
    assert math.isclose(poly.area, 0.0002, rel_tol=1e-3)
    with pytest.raises(ValueError):
        territory.rennes_metropole_polygon(gdf, siren="999999999")


def test_communes_strict_raises_naming_file_row_field(tiny_territory: dict[str, Path]) -> None:
    with pytest.raises(SchemaError) as err:
        territory.load_communes(tiny_territory["communes"], strict=True)
    assert err.value.file == str(tiny_territory["communes"])
    assert err.value.row == 3 and err.value.field == "geometry"


def test_epci_counts_communes(tiny_territory: dict[str, Path]) -> None:
    gdf, report = territory.load_epci([tiny_territory["epci"], tiny_territory["territories"]])
    assert gdf.loc[0, ["siren", "name", "name_long", "n_communes"]].tolist() == [
        RM, "Rennes Métropole", "Rennes Métropole (long)", 2]
    assert report.stats["rennes_metropole_communes"] == 2


def test_polygons_in_web_mercator_are_reprojected(tmp_path: Path) -> None:
    from pyproj import Transformer

    t = Transformer.from_crs(4326, 3857, always_xy=True)
    ring = [t.transform(x, y) for x, y in _square(-1.68, 48.11)["coordinates"][0]]
    zone = {"type": "MultiPolygon", "coordinates": [[[list(p) for p in ring]]]}
    path = _write(tmp_path / "zones.geojson", _fc([  # no crs member: detected from magnitudes
        _feat({"objectid": 7, "idza": "ZA1", "nomza": "ZA test", "code_insee": 35238,
               "surfha": 1.5, "etape": "terminée"}, zone),
        _feat({"objectid": 8, "idza": "ZA1", "nomza": "far away"}, _square(5.0, 45.0)),
        _feat({"objectid": 9, "idza": "ZA2"}, {"type": "Polygon", "coordinates": [[1, 2]]}),
    ]))
    gdf, report = territory.load_business_zones(path)
    assert gdf["zone_id"].tolist() == [7]
    x0, y0, x1, y1 = gdf.total_bounds
    assert abs(x0 - -1.68) < 1e-6 and abs(y1 - 48.12) < 1e-6
    assert gdf.loc[0, "insee"] == "35238"
    assert report.reason_counts() == {"geometry_outside_area": 1, "invalid_geometry": 1}
    assert any(n.code == "crs_reprojected" and n.value == "EPSG:3857" for n in report.notices)


def test_iris_from_opendatasoft_export(tmp_path: Path) -> None:
    rec = {"geo_point_2d": {"lon": -1.6, "lat": 48.1},
           "geo_shape": {"type": "Feature", "geometry": _square(-1.6, 48.1), "properties": {}},
           "code_iris": "352381007", "code_insee": "35238", "nom_iris": "Beauregard",
           "nom_com": "Rennes", "type_iris": "H", "aire_geo": 1661495.78}
    path = _write(tmp_path / "iris.json", [rec, {**rec, "geo_shape": None, "code_iris": "x"}])
    gdf, report = territory.load_iris(path)
    assert gdf[["iris_code", "name", "insee", "iris_type"]].values.tolist() == [
        ["352381007", "Beauregard", "35238", "H"]]
    assert report.reason_counts() == {"missing_geometry": 1}


def test_malformed_json_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "broken.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    with pytest.raises(UnusableInputError) as err:
        territory.load_communes(bad)
    assert err.value.file == str(bad) and "broken.geojson" in str(err.value)
    not_geo = _write(tmp_path / "other.json", {"hello": 1})
    with pytest.raises(UnusableInputError, match="other.json"):
        territory.load_iris(not_geo)


def test_indicators_long_and_wide(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    long = pd.DataFrame({
        "territoire": ["35238", "35051", "35238", None], "type": ["commune"] * 4,
        "theme": ["mobilite"] * 4, "key": ["offre_tc", "offre_tc", "reseaux", "offre_tc"],
        "detail": [None, None, "b_longueur", None], "value": [0.9, 0.5, 12.0, 1.0],
        "unit": ["%", "%", "km", "%"], "rang_epci": [1.0, 0.5, 1.0, 0.0],
        "rang_dep": [1.0] * 4, "rang_reg": [1.0] * 4,
        "vintage_source": ["S"] * 4, "vintage_version": ["1"] * 4,
        "vintage_date_reference": ["2025-01-01"] * 4, "vintage_date_publication": ["2026-01-01"] * 4})
    wide = pd.DataFrame({"territoire": ["35238"], "type": ["commune"], "theme": ["mobilite"],
                         "story_key": ["vingt"], "pct_iso_full_t": [0.4], "delta": [np.nan],
                         "vintage_source": ["S"], "vintage_version": ["1"],
                         "vintage_date_reference": ["2025-01-01"],
                         "vintage_date_publication": ["2026-01-01"]})
    frames = {tmp_path / "indicators-a.parquet": long, tmp_path / "indicators-b.parquet": wide}
    for p in frames:
        p.write_bytes(b"PAR1....PAR1")
    monkeypatch.setattr(territory, "_read_parquet", lambda p: frames[p].copy())
    sources = _write(tmp_path / "indicators-sources.json",
                     [{"id": "s", "source": "S", "version": "1", "licence": "lov2"}])
    out, report = territory.load_indicators([*frames, sources])
    assert list(out.columns) == list(territory.INDICATOR_COLUMNS)
    assert report.reason_counts() == {"missing_required_field": 1}
    assert report.rows_read == 5 and report.rows_kept == 4
    assert set(out["source_id"]) == {"s"}
    tab = territory.indicator_table(out, "offre_tc")
    assert tab["offre_tc"].to_dict() == {"35051": 0.5, "35238": 0.9}
    wide_tab = territory.indicator_table(out, "pct_iso_full_t")
    assert wide_tab.to_dict() == {"vingt": {"35238": 0.4}}  # NaN "delta" dropped
    assert territory.indicator_table(out, "nothing").empty


def test_truncated_parquet_is_unusable(tmp_path: Path) -> None:
    p = tmp_path / "indicators-x.parquet"
    p.write_bytes(b"PAR1 truncated")
    with pytest.raises(UnusableInputError, match="indicators-x.parquet"):
        territory.load_indicators(p)


# -- survey ----------------------------------------------------------------------------------

SURVEY_HEADER = "id,a1,a3,etbst,b8,b9_1,b9_2,b9_3,b9_4,b9_5,b9b,x,y\n"


def test_survey_latin1_shift_repair_and_types(tmp_path: Path) -> None:
    rows = [
        "1,Vélo / VAE / Vélostar,Champs Blancs,Orange,Horaires réguliers,NA,NA,NA,NA,NA,09:00:00,-1.626076,48.1306469",
        # unquoted comma: every field shifted right, latitude lost
        "2,Voiture (seul(e)),Champs Blancs,NA,Heures fixes, variant selon le jour de semaine,08:00:00,08:30:00,NA,09:00:00,09:00:00,NA,-1.626076",
        "3,Marche à pied,Champs Blancs,Orange,Heures fixes,25:99,NA,NA,NA,NA,NA,NA,NA",
        "3,Train,Champs Blancs,Orange,Heures fixes,NA,NA,NA,NA,NA,NA,NA,NA",
    ]
    path = tmp_path / "survey.csv"
    path.write_bytes((SURVEY_HEADER + "\n".join(rows) + "\n").encode("latin-1"))
    out, report = survey.load_survey(path)
    assert list(out.columns) == list(survey.COLUMNS)
    assert out["answer_id"].tolist() == [1, 2, 3]
    assert out["mode"].tolist()[0] == "Vélo / VAE / Vélostar"  # decoded from latin-1
    assert out["mode_group"].tolist() == ["bike", "car_solo", "walk"]
    r2 = out.iloc[1]
    assert r2["schedule"] == "Heures fixes, variant selon le jour de semaine"
    assert [r2[f"start_{d}_s"] for d in ("mon", "tue", "thu", "fri")] == [28800, 30600, 32400, 32400]
    assert math.isnan(r2["start_wed_s"]) and math.isnan(r2["start_same_s"])
    assert (r2["lon"], r2["lat"]) == (-1.626076, 48.1306469)  # recovered from answer 1
    assert out.iloc[0]["start_same_s"] == 9 * 3600
    assert math.isnan(out.iloc[2]["lat"])
    assert report.reason_counts() == {"duplicate_key": 1}
    codes = {n.code for n in report.notices}
    assert {"non_utf8_encoding", "field_shift_repaired", "coordinates_recovered", "invalid_time",
            "missing_coordinates"} <= codes
    assert report.stats["field_shift_repaired"] == 1


def test_survey_missing_column_is_schema_error(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("id,a1\n1,Train\n", encoding="utf-8")
    with pytest.raises(SchemaError) as err:
        survey.load_survey(path)
    assert err.value.file == str(path) and err.value.field == "a3"


def test_survey_employers_epsg3857_with_wgs84_properties(tmp_path: Path) -> None:
    from pyproj import Transformer

    t = Transformer.from_crs(4326, 3857, always_xy=True)
    base = {"a1": "Métro / Bus", "a3": "Belle Fontaine", "etbst": "INSA", "b8": "Heures fixes",
            "b9_1": "NA", "b9_2": "NA", "b9_3": "NA", "b9_4": "NA", "b9_5": "NA", "b9b": "08:30:00"}
    good = t.transform(-1.625187, 48.1268456)
    off = t.transform(-1.60, 48.1268456)  # ~1.9 km east of its x/y
    feats = [
        _feat({**base, "id": 1, "x": -1.625187, "y": 48.1268456},
              {"type": "Point", "coordinates": list(good)}),
        _feat({**base, "id": 2, "x": -1.625187, "y": 48.1268456},
              {"type": "Point", "coordinates": list(off)}),
        _feat({**base, "id": 3, "x": -1.625187, "y": 48.1268456}, None),
    ]
    for crs in ("3857", None):  # declared, then detected from magnitudes
        path = _write(tmp_path / f"emp{crs}.geojson", _fc(feats, crs))
        out, report = survey.load_survey_employers(path)
        assert out["answer_id"].tolist() == [1]
        assert abs(out.loc[0, "lon"] - -1.625187) < 1e-9 and abs(out.loc[0, "lat"] - 48.1268456) < 1e-9
        assert report.reason_counts() == {"geometry_property_mismatch": 1, "missing_geometry": 1}
        assert report.stats["source_crs"] == ["EPSG:3857"]


# -- the real bundle -------------------------------------------------------------------------

@pytest.mark.bundle
@pytest.mark.slow
def test_bundle_territory_figures(bundle_dir: Path) -> None:
    t = bundle_dir / "territory"
    communes, rep = territory.load_communes([t / "communes-bretagne-2025.geojson",
                                             t / "territories-bretagne.json"])
    assert rep.stats["communes"] == 1202 and rep.stats["rennes_metropole_communes"] == 43
    assert rep.n_quarantined == 0
    poly = territory.rennes_metropole_polygon(communes)
    assert poly.contains(__import__("shapely").Point(-1.6778, 48.1173))  # Rennes centre
    epci, rep = territory.load_epci([t / "epci-bretagne-2025.geojson", t / "territories-bretagne.json"])
    assert len(epci) == 61 and rep.stats["rennes_metropole_communes"] == 43
    iris, rep = territory.load_iris(t / "iris-rennes-metropole.json")
    assert len(iris) == 172 and rep.stats["communes"] == 43
    zones, rep = territory.load_business_zones(t / "business-zones-rennes-metropole.geojson")
    assert len(zones) == 212 and rep.n_quarantined == 0


@pytest.mark.bundle
@pytest.mark.slow
def test_bundle_indicators(bundle_dir: Path) -> None:
    t = bundle_dir / "territory"
    out, rep = territory.load_indicators(sorted(t.glob("indicators-*")))
    assert rep.stats["rows_by_file"]["indicators-demography.parquet"] == 12680
    assert rep.stats["rows_by_file"]["indicators-mobility.parquet"] == 21556
    assert rep.rows_read == 12680 + 21556 + 1405 and rep.n_quarantined == 0
    assert out["source_id"].notna().all()
    density = territory.indicator_table(out, "densite")
    assert len(density) == 1202 and density.loc["35238", "densite"] > 3000  # Rennes, hab/km²


@pytest.mark.bundle
@pytest.mark.slow
def test_bundle_survey(bundle_dir: Path) -> None:
    answers, rep = survey.load_survey(bundle_dir / "survey" / "commuter-survey-2020.csv")
    assert len(answers) == 3416 and rep.n_quarantined == 0
    assert rep.stats["field_shift_repaired"] == 90 and rep.stats["with_coordinates"] == 3416
    assert answers["mode"].str.contains("é").any()
    emp, rep = survey.load_survey_employers(bundle_dir / "survey" / "commuter-survey-employers.geojson")
    assert len(emp) == 3326 and rep.n_quarantined == 0
    assert rep.stats["max_property_gap_m"] < 1
    joined = answers.merge(emp, on="answer_id", suffixes=("", "_e"))
    assert len(joined) == 3326 and (joined["mode"] == joined["mode_e"]).all()
