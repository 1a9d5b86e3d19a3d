"""Every word the project shows to people, in French and English: one table, one renderer.

:data:`CATALOGUE` maps a key to its templates, ``{"fr": ..., "en": ...}`` (``str.format``
fields for the parameters). :func:`translate` is the one renderer, with one fallback rule:

* a language other than French or English, or a template missing in the language asked for,
  gives the French template (French is the service's language, English its translation);
* a key not in the table gives the key itself: visible on screen, never a crash (a test checks
  that every key the code uses is in the table and has both languages);
* parameters the template does not name are ignored; a template whose fields are not all given
  is shown unformatted.

Both the planner's messages (:class:`routing.messages.Msg`) and the dashboard's labels come
from here, so that ``sources`` (the bottom of the flow) holds the one catalogue that ``routing``
and ``dashboard`` both read. No import of the project here.
"""

from __future__ import annotations

from datetime import date as _date
from datetime import datetime as _datetime
from typing import Any

from babel import Locale
from babel import dates as _babel_dates
from babel import numbers as _babel_numbers

#: the languages of the catalogue, French first (the default and the fallback)
LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"

#: key -> {"fr": template, "en": template}
CATALOGUE: dict[str, dict[str, str]] = {
    # -- app shell ------------------------------------------------------------------------------
    "app.title": {"fr": "Mobilité à Rennes", "en": "Getting around Rennes"},
    "app.subtitle": {
        "fr": "Service public de la donnée — Rennes Métropole",
        "en": "Public data service — Rennes Métropole",
    },
    "app.language": {"fr": "Langue", "en": "Language"},
    "nav.planner": {"fr": "Itinéraire", "en": "Trip planner"},
    "nav.layers": {"fr": "Carte des mobilités", "en": "Map layers"},
    "nav.accessibility": {"fr": "Accessibilité", "en": "Accessibility"},
    "nav.catalogue": {"fr": "Catalogue des données", "en": "Data catalogue"},
    "nav.about": {"fr": "À propos", "en": "About"},
    "nav.traces": {"fr": "Traces GPS", "en": "GPS traces"},
    "error.generic": {
        "fr": "Désolé, quelque chose s'est mal passé. L'incident est enregistré ; réessayez ou changez de page.",
        "en": "Sorry, something went wrong. The incident was logged; try again or switch page.",
    },
    "error.planner_unavailable": {
        "fr": "Le calculateur d'itinéraires n'est pas disponible pour le moment.",
        "en": "The trip planner is not available at the moment.",
    },
    "error.data_unavailable": {
        "fr": "Données indisponibles : {name}",
        "en": "Data unavailable: {name}",
    },
    "banner.timetable": {
        "fr": "Les horaires de bus utilisés sont ceux de la semaine du 14 au 20 novembre 2011 "
              "(seul horaire STAR complet disponible hors ligne) : les trajets sont calculés pour le {date}.",
        "en": "Bus timetables are those of the week of 14–20 November 2011 "
              "(the only complete STAR timetable available offline): trips are computed for {date}.",
    },
    "loading.planner": {
        "fr": "Préparation du réseau multimodal (une seule fois)…",
        "en": "Preparing the multimodal network (once)…",
    },
    "loading.planner_s": {
        "fr": "Préparation du réseau multimodal… {s} s",
        "en": "Preparing the multimodal network… {s} s",
    },
    "planner.search_pending": {
        "fr": "Recherche des lieux dès que le réseau est prêt…",
        "en": "Places are searched as soon as the network is ready…",
    },
    "planner.plan_pending": {
        "fr": "Le réseau est en préparation : votre trajet sera calculé dès qu'il sera prêt.",
        "en": "The network is being prepared: your trip is computed as soon as it is ready.",
    },
    "loading.data": {"fr": "Chargement des données…", "en": "Loading data…"},
    # -- planner --------------------------------------------------------------------------------
    "planner.title": {"fr": "Calculer un itinéraire", "en": "Plan a trip"},
    "planner.from": {"fr": "Départ", "en": "From"},
    "planner.to": {"fr": "Arrivée", "en": "To"},
    "planner.search_help": {
        "fr": "Arrêt, rue, station vélo, parking… ou « lat,lon ». Les accents et petites fautes sont tolérés.",
        "en": "Stop, street, bike station, car park… or “lat,lon”. Accents and small typos are tolerated.",
    },
    "planner.placeholder_from": {"fr": "ex. Gares", "en": "e.g. Gares"},
    "planner.placeholder_to": {"fr": "ex. Beaulieu", "en": "e.g. Beaulieu"},
    "planner.matches": {"fr": "Lieux trouvés", "en": "Places found"},
    "planner.date": {"fr": "Date", "en": "Date"},
    "planner.time": {"fr": "Heure", "en": "Time"},
    "planner.when_kind": {"fr": "Horaire", "en": "Time is"},
    "planner.depart_at": {"fr": "Partir à", "en": "Depart at"},
    "planner.arrive_by": {"fr": "Arriver avant", "en": "Arrive by"},
    "planner.modes": {"fr": "Modes", "en": "Modes"},
    "planner.ev": {"fr": "Voiture électrique : batterie", "en": "Electric car: battery"},
    "planner.battery_kwh": {"fr": "Capacité de la batterie (kWh)", "en": "Battery capacity (kWh)"},
    "planner.consumption": {"fr": "Consommation (kWh/100 km)", "en": "Consumption (kWh/100 km)"},
    "planner.soc_start": {"fr": "Charge au départ (%)", "en": "Charge at departure (%)"},
    "planner.min_soc": {"fr": "Charge minimale (%)", "en": "Minimum charge (%)"},
    "planner.partner": {"fr": "Covoiturage : lieu du partenaire (facultatif)",
                        "en": "Carpool: partner's location (optional)"},
    "planner.go": {"fr": "Calculer", "en": "Plan my trip"},
    "planner.swap": {"fr": "Inverser", "en": "Swap"},
    "planner.need_places": {"fr": "Choisissez un départ et une arrivée.",
                            "en": "Choose an origin and a destination."},
    "planner.no_route": {"fr": "Aucun itinéraire trouvé : {reason}", "en": "No route found: {reason}"},
    "planner.computing": {"fr": "Calcul des itinéraires…", "en": "Computing itineraries…"},
    "planner.results": {"fr": "{n} itinéraire(s)", "en": "{n} itinerary(ies)"},
    "planner.duration": {"fr": "Durée", "en": "Duration"},
    "planner.arrival": {"fr": "Arrivée", "en": "Arrival"},
    "planner.departure": {"fr": "Départ", "en": "Departure"},
    "planner.transfers": {"fr": "Correspondances", "en": "Transfers"},
    "planner.walking": {"fr": "Marche", "en": "Walking"},
    "planner.co2": {"fr": "CO₂", "en": "CO₂"},
    "planner.show": {"fr": "Itinéraire affiché", "en": "Itinerary shown"},
    "planner.export_geojson": {"fr": "Exporter en GeoJSON", "en": "Export GeoJSON"},
    "planner.export_gpx": {"fr": "Exporter en GPX", "en": "Export GPX"},
    "planner.share": {"fr": "Lien à partager", "en": "Shareable link"},
    "planner.pick_map": {
        "fr": "Astuce : cliquez un arrêt sur la carte pour l'utiliser comme départ ou arrivée.",
        "en": "Tip: click a stop on the map to use it as origin or destination.",
    },
    "planner.pick_map_any": {
        "fr": "Astuce : cliquez sur la carte (ou sur un arrêt) pour choisir un départ ou une arrivée.",
        "en": "Tip: click on the map (or on a stop) to choose an origin or a destination.",
    },
    "planner.picked": {"fr": "Lieu choisi sur la carte : {name}", "en": "Place picked on the map: {name}"},
    "planner.use_from": {"fr": "Comme départ", "en": "As origin"},
    "planner.use_to": {"fr": "Comme arrivée", "en": "As destination"},
    "planner.bad_param": {
        "fr": "Paramètre d'URL ignoré (valeur invalide) : {name}",
        "en": "URL parameter ignored (invalid value): {name}",
    },
    "planner.notes": {"fr": "Remarques", "en": "Notes"},
    "planner.no_option": {"fr": "Sans itinéraire", "en": "No itinerary"},
    "planner.approximate": {"fr": "tracé approché", "en": "approximate route"},
    "planner.min": {"fr": "{m} min", "en": "{m} min"},
    "planner.h_min": {"fr": "{h} h {m:02d}", "en": "{h} h {m:02d}"},
    # modes (itinerary labels and leg modes)
    "mode.walk": {"fr": "Marche", "en": "Walk"},
    "mode.bike": {"fr": "Vélo", "en": "Bike"},
    "mode.bikeshare": {"fr": "LE vélo STAR", "en": "LE vélo STAR"},
    "mode.transit": {"fr": "Bus / métro", "en": "Bus / metro"},
    "mode.bike_transit": {"fr": "Vélo + bus", "en": "Bike + bus"},
    "mode.park_ride": {"fr": "Parc relais", "en": "Park and ride"},
    "mode.carpool": {"fr": "Covoiturage", "en": "Carpool"},
    "mode.car": {"fr": "Voiture", "en": "Car"},
    "mode.ecar": {"fr": "Voiture électrique", "en": "Electric car"},
    "mode.charge": {"fr": "Recharge", "en": "Charging"},
    "mode.wait": {"fr": "Attente", "en": "Wait"},
    "kind.stop": {"fr": "arrêt", "en": "stop"},
    "kind.street": {"fr": "rue", "en": "street"},
    "kind.bikeshare": {"fr": "station vélo", "en": "bike station"},
    "kind.parking": {"fr": "parking", "en": "car park"},
    "kind.carpool": {"fr": "aire de covoiturage", "en": "carpool place"},
    "kind.charger": {"fr": "borne de recharge", "en": "charger"},
    "kind.coordinates": {"fr": "coordonnées", "en": "coordinates"},
    "kind.landmark": {"fr": "lieu", "en": "landmark"},
    "kind.metro": {"fr": "station de métro", "en": "metro station"},
    "kind.commune": {"fr": "commune", "en": "town"},
    "kind.neighbourhood": {"fr": "quartier", "en": "neighbourhood"},
    "kind.address": {"fr": "adresse", "en": "address"},
    # -- kiosk ----------------------------------------------------------------------------------
    "kiosk.title": {"fr": "Où allez-vous ?", "en": "Where are you going?"},
    "kiosk.reset": {"fr": "Recommencer", "en": "Start again"},
    # -- layers -----------------------------------------------------------------------------------
    "layers.title": {"fr": "Carte des mobilités", "en": "Mobility map"},
    "layers.choose": {"fr": "Couches affichées", "en": "Layers shown"},
    "layers.legend": {"fr": "Légende", "en": "Legend"},
    "layers.online_tiles": {"fr": "Fond de carte en ligne (si réseau)",
                            "en": "Online base map (when reachable)"},
    "layers.offline_base": {
        "fr": "Fond de carte : réseau des rues (OpenStreetMap) dessiné localement, sans connexion.",
        "en": "Base map: the street network (OpenStreetMap) drawn locally, no connection needed.",
    },
    "layer.streets": {"fr": "Rues (fond de carte)", "en": "Streets (base map)"},
    "layer.stops": {"fr": "Arrêts de bus et métro", "en": "Bus and metro stops"},
    "layer.lines": {"fr": "Lignes de bus (2011)", "en": "Bus lines (2011)"},
    "layer.bikeshare": {"fr": "Stations LE vélo STAR", "en": "LE vélo STAR stations"},
    "layer.rev": {"fr": "Réseau Express Vélo", "en": "Express cycle network (REV)"},
    "layer.carpool": {"fr": "Aires de covoiturage", "en": "Carpool places"},
    "layer.chargers": {"fr": "Bornes de recharge", "en": "EV chargers"},
    "layer.parkride": {"fr": "Parcs relais", "en": "Park and ride"},
    "layer.traffic": {"fr": "État du trafic", "en": "Traffic state"},
    "layer.buses": {"fr": "Positions des bus", "en": "Bus positions"},
    "legend.bikes_avail": {"fr": "vélos disponibles (taille = capacité)",
                           "en": "bikes available (size = capacity)"},
    "legend.empty": {"fr": "vide ou hors service", "en": "empty or closed"},
    "legend.some": {"fr": "quelques vélos", "en": "a few bikes"},
    "legend.many": {"fr": "beaucoup de vélos", "en": "many bikes"},
    "legend.done": {"fr": "réalisé", "en": "done"},
    "legend.works": {"fr": "en travaux / programmé", "en": "works / scheduled"},
    "legend.planned": {"fr": "à l'étude / reporté", "en": "studied / postponed"},
    "legend.kw_slow": {"fr": "< 22 kW", "en": "< 22 kW"},
    "legend.kw_mid": {"fr": "22–49 kW", "en": "22–49 kW"},
    "legend.kw_fast": {"fr": "≥ 50 kW (rapide)", "en": "≥ 50 kW (fast)"},
    "legend.free": {"fr": "fluide", "en": "free flow"},
    "legend.heavy": {"fr": "dense", "en": "heavy"},
    "legend.congested": {"fr": "saturé", "en": "congested"},
    "legend.unknown": {"fr": "inconnu", "en": "unknown"},
    "legend.on_time": {"fr": "à l'heure", "en": "on time"},
    "legend.late": {"fr": "en retard (> 2 min)", "en": "late (> 2 min)"},
    "legend.capacity": {"fr": "taille = nombre de places", "en": "size = number of spaces"},
    "layers.count": {"fr": "{n} éléments", "en": "{n} features"},
    "layers.attribution": {"fr": "Sources et licences", "en": "Sources and licences"},
    "attr.osm": {"fr": "© contributeurs OpenStreetMap (ODbL)", "en": "© OpenStreetMap contributors (ODbL)"},
    "attr.star": {"fr": "STAR / Keolis Rennes, Rennes Métropole (ODbL)",
                  "en": "STAR / Keolis Rennes, Rennes Métropole (ODbL)"},
    "attr.etalab": {"fr": "IRVE, IGN Admin Express : Licence Ouverte Etalab 2.0 ; BNLC : ODbL",
                    "en": "IRVE, IGN Admin Express: Etalab Open Licence 2.0; BNLC: ODbL"},
    # -- accessibility ----------------------------------------------------------------------------
    "acc.title": {"fr": "Explorateur d'accessibilité", "en": "Accessibility explorer"},
    "acc.unavailable": {
        "fr": "Le module d'accessibilité (routing.accessibility.engine) n'est pas encore installé : "
              "cette page affichera les carroyages, isochrones et tableaux par commune dès qu'il le sera.",
        "en": "The accessibility module (routing.accessibility.engine) is not installed yet: this page will "
              "show grid maps, isochrones and per-commune tables as soon as it is.",
    },
    "acc.mode": {"fr": "Mode", "en": "Mode"},
    "acc.opportunity": {"fr": "Opportunités", "en": "Opportunities"},
    "acc.cutoff": {"fr": "Temps maximal (min)", "en": "Cutoff (min)"},
    "acc.window": {"fr": "Heure de départ", "en": "Departure time"},
    "acc.compute": {"fr": "Calculer", "en": "Compute"},
    "acc.by_commune": {"fr": "Par commune", "en": "By commune"},
    "acc.compare": {"fr": "Comparaison des modes", "en": "Mode comparison"},
    "acc.download": {"fr": "Télécharger (CSV)", "en": "Download (CSV)"},
    "acc.isochrone_from": {"fr": "Isochrone depuis", "en": "Isochrone from"},
    "acc.intro": {
        "fr": "Combien d'opportunités (répondants de l'enquête par site employeur, zones d'activité, arrêts, "
              "stations vélo…) peut-on atteindre "
              "depuis chaque carreau de 200 m de Rennes Métropole, par quel mode, en combien de temps ? "
              "Population répartie depuis les densités communales (INSEE 2023).",
        "en": "How many opportunities (survey respondents by employer site, business zones, stops, bike "
              "stations…) can be reached from "
              "each 200 m cell of Rennes Métropole, by which mode, within how long? Population spread "
              "from commune densities (INSEE 2023).",
    },
    "acc.window_help": {
        "fr": "Transports en commun : médiane sur les minutes de départ de la plage (horaires 2011).",
        "en": "Public transport: median over the departure minutes of the window (2011 timetable).",
    },
    "acc.preparing": {"fr": "Préparation du carroyage et du moteur d'accessibilité…",
                      "en": "Preparing the grid and the accessibility engine…"},
    "acc.computing": {"fr": "Calcul de l'accessibilité…", "en": "Computing accessibility…"},
    "acc.tab.map": {"fr": "Carte", "en": "Map"},
    "acc.tab.isochrones": {"fr": "Isochrones", "en": "Isochrones"},
    "acc.opp.employers": {"fr": "Répondants de l'enquête déplacements, par site employeur",
                          "en": "Commuter-survey respondents, by employer site"},
    "acc.opp.business_zones": {"fr": "Zones d'activité (surface en ha)", "en": "Business zones (area in ha)"},
    "acc.opp.stops": {"fr": "Départs de bus", "en": "Bus departures"},
    "acc.opp.bikeshare": {"fr": "Stations LE vélo STAR", "en": "LE vélo STAR stations"},
    "acc.opp.carpool": {"fr": "Places de covoiturage", "en": "Carpool spaces"},
    "acc.opp.charger": {"fr": "Bornes de recharge (kW)", "en": "EV chargers (kW)"},
    "acc.opp.park_ride": {"fr": "Places en parcs relais", "en": "Park-and-ride spaces"},
    "acc.opp.population": {"fr": "Habitants", "en": "Inhabitants"},
    "acc.unit.employers": {"fr": "répondants", "en": "respondents"},
    "acc.unit.business_zones": {"fr": "ha", "en": "ha"},
    "acc.unit.stops": {"fr": "départs", "en": "departures"},
    "acc.unit.bikeshare": {"fr": "stations", "en": "stations"},
    "acc.unit.carpool": {"fr": "places", "en": "spaces"},
    "acc.unit.charger": {"fr": "kW", "en": "kW"},
    "acc.unit.park_ride": {"fr": "places", "en": "spaces"},
    "acc.unit.population": {"fr": "habitants", "en": "inhabitants"},
    "acc.metric.mean": {"fr": "Moyenne par habitant", "en": "Mean per inhabitant"},
    "acc.metric.gini": {"fr": "Indice de Gini", "en": "Gini index"},
    "acc.metric.reached": {"fr": "Carreaux atteignant au moins une opportunité",
                           "en": "Cells reaching at least one opportunity"},
    "acc.map_caption": {
        "fr": "{n} carreaux de 200 m colorés par quantiles ; les carreaux qui n'atteignent rien ne sont pas dessinés.",
        "en": "{n} cells of 200 m coloured by quantiles; cells reaching nothing are not drawn.",
    },
    "acc.download_cells_geojson": {"fr": "Carreaux (GeoJSON)", "en": "Cells (GeoJSON)"},
    "acc.download_cells_csv": {"fr": "Carreaux (CSV)", "en": "Cells (CSV)"},
    "acc.download_isochrone": {"fr": "Isochrones (GeoJSON)", "en": "Isochrones (GeoJSON)"},
    "acc.col.commune": {"fr": "commune", "en": "municipality"},
    "acc.col.population": {"fr": "habitants", "en": "inhabitants"},
    "acc.col.mean": {"fr": "moyenne par habitant", "en": "mean per inhabitant"},
    "acc.col.share_above": {"fr": "part au-dessus de la moyenne métropolitaine",
                            "en": "share above the metropolitan mean"},
    "acc.col.band": {"fr": "bande (min)", "en": "band (min)"},
    "acc.col.cells": {"fr": "carreaux", "en": "cells"},
    "acc.col.area_km2": {"fr": "surface (km²)", "en": "area (km²)"},
    "acc.equity_help": {
        "fr": "Gini : 0 = tous les habitants ont le même accès, 1 = concentré. Palma : accès des 10 % "
              "les mieux servis rapporté à celui des 40 % les moins bien servis.",
        "en": "Gini: 0 = everyone has the same access, 1 = concentrated. Palma: access of the best-served "
              "10 % over that of the worst-served 40 %.",
    },
    "acc.compare_help": {
        "fr": "Moyenne par habitant de chaque commune, pour chacun des quatre modes, avec les mêmes "
              "opportunités, temps maximal et plage horaire.",
        "en": "Mean per inhabitant of each municipality, for each of the four modes, with the same "
              "opportunities, cutoff and time window.",
    },
    "acc.compare_go": {"fr": "Comparer les quatre modes", "en": "Compare the four modes"},
    "acc.departure": {"fr": "Départ à", "en": "Departure at"},
    "acc.isochrone_help": {
        "fr": "Saisissez un lieu (arrêt, rue, station…) pour tracer les zones atteintes en 10, 20, 30, 45 et 60 min.",
        "en": "Type a place (stop, street, station…) to draw the areas reached within 10, 20, 30, 45 and 60 min.",
    },
    "acc.isochrone_of": {"fr": "Isochrones depuis {name}, {mode}, départ {at}.",
                         "en": "Isochrones from {name}, {mode}, departure {at}."},
    # -- catalogue --------------------------------------------------------------------------------
    "cat.title": {"fr": "Catalogue des données", "en": "Data catalogue"},
    "cat.intro": {
        "fr": "Chaque jeu de données utilisé : producteur, licence, fraîcheur et résultat de validation.",
        "en": "Every dataset used: producer, licence, freshness and validation result.",
    },
    "cat.col.id": {"fr": "Identifiant", "en": "Identifier"},
    "cat.col.title": {"fr": "Titre", "en": "Title"},
    "cat.col.producer": {"fr": "Producteur", "en": "Producer"},
    "cat.col.licence": {"fr": "Licence", "en": "Licence"},
    "cat.col.published": {"fr": "Publié", "en": "Published"},
    "cat.col.freshness": {"fr": "Fraîcheur", "en": "Freshness"},
    "cat.col.age_days": {"fr": "Âge (jours)", "en": "Age (days)"},
    "cat.col.format": {"fr": "Format", "en": "Format"},
    "cat.pick": {"fr": "Détail d'un jeu de données", "en": "Dataset details"},
    "cat.validate": {"fr": "Charger et valider", "en": "Load and validate"},
    "cat.validate_all": {"fr": "Valider tout le catalogue", "en": "Validate the whole catalogue"},
    "cat.quarantine": {"fr": "Lignes mises en quarantaine", "en": "Quarantined rows"},
    "cat.no_quarantine": {"fr": "Aucune ligne en quarantaine.", "en": "No quarantined rows."},
    "cat.dcat": {"fr": "Télécharger le catalogue DCAT (JSON-LD)", "en": "Download the DCAT catalogue (JSON-LD)"},
    "cat.report_json": {"fr": "Télécharger le rapport (JSON)", "en": "Download the report (JSON)"},
    "cat.not_in_bundle": {"fr": "Absent du jeu hors ligne (en ligne seulement).",
                          "en": "Not in the offline bundle (online only)."},
    "cat.fresh.fresh": {"fr": "à jour", "en": "fresh"},
    "cat.fresh.stale": {"fr": "ancien", "en": "stale"},
    "cat.fresh.unknown": {"fr": "inconnue", "en": "unknown"},
    "cat.urls": {"fr": "Source officielle", "en": "Official source"},
    # -- about ------------------------------------------------------------------------------------
    "about.title": {"fr": "À propos", "en": "About"},
    "about.body": {
        "fr": "Ce tableau de bord fait partie du service public de la donnée de Rennes Métropole. "
              "Il combine marche, vélo, LE vélo STAR, bus et métro STAR, covoiturage et voiture "
              "(électrique comprise) pour calculer des trajets porte à porte, et montre qui peut "
              "atteindre quoi, par quel mode, à quelle heure. Toutes les données sont ouvertes ; "
              "plusieurs sont anciennes : leur date est indiquée ci-dessous.",
        "en": "This dashboard is part of Rennes Métropole's public data service. It combines "
              "walking, cycling, LE vélo STAR bike share, STAR buses and metro, carpooling and "
              "driving (electric included) to compute door-to-door trips, and shows who can reach "
              "what, by which mode, at what time. All data is open; several datasets are old: "
              "their dates are given below.",
    },
    "about.data": {"fr": "Les données", "en": "The data"},
    "about.limits": {"fr": "Limites connues", "en": "Known limits"},
    "about.limits_body": {
        "fr": "- Bus STAR : les horaires publiés de la semaine du 14 au 20 novembre 2011, le seul horaire STAR "
              "complet disponible hors ligne.\n"
              "- Métro, ligne a : absent de ces horaires de 2011, il est ajouté avec des horaires estimés à partir "
              "de sa fréquence publiée (un métro toutes les 1 min 30 aux heures de pointe, 4 min 30 sinon), "
              "pas d'un horaire publié. La ligne b n'existe que dans le scénario « Et si le métro b avait existé "
              "en 2011 ? ».\n"
              "- Rues : voies nommées d'OpenStreetMap (2013) pour Rennes et grands axes de la métropole.\n"
              "- Disponibilité des vélos et positions de bus : instantanés, pas du temps réel.\n"
              "- La date de publication de chaque jeu de données est dans le tableau ci-dessus.",
        "en": "- STAR buses: the published timetable of the week of 14–20 November 2011, the only complete STAR "
              "timetable available offline.\n"
              "- Metro line a: missing from that 2011 timetable, it is added with times estimated from its "
              "published frequency (a train every 1 min 30 at peak hours, 4 min 30 otherwise), not from a "
              "published timetable. Line b exists only in the scenario “What if metro line b had existed in "
              "2011?”.\n"
              "- Streets: named OpenStreetMap ways (2013) for Rennes and the metropolitan main roads.\n"
              "- Bike availability and bus positions: snapshots, not real time.\n"
              "- The publication date of each dataset is in the table above.",
    },
    "about.code": {"fr": "Logiciel libre (EUPL 1.2).", "en": "Free software (EUPL 1.2)."},
    # -- traces et flux (sources.traces) --------------------------------------------------------
    "traces.title": {"fr": "Traces et flux", "en": "Traces and flows"},
    "traces.intro": {
        "fr": "Des traces GPS aux flux anonymisés : nettoyage, arrêts, trajets, flux origine-destination, "
              "puis généralisation et suppression des flux de moins de k personnes. Seuls les agrégats "
              "anonymisés peuvent être téléchargés.",
        "en": "From GPS traces to anonymised flows: cleaning, stays, trips, origin-destination flows, "
              "then generalisation and suppression of flows with fewer than k people. Only anonymised "
              "aggregates can be downloaded.",
    },
    "traces.source": {"fr": "Données", "en": "Data"},
    "traces.source.simulate": {"fr": "Simuler des trajets domicile-travail", "en": "Simulate commutes"},
    "traces.source.upload": {"fr": "Téléverser un fichier (CSV ou GPX)", "en": "Upload a file (CSV or GPX)"},
    "traces.upload": {"fr": "Fichier de traces", "en": "Trace file"},
    "traces.upload_help": {
        "fr": "CSV (une ligne par point) ou GPX, {mb} Mo au plus. Le fichier n'est ni conservé ni exécuté.",
        "en": "CSV (one row per point) or GPX, at most {mb} MB. The file is neither kept nor executed.",
    },
    "traces.col.user": {"fr": "Colonne identifiant", "en": "User id column"},
    "traces.col.lat": {"fr": "Colonne latitude", "en": "Latitude column"},
    "traces.col.lon": {"fr": "Colonne longitude", "en": "Longitude column"},
    "traces.col.time": {"fr": "Colonne heure", "en": "Time column"},
    "traces.col.mode": {"fr": "Colonne mode (facultative)", "en": "Mode column (optional)"},
    "traces.load": {"fr": "Charger", "en": "Load"},
    "traces.n_users": {"fr": "Nombre de personnes simulées", "en": "Number of simulated people"},
    "traces.seed": {"fr": "Graine aléatoire", "en": "Random seed"},
    "traces.use_planner": {"fr": "Itinéraires du calculateur (plus lent)",
                           "en": "Itineraries from the planner (slower)"},
    "traces.simulate": {"fr": "Simuler", "en": "Simulate"},
    "traces.simulated_label": {
        "fr": "Données SIMULÉES ({n} points, {u} personnes) : aucune trace réelle.",
        "en": "SIMULATED data ({n} points, {u} people): no real trace.",
    },
    "traces.loaded_label": {"fr": "{n} points de {u} personnes chargés.",
                            "en": "{n} points of {u} people loaded."},
    "traces.quarantined": {"fr": "{rows} : {reasons}", "en": "{rows}: {reasons}"},
    "traces.params": {"fr": "Paramètres d'anonymisation", "en": "Anonymisation parameters"},
    "traces.k": {"fr": "k : personnes au minimum par flux publié",
                 "en": "k: minimum number of people per published flow"},
    "traces.tiles": {"fr": "Zones publiées", "en": "Published zones"},
    "traces.tiles.grid1000": {"fr": "Carreaux de 1 km", "en": "1 km grid"},
    "traces.tiles.grid200": {"fr": "Carreaux de 200 m", "en": "200 m grid"},
    "traces.tiles.iris": {"fr": "IRIS", "en": "IRIS"},
    "traces.tiles.communes": {"fr": "Communes", "en": "Municipalities"},
    "traces.temporal": {"fr": "Temps publié", "en": "Published time"},
    "traces.temporal.period": {"fr": "Périodes (pointes, journée, soirée, nuit)",
                               "en": "Periods (peaks, day, evening, night)"},
    "traces.temporal.hour": {"fr": "Heure de départ", "en": "Departure hour"},
    "traces.temporal.none": {"fr": "Aucun (toute la période)", "en": "None (whole period)"},
    "traces.by_mode": {"fr": "Distinguer les modes", "en": "Keep modes apart"},
    "traces.analyse": {"fr": "Analyser et anonymiser", "en": "Analyse and anonymise"},
    "traces.computing": {"fr": "Calcul en cours…", "en": "Computing…"},
    "traces.no_data": {"fr": "Chargez ou simulez d'abord des traces.",
                       "en": "Load or simulate traces first."},
    "traces.steps": {"fr": "Étapes", "en": "Steps"},
    "traces.m.points": {"fr": "Points", "en": "Points"},
    "traces.m.stays": {"fr": "Arrêts", "en": "Stays"},
    "traces.m.trips": {"fr": "Trajets", "en": "Trips"},
    "traces.m.published": {"fr": "Flux publiés", "en": "Published flows"},
    "traces.risk": {"fr": "Risque de ré-identification, avant et après",
                    "en": "Re-identification risk, before and after"},
    "traces.risk_help": {
        "fr": "Avant : arrêts sur les carreaux de 200 m. Après : ce que révèlent les flux publiés. "
              "Risque 1 = personne identifiée de façon unique.",
        "en": "Before: stays on the 200 m grid. After: what the published flows reveal. "
              "Risk 1 = person uniquely identified.",
    },
    "traces.removed": {"fr": "Ce qui a été supprimé", "en": "What was removed"},
    "traces.map": {"fr": "Flux publiés", "en": "Published flows"},
    "traces.nothing_published": {
        "fr": "Aucun flux n'atteint k personnes : rien n'est publiable. Baissez k ou agrandissez les zones.",
        "en": "No flow reaches k people: nothing can be published. Lower k or use larger zones.",
    },
    "traces.download_csv": {"fr": "Télécharger les flux anonymisés (CSV)",
                            "en": "Download anonymised flows (CSV)"},
    "traces.download_geojson": {"fr": "Télécharger les flux anonymisés (GeoJSON)",
                                "en": "Download anonymised flows (GeoJSON)"},
    "traces.parsing": {"fr": "Lecture du fichier…", "en": "Reading the file…"},
    "traces.error_file": {"fr": "Fichier inutilisable : {error}", "en": "Unusable file: {error}"},
    # -- next departures, line explorer, a day of buses ---------------------------------------
    "nav.departures": {"fr": "Prochains passages", "en": "Next departures"},
    "nav.lines": {"fr": "Lignes", "en": "Lines"},
    "nav.day": {"fr": "Une journée de bus", "en": "A day of buses"},
    "dep.title": {"fr": "Prochains passages", "en": "Next departures"},
    "dep.stop": {"fr": "Arrêt", "en": "Stop"},
    "dep.stop_placeholder": {"fr": "ex. République", "en": "e.g. République"},
    "dep.matches": {"fr": "Arrêts trouvés", "en": "Stops found"},
    "dep.no_match": {"fr": "Aucun arrêt ne correspond à « {q} ».", "en": "No stop matches “{q}”."},
    "dep.time": {"fr": "Heure", "en": "Time"},
    "dep.pick_stop": {"fr": "Cherchez un arrêt, ou cliquez sur un arrêt de la carte.",
                      "en": "Search for a stop, or click a stop on the map."},
    "dep.heading": {"fr": "{stop} — {n} quai(s), à partir de {time}", "en": "{stop} — {n} platform(s), from {time}"},
    "dep.none": {"fr": "Aucun départ dans les deux heures.", "en": "No departure within two hours."},
    "dep.none_soon": {"fr": "pas de départ prévu", "en": "no departure planned"},
    "dep.wait_now": {"fr": "à l'arrêt", "en": "now"},
    "dep.wait_min": {"fr": "{n} min", "en": "{n} min"},
    "dep.next_hour": {"fr": "{n} passages dans l'heure", "en": "{n} departures in the next hour"},
    "dep.headway": {"fr": "toutes les {n} min", "en": "every {n} min"},
    "dep.delayed": {"fr": "{n} en retard", "en": "{n} delayed"},
    "dep.canceled": {"fr": "{n} supprimé(s)", "en": "{n} cancelled"},
    "dep.all": {"fr": "Tous les départs", "en": "All departures"},
    "dep.rt": {"fr": "Temps réel (fichier GTFS-RT TripUpdates, .pb)", "en": "Real time (GTFS-RT TripUpdates file, .pb)"},
    "dep.rt_loaded": {"fr": "Temps réel : {trips} courses retardées, {canceled} supprimées.",
                      "en": "Real time: {trips} trips delayed, {canceled} cancelled."},
    "dep.rt_error": {"fr": "Fichier temps réel inutilisable : {error}", "en": "Unusable real-time file: {error}"},
    "dep.col.time": {"fr": "Heure", "en": "Time"},
    "dep.col.line": {"fr": "Ligne", "en": "Line"},
    "dep.col.direction": {"fr": "Direction", "en": "Direction"},
    "dep.col.wait": {"fr": "Attente (min)", "en": "Wait (min)"},
    "dep.col.stop": {"fr": "Quai", "en": "Platform"},
    "dep.col.status": {"fr": "État", "en": "Status"},
    "dep.col.delay": {"fr": "Retard (min)", "en": "Delay (min)"},
    "dep.status.scheduled": {"fr": "théorique", "en": "scheduled"},
    "dep.status.on_time": {"fr": "à l'heure", "en": "on time"},
    "dep.status.delayed": {"fr": "en retard", "en": "delayed"},
    "dep.status.early": {"fr": "en avance", "en": "early"},
    "dep.status.canceled": {"fr": "supprimé", "en": "cancelled"},
    "dep.status.skipped": {"fr": "arrêt non desservi", "en": "stop skipped"},
    "dep.map": {"fr": "Cliquez sur un arrêt pour voir ses passages.", "en": "Click a stop to see its departures."},
    "dep.to": {"fr": "Trajets vers un autre arrêt dans l'heure", "en": "Journeys to another stop within the hour"},
    "dep.to_stop": {"fr": "Vers l'arrêt", "en": "To stop"},
    "dep.to_placeholder": {"fr": "ex. Villejean-Université", "en": "e.g. Villejean-Université"},
    "dep.to_hint": {"fr": "Tous les trajets en bus ou métro qui valent la peine, partant de {stop} entre {start} et "
                          "{end} : aucun autre ne part plus tard, n'arrive plus tôt, avec moins de correspondances "
                          "ou moins de marche.",
                    "en": "Every bus or metro journey worth taking from {stop} between {start} and {end}: no other "
                          "one leaves later, arrives earlier, with fewer transfers or less walking."},
    "dep.to_heading": {"fr": "{n} trajet(s) de {stop} à {to}, départ entre {start} et {end}",
                       "en": "{n} journey(s) from {stop} to {to}, leaving between {start} and {end}"},
    "dep.to_none": {"fr": "Aucun trajet de {stop} à {to} ne part entre {start} et {end}.",
                    "en": "No journey from {stop} to {to} leaves between {start} and {end}."},
    "dep.to_same": {"fr": "Choisissez un autre arrêt que celui de départ.", "en": "Pick a stop other than the origin."},
    "dep.to_walk": {"fr": "marche", "en": "walk"},
    "dep.to_col.departure": {"fr": "Départ", "en": "Departure"},
    "dep.to_col.arrival": {"fr": "Arrivée", "en": "Arrival"},
    "dep.to_col.duration": {"fr": "Durée (min)", "en": "Duration (min)"},
    "dep.to_col.transfers": {"fr": "Correspondances", "en": "Transfers"},
    "dep.to_col.walk": {"fr": "Marche (min)", "en": "Walk (min)"},
    "dep.to_col.lines": {"fr": "Lignes", "en": "Lines"},
    "share.link": {"fr": "Lien à partager", "en": "Link to share"},
    "loading.network": {"fr": "Préparation des horaires… {s} s", "en": "Preparing the timetable… {s} s"},
    "lines.title": {"fr": "Explorer une ligne", "en": "Explore a line"},
    "lines.pick": {"fr": "Ligne", "en": "Line"},
    "lines.option": {"fr": "Ligne {line} · {n} courses", "en": "Line {line} · {n} trips"},
    "lines.patterns": {"fr": "Parcours", "en": "Route patterns"},
    "lines.pattern_option": {"fr": "{origin} → {direction} ({n} courses)",
                             "en": "{origin} → {direction} ({n} trips)"},
    "lines.stops": {"fr": "Arrêts dans l'ordre", "en": "Stops in order"},
    "lines.stop_pick": {"fr": "Horaires à l'arrêt", "en": "Timetable at stop"},
    "lines.timetable": {"fr": "Horaires de la ligne {line} à {stop}, direction {direction}",
                        "en": "Line {line} timetable at {stop}, towards {direction}"},
    "lines.first_last": {"fr": "Premiers et derniers départs", "en": "First and last departures"},
    "lines.col.direction": {"fr": "Direction", "en": "Direction"},
    "lines.col.trips": {"fr": "Courses", "en": "Trips"},
    "lines.col.first": {"fr": "Premier départ", "en": "First departure"},
    "lines.col.last": {"fr": "Dernier départ", "en": "Last departure"},
    "lines.per_hour": {"fr": "Courses par heure (départ du terminus)", "en": "Trips per hour (leaving the terminus)"},
    "lines.hour": {"fr": "Heure", "en": "Hour"},
    "lines.trips": {"fr": "Courses", "en": "Trips"},
    "lines.bad_line": {"fr": "Ligne inconnue dans le lien : {line}", "en": "Unknown line in the link: {line}"},
    "day.title": {"fr": "Une journée de bus", "en": "A day of buses"},
    "day.intro": {"fr": "Chaque bus du {date}, de son premier à son dernier arrêt : {n} courses, une journée en "
                        "une minute environ. Positions interpolées entre les horaires des arrêts.",
                  "en": "Every bus of {date}, from its first stop to its last: {n} trips, a day in about a "
                        "minute. Positions are interpolated between stop times."},
    "day.play": {"fr": "Lecture", "en": "Play"},
    "day.pause": {"fr": "Pause", "en": "Pause"},
    "day.speed": {"fr": "Vitesse", "en": "Speed"},
    "day.clock": {"fr": "Heure", "en": "Time"},
    "day.vehicles": {"fr": "{n} bus en circulation", "en": "{n} buses running"},
    "day.error": {"fr": "Animation indisponible dans ce navigateur", "en": "Animation unavailable in this browser"},
    "day.per_hour": {"fr": "Bus en circulation par heure", "en": "Buses running per hour"},
    "day.hour": {"fr": "Heure", "en": "Hour"},
    "day.count": {"fr": "Bus", "en": "Buses"},
    "day.with_scenario": {"fr": "Avec le scénario {name} (ses nouvelles lignes circulent aussi)",
                          "en": "With scenario {name} (its new lines run too)"},
    "day.matched": {"fr": "{n} trajets entre deux arrêts suivent les rues (couche voiture) ; les autres sont "
                          "tracés en ligne droite.",
                    "en": "{n} stop-to-stop legs follow the streets (car layer); the others are drawn as "
                          "straight lines."},

    # -- place search and argument checks: parameters are shown as plain text ------------
    "place.no_match": {"fr": "Aucun lieu ne correspond à « {q} ».", "en": "No place matches “{q}”."},
    "place.did_you_mean": {
        "fr": "Aucun lieu ne correspond à « {q} ». Vouliez-vous dire : {suggestions} ?",
        "en": "No place matches “{q}”. Did you mean: {suggestions}?",
    },
    "place.bad_coords": {
        "fr": "« {q} » n'est pas une position : la latitude (entre -90 et 90) d'abord, puis la longitude, "
              "par exemple 48.11,-1.68.",
        "en": "“{q}” is not a position: latitude (between -90 and 90) first, then longitude, e.g. 48.11,-1.68.",
    },
    "place.suggestion": {"fr": "Essayer « {name} »", "en": "Try “{name}”"},
    "place.no_house_numbers": {
        "fr": "les numéros ne sont pas dans les données hors ligne : le n° {number} est pris au milieu de {street}",
        "en": "house numbers are not in the offline data: number {number} is taken as the middle of {street}"},
    "place.number_ignored": {"fr": "numéro {number} ignoré : pas de rue trouvée, le lieu le plus proche du nom",
                             "en": "number {number} ignored: no street found, the closest name instead"},
    "place.resolved": {"fr": "Lieu retenu : {place}", "en": "Place used: {place}"},
    "place.too_long": {
        "fr": "Texte trop long pour un nom de lieu ({n} caractères, au plus {limit}) : il n'est pas cherché.",
        "en": "Too long for a place name ({n} characters, at most {limit}): it is not searched.",
    },
    "place.street_used": {
        "fr": "Les numéros de rue ne sont pas dans les données hors ligne : la rue est utilisée.",
        "en": "House numbers are not in the offline data: the street is used.",
    },
    # -- scenarios ----------------------------------------------------------------------
    "nav.scenarios": {"fr": "Scénarios", "en": "Scenarios"},
    "acc.proxy_note": {
        "fr": "Aucun décompte d'emplois n'est disponible hors ligne : cet indicateur est un indicateur indirect "
              "(répondants de l'enquête déplacements 2020 par site employeur, ou surface des zones d'activité), "
              "pas un nombre d'emplois.",
        "en": "No job count is available offline: this is a proxy (2020 commuter-survey respondents by employer "
              "site, or business-zone area), not a number of jobs.",
    },
    "scen.title": {"fr": "Scénarios : et si… ?", "en": "Scenarios: what if…?"},
    "scen.intro": {
        "fr": "Ajoutez, retirez ou accélérez une ligne et comparez l'accessibilité avant et après, carreau par "
              "carreau et commune par commune. Horaires des lignes ajoutées estimés à partir de leurs fréquences.",
        "en": "Add, remove or speed up a line and compare accessibility before and after, cell by cell and "
              "municipality by municipality. Added lines run on times estimated from their frequencies.",
    },
    "scen.preset": {"fr": "Et si le métro b avait existé en 2011 ?", "en": "What if metro line b had existed in 2011?"},
    "scen.none": {"fr": "Réseau de bus 2011 seul", "en": "2011 bus network only"},
    "scen.uploaded": {"fr": "fichier chargé", "en": "uploaded file"},
    "scen.upload": {"fr": "Charger un scénario (.toml)", "en": "Upload a scenario (.toml)"},
    "scen.upload_help": {"fr": "Fichier TOML de {kb} Ko au plus, vérifié avant usage.",
                         "en": "A TOML file of at most {kb} KB, checked before use."},
    "scen.invalid": {"fr": "Scénario refusé : {error}", "en": "Scenario refused: {error}"},
    "scen.base": {"fr": "Situation de référence", "en": "Baseline"},
    "scen.new": {"fr": "Scénario", "en": "Scenario"},
    "scen.about": {"fr": "Description et sources", "en": "Description and sources"},
    "scen.trip": {"fr": "Le même trajet, avant et après", "en": "The same trip, before and after"},
    "scen.time": {"fr": "Heure", "en": "Time"},
    "scen.before": {"fr": "Avant", "en": "Before"},
    "scen.after": {"fr": "Après", "en": "After"},
    "scen.change": {"fr": "Variation", "en": "Change"},
    "scen.change_pct": {"fr": "Variation (%)", "en": "Change (%)"},
    "scen.no_route": {"fr": "Pas d'itinéraire : {reason}", "en": "No route: {reason}"},
    "scen.trip_error": {"fr": "Trajet impossible à calculer : {error}", "en": "The trip could not be planned: {error}"},
    "scen.access": {"fr": "Accessibilité avant / après", "en": "Accessibility before / after"},
    "scen.compare": {"fr": "Comparer (≈ 30 s)", "en": "Compare (≈ 30 s)"},
    "scen.computing": {"fr": "Calcul de l'accessibilité sur les deux réseaux…",
                       "en": "Computing accessibility on both networks…"},
    "scen.better_off": {"fr": "Habitants gagnants", "en": "People better off"},
    "scen.gain_threshold": {"fr": "Habitants qui atteignent {n} opportunités",
                            "en": "People who now reach {n} opportunities"},
    "scen.gain": {"fr": "Gain", "en": "Gain"},
    "scen.loss": {"fr": "Perte", "en": "Loss"},
    "map.line": {"fr": "Ligne", "en": "Line"},
    "map.places": {"fr": "places", "en": "spaces"},
    "map.bus": {"fr": "Bus", "en": "Bus"},
    "scen.map_caption": {"fr": "{n} carreaux de 200 m changent. Opportunités : {label}.",
                         "en": "{n} cells of 200 m change. Opportunities: {label}."},
    # -- the planner's notes and "no route" reasons (routing.messages.Msg) ---------------------------
    "plan.unknown_modes": {"fr": "mode(s) inconnu(s) : {modes} ; choisir parmi {choices}",
                           "en": "unknown mode(s): {modes}; choose among {choices}"},
    "plan.no_mode": {"fr": "aucun mode demandé", "en": "no mode asked for"},
    "plan.other_day": {"fr": "horaires du {day} (jour de service du réseau) à {time}",
                       "en": "timetable of {day} used (the service day of the network) at {time}"},
    "plan.too_long": {"fr": "{hours} h {mode} : plus que les {cap} h proposées pour ce mode",
                      "en": "{hours} h {mode}: longer than the {cap} h offered for this mode"},
    "plan.outside_data": {
        "fr": "{side} est hors des données de rues hors ligne ({mode}) : la route la plus proche est à {km} km",
        "en": "{side} lies outside the offline street data ({mode}): the nearest road is {km} km away"},
    "plan.no_path": {"fr": "pas de chemin {mode} entre ces lieux sur le réseau de rues",
                     "en": "no path {mode} on the street network between these places"},
    "plan.straight_line": {
        "fr": "tracé approché : ligne droite x {factor} (aucune rue des données entre ces lieux)",
        "en": "approximate: straight line x {factor} (no street of the data between these places)"},
    "plan.connector": {
        "fr": "tracé approché : {km} km en ligne droite x {factor} jusqu'à la rue la plus proche",
        "en": "approximate: {km} km in a straight line x {factor} to the nearest street"},
    "plan.bus_roads": {"fr": "tracé approché d'après les lignes de bus (rues absentes des données)",
                       "en": "approximate route drawn from the bus lines (streets missing from the data)"},
    "plan.walking_faster": {"fr": "marcher est plus rapide ({minutes} min à pied)",
                            "en": "walking is faster ({minutes} min on foot)"},
    "plan.no_station": {"fr": "aucune station de vélos en libre-service dans le réseau",
                        "en": "no bike-share station in the network"},
    "plan.no_bikes": {"fr": "aucune station avec des vélos à moins de {minutes} min à pied du départ",
                      "en": "no station with bikes within {minutes} min walk of the origin"},
    "plan.no_docks": {"fr": "aucune station avec des places libres à moins de {minutes} min à pied de l'arrivée",
                      "en": "no station with free docks within {minutes} min walk of the destination"},
    "plan.no_bike_path_stations": {"fr": "pas de trajet à vélo entre les stations proches du départ et de l'arrivée",
                                   "en": "no bike path between stations near the origin and the destination"},
    "plan.same_station": {"fr": "la même station sert les deux bouts : marchez",
                          "en": "the same station serves both ends: walk instead"},
    "plan.availability_unknown": {"fr": "disponibilité des vélos et des places inconnue : vérifier à la station",
                                  "en": "bike and dock availability unknown: check at the station"},
    "plan.availability": {"fr": "{bikes} vélos à {a}, {docks} places libres à {b}",
                          "en": "{bikes} bikes at {a}, {docks} free docks at {b}"},
    "plan.no_stop_origin": {"fr": "aucun arrêt à portée du départ", "en": "no stop within reach of the origin"},
    "plan.long_walk.origin": {
        "fr": "longue marche : {minutes} min à pied jusqu'au premier arrêt, aucun n'est plus proche du départ",
        "en": "long walk: {minutes} min on foot to the first stop, none is nearer the origin"},
    "plan.long_walk.destination": {
        "fr": "longue marche : {minutes} min à pied depuis le dernier arrêt, aucun n'est plus proche de l'arrivée",
        "en": "long walk: {minutes} min on foot from the last stop, none is nearer the destination"},
    "plan.long_walk_station.origin": {
        "fr": "longue marche : {minutes} min à pied jusqu'à la station, aucune n'est plus proche du départ",
        "en": "long walk: {minutes} min on foot to the station, none is nearer the origin"},
    "plan.long_walk_station.destination": {
        "fr": "longue marche : {minutes} min à pied depuis la station, aucune n'est plus proche de l'arrivée",
        "en": "long walk: {minutes} min on foot from the station, none is nearer the destination"},
    "plan.no_stop_destination": {"fr": "aucun arrêt à moins de {minutes} min à pied de l'arrivée",
                                 "en": "no stop within {minutes} min walk of the destination"},
    "plan.no_transit_after": {"fr": "aucun bus ni métro n'atteint l'arrivée ce jour-là après cette heure",
                              "en": "no bus or metro reaches the destination that day after this time"},
    "plan.no_transit_before": {"fr": "aucun bus ni métro n'atteint l'arrivée à cette heure ce jour-là",
                               "en": "no bus or metro reaches the destination by that time that day"},
    "plan.no_stop_bike": {"fr": "aucun arrêt à courte distance à vélo du départ",
                          "en": "no stop within a short ride of the origin"},
    "plan.bike_adds_nothing": {"fr": "le vélo n'apporte rien à ce trajet en bus",
                               "en": "the bike adds nothing to this transit trip"},
    "plan.no_park_ride": {"fr": "aucun parc relais dans le réseau", "en": "no park-and-ride car park in the network"},
    "plan.no_park_ride_reach": {"fr": "aucun parc relais accessible en voiture",
                                "en": "no park-and-ride car park within reach by car"},
    "plan.no_stop_park_ride": {"fr": "aucun arrêt à moins de 10 min à pied d'un parc relais",
                               "en": "no stop within a 10 min walk of a park-and-ride car park"},
    "plan.carpool_partner": {"fr": "le covoiturage demande le point de départ du passager",
                             "en": "carpooling needs the passenger's starting point (carpool partner)"},
    "plan.no_carpool_place": {"fr": "aucune aire de covoiturage dans le réseau", "en": "no carpool place in the network"},
    "plan.no_carpool_reach": {"fr": "aucune aire de covoiturage accessible aux deux",
                              "en": "no carpool place reachable by both"},
    "plan.carpool_meet": {"fr": "rendez-vous à {place} ({places} places)", "en": "meet at {place} ({places} places)"},
    "plan.battery": {"fr": "batterie à {soc} à l'arrivée", "en": "battery {soc} on arrival"},
    "plan.charge": {"fr": "recharge de {kwh} kWh à {kw} kW{assumed} : {soc_in} -> {soc_out}",
                    "en": "charge {kwh} kWh at {kw} kW{assumed}: {soc_in} -> {soc_out}"},
    "plan.ev": {"fr": "voiture électrique : {why}", "en": "{why}"},
    "plan.real_time": {"fr": "temps réel : {stats}", "en": "real time: {stats}"},
    "note.metro_estimated": {  # scenarios: runs estimated from a frequency
        "fr": "horaires estimés à partir d'une fréquence (un passage toutes les {minutes} min), pas d'un horaire publié",
        "en": "times estimated from a frequency (one every {minutes} min), not a published timetable"},
    "place.not_found": {"fr": "aucun lieu ne correspond à « {text} »", "en": "no place matches '{text}'"},
    # the words of a code parameter (side, mode), put in its place when a message is rendered
    # (routing.messages.CODE_PARAMS)
    "plan.side.origin": {"fr": "le départ", "en": "the origin"},
    "plan.side.destination": {"fr": "l'arrivée", "en": "the destination"},
    "plan.side.passenger": {"fr": "le passager", "en": "the passenger"},
    "plan.by.walk": {"fr": "à pied", "en": "on foot"},
    "plan.by.bike": {"fr": "à vélo", "en": "by bike"},
    "plan.by.car": {"fr": "en voiture", "en": "by car"},
    "plan.by.bikeshare": {"fr": "en vélo STAR", "en": "by STAR bike share"},
    "plan.by.transit": {"fr": "en bus/métro", "en": "by bus/metro"},
    "plan.by.ecar": {"fr": "en voiture électrique", "en": "by electric car"},
    "plan.by.bike_transit": {"fr": "à vélo et en bus", "en": "by bike and bus"},
    "plan.by.park_ride": {"fr": "en parc relais", "en": "by park and ride"},
    "plan.by.carpool": {"fr": "en covoiturage", "en": "by carpool"},

    # -- itinerary: steps, grouping, costs, clock (keys added here) -------------------------------
    # steps of street legs (routing.planner.steps): street_fr carries the French article
    "itin.street.unnamed": {"fr": "une voie sans nom", "en": "an unnamed way"},
    "itin.step.start": {"fr": "Prendre {street} sur {distance}", "en": "Take {street} for {distance}"},
    "itin.step.then": {"fr": "puis {street} sur {distance}", "en": "then {street} for {distance}"},
    "itin.step.bus_road": {
        "fr": "Suivre la route des lignes de bus sur {distance} (tracé approché : rues absentes des données)",
        "en": "Follow the bus lines' road for {distance} (approximate: streets missing from the data)"},
    "itin.step.connector": {
        "fr": "Rejoindre la rue la plus proche : {distance} (ligne droite x {factor}, tracé approché)",
        "en": "Reach the nearest street: {distance} (straight line x {factor}, approximate)"},
    "itin.step.connector_end": {
        "fr": "Quitter la rue pour l'arrivée : {distance} (ligne droite x {factor}, tracé approché)",
        "en": "Leave the street for the destination: {distance} (straight line x {factor}, approximate)"},
    "itin.step.straight": {
        "fr": "Aller vers {to} : {distance} (ligne droite x {factor}, tracé approché : aucune rue des données)",
        "en": "Head for {to}: {distance} (straight line x {factor}, approximate: no street of the data)"},
    "itin.step.bikeshare_take": {"fr": "Prendre un vélo STAR à la station {station}",
                                 "en": "Take a STAR bike at the {station} station"},
    "itin.step.bikeshare_drop": {"fr": "Rendre le vélo à la station {station}",
                                 "en": "Return the bike at the {station} station"},
    "itin.step.park": {"fr": "Se garer à {place}", "en": "Park at {place}"},
    "itin.step.meet": {"fr": "Attendre à {place}", "en": "Wait at {place}"},
    # steps of transit legs
    "itin.step.wait": {"fr": "Attendre {minutes} min à {stop}", "en": "Wait {minutes} min at {stop}"},
    "itin.step.board.metro": {"fr": "Prendre le métro ligne {line} direction {headsign} à {stop} ({time})",
                              "en": "Take metro line {line} towards {headsign} at {stop} ({time})"},
    "itin.step.board.bus": {"fr": "Prendre le bus ligne {line} direction {headsign} à {stop} ({time})",
                            "en": "Take bus line {line} towards {headsign} at {stop} ({time})"},
    "itin.step.board.tram": {"fr": "Prendre le tram ligne {line} direction {headsign} à {stop} ({time})",
                             "en": "Take tram line {line} towards {headsign} at {stop} ({time})"},
    "itin.step.board.line": {"fr": "Prendre la ligne {line} direction {headsign} à {stop} ({time})",
                             "en": "Take line {line} towards {headsign} at {stop} ({time})"},
    "itin.step.alight.one": {"fr": "Descendre à {stop} après {n} arrêt ({time})",
                             "en": "Get off at {stop} after {n} stop ({time})"},
    "itin.step.alight.other": {"fr": "Descendre à {stop} après {n} arrêts ({time})",
                               "en": "Get off at {stop} after {n} stops ({time})"},
    # the basis of an itinerary's price (routing.planner.costs; tables in assets/costs/prices.csv)
    "itin.price.tickets.one": {"fr": "1 ticket STAR 1 h à {euros} (tarif depuis le {since})",
                               "en": "1 STAR 1-hour ticket at {euros} (fare since {since})"},
    "itin.price.tickets.other": {"fr": "{n} tickets STAR 1 h à {euros} (tarif depuis le {since})",
                                 "en": "{n} STAR 1-hour tickets at {euros} (fare since {since})"},
    "itin.price.car": {
        "fr": "{km} en voiture x {rate} €/km (barème kilométrique 5 CV : coût complet, stationnement non compté)",
        "en": "{km} by car x €{rate}/km (French tax mileage scale, 5 CV: full cost, parking not counted)"},
    "itin.price.carpool": {
        "fr": "{km} en voiture x {rate} €/km partagés entre 2 occupants (barème kilométrique 5 CV)",
        "en": "{km} by car x €{rate}/km shared by 2 occupants (French tax mileage scale, 5 CV)"},
    "itin.price.ecar": {
        "fr": "{km} x {rate} €/km (barème kilométrique 5 CV + 20 % pour l'électrique, recharge comprise)",
        "en": "{km} x €{rate}/km (French tax mileage scale, 5 CV + 20 % for electric cars, charging included)"},
    "itin.price.park_ride": {"fr": "parc relais gratuit avec le ticket", "en": "park-and-ride free with the ticket"},
    "itin.price.bikeshare_hour": {"fr": "vélo STAR : {euros} par heure commencée ({n} h)",
                                  "en": "STAR bike: {euros} per hour started ({n} h)"},
    "itin.price.bikeshare_pass": {"fr": "vélo STAR : passe 24 h, 30 premières minutes gratuites",
                                  "en": "STAR bike: 24-hour pass, first 30 minutes free"},
    "itin.price.free": {"fr": "gratuit", "en": "free"},
    "itin.price.sum": {"fr": "{parts}", "en": "{parts}"},
    # the service day used for a date outside the timetable (routing.clock.ServiceDay)
    "itin.clock.substitute": {"fr": "horaires du {used} utilisés pour le {requested}",
                              "en": "timetable of {used} used for {requested}"},
    "itin.clock.holiday": {"fr": "horaires du {used} utilisés pour le {requested} (jour férié)",
                           "en": "timetable of {used} used for {requested} (public holiday)"},
    "itin.step.go": {"fr": "Aller à {to} ({distance})", "en": "Go to {to} ({distance})"},
    # python -m routing plan's text output
    "cli.no_route": {"fr": "pas d'itinéraire : {reason}", "en": "no route: {reason}"},
    "cli.walk": {"fr": "marche {distance}", "en": "walk {distance}"},
    "cli.next_departures": {"fr": "départs suivants : {times}", "en": "next departures: {times}"},
    "cli.price": {"fr": "prix : {basis}", "en": "price: {basis}"},
    "cli.approximate": {"fr": "tracé approché", "en": "approximate"},
    "cli.note": {"fr": "note", "en": "note"},
    "cli.no_mode": {"fr": "pas de {mode}", "en": "no {mode}"},

    # -- planner page and departures (keys added here) -------------------------------------------
    "banner.feed_day": {
        "fr": "Horaires du {feed} utilisés pour le {day} : le seul horaire STAR complet disponible hors ligne "
              "est celui de la semaine du 14 au 20 novembre 2011.",
        "en": "Timetables of {feed} used for {day}: the only complete STAR timetable available offline is "
              "that of the week of 14–20 November 2011."},
    "banner.feed_same": {
        "fr": "Horaires du {feed} : le seul horaire STAR complet disponible hors ligne est celui de la semaine "
              "du 14 au 20 novembre 2011.",
        "en": "Timetables of {feed}: the only complete STAR timetable available offline is that of the week "
              "of 14–20 November 2011."},
    "banner.kind_differs": {
        "fr": "Attention : c'est {requested_kind}, mais ce sont les horaires d'un {used_kind} : les passages réels "
              "diffèrent.",
        "en": "Beware: it is {requested_kind}, but these are the timetables of {used_kind}: the real departures "
              "differ."},
    "banner.kind.weekday": {"fr": "jour de semaine", "en": "a weekday"},
    "banner.kind.saturday": {"fr": "samedi", "en": "a Saturday"},
    "banner.kind.sunday": {"fr": "dimanche", "en": "a Sunday"},
    "banner.kind.holiday": {"fr": "jour férié", "en": "a public holiday"},
    "banner.kind_requested.weekday": {"fr": "un jour de semaine", "en": "a weekday"},
    "banner.kind_requested.saturday": {"fr": "un samedi", "en": "a Saturday"},
    "banner.kind_requested.sunday": {"fr": "un dimanche", "en": "a Sunday"},
    "banner.kind_requested.holiday": {"fr": "un jour férié", "en": "a public holiday"},
    "planner.now": {"fr": "Maintenant", "en": "Now"},
    "planner.now_help": {"fr": "La date du jour et l'heure qu'il est", "en": "Today's date and the time it is now"},
    "planner.results.one": {"fr": "{n} itinéraire", "en": "{n} itinerary"},
    "planner.results.other": {"fr": "{n} itinéraires", "en": "{n} itineraries"},
    "planner.inputs_changed": {"fr": "Les choix ont changé : cliquez sur « Calculer » pour de nouveaux itinéraires.",
                               "en": "The choices changed: click “Plan my trip” for new itineraries."},
    "planner.distance": {"fr": "Distance", "en": "Distance"},
    "planner.price": {"fr": "Prix", "en": "Price"},
    "planner.price_basis": {"fr": "{price} ({basis})", "en": "{price} ({basis})"},
    "planner.every": {"fr": "toutes les {n} min", "en": "every {n} min"},
    "planner.next_departures": {"fr": "départs suivants : {times}", "en": "next departures: {times}"},
    "planner.show_on_map": {"fr": "Voir sur la carte", "en": "Show on the map"},
    "planner.on_map": {"fr": "Affiché sur la carte", "en": "Shown on the map"},
    "planner.more": {"fr": "Exporter, partager", "en": "Export, share"},
    "planner.leg": {"fr": "{mode} · {distance} · {duration}", "en": "{mode} · {distance} · {duration}"},
    "planner.leg.to": {"fr": "jusqu'à {place}", "en": "to {place}"},
    "planner.leg.direction": {"fr": "direction {headsign}", "en": "towards {headsign}"},
    "planner.leg.board": {"fr": "Monter à {stop} à {time}", "en": "Board at {stop} at {time}"},
    "planner.leg.wait": {"fr": "attente {duration}", "en": "wait {duration}"},
    "planner.leg.ride": {"fr": "{stops}, {duration}", "en": "{stops}, {duration}"},
    "planner.leg.alight": {"fr": "Descendre à {stop} à {time}", "en": "Get off at {stop} at {time}"},
    "planner.leg.line": {"fr": "ligne {line}", "en": "line {line}"},
    "dep.by_time": {"fr": "Par heure", "en": "By time"},
    "dep.by_line": {"fr": "Par ligne", "en": "By line"},
    "dep.in_hour": {"fr": "{departures} dans l'heure", "en": "{departures} in the next hour"},
    "dep.platforms.one": {"fr": "{n} quai", "en": "{n} platform"},
    "dep.platforms.other": {"fr": "{n} quais", "en": "{n} platforms"},
    "dep.heading_n": {"fr": "{stop} — {platforms}, à partir de {time}", "en": "{stop} — {platforms}, from {time}"},
    "dep.line_to": {"fr": "ligne {line} vers {direction}", "en": "line {line} to {direction}"},


    # -- kiosk (keys added here) -----------------------------------------------------------------
    "kiosk.origin": {"fr": "Gare de Rennes", "en": "Rennes railway station"},
    "kiosk.here": {"fr": "Vous êtes ici : {place}", "en": "You are here: {place}"},
    "kiosk.hint": {"fr": "Touchez une destination : les trajets et leur carte s'affichent, à pied, en vélo STAR "
                         "et en bus ou métro.",
                   "en": "Tap a destination to see the trips and their map: on foot, by STAR bike share and by "
                         "bus or metro."},
    "kiosk.place.town_hall": {"fr": "Hôtel de Ville", "en": "Town hall"},
    "kiosk.place.champs_libres": {"fr": "Les Champs Libres", "en": "Les Champs Libres (museums)"},
    "kiosk.place.pontchaillou": {"fr": "Hôpital Pontchaillou", "en": "Pontchaillou hospital"},
    "kiosk.place.beaulieu": {"fr": "Campus de Beaulieu", "en": "Beaulieu campus"},
    "kiosk.place.roazhon": {"fr": "Roazhon Park (stade)", "en": "Roazhon Park (stadium)"},
    "kiosk.place.gayeulles": {"fr": "Parc des Gayeulles", "en": "Gayeulles park"},
    "kiosk.lang.fr": {"fr": "Français", "en": "Français"},
    "kiosk.lang.en": {"fr": "English", "en": "English"},
    "kiosk.trip": {"fr": "{origin} → {destination}", "en": "{origin} → {destination}"},
    "kiosk.when": {"fr": "Départ à {time} · horaires STAR du {date}",
                   "en": "Leaving at {time} · STAR timetable of {date}"},
    "kiosk.loading": {"fr": "Préparation du réseau… {s} s", "en": "Preparing the network… {s} s"},
    "kiosk.no_route": {"fr": "Aucun trajet trouvé : {reason}", "en": "No trip found: {reason}"},
    "kiosk.on_map": {"fr": "Sur la carte", "en": "On the map"},
    "kiosk.card_times": {"fr": "{dep} → {arr}", "en": "{dep} → {arr}"},
    "kiosk.no_transfer": {"fr": "Sans correspondance", "en": "No transfer"},

    # -- map layers, lines, day of buses, traces (keys added here) --------------------------------
    "legend.unit.lines": {"fr": "couleur de chaque ligne (réseau STAR)", "en": "each line in its own colour (STAR network)"},
    "legend.unit.bikeshare": {"fr": "couleur : vélos disponibles / places (≥ 30 %, < 30 %, aucun) ; taille : nombre de places",
                              "en": "colour: bikes available / docks (≥ 30 %, < 30 %, none); size: number of docks"},
    "legend.unit.rev": {"fr": "état d'avancement des voies cyclables", "en": "progress of the cycle routes"},
    "legend.unit.places": {"fr": "taille : nombre de places", "en": "size: number of spaces"},
    "legend.unit.chargers": {"fr": "couleur : puissance maximale (kW) ; taille : nombre de points de charge",
                             "en": "colour: maximum power (kW); size: number of charging points"},
    "legend.unit.traffic": {"fr": "état mesuré sur les axes principaux (plus foncé = plus chargé)",
                            "en": "measured state of the main roads (darker = busier)"},
    "legend.unit.buses": {"fr": "retard au dernier relevé (en retard : plus de 2 min)",
                          "en": "delay at the latest reading (late: over 2 min)"},
    "legend.out_of_service": {"fr": "hors service", "en": "out of service"},
    "layers.all": {"fr": "Tout afficher", "en": "Show all"},
    "traces.legend.origin": {"fr": "origine des trajets (début de l'arc)", "en": "where trips start (arc start)"},
    "traces.legend.destination": {"fr": "destination (fin de l'arc)", "en": "where trips end (arc end)"},
    "traces.legend.width": {"fr": "Épaisseur de l'arc proportionnelle au nombre de trajets publiés (le plus gros flux : {top} trajets).",
                            "en": "Arc width in proportion to the published trips (largest flow: {top} trips)."},
    "day.legend": {"fr": "Lignes (couleur de chaque ligne)", "en": "Lines (each line's colour)"},
    "day.per_hour_help": {"fr": "Le plus grand nombre de bus roulant en même temps dans l'heure, comme le compteur de l'animation.",
                          "en": "The most buses running at the same time in the hour, as the animation's counter counts them."},
    "layers.none": {"fr": "Tout masquer", "en": "Hide all"},
    "map.zoom_in": {"fr": "Zoom avant", "en": "Zoom in"},
    "map.zoom_out": {"fr": "Zoom arrière", "en": "Zoom out"},
    "map.scale": {"fr": "Échelle :", "en": "Scale:"},
    "map.error": {"fr": "La carte n'a pas pu être dessinée.", "en": "The map could not be drawn."},
    "map.labels_hint": {"fr": "Survolez un élément pour son nom ; les noms s'écrivent en zoomant.",
                        "en": "Hover a feature for its name; names are written when you zoom in."},

    # -- accessibility and scenario maps (keys added here) ----------------------------------------
    "accmap.nothing": {"fr": "Rien en {n} min", "en": "Nothing within {n} min"},
    "accmap.outside": {"fr": "Hors données (aucune rue connue)", "en": "Outside the data (no known street)"},
    "accmap.no_data": {"fr": "pas de données", "en": "no data"},
    "accmap.band": {"fr": "≤ {n} min", "en": "≤ {n} min"},
    "accmap.col.class": {"fr": "classe", "en": "class"},
    "accmap.col.people": {"fr": "habitants", "en": "inhabitants"},
    "accmap.col.share": {"fr": "part des habitants", "en": "share of inhabitants"},
    "accmap.col.band": {"fr": "en moins de", "en": "within"},
    "accmap.col.area": {"fr": "surface", "en": "area"},
    "accmap.axis.people": {"fr": "habitants", "en": "inhabitants"},
    "accmap.axis.minutes": {"fr": "temps de trajet (min)", "en": "travel time (min)"},
    "accmap.axis.mean": {"fr": "moyenne par habitant ({unit})", "en": "mean per inhabitant ({unit})"},
    "accmap.people_per_class": {"fr": "Habitants par classe", "en": "Inhabitants per class"},
    "accmap.people_by_time": {"fr": "Habitants par temps de trajet", "en": "Inhabitants by travel time"},
    "accmap.alt.map": {
        "fr": "En {cutoff} min, {reached} des habitants atteignent au moins une opportunité ; la moitié "
              "en atteint au moins {median} {unit}.",
        "en": "Within {cutoff} min, {reached} of inhabitants reach at least one opportunity; half of them "
              "reach at least {median} {unit}."},
    "accmap.alt.outside": {"fr": "{people} habitants vivent hors des données des rues (en gris).",
                           "en": "{people} inhabitants live outside the street data (in grey)."},
    "accmap.alt.iso": {
        "fr": "Depuis {name} : {people} habitants ({share}) à moins de {n} min, sur {area} km².",
        "en": "From {name}: {people} inhabitants ({share}) within {n} min, over {area} km²."},
    "accmap.alt.communes": {
        "fr": "La mieux servie : {best} ({best_value} {unit} par habitant) ; la moins bien servie : {worst} "
              "({worst_value}).",
        "en": "Best served: {best} ({best_value} {unit} per inhabitant); least served: {worst} ({worst_value})."},
    "accmap.no_data_list": {"fr": "Pas de données (hors des rues connues) : {names}.",
                            "en": "No data (outside the known streets): {names}."},
    "accmap.alt.modes": {"fr": "Moyenne par habitant de la métropole : {values}.",
                         "en": "Mean per inhabitant over the metropole: {values}."},
    "scenmap.compare_go": {"fr": "Comparer les deux réseaux", "en": "Compare the two networks"},
    "scenmap.range": {"fr": "{lo} à {hi} {unit}", "en": "{lo} to {hi} {unit}"},
    "scenmap.new_line": {"fr": "Ligne ajoutée : {name}", "en": "Added line: {name}"},
    "scenmap.histogram": {"fr": "Habitants par accessibilité, avant et après",
                          "en": "Inhabitants by accessibility, before and after"},
    "scenmap.axis.value": {"fr": "{unit} atteints en {n} min", "en": "{unit} reached within {n} min"},
    "scenmap.alt.hist": {
        "fr": "Avant, la moitié des habitants atteint au moins {before} {unit} en {n} min ; après, {after}.",
        "en": "Before, half of the inhabitants reach at least {before} {unit} within {n} min; after, {after}."},
    "scenmap.alt.map": {
        "fr": "{gain} carreaux gagnent (jusqu'à {most} {unit}), {loss} perdent.",
        "en": "{gain} cells gain (up to {most} {unit}), {loss} lose."},

    # -- page accessibility: text alternatives, labels (keys added here) --------------------------
    "a11y.table": {"fr": "Tableau (défilant)", "en": "Table (scrollable)"},

    # -- wheelchair trips (keys added here) ------------------------------------------------------
    "wheelchair.profile": {
        "fr": "profil fauteuil roulant : arrêts et lignes accessibles seulement, trajets à vitesse réduite "
              "(au plus {minutes} min jusqu'aux arrêts), escaliers évités ; un arrêt ou une ligne sans "
              "information d'accessibilité compte comme non accessible",
        "en": "wheelchair profile: accessible stops and lines only, reduced speed (at most {minutes} min to "
              "and from stops), steps avoided; a stop or line without accessibility information counts as "
              "not accessible"},
    "wheelchair.unknown_stops": {
        "fr": "{n} arrêts sans information d'accessibilité sont comptés comme non accessibles",
        "en": "{n} stops without accessibility information are counted as not accessible"},
    "wheelchair.leg_accessible": {
        "fr": "montée à {board} et descente à {alight} : arrêts accessibles en fauteuil roulant, ligne {route} accessible",
        "en": "boarding at {board} and alighting at {alight}: wheelchair-accessible stops, line {route} accessible"},
    "wheelchair.no_stop_origin": {
        "fr": "aucun arrêt accessible en fauteuil roulant à moins de {minutes} min du départ ({place})",
        "en": "no wheelchair-accessible stop within {minutes} min of the origin ({place})"},
    "wheelchair.no_stop_destination": {
        "fr": "aucun arrêt accessible en fauteuil roulant à moins de {minutes} min de l'arrivée ({place})",
        "en": "no wheelchair-accessible stop within {minutes} min of the destination ({place})"},
    "wheelchair.no_trip": {
        "fr": "aucun trajet par des arrêts et lignes accessibles à cette heure",
        "en": "no trip by accessible stops and lines at this time"},
    "wheelchair.modes": {
        "fr": "en fauteuil roulant, seuls les trajets directs et en bus/métro sont proposés",
        "en": "with a wheelchair, only direct and bus/metro trips are offered"},
    "wheelchair.toggle": {"fr": "Fauteuil roulant (arrêts et lignes accessibles)",
                          "en": "Wheelchair (accessible stops and lines)"},
    "wheelchair.toggle_help": {
        "fr": "Monter et descendre seulement aux arrêts accessibles, sur des lignes accessibles ; vitesse "
              "réduite, escaliers évités.",
        "en": "Board and alight only at accessible stops, on accessible lines; reduced speed, steps avoided."},
    "wheelchair.rank_fewer_stops": {
        "fr": "arrêts qui ajoutent des opportunités atteignables : {stops} sur {candidates} candidats (les autres "
              "aucune, une fois ceux-ci accessibles), moins que les {top} demandés",
        "en": "stops that add reachable opportunities: {stops} of {candidates} candidates (the others none, "
              "once these are accessible), fewer than the {top} asked"},
    # the accessibility page's profile and gap (dashboard/pages/accessibility.py)
    "wheelchair.acc.profile": {"fr": "Profil", "en": "Profile"},
    "wheelchair.acc.profile.everyone": {"fr": "Tous", "en": "Everyone"},
    "wheelchair.acc.profile.wheelchair": {"fr": "Fauteuil roulant", "en": "Wheelchair"},
    "wheelchair.acc.profile_help": {
        "fr": "Fauteuil roulant : montée et descente aux seuls arrêts accessibles, sur des lignes accessibles ; "
              "trajets en fauteuil à {speed} km/h, au plus {minutes} min jusqu'aux arrêts, escaliers évités.",
        "en": "Wheelchair: boarding and alighting at accessible stops only, on accessible lines; rolling at "
              "{speed} km/h, at most {minutes} min to and from stops, steps avoided."},
    "wheelchair.acc.roll": {"fr": "En fauteuil, sans transport", "en": "Wheelchair, no transit"},
    "wheelchair.acc.modes_note": {
        "fr": "Profil fauteuil roulant : transports en commun accessibles, ou trajet direct en fauteuil.",
        "en": "Wheelchair profile: accessible public transport, or a direct trip in the wheelchair."},
    "wheelchair.gap.tab": {"fr": "Temps perdu en fauteuil", "en": "Time lost in a wheelchair"},
    "wheelchair.gap.intro": {
        "fr": "Pour chaque carreau : les minutes de plus qu'il faut en fauteuil roulant pour atteindre la plus "
              "proche des opportunités choisies ({opportunity}), comparé à tout le monde, en transports en "
              "commun ou en direct, départ entre {start} et {end} ; un temps au-delà de {cap} min compte pour "
              "{cap} min.",
        "en": "For each cell: the extra minutes a wheelchair user needs to reach the nearest of the chosen "
              "opportunities ({opportunity}), compared with everyone, by public transport or directly, leaving "
              "between {start} and {end}; a time beyond {cap} min counts as {cap} min."},
    "wheelchair.gap.computing": {
        "fr": "Calcul du temps perdu en fauteuil roulant : deux calculs sur toute la métropole, environ une "
              "demi-minute la première fois…",
        "en": "Computing the time lost in a wheelchair: two runs over the whole metropole, about half a minute "
              "the first time…"},
    "wheelchair.gap.unit": {"fr": "min", "en": "min"},
    "wheelchair.gap.map_title": {"fr": "Minutes perdues par carreau", "en": "Minutes lost per cell"},
    "wheelchair.gap.metric.affected": {"fr": "Habitants perdant au moins {n} min",
                                       "en": "Inhabitants losing at least {n} min"},
    "wheelchair.gap.metric.share": {"fr": "Part des habitants", "en": "Share of inhabitants"},
    "wheelchair.gap.metric.mean": {"fr": "Minutes perdues par habitant", "en": "Minutes lost per inhabitant"},
    "wheelchair.gap.none": {"fr": "Aucune minute perdue", "en": "No minute lost"},
    "wheelchair.gap.nobody": {"fr": "Rien en {n} min, pour personne", "en": "Nothing within {n} min, for anyone"},
    "wheelchair.gap.communes": {
        "fr": "Par commune, la plus touchée d'abord (habitants perdant au moins {n} min)",
        "en": "By commune, the most affected first (inhabitants losing at least {n} min)"},
    "wheelchair.gap.alt": {
        "fr": "En fauteuil roulant, {affected} habitants ({share}) perdent au moins {n} min pour atteindre "
              "l'opportunité la plus proche ; en moyenne {mean} min par habitant.",
        "en": "In a wheelchair, {affected} inhabitants ({share}) lose at least {n} min on the way to the nearest "
              "opportunity; {mean} min per inhabitant on average."},
    "wheelchair.gap.alt_commune": {
        "fr": "La commune la plus touchée : {name} ({affected} habitants, {mean} min par habitant).",
        "en": "The most affected commune: {name} ({affected} inhabitants, {mean} min per inhabitant)."},
    "wheelchair.gap.alt_nobody": {
        "fr": "{people} habitants n'atteignent rien en {n} min, avec ou sans fauteuil (en gris clair).",
        "en": "{people} inhabitants reach nothing within {n} min, with or without a wheelchair (light grey)."},
    # the scenarios page's ranking of stops (dashboard/pages/scenarios.py)
    "wheelchair.rank.title": {"fr": "Quels arrêts rendre accessibles en premier ?",
                              "en": "Which stops to make accessible first?"},
    "wheelchair.rank.method": {
        "fr": "Méthode : parmi les arrêts non accessibles desservis par une ligne accessible, on retient à chaque "
              "tour celui qui ajoute le plus d'habitants × {unit} atteints en {cutoff} min par un usager en "
              "fauteuil roulant, compte tenu des arrêts déjà retenus.",
        "en": "Method: among the stops not accessible today that an accessible line serves, each round keeps "
              "the one that adds the most inhabitants × {unit} reached within {cutoff} min by a wheelchair "
              "user, given the stops already kept."},
    "wheelchair.rank.go": {"fr": "Classer les arrêts", "en": "Rank the stops"},
    "wheelchair.rank.duration": {
        "fr": "Le classement refait le calcul d'accessibilité une cinquantaine de fois : comptez jusqu'à une "
              "minute. Le résultat est ensuite gardé pour tous les visiteurs.",
        "en": "The ranking runs the accessibility computation about fifty times: allow up to a minute. The "
              "result is then kept for every visitor."},
    "wheelchair.rank.running": {"fr": "Classement des arrêts en cours (jusqu'à une minute)…",
                                "en": "Ranking the stops (up to a minute)…"},
    "wheelchair.rank.done": {"fr": "Classement calculé en {seconds} s ({n} calculs d'accessibilité).",
                             "en": "Ranking computed in {seconds} s ({n} accessibility runs)."},
    "wheelchair.rank.empty": {"fr": "Aucun arrêt candidat n'ajoute d'accès : rien à classer.",
                              "en": "No candidate stop adds any access: nothing to rank."},
    "wheelchair.rank.col.rank": {"fr": "rang", "en": "rank"},
    "wheelchair.rank.col.stop": {"fr": "arrêt", "en": "stop"},
    "wheelchair.rank.col.gain": {"fr": "gain (habitants × {unit})", "en": "gain (inhabitants × {unit})"},
    "wheelchair.rank.col.people": {"fr": "habitants qui y gagnent", "en": "inhabitants who gain"},
    "wheelchair.rank.legend": {"fr": "Arrêt à rendre accessible (taille : gain ; rang et nom en pointant l'arrêt)",
                               "en": "Stop to make accessible (size: gain; rank and name when pointed at)"},
    "wheelchair.rank.point_name": {"fr": "{rank}. {name}", "en": "{rank}. {name}"},
    "wheelchair.rank.point_info": {"fr": "+{gain} habitants × {unit}", "en": "+{gain} inhabitants × {unit}"},
    "wheelchair.rank.alt": {
        "fr": "Rendre accessibles les arrêts classés ajouterait {total} habitants × {unit} atteints en {cutoff} min "
              "en fauteuil roulant ({share} de plus qu'aujourd'hui) ; le premier, {first}, en apporte à lui seul "
              "{first_gain}.",
        "en": "Making the ranked stops accessible would add {total} inhabitants × {unit} reached within {cutoff} "
              "min in a wheelchair ({share} more than today); the first, {first}, brings {first_gain} on its "
              "own."},

    # -- language and formats (keys added here) --------------------------------------------------
    "upload.choose": {"fr": "Choisir un fichier", "en": "Choose a file"},
    "traces.col.attack": {"fr": "ce que sait l'attaquant", "en": "what the attacker knows"},
    "traces.col.stage": {"fr": "étape", "en": "stage"},
    "traces.col.users": {"fr": "personnes", "en": "people"},
    "traces.col.mean_risk": {"fr": "risque moyen", "en": "mean risk"},
    "traces.col.share_unique": {"fr": "part identifiée à coup sûr", "en": "share uniquely identified"},
    "traces.col.share_over_half": {"fr": "part à risque > 1/2", "en": "share with risk > 1/2"},
    "traces.attack.location": {"fr": "deux lieux visités", "en": "two places visited"},
    "traces.attack.unique_location": {"fr": "deux lieux distincts", "en": "two distinct places"},
    "traces.attack.home_work": {"fr": "domicile et travail", "en": "home and work"},
    "traces.removed.what": {"fr": "élément", "en": "item"},
    "traces.removed.value": {"fr": "valeur", "en": "value"},
    "traces.removed.k": {"fr": "k (personnes au minimum par flux)", "en": "k (minimum people per flow)"},
    "traces.removed.tiles": {"fr": "zones publiées", "en": "published zones"},
    "traces.removed.temporal": {"fr": "temps publié", "en": "published time"},
    "traces.removed.trips": {"fr": "trajets détectés", "en": "trips detected"},
    "traces.removed.trips_outside_tiles": {"fr": "trajets hors des zones", "en": "trips outside the zones"},
    "traces.removed.flows_before": {"fr": "flux avant suppression", "en": "flows before suppression"},
    "traces.removed.flows_suppressed": {"fr": "flux supprimés", "en": "flows suppressed"},
    "traces.removed.flows_published": {"fr": "flux publiés", "en": "flows published"},
    "traces.removed.trips_suppressed": {"fr": "trajets supprimés", "en": "trips suppressed"},
    "traces.removed.trips_published": {"fr": "trajets publiés", "en": "trips published"},
    "traces.removed.users": {"fr": "personnes", "en": "people"},
    "traces.removed.users_fully_suppressed": {"fr": "personnes entièrement supprimées",
                                              "en": "people entirely suppressed"},
    "traces.removed.suppressed_of": {"fr": "flux supprimés : {what}", "en": "flows suppressed: {what}"},
    "traces.period.night": {"fr": "nuit (0 h–6 h)", "en": "night (0:00–6:00)"},
    "traces.period.morning_peak": {"fr": "pointe du matin (6 h–9 h)", "en": "morning peak (6:00–9:00)"},
    "traces.period.day": {"fr": "journée (9 h–16 h)", "en": "daytime (9:00–16:00)"},
    "traces.period.evening_peak": {"fr": "pointe du soir (16 h–19 h)", "en": "evening peak (16:00–19:00)"},
    "traces.period.evening": {"fr": "soirée (19 h–24 h)", "en": "evening (19:00–24:00)"},
    "traces.hour": {"fr": "{h} h", "en": "{h}:00"},
    "traces.flow.origin": {"fr": "origine", "en": "origin"},
    "traces.flow.destination": {"fr": "destination", "en": "destination"},
    "traces.flow.period": {"fr": "période", "en": "period"},
    "traces.flow.hour": {"fr": "heure de départ", "en": "departure hour"},
    "traces.flow.mode": {"fr": "mode", "en": "mode"},
    "traces.flow.flow": {"fr": "trajets", "en": "trips"},
    "traces.flow.n_users": {"fr": "personnes", "en": "people"},
    "cat.ids": {"fr": "Identifiants des jeux de données", "en": "Dataset identifiers"},
    "cat.rows_read": {"fr": "Lignes lues", "en": "Rows read"},
    "cat.rows_read_help": {"fr": "Lignes de données lues dans les fichiers du jeu, toutes tables comprises.",
                           "en": "Data rows read from the dataset's files, every table included."},
    "cat.rows_kept": {"fr": "Lignes conservées", "en": "Rows kept"},
    "cat.rows_kept_help": {"fr": "Lignes qui ont passé la validation et servent aux calculs.",
                           "en": "Rows that passed validation and are used by the computations."},
    "cat.quarantine_help": {"fr": "Lignes écartées par la validation (détail ci-dessous et dans le rapport).",
                            "en": "Rows set aside by validation (details below and in the report)."},
    "cat.warnings": {"fr": "Avertissements", "en": "Warnings"},
    "cat.errors": {"fr": "Erreurs", "en": "Errors"},
    "cat.severity.error": {"fr": "erreur", "en": "error"},
    "cat.severity.warning": {"fr": "avertissement", "en": "warning"},
    "cat.severity.info": {"fr": "information", "en": "information"},
    "cat.notice.file": {"fr": "fichier", "en": "file"},
    "cat.notice.row": {"fr": "ligne", "en": "row"},
    "cat.notice.field": {"fr": "champ", "en": "field"},
    "cat.notice.severity": {"fr": "gravité", "en": "severity"},
    "cat.notice.message": {"fr": "constat", "en": "finding"},
    "cat.notice.value": {"fr": "valeur", "en": "value"},
    "plan.mode_reason": {"fr": "{mode_name} : {reason}", "en": "{mode_name}: {reason}"},
    "plan.reasons": {"fr": "{reasons}", "en": "{reasons}"},
    "place.not_found_suggest": {"fr": "aucun lieu ne correspond à « {text} » ; vouliez-vous dire : {suggestions} ?",
                                "en": "no place matches '{text}'; did you mean: {suggestions}"},
    "place.not_a_position": {
        "fr": "« {text} » n'est pas une position sur la Terre (la latitude entre -90 et 90 d'abord, puis la longitude)",
        "en": "no place matches '{text}' (not a position on Earth: latitude between -90 and 90 first, then longitude)"},
    "ev.inconsistent_soc": {"fr": "réglages de charge incohérents (minimum < départ ≤ 100 %)",
                            "en": "state of charge settings are inconsistent (min < start ≤ 100 %)"},
    "ev.unreachable": {"fr": "l'arrivée n'est pas accessible en voiture sur ce réseau de rues",
                       "en": "the destination cannot be reached by car on this street network"},
    "ev.not_enough_charge": {
        "fr": "charge insuffisante : le trajet demande {kwh} kWh et aucune suite d'au plus {stops} recharges "
              "parmi {chargers} bornes ne le permet",
        "en": "not enough charge: the trip needs {kwh} kWh and no sequence of at most {stops} charging stops "
              "among {chargers} chargers makes it"},

    # -- words: findings, reasons and errors of files (keys added here) ------------------------------
    # where an error was found (sources.errors.render_error)
    "error.where": {"fr": "{message} ({where})", "en": "{message} ({where})"},
    "error.where.file": {"fr": "fichier {file}", "en": "file {file}"},
    "error.where.row": {"fr": "ligne {row}", "en": "row {row}"},
    "error.where.modification": {"fr": "modification {modification}", "en": "modification {modification}"},
    "error.where.field": {"fr": "champ « {field} »", "en": "field '{field}'"},
    # files that cannot be used at all (sources.errors.UnusableInputError)
    "error.file_not_found": {"fr": "fichier introuvable", "en": "file not found"},
    "error.file_empty": {"fr": "fichier vide", "en": "empty file"},
    "error.no_input": {"fr": "aucun fichier donné", "en": "no input file given"},
    "error.binary": {"fr": "contenu binaire là où un texte était attendu",
                     "en": "binary content where text was expected"},
    "error.undecodable": {"fr": "le fichier ne peut pas être décodé", "en": "cannot decode the file"},
    "error.cannot_read": {"fr": "le fichier ne peut pas être lu : {detail}", "en": "cannot read file: {detail}"},
    "error.not_text": {"fr": "ce n'est pas un texte {encoding} (octet {byte})",
                       "en": "not {encoding} text (byte {byte})"},
    "error.unknown_encoding": {"fr": "encodage inconnu « {encoding} »", "en": "unknown encoding '{encoding}'"},
    "error.no_header": {"fr": "fichier vide (pas de ligne d'en-tête)", "en": "empty file (no header line)"},
    "error.header_quote": {"fr": "la ligne d'en-tête ouvre un guillemet jamais fermé",
                           "en": "the header line has a quote that is never closed"},
    "error.not_csv": {"fr": "ce n'est pas un fichier CSV lisible ({detail})",
                      "en": "not a readable CSV file ({detail})"},
    "error.column_missing": {"fr": "colonne « {column} » absente (colonnes du fichier : {columns})",
                             "en": "column '{column}' missing (columns of the file: {columns})"},
    "error.required_column": {"fr": "colonne obligatoire absente (colonnes du fichier : {columns})",
                              "en": "required column missing (columns found: {columns})"},
    "error.fields_missing": {"fr": "champs obligatoires absents : {fields}", "en": "required fields missing: {fields}"},
    "error.json_deep": {"fr": "JSON imbriqué trop profondément", "en": "JSON nested too deeply"},
    "error.not_json": {"fr": "ce n'est pas un JSON valide : {detail} (ligne {line}, colonne {column})",
                       "en": "not valid JSON: {detail} (line {line}, column {column})"},
    "error.no_features": {"fr": "collection GeoJSON sans liste « features »",
                          "en": "FeatureCollection without a 'features' list"},
    "error.not_an_object": {"fr": "enregistrement qui n'est pas un objet JSON", "en": "record is not a JSON object"},
    "error.unexpected_json": {"fr": "JSON inattendu : ni une collection GeoJSON ni un export Opendatasoft",
                              "en": "unexpected JSON: neither a GeoJSON FeatureCollection nor an Opendatasoft export"},
    "error.not_zip": {"fr": "archive zip illisible (tronquée ou corrompue) : {detail}",
                      "en": "not a readable zip archive (truncated or corrupt): {detail}"},
    "error.corrupt_entry": {"fr": "entrée d'archive corrompue : {detail}", "en": "corrupt archive entry: {detail}"},
    "error.cannot_extract": {"fr": "l'archive ne peut pas être extraite : {detail}",
                             "en": "cannot extract the archive: {detail}"},
    "error.no_feed_file": {"fr": "aucun fichier du flux ({files}, …) dans l'archive",
                           "en": "no feed file ({files}, ...) in the archive"},
    "error.not_gtfs_rt": {"fr": "ce n'est pas un message GTFS temps réel (FeedMessage) : {detail}",
                          "en": "not a GTFS-realtime FeedMessage: {detail}"},
    "error.gtfs_rt_no_header": {"fr": "ce n'est pas un message GTFS temps réel : pas d'en-tête",
                                "en": "not a GTFS-realtime FeedMessage: no header"},
    "error.not_xml": {"fr": "ce n'est pas un fichier XML sûr et bien formé : {detail}",
                      "en": "not a safe, well-formed XML file: {detail}"},
    "error.not_gpx": {"fr": "ce n'est pas un fichier GPX : {detail}", "en": "not a GPX file: {detail}"},
    "error.gpx_empty": {"fr": "le fichier GPX n'a aucun point de trace", "en": "GPX file has no track point"},
    "error.trace_format": {"fr": "format de traces « {kind} » non pris en charge (CSV ou GPX attendu)",
                           "en": "unsupported trace format '{kind}' (expected csv or gpx)"},
    "error.no_trace_point": {"fr": "aucun point de trace utilisable ({rows} : {reasons})",
                             "en": "no usable trace point ({rows}: {reasons})"},
    # budgets (sources.budgets: what each bounds and its unit)
    "error.budget": {
        "fr": "{description} : {value} {unit}, au-delà de la limite de {limit} {unit} "
              "(le réglage {setting} la relève)",
        "en": "{description} is {value} {unit}, over the limit of {limit} {unit} "
              "(raise it with the setting {setting})"},
    "budget.max_file_bytes": {"fr": "taille d'un fichier", "en": "size of one input file"},
    "budget.max_file_bytes.unit": {"fr": "octets", "en": "bytes"},
    "budget.max_rt_entities": {"fr": "entités d'un flux GTFS temps réel", "en": "entities of one GTFS-realtime feed"},
    "budget.max_rt_entities.unit": {"fr": "entités", "en": "entities"},
    "budget.max_rt_stop_updates": {"fr": "mises à jour d'arrêts des flux GTFS temps réel",
                                   "en": "stop time updates of GTFS-realtime feeds"},
    "budget.max_rt_stop_updates.unit": {"fr": "mises à jour", "en": "stop updates"},
    "budget.max_upload_bytes": {"fr": "taille d'un fichier déposé", "en": "size of one uploaded file"},
    "budget.max_upload_bytes.unit": {"fr": "octets", "en": "bytes"},
    "budget.max_uploads_per_session": {"fr": "fichiers déposés gardés par une session",
                                       "en": "uploaded files one dashboard session holds at once"},
    "budget.max_uploads_per_session.unit": {"fr": "fichiers", "en": "files"},
    "budget.max_upload_total_bytes": {"fr": "fichiers déposés gardés par toutes les sessions",
                                      "en": "uploaded files all dashboard sessions hold at once"},
    "budget.max_upload_total_bytes.unit": {"fr": "octets", "en": "bytes"},
    "budget.max_archive_bytes": {"fr": "taille décompressée d'une archive", "en": "decompressed size of one archive"},
    "budget.max_archive_bytes.unit": {"fr": "octets", "en": "bytes"},
    "budget.max_entry_bytes": {"fr": "taille décompressée d'une entrée d'archive",
                               "en": "decompressed size of one archive entry"},
    "budget.max_entry_bytes.unit": {"fr": "octets", "en": "bytes"},
    "budget.max_archive_ratio": {"fr": "taux de compression d'une entrée d'archive",
                                 "en": "compression ratio of one archive entry"},
    "budget.max_archive_ratio.unit": {"fr": "fois", "en": "times"},
    "budget.max_rows": {"fr": "lignes d'une table", "en": "rows of one table"},
    "budget.max_rows.unit": {"fr": "lignes", "en": "rows"},
    "budget.max_columns": {"fr": "colonnes d'un en-tête", "en": "columns of one table header"},
    "budget.max_columns.unit": {"fr": "colonnes", "en": "columns"},
    "budget.max_service_days": {"fr": "paires service × date d'un calendrier GTFS",
                                "en": "service x date pairs of one GTFS calendar"},
    "budget.max_service_days.unit": {"fr": "jours de service", "en": "service-days"},
    "budget.max_place_chars": {"fr": "longueur d'un nom de lieu", "en": "length of a place name or query"},
    "budget.max_place_chars.unit": {"fr": "caractères", "en": "characters"},
    "budget.max_simulated_users": {"fr": "personnes à simuler", "en": "users to simulate"},
    "budget.max_simulated_users.unit": {"fr": "personnes", "en": "users"},
    "budget.max_skmob_users": {"fr": "personnes données à scikit-mobility", "en": "users given to scikit-mobility"},
    "budget.max_skmob_users.unit": {"fr": "personnes", "en": "users"},
    "budget.max_cell_departures": {"fr": "cellules × heures de départ d'une demande",
                                   "en": "cells x departure times of one request"},
    "budget.max_cell_departures.unit": {"fr": "cellules × départs", "en": "cells x departures"},
    "budget.parse_seconds": {"fr": "temps de lecture d'un fichier déposé", "en": "time to parse one upload"},
    "budget.parse_seconds.unit": {"fr": "secondes", "en": "seconds"},
    "budget.max_scenario_connections": {"fr": "connexions ajoutées par un scénario",
                                        "en": "connections a scenario adds"},
    "budget.max_scenario_connections.unit": {"fr": "connexions", "en": "connections"},
    "budget.max_frequency_stop_times": {"fr": "horaires d'arrêt produits par frequencies.txt",
                                        "en": "stop times frequencies.txt expands into"},
    "budget.max_frequency_stop_times.unit": {"fr": "horaires", "en": "stop times"},
    # findings of the loaders (sources.validate.Notice.message): what was seen and what was done
    "finding.reason_count": {"fr": "{reason} × {n}", "en": "{reason} × {n}"},
    "finding.coordinates_missing": {"fr": "latitude ou longitude absente ou non numérique",
                                    "en": "latitude or longitude missing or not a number"},
    "finding.coordinate_empty": {"fr": "coordonnée vide", "en": "coordinate is empty"},
    "finding.near_origin": {"fr": "point près de (0, 0)", "en": "point near (0, 0)"},
    "finding.swapped_fixed": {"fr": "latitude et longitude inversées : corrigées",
                              "en": "latitude and longitude swapped; fixed"},
    "finding.swapped": {"fr": "latitude et longitude semblent inversées", "en": "latitude and longitude look swapped"},
    "finding.outside_area": {
        "fr": "point hors de la zone attendue (longitude {west} à {east}, latitude {south} à {north})",
        "en": "point outside the expected area (longitude {west} to {east}, latitude {south} to {north})"},
    "finding.line_outside_area": {
        "fr": "ligne qui sort de la zone attendue (longitude {west} à {east}, latitude {south} à {north})",
        "en": "line leaves the expected area (longitude {west} to {east}, latitude {south} to {north})"},
    "finding.geometry_outside_area": {
        "fr": "géométrie hors de la zone attendue (longitude {west} à {east}, latitude {south} à {north})",
        "en": "geometry outside the expected area (longitude {west} to {east}, latitude {south} to {north})"},
    "finding.longitude_flipped": {
        "fr": "point hors de la zone attendue (longitude {west} à {east}, latitude {south} à {north}) : "
              "le signe de la longitude semble inversé",
        "en": "point outside the expected area (longitude {west} to {east}, latitude {south} to {north}): "
              "the longitude's sign looks flipped"},
    "finding.lat_lon_order": {"fr": "{field} écrit [latitude, longitude] : lu comme [longitude, latitude]",
                              "en": "{field} written [lat, lon]; read as [lon, lat]"},
    "finding.user_empty": {"fr": "identifiant de personne vide", "en": "user id is empty"},
    "finding.time_empty": {"fr": "heure vide", "en": "time is empty"},
    "finding.time_unreadable": {"fr": "heure illisible", "en": "time cannot be parsed"},
    "finding.not_a_number": {"fr": "ce n'est pas un nombre", "en": "not a number"},
    "finding.out_of_range": {"fr": "hors de l'intervalle de {lo} à {hi}", "en": "outside the range {lo} to {hi}"},
    "finding.same_user_same_time": {"fr": "second point de la même personne au même instant",
                                    "en": "second point of the same user at the same time"},
    "finding.single_point_user": {"fr": "un seul point pour cette personne : aucun trajet possible",
                                  "en": "user has a single point: no trip can be made"},
    "finding.field_empty": {"fr": "{field} vide ou absent", "en": "{field} empty or missing"},
    "finding.already_seen": {"fr": "{field} déjà vu : le premier est gardé", "en": "{field} already seen; first kept"},
    "finding.duplicate_first_kept": {"fr": "clé en double ({keys}) : la première est gardée",
                                     "en": "duplicate key ({keys}); first kept"},
    "finding.shared_code": {"fr": "{field} partagé par plusieurs zones : lignes gardées",
                            "en": "{field} shared by several zones; rows kept"},
    "finding.repeat_row": {"fr": "répétition exacte d'une ligne précédente : la première est gardée",
                           "en": "exact repeat of a previous row; first kept"},
    "finding.vehicle_twice": {"fr": "véhicule deux fois dans un même relevé : le premier est gardé",
                              "en": "vehicle twice in one snapshot; first kept"},
    "finding.default_used": {"fr": "{field} incompris : {default} retenu", "en": "{field} not understood; {default} used"},
    "finding.unknown_code": {"fr": "{field} doit valoir l'un de : {allowed}", "en": "{field} must be one of: {allowed}"},
    "finding.bad_colour": {"fr": "{field} n'est pas une couleur hexadécimale à 6 chiffres : {default} retenu",
                           "en": "{field} is not a 6-digit hex colour; {default} used"},
    "finding.not_integer": {"fr": "{field} n'est pas un nombre entier", "en": "{field} is not an integer"},
    "finding.not_positive_integer": {"fr": "{field} n'est pas un entier positif",
                                     "en": "{field} is not a positive integer"},
    "finding.not_natural": {"fr": "{field} n'est pas un entier positif ou nul",
                            "en": "{field} is not a non-negative integer"},
    "finding.zero_or_one": {"fr": "{field} doit valoir 0 ou 1", "en": "{field} must be 0 or 1"},
    "finding.one_or_two": {"fr": "{field} doit valoir 1 ou 2", "en": "{field} must be 1 or 2"},
    "finding.bad_date": {"fr": "{field} n'est pas une date AAAAMMJJ", "en": "{field} is not a YYYYMMDD date"},
    "finding.bad_clock": {"fr": "{field} n'est pas une heure HH:MM:SS avant 48:00:00",
                          "en": "{field} is not HH:MM:SS below 48:00:00"},
    "finding.bad_timestamp": {"fr": "{field} absent ou n'est pas un horodatage",
                              "en": "{field} missing or not a timestamp"},
    "finding.date_left_empty": {"fr": "{field} n'est pas une date jj/mm/aaaa : laissé vide",
                                "en": "{field} is not dd/mm/yyyy; left empty"},
    "finding.time_left_empty": {"fr": "heure de début illisible (HH:MM[:SS] attendu) : laissée vide",
                                "en": "start time not HH:MM[:SS]; left empty"},
    "finding.end_before_start": {"fr": "{end} avant {start}", "en": "{end} before {start}"},
    "finding.end_not_after_start": {"fr": "{end} n'est pas après {start}", "en": "{end} is not after {start}"},
    "finding.not_in": {"fr": "{field} absent de {other}", "en": "{field} not in {other}"},
    "finding.not_usable_in": {"fr": "{field} absent des lignes utilisables de {other}",
                              "en": "{field} not among the usable rows of {other}"},
    "finding.not_in_feed": {"fr": "{field} absent du flux : ligne ignorée", "en": "{field} is not in the feed; row ignored"},
    "finding.parent_unknown": {"fr": "parent_station n'est pas un arrêt connu : effacé",
                               "en": "parent_station is not a known stop; cleared"},
    "finding.file_missing": {"fr": "fichier absent", "en": "file is missing"},
    "finding.no_usable_trip": {"fr": "aucune course utilisable dans le flux", "en": "no usable trip left in the feed"},
    "finding.timetables_not_loaded": {"fr": "trips et stop_times présents mais non lus par le chargeur statique",
                                      "en": "trips/stop_times present but not read by the static loader"},
    "finding.timetables_missing": {
        "fr": "horaires absents ({files}) : arrêts, lignes et calendrier seulement, aucun trajet calculable sur ce flux",
        "en": "timetables missing ({files}): stops, routes and calendar only, no trip can be planned on this feed"},
    "finding.service_never_active": {"fr": "service actif à aucune date", "en": "service active on no date"},
    "finding.trip_edge_untimed": {"fr": "premier ou dernier arrêt de la course sans heure",
                                  "en": "first or last stop of the trip has no time"},
    "finding.times_interpolated": {
        "fr": "{n} horaires d'arrêt sans heure interpolés entre les arrêts horodatés de leur course",
        "en": "{n} stop times without time interpolated linearly between the timed stops of their trip"},
    "finding.time_backwards": {"fr": "heure antérieure au départ de l'arrêt précédent (ou départ avant l'arrivée)",
                               "en": "time earlier than the previous stop's departure (or departure before arrival)"},
    "finding.trip_backwards_at": {"fr": "course écartée : ses heures reculent à la ligne {row}",
                                  "en": "trip dropped: its times go backwards at data row {row}"},
    "finding.trip_backwards": {"fr": "course écartée : ses heures reculent", "en": "trip dropped: its times go backwards"},
    "finding.trip_too_short": {"fr": "course avec moins de 2 horaires d'arrêt utilisables",
                               "en": "trip has fewer than 2 usable stop times"},
    "finding.distance_decreases": {"fr": "shape_dist_traveled diminue le long de la course",
                                   "en": "shape_dist_traveled decreases along the trip"},
    "finding.accessibility_unknown_stops": {
        "fr": "{n} arrêts sur {total} sans information d'accessibilité en fauteuil (comptés non accessibles)",
        "en": "{n} of {total} stops without wheelchair accessibility information (counted as not accessible)"},
    "finding.accessibility_unknown_routes": {
        "fr": "{n} lignes sur {total} sans information d'accessibilité en fauteuil (comptées non accessibles)",
        "en": "{n} of {total} routes without wheelchair accessibility information (counted as not accessible)"},
    "finding.stray_quote": {"fr": "ligne {line} : un guillemet n'est jamais fermé ; ligne ignorée, le reste du fichier est gardé",
                            "en": "line {line}: a quoted field is never closed; line skipped, the rest of the file is kept"},
    "finding.row_length": {"fr": "la ligne {line} a {n} champs, l'en-tête en a {ncols}",
                           "en": "line {line} has {n} fields, the header has {ncols}"},
    "finding.read_as_cp1252": {"fr": "pas en {encoding} valide : lu en cp1252", "en": "not valid {encoding}; read as cp1252"},
    "finding.decoded_as": {"fr": "fichier décodé en {encoding}", "en": "file decoded as {encoding}"},
    "finding.rows_approximate": {
        "fr": "{records} enregistrements lus pour {lines} lignes attendues : les numéros comptent les enregistrements",
        "en": "{records} records parsed where {lines} lines were expected; row numbers count records"},
    "finding.unsafe_zip_entry": {"fr": "entrée d'archive au chemin absolu ou avec « .. » : non extraite",
                                 "en": "archive entry with an absolute or '..' path: not extracted"},
    "finding.feed_in_folder": {"fr": "fichiers du flux trouvés dans le dossier « {folder} »",
                               "en": "feed files found in the folder '{folder}'"},
    "finding.feed_not_found": {"fr": "{feed} annoncé par le fichier de découverte mais absent à côté ({files})",
                               "en": "{feed} listed in the discovery file but not found beside it ({files})"},
    "finding.no_geometry": {"fr": "objet sans géométrie", "en": "feature without geometry"},
    "finding.geometry_unreadable": {"fr": "géométrie illisible (type, coordonnées ou imbrication)",
                                    "en": "geometry cannot be read (bad type, coordinates or nesting)"},
    "finding.geometry_type": {"fr": "type de géométrie inattendu : {kind}", "en": "unexpected geometry type {kind}"},
    "finding.not_a_point": {"fr": "la géométrie n'est pas un point", "en": "geometry is not a Point"},
    "finding.polygon_repaired": {"fr": "polygone qui se recoupe : rendu valide", "en": "self-intersecting polygon made valid"},
    "finding.crs_mismatch": {"fr": "{declared} déclaré mais les coordonnées sont en {crs} : lues en {crs}",
                             "en": "declared {declared} but coordinates fit {crs}; read as {crs}"},
    "finding.crs_reprojected": {"fr": "géométrie en {crs} reprojetée en WGS84", "en": "geometry in {crs} reprojected to WGS84"},
    "finding.xy_apart": {"fr": "géométrie et propriétés x/y distantes de {m} m (plus de {tolerance} m)",
                         "en": "geometry and x/y properties {m} m apart (more than {tolerance} m)"},
    "finding.field_shift": {"fr": "une virgule non protégée dans {field} décalait la ligne : champs réalignés, latitude perdue",
                            "en": "unquoted comma in {field} shifted the row; fields re-aligned, latitude lost"},
    "finding.mode_other": {"fr": "mode inconnu : classé « autre »", "en": "mode not known: grouped as 'other'"},
    "finding.coordinates_unknown_kept": {"fr": "coordonnées de l'employeur inconnues : réponse gardée",
                                         "en": "employer coordinates unknown; answer kept"},
    "finding.latitude_recovered": {"fr": "latitude reprise des autres réponses au même lieu d'emploi",
                                   "en": "latitude taken from the other answers at the same employer location"},
    "finding.negative_speed": {"fr": "vitesse ou temps de parcours négatif", "en": "negative speed or travel time"},
    "finding.zero_measure": {"fr": "{n} lignes avec vitesse et temps de parcours nuls : laissées sans mesure",
                             "en": "{n} rows with speed and travel time both 0: left without a measure"},
    "finding.power_missing": {"fr": "pas de colonne de puissance (puissance_nominale ou puiss_max) : puissance inconnue",
                              "en": "no power column (puissance_nominale or puiss_max): power unknown"},
    "finding.power_in_watts": {"fr": "{n} puissances données en W, divisées par 1 000 (lignes {row_list})",
                               "en": "{n} power values given in W, divided by 1,000 (rows {row_list})"},
    "finding.power_invalid": {"fr": "puissance non positive ou illisible : inconnue",
                              "en": "power not a positive number: unknown"},
    "finding.station_keyed_by_name": {"fr": "identifiant de station absent : station reconnue par son nom et sa position",
                                      "en": "station id missing: station keyed by name and coordinates"},
    "finding.negative_capacity": {"fr": "capacité négative : rendue inconnue", "en": "negative capacity set to unknown"},
    "finding.status_missing_all": {"fr": "aucun station_status donné : disponibilité inconnue pour {n} stations",
                                   "en": "no station_status given: availability unknown for {n} stations"},
    "finding.status_missing": {"fr": "station absente de station_status : disponibilité inconnue",
                               "en": "station absent from station_status: availability unknown"},
    "finding.status_twice": {"fr": "état de station donné deux fois", "en": "station status given twice"},
    "finding.status_stale": {"fr": "état vieux de {s} s (plus de {max_s} s) : disponibilité rendue inconnue",
                             "en": "status {s} s old (more than {max_s} s): availability set to unknown"},
    "finding.places_near": {"fr": "{n} lieux à moins de {m} m d'un autre (souvent le même lieu déclaré par plusieurs producteurs)",
                            "en": "{n} places within {m} m of another place (often the same place reported by several producers)"},
    "finding.house_number": {"fr": "le numéro n'est pas un entier de 0 à {max}",
                             "en": "house number is not a whole number from 0 to {max}"},
    "finding.line_from_file_name": {"fr": "pas de propriété « line » : ligne {line} tirée du nom du fichier",
                                    "en": "no 'line' property: line {line} taken from the file name"},
    "finding.no_epci": {"fr": "commune rattachée à aucun EPCI", "en": "commune belongs to no EPCI"},
    "finding.no_territories": {"fr": "pas de table des territoires : rattachements EPCI inconnus",
                               "en": "no territories table: EPCI membership unknown"},
    "finding.no_indicator_sources": {"fr": "indicators-sources.json absent : ni source ni licence",
                                     "en": "indicators-sources.json not given: no source id or licence"},
    "finding.export_cut": {
        "fr": "{rows} lignes ({gaps} parcours sur {patterns} ont des trous dans leur suite d'arrêts) : "
              "l'export a été coupé, les parcours sont partiels",
        "en": "{rows} rows ({gaps} of {patterns} patterns have gaps in their stop sequence): "
              "the export was cut, patterns are partial"},
    "finding.export_cut_page": {
        "fr": "{rows} lignes (une limite de page de l'API ; {gaps} parcours sur {patterns} ont des trous dans leur "
              "suite d'arrêts) : l'export a été coupé, les parcours sont partiels",
        "en": "{rows} rows (an API page limit; {gaps} of {patterns} patterns have gaps in their stop sequence): "
              "the export was cut, patterns are partial"},
    "finding.no_access": {"fr": "{n} tronçons interdits à tous les modes (chantier, privé…) écartés",
                          "en": "{n} segments usable by no mode (construction, private, ...) dropped"},
    "finding.edge_node_missing": {"fr": "nœud d'extrémité du tronçon absent du fichier",
                                  "en": "edge end node not in the file"},
    "finding.line_unreadable": {"fr": "géométrie de ligne absente ou illisible", "en": "missing or unreadable line geometry"},
    "finding.line_degenerate": {"fr": "ligne de moins de deux points distincts", "en": "line with fewer than two distinct points"},
    "finding.points_ignored": {"fr": "{n} objets qui ne sont pas des lignes (points) ignorés",
                               "en": "{n} non-line features (points) ignored"},
    "finding.segments_collapsed": {"fr": "{n} tronçons réduits à un point par l'accrochage (boucles de moins de {m} m) écartés",
                                   "en": "{n} segments collapsed by snapping (loops shorter than {m} m) dropped"},
    # reason codes by their words (sources.validate.reason_name; the codes stay in the JSON report)
    "reason.accessibility_unknown": {"fr": "accessibilité inconnue", "en": "accessibility unknown"},
    "reason.commune_without_epci": {"fr": "commune sans EPCI", "en": "commune without EPCI"},
    "reason.coordinates_recovered": {"fr": "coordonnées retrouvées", "en": "coordinates recovered"},
    "reason.crs_mismatch": {"fr": "système de coordonnées incohérent", "en": "coordinate system mismatch"},
    "reason.crs_reprojected": {"fr": "coordonnées reprojetées", "en": "coordinates reprojected"},
    "reason.decreasing_or_equal_stop_time_distance": {"fr": "distance parcourue qui diminue",
                                                      "en": "distance travelled decreasing"},
    "reason.degenerate_geometry": {"fr": "géométrie dégénérée", "en": "degenerate geometry"},
    "reason.degenerate_segment": {"fr": "tronçon dégénéré", "en": "degenerate segment"},
    "reason.duplicate_key": {"fr": "doublon", "en": "duplicate"},
    "reason.duplicate_location": {"fr": "lieux confondus", "en": "places at the same location"},
    "reason.feed_in_subfolder": {"fr": "flux dans un sous-dossier", "en": "feed in a subfolder"},
    "reason.feed_not_found": {"fr": "flux introuvable", "en": "feed not found"},
    "reason.field_shift_repaired": {"fr": "décalage de champs réparé", "en": "field shift repaired"},
    "reason.foreign_key_violation": {"fr": "référence inconnue", "en": "unknown reference"},
    "reason.geometry_outside_area": {"fr": "géométrie hors zone", "en": "geometry outside the area"},
    "reason.geometry_property_mismatch": {"fr": "géométrie et coordonnées en désaccord",
                                          "en": "geometry and coordinates disagree"},
    "reason.incomplete_export": {"fr": "export incomplet", "en": "incomplete export"},
    "reason.invalid_capacity": {"fr": "capacité invalide", "en": "invalid capacity"},
    "reason.invalid_color": {"fr": "couleur invalide", "en": "invalid colour"},
    "reason.invalid_date": {"fr": "date invalide", "en": "invalid date"},
    "reason.invalid_encoding": {"fr": "encodage invalide", "en": "invalid encoding"},
    "reason.invalid_float": {"fr": "nombre invalide", "en": "invalid number"},
    "reason.invalid_geometry": {"fr": "géométrie invalide", "en": "invalid geometry"},
    "reason.invalid_geometry_repaired": {"fr": "géométrie réparée", "en": "geometry repaired"},
    "reason.invalid_integer": {"fr": "entier invalide", "en": "invalid integer"},
    "reason.invalid_power": {"fr": "puissance invalide", "en": "invalid power"},
    "reason.invalid_quoting": {"fr": "guillemet non fermé", "en": "unclosed quote"},
    "reason.invalid_row_length": {"fr": "nombre de champs incorrect", "en": "wrong number of fields"},
    "reason.invalid_time": {"fr": "heure invalide", "en": "invalid time"},
    "reason.invalid_value": {"fr": "valeur invalide", "en": "invalid value"},
    "reason.line_from_file_name": {"fr": "ligne tirée du nom de fichier", "en": "line taken from the file name"},
    "reason.missing_coordinates": {"fr": "coordonnées manquantes", "en": "missing coordinates"},
    "reason.missing_file": {"fr": "fichier manquant", "en": "missing file"},
    "reason.missing_geometry": {"fr": "géométrie manquante", "en": "missing geometry"},
    "reason.missing_measurement": {"fr": "mesure manquante", "en": "missing measurement"},
    "reason.missing_required_field": {"fr": "champ obligatoire vide", "en": "required field empty"},
    "reason.missing_required_file": {"fr": "fichier obligatoire manquant", "en": "required file missing"},
    "reason.missing_station_id": {"fr": "identifiant de station manquant", "en": "missing station id"},
    "reason.missing_trip_edge": {"fr": "extrémité de course sans heure", "en": "trip end without time"},
    "reason.no_access": {"fr": "tronçon interdit", "en": "segment closed to all"},
    "reason.non_line_features_ignored": {"fr": "objets non linéaires ignorés", "en": "non-line features ignored"},
    "reason.non_utf8_encoding": {"fr": "encodage autre qu'UTF-8", "en": "encoding other than UTF-8"},
    "reason.not_routable": {"fr": "aucun trajet calculable", "en": "no trip can be planned"},
    "reason.number_out_of_range": {"fr": "nombre hors limites", "en": "number out of range"},
    "reason.point_near_origin": {"fr": "point près de (0, 0)", "en": "point near (0, 0)"},
    "reason.point_outside_area": {"fr": "point hors zone", "en": "point outside the area"},
    "reason.power_in_watts": {"fr": "puissance en watts", "en": "power in watts"},
    "reason.power_missing": {"fr": "puissance absente", "en": "power missing"},
    "reason.projected_coordinates": {"fr": "coordonnées projetées", "en": "projected coordinates"},
    "reason.row_numbers_approximate": {"fr": "numéros de ligne approchés", "en": "approximate row numbers"},
    "reason.service_never_active": {"fr": "service jamais actif", "en": "service never active"},
    "reason.single_point_user": {"fr": "personne à un seul point", "en": "user with a single point"},
    "reason.start_and_end_range_out_of_order": {"fr": "fin avant le début", "en": "end before start"},
    "reason.status_missing": {"fr": "état manquant", "en": "status missing"},
    "reason.status_stale": {"fr": "état périmé", "en": "stale status"},
    "reason.stop_time_with_arrival_before_previous_departure_time": {"fr": "heures qui reculent",
                                                                     "en": "times going backwards"},
    "reason.swapped_coordinates": {"fr": "coordonnées inversées", "en": "swapped coordinates"},
    "reason.times_interpolated": {"fr": "heures interpolées", "en": "times interpolated"},
    "reason.timetables_not_loaded": {"fr": "horaires non lus", "en": "timetables not read"},
    "reason.unexpected_enum_value": {"fr": "code inattendu", "en": "unexpected code"},
    "reason.unknown_value": {"fr": "valeur inconnue", "en": "unknown value"},
    "reason.unsafe_zip_entry": {"fr": "entrée d'archive dangereuse", "en": "unsafe archive entry"},
    "reason.unusable_trip": {"fr": "course inutilisable", "en": "unusable trip"},
    "cat.notice.code": {"fr": "motif", "en": "reason"},
    # scenario files refused (routing.scenarios.ScenarioError)
    "scen.error.not_regular": {"fr": "ce n'est pas un fichier ordinaire (un dossier, un périphérique ou un tube)",
                               "en": "not a regular file (a folder, a device or a pipe)"},
    "scen.error.too_big": {"fr": "fichier de {size} octets, au-delà de la limite de {limit} octets",
                           "en": "file of {size} bytes over the {limit} bytes budget"},
    "scen.error.text_too_long": {"fr": "texte de {size} caractères, au-delà de la limite de {limit} octets",
                                 "en": "text of {size} characters over the {limit} bytes budget"},
    "scen.error.not_utf8": {"fr": "ce n'est pas un texte UTF-8 : {detail}", "en": "not UTF-8 text: {detail}"},
    "scen.error.not_toml": {"fr": "ce n'est pas un TOML valide : {detail}", "en": "not valid TOML: {detail}"},
    "scen.error.toml_deep": {"fr": "ce n'est pas un TOML valide : tableaux ou tables imbriqués trop profondément",
                             "en": "not valid TOML: arrays or tables nested too deeply"},
    "scen.error.extends_name": {
        "fr": "extends doit nommer un fichier de scénario de {where} (un nom de fichier, sans dossier) : {text}",
        "en": "extends names a scenario file of {where} (a file name, no folder part): {text}"},
    "scen.error.extends_not_found": {"fr": "scénario étendu « {name} » introuvable dans {where}",
                                     "en": "extended scenario '{name}' not found in {where}"},
    "scen.error.unreadable": {"fr": "scénario illisible ({detail})", "en": "unreadable scenario ({detail})"},
    "scen.where.assets": {"fr": "assets/scenarios", "en": "assets/scenarios"},
    "scen.where.here": {"fr": "le dossier de ce fichier", "en": "this file's folder"},
    "scen.error.extends_cycle": {"fr": "extends en boucle : {names}", "en": "extends cycle: {names}"},
    "scen.error.extends_deep": {"fr": "plus de {n} niveaux d'extends", "en": "more than {n} levels of extends"},
    "scen.error.unknown_field": {"fr": "champ inconnu", "en": "unknown field"},
    "scen.error.no_name": {"fr": "un scénario doit avoir un nom", "en": "a scenario needs a non-empty name"},
    "scen.error.not_text": {"fr": "{field} doit être un texte non vide", "en": "{field} must be non-empty text"},
    "scen.error.list_of_tables": {"fr": "{field} doit être une liste de tables", "en": "{field} must be a list of tables"},
    "scen.error.source_title": {"fr": "chaque source doit avoir un titre (et une adresse)",
                                "en": "each source needs a title (and a url)"},
    "scen.error.too_many_modifications": {"fr": "plus de {n} modifications", "en": "more than {n} modifications"},
    "scen.error.range": {"fr": "{field} doit être un nombre de {lo} à {hi} {unit}, et non {text}",
                         "en": "{field} must be a number from {lo} to {hi} {unit}, got {text}"},
    "scen.error.not_time": {"fr": "ce n'est pas une heure HH:MM[:SS] avant 48:00 : {text}",
                            "en": "not a time HH:MM[:SS] below 48:00: {text}"},
    "scen.error.period_order": {"fr": "la période finit avant de commencer", "en": "the period ends before it starts"},
    "scen.error.not_a_table": {"fr": "une modification est une table", "en": "a modification is a table"},
    "scen.error.unknown_type": {"fr": "type de modification inconnu {text} (l'un de : {allowed})",
                                "en": "unknown modification type {text} (one of: {allowed})"},
    "scen.error.degrees": {"fr": "{field} doit être un nombre (degrés WGS84)", "en": "{field} must be a number (WGS84 degrees)"},
    "scen.error.outside_france": {"fr": "point ({lon}, {lat}) hors de France", "en": "point ({lon}, {lat}) outside France"},
    "scen.error.colour": {"fr": "color doit être une couleur hexadécimale RRVVBB", "en": "color must be a hex RRGGBB"},
    "scen.error.boolean": {"fr": "{field} doit valoir true ou false", "en": "{field} must be true or false"},
    "scen.error.two_stops": {"fr": "une ligne demande au moins deux arrêts", "en": "a line needs at least two stops"},
    "scen.error.too_many_stops": {"fr": "plus de {n} arrêts", "en": "more than {n} stops"},
    "scen.error.stop_name": {"fr": "un nouvel arrêt doit avoir un nom", "en": "a new stop needs a name"},
    "scen.error.stop_shape": {"fr": "un arrêt est l'identifiant d'un arrêt existant ou une table avec name, lon et lat",
                              "en": "a stop is an existing stop id or a table with name, lon and lat"},
    "scen.error.periods_or_departures": {"fr": "donnez des périodes ou des départs, pas les deux",
                                         "en": "give periods or departures, not both"},
    "scen.error.departures_list": {"fr": "departures doit être une liste d'heures non vide",
                                   "en": "departures must be a non-empty list of times"},
    "scen.error.period_shape": {"fr": "une période est une table avec start, end et headway_min",
                                "en": "a period is a table with start, end and headway_min"},
    "scen.error.too_many_runs": {"fr": "plus de {n} courses", "en": "more than {n} runs"},
    "scen.error.no_service": {"fr": "une ligne demande des périodes (fréquences) ou des départs",
                              "en": "a line needs periods (headways) or departures"},
    "scen.error.one_timing": {"fr": "donnez un seul de segment_s, speed_kmh, end_to_end_min",
                              "en": "give exactly one of segment_s, speed_kmh, end_to_end_min"},
    "scen.error.segments": {"fr": "segment_s doit donner {n} temps de parcours (un par paire d'arrêts)",
                            "en": "segment_s must list {n} running times (one per pair of stops)"},
    "scen.error.stops_apart": {"fr": "les arrêts {a} et {b} sont à {km} km l'un de l'autre (plus de {max_km} km)",
                               "en": "stops {a} and {b} lie {km} km apart (more than {max_km} km)"},
    "scen.error.after_day": {
        "fr": "une course partant à {dep} arriverait à {arr}, après {hours}:00 (la fin de l'horloge du jour de service)",
        "en": "a run leaving at {dep} would arrive at {arr}, after {hours}:00 (the end of the service day's clock)"},
    "scen.error.unknown_route": {"fr": "ligne inconnue {text} (ni un identifiant ni un nom court)",
                                 "en": "unknown route {text} (neither a route id nor a short name)"},
    "scen.error.stop_exists": {"fr": "le nouvel arrêt {text} existe déjà", "en": "new stop id {text} already exists"},
    "scen.error.unknown_stop": {"fr": "arrêt inconnu {text}", "en": "unknown stop {text}"},
    "scen.error.stop_no_coordinates": {"fr": "arrêt sans coordonnées", "en": "stop without coordinates"},
    "scen.error.end_to_end_short": {"fr": "end_to_end_min plus court que les temps d'arrêt",
                                    "en": "end_to_end_min shorter than the dwell times"},
    "scen.error.route_exists": {"fr": "l'identifiant de ligne {text} existe déjà", "en": "route id {text} already exists"},

    # -- axe (keys added here) -------------------------------------------------------------------
    # half of the inhabitants reaching nothing: said so, never "au moins 0 répondants"
    "accmap.alt.map_none": {
        "fr": "En {cutoff} min, {reached} des habitants atteignent au moins une opportunité ; au moins la "
              "moitié n'en atteint aucune.",
        "en": "Within {cutoff} min, {reached} of inhabitants reach at least one opportunity; at least half of "
              "them reach none."},
    "scenmap.alt.hist_none_before": {
        "fr": "Avant, au moins la moitié des habitants n'atteint aucune opportunité en {n} min ; après, la moitié "
              "en atteint au moins {after} {unit}.",
        "en": "Before, at least half of the inhabitants reach no opportunity within {n} min; after, half of them "
              "reach at least {after} {unit}."},
    "scenmap.alt.hist_none_after": {
        "fr": "Avant, la moitié des habitants atteint au moins {before} {unit} en {n} min ; après, au moins la "
              "moitié n'en atteint aucune.",
        "en": "Before, half of the inhabitants reach at least {before} {unit} within {n} min; after, at least "
              "half of them reach none."},
    "scenmap.alt.hist_none": {
        "fr": "Avant comme après, au moins la moitié des habitants n'atteint aucune opportunité en {n} min.",
        "en": "Before as after, at least half of the inhabitants reach no opportunity within {n} min."},
    # the departures "by time" list stops at its first rows: the others are counted, and where to see them
    "dep.more.one": {"fr": "… et {n} autre passage jusqu'à {end} : voir « {all} » ci-dessous.",
                     "en": "… and {n} more departure until {end}: see “{all}” below."},
    "dep.more.other": {"fr": "… et {n} autres passages jusqu'à {end} : voir « {all} » ci-dessous.",
                       "en": "… and {n} more departures until {end}: see “{all}” below."},
    # the wheelchair gap's commune table in three short columns: it fits a phone without scrolling
    "wheelchair.gap.col.affected_share": {"fr": "touchés (part)", "en": "affected (share)"},
    "wheelchair.gap.col.lost_short": {"fr": "min perdues", "en": "min lost"},
    "wheelchair.gap.affected_share": {"fr": "{n} ({share})", "en": "{n} ({share})"},
    # an itinerary's price basis when it is one ticket or one pass: the total already says its price
    "itin.price.ticket_alone": {"fr": "1 ticket STAR 1 h, tarif depuis le {since}",
                                "en": "1 STAR 1-hour ticket, fare since {since}"},
    # -- lead: kept-frame maps (keys added here) ------------------------------------------------------
    "dep.map_title": {"fr": "Carte des arrêts", "en": "Map of the stops"},
    "lines.map_title": {"fr": "Carte de la ligne et de ses arrêts", "en": "Map of the line and its stops"},
    # -- catalogue (keys added here) -------------------------------------------------------------
    # the loaders' schema checks: a bundle file or an upload that cannot be used (UnusableInputError)
    "error.strict": {"fr": "{reason} : {message}", "en": "{reason}: {message}"},
    "error.strict_value": {"fr": "{reason} : {message} (valeur {detail})",
                           "en": "{reason}: {message} (value {detail})"},
    "error.strict_rows": {"fr": "{reason} : {message} (valeur {detail}) ; {rows} au total",
                          "en": "{reason}: {message} (value {detail}); {rows} in all"},
    "error.gzip_corrupt": {"fr": "fichier gzip corrompu ({detail})", "en": "corrupt gzip file ({detail})"},
    "error.gzip_truncated": {"fr": "fichier gzip tronqué (sa fin manque)",
                             "en": "truncated gzip file (its end is missing)"},
    "error.no_station_info": {"fr": "aucune description de station (identifiant et coordonnées) trouvée",
                              "en": "no station information (station ids with coordinates) found"},
    "error.not_gbfs": {"fr": "ce JSON n'est ni un flux GBFS ni une liste d'enregistrements",
                       "en": "JSON is neither a GBFS feed nor a list of records"},
    "error.gbfs_no_data": {"fr": "JSON sans objet GBFS « data »", "en": "JSON without a GBFS 'data' object"},
    "error.gbfs_no_stations": {"fr": "fichier GBFS sans liste de stations (data.stations)",
                               "en": "GBFS file without data.stations"},
    "error.gbfs_kind": {"fr": "fichier GBFS dont on ne sait dire s'il décrit les stations ou leur disponibilité",
                        "en": "cannot tell station_information from station_status"},
    "error.no_station_id": {"fr": "aucune colonne d'identifiant de station (station_id, id, …)",
                            "en": "no station id column (station_id, id, ...)"},
    "error.no_station_columns": {"fr": "ni coordonnées (lon/lat) ni colonnes de disponibilité",
                                 "en": "neither coordinates (lon/lat) nor availability columns found"},
    "error.not_bnlc": {"fr": "ce n'est pas un fichier BNLC : ni id_lieu (schéma v0.2) ni id_local (v0.3)",
                       "en": "not a BNLC file: neither id_lieu (schema 0.2) nor id_local (0.3)"},
    "error.one_path": {"fr": "un seul fichier, zip ou dossier attendu ; {n} donnés",
                       "en": "one file, zip or folder expected, got {n}"},
    "error.gtfs_file_missing": {"fr": "fichier GTFS obligatoire absent", "en": "required GTFS file missing"},
    "error.gtfs_timetables_missing": {
        "fr": "fichier GTFS obligatoire absent (un flux sans horaires se lit avec load_gtfs_static)",
        "en": "required GTFS file missing (a feed without timetables loads with load_gtfs_static)"},
    "error.gtfs_no_calendar": {"fr": "ni calendar.txt ni calendar_dates.txt dans le flux",
                               "en": "neither calendar.txt nor calendar_dates.txt in the feed"},
    "error.column_required": {"fr": "colonne obligatoire absente", "en": "required column missing"},
    "error.calendar_span": {"fr": "du {first} au {last}", "en": "{first} to {last}"},
    "error.calendar_empty": {"fr": "vide", "en": "empty"},
    "error.no_service_date": {"fr": "aucune date avec service dans le flux (calendrier {span})",
                              "en": "no date with service in the feed (calendar {span})"},
    "error.date_outside": {"fr": "la date {date} est hors du calendrier ({span}){offer}",
                           "en": "service date {date} is outside the calendar ({span}){offer}"},
    "error.date_without_service": {"fr": "la date {date} est sans service dans le calendrier ({span}){offer}",
                                   "en": "service date {date} is a date without service in the calendar ({span}){offer}"},
    "error.busiest_date": {"fr": " ; la date la plus chargée du flux est le {date}",
                           "en": "; the feed's busiest date is {date}"},
    "error.busiest_date_trips": {"fr": " ; la date la plus chargée du flux est le {date} ({trips})",
                                 "en": "; the feed's busiest date is {date} ({trips})"},
    "error.day_outside_feed": {"fr": "le jour {day} est hors des dates servies par le flux GTFS ({span})",
                               "en": "service day {day} is outside the dates the GTFS feed serves ({span})"},
    "error.feed_no_service": {"fr": "le flux GTFS n'a aucune date avec service",
                              "en": "the GTFS feed has no date with service"},
    "error.no_busiest_date": {"fr": " ; aucune date du flux n'a de service", "en": "; no date of the feed has service"},
    "error.irve_grouped": {"fr": "fichier groupé par station : pas de niveau point de charge (lire au niveau station)",
                           "en": "file is grouped by station: no charge-point level (use level='station')"},
    "error.not_irve": {"fr": "ce n'est pas un fichier IRVE : aucune colonne id_station, id_station_itinerance "
                             "ou id_pdc",
                       "en": "not an IRVE file: no id_station / id_station_itinerance / id_pdc column"},
    "error.irve_no_coordinates": {"fr": "pas de coordonnées : ni Xlongitude/Ylatitude ni coordonneesXY",
                                  "en": "no coordinates: neither Xlongitude/Ylatitude nor coordonneesXY"},
    "error.not_records": {"fr": "ce JSON n'est ni une liste d'enregistrements ni une collection GeoJSON",
                          "en": "JSON is neither a list of records nor a FeatureCollection"},
    "error.not_osm": {"fr": "ce n'est pas un fichier OSM XML : élément racine <{tag}>",
                      "en": "not an OSM XML file: root element <{tag}>"},
    "error.unsafe_xml": {"fr": "XML dangereux refusé ({kind} : DTD et déclarations d'entités interdites dans "
                               "un fichier OSM)",
                         "en": "refused unsafe XML ({kind}: DTDs and entity declarations are not allowed in "
                               "OSM files)"},
    "error.malformed_xml": {"fr": "XML mal formé : {detail}", "en": "malformed XML: {detail}"},
    "error.xml_empty": {"fr": "fichier XML vide", "en": "empty XML file"},
    "error.no_highway": {"fr": "aucune rue (highway) dans le fichier", "en": "no street (highway) in the file"},
    "error.osmnx": {"fr": "le graphe des rues n'a pas pu être construit (osmnx) : {detail}",
                    "en": "osmnx could not build a graph: {detail}"},
    "error.pyrosm": {"fr": "le fichier n'a pas pu être lu (pyrosm) : {detail}",
                     "en": "pyrosm could not read the file: {detail}"},
    "error.no_street_network": {"fr": "aucun réseau de rues dans le fichier", "en": "no street network in the file"},
    "error.not_utf8": {"fr": "ce n'est pas un texte UTF-8 : {detail}", "en": "not UTF-8 text: {detail}"},
    "error.malformed_json": {"fr": "JSON mal formé : {detail}", "en": "malformed JSON: {detail}"},
    "error.not_feature_collection": {"fr": "ce n'est pas une collection GeoJSON (FeatureCollection)",
                                     "en": "not a GeoJSON FeatureCollection"},
    "error.no_geometry_column": {"fr": "aucune colonne de géométrie GeoJSON (une de : {columns})",
                                 "en": "no GeoJSON geometry column (expected one of {columns})"},
    "error.no_line_geometry": {"fr": "aucune géométrie de ligne utilisable", "en": "no usable line geometry"},
    "error.street_file_type": {"fr": "type de fichier de rues inconnu (.osm, .osm.pbf, .geojson, .json ou .csv "
                                     "attendu)",
                               "en": "unknown street file type (expected .osm, .osm.pbf, .geojson, .json or .csv)"},
    "error.csv_unreadable": {"fr": "ce n'est pas un CSV lisible : {detail}", "en": "not a readable CSV: {detail}"},
    "error.columns_missing": {"fr": "colonne(s) absente(s) : {columns}", "en": "column(s) missing: {columns}"},
    "error.not_territories": {"fr": "ce n'est pas une table des territoires (liste de territoire, type, …)",
                              "en": "not a territories table (list of territoire, type, ...)"},
    "error.no_polygon_file": {"fr": "aucun fichier de polygones parmi les fichiers donnés",
                              "en": "no polygon file among the inputs"},
    "error.no_indicators_file": {"fr": "aucun fichier parquet d'indicateurs parmi les fichiers donnés",
                                 "en": "no indicators parquet file among the inputs"},
    "error.objects_expected": {"fr": "une liste d'objets JSON attendue", "en": "a list of objects expected"},
    "error.indicators_layout": {"fr": "fichier d'indicateurs ni en format long (key/value) ni au format large des "
                                      "20 minutes",
                                "en": "indicators file: neither long (key/value) nor the wide 20-minute layout"},
    "error.not_parquet": {"fr": "ce n'est pas un fichier parquet (signature PAR1 absente : fichier tronqué ?)",
                          "en": "not a parquet file (magic bytes PAR1 missing: truncated?)"},
    "error.parquet_decode": {"fr": "le fichier parquet ne peut pas être décodé : {detail}",
                             "en": "cannot decode parquet: {detail}"},
    "error.not_zip_archive": {"fr": "ce n'est pas une archive zip", "en": "not a zip archive"},
    "error.zip_no_csv": {"fr": "archive zip sans fichier CSV", "en": "zip archive without a CSV file"},
    "error.zip_corrupt": {"fr": "archive zip corrompue ou tronquée : {detail}",
                          "en": "corrupt or truncated zip: {detail}"},

    # -- scentraces (keys added here) --------------------------------------------------------------
    "traces.arc.field": {"fr": "{what} : {value}", "en": "{what}: {value}"},
    "traces.arc.people.one": {"fr": "{n} personne", "en": "{n} person"},
    "traces.arc.people.other": {"fr": "{n} personnes", "en": "{n} people"},
    # -- plural forms: a key "x.one" / "x.other" pair, chosen by plural() --------------------------
    "unit.departures.one": {"fr": "{n} passage", "en": "{n} departure"},
    "unit.departures.other": {"fr": "{n} passages", "en": "{n} departures"},
    "unit.trips.one": {"fr": "{n} trajet", "en": "{n} trip"},
    "unit.trips.other": {"fr": "{n} trajets", "en": "{n} trips"},
    "unit.stops.one": {"fr": "{n} arrêt", "en": "{n} stop"},
    "unit.stops.other": {"fr": "{n} arrêts", "en": "{n} stops"},
    "unit.inhabitants.one": {"fr": "{n} habitant", "en": "{n} inhabitant"},
    "unit.inhabitants.other": {"fr": "{n} habitants", "en": "{n} inhabitants"},
    "unit.rows_set_aside.one": {"fr": "{n} ligne écartée", "en": "{n} row set aside"},
    "unit.rows_set_aside.other": {"fr": "{n} lignes écartées", "en": "{n} rows set aside"},
    "unit.transfers.one": {"fr": "{n} correspondance", "en": "{n} transfer"},
    "unit.transfers.other": {"fr": "{n} correspondances", "en": "{n} transfers"},
}


def known(key: str) -> bool:
    """Whether ``key`` is in the catalogue."""
    return key in CATALOGUE


def mode_name(mode: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A mode or itinerary label in ``lang`` ("walk" -> "Marche"); the label itself when unknown."""
    key = f"mode.{mode}"
    return translate(key, lang) if known(key) else str(mode)


def translate(key: str, lang: str = DEFAULT_LANGUAGE, **params: Any) -> str:
    """The template of ``key`` in ``lang``, formatted with ``params`` (see the module docstring for
    the fallback rule: French for a missing language, the key itself for a missing key)."""
    entry = CATALOGUE.get(key)
    if entry is None:
        return key
    template = entry.get(lang) or entry[DEFAULT_LANGUAGE]
    if not params:
        return template
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template


# -- numbers, dates and plurals in the reader's format (Babel's CLDR data) ---------------------------

#: the Babel locale of each language
LOCALES = {"fr": "fr_FR", "en": "en_GB"}


def _locale(lang: str) -> str:
    return LOCALES.get(lang, LOCALES[DEFAULT_LANGUAGE])


def format_number(value: float, lang: str = DEFAULT_LANGUAGE, digits: int = 0) -> str:
    """``226011.6`` -> ``"226 012"`` (fr) / ``"226,012"`` (en); ``digits`` fixed decimals (``0.83`` ->
    ``"0,83"`` in French). Not-a-number and None give an em dash, never "nan" or "None"."""
    if value is None or value != value:  # noqa: PLR0124 (NaN is the value unequal to itself)
        return "—"
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return _babel_numbers.format_decimal(value, format=pattern, locale=_locale(lang))


def format_percent(fraction: float, lang: str = DEFAULT_LANGUAGE, digits: int = 0) -> str:
    """``0.834`` -> ``"83 %"`` (fr, with its no-break space) / ``"83%"`` (en)."""
    if fraction is None or fraction != fraction:  # noqa: PLR0124
        return "—"
    pattern = Locale.parse(_locale(lang)).percent_formats[None].pattern  # "#,##0\u00a0%" in French
    if digits > 0:
        pattern = pattern.replace("0", "0." + "0" * digits, 1)  # the patterns of fr and en hold one 0
    return _babel_numbers.format_percent(fraction, format=pattern, locale=_locale(lang))


def format_signed_percent(fraction: float, lang: str = DEFAULT_LANGUAGE, digits: int = 0) -> str:
    """A change: ``+12 %`` / ``−3 %``; an em dash when there is no value."""
    if fraction is None or fraction != fraction:  # noqa: PLR0124
        return "—"
    text = format_percent(abs(fraction), lang, digits)
    return ("+" if fraction > 0 else "−" if fraction < 0 else "") + text


def format_money(euros: float, lang: str = DEFAULT_LANGUAGE) -> str:
    """``1.7`` -> ``"1,70 €"`` (fr) / ``"€1.70"`` (en)."""
    if euros is None or euros != euros:  # noqa: PLR0124
        return "—"
    return _babel_numbers.format_currency(euros, "EUR", locale=_locale(lang))


def format_date(value: _date | _datetime, lang: str = DEFAULT_LANGUAGE, style: str = "medium") -> str:
    """``2011-11-15`` -> ``"15 nov. 2011"`` (fr, medium) / ``"15 Nov 2011"`` (en); ``style`` is Babel's
    short, medium, long or full (``"mardi 15 novembre 2011"``)."""
    if isinstance(value, _datetime):
        value = value.date()
    return _babel_dates.format_date(value, format=style, locale=_locale(lang))


def format_datetime(value: _datetime, lang: str = DEFAULT_LANGUAGE, style: str = "medium") -> str:
    """A date and a time in words: ``"15 nov. 2011, 08:05"``, never an ISO string."""
    return _babel_dates.format_datetime(value, format=style, locale=_locale(lang))


def format_duration(seconds: float, lang: str = DEFAULT_LANGUAGE) -> str:
    """``1500`` -> ``"25 min"``; ``4500`` -> ``"1 h 15"`` (the notation of both languages' timetables);
    under half a minute but not nothing, ``"< 1 min"``."""
    minutes = max(0, int(round(float(seconds) / 60.0)))
    if minutes == 0 and float(seconds) > 0:
        return "< 1 min"
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d}"


def format_distance(meters: float, lang: str = DEFAULT_LANGUAGE) -> str:
    """``850`` -> ``"850 m"``; ``1530`` -> ``"1,5 km"`` (fr) / ``"1.5 km"`` (en)."""
    if meters < 1000:
        return f"{format_number(meters, lang)} m"
    return f"{format_number(meters / 1000.0, lang, 1)} km"


def format_co2(grams: float, lang: str = DEFAULT_LANGUAGE) -> str:
    """``420`` -> ``"420 g"``; ``1530`` -> ``"1,5 kg"`` (fr) / ``"1.5 kg"`` (en)."""
    if grams < 1000:
        return f"{format_number(grams, lang)} g"
    return f"{format_number(grams / 1000.0, lang, 1)} kg"


def plural(key: str, n: float, lang: str = DEFAULT_LANGUAGE, **params: Any) -> str:
    """``plural("unit.departures", 1, "fr")`` -> ``"1 passage"``; 2 -> ``"2 passages"``: the form
    (``key.one`` or ``key.other``) by the language's CLDR rule (French: 0 and 1 are singular), ``n``
    formatted by :func:`format_number`."""
    form = Locale.parse(_locale(lang)).plural_form(abs(n))
    chosen = f"{key}.{form}" if known(f"{key}.{form}") else f"{key}.other"
    return translate(chosen, lang, n=format_number(n, lang), **params)
