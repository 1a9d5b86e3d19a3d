"""Places: what a person types ("République", "48.11,-1.68", "rue de Brest") resolved to coordinates.

Search is accent-insensitive and tolerant of typos (rapidfuzz WRatio over a
normalised name), and ranks exact prefix matches first. A match must also reach a
minimum quality (:func:`match_quality`: most of the words typed are found in the name),
so text that matches nothing well gets :class:`PlaceNotFound` with near misses as
suggestions, never a silent guess. Coordinates are "lat,lon" (latitude first, as people
write them, see :func:`routing.args.parse_coordinates`); NaN, infinities and numbers out of
range are never coordinates and never matched to a name either. A text longer than
``budgets().max_place_chars`` is refused before any search.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

from routing import args as _args
from sources.budgets import budgets

#: share of the typed words (by length) a name must contain for a match (see :func:`match_quality`)
MIN_QUALITY = 0.6
#: best-scored names whose match quality is checked (bounds the work of a long hostile text)
MAX_CANDIDATES = 200
#: words that do not count when they are missing from a name
STOP_WORDS = frozenset("a au aux d de des du en et l la le les sur".split())


@dataclass(frozen=True)
class Place:
    name: str
    kind: str  # "stop", "street", "bikeshare", "parking", "carpool", "charger", "coordinates", "landmark"
    lon: float
    lat: float
    id: str = ""

    def label(self) -> str:
        return f"{self.name} ({self.kind})" if self.kind != "coordinates" else self.name


class PlaceNotFound(LookupError):
    """No place matches the text; ``suggestions`` lists near misses; ``reason`` says why the text
    is not a place at all (e.g. coordinates out of range), when it is not only unknown."""

    def __init__(self, text: str, suggestions: list[Place], *, reason: str | None = None) -> None:
        self.text, self.suggestions, self.reason = text, suggestions, reason
        shown = repr(text if len(text) <= 60 else text[:60] + "…")
        hint = "; did you mean: " + ", ".join(p.name for p in suggestions[:3]) if suggestions else ""
        super().__init__(f"no place matches {shown}{f' ({reason})' if reason else ''}{hint}")


def normalise(text: str) -> str:
    """Lower case, accents removed, punctuation folded to spaces: "Rue de l'Hôtel-Dieu" -> "rue de l hotel dieu"."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def parse_coordinates(text: str) -> tuple[float, float] | None:
    """``"48.1106,-1.6799"`` (lat, lon, the way people write it) -> (lon, lat); None if not valid
    coordinates (the order is never guessed: "91,-1.68" is not a point; "NaN,NaN" neither)."""
    try:
        return _args.parse_coordinates(text)
    except _args.ArgumentError:
        return None


def coordinates_error(text: str) -> str | None:
    """Why ``text`` is an attempt at coordinates that cannot be used (None if it is fine or a name)."""
    try:
        _args.parse_coordinates(text)
    except _args.ArgumentError as exc:
        return str(exc)
    return None


def match_quality(query: str, key: str) -> float:
    """Share (by length) of the words of ``query`` found in ``key`` (both normalised), from 0 to 1.

    A word is found when a word of the name starts with it (3 letters or more: "beau" in
    "beaulieu"), equals it, or is within a typo of it (rapidfuzz ratio >= 80, 4 letters or
    more: "repuplique"). Missing stop words ("de", "la"...) do not count; a match needs a word
    of 3 letters or more (or the whole name).
    """
    from rapidfuzz import fuzz

    words = query.split()
    content = [w for w in words if w not in STOP_WORDS] or words
    names = key.split()
    total = sum(len(w) for w in content)
    if not total:
        return 0.0
    found, longest = 0, 0
    for w in content:
        for n in names:
            if n == w or (len(w) >= 3 and n.startswith(w)) or (len(w) >= 4 and fuzz.ratio(w, n) >= 80):
                found, longest = found + len(w), max(longest, len(w))
                break
    if longest < 3 and query != key:  # "1" or "de la" alone is no evidence of a name
        return 0.0
    return found / total


class PlaceIndex:
    """A searchable table of places (name, kind, lon, lat, id)."""

    #: kinds listed first when scores tie
    KIND_ORDER = {"landmark": 0, "stop": 1, "bikeshare": 2, "parking": 3, "street": 4, "carpool": 5,
                  "charger": 6}

    def __init__(self, places: pd.DataFrame) -> None:
        frame = places.dropna(subset=["name", "lon", "lat"]).copy()
        frame["name"] = frame["name"].astype(str).str.strip()
        frame = frame[frame["name"] != ""]
        frame["key"] = frame["name"].map(normalise)
        frame["kind_rank"] = frame["kind"].map(self.KIND_ORDER).fillna(9)
        # one entry per (key, kind): stops of the same name on both sides of a street collapse
        frame = (frame.sort_values(["kind_rank", "key"])
                 .groupby(["key", "kind"], as_index=False, sort=False)
                 .agg(name=("name", "first"), lon=("lon", "mean"), lat=("lat", "mean"),
                      id=("id", "first"), kind_rank=("kind_rank", "first")))
        self.frame = frame.reset_index(drop=True)
        self._keys = self.frame["key"].tolist()

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> PlaceIndex:
        """Rebuild an index from its own ``frame`` (as saved by the network cache)."""
        index = cls.__new__(cls)
        index.frame = frame.reset_index(drop=True)
        index._keys = index.frame["key"].tolist()
        return index

    def __len__(self) -> int:
        return len(self.frame)

    def search(self, text: str, *, limit: int = 8, kinds: tuple[str, ...] | None = None) -> list[Place]:
        """Best matches first, only those of :data:`MIN_QUALITY` or more (none: see :meth:`suggest`).
        Coordinates are returned as a single "coordinates" place; invalid coordinates match nothing.
        A text over ``budgets().max_place_chars`` raises :class:`~sources.budgets.BudgetExceeded`."""
        return self._search(text, limit=limit, kinds=kinds, good=True)

    def suggest(self, text: str, *, limit: int = 3, kinds: tuple[str, ...] | None = None) -> list[Place]:
        """Near misses of a text that has no good match (what "did you mean" lists)."""
        return self._search(text, limit=limit, kinds=kinds, good=False)

    def _search(self, text: str, *, limit: int, kinds: tuple[str, ...] | None, good: bool) -> list[Place]:
        text = str(text)
        budgets().check("max_place_chars", len(text), what="place name")
        coords = parse_coordinates(text)
        if coords is not None:
            return [Place(f"{coords[1]:.5f}, {coords[0]:.5f}", "coordinates", coords[0], coords[1])] if good else []
        if coordinates_error(text) is not None:
            return []
        query = normalise(text)
        if not query or not len(self.frame):
            return []
        from rapidfuzz import fuzz, process

        frame = self.frame
        if kinds:
            frame = frame[frame["kind"].isin(kinds)]
        keys = frame["key"].tolist()
        hits = process.extract(query, keys, scorer=fuzz.WRatio, limit=None)
        if not hits:
            return []
        scores = np.array([h[1] for h in hits], dtype=float)
        idx = np.array([h[2] for h in hits], dtype=int)
        key_arr = [keys[i] for i in idx]
        exact = np.array([k == query for k in key_arr], dtype=int)
        prefix = np.array([k.startswith(query) for k in key_arr], dtype=int)
        ranks = frame["kind_rank"].to_numpy()[idx]
        order = np.lexsort((ranks, -scores, -prefix, -exact))
        out = []
        seen: set[str] = set()
        for j in order[:MAX_CANDIDATES]:
            if scores[j] < 60:
                continue
            quality = match_quality(query, key_arr[j])
            if (quality >= MIN_QUALITY) != good or quality == 0:  # a suggestion shares a word at least
                continue
            if not good and key_arr[j] in seen:  # one suggestion per name
                continue
            seen.add(key_arr[j])
            row = frame.iloc[idx[j]]
            out.append(Place(row["name"], row["kind"], float(row["lon"]), float(row["lat"]), str(row["id"])))
            if len(out) >= limit:
                break
        return out

    def resolve(self, text: str, *, kinds: tuple[str, ...] | None = None) -> Place:
        """The best match, or :class:`PlaceNotFound` (with suggestions) when nothing is close enough."""
        hits = self.search(text, limit=1, kinds=kinds)
        if hits:
            return hits[0]
        raise PlaceNotFound(text, self.suggest(text, kinds=kinds), reason=coordinates_error(text))
