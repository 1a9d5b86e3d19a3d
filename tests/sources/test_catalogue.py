"""The catalogue records and their exports (table, DCAT-AP JSON-LD)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest

from sources import catalogue
from sources.errors import DatasetNotFound
from sources.fetch import bundle_paths

#: The fixed ids, bundle files and loaders (notes/catalogue_ids.md).
EXPECTED = {
    "star-gtfs": (("gtfs/star-2011-11-14.zip",), "sources.loaders.gtfs:load_gtfs"),
    "star-gtfs-2023-partial": (("network/star-gtfs-2023-05-partial-no-trips.zip",),
                               "sources.loaders.gtfs:load_gtfs_static"),
    "star-gtfs-rt-trip-updates": ((), "sources.loaders.gtfs_rt:load_trip_updates_dataset"),
    "star-gtfs-rt-vehicle-positions": ((), "sources.loaders.gtfs_rt:load_vehicle_positions_dataset"),
    "star-stops": (("network/star-stops-2025.json",), "sources.loaders.star:load_star_stops"),
    "star-route-stops": (("network/star-route-stops-2025-partial.json",),
                         "sources.loaders.star:load_route_stops"),
    "star-metro-stations": (("network/star-metro-stations-2023.json",),
                            "sources.loaders.star:load_metro_stations"),
    "star-disruptions": (("network/star-disruptions-2025.json",),
                         "sources.loaders.star:load_disruptions"),
    "star-bus-positions": (("realtime/star-bus-positions-*.json",),
                           "sources.loaders.realtime:load_bus_positions"),
    "velo-star": (("bikeshare/le-velo-star-stations-2026-09-27.csv",),
                  "sources.loaders.bikeshare:load_bikeshare"),
    "velo-star-2018": (("bikeshare/le-velo-star-topology-2018.csv",
                        "bikeshare/le-velo-star-status-2018-04-25.csv"),
                       "sources.loaders.bikeshare:load_bikeshare"),
    "rev-cycle-network": (("cycling/rev/ligne-*.json",), "sources.loaders.cycling:load_rev"),
    "bnlc": (("carpool/bnlc-2024-05-16.csv",), "sources.loaders.carpool:load_bnlc"),
    "irve": (("charging/irve-stations-2022-12-05-bretagne.csv",), "sources.loaders.irve:load_irve"),
    "irve-2018": (("charging/irve-points-2018-09-28-bretagne.csv",),
                  "sources.loaders.irve:load_irve"),
    "parkings": (("territory/parkings-rennes-metropole.json",),
                 "sources.loaders.parkings:load_parkings"),
    "osm-streets": (("streets/osm-rennes-named-streets-2013.geojson",),
                    "sources.loaders.streets:load_streets"),
    "main-roads-traffic": (("streets/rm-main-roads-traffic-2025-11-04.csv",),
                           "sources.loaders.streets:load_streets"),
    "traffic-history": (("traffic/rm-traffic-2021-02.zip",),
                        "sources.loaders.traffic:load_traffic_history"),
    "communes": (("territory/communes-bretagne-2025.geojson",),
                 "sources.loaders.territory:load_communes"),
    "ban-35": ((), "sources.loaders.addresses:load_addresses"),
    "epci": (("territory/epci-bretagne-2025.geojson", "territory/territories-bretagne.json"),
             "sources.loaders.territory:load_epci"),
    "iris": (("territory/iris-rennes-metropole.json",), "sources.loaders.territory:load_iris"),
    "business-zones": (("territory/business-zones-rennes-metropole.geojson",),
                       "sources.loaders.territory:load_business_zones"),
    "indicators": (("territory/indicators-*.parquet", "territory/indicators-sources.json"),
                   "sources.loaders.territory:load_indicators"),
    "commuter-survey": (("survey/commuter-survey-2020.csv",), "sources.loaders.survey:load_survey"),
    "survey-employers": (("survey/commuter-survey-employers.geojson",),
                         "sources.loaders.survey:load_survey_employers"),
}


def test_ids_bundle_files_and_loaders_are_the_agreed_ones():
    assert list(catalogue.CATALOGUE) == list(EXPECTED)
    for ds_id, (files, loader) in EXPECTED.items():
        ds = catalogue.get(ds_id)
        assert (ds.bundle_files, ds.loader) == (files, loader), ds_id


@pytest.mark.parametrize("ds", catalogue.all_datasets(), ids=lambda d: d.id)
def test_every_record_is_complete(ds: catalogue.Dataset):
    assert ds.title_fr and ds.title_en and ds.producer and ds.coverage
    assert ds.licence_id in catalogue.LICENCES
    assert ds.licence.url.startswith("https://") and ds.licence.attribution == ds.attribution
    assert ("ODbL" if ds.licence_id == catalogue.ODBL else "Etalab") in ds.attribution
    assert ds.coverage in catalogue.COVERAGE_BBOX
    assert ds.format in catalogue.MEDIA_TYPES
    for url in ds.urls:
        assert urlsplit(url).scheme == "https" and urlsplit(url).netloc, url
    if not ds.urls:
        assert ds.bundle_files, f"{ds.id}: neither a URL nor a bundle file"
    if ds.bundle_files:
        assert ds.published is None or datetime.fromisoformat(ds.published)
    assert ds.update_frequency_days is None or ds.update_frequency_days > 0


def test_licences_and_attributions_follow_the_producers():
    assert catalogue.get("osm-streets").attribution == "© OpenStreetMap contributors, ODbL"
    assert catalogue.get("star-gtfs").attribution == "STAR / Rennes Métropole, ODbL"
    assert catalogue.get("irve").licence_id == catalogue.ETALAB
    assert "Etalab Licence Ouverte 2.0" in catalogue.get("communes").attribution
    assert catalogue.get("bnlc").licence_id == catalogue.ODBL
    assert catalogue.get("osm-streets").urls == (
        "https://download.geofabrik.de/europe/france/bretagne-latest.osm.pbf",)
    assert all(u.startswith("https://data.explore.star.fr/api/explore/v2.1/catalog/datasets/")
               for u in catalogue.get("star-stops").urls)


def test_get_unknown_id_names_the_known_ones():
    with pytest.raises(DatasetNotFound, match="no dataset 'x'.*star-gtfs"):
        catalogue.get("x")


@pytest.mark.bundle
def test_every_bundle_glob_matches_in_the_real_bundle(bundle_dir):
    for ds in catalogue.all_datasets():
        if ds.bundle_files:
            paths = bundle_paths(ds, bundle_dir)
            assert paths and all(p.is_file() for p in paths), ds.id
    assert len(bundle_paths(catalogue.get("rev-cycle-network"), bundle_dir)) == 16
    assert len(bundle_paths(catalogue.get("indicators"), bundle_dir)) == 4


def test_to_frame_columns_and_types():
    frame = catalogue.to_frame()
    assert list(frame.columns) == catalogue.FRAME_COLUMNS
    assert len(frame) == len(catalogue.CATALOGUE)
    assert frame["update_frequency_days"].dtype == "float64"
    row = frame.set_index("id").loc["velo-star-2018"]
    assert row["bundle_files"] == ("bikeshare/le-velo-star-topology-2018.csv "
                                   "bikeshare/le-velo-star-status-2018-04-25.csv")
    assert row["licence_name"] == "Open Database License 1.0"


def test_to_dcat_subset_and_fields():
    doc = catalogue.to_dcat([catalogue.get("bnlc"), catalogue.get("indicators")])
    bnlc, ind = doc["dcat:dataset"]
    assert bnlc["dct:accrualPeriodicity"]["@id"].endswith("/MONTHLY")
    assert bnlc["dct:spatial"]["@id"] == "http://publications.europa.eu/resource/authority/country/FRA"
    assert bnlc["dct:modified"] == {"@value": "2024-05-16", "@type": "xsd:date"}
    assert bnlc["dcat:distribution"][0]["dcat:mediaType"] == "text/csv"
    assert ind["dcat:distribution"] == [] and len(ind["adms:sample"]) == 2


@pytest.mark.parametrize(("days", "code"), [
    (None, "IRREG"), (1 / 1440, "CONT"), (1, "DAILY"), (7, "WEEKLY"), (30, "MONTHLY"),
    (90, "QUARTERLY"), (365, "ANNUAL"), (1000, "IRREG")])
def test_accrual_periodicity(days, code):
    assert catalogue.accrual_periodicity(days).rsplit("/", 1)[1] == code


def test_published_from_names():
    assert catalogue.published_from_names(
        ["star-bus-positions-2020-04-02.json", "star-bus-positions-2022-12-20.json"]
    ) == datetime(2022, 12, 20, tzinfo=UTC)
    assert catalogue.published_from_names(["rm-traffic-2021-02.zip"]) == datetime(2021, 2, 1,
                                                                                  tzinfo=UTC)
    assert catalogue.published_from_names(["ligne-10.json"]) is None
    ds = catalogue.get("velo-star")
    assert catalogue.published_datetime(ds, ["stations.csv"]).hour == 10
