"""Places: what a person types ("République", "gare", "chu", "12 rue de St-Malo", "48.11,-1.68")
resolved to coordinates.

The index holds places of several kinds, each with its commune: metro stations, stops (one place
per stop name and commune, at its platforms' centroid), the communes of Rennes Métropole (at
their town centre), landmarks (``assets/landmarks.csv``, with aliases: "gare", "CHU", "Hôtel de
Ville"...), neighbourhoods (IRIS), streets, then car parks, bike-share stations, carpool places
and chargers. :data:`PlaceIndex.KIND_ORDER` is that priority.

Matching works on words (:func:`search_key`): lower case, accents, hyphens and apostrophes
folded, common abbreviations expanded (St/Ste, Bd, Av, Pl, R...). A word typed is found in a
name when it equals a word of it, starts one (3 letters or more; the last word, still being
typed, from 1 letter), or is within a typo of one (rapidfuzz ratio >= 80, 4 letters or more);
the words of the place's commune count too, for less. Ranking, in order: the whole name (or
an alias) typed as it is, then but for stop words or spaces ("champs libres", "lhermitage"), the share of the words found (:data:`MIN_QUALITY` at least, see
:func:`match_quality`), how well they match (exact > prefix > typo; name > commune), the
name starting with the text, the kind's priority, then rapidfuzz's WRatio of the whole text.
A word index (sorted vocabulary, postings per word) keeps a search to a few milliseconds on
the whole index.

Text that matches nothing well gets :class:`PlaceNotFound` with near misses as suggestions,
never a silent guess. "12 rue X": house numbers are not in the offline data, so the street is
found and the place carries a note saying so (:func:`split_house_number`). Coordinates are
"lat,lon" (latitude first, as people write them, see :func:`routing.args.parse_coordinates`);
NaN, infinities and numbers out of range are never coordinates and never matched to a name
either. A text longer than ``budgets().max_place_chars`` is refused before any search.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from routing import args as _args
from routing.messages import Msg
from sources.budgets import budgets

#: share of the typed words (by length) a name must contain for a match (see :func:`match_quality`)
MIN_QUALITY = 0.6
#: words that do not count when they are missing from a name
STOP_WORDS = frozenset("a au aux d de des du en et l la le les sur".split())
#: abbreviations people type (and stop names use), expanded in both the text and the names
ABBREVIATIONS = {
    "st": "saint", "ste": "sainte", "bd": "boulevard", "bld": "boulevard", "bvd": "boulevard",
    "av": "avenue", "ave": "avenue", "pl": "place", "r": "rue", "rte": "route", "imp": "impasse",
    "sq": "square", "fg": "faubourg", "fbg": "faubourg", "esp": "esplanade", "prom": "promenade",
    "pdt": "president", "dr": "docteur", "mal": "marechal", "gal": "general", "pkg": "parking",
}
#: a typed word within this rapidfuzz ratio of a word of a name is that word with a typo
TYPO_RATIO = 80
#: weight of a word found: in the name exactly, as a prefix, with a typo; in the commune's name
_EXACT, _PREFIX, _TYPO = 3.0, 2.0, 1.0
_COMMUNE_FACTOR = 0.6
#: a text with a house number: "12", "12 bis", "12b", "12, " before the street
_HOUSE_NUMBER = re.compile(r"^\s*(\d{1,4})\s*(bis|ter|quater|[a-d])?\s*,?\s+(?=\D)(.*)$", re.IGNORECASE)


@dataclass(frozen=True)
class Place:
    """A place found: ``kind`` is one of :data:`PlaceIndex.KIND_ORDER` or "coordinates";
    ``commune`` the commune it lies in ("" when unknown); ``detail`` a kind-specific word (a
    landmark's category, e.g. "hospital"); ``note`` a :class:`~routing.messages.Msg` to show
    with it (house numbers not in the data); ``score`` how well it matched (0-100)."""

    name: str
    kind: str
    lon: float
    lat: float
    id: str = ""
    commune: str = ""
    detail: str = ""
    note: str = field(default="", compare=False)
    score: float = field(default=0.0, compare=False)

    def label(self, lang: str = "fr") -> str:
        """``"Name, Commune (kind)"`` in ``lang`` (the commune when the name does not say it)."""
        if self.kind == "coordinates":
            return self.name
        from sources.i18n import known, translate

        kind = translate(f"kind.{self.kind}", lang) if known(f"kind.{self.kind}") else self.kind
        town = f", {self.commune}" if self.commune and normalise(self.commune) not in normalise(self.name) else ""
        return f"{self.name}{town} ({kind})"

    def as_dict(self) -> dict[str, Any]:
        """Plain fields for JSON (name, kind, commune, lat, lon, score, and the note when there is one)."""
        out = {"name": self.name, "kind": self.kind, "commune": self.commune, "lat": round(self.lat, 6),
               "lon": round(self.lon, 6), "score": round(float(self.score), 1)}
        if self.detail:
            out["detail"] = self.detail
        if self.note:
            out["note"] = str(self.note)
        return out


class PlaceNotFound(LookupError):
    """No place matches the text; ``suggestions`` lists near misses; ``reason`` says why the text
    is not a place at all (e.g. coordinates out of range), when it is not only unknown."""

    def __init__(self, text: str, suggestions: list[Place], *, reason: str | None = None) -> None:
        self.text, self.suggestions, self.reason = text, suggestions, reason
        shown = text if len(text) <= 60 else text[:60] + "…"
        if reason:  # the reader is told what a position looks like, in their language
            self.msg = Msg("place.not_a_position", text=shown)
        elif suggestions:
            self.msg = Msg("place.not_found_suggest", text=shown,
                           suggestions=", ".join(p.name for p in suggestions[:3]))
        else:
            self.msg = Msg("place.not_found", text=shown)
        super().__init__(str(self.msg))


def normalise(text: str) -> str:
    """Lower case, accents removed, punctuation folded to spaces: "Rue de l'Hôtel-Dieu" -> "rue de l hotel dieu"."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def search_key(text: str) -> str:
    """:func:`normalise` with the :data:`ABBREVIATIONS` expanded: "Bd de la Liberté" -> "boulevard de la liberte"."""
    return " ".join(ABBREVIATIONS.get(w, w) for w in normalise(text).split())


def _content(key: str) -> str:
    words = key.split()
    return " ".join(w for w in words if w not in STOP_WORDS) or key


def split_house_number(text: str) -> tuple[str | None, str]:
    """``"12 bis rue de Saint-Malo"`` -> ``("12 bis", "rue de Saint-Malo")``; no number: ``(None, text)``."""
    m = _HOUSE_NUMBER.match(str(text))
    if not m or not re.search(r"[^\W\d_]", m.group(3)):
        return None, str(text)
    number = m.group(1) + (f" {m.group(2).lower()}" if m.group(2) else "")
    return number, m.group(3).strip()


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


def _word_found(w: str, n: str, last: bool = False) -> bool:
    from rapidfuzz import fuzz

    return (n == w or (len(w) >= (1 if last else 3) and n.startswith(w))
            or (len(w) >= 4 and fuzz.ratio(w, n) >= TYPO_RATIO))


def match_quality(query: str, key: str) -> float:
    """Share (by length) of the words of ``query`` found in ``key`` (both :func:`search_key`), from 0 to 1.

    A word is found when a word of the name equals it, starts with it (3 letters or more:
    "beau" in "beaulieu"), or is within a typo of it (rapidfuzz ratio >= 80, 4 letters or
    more: "repuplique"). Missing stop words ("de", "la"...) do not count; a match needs a word
    of 3 letters or more (or the whole name). The index computes the same per word for every
    name at once (:meth:`PlaceIndex.search`), the last word typed being allowed shorter prefixes.
    """
    words = list(dict.fromkeys(query.split()))
    content = [w for w in words if w not in STOP_WORDS] or words
    names = key.split()
    total = sum(len(w) for w in content)
    if not total:
        return 0.0
    found, longest = 0, 0
    for w in content:
        if any(_word_found(w, n) for n in names):
            found, longest = found + len(w), max(longest, len(w))
    if longest < 3 and query != key:  # "1" or "de la" alone is no evidence of a name
        return 0.0
    return found / total


_WS = re.compile(r"\s+")
_SMALL_WORDS = frozenset("de du des la le les et en sur sous aux au a".split())
_DISPLAY_ABBREVIATIONS = {"av": "Avenue", "bd": "Boulevard", "pl": "Place", "st": "Saint", "ste": "Sainte",
                          "dr": "Docteur", "pkg": "Parking", "r": "Rue", "rte": "Route", "ch": "Chemin"}


def readable_name(raw: str, *, communes: dict[str, str] | None = None) -> str:
    """A name written in capitals made readable: ``"CESSON SEVIGNE- MAIL DE BOURGCHEVREUIL"`` ->
    ``"Cesson-Sévigné – Mail de Bourgchevreuil"`` (title case, small words in lower case, "D ARMORIQUE"
    -> "d'Armorique", abbreviations written out, a leading commune given its official spelling from
    ``communes``: :func:`normalise`\\ d name -> name). Names with lower-case letters are kept as they are
    (trimmed)."""
    name = _WS.sub(" ", str(raw)).strip()
    letters = [c for c in name if c.isalpha()]
    if not letters or sum(c.isupper() for c in letters) < 0.8 * len(letters):
        return name
    parts = [p.strip() for p in re.split(r"\s*[-–]\s+|\s+[-–]\s*", name) if p.strip()]
    out = []
    for i, part in enumerate(parts):
        key = normalise(part)
        if communes and key in communes:
            out.append(communes[key])
            continue
        if i == 0 and communes:  # "CESSON SEVIGNE MAIL X": the longest leading run of words naming a commune
            words = key.split()
            for k in range(len(words) - 1, 0, -1):
                if " ".join(words[:k]) in communes:
                    out.append(communes[" ".join(words[:k])])
                    part = " ".join(part.split()[k:])
                    break
        words = []
        tokens = part.split()
        for j, tok in enumerate(tokens):
            low = tok.lower()
            if low in ("d", "l") and j + 1 < len(tokens):  # "D ARMORIQUE" -> "d'Armorique"
                words.append(low + "'")
                continue
            if low in _DISPLAY_ABBREVIATIONS and (j + 1 < len(tokens)):
                word = _DISPLAY_ABBREVIATIONS[low]
            elif low in _SMALL_WORDS and j > 0:
                word = low
            else:
                word = "-".join(s[:1].upper() + s[1:] for s in low.split("-"))
            words.append(word)
        text = " ".join(words).replace("' ", "'")
        if text:
            out.append(text)
    return " – ".join(out) if out else name


class PlaceIndex:
    """A searchable table of places: name, kind, lon, lat, id, and optionally commune, detail,
    aliases ("|"-separated other names). One place per (name, kind, commune): same-named rows
    (the platforms of a stop) are merged at their centroid."""

    #: kinds in priority order (ranks used when the words match equally well)
    KIND_ORDER = {"metro": 0, "stop": 1, "commune": 2, "landmark": 3, "neighbourhood": 4, "street": 5,
                  "parking": 6, "bikeshare": 7, "carpool": 8, "charger": 9}
    #: rank of a kind not in KIND_ORDER
    OTHER_RANK = 10

    def __init__(self, places: pd.DataFrame) -> None:
        frame = places.dropna(subset=["name", "lon", "lat"]).copy()
        for column in ("id", "commune", "detail", "aliases"):
            frame[column] = frame[column].fillna("").astype(str) if column in frame else ""
        frame["name"] = frame["name"].astype(str).str.strip()
        frame = frame[frame["name"] != ""]
        frame["key"] = frame["name"].map(search_key)
        frame["kind_rank"] = frame["kind"].map(self.KIND_ORDER).fillna(self.OTHER_RANK).astype(int)
        # one entry per (key, kind, commune): the platforms of a stop collapse at their centroid
        frame = (frame.sort_values(["kind_rank", "key"], kind="stable")
                 .groupby(["key", "kind", "commune"], as_index=False, sort=False)
                 .agg(name=("name", "first"), lon=("lon", "mean"), lat=("lat", "mean"), id=("id", "first"),
                      detail=("detail", "first"), kind_rank=("kind_rank", "first"),
                      aliases=("aliases", lambda a: "|".join(dict.fromkeys(x for s in a for x in s.split("|") if x)))))
        self.frame = frame.reset_index(drop=True)
        self._words: _WordIndex | None = None

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> PlaceIndex:
        """Rebuild an index from its own ``frame`` (as saved by the network cache)."""
        index = cls.__new__(cls)
        frame = frame.reset_index(drop=True)
        for column in ("id", "commune", "detail", "aliases"):
            if column not in frame:
                frame[column] = ""
        index.frame = frame
        index._words = None
        return index

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def words(self) -> _WordIndex:
        if self._words is None:
            self._words = _WordIndex(self.frame)
        return self._words

    def search(self, text: str, *, limit: int = 8, kinds: tuple[str, ...] | None = None) -> list[Place]:
        """Best matches first, only those of :data:`MIN_QUALITY` or more (none: see :meth:`suggest`).
        Coordinates are returned as a single "coordinates" place; invalid coordinates match nothing.
        A house number before a street ("12 rue X") is dropped and said in the place's ``note``.
        A text over ``budgets().max_place_chars`` raises :class:`~sources.budgets.BudgetExceeded`."""
        return self._search(text, limit=limit, kinds=kinds, good=True)

    def suggest(self, text: str, *, limit: int = 3, kinds: tuple[str, ...] | None = None) -> list[Place]:
        """Near misses of a text that has no good match (what "did you mean" lists)."""
        return self._search(text, limit=limit, kinds=kinds, good=False)

    def resolve(self, text: str, *, kinds: tuple[str, ...] | None = None) -> Place:
        """The best match, or :class:`PlaceNotFound` (with suggestions) when nothing is close enough."""
        hits = self.search(text, limit=1, kinds=kinds)
        if hits:
            return hits[0]
        raise PlaceNotFound(text, self.suggest(text, kinds=kinds), reason=coordinates_error(text))

    def _search(self, text: str, *, limit: int, kinds: tuple[str, ...] | None, good: bool) -> list[Place]:
        text = str(text)
        budgets().check("max_place_chars", len(text), what="place name")
        coords = parse_coordinates(text)
        if coords is not None:
            return [Place(f"{coords[1]:.5f}, {coords[0]:.5f}", "coordinates", coords[0], coords[1],
                          score=100.0)] if good else []
        if coordinates_error(text) is not None or not len(self.frame) or limit <= 0:
            return []
        number, street_text = split_house_number(text)
        query = search_key(street_text)
        if not query:
            return []
        typed = normalise(street_text).split()
        raw_last = typed[-1] if typed and typed[-1] in ABBREVIATIONS else ""
        rows, scores = self.words.rank(query, good=good, limit=limit, raw_last=raw_last,
                                       allowed=self._kind_mask(kinds) if kinds else None)
        note: str = ""
        out = []
        frame = self.frame
        for r, score in zip(rows, scores, strict=True):
            row = frame.iloc[int(r)]
            if number is not None and good and row["kind"] == "street":
                note = Msg("place.no_house_numbers", number=number, street=str(row["name"]))
            elif number is not None and good:
                note = Msg("place.number_ignored", number=number)
            out.append(Place(str(row["name"]), str(row["kind"]), float(row["lon"]), float(row["lat"]),
                             str(row["id"]), str(row["commune"]), str(row["detail"]), note=note,
                             score=float(score)))
            note = ""
        return out

    def _kind_mask(self, kinds: tuple[str, ...]) -> np.ndarray:
        return self.frame["kind"].isin(kinds).to_numpy()


class _WordIndex:
    """The words of every name and alias (and of the places' communes): a sorted vocabulary with,
    per word, the name rows holding it, so that a search touches only the names sharing a word."""

    def __init__(self, frame: pd.DataFrame) -> None:
        keys: list[str] = []
        place: list[int] = []
        for i, (key, aliases) in enumerate(zip(frame["key"], frame["aliases"], strict=True)):
            forms = [key, *(search_key(a) for a in str(aliases).split("|") if a.strip())]
            for form in dict.fromkeys(f for f in forms if f):
                keys.append(form)
                place.append(i)
        self.keys = keys
        self.place = np.asarray(place, dtype=np.int64)
        self.content = [_content(k) for k in keys]
        self.kind_rank = frame["kind_rank"].to_numpy()[self.place].astype(np.int64)
        self.key_len = np.array([len(k) for k in keys], dtype=np.int64)
        communes = frame["commune"].map(search_key).to_numpy()[self.place] if len(keys) else np.array([])
        postings: dict[str, list[int]] = {}
        commune_postings: dict[str, list[int]] = {}
        for row, (key, commune) in enumerate(zip(keys, communes, strict=True)):
            for w in set(key.split()):
                postings.setdefault(w, []).append(row)
            for w in set(str(commune).split()) - set(key.split()):
                commune_postings.setdefault(w, []).append(row)
        self.vocab = sorted(set(postings) | set(commune_postings))
        self.postings = [np.asarray(postings.get(w, ()), dtype=np.int64) for w in self.vocab]
        self.commune_postings = [np.asarray(commune_postings.get(w, ()), dtype=np.int64) for w in self.vocab]
        self._position = {w: i for i, w in enumerate(self.vocab)}
        self._by_key: dict[str, list[int]] = {}
        self._by_content: dict[str, list[int]] = {}  # without stop words, or without spaces
        for row, (key, content) in enumerate(zip(keys, self.content, strict=True)):
            self._by_key.setdefault(key, []).append(row)
            for form in dict.fromkeys((content, key.replace(" ", ""))):
                self._by_content.setdefault(form, []).append(row)

    def _matches(self, forms: list[str], last: bool) -> tuple[np.ndarray, np.ndarray]:
        """Vocabulary positions a typed word (its ``forms``) finds, with the weight of each match."""
        from rapidfuzz import fuzz, process

        found: dict[int, float] = {}
        for form in forms:
            at = self._position.get(form)
            if at is not None:
                found[at] = _EXACT
            if len(form) >= (1 if last else 3):
                lo = bisect.bisect_left(self.vocab, form)
                hi = bisect.bisect_left(self.vocab, form + "\x7f")
                for i in range(lo, hi):
                    found.setdefault(i, _PREFIX)
            if len(form) >= 4 and at is None:
                for _, _, i in process.extract(form, self.vocab, scorer=fuzz.ratio, score_cutoff=TYPO_RATIO,
                                               limit=None):
                    found.setdefault(i, _TYPO)
        return np.fromiter(found.keys(), np.int64, len(found)), np.fromiter(found.values(), float, len(found))

    def rank(self, query: str, *, good: bool, limit: int, allowed: np.ndarray | None,
             raw_last: str = "") -> tuple[np.ndarray, np.ndarray]:
        """Place rows best first and their scores (0-100): matches of :data:`MIN_QUALITY` or more
        (``good``), else the near misses (some word found, or a close WRatio). ``raw_last``: the
        last word as typed when it is an abbreviation ("st" may be "saint" or the start of "stade")."""
        from rapidfuzz import fuzz, process

        n = len(self.keys)
        words = list(dict.fromkeys(query.split()))
        content = [w for w in words if w not in STOP_WORDS] or words
        total = float(sum(len(w) for w in content))
        found_len = np.zeros(n)
        strength = np.zeros(n)
        longest = np.zeros(n, dtype=np.int64)
        for k, w in enumerate(content):
            last = len(content) > 1 and k == len(content) - 1  # still being typed: any prefix
            forms = [w, raw_last] if last and raw_last and raw_last != w else [w]
            at, weight = self._matches(forms, last)
            best = np.zeros(n)
            for postings, factor in ((self.postings, 1.0), (self.commune_postings, _COMMUNE_FACTOR)):
                lists = [postings[i] for i in at]
                if lists:
                    rows = np.concatenate(lists)
                    np.maximum.at(best, rows, np.repeat(weight * factor, [len(x) for x in lists]))
            hit = best > 0
            found_len += hit * len(w)
            strength += best * len(w)
            longest = np.where(hit, np.maximum(longest, len(w)), longest)
        quality = found_len / total if total else found_len
        # 2: the name or an alias typed; 1: the same but for stop words or spaces ("lhermitage")
        exact = np.zeros(n, np.int64)
        for form in (_content(query), query.replace(" ", "")):
            exact[self._by_content.get(form, [])] = 1
        exact[self._by_key.get(query, [])] = 2
        quality = np.where((longest < 3) & (exact == 0), 0.0, quality)
        if good:
            cand = np.flatnonzero((quality >= MIN_QUALITY - 1e-9) | (exact > 0))
        else:
            cand = np.flatnonzero((quality > 0) & (quality < MIN_QUALITY - 1e-9) & (exact == 0))
        if allowed is not None:
            cand = cand[allowed[self.place[cand]]]
        if not len(cand):
            if good:
                return np.zeros(0, np.int64), np.zeros(0)
            # nothing shares a word: the names closest by WRatio (60 or more)
            pool = np.flatnonzero(allowed[self.place]) if allowed is not None else np.arange(n)
            hits = process.extract(query, [self.keys[i] for i in pool], scorer=fuzz.WRatio, score_cutoff=60,
                                   limit=limit * 4)
            cand = np.asarray([pool[h[2]] for h in hits], dtype=np.int64)
            if not len(cand):
                return np.zeros(0, np.int64), np.zeros(0)
        ratio = process.cdist([query], [self.keys[i] for i in cand], scorer=fuzz.WRatio, workers=1)[0]
        qc = _content(query)
        prefix = np.array([self.keys[i].startswith(query) or self.content[i].startswith(qc) for i in cand],
                          dtype=np.int64)
        order = np.lexsort((self.key_len[cand], -ratio, self.kind_rank[cand], -prefix,
                            -np.round(strength[cand] / max(total, 1.0), 3), -np.round(quality[cand], 3),
                            -exact[cand]))
        rows: list[int] = []
        scores: list[float] = []
        seen: set[int] = set()
        for j in order:
            p = int(self.place[cand[j]])
            if p in seen:
                continue
            seen.add(p)
            rows.append(p)
            fuzzy = float(ratio[j]) * (0.5 + 0.5 * float(quality[cand[j]]))
            scores.append({2: 100.0, 1: 99.0}.get(int(exact[cand[j]]), fuzzy))
            if len(rows) >= limit:
                break
        return np.asarray(rows, dtype=np.int64), np.asarray(scores)
