"""Point loaders: bike share (GBFS v2/v3, CSV exports), BNLC carpool places, IRVE charging,
car parks. Tiny inputs are written by each test; the bundle tests check the issue's figures."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sources import settings
from sources.errors import SchemaError, UnusableInputError
from sources.loaders import _tabular as tab
from sources.loaders.bikeshare import COLUMNS as BIKE_COLUMNS
from sources.loaders.bikeshare import load_bikeshare
from sources.loaders.carpool import COLUMNS as BNLC_COLUMNS
from sources.loaders.carpool import RENNES_METROPOLE_INSEE, load_bnlc
from sources.loaders.irve import COLUMNS as IRVE_COLUMNS
from sources.loaders.irve import POINT_COLUMNS as IRVE_POINT_COLUMNS
from sources.loaders.irve import load_irve
from sources.loaders.parkings import COLUMNS as PARKING_COLUMNS
from sources.loaders.parkings import load_parkings
from sources.validate import Report


def write(path: Path, text: str, *, encoding: str = "utf-8", newline: str = "\n") -> Path:
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


def write_json(path: Path, obj: object) -> Path:
    path.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    return path


def assert_contract(frame: pd.DataFrame, columns: dict[str, str]) -> None:
    assert list(frame.columns) == list(columns)
    for col, dtype in columns.items():
        assert str(frame[col].dtype) == str(pd.Series(dtype=dtype).dtype), col


def codes(notices) -> list[str]:
    return [n.code for n in notices]


# -- shared tabular helpers -------------------------------------------------------------------

def test_read_csv_table_latin1_semicolon_bom_crlf(tmp_path: Path) -> None:
    p = write(tmp_path / "a.csv", '"nom";"x"\n"Cesson-Sévigné";" -1,6 "\n"Rennes";"2"\n',
              encoding="latin-1", newline="\r\n")
    report = Report("t")
    frame = tab.read_csv_table(p, report=report)
    assert frame["nom"].tolist() == ["Cesson-Sévigné", "Rennes"]
    assert frame["x"].tolist() == ["-1,6", "2"]
    assert frame[tab.ROW].tolist() == [1, 2]
    assert codes(report.notices) == ["non_utf8_encoding"]
    bom = write(tmp_path / "b.csv", "\ufeffa,b\n1,2\n")
    assert list(tab.read_csv_table(bom).columns) == ["a", "b", tab.ROW]


def test_typed_conversions() -> None:
    s = pd.Series([" -1,67 ", "\u00a0-2.5\u00a0", "1 234,5", "50kW", "22.000", "x", "", None])
    assert tab.to_float(s).tolist()[:5] == [-1.67, -2.5, 1234.5, 50.0, 22.0]
    assert tab.to_float(s).iloc[5:].isna().all()
    assert tab.to_int(pd.Series(["22.000", "3", "2.5", ""])).tolist() == [22, 3, pd.NA, pd.NA]
    assert tab.to_bool(pd.Series(["true", "Oui", "0", "FALSE", "?"])).tolist() == [
        True, True, False, False, pd.NA]
    a, b = tab.parse_pair(pd.Series(["[-1.6, 48.1]", " [ 48.1 ,-1.6 ] ", "[1]"]))
    assert a.tolist()[:2] == [-1.6, 48.1] and b.tolist()[:2] == [48.1, -1.6]
    assert np.isnan(a.iloc[2])
    assert tab.department_of(pd.Series(["35238", "97411", "2A004", "5001", "x"])).tolist() == [
        "35", "974", "2A", "05", pd.NA]


def test_unreadable_files_name_the_file(tmp_path: Path) -> None:
    bad = write(tmp_path / "station_information.json", '{"data": {"stations": [')
    with pytest.raises(UnusableInputError) as err:
        load_bikeshare(bad)
    assert "station_information.json" in str(err.value)
    empty = write(tmp_path / "empty.csv", "")
    with pytest.raises(UnusableInputError, match="empty file"):
        load_irve(empty)


def test_binary_and_ragged_csv_are_unusable(tmp_path: Path) -> None:
    zipped = tmp_path / "irve.csv"
    zipped.write_bytes(b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(200))
    with pytest.raises(UnusableInputError, match="binary"):
        load_irve(zipped)
    # a line with too many fields costs that line only: quarantined with its row
    ragged = write(tmp_path / "bnlc.csv", "id_lieu,Xlong,Ylat\n1,-1.6,48.1\n2,-1.6,48.1,x,y\n")
    data, report = load_bnlc(ragged)
    assert list(data["place_id"]) == ["1"]
    bad = [n for n in report.quarantined if n.code == "invalid_row_length"]
    assert [(n.file, n.row) for n in bad] == [(str(ragged), 2)]
    assert "line 3" in bad[0].message


@pytest.mark.parametrize(("loader", "name", "text", "columns"), [
    (load_bikeshare, "station_information.json", '{"data": {"stations": []}}', BIKE_COLUMNS),
    (load_bnlc, "bnlc.csv", "id_lieu,nom_lieu,insee,Xlong,Ylat\n", BNLC_COLUMNS),
    (load_irve, "irve.csv", "id_station;n_station;Xlongitude;Ylatitude;id_pdc;puiss_max\n", IRVE_COLUMNS),
    (load_parkings, "p.json", "[]", PARKING_COLUMNS),
])
def test_empty_inputs_give_contract_frames(tmp_path: Path, loader, name, text, columns) -> None:
    data, report = loader(write(tmp_path / name, text))
    assert len(data) == 0 and report.rows_read == 0
    assert_contract(data, columns)


# -- bike share -------------------------------------------------------------------------------

T0 = 1790504767  # 2026-09-27 10:26:07 UTC


def gbfs_v2(tmp_path: Path, *, status: bool = True, reported: tuple[int, int] = (T0, T0)) -> list[Path]:
    info = {"last_updated": T0, "ttl": 60, "version": "2.3", "data": {"stations": [
        {"station_id": "5501", "name": "République", "lat": 48.110026, "lon": -1.678037,
         "address": "19 Quai Lamartine", "capacity": 45},
        {"station_id": "5502", "name": "Mairie - Opéra", "lat": 48.111624, "lon": -1.678757,
         "capacity": 24},
    ]}}
    paths = [write_json(tmp_path / "station_information.json", info)]
    if status:
        st = {"last_updated": T0, "ttl": 60, "version": "2.3", "data": {"stations": [
            {"station_id": "5501", "num_bikes_available": 5, "num_docks_available": 40,
             "is_installed": 1, "is_renting": 1, "is_returning": 1, "last_reported": reported[0]},
            {"station_id": "5502", "num_bikes_available": 1, "num_docks_available": 23,
             "is_installed": 0, "is_renting": 1, "is_returning": 1, "last_reported": reported[1]},
        ]}}
        paths.append(write_json(tmp_path / "station_status.json", st))
    return paths


def test_gbfs_v2_exact(tmp_path: Path) -> None:
    data, report = load_bikeshare(gbfs_v2(tmp_path))
    assert_contract(data, BIKE_COLUMNS)
    assert data["station_id"].tolist() == ["5501", "5502"]
    assert data["name"].tolist() == ["République", "Mairie - Opéra"]
    assert data["lon"].tolist() == [-1.678037, -1.678757]
    assert data["capacity"].tolist() == [45, 24]
    assert data["bikes_available"].tolist() == [5, 1]
    assert data["docks_available"].tolist() == [40, 23]
    assert data["is_renting"].tolist() == [True, False]  # 5502 is not installed
    assert data["status_known"].tolist() == [True, True]
    assert data["status_time"].iloc[0] == pd.Timestamp("2026-09-27 10:26:07", tz="UTC")
    assert report.stats["stations"] == 2 and report.stats["capacity"] == 69
    assert report.stats["bikes_available"] == 6
    assert report.ok and report.notices == []


def test_gbfs_v3_through_discovery(tmp_path: Path) -> None:
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    base = "https://example.org/gbfs/v3"
    write_json(feeds / "gbfs.json", {"last_updated": "2026-09-27T10:26:07Z", "ttl": 0, "version": "3.0",
                                     "data": {"feeds": [
                                         {"name": "system_information", "url": f"{base}/system_information.json"},
                                         {"name": "station_information", "url": f"{base}/station_information.json"},
                                         {"name": "station_status", "url": f"{base}/station_status"}]}})
    write_json(feeds / "station_information.json", {
        "last_updated": "2026-09-27T10:26:07Z", "ttl": 0, "version": "3.0", "data": {"stations": [
            {"station_id": "a", "name": [{"text": "Gare", "language": "en"},
                                         {"text": "Gare Sud", "language": "fr"}],
             "lat": 48.1035, "lon": -1.6722, "capacity": 20}]}})
    write_json(feeds / "station_status.json", {
        "last_updated": "2026-09-27T10:26:07+00:00", "ttl": 0, "version": "3.0", "data": {"stations": [
            {"station_id": "a", "num_vehicles_available": 7, "num_docks_available": 13,
             "vehicle_types_available": [{"vehicle_type_id": "bike", "count": 5},
                                         {"vehicle_type_id": "ebike", "count": 2}],
             "is_installed": True, "is_renting": True, "is_returning": False,
             "last_reported": "2026-09-27T12:20:00+02:00"}]}})
    data, report = load_bikeshare(feeds / "gbfs.json")
    assert data["name"].tolist() == ["Gare Sud"]
    assert data["bikes_available"].tolist() == [7]
    assert data["is_returning"].tolist() == [False]
    assert data["status_time"].tolist() == [pd.Timestamp("2026-09-27 10:20:00", tz="UTC")]
    assert data["status_known"].tolist() == [True]
    assert len(report.files) == 2


def test_gbfs_v3_vehicle_types_only(tmp_path: Path) -> None:
    info, _ = gbfs_v2(tmp_path)
    write_json(tmp_path / "station_status.json", {"last_updated": "2026-09-27T10:26:07Z", "data": {
        "stations": [{"station_id": "5501", "vehicle_types_available": [
            {"vehicle_type_id": "b", "count": 3}, {"vehicle_type_id": "e", "count": 4}],
            "num_docks_available": 30, "is_installed": True, "is_renting": True, "is_returning": True,
            "last_reported": "2026-09-27T10:26:07Z"}]}})
    data, report = load_bikeshare([info, tmp_path / "station_status.json"])
    assert data["bikes_available"].tolist() == [7, pd.NA]
    assert data["status_known"].tolist() == [True, False]
    assert [(n.code, n.row) for n in report.notices] == [("status_missing", 2)]


def test_gbfs_status_missing(tmp_path: Path) -> None:
    data, report = load_bikeshare(gbfs_v2(tmp_path, status=False))
    assert data["bikes_available"].isna().all() and data["docks_available"].isna().all()
    assert data["is_renting"].isna().all()
    assert not data["status_known"].any()
    assert data["capacity"].tolist() == [45, 24]
    assert codes(report.notices) == ["status_missing"]
    assert report.stats["bikes_available"] is None and report.stats["capacity"] == 69


def test_gbfs_discovery_without_status_file(tmp_path: Path) -> None:
    info, _ = gbfs_v2(tmp_path)
    (tmp_path / "station_status.json").unlink()
    write_json(tmp_path / "gbfs.json", {"last_updated": T0, "data": {"fr": {"feeds": [
        {"name": "station_information", "url": "https://x.org/station_information.json"},
        {"name": "station_status", "url": "https://x.org/station_status.json"}]}}})
    data, report = load_bikeshare(tmp_path / "gbfs.json")
    assert len(data) == 2 and not data["status_known"].any()
    assert codes(report.notices) == ["feed_not_found", "status_missing"]


def test_gbfs_status_stale_against_now(tmp_path: Path) -> None:
    now = pd.Timestamp(T0 + 7200, unit="s", tz="UTC")
    data, report = load_bikeshare(gbfs_v2(tmp_path), now=now, max_status_age_s=3600)
    assert not data["status_known"].any()
    assert data["bikes_available"].isna().all()
    assert codes(report.notices) == ["status_stale", "status_stale"]
    data, report = load_bikeshare(gbfs_v2(tmp_path), now=now, max_status_age_s=10_000)
    assert data["status_known"].all() and report.notices == []


def test_gbfs_station_stopped_reporting_is_stale_without_now(tmp_path: Path) -> None:
    # no `now`: the feed's last_updated is the reference; station 5502 last reported a day before
    data, report = load_bikeshare(gbfs_v2(tmp_path, reported=(T0, T0 - 86400)))
    assert data["status_known"].tolist() == [True, False]
    assert data["bikes_available"].tolist() == [5, pd.NA]
    assert [(n.code, n.row, n.field) for n in report.notices] == [("status_stale", 2, "status_time")]


def test_gbfs_bad_rows_quarantined(tmp_path: Path) -> None:
    info = {"data": {"stations": [
        {"station_id": "1", "name": "A", "lat": 48.11, "lon": -1.67, "capacity": 10},
        {"station_id": "1", "name": "A bis", "lat": 48.12, "lon": -1.67, "capacity": 10},
        {"station_id": "2", "name": "Zero", "lat": 0, "lon": 0, "capacity": 10},
        {"station_id": "3", "name": "Swapped", "lat": -1.66, "lon": 48.1, "capacity": 8},
        {"station_id": "", "name": "No id", "lat": 48.1, "lon": -1.6}]}}
    status = {"data": {"stations": [
        {"station_id": "1", "num_bikes_available": 2, "num_docks_available": 8},
        {"station_id": "99", "num_bikes_available": 2, "num_docks_available": 8}]}}
    paths = [write_json(tmp_path / "station_information.json", info),
             write_json(tmp_path / "station_status.json", status)]
    data, report = load_bikeshare(paths)
    assert data["station_id"].tolist() == ["1", "3"]
    assert data.loc[1, ["lon", "lat"]].tolist() == [-1.66, 48.1]  # swapped back
    assert sorted((n.code, n.row) for n in report.quarantined) == [
        ("duplicate_key", 2), ("foreign_key_violation", 2), ("missing_required_field", 5),
        ("point_near_origin", 3)]
    assert "swapped_coordinates" in codes(report.notices)
    with pytest.raises(SchemaError) as err:
        load_bikeshare(paths, strict=True)
    assert err.value.file is not None and err.value.row is not None


def test_ods_csv_french_headers(tmp_path: Path) -> None:
    p = write(tmp_path / "etat-des-stations.csv",
              "Identifiant station;Nom;Etat;Nombre emplacements actuels;Nombre emplacements "
              "disponibles;Nombre vélos disponibles;Coordonnées;Date\n"
              "1;République;En fonctionnement;30;25;5;48.1100259, -1.6780372;2018-04-25T10:47:04+02:00\n"
              "2;Mairie;En maintenance;24;0;0;48.11162394, -1.678756711;2018-04-25T10:47:04+02:00\n",
              encoding="latin-1")
    data, report = load_bikeshare(p)
    assert data["station_id"].tolist() == ["1", "2"]
    assert data["lat"].tolist() == [48.1100259, 48.11162394]
    assert data["lon"].tolist() == [-1.6780372, -1.678756711]
    assert data["capacity"].tolist() == [30, 24]
    assert data["bikes_available"].tolist() == [5, 0]
    assert data["docks_available"].tolist() == [25, 0]
    assert data["is_renting"].tolist() == [True, False]
    assert data["status_time"].tolist() == [pd.Timestamp("2018-04-25 08:47:04", tz="UTC")] * 2
    assert report.stats == {"stations": 2, "capacity": 54, "bikes_available": 5,
                            "docks_available": 25, "stations_status_known": 2,
                            "status_time": "2018-04-25T08:47:04+00:00"}


def test_gbfs_named_csv_and_2018_pair(tmp_path: Path) -> None:
    csv_ = write(tmp_path / "stations.csv",
                 "station_id,name,address,lon,lat,capacity,is_installed,is_renting,is_returning,"
                 "num_bikes_available,num_docks_available,post_code,last_reported\n"
                 f"5501,République,19 Quai Lamartine,-1.678037,48.110026,45,0,0,0,0,0,35238,{T0}\n")
    data, _ = load_bikeshare(csv_)
    assert data[["station_id", "capacity", "bikes_available", "is_renting"]].iloc[0].tolist() == [
        "5501", 45, 0, False]
    topo = write(tmp_path / "topology.csv",
                 "id,nom,adresse_numero,adresse_voie,commune,latitude,longitude,nb_emplacements\n"
                 "1,République,19,Quai Lamartine,Rennes,48.1100259201, -1.6780371631,30\n"
                 "2,Mairie,,Galerie du Théâtre,Rennes,48.11162394, -1.678756711,24\n")
    status = write(tmp_path / "status.csv",
                   "id,nom,latitude,longitude,etat,nb_mplacements,emplacements_disponibles,"
                   "velos_disponibles,date\n"
                   "1,République,48.1100259201, -1.6780371631,En fonctionnement,30,25,5,"
                   "2018-04-25T10:47:04+02:00\n")
    data, report = load_bikeshare([topo, status])
    assert data["lon"].tolist() == [-1.6780371631, -1.678756711]
    assert data["address"].tolist() == ["19 Quai Lamartine", "Galerie du Théâtre"]
    assert data["bikes_available"].tolist() == [5, pd.NA]
    assert data["status_known"].tolist() == [True, False]
    assert [(n.code, n.row) for n in report.notices] == [("status_missing", 2)]


def test_bikeshare_not_a_station_file(tmp_path: Path) -> None:
    p = write(tmp_path / "x.csv", "foo,bar\n1,2\n")
    with pytest.raises(UnusableInputError, match="station id"):
        load_bikeshare(p)


# -- BNLC carpool places -----------------------------------------------------------------------

BNLC_HEADER_02 = ('"id_lieu","id_local","nom_lieu","ad_lieu","com_lieu","insee","type","date_maj",'
                  '"ouvert","source","Xlong","Ylat","nbre_pl","nbre_pmr","duree","horaires",'
                  '"proprio","lumiere","comm"')


def test_bnlc_v02_and_v03_same_columns(tmp_path: Path) -> None:
    v02 = write(tmp_path / "v02.csv", BNLC_HEADER_02 + "\n"
                '"35238-C-001","C-001","Gayeulles","","Rennes","35238","Aire de covoiturage",'
                '"2022-04-26","true","110002011","-1.625830","48.154275","5","1","","","","false",""\n'
                '"35037-C-001","C-001","Bréal","","Bréal","35037","Parking","2022-04-26","true",'
                '"223500018","-1.877751","48.061167","","","","","","",""\n')
    v03 = write(tmp_path / "v03.csv",
                "id_local;nom_lieu;ad_lieu;com_lieu;insee;type;date_maj;ouvert;source;Xlong;Ylat;"
                "nbre_pl;nbre_pmr;duree;horaires;proprio;lumiere;comm\n"
                "RM-7;Gayeulles;;Rennes;35238;Aire de covoiturage;2024-01-02;true;RM;-1,625830;"
                "48,154275;12;0;;;;true;\n")
    a, ra = load_bnlc(v02)
    b, rb = load_bnlc(v03)
    assert_contract(a, BNLC_COLUMNS)
    assert_contract(b, BNLC_COLUMNS)
    assert a["place_id"].tolist() == ["35238-C-001", "35037-C-001"]
    assert a["schema_version"].tolist() == ["0.2", "0.2"]
    assert a["places"].tolist() == [5, pd.NA]
    assert a["in_rennes_metropole"].tolist() == [True, False]  # Bréal is outside the EPCI
    assert b["place_id"].tolist() == ["RM-7"] and b["local_id"].tolist() == ["RM-7"]
    assert b["schema_version"].tolist() == ["0.3"]
    assert b[["lon", "lat"]].iloc[0].tolist() == [-1.62583, 48.154275]
    assert b["lit"].tolist() == [True]
    assert ra.stats["places_rennes_metropole"] == 1 and ra.stats["spaces_rennes_metropole"] == 5
    assert rb.stats["places_ille_et_vilaine"] == 1


def test_bnlc_lambert93_reprojected(tmp_path: Path) -> None:
    # Rennes (-1.6778, 48.1113) and Brest (-4.4861, 48.3904) in EPSG:2154 metres
    p = write(tmp_path / "l93.csv", BNLC_HEADER_02 + "\n"
              '"35238-C-009","","Rennes","","Rennes","35238","Parking","2024-01-01","true","x",'
              '"352067.90221610945","6789300.929375707","10","","","","","",""\n'
              '"29019-C-001","","Brest","","Brest","29019","Parking","2024-01-01","true","x",'
              '"146632,9785275159","6836262,326655938","","","","","","",""\n')
    data, report = load_bnlc(p)
    assert np.allclose(data["lon"], [-1.6778, -4.4861], atol=1e-7)
    assert np.allclose(data["lat"], [48.1113, 48.3904], atol=1e-7)
    assert codes(report.notices).count("projected_coordinates") == 2
    assert report.stats["reprojected_from_lambert93"] == 2
    assert report.n_quarantined == 0


def test_bnlc_bad_rows_and_areas(tmp_path: Path) -> None:
    p = write(tmp_path / "bad.csv", BNLC_HEADER_02 + "\n"
              '"35238-C-001","","A","","Rennes","35238","Parking","","true","x","-1.6","48.1","","","","","","",""\n'
              '"35238-C-001","","A again","","Rennes","35238","Parking","","true","x","-1.6","48.1","","","","","","",""\n'
              '"97411-C-001","","Réunion","","St-Denis","97411","Auto-stop","","true","x","55.45","-20.88","","","","","","",""\n'
              '"97411-C-002","","Wrong","","St-Denis","97411","Auto-stop","","true","x","-1.6","48.1","","","","","","",""\n'
              '"35001-C-001","","Zero","","Acigné","35001","Parking","","true","x","0","0","","","","","","",""\n'
              '"","","No id","","Rennes","35238","Parking","","true","x","-1.6","48.1","","","","","","",""\n'
              '"35047-C-001","","Bruz","","Bruz","35047","Parking","","true","x","","48.0","","","","","","",""\n')
    data, report = load_bnlc(p)
    assert data["place_id"].tolist() == ["35238-C-001", "97411-C-001"]
    assert sorted((n.code, n.row) for n in report.quarantined) == [
        ("duplicate_key", 2), ("missing_coordinates", 7), ("missing_required_field", 6),
        ("point_near_origin", 5), ("point_outside_area", 4)]
    assert report.rows_read == 7 and report.rows_kept == 2
    d_bbox, _ = load_bnlc(p, area_bbox=(55, -21, 56, -20))
    assert d_bbox["in_rennes_metropole"].tolist() == [False, True]
    d_insee, _ = load_bnlc(p, area_insee={"97411"})
    assert d_insee["in_rennes_metropole"].tolist() == [False, True]
    with pytest.raises(SchemaError):
        load_bnlc(p, strict=True)


def test_bnlc_without_id_column_is_a_schema_error(tmp_path: Path) -> None:
    p = write(tmp_path / "x.csv", "nom_lieu,Xlong,Ylat\nA,-1.6,48.1\n")
    with pytest.raises(SchemaError) as err:
        load_bnlc(p)
    assert err.value.field == "id_lieu" and "x.csv" in str(err.value)


# -- IRVE -------------------------------------------------------------------------------------

IRVE_V1_HEADER = ("n_amenageur;n_operateur;n_enseigne;id_station;n_station;ad_station;code_insee;"
                  "Xlongitude;Ylatitude;nbre_pdc;id_pdc;puiss_max;type_prise;acces_recharge;"
                  "accessibilité;observations;date_maj;source")


def test_irve_v1_latin1_semicolon_decimal_commas(tmp_path: Path) -> None:
    p = write(tmp_path / "irve2018.csv", IRVE_V1_HEADER + "\n"
              "SDE 35;Bouygues;SDE35;FR*S35*P35051*001;Cesson-Sévigné - Mairie;Place de l'Église;"
              "35051;-1,6019;48,1213;2;FR*S35*E35051*001*1;22;T2;Payant;24h/24;;2018/05/28;x\n"
              "SDE 35;Bouygues;SDE35;FR*S35*P35051*001;Cesson-Sévigné - Mairie;Place de l'Église;"
              "35051;-1,6019;48,1213;2;FR*S35*E35051*001*2;3,7;EF;Payant;24h/24;;2018/05/28;x\n"
              "SDE 22;Sodetrel;BrevCar;;DINAN - rapide;Rue;22050;\u00a0-2,045631\u00a0; 48,474826 ;"
              "1;Sans objet;50kW;Combo;Gratuit;24h/24;;2018/09/04;x\n",
              encoding="latin-1", newline="\r\n")
    data, report = load_irve(p)
    assert_contract(data, IRVE_COLUMNS)
    assert data["station_id"].tolist() == ["FR*S35*P35051*001",
                                           "noid:DINAN - rapide@-2.04563,48.47483"]
    assert data["name"].tolist() == ["Cesson-Sévigné - Mairie", "DINAN - rapide"]
    assert data["lon"].tolist() == [-1.6019, -2.045631]
    assert data["lat"].tolist() == [48.1213, 48.474826]
    assert data["n_points"].tolist() == [2, 1]
    assert data["power_kw"].tolist() == [22.0, 50.0]
    assert data["n_fast_points"].tolist() == [0, 1]  # type_prise "T2", "EF" / "Combo"
    assert data["power_kw_total"].tolist() == [25.7, 50.0]
    assert data["power_kw_points"].tolist() == ["22;3.7", "50"]
    assert data["free"].tolist() == [False, True]
    assert data["department"].tolist() == ["35", "22"]
    assert data["schema_version"].tolist() == ["1", "1"]
    assert codes(report.notices) == ["non_utf8_encoding", "missing_station_id"]
    assert report.stats["stations"] == 2 and report.stats["points"] == 3
    points, _ = load_irve(p, level="point")
    assert_contract(points, IRVE_POINT_COLUMNS)
    assert points["point_id"].tolist() == ["FR*S35*E35051*001*1", "FR*S35*E35051*001*2", pd.NA]
    assert points["power_kw"].tolist() == [22.0, 3.7, 50.0]


IRVE_V2_HEADER = ("nom_amenageur,nom_operateur,id_station_itinerance,nom_station,"
                  "code_insee_commune,coordonneesXY,nbre_pdc,id_pdc_itinerance,puissance_nominale,"
                  "gratuit,condition_acces,horaires")


def test_irve_v2_points_power_in_watts_and_coordinates(tmp_path: Path) -> None:
    p = write(tmp_path / "irve-v2.csv", IRVE_V2_HEADER + "\n"
              'A,Op,FRAAAP1,Gare,35238,"[-1.6722, 48.1035]",2,FRAAAE1,22000,false,Accès libre,24/7\n'
              'A,Op,FRAAAP1,Gare,35238,"[-1.6722, 48.1035]",2,FRAAAE2,"7400 W",false,Accès libre,24/7\n'
              'A,Op,FRAAAP2,Swapped,35238,"[48.1200,-1.6500]",1,FRAAAE3,150,true,Accès libre,24/7\n'
              'A,Op,FRAAAP3,Spaces,35051,"  [ -1.60 ,   48.12 ]  ",1,FRAAAE4,"43,5",,Accès réservé,\n'
              'A,Op,FRAAAP4,Flipped,35000,"[1.683721, 47.862233]",1,FRAAAE5,22,false,Accès libre,24/7\n'
              'A,Op,FRAAAP1,Gare,35238,"[-1.6722, 48.1035]",2,FRAAAE1,22,false,Accès libre,24/7\n')
    data, report = load_irve(p)
    assert data["station_id"].tolist() == ["FRAAAP1", "FRAAAP2", "FRAAAP3"]
    assert data["lon"].tolist() == [-1.6722, -1.65, -1.6]
    assert data["lat"].tolist() == [48.1035, 48.12, 48.12]
    assert data["power_kw"].tolist() == [22.0, 150.0, 43.5]
    assert data["power_kw_points"].tolist() == ["22;7.4", "150", "43.5"]
    assert data["n_points"].tolist() == [2, 1, 1]
    assert data["free"].tolist() == [False, True, pd.NA]
    assert data["access"].tolist() == ["Accès libre", "Accès libre", "Accès réservé"]
    watts = [n for n in report.notices if n.code == "power_in_watts"]
    assert len(watts) == 1 and watts[0].value == "2" and watts[0].row == 1
    assert [(n.code, n.row) for n in report.notices if n.code == "swapped_coordinates"] == [
        ("swapped_coordinates", 3)]
    assert sorted((n.code, n.row) for n in report.quarantined) == [
        ("duplicate_key", 6), ("point_outside_area", 5)]
    assert "sign looks flipped" in report.quarantined[0].message
    assert report.stats["power_in_watts"] == 2
    points, _ = load_irve(p, level="point")
    assert points["point_id"].tolist() == ["FRAAAE1", "FRAAAE2", "FRAAAE3", "FRAAAE4"]
    assert points["power_kw"].tolist() == [22.0, 7.4, 150.0, 43.5]


def test_irve_v2_grouped_by_station(tmp_path: Path) -> None:
    p = write(tmp_path / "irve-stations.csv",
              "nom_amenageur,nom_operateur,id_station_itinerance,nom_station,implantation_station,"
              "code_insee_commune,nbre_pdc,Xlongitude,Ylatitude,gratuit_grouped,horaires_grouped\n"
              "ELECTRA,ELECTRA,FR*ELC*PRENNO,Novotel Alma,Voirie,35238,6,-1.682824,48.081804,false,24/7\n"
              "X,Y,FR*55C*PRNO35,Bain,Voirie,35000,2,1.683721,47.862233,FALSE,24/7\n")
    data, report = load_irve(p)
    assert data["station_id"].tolist() == ["FR*ELC*PRENNO"]
    assert data["n_points"].tolist() == [6]
    assert data["n_fast_points"].isna().all()  # no connector counts in this file
    assert data["power_kw"].isna().all()
    assert data["siting"].tolist() == ["Voirie"]
    assert [(n.code, n.row, n.field) for n in report.quarantined] == [("point_outside_area", 2, "lon")]
    assert "power_missing" in codes(report.notices)
    with pytest.raises(SchemaError, match="grouped by station"):
        load_irve(p, level="point")
    with pytest.raises(SchemaError):
        load_irve(p, strict=True)


def test_irve_not_irve(tmp_path: Path) -> None:
    p = write(tmp_path / "x.csv", "a;b\n1;2\n")
    with pytest.raises(SchemaError, match="not an IRVE file"):
        load_irve(p)


# -- car parks --------------------------------------------------------------------------------

def parking(i: int, type_: str, nb_pl: object, *, lon: float = -1.64, lat: float = 48.11) -> dict:
    return {"geo_point_2d": {"lon": lon, "lat": lat},
            "geo_shape": {"type": "Feature", "geometry": {"type": "MultiPoint", "coordinates": [[lon, lat]]},
                          "properties": {}},
            "gml_id": f"v_parking.{i}", "objectid": i, "nom_voie": "Rue X", "code_insee": 35238,
            "nom_commune": "Rennes", "type": type_, "nom": f"P{i}", "domaine": "Public intercommunal",
            "nb_pl": nb_pl, "payant": "Non", "handicape": "Oui"}


def test_parkings_ods_json(tmp_path: Path) -> None:
    recs = [parking(1, "Parc relais", 813), parking(2, "Parking de covoiturage", 13),
            parking(3, "Parking usuel", None), parking(4, "Non renseigné", 0),
            parking(1, "Parking usuel", 5), parking(5, "Parking usuel", 5, lon=0.0, lat=0.0),
            parking(6, "Parking souterrain", 300, lon=2.35, lat=48.85)]
    data, report = load_parkings(write_json(tmp_path / "parkings.json", recs))
    assert_contract(data, PARKING_COLUMNS)
    assert data["parking_id"].tolist() == ["v_parking.1", "v_parking.2", "v_parking.3", "v_parking.4"]
    assert data["kind"].tolist() == ["park_and_ride", "carpool", "surface", "unknown"]
    assert data["is_park_and_ride"].tolist() == [True, False, False, False]
    assert data["is_carpool"].tolist() == [False, True, False, False]
    assert data["capacity"].tolist() == [813, 13, pd.NA, 0]
    assert data["insee"].tolist() == ["35238"] * 4
    assert data["ownership"].tolist() == ["public"] * 4
    assert data["paying"].tolist() == [False] * 4
    assert sorted((n.code, n.row) for n in report.quarantined) == [
        ("duplicate_key", 5), ("point_near_origin", 6), ("point_outside_area", 7)]
    assert report.stats == {"car_parks": 4, "capacity": 826, "park_and_ride": 1,
                            "park_and_ride_capacity": 813, "carpool": 1, "carpool_capacity": 13,
                            "capacity_unknown": 1}


def test_parkings_api_v1_and_geojson(tmp_path: Path) -> None:
    v1 = {"records": [{"fields": {"gml_id": "p1", "type": "Parc relais", "nb_pl": "400",
                                  "geo_point_2d": [48.1, -1.7]}}]}
    data, _ = load_parkings(write_json(tmp_path / "v1.json", v1))
    assert data[["lon", "lat", "capacity"]].iloc[0].tolist() == [-1.7, 48.1, 400]
    gj = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-1.65, 48.12]},
         "properties": {"objectid": 7, "type": "Parking de covoiturage", "nb_pl": 20}}]}
    data, _ = load_parkings(write_json(tmp_path / "p.geojson", gj))
    assert data[["parking_id", "kind", "lon", "lat"]].iloc[0].tolist() == ["7", "carpool", -1.65, 48.12]
    with pytest.raises(UnusableInputError):
        load_parkings(write_json(tmp_path / "bad.json", {"foo": 1}))


# -- the real bundle ---------------------------------------------------------------------------

@pytest.mark.bundle
def test_bundle_bikeshare(bundle_dir: Path) -> None:
    data, report = load_bikeshare(bundle_dir / "bikeshare/le-velo-star-stations-2026-09-27.csv")
    assert report.stats["stations"] == 57 and report.stats["capacity"] == 1410
    assert data["status_known"].all() and report.n_quarantined == 0
    old, old_report = load_bikeshare([bundle_dir / "bikeshare/le-velo-star-topology-2018.csv",
                                      bundle_dir / "bikeshare/le-velo-star-status-2018-04-25.csv"])
    assert len(old) == 83 and old["status_known"].all()  # leading spaces in longitude read
    assert old["lon"].between(-1.8, -1.6).all()


@pytest.mark.bundle
def test_bundle_irve(bundle_dir: Path) -> None:
    data, report = load_irve(bundle_dir / "charging/irve-stations-2022-12-05-bretagne.csv")
    assert report.rows_read == 1283
    # the one sign-flipped longitude (Bain-de-Bretagne at +1.68) is caught; all else is kept
    assert report.reason_counts() == {"point_outside_area": 1}
    bad = report.quarantined[0]
    assert (bad.row, bad.field, bad.value) == (996, "lon", "1.683721")
    assert len(data) == 1282 and report.rows_kept == 1282
    # 246 stations of Ille-et-Vilaine in the file, minus the quarantined one
    assert report.stats["stations_ille_et_vilaine"] == 245
    # no power in this file grouped by station; 97 stations count CCS Combo or CHAdeMO connectors
    assert data["power_kw"].isna().all() and int((data["n_fast_points"] > 0).sum()) == 97
    points, preport = load_irve(bundle_dir / "charging/irve-points-2018-09-28-bretagne.csv",
                                level="point")
    assert len(points) == 775 and preport.n_quarantined == 0
    assert points["power_kw"].max() == 50.0 and points["power_kw"].notna().all()


@pytest.mark.bundle
def test_bundle_bnlc(bundle_dir: Path) -> None:
    # the commune list of the EPCI in the bundle is the one the loader uses by default
    territories = json.loads((bundle_dir / "territory/territories-bretagne.json").read_text("utf-8"))
    rm = {t["territoire"] for t in territories
          if t.get("type") == "commune" and t.get("epci") == settings.RENNES_METROPOLE_SIREN}
    assert rm == RENNES_METROPOLE_INSEE
    data, report = load_bnlc(bundle_dir / "carpool/bnlc-2024-05-16.csv")
    assert report.stats["places"] == 15596 and report.n_quarantined == 0
    assert report.stats["places_ille_et_vilaine"] == 241
    # 38 BNLC places carry the INSEE code of one of the 43 communes of Rennes Métropole: each
    # of the 2 producers present there (sources 223500018 and 110002011, 19 places each)
    # reports mostly the same car parks, so they stand for 21 distinct locations (100 m), with
    # 920 declared spaces. Plausible: the Ille-et-Vilaine network of carpool areas has ~20
    # sites around Rennes. The rectangle RENNES_METROPOLE_BBOX would hold 94 places, most in
    # neighbouring communes (Liffré, Janzé, Guichen...).
    assert report.stats["places_rennes_metropole"] == 38
    assert report.stats["locations_rennes_metropole"] == 21
    assert report.stats["spaces_rennes_metropole"] == 920
    in_box, _ = load_bnlc(bundle_dir / "carpool/bnlc-2024-05-16.csv",
                          area_bbox=settings.RENNES_METROPOLE_BBOX)
    assert int(in_box["in_rennes_metropole"].sum()) == 94


@pytest.mark.bundle
def test_bundle_parkings(bundle_dir: Path) -> None:
    data, report = load_parkings(bundle_dir / "territory/parkings-rennes-metropole.json")
    assert report.stats["car_parks"] == 4300 and report.n_quarantined == 0
    assert report.stats["park_and_ride"] == 9 and report.stats["carpool"] == 21
    assert set(data.loc[data.is_park_and_ride, "name"]) >= {"Henri Fréville", "J-F Kennedy",
                                                            "Cesson-Viasilva"}
