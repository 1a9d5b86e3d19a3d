"""The catalogue of Rennes mobility datasets. The catalogue is data: one record per dataset.

A record says who produces the dataset, under which licence, where the official
copy lives (``urls``), in which format, how often it changes, what it covers,
which file(s) stand for it in the offline bundle (``bundle_files``, globs
relative to the bundle directory) and which loader reads it
(``"module:function"``, resolved lazily so importing the catalogue is cheap).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import DatasetNotFound
from .geo import BRITTANY_BBOX, FRANCE_BBOX, RENNES_METROPOLE_BBOX

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Licence:
    id: str
    name: str
    url: str
    attribution: str


ODBL = "ODbL-1.0"
ETALAB = "etalab-2.0"
LICENCES = {
    ODBL: Licence(ODBL, "Open Database License 1.0", "https://opendatacommons.org/licenses/odbl/1-0/", ""),
    ETALAB: Licence(ETALAB, "Licence Ouverte / Open Licence 2.0 (Etalab)",
                    "https://www.etalab.gouv.fr/licence-ouverte-open-licence/", ""),
}


@dataclass(frozen=True)
class Dataset:
    """One catalogue record."""

    id: str
    title_fr: str
    title_en: str
    producer: str
    licence_id: str
    attribution: str
    urls: tuple[str, ...]
    format: str
    update_frequency_days: float | None
    coverage: str
    bundle_files: tuple[str, ...]
    loader: str | None
    description_fr: str = ""
    theme: str = "mobility"
    landing_page: str = ""
    published: str | None = None  # date of the bundle snapshot (ISO)
    optional: bool = False  # absent from the bundle is fine
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def licence(self) -> Licence:
        base = LICENCES.get(self.licence_id) or Licence(self.licence_id, self.licence_id, "", "")
        return Licence(base.id, base.name, base.url, self.attribution)

    def load_function(self) -> Callable[..., Any]:
        if not self.loader:
            raise DatasetNotFound(f"dataset {self.id!r} has no loader")
        module, _, name = self.loader.partition(":")
        return getattr(importlib.import_module(module), name)


# Filled below; the order is the display order.
CATALOGUE: dict[str, Dataset] = {}


def register(ds: Dataset) -> Dataset:
    CATALOGUE[ds.id] = ds
    return ds


def get(dataset_id: str) -> Dataset:
    try:
        return CATALOGUE[dataset_id]
    except KeyError:
        raise DatasetNotFound(
            f"no dataset {dataset_id!r} in the catalogue; known: {', '.join(CATALOGUE)}") from None


def all_datasets() -> list[Dataset]:
    return list(CATALOGUE.values())


# --- records ------------------------------------------------------------------------------
# Helper H1 completes the official URLs / licences; ids, bundle files and loaders are fixed.

_STAR = "STAR (Keolis Rennes) / Rennes Métropole"
_RM = "Rennes Métropole"
_STAR_ATTR = "STAR / Rennes Métropole, ODbL"
_RM_ATTR = "Rennes Métropole, ODbL"
_STAR_PORTAL = "https://data.explore.star.fr"
_RM_PORTAL = "https://data.rennesmetropole.fr"
_TDG = "https://transport.data.gouv.fr"


def _ods(portal: str, dataset: str, fmt: str) -> str:
    """An Opendatasoft Explore API v2.1 export URL (``fmt`` = json, csv, geojson)."""
    return f"{portal}/api/explore/v2.1/catalog/datasets/{dataset}/exports/{fmt}"


def _ods_page(portal: str, dataset: str) -> str:
    return f"{portal}/explore/dataset/{dataset}/"


def _records() -> list[Dataset]:  # noqa: PLR0915 - one literal per dataset
    return [
        Dataset(
            id="star-gtfs",
            title_fr="Horaires théoriques du réseau STAR (bus et métro) au format GTFS",
            title_en="STAR network timetables (bus and metro), GTFS",
            producer=_STAR, licence_id=ODBL, attribution=_STAR_ATTR,
            urls=("https://eu.ftp.opendatasoft.com/star/gtfs/GTFS_STAR_BUS_METRO_EN_COURS.zip",),
            landing_page=_ods_page(_STAR_PORTAL, "tco-busmetro-horaires-gtfs-versions-td"),
            format="GTFS", update_frequency_days=30, coverage="Rennes Métropole",
            bundle_files=("gtfs/star-2011-11-14.zip",), loader="sources.loaders.gtfs:load_gtfs",
            description_fr="Arrêts, lignes, courses et horaires du réseau STAR. La copie hors ligne "
                           "est la semaine du 14 au 20 novembre 2011 (bus seulement).",
            theme="transit", published="2011-11-14"),
        Dataset(
            id="star-gtfs-2023-partial",
            title_fr="Réseau STAR au format GTFS, mai 2023 (sans courses ni horaires)",
            title_en="STAR network GTFS, May 2023 (no trips or stop times)",
            producer=_STAR, licence_id=ODBL, attribution=_STAR_ATTR,
            urls=("https://eu.ftp.opendatasoft.com/star/gtfs/GTFS_STAR_BUS_METRO_EN_COURS.zip",),
            landing_page=_ods_page(_STAR_PORTAL, "tco-busmetro-horaires-gtfs-versions-td"),
            format="GTFS", update_frequency_days=30, coverage="Rennes Métropole",
            bundle_files=("network/star-gtfs-2023-05-partial-no-trips.zip",),
            loader="sources.loaders.gtfs:load_gtfs_static",
            description_fr="Lignes (dont métro a et b), arrêts et calendrier ; non routable.",
            theme="transit", published="2023-05-01"),
        Dataset(
            id="star-gtfs-rt-trip-updates",
            title_fr="Réseau STAR : mises à jour des courses en temps réel (GTFS-RT)",
            title_en="STAR network real-time trip updates (GTFS-RT)",
            producer=_STAR, licence_id=ODBL, attribution=_STAR_ATTR,
            urls=("https://proxy.transport.data.gouv.fr/resource/star-rennes-integration-gtfs-rt-trip-update",),
            landing_page=f"{_TDG}/datasets/flux-gtfs-rt-du-reseau-star",
            format="GTFS-RT", update_frequency_days=1 / 1440, coverage="Rennes Métropole",
            bundle_files=(), loader="sources.loaders.gtfs_rt:load_trip_updates_dataset",
            theme="transit", optional=True),
        Dataset(
            id="star-gtfs-rt-vehicle-positions",
            title_fr="Réseau STAR : positions des véhicules en temps réel (GTFS-RT)",
            title_en="STAR network real-time vehicle positions (GTFS-RT)",
            producer=_STAR, licence_id=ODBL, attribution=_STAR_ATTR,
            urls=("https://proxy.transport.data.gouv.fr/resource/star-rennes-integration-gtfs-rt-vehicle-position",),
            landing_page=f"{_TDG}/datasets/flux-gtfs-rt-du-reseau-star",
            format="GTFS-RT", update_frequency_days=1 / 1440, coverage="Rennes Métropole",
            bundle_files=(), loader="sources.loaders.gtfs_rt:load_vehicle_positions_dataset",
            theme="transit", optional=True),
        Dataset(
            id="star-stops",
            title_fr="Topologie des points d'arrêt de bus du réseau STAR",
            title_en="STAR bus stops (topology)",
            producer=_STAR, licence_id=ODBL, attribution=_STAR_ATTR,
            urls=(_ods(_STAR_PORTAL, "tco-bus-topologie-pointsarret-td", "json"),),
            landing_page=_ods_page(_STAR_PORTAL, "tco-bus-topologie-pointsarret-td"),
            format="JSON", update_frequency_days=30, coverage="Rennes Métropole",
            bundle_files=("network/star-stops-2025.json",), loader="sources.loaders.star:load_star_stops",
            theme="transit", published="2025-11-01"),
        Dataset(
            id="star-route-stops",
            title_fr="Topologie des dessertes des lignes de bus du réseau STAR",
            title_en="STAR route patterns: ordered stops of each line",
            producer=_STAR, licence_id=ODBL, attribution=_STAR_ATTR,
            urls=(_ods(_STAR_PORTAL, "tco-bus-topologie-dessertes-td", "json"),),
            landing_page=_ods_page(_STAR_PORTAL, "tco-bus-topologie-dessertes-td"),
            format="JSON", update_frequency_days=30, coverage="Rennes Métropole",
            bundle_files=("network/star-route-stops-2025-partial.json",),
            loader="sources.loaders.star:load_route_stops",
            description_fr="Copie hors ligne incomplète (coupée à une limite de page de l'API).",
            theme="transit", published="2025-01-01"),
        Dataset(
            id="star-metro-stations",
            title_fr="Topologie des stations de métro du réseau STAR",
            title_en="STAR metro stations (lines a and b)",
            producer=_STAR, licence_id=ODBL, attribution=_STAR_ATTR,
            urls=(_ods(_STAR_PORTAL, "tco-metro-topologie-stations-td", "json"),),
            landing_page=_ods_page(_STAR_PORTAL, "tco-metro-topologie-stations-td"),
            format="JSON", update_frequency_days=365, coverage="Rennes Métropole",
            bundle_files=("network/star-metro-stations-2023.json",),
            loader="sources.loaders.star:load_metro_stations", theme="transit",
            description_fr="accespmr = true pour les 28 stations : toutes sont accessibles en fauteuil roulant "
                           "(ascenseurs, accès de plain-pied) ; le profil fauteuil roulant du calculateur s'y fie.",
            published="2023-01-01"),
        Dataset(
            id="star-disruptions",
            title_fr="Perturbations en cours et à venir sur le réseau STAR",
            title_en="STAR network disruption notices",
            producer=_STAR, licence_id=ODBL, attribution=_STAR_ATTR,
            urls=(_ods(_STAR_PORTAL, "tco-busmetro-trafic-alertes-tr", "json"),),
            landing_page=_ods_page(_STAR_PORTAL, "tco-busmetro-trafic-alertes-tr"),
            format="JSON", update_frequency_days=1 / 24, coverage="Rennes Métropole",
            bundle_files=("network/star-disruptions-2025.json",),
            loader="sources.loaders.star:load_disruptions", theme="transit",
            published="2025-11-01"),
        Dataset(
            id="star-bus-positions",
            title_fr="Position des bus du réseau STAR en temps réel",
            title_en="STAR real-time bus positions",
            producer=_STAR, licence_id=ODBL, attribution=_STAR_ATTR,
            urls=(_ods(_STAR_PORTAL, "tco-bus-vehicules-position-tr", "json"),),
            landing_page=_ods_page(_STAR_PORTAL, "tco-bus-vehicules-position-tr"),
            format="JSON", update_frequency_days=1 / 1440, coverage="Rennes Métropole",
            bundle_files=("realtime/star-bus-positions-*.json",),
            loader="sources.loaders.realtime:load_bus_positions", theme="transit",
            published="2022-12-20"),
        Dataset(
            id="velo-star",
            title_fr="LE vélo STAR : stations et disponibilités (GBFS)",
            title_en="LE vélo STAR bike share: stations and availability (GBFS)",
            producer=_STAR, licence_id=ODBL, attribution=_STAR_ATTR,
            urls=("https://eu.ftp.opendatasoft.com/star/gbfs/station_information.json",
                  "https://eu.ftp.opendatasoft.com/star/gbfs/station_status.json"),
            landing_page=f"{_TDG}/datasets/le-velo-star-gbfs",
            format="GBFS", update_frequency_days=1 / 1440, coverage="Rennes Métropole",
            bundle_files=("bikeshare/le-velo-star-stations-2026-09-27.csv",),
            loader="sources.loaders.bikeshare:load_bikeshare",
            description_fr="station_information + station_status ; la copie hors ligne est un "
                           "export CSV de l'instantané du 27/09/2026.",
            theme="bikeshare", published="2026-09-27T10:26:00+00:00"),
        Dataset(
            id="velo-star-2018",
            title_fr="LE vélo STAR (ancien système) : topologie et état des stations, 2018",
            title_en="LE vélo STAR previous system: station topology and status, 2018",
            producer=_STAR, licence_id=ODBL, attribution=_STAR_ATTR,
            urls=(_ods(_STAR_PORTAL, "vls-stations-topologie-td", "csv"),
                  _ods(_STAR_PORTAL, "vls-stations-etat-tr", "csv")),
            landing_page=_ods_page(_STAR_PORTAL, "vls-stations-etat-tr"),
            format="CSV", update_frequency_days=None, coverage="Rennes Métropole",
            bundle_files=("bikeshare/le-velo-star-topology-2018.csv",
                          "bikeshare/le-velo-star-status-2018-04-25.csv"),
            loader="sources.loaders.bikeshare:load_bikeshare",
            description_fr="Système remplacé : archive historique.",
            theme="bikeshare", published="2018-04-25"),
        Dataset(
            id="rev-cycle-network",
            title_fr="Réseau Express Vélo (REV) : lignes, avancement des travaux et aménagements",
            title_en="Réseau Express Vélo (cycle express network): lines, works status, facilities",
            producer=_RM, licence_id=ODBL, attribution=_RM_ATTR,
            urls=(_ods(_RM_PORTAL, "reseau-express-velo", "geojson"),),
            landing_page=_ods_page(_RM_PORTAL, "reseau-express-velo"),
            format="GeoJSON", update_frequency_days=90, coverage="Rennes Métropole",
            bundle_files=("cycling/rev/ligne-*.json",), loader="sources.loaders.cycling:load_rev",
            theme="cycling", published="2025-10-01"),
        Dataset(
            id="bnlc",
            title_fr="Base nationale des lieux de covoiturage (BNLC)",
            title_en="National base of carpool places (BNLC)",
            producer="transport.data.gouv.fr (consolidation nationale)", licence_id=ODBL,
            attribution="BNLC, transport.data.gouv.fr, ODbL",
            urls=("https://raw.githubusercontent.com/etalab/transport-base-nationale-covoiturage/main/bnlc-.csv",),
            landing_page=f"{_TDG}/datasets/base-nationale-des-lieux-de-covoiturage",
            format="CSV", update_frequency_days=30, coverage="France",
            bundle_files=("carpool/bnlc-2024-05-16.csv",), loader="sources.loaders.carpool:load_bnlc",
            theme="carpool", published="2024-05-16"),
        Dataset(
            id="irve",
            title_fr="Infrastructures de recharge pour véhicules électriques (IRVE), fichier consolidé",
            title_en="Electric vehicle charging stations (IRVE), national consolidated file",
            producer="Etalab / transport.data.gouv.fr (consolidation nationale)", licence_id=ETALAB,
            attribution="IRVE, data.gouv.fr, Etalab Licence Ouverte 2.0",
            urls=("https://www.data.gouv.fr/fr/datasets/r/eb76d20a-8501-400e-b336-d85724de5435",),
            landing_page="https://www.data.gouv.fr/fr/datasets/fichier-consolide-des-bornes-de-recharge-pour-vehicules-electriques/",
            format="CSV", update_frequency_days=1, coverage="Bretagne",
            bundle_files=("charging/irve-stations-2022-12-05-bretagne.csv",),
            loader="sources.loaders.irve:load_irve",
            description_fr="Schéma IRVE v2 ; la copie hors ligne est filtrée sur la Bretagne.",
            theme="charging", published="2022-12-05"),
        Dataset(
            id="irve-2018",
            title_fr="Bornes de recharge pour véhicules électriques, consolidation 2018 (schéma v1)",
            title_en="Electric vehicle charge points, 2018 consolidation (schema v1)",
            producer="Etalab (consolidation nationale)", licence_id=ETALAB,
            attribution="IRVE, data.gouv.fr, Etalab Licence Ouverte 2.0",
            urls=(),
            landing_page="https://www.data.gouv.fr/fr/datasets/fichier-consolide-des-bornes-de-recharge-pour-vehicules-electriques/",
            format="CSV", update_frequency_days=None, coverage="Bretagne",
            bundle_files=("charging/irve-points-2018-09-28-bretagne.csv",),
            loader="sources.loaders.irve:load_irve",
            description_fr="Archive historique (schéma v1, séparateur « ; »).",
            theme="charging", published="2018-09-28"),
        Dataset(
            id="parkings",
            title_fr="Parkings de Rennes Métropole (dont parcs relais et aires de covoiturage)",
            title_en="Rennes Métropole car parks (incl. park-and-ride and carpool car parks)",
            producer=_RM, licence_id=ODBL, attribution=_RM_ATTR,
            urls=(_ods(_RM_PORTAL, "parkings", "json"),),
            landing_page=_ods_page(_RM_PORTAL, "parkings"),
            format="JSON", update_frequency_days=365, coverage="Rennes Métropole",
            bundle_files=("territory/parkings-rennes-metropole.json",),
            loader="sources.loaders.parkings:load_parkings", theme="parking",
            published="2024-01-01"),
        Dataset(
            id="osm-streets",
            title_fr="Voies d'OpenStreetMap (extrait régional Bretagne, découpé sur Rennes Métropole)",
            title_en="OpenStreetMap streets (Brittany extract clipped to Rennes Métropole)",
            producer="OpenStreetMap contributors (extrait Geofabrik)", licence_id=ODBL,
            attribution="© OpenStreetMap contributors, ODbL",
            urls=("https://download.geofabrik.de/europe/france/bretagne-latest.osm.pbf",),
            landing_page="https://download.geofabrik.de/europe/france/bretagne.html",
            format="OSM PBF", update_frequency_days=1, coverage="Bretagne",
            bundle_files=("streets/osm-rennes-named-streets-2013.geojson",),
            loader="sources.loaders.streets:load_streets",
            description_fr="Hors ligne : voies nommées de la ville de Rennes, 2013 (GeoJSON, sans "
                           "identifiants de nœuds : topologie reconstruite).",
            theme="streets", published="2013-11-01"),
        Dataset(
            id="main-roads-traffic",
            title_fr="État du trafic en temps réel sur les axes principaux de Rennes Métropole",
            title_en="Rennes Métropole main roads with real-time traffic state",
            producer=_RM, licence_id=ODBL, attribution=_RM_ATTR,
            urls=(_ods(_RM_PORTAL, "etat-du-trafic-en-temps-reel", "csv"),),
            landing_page=_ods_page(_RM_PORTAL, "etat-du-trafic-en-temps-reel"),
            format="CSV", update_frequency_days=1 / 1440, coverage="Rennes Métropole",
            bundle_files=("streets/rm-main-roads-traffic-2025-11-04.csv",),
            loader="sources.loaders.streets:load_streets", theme="streets",
            published="2025-11-04T17:24:00+01:00"),
        Dataset(
            id="traffic-history",
            title_fr="Historique de l'état du trafic sur les tronçons de Rennes Métropole, février 2021",
            title_en="Rennes Métropole road traffic history (speed, status), February 2021",
            producer=_RM, licence_id=ODBL, attribution=_RM_ATTR,
            urls=(),
            landing_page=_ods_page(_RM_PORTAL, "etat-du-trafic-en-temps-reel"),
            format="ZIP (CSV)", update_frequency_days=None, coverage="Rennes Métropole",
            bundle_files=("traffic/rm-traffic-2021-02.zip",),
            loader="sources.loaders.traffic:load_traffic_history",
            description_fr="Série 05/02/2021–16/02/2021, sans géométrie (jointure par tronçon).",
            theme="streets", published="2021-02-16"),
        Dataset(
            id="communes",
            title_fr="Communes de Bretagne (IGN Admin Express, géométrie simplifiée)",
            title_en="Communes of Brittany (IGN Admin Express, simplified)",
            producer="IGN (Admin Express) via geo.api.gouv.fr", licence_id=ETALAB,
            attribution="IGN Admin Express, Etalab Licence Ouverte 2.0",
            urls=("https://geo.api.gouv.fr/communes?codeRegion=53&format=geojson&geometry=contour",),
            landing_page="https://geoservices.ign.fr/adminexpress",
            format="GeoJSON", update_frequency_days=365, coverage="Bretagne",
            bundle_files=("territory/communes-bretagne-2025.geojson",),
            loader="sources.loaders.territory:load_communes", theme="territory",
            published="2025-01-01"),
        Dataset(
            id="ban-35",
            title_fr="Base Adresse Nationale (BAN) : adresses d'Ille-et-Vilaine",
            title_en="National address base (BAN): addresses of Ille-et-Vilaine",
            producer="DINUM / IGN (Base Adresse Nationale)", licence_id=ETALAB,
            attribution="Base Adresse Nationale (DINUM, IGN), Etalab Licence Ouverte 2.0",
            urls=("https://adresse.data.gouv.fr/data/ban/adresses/latest/csv/adresses-35.csv.gz",),
            landing_page="https://adresse.data.gouv.fr/donnees-nationales",
            format="CSV.GZ", update_frequency_days=7, coverage="Ille-et-Vilaine",
            bundle_files=(), loader="sources.loaders.addresses:load_addresses",
            description_fr="Points adresse (numéro, voie, commune) ; en ligne seulement : hors ligne, "
                           "les numéros ne sont pas connus et la rue est utilisée.",
            theme="territory", optional=True),
        Dataset(
            id="epci",
            title_fr="EPCI de Bretagne et rattachement des communes (IGN Admin Express)",
            title_en="EPCI (inter-communal bodies) of Brittany and commune membership",
            producer="IGN (Admin Express) via geo.api.gouv.fr", licence_id=ETALAB,
            attribution="IGN Admin Express, Etalab Licence Ouverte 2.0",
            urls=("https://geo.api.gouv.fr/epcis?codeRegion=53&format=geojson&geometry=contour",
                  "https://geo.api.gouv.fr/communes?codeRegion=53&fields=nom,code,codeDepartement,codeEpci"),
            landing_page="https://geoservices.ign.fr/adminexpress",
            format="GeoJSON", update_frequency_days=365, coverage="Bretagne",
            bundle_files=("territory/epci-bretagne-2025.geojson", "territory/territories-bretagne.json"),
            loader="sources.loaders.territory:load_epci", theme="territory",
            published="2025-01-01"),
        Dataset(
            id="iris",
            title_fr="IRIS de Rennes Métropole",
            title_en="IRIS statistical areas of Rennes Métropole",
            producer=_RM + " / INSEE", licence_id=ODBL, attribution=_RM_ATTR,
            urls=(_ods(_RM_PORTAL, "iris_versions", "json"),),
            landing_page=_ods_page(_RM_PORTAL, "iris_versions"),
            format="JSON", update_frequency_days=365, coverage="Rennes Métropole",
            bundle_files=("territory/iris-rennes-metropole.json",),
            loader="sources.loaders.territory:load_iris", theme="territory"),
        Dataset(
            id="business-zones",
            title_fr="Zones d'activités économiques de Rennes Métropole",
            title_en="Rennes Métropole business zones",
            producer=_RM, licence_id=ODBL, attribution=_RM_ATTR,
            urls=(_ods(_RM_PORTAL, "zones-d-activites-economiques", "geojson"),),
            landing_page=_ods_page(_RM_PORTAL, "zones-d-activites-economiques"),
            format="GeoJSON", update_frequency_days=365, coverage="Rennes Métropole",
            bundle_files=("territory/business-zones-rennes-metropole.geojson",),
            loader="sources.loaders.territory:load_business_zones", theme="territory",
            published="2020-01-01"),
        Dataset(
            id="indicators",
            title_fr="Indicateurs communaux et intercommunaux (démographie, mobilité, 20 minutes sans voiture)",
            title_en="Commune and EPCI indicators (demography, mobility, 20 minutes without a car)",
            producer="INSEE, BPE, OpenStreetMap, BDNB (indicateurs calculés par un tiers)",
            licence_id=ETALAB,
            attribution="INSEE / BPE / BDNB, Etalab Licence Ouverte 2.0; © OpenStreetMap contributors, ODbL",
            urls=(), landing_page="",
            format="Parquet", update_frequency_days=365, coverage="Bretagne",
            bundle_files=("territory/indicators-*.parquet", "territory/indicators-sources.json"),
            loader="sources.loaders.territory:load_indicators",
            description_fr="Référence de comparaison, pas une vérité terrain ; pas d'URL officielle.",
            theme="territory", published="2026-06-30"),
        Dataset(
            id="commuter-survey",
            title_fr="Enquête déplacements domicile-travail des salariés de Rennes Métropole, 2020",
            title_en="Rennes Métropole commuter survey, 2020",
            producer=_RM, licence_id=ODBL, attribution=_RM_ATTR,
            urls=(_ods(_RM_PORTAL, "enquete-deplacements-domicile-travail-2020", "csv"),),
            landing_page=_ods_page(_RM_PORTAL, "enquete-deplacements-domicile-travail-2020"),
            format="CSV", update_frequency_days=None, coverage="Rennes Métropole",
            bundle_files=("survey/commuter-survey-2020.csv",),
            loader="sources.loaders.survey:load_survey", theme="survey", published="2020-01-01"),
        Dataset(
            id="survey-employers",
            title_fr="Enquête domicile-travail 2020 : localisation des employeurs",
            title_en="Commuter survey 2020: employer locations",
            producer=_RM, licence_id=ODBL, attribution=_RM_ATTR,
            urls=(_ods(_RM_PORTAL, "enquete-deplacements-domicile-travail-2020-employeurs", "geojson"),),
            landing_page=_ods_page(_RM_PORTAL, "enquete-deplacements-domicile-travail-2020-employeurs"),
            format="GeoJSON", update_frequency_days=None, coverage="Rennes Métropole",
            bundle_files=("survey/commuter-survey-employers.geojson",),
            loader="sources.loaders.survey:load_survey_employers", theme="survey",
            published="2020-01-01"),
    ]


for _ds in _records():
    register(_ds)
del _ds


# --- exports ----------------------------------------------------------------------------------

#: Spatial coverage label -> WGS84 bounding box (lon_min, lat_min, lon_max, lat_max).
COVERAGE_BBOX: dict[str, tuple[float, float, float, float]] = {
    "Rennes Métropole": RENNES_METROPOLE_BBOX,
    "Bretagne": BRITTANY_BBOX,
    "Ille-et-Vilaine": (-2.29, 47.63, -1.0, 48.72),
    "France": FRANCE_BBOX,
}
#: Spatial coverage label -> an authority URI (INSEE / EU).
COVERAGE_URI: dict[str, str] = {
    "Rennes Métropole": "https://www.insee.fr/fr/metadonnees/geographie/epci/243500139",
    "Bretagne": "http://id.insee.fr/geo/region/53",
    "Ille-et-Vilaine": "http://id.insee.fr/geo/departement/35",
    "France": "http://publications.europa.eu/resource/authority/country/FRA",
}
MEDIA_TYPES: dict[str, str] = {
    "GTFS": "application/zip", "GTFS-RT": "application/x-protobuf", "JSON": "application/json",
    "GeoJSON": "application/geo+json", "CSV": "text/csv", "GBFS": "application/json",
    "OSM PBF": "application/vnd.openstreetmap.data+pbf", "Parquet": "application/vnd.apache.parquet",
    "ZIP (CSV)": "application/zip", "CSV.GZ": "application/gzip",
}
_FREQ = "http://publications.europa.eu/resource/authority/frequency/"
_CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "locn": "http://www.w3.org/ns/locn#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "gsp": "http://www.opengis.net/ont/geosparql#",
    "adms": "http://www.w3.org/ns/adms#",
}
CATALOGUE_URI = "https://github.com/spmd-mobilite/catalogue"


def accrual_periodicity(update_frequency_days: float | None) -> str:
    """The EU frequency authority URI closest to an update period in days."""
    if update_frequency_days is None:
        return _FREQ + "IRREG"
    for limit, code in ((1 / 24, "CONT"), (1, "DAILY"), (7, "WEEKLY"), (31, "MONTHLY"),
                        (92, "QUARTERLY"), (183, "ANNUAL_2"), (366, "ANNUAL")):
        if update_frequency_days <= limit:
            return _FREQ + code
    return _FREQ + "IRREG"


def _bbox_wkt(b: tuple[float, float, float, float]) -> str:
    x0, y0, x1, y1 = b
    return f"POLYGON(({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0}))"


def _lang(fr: str, en: str) -> list[dict[str, str]]:
    return [{"@value": fr, "@language": "fr"}, {"@value": en, "@language": "en"}]


def _dataset_jsonld(ds: Dataset) -> dict[str, Any]:
    lic = ds.licence
    licence_ref = {"@id": lic.url} if lic.url else {"@id": f"urn:licence:{lic.id}"}
    spatial: dict[str, Any] = {"@type": "dct:Location", "skos:prefLabel": ds.coverage}
    if ds.coverage in COVERAGE_URI:
        spatial["@id"] = COVERAGE_URI[ds.coverage]
    if ds.coverage in COVERAGE_BBOX:
        spatial["dcat:bbox"] = {"@value": _bbox_wkt(COVERAGE_BBOX[ds.coverage]),
                                "@type": "gsp:wktLiteral"}
    distributions = [{
        "@id": f"{CATALOGUE_URI}/dataset/{ds.id}/distribution/{i}",
        "@type": "dcat:Distribution",
        "dcat:accessURL": {"@id": url},
        "dcat:downloadURL": {"@id": url},
        "dct:format": ds.format,
        "dcat:mediaType": MEDIA_TYPES.get(ds.format, "application/octet-stream"),
        "dct:license": licence_ref,
    } for i, url in enumerate(ds.urls)]
    out: dict[str, Any] = {
        "@id": f"{CATALOGUE_URI}/dataset/{ds.id}",
        "@type": "dcat:Dataset",
        "dct:identifier": ds.id,
        "dct:title": _lang(ds.title_fr, ds.title_en),
        "dct:publisher": {"@type": "foaf:Agent", "foaf:name": ds.producer},
        "dct:license": licence_ref,
        "dct:rights": {"@type": "dct:RightsStatement", "skos:prefLabel": ds.attribution or lic.name},
        "dct:accrualPeriodicity": {"@id": accrual_periodicity(ds.update_frequency_days)},
        "dct:spatial": spatial,
        "dcat:theme": ds.theme,
        "dcat:keyword": [ds.theme, ds.format, "mobilité", "Rennes"],
        "dcat:distribution": distributions,
        "adms:sample": [{"@type": "dcat:Distribution", "dct:title": f"bundle:{p}",
                         "dct:format": ds.format} for p in ds.bundle_files],
    }
    if ds.description_fr:
        out["dct:description"] = {"@value": ds.description_fr, "@language": "fr"}
    if ds.landing_page:
        out["dcat:landingPage"] = {"@id": ds.landing_page}
    if ds.published:
        out["dct:modified"] = {"@value": ds.published,
                               "@type": "xsd:dateTime" if "T" in ds.published else "xsd:date"}
    return out


def to_dcat(datasets: list[Dataset] | None = None) -> dict[str, Any]:
    """The catalogue as DCAT-AP JSON-LD: a ``dcat:Catalog`` of ``dcat:Dataset`` records.

    Each dataset carries ``dct:license``, ``dct:publisher``, ``dct:accrualPeriodicity`` (EU
    frequency vocabulary), ``dct:spatial`` (label, authority URI, WKT bbox) and one
    ``dcat:Distribution`` per official URL. Offline bundle files appear as ``adms:sample``.

    Parameters
    ----------
    datasets
        Records to export (default: the whole catalogue).
    """
    datasets = all_datasets() if datasets is None else list(datasets)
    return {
        "@context": dict(_CONTEXT),
        "@id": CATALOGUE_URI,
        "@type": "dcat:Catalog",
        "dct:title": _lang("Catalogue des données de mobilité de Rennes Métropole",
                           "Rennes Métropole mobility data catalogue"),
        "dct:description": {"@value": "Jeux de données ouverts utilisés par spmd-mobilite.",
                            "@language": "fr"},
        "dct:publisher": {"@type": "foaf:Agent", "foaf:name": "spmd-mobilite"},
        "dct:language": {"@id": "http://publications.europa.eu/resource/authority/language/FRA"},
        "dcat:dataset": [_dataset_jsonld(ds) for ds in datasets],
    }


FRAME_COLUMNS = ["id", "title_fr", "title_en", "producer", "licence_id", "licence_name",
                 "attribution", "urls", "landing_page", "format", "update_frequency_days",
                 "coverage", "bundle_files", "loader", "published", "optional", "theme"]


def to_frame(datasets: list[Dataset] | None = None) -> pd.DataFrame:
    """The catalogue as a table, one row per dataset.

    Columns: :data:`FRAME_COLUMNS`; ``urls`` and ``bundle_files`` are joined with spaces,
    ``update_frequency_days`` is float64 (NaN when irregular or unknown).
    """
    import pandas as pd

    datasets = all_datasets() if datasets is None else list(datasets)
    rows = [{
        "id": ds.id, "title_fr": ds.title_fr, "title_en": ds.title_en, "producer": ds.producer,
        "licence_id": ds.licence_id, "licence_name": ds.licence.name,
        "attribution": ds.attribution, "urls": " ".join(ds.urls), "landing_page": ds.landing_page,
        "format": ds.format, "update_frequency_days": ds.update_frequency_days,
        "coverage": ds.coverage, "bundle_files": " ".join(ds.bundle_files), "loader": ds.loader,
        "published": ds.published, "optional": ds.optional, "theme": ds.theme,
    } for ds in datasets]
    frame = pd.DataFrame(rows, columns=FRAME_COLUMNS)
    frame["update_frequency_days"] = frame["update_frequency_days"].astype("float64")
    return frame


_DATE_IN_NAME = re.compile(r"(?<!\d)((?:19|20)\d\d)(?:-(\d\d))?(?:-(\d\d))?(?!\d)")


def published_from_names(names: list[str]) -> datetime | None:
    """The latest date written in file names (``2024-05-16``, ``2021-02``, ``2025``), or None."""
    found: list[datetime] = []
    for name in names:
        for y, m, d in _DATE_IN_NAME.findall(Path(name).name):
            try:
                found.append(datetime(int(y), int(m or 1), int(d or 1), tzinfo=UTC))
            except ValueError:
                continue
    return max(found) if found else None


def published_datetime(ds: Dataset, files: list[str] | None = None) -> datetime | None:
    """When the copy in hand was published: the latest date in ``files``' names, else ``ds.published``."""
    when = published_from_names(files) if files else None
    if when is None and ds.published:
        when = datetime.fromisoformat(ds.published)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
    return when
