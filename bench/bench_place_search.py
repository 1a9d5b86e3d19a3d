"""Place search on the bundle's place index against hostile texts: the length budget keeps them cheap.

    uv run python bench/bench_place_search.py [--repeats 30] [--bundle DIR] [--cache DIR]

Measured in one process on the places of the built network (``Network.places``, the index the
planner and the dashboard's place boxes search): a search of "Gares" (the baseline), the worst of
hostile texts at the budget's length (the longest text the search accepts: one letter repeated,
a repeated name, random punctuation, repeated markup), and a 100 kB place name, refused by the
budget before any matching. Printed: medians, the worst, and their ratios to the baseline.

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

from timing import median, repeat  # noqa: E402

from routing import load_network  # noqa: E402
from sources import UnusableInputError  # noqa: E402

#: a place name far over any length budget (100 kB)
HUGE = "République " * 9_000


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
    n = length_budget(index)
    rng = random.Random(0)
    hostile = ["x" * n, ("République " * n)[:n], "".join(rng.choice("ab ,.<>[]()!é0") for _ in range(n)),
               ("![x](http://evil/)" * n)[:n]]
    base = median(repeat(lambda: search(index, "Gares"), args.repeats)[0])
    worst = max(max(repeat(lambda t=text: search(index, t), max(1, args.repeats // 5))[0]) for text in hostile)
    huge = median(repeat(lambda: search(index, HUGE), args.repeats)[0])
    print(f"place search ({len(index)} places): 'Gares' median {base * 1000:.2f} ms; worst hostile text "
          f"at the length budget ({n} characters) {worst * 1000:.2f} ms (ratio {worst / base:.1f}); "
          f"100 kB name refused in {huge * 1000:.3f} ms (ratio {huge / base:.2f})")


if __name__ == "__main__":
    main()
