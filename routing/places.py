"""Places: what a person types ("République", "48.11,-1.68", "rue de Brest") resolved to coordinates.

Search is accent-insensitive and tolerant of typos (rapidfuzz WRatio over a
normalised name), and ranks exact prefix matches first.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

_COORDS = re.compile(r"^\s*(-?\d{1,3}(?:\.\d+)?)\s*[,; ]\s*(-?\d{1,3}(?:\.\d+)?)\s*$")


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
    """No place matches the text; ``suggestions`` lists near misses."""

    def __init__(self, text: str, suggestions: list[Place]) -> None:
        self.text, self.suggestions = text, suggestions
        hint = "; did you mean: " + ", ".join(p.name for p in suggestions[:3]) if suggestions else ""
        super().__init__(f"no place matches {text!r}{hint}")


def normalise(text: str) -> str:
    """Lower case, accents removed, punctuation folded to spaces: "Rue de l'Hôtel-Dieu" -> "rue de l hotel dieu"."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def parse_coordinates(text: str) -> tuple[float, float] | None:
    """``"48.1106,-1.6799"`` (lat, lon, the way people write it) -> (lon, lat); None if not coordinates.

    A pair whose first number cannot be a latitude but the second can is read as lon, lat.
    """
    m = _COORDS.match(str(text))
    if not m:
        return None
    a, b = float(m.group(1)), float(m.group(2))
    if abs(a) <= 90 and abs(b) <= 180 and not (abs(a) < 20 and 40 < abs(b) <= 90):
        return (b, a)
    if abs(b) <= 90 and abs(a) <= 180:
        return (a, b)
    return None


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
        """Best matches first. Coordinates are returned as a single "coordinates" place."""
        coords = parse_coordinates(text)
        if coords is not None:
            return [Place(f"{coords[1]:.5f}, {coords[0]:.5f}", "coordinates", coords[0], coords[1])]
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
        for j in order:
            if scores[j] < 60:
                continue
            row = frame.iloc[idx[j]]
            out.append(Place(row["name"], row["kind"], float(row["lon"]), float(row["lat"]), str(row["id"])))
            if len(out) >= limit:
                break
        return out

    def resolve(self, text: str, *, kinds: tuple[str, ...] | None = None) -> Place:
        """The best match, or :class:`PlaceNotFound` when nothing is close enough."""
        hits = self.search(text, limit=5, kinds=kinds)
        if hits and (hits[0].kind == "coordinates" or _good_enough(text, hits[0])):
            return hits[0]
        raise PlaceNotFound(text, hits)


def _good_enough(text: str, place: Place) -> bool:
    from rapidfuzz import fuzz

    return fuzz.WRatio(normalise(text), normalise(place.name)) >= 80
