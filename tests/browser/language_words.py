"""What the language guard (test_language_guard.py) refuses in a page's whole text, and the words of
the other language it looks for: words a page of ours would only show if a label, a reason, a table
header or a widget of Streamlit's escaped translation. Place and stop names are never listed (they
are French on both pages: "Place de la République"), nor words both languages share ("Bus",
"Points", "Gini", "Scenario"/"Scénario" differ by their accent only where listed).
"""

from __future__ import annotations

import re

#: English words that never belong on the French page (whole words, case-sensitive)
ENGLISH_WORDS = (
    "the", "and", "with", "from", "without", "between", "within", "Upload", "upload", "Drag", "drop", "Limit",
    "per file", "Browse", "Page not found", "Running", "Loading", "Please", "walk", "bike", "transit",
    "stage", "attack", "before", "after", "users", "share", "mean", "risk", "morning", "evening", "peak",
    "night", "Download", "Search", "Time", "trips", "departures", "Show", "Close", "Clear", "Assumptions",
    "September", "November", "published", "rows", "read", "kept", "quarantined", "inhabitants", "people",
    "Change", "Before", "After", "Trip", "Plan", "Walk", "Bike", "Car", "Data", "dataset", "report", "found",
    "matches", "origin", "longer", "nearest", "road", "estimated", "frequency", "Baseline",
    "Compare", "Mean", "Cutoff", "Opportunities", "People", "better", "Municipalities", "flows", "Flows",
)

#: French words that never belong on the English page (whole words, case-sensitive); articles and
#: prepositions are left out: they are in place names ("Rue de la Visitation", "Les Gayeulles")
FRENCH_WORDS = (
    "avec", "sans", "pour", "aucun", "Aucun", "aucune", "habitants", "trajets", "passages", "personnes",
    "Calculer", "Télécharger", "Charger", "Itinéraire", "Correspondances", "Arrivée", "Départ", "Marche",
    "carreaux", "Heure", "Avant", "Après", "à pied", "en voiture", "à vélo", "Voiture", "Langue", "Données",
    "données", "Scénarios", "Accessibilité", "Lignes", "lignes", "publié", "titre", "producteur", "fraîcheur",
    "Publié", "Titre", "Producteur", "Fraîcheur",
    "Hypothèses", "horaires", "estimés", "ouverte", "Variation", "Moyenne", "Opportunités", "Situation",
    "Prochains", "Chargement", "Préparation", "Téléverser", "Simuler", "Graine", "Zones", "flux", "Flux",
    "risque", "étape", "origine", "période", "semaine", "novembre", "septembre", "Carte", "Couches",
    "Légende", "quai", "Attente", "Retard", "théorique", "État", "Parcours",  # "Direction": English too
)

_URL = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\w+")
#: a version or a pair of coordinates is not a number to format
_NOT_A_NUMBER = re.compile(r"\b(?:EUPL|License|Licence|Etalab|Ouverte|ODbL|GTFS|v)\s?\d+(?:\.\d+)+"
                           r"|-?\d{1,3}\.\d+\s?,\s?-?\d{1,3}\.\d+")
_SNAKE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")
_DECIMAL_POINT = re.compile(r"(?<![\w.])\d+\.\d+(?![\w.])")
#: 10000 or more without its grouping (a grouped number is "10 000", "10,000")
_UNGROUPED = re.compile(r"(?<![\w.,\u202f\u00a0])\d{5,}(?![\w])")
_RAW = re.compile(r"\b(?:None|nan|NaN|Traceback)\b|\{")


def _words(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"(?<![\w'’-])(?:" + "|".join(re.escape(w) for w in words) + r")(?![\w'’-])")


_OTHER = {"fr": _words(ENGLISH_WORDS), "en": _words(FRENCH_WORDS)}


def problems(text: str, lang: str) -> list[str]:
    """What a page in ``lang`` must not show, found in ``text`` (its whole document text), each with
    a little of its context."""
    text = _NOT_A_NUMBER.sub(" ", _URL.sub(" ", text))
    found = []
    checks = [("other language", _OTHER[lang]), ("raw value", _RAW), ("snake_case", _SNAKE),
              ("ungrouped number", _UNGROUPED)]
    if lang == "fr":
        checks.append(("decimal point in French", _DECIMAL_POINT))
    for what, pattern in checks:
        for m in pattern.finditer(text):
            context = text[max(0, m.start() - 40):m.end() + 40].replace("\n", " ⏎ ")
            found.append(f"{what}: {m.group(0)!r} in …{context}…")
    return found
