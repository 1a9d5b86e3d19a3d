"""STAR exports, bus positions, traffic history and REV loaders: tiny data, then the bundle."""

from __future__ import annotations

import io
import json
import math
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from sources.errors import SchemaError, UnusableInputError
from sources.loaders import cycling, realtime, star, traffic


def _write(path: Path, doc: object) -> Path:
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def _stop(code: str, lon: float | None, lat: float | None, **kw: object) -> dict:
    rec = {"id": code, "code": code, "nom": f"Arrêt {code}", "codeinseecommune": "35238",
           "nomcommune": "Rennes", "estaccessiblepmr": "true", "mobilier": "Poteau",
           "datedebutversion": "2024-09-02", "datefinversion": None, "stop_id": f"6-{code}",
           "coordonnees": None if lon is None else {"lon": lon, "lat": lat}}
    rec.update(kw)
    return rec


def test_star_stops_coordinates_checked(tmp_path: Path) -> None:
    path = _write(tmp_path / "stops.json", [
        _stop("1002", -1.637811, 48.128276),
        _stop("1001", 48.129051, -1.632576, estaccessiblepmr="false"),  # swapped: fixed
        _stop("1003", None, None),  # missing
        _stop("1004", 0.0, 0.0),  # near origin
        _stop("1005", 1.63, 48.12),  # sign-flipped longitude
        _stop("1002", -1.6, 48.1),  # duplicate id
    ])
    out, report = star.load_star_stops(path)
    assert list(out.columns) == list(star.STOP_COLUMNS)
    assert out["stop_id"].tolist() == ["6-1001", "6-1002"]
    assert out.loc[0, ["lon", "lat"]].tolist() == [-1.632576, 48.129051]
    assert out["wheelchair_accessible"].tolist() == [False, True]
    assert report.reason_counts() == {"duplicate_key": 1, "missing_coordinates": 1,
                                      "point_near_origin": 1, "point_outside_area": 1}
    assert [n.code for n in report.notices] == ["swapped_coordinates"]
    with pytest.raises(SchemaError) as err:
        star.load_star_stops(path, strict=True)
    assert err.value.file == str(path) and err.value.row == 3


def test_route_stops_incomplete_and_foreign_keys(tmp_path: Path) -> None:
    def rs(pattern: str, code: str, order: int) -> dict:
        return {"idparcours": pattern, "idligne": "0062", "nomcourtligne": "62", "idarret": code,
                "nomarret": code, "ordre": order, "estmonteeautorisee": "true",
                "estdescenteautorisee": "false", "stop_id": f"6-{code}"}

    path = _write(tmp_path / "rs.json", [rs("P1", "1", 2), rs("P1", "2", 1), rs("P2", "1", 1),
                                         rs("P2", "3", 3), rs("P2", "9", 4), rs("P1", "2", 2)])
    stops = pd.DataFrame({"stop_id": ["6-1", "6-2", "6-3"]})
    out, report = star.load_route_stops(path, stops=stops)
    assert out[["pattern_id", "stop_sequence", "stop_id"]].values.tolist() == [
        ["P1", 1, "6-2"], ["P1", 2, "6-1"], ["P2", 1, "6-1"], ["P2", 3, "6-3"]]
    assert out["dropoff_allowed"].tolist() == [False] * 4
    assert report.reason_counts() == {"duplicate_key": 1, "foreign_key_violation": 1}
    assert report.stats["patterns_complete"] == 1
    assert [n.code for n in report.notices] == ["incomplete_export"]


def test_metro_and_disruptions(tmp_path: Path) -> None:
    metro = _write(tmp_path / "metro.json", [
        {"id": "15001", "code": "JFK", "nom": "J.F. Kennedy", "adressenumero": 45,
         "adressevoie": "cours Kennedy", "coordonnees": {"lon": -1.711, "lat": 48.121},
         "accespmr": "true", "codetechniquestationlignea": "JFK", "niveaustationlignea": -2,
         "codetechniquestationligneb": None, "niveaustationligneb": None},
        {"id": "15020", "code": "SA", "nom": "Sainte-Anne", "adressenumero": None,
         "adressevoie": "place", "coordonnees": {"lon": -1.680, "lat": 48.114},
         "accespmr": "true", "codetechniquestationlignea": "STA", "niveaustationlignea": -2,
         "codetechniquestationligneb": "STA", "niveaustationligneb": -3}])
    out, report = star.load_metro_stations(metro)
    assert out["line_b"].tolist() == [False, True] and report.stats["interchanges"] == 1
    assert out["address"].tolist() == ["45 cours Kennedy", "place"]
    assert out["level_b"].tolist()[1] == -3
    base = {"titre": "t", "description": "d", "niveau": ["Bloquante"], "idligne": "0001",
            "nomcourtligne": "C1", "url": "u", "publication": "2025-08-26T12:28:01+00:00"}
    dis = _write(tmp_path / "dis.json", [
        {**base, "idperturbation": "a", "debutvalidite": "2025-09-01T03:00:00+00:00",
         "finvalidite": "2025-09-02T05:00:00+02:00"},
        {**base, "idperturbation": "b", "debutvalidite": "pas une date", "finvalidite": None},
        {**base, "idperturbation": "c", "debutvalidite": "2025-09-05T03:00:00+00:00",
         "finvalidite": "2025-09-01T03:00:00+00:00", "niveau": ["Mineure", "Majeure"]}])
    out, report = star.load_disruptions(dis)
    assert str(out["start"].dtype) == "datetime64[ns, UTC]"
    assert out["end"].iloc[0] == pd.Timestamp("2025-09-02T03:00:00Z")
    assert out["severity"].tolist() == ["Bloquante", "Mineure; Majeure"]
    assert report.reason_counts() == {"invalid_time": 1}
    assert [n.code for n in report.notices] == ["invalid_time"]  # end before start, kept


def test_bus_positions_both_formats(tmp_path: Path) -> None:
    def rec(bus: str, coords: list | None, **fields: object) -> dict:
        return {"fields": {"idbus": bus, "numerobus": int(bus), "etat": "En ligne",
                           "coordonnees": coords, **fields},
                "record_timestamp": "2020-04-02T17:48:00+02:00"}

    a = _write(tmp_path / "a.json", [
        rec("1", [48.09, -1.78], ecartsecondes=31, idligne="0054", nomcourtligne="54", sens=1),
        rec("2", [0.0, 0.0]), rec("3", [48.10, 2.35]), rec("1", [48.09, -1.78])])
    b = _write(tmp_path / "b.json", {"nhits": 1, "records": [
        {"fields": {"idbus": "9", "etat": "Hors-service", "coordonnees": [48.11, -1.64]},
         "record_timestamp": "2022-12-20T15:53:00Z"}]})
    out, report = realtime.load_bus_positions([a, b])
    assert list(out.columns) == list(realtime.COLUMNS)
    assert out["vehicle_id"].tolist() == ["1", "9"]
    assert out.loc[0, ["lon", "lat", "delay_s", "direction"]].tolist() == [-1.78, 48.09, 31, 1]
    assert out.loc[0, "timestamp"] == pd.Timestamp("2020-04-02T15:48:00Z")
    assert pd.isna(out.loc[1, "delay_s"])
    assert out["in_service"].tolist() == [True, False]  # "En ligne" / "Hors-service"
    assert report.stats["in_service"] == 1
    assert report.reason_counts() == {"duplicate_key": 1, "point_near_origin": 1,
                                      "point_outside_area": 1}
    assert report.stats["by_snapshot"] == {"a.json": 1, "b.json": 1}


def test_malformed_json_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "positions.json"
    bad.write_text("[{", encoding="utf-8")
    for loader in (realtime.load_bus_positions, star.load_star_stops, cycling.load_rev):
        with pytest.raises(UnusableInputError) as err:
            loader(bad)
        assert err.value.file == str(bad)


CSV_HEAD = ("datetime,traveltimereliability,denomination,trafficstatus,averagevehiclespeed,"
            "traveltime,predefinedlocationreference,year,month,day,hour,minute,Section,Direction\n")


def _zip(path: Path, text: str) -> Path:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("Trafic.csv", text)
    path.write_bytes(buf.getvalue())
    return path


def test_traffic_history_typed_and_checked(tmp_path: Path) -> None:
    rows = [
        "2021-02-16 08:26:00+00:00,0,Rue de Vezin,freeFlow,46,6,213972_D,2021,2,16,8,26,213972,D",
        "2021-02-16 08:26:00+00:00,0,Rue de Vezin,freeFlow,46,6,213972_D,2021,2,16,8,26,213972,D",
        "2021-02-16 08:26:00+00:00,22,Rue de Vezin,heavy,0,0,213972_G,2021,2,16,8,26,213972,G",
        "not a time,22,Rue de Vezin,heavy,30,5,213973_G,2021,2,16,8,26,213973,G",
        "2021-02-16 08:31:00+00:00,50,Rue de Vezin,congested,-3,5,213973_G,2021,2,16,8,31,213973,G",
    ]
    path = _zip(tmp_path / "t.zip", CSV_HEAD + "\n".join(rows) + "\n")
    out, report = traffic.load_traffic_history(path)
    assert list(out.columns) == list(traffic.COLUMNS)
    assert out["section_id"].tolist() == ["213972_D", "213972_G"]
    assert out.loc[0, ["speed_kmh", "travel_time_s", "reliability_pct"]].tolist() == [46, 6, 0]
    assert math.isnan(out.loc[1, "speed_kmh"])  # 0 and 0: no measurement
    assert str(out["datetime"].dtype) == "datetime64[ns, UTC]"
    assert report.reason_counts() == {"duplicate_key": 1, "invalid_time": 1, "invalid_value": 1}
    assert report.stats["rows"] == 5 and report.stats["sections"] == 2


def test_traffic_bad_inputs(tmp_path: Path) -> None:
    good = _zip(tmp_path / "g.zip", CSV_HEAD + "2021-02-16 08:26:00+00:00,0,R,freeFlow,46,6,1_D,"
                "2021,2,16,8,26,1,D\n")
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(good.read_bytes()[:40])
    with pytest.raises(UnusableInputError, match="truncated.zip"):
        traffic.load_traffic_history(truncated)
    html = tmp_path / "page.zip"
    html.write_text("<html>not found</html>", encoding="utf-8")
    with pytest.raises(UnusableInputError, match="page.zip"):
        traffic.load_traffic_history(html)
    nocol = _zip(tmp_path / "nocol.zip", "datetime,foo\n2021-02-16,1\n")
    with pytest.raises(SchemaError) as err:
        traffic.load_traffic_history(nocol)
    assert err.value.field == "predefinedlocationreference" and "nocol.zip" in err.value.file


def test_rev_lines_and_danger_points(tmp_path: Path) -> None:
    feats = [
        {"type": "Feature", "properties": {"line": 3, "name": "A", "status": "done",
                                           "type": "voie-verte", "doneAt": "01/06/2023"},
         "geometry": {"type": "LineString", "coordinates": [[-1.68, 48.11], [-1.68, 48.12]]}},
        {"type": "Feature", "properties": {"id": "danger-x", "type": "danger", "name": "D",
                                           "danger": "Traversée dangereuse"},
         "geometry": {"type": "Point", "coordinates": [-1.67, 48.11]}},
        {"type": "Feature", "properties": {"line": 3, "name": "nogeom"}, "geometry": None},
        {"type": "Feature", "properties": {"line": 3, "name": "poly", "doneAt": "2023"},
         "geometry": {"type": "Polygon", "coordinates": [[[-1.6, 48.1], [-1.5, 48.1],
                                                          [-1.5, 48.2], [-1.6, 48.1]]]}},
    ]
    path = _write(tmp_path / "ligne-3.json", {"type": "FeatureCollection", "features": feats})
    gdf, report = cycling.load_rev([path])
    assert list(gdf.columns) == list(cycling.COLUMNS) and gdf.crs.to_epsg() == 4326
    assert gdf["kind"].tolist() == ["danger", "section"]
    assert gdf["line"].tolist() == [3, 3]  # the danger spot took its line from the file name
    sec = gdf[gdf["kind"] == "section"].iloc[0]
    assert abs(sec["length_m"] - 1112) < 5 and sec["done_at"] == pd.Timestamp("2023-06-01")
    assert math.isnan(gdf[gdf["kind"] == "danger"].iloc[0]["length_m"])
    assert report.reason_counts() == {"invalid_geometry": 1, "missing_geometry": 1}
    assert "line_from_file_name" in {n.code for n in report.notices}
    assert cycling.STATUS_FR["wip"] == "en travaux"


# -- the real bundle -------------------------------------------------------------------------

@pytest.mark.bundle
@pytest.mark.slow
def test_bundle_star_exports(bundle_dir: Path) -> None:
    net = bundle_dir / "network"
    stops, rep = star.load_star_stops(net / "star-stops-2025.json")
    assert len(stops) == 1825 and rep.n_quarantined == 0
    assert stops["stop_id"].str.startswith("6-").all()
    rs, rep = star.load_route_stops(net / "star-route-stops-2025-partial.json", stops=stops)
    assert rep.rows_read == 3000 and rep.stats["lines"] == 156 and rep.n_quarantined == 0
    assert "incomplete_export" in {n.code for n in rep.notices}
    metro, rep = star.load_metro_stations(net / "star-metro-stations-2023.json")
    assert len(metro) == 28 and rep.stats["line_a"] == 15 and rep.stats["line_b"] == 15
    dis, rep = star.load_disruptions(net / "star-disruptions-2025.json")
    assert len(dis) == 72 and dis["start"].notna().all()


@pytest.mark.bundle
@pytest.mark.slow
def test_bundle_realtime_traffic_rev(bundle_dir: Path) -> None:
    pos, rep = realtime.load_bus_positions(sorted((bundle_dir / "realtime").glob("star-bus-*.json")))
    assert rep.stats["by_snapshot"] == {"star-bus-positions-2020-04-02.json": 432,
                                        "star-bus-positions-2022-12-20.json": 443}
    tr, rep = traffic.load_traffic_history(bundle_dir / "traffic" / "rm-traffic-2021-02.zip")
    assert rep.rows_read == 178708 and rep.stats["sections"] == 2122
    assert rep.reason_counts() == {"duplicate_key": 504}  # exact repeats in the archive
    rev, rep = cycling.load_rev(sorted((bundle_dir / "cycling" / "rev").glob("ligne-*.json")))
    assert len(rev) == 255 and rep.stats["dangers"] == 29 and rep.stats["lines"] == 16
    assert set(rev["status"].dropna()) == {"done", "wip", "planned", "expected", "postponed"}
