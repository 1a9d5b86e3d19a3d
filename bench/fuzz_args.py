"""Longer fuzzing of the argument parsers, the place search, the share-URL parser, the command
lines' argument parsing and the plain-text rendering (the properties of tests/test_fuzz_args.py).

    uv run python bench/fuzz_args.py [--examples 2000] [--seed N] [--bundle-index]

Each property runs ``--examples`` random inputs (not derandomised: a new seed each run unless
``--seed``); a failure prints hypothesis's shrunk example and the script exits 1. Also measured:
the worst time of one place search over budget-length texts, against a search of "Gares" in the
same process (the budget keeps a hostile text as cheap as a short name).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _properties(examples: int) -> tuple:
    os.environ["SPMD_FUZZ_EXAMPLES"] = str(examples)  # read by tests/test_fuzz_args.py at import
    from tests import test_fuzz_args as props

    return props, (
        props.test_argument_parsers_return_a_value_or_an_argument_error,
        props.test_place_search_returns_places_or_a_clean_refusal,
        props.test_share_url_parser_never_raises,
        props.test_cli_argument_parsing_is_a_namespace_or_one_line_and_exit_2,
        props.test_plain_text_never_renders_markup_and_keeps_the_text,
    )


def search_times(index, repeats: int = 30) -> dict[str, float]:
    """Median seconds of a search of "Gares", worst of hostile texts at the budget's length, and of
    a 100 kB place name (refused by the budget before any search)."""
    from sources.budgets import budgets

    n = budgets().max_place_chars
    rng = random.Random(0)
    hostile = ["x" * n, ("République " * n)[:n], "".join(rng.choice("ab ,.<>[]()!é0") for _ in range(n)),
               ("![x](http://evil/)" * n)[:n]]

    def timed(text: str) -> float:
        t0 = time.perf_counter()
        try:
            index.search(text)
        except ValueError:  # sources.budgets.BudgetExceeded
            pass
        return time.perf_counter() - t0

    base = statistics.median(timed("Gares") for _ in range(repeats))
    worst = max(timed(text) for text in hostile for _ in range(max(1, repeats // 5)))
    huge = statistics.median(timed("République " * 9_000) for _ in range(repeats))
    return {"base": base, "worst": worst, "huge": huge}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--examples", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--bundle-index", action="store_true",
                    help="also time the searches on the bundle's place index ($SPMD_BUNDLE, cached network)")
    args = ap.parse_args()
    props, properties = _properties(args.examples)
    failed = 0
    for prop in properties:
        runner = prop
        if args.seed is not None:
            from hypothesis import seed

            runner = seed(args.seed)(prop)
        t0 = time.perf_counter()
        try:
            runner()
            status = "ok"
        except Exception as exc:  # a property failed: hypothesis has printed the shrunk example
            failed += 1
            status = f"FAILED: {type(exc).__name__}: {str(exc)[:200]}"
        elapsed = time.perf_counter() - t0
        print(f"{prop.__name__:<70} {args.examples:>6} examples  {elapsed:6.1f} s  {status}")
    indexes = [("6 test places", props.INDEX)]
    if args.bundle_index:
        from routing.network import load_network

        indexes.append(("bundle places", load_network().places))
    for name, index in indexes:
        m = search_times(index)
        print(f"place search ({name}, {len(index)}): 'Gares' median {m['base'] * 1000:.2f} ms; worst hostile text "
              f"at the length budget {m['worst'] * 1000:.2f} ms (ratio {m['worst'] / m['base']:.1f}); "
              f"100 kB name refused in {m['huge'] * 1000:.3f} ms (ratio {m['huge'] / m['base']:.2f})")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
