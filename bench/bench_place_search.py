"""Place search on the bundle's place index: what people type, keystroke by keystroke, and hostile texts.

    uv run python bench/bench_place_search.py [--repeats 30] [--bundle DIR] [--cache DIR]

Measured in one process on the places of the built network (``Network.places``, the index the
planner and the dashboard's place boxes search):

* typed texts: every prefix (2 letters and more) of about 40 texts people type (names, typos, no
  accents, abbreviations, "12 rue ..."), as a box suggesting places while typing searches them,
  ``search(text, limit=8)``: median and p95, against the baseline of a plain rapidfuzz
  ``process.extract`` (WRatio, limit 8) of the normalised text over every name of the index, the
  same texts in the same process (what a search without words, kinds or aliases costs);
* "Gares", the worst of hostile texts at the budget's length (the longest text the search
  accepts: one letter repeated, a repeated name, random punctuation, repeated markup), and a
  100 kB place name, refused by the budget before any matching, with their ratios to "Gares".

The long fuzzing of the argument parsers, the place search, the share-URL parser, the command
lines and the plain-text rendering is the tests' own properties with more examples:
``SPMD_FUZZ_EXAMPLES=2000 uv run pytest -p no:cacheprovider tests/routing/test_args_fuzz.py``.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from timing import each, line, median, repeat  # noqa: E402

from routing import load_network  # noqa: E402
from sources import UnusableInputError  # noqa: E402

#: a place name far over any length budget (100 kB)
HUGE = "République " * 9_000
#: texts as people type them (typos, no accents, lower case, abbreviations); every prefix is searched
TYPED = ["Gare de Rennes", "gare", "gare sncf", "Cesson-Sévigné", "cesson", "saint jacques de la lande",
         "st jacques de la lande", "CHU", "chu pontchaillou", "Hotel de ville", "Villejean", "Beaulieu", "Bruz",
         "Pacé", "pace", "Betton", "chantepie", "st gregoire", "thorigne", "noyal chatillon", "vezin le coquet",
         "place de la republique", "rue de st malo", "12 rue de Saint-Malo", "bd de la liberte", "rue de brest",
         "republique", "repubilque", "pontchailou", "ste anne", "la poterie", "jf kennedy", "henri freville",
         "st jacques gaite", "roazhon park", "roazon park", "champs libres", "le liberte", "parlement de bretagne",
         "hopital sud", "mairie de betton", "la prevalaye", "gayeulles", "aire de covoiturage chevaigne",
         "Cesson-Sévigné Mail de Bourgchevreuil"]


def keystrokes(texts: list[str]) -> list[str]:
    """Every prefix of 2 characters or more of each text (what a box searching as one types sends)."""
    return [t[:k] for t in texts for k in range(2, len(t) + 1)]


def search(index, text: str) -> None:
    """One search of ``text``; a refusal by the budget is its answer too."""
    try:
        index.search(text)
    except UnusableInputError:  # over the length budget
        pass


def length_budget(index) -> int:
    """The longest place text the search accepts, as its refusal of a 100 kB name states it."""
    try:
        index.search(HUGE)
    except UnusableInputError as exc:
        return int(exc.limit)
    raise SystemExit("a 100 kB place name was searched, not refused: no length budget in force")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--bundle", default=None, help="bundle dir (default $SPMD_BUNDLE)")
    parser.add_argument("--cache", default=None, help="cache directory (default $SPMD_CACHE or data/)")
    args = parser.parse_args()
    index = load_network(bundle=args.bundle, cache=args.cache).places
    from rapidfuzz import fuzz, process

    from routing.places import normalise

    names = index.frame["name"].map(normalise).tolist()
    typed = keystrokes(TYPED)
    index.search("warm up")  # the word index is built on the first search
    t_base, _ = each(lambda t: process.extract(normalise(t), names, scorer=fuzz.WRatio, limit=8), typed)
    t_search, _ = each(lambda t: index.search(t, limit=8), typed)
    print(f"place search ({len(index)} places), {len(typed)} typed texts (every prefix of {len(TYPED)} texts):")
    line("rapidfuzz process.extract (baseline)", t_base, decimals=2)
    line("PlaceIndex.search", t_search, t_base, of="the baseline's", decimals=2)
    n = length_budget(index)
    rng = random.Random(0)
    hostile = ["x" * n, ("République " * n)[:n], "".join(rng.choice("ab ,.<>[]()!é0") for _ in range(n)),
               ("![x](http://evil/)" * n)[:n]]
    base = median(repeat(lambda: search(index, "Gares"), args.repeats)[0])
    worst = max(max(repeat(lambda t=text: search(index, t), max(1, args.repeats // 5))[0]) for text in hostile)
    huge = median(repeat(lambda: search(index, HUGE), args.repeats)[0])
    print(f"'Gares' median {base * 1000:.2f} ms; worst hostile text "
          f"at the length budget ({n} characters) {worst * 1000:.2f} ms (ratio {worst / base:.1f}); "
          f"100 kB name refused in {huge * 1000:.3f} ms (ratio {huge / base:.2f})")


if __name__ == "__main__":
    main()
