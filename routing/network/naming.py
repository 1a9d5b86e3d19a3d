"""Names for points and points for addresses: what the street data and the address base say.

* :class:`PointNamer`: a point (a click on the map) named by the nearest named street of the walk
  layer and the commune whose polygon contains it: "Rue de Paris, Rennes" (only the commune when
  no named street lies within ``max_street_m``; None outside every commune and street).
* :class:`AddressIndex`: "12 rue de Saint-Malo, Rennes" resolved to the address point of the
  national address base (BAN), when a copy of it is in the cache (:func:`address_index`); the
  street name is matched without accents, case or punctuation and with the common abbreviations
  (St, Bd, Av., Pl....), the commune (after a comma or at the end, a postcode allowed) narrows it.
  Offline the BAN is absent: :func:`address_index` returns None and the place search uses the street.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from routing.places import ABBREVIATIONS, Place, normalise, split_house_number
from sources.geo import M_PER_DEG, haversine_m

#: a click farther than this from every named street is named by its commune only
MAX_STREET_M = 200.0
#: the place search's abbreviations, and street types that only a whole street name can carry
#: (as-you-type search keeps "ch", "pass", "res"... as prefixes of other words)
STREET_ABBREVIATIONS = {**ABBREVIATIONS, "all": "allee", "ch": "chemin", "che": "chemin", "crs": "cours",
                        "pass": "passage", "res": "residence"}
#: where "the centre" is when the commune is not said: addresses nearer to it come first
RENNES_CENTRE = (-1.6794, 48.1113)
#: fuzzy street matches below this rapidfuzz ratio are not the street meant
MIN_STREET_SCORE = 88


def street_key(text: str) -> str:
    """A street name compared: normalised (:func:`routing.places.normalise`), abbreviations expanded."""
    return " ".join(STREET_ABBREVIATIONS.get(w, w) for w in normalise(text).split())


def house_number(text: str) -> tuple[int, str, str] | None:
    """(12, "bis", "rue de Saint-Malo, Rennes") of "12 bis rue de Saint-Malo, Rennes", read by the
    place search's one rule (:func:`routing.places.split_house_number`); None without a number."""
    number, rest = split_house_number(text)
    if number is None:
        return None
    digits, _, rep = number.partition(" ")
    return int(digits), rep, rest


class PointNamer:
    """Nearest named street (walk layer) and containing commune of a point (see the module doc)."""

    def __init__(self, edges: pd.DataFrame, communes: Any = None, *, max_street_m: float = MAX_STREET_M) -> None:
        import shapely

        named = edges
        if "walk" in named.columns:
            named = named[named["walk"].fillna(False).astype(bool)]
        names = named["name"].fillna("").astype(str).str.strip()
        named = named[names != ""]
        self.max_street_m = float(max_street_m)
        self._names = named["name"].astype(str).str.strip().to_numpy()
        geoms = shapely.from_wkb(named["geometry"].to_numpy()) if len(named) else np.array([], dtype=object)
        self._lat0 = float(np.nanmean(shapely.get_coordinates(geoms)[:, 1])) if len(geoms) else 48.11
        self._kx = M_PER_DEG * np.cos(np.radians(self._lat0))
        self._lines = shapely.transform(geoms, lambda xy: xy * np.array([self._kx, M_PER_DEG])) \
            if len(geoms) else geoms
        self._tree = shapely.STRtree(self._lines) if len(geoms) else None
        self._communes = None
        if communes is not None and len(communes):
            self._communes = communes.reset_index(drop=True)
            self._commune_tree = shapely.STRtree(self._communes.geometry.to_numpy())

    @classmethod
    def for_network(cls, network: Any, communes: Any = None) -> PointNamer:
        """The namer of a :class:`~routing.network.assemble.Network`'s streets and ``communes``
        (a GeoDataFrame with ``name`` and ``geometry``, e.g. ``load_frame("communes")``)."""
        return cls(network.streets.edges, communes)

    def street(self, lon: float, lat: float) -> str | None:
        """The name of the nearest named street within ``max_street_m`` (None beyond)."""
        import shapely

        if self._tree is None or not (np.isfinite(lon) and np.isfinite(lat)):
            return None
        point = shapely.Point(float(lon) * self._kx, float(lat) * M_PER_DEG)
        hits = self._tree.query_nearest(point, max_distance=self.max_street_m, all_matches=False)
        return str(self._names[int(hits[0])]) if len(hits) else None

    def commune(self, lon: float, lat: float) -> str | None:
        """The name of the commune whose polygon contains the point (None outside them all)."""
        import shapely

        if self._communes is None or not (np.isfinite(lon) and np.isfinite(lat)):
            return None
        hits = self._commune_tree.query(shapely.Point(float(lon), float(lat)), predicate="intersects")
        return str(self._communes.loc[int(hits[0]), "name"]) if len(hits) else None

    def name(self, lon: float, lat: float) -> str | None:
        """"Rue de Paris, Rennes", "Rennes" (no street near), "Rue de Paris" (no commune) or None."""
        parts = [p for p in (self.street(lon, lat), self.commune(lon, lat)) if p]
        return ", ".join(dict.fromkeys(parts)) if parts else None

    def place(self, lon: float, lat: float) -> Place:
        """The point as a "coordinates" :class:`Place` named by :meth:`name` (its coordinates when
        nothing names it): the coordinates stay what the planner routes from."""
        street, commune = self.street(lon, lat), self.commune(lon, lat)
        if street is None:
            return Place(commune or f"{lat:.5f}, {lon:.5f}", "coordinates", float(lon), float(lat))
        return Place(street, "coordinates", float(lon), float(lat), commune=commune or "")


class AddressIndex:
    """House numbers of the BAN (:mod:`sources.loaders.addresses` columns) looked up by text."""

    def __init__(self, frame: pd.DataFrame) -> None:
        frame = frame.dropna(subset=["numero", "nom_voie", "lon", "lat"])
        pairs = frame[["nom_voie", "nom_commune"]].astype(str)
        codes, uniques = pd.factorize(pd.MultiIndex.from_frame(pairs))
        streets = list(uniques)  # (street, commune) pairs
        self._voie = np.array([s[0] for s in streets], dtype=object)
        self._commune = np.array([s[1] for s in streets], dtype=object)
        self._commune_key = np.array([normalise(c) for c in self._commune], dtype=object)
        keys = np.array([street_key(s[0]) for s in streets], dtype=object)
        self._by_key: dict[str, list[int]] = {}
        for i, key in enumerate(keys):
            self._by_key.setdefault(key, []).append(i)
        self._keys = list(self._by_key)
        self._commune_keys = sorted(set(self._commune_key), key=len, reverse=True)
        order = np.argsort(codes, kind="stable")
        self._rows = order
        self._starts = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
        self._numero = frame["numero"].to_numpy(dtype="int64")
        self._rep = frame["rep"].fillna("").astype(str).str.lower().to_numpy() if "rep" in frame else \
            np.full(len(frame), "", dtype=object)
        self._lon = frame["lon"].to_numpy(dtype="float64")
        self._lat = frame["lat"].to_numpy(dtype="float64")
        self._ids = frame["id"].fillna("").astype(str).to_numpy() if "id" in frame else \
            np.full(len(frame), "", dtype=object)

    def __len__(self) -> int:
        return len(self._numero)

    def _split_commune(self, query: str) -> tuple[str, str | None]:
        """(street part, commune key) of a normalised "rue de saint malo 35000 rennes"."""
        words = [w for w in query.split() if not (w.isdigit() and len(w) == 5)]  # a postcode
        query = " ".join(words)
        for commune in self._commune_keys:
            if query.endswith(" " + commune) and len(query) > len(commune) + 1:
                return query[: -len(commune) - 1].strip(), commune
        return query, None

    def _streets(self, street: str, commune: str | None) -> list[int]:
        from rapidfuzz import fuzz, process

        found = list(self._by_key.get(street, []))
        if not found:
            best = process.extract(street, self._keys, scorer=fuzz.ratio, limit=3, score_cutoff=MIN_STREET_SCORE)
            for key, _, _ in best[:1]:
                found = list(self._by_key[key])
        if commune is not None:
            found = [i for i in found if self._commune_key[i] == commune]
        return found

    def search(self, text: str, *, limit: int = 5) -> list[Place]:
        """The address points of "12 rue de Saint-Malo[, Rennes]": the number asked (with its
        repetition index when given, else the plain number first) on each street of that name, the
        nearest existing number when it is missing; one per commune, the nearest to Rennes first.
        Empty when the text has no house number or no street matches."""
        parts = house_number(text)
        if parts is None or not len(self):
            return []
        number, rep, rest = parts
        query = street_key(rest)
        street, commune = self._split_commune(query)
        found = self._streets(street, commune) if commune else []
        found = found or self._streets(street if commune is None else query, None)  # "rue de Rennes"
        out: list[tuple[float, Place]] = []
        for i in found:
            rows = self._rows[self._starts[i]:self._starts[i + 1]]
            if not len(rows):
                continue
            gap = np.abs(self._numero[rows] - number) * 2 + (self._rep[rows] != rep)
            j = int(rows[int(np.argmin(gap))])
            label = f"{self._numero[j]}{' ' + self._rep[j] if self._rep[j] else ''} {self._voie[i]}"
            far = float(haversine_m(RENNES_CENTRE[0], RENNES_CENTRE[1], self._lon[j], self._lat[j]))
            out.append((far, Place(label, "address", float(self._lon[j]), float(self._lat[j]), str(self._ids[j]),
                                   commune=str(self._commune[i]))))
        return [p for _, p in sorted(out, key=lambda x: x[0])[:limit]]


def address_index(*, cache: Any = None) -> AddressIndex | None:
    """The BAN address index when a verified copy is in the cache, else None (offline: absent)."""
    from routing.network.inputs import address_frame

    frame = address_frame(cache=cache)
    return AddressIndex(frame) if frame is not None and len(frame) else None
