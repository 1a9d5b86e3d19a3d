"""The loaders' schema checks speak the reader's language: a file that cannot be used is told by a
message key with parameters (never an English text), and its French words have no English left."""

from __future__ import annotations

import ast
import gzip
import importlib
from pathlib import Path

import pytest

from sources import Msg, UnusableInputError
from sources.validate import Notice, strict_error
from tests.browser.language_words import problems

ROOT = Path(__file__).resolve().parents[2]
#: errors a reader meets (the catalogue's validation, an upload); FetchError and DatasetNotFound are
#: the command line's and the cache's, said to whoever runs them
READER_ERRORS = {"UnusableInputError", "SchemaError", "ServiceDateError"}


def test_every_unusable_input_of_sources_and_routing_is_a_message() -> None:
    texts = []
    for path in [*(ROOT / "sources").rglob("*.py"), ROOT / "routing" / "network" / "inputs.py"]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args):
                continue
            func = node.exc.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in READER_ERRORS and isinstance(node.exc.args[0], (ast.Constant, ast.JoinedStr, ast.BinOp)):
                texts.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert texts == []


def _gzip_cut() -> bytes:
    return gzip.compress(b"id,numero,nom_voie\n" * 200)[:-30]


#: (loader module, function, file name, content, message key expected)
BAD = [
    ("addresses", "load_addresses", "adresses-35.csv.gz", _gzip_cut(), "error.gzip_truncated"),
    ("bikeshare", "load_bikeshare", "stations.json", b'{"version": 2}', "error.gbfs_no_data"),
    ("bikeshare", "load_bikeshare", "stations.json", b'[{"name": "Gares"}]', "error.no_station_id"),
    ("carpool", "load_bnlc", "bnlc.csv", b"nom,commune\nA,Rennes\n", "error.not_bnlc"),
    ("irve", "load_irve", "irve.csv", b"nom,commune\nA,Rennes\n", "error.not_irve"),
    ("parkings", "load_parkings", "parkings.json", b'{"total": 3}', "error.not_records"),
    ("streets", "load_streets", "rues.txt", b"x", "error.street_file_type"),
    ("streets", "load_streets", "rues.osm", b"<html></html>", "error.not_osm"),
    ("streets", "load_streets", "rues.geojson", b'{"type": "Point"}', "error.not_feature_collection"),
    ("streets", "load_streets", "rues.csv", b"nom,longueur\nA,3\n", "error.no_geometry_column"),
    ("survey", "load_survey", "enquete.csv", b"nom\nA\n", "error.columns_missing"),
    ("territory", "load_indicators", "indicateurs.parquet", b"not parquet at all", "error.not_parquet"),
    ("traffic", "load_traffic_history", "trafic.zip", b"not a zip", "error.not_zip_archive"),
]


def _french(exc: UnusableInputError) -> str:
    text = exc.render("fr")
    found = [p for p in problems(text, "fr") if not p.startswith("snake_case")]  # field names are names
    assert found == [], text
    return text


@pytest.mark.parametrize(("module", "func", "name", "data", "key"), BAD, ids=[b[-1] for b in BAD])
def test_a_bad_file_is_told_in_french_without_english_words(tmp_path: Path, module: str, func: str, name: str,
                                                            data: bytes, key: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    loader = getattr(importlib.import_module(f"sources.loaders.{module}"), func)
    with pytest.raises(UnusableInputError) as err:
        loader([path])
    assert isinstance(err.value.msg, Msg) and err.value.msg.key == key
    text = _french(err.value)
    assert text != str(err.value) and f"fichier {path}" in text


def test_a_gtfs_feed_without_its_files_or_dates_is_told_in_french(tmp_path: Path) -> None:
    from sources.loaders.gtfs import ServiceDateError, load_gtfs

    feed = tmp_path / "feed"
    feed.mkdir()
    (feed / "stops.txt").write_text("stop_id,stop_name,stop_lat,stop_lon\nS1,Gares,48.1,-1.67\n")
    with pytest.raises(UnusableInputError) as err:
        load_gtfs(feed)
    assert _french(err.value).startswith("fichier GTFS obligatoire absent (fichier feed:routes.txt")
    (feed / "routes.txt").write_text("route_id,route_short_name,route_type\nR1,1,3\n")
    (feed / "trips.txt").write_text("route_id,service_id,trip_id\nR1,WK,T1\n")
    (feed / "stop_times.txt").write_text("trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                                         "T1,08:00:00,08:00:00,S1,1\n")
    (feed / "calendar.txt").write_text("service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
                                       "start_date,end_date\nWK,1,1,1,1,1,0,0,20240304,20240310\n")
    import datetime as dt

    with pytest.raises(ServiceDateError) as err:
        load_gtfs(feed, date=dt.date(2025, 1, 6))
    assert _french(err.value).startswith("la date 6 janvier 2025 est hors du calendrier (du 4 mars 2024 au "
                                         "10 mars 2024) ; la date la plus chargée du flux est le lundi 4 mars 2024 "
                                         "(fichier feed)")


def test_a_strict_load_names_its_first_reason_in_words() -> None:
    notice = Notice("invalid_float", Msg("finding.not_a_number"), file="parcs.csv", row=3, field="capacite",
                    value="beaucoup")
    err = strict_error(notice, rows=2)
    assert _french(err) == ("nombre invalide : ce n'est pas un nombre (valeur beaucoup) ; 2 lignes écartées au "
                            "total (fichier parcs.csv, ligne 3, champ « capacite »)")
    assert str(err).startswith("invalid number: not a number (value beaucoup); 2 rows set aside in all")
