"""The long fuzz run over GTFS-realtime feeds and the command-line arguments (a bounded one runs in
the tests, derandomised, a few dozen examples per property).

    uv run python bench/fuzz_realtime.py [--examples 2000]

Runs the same hypothesis properties with ``SPMD_FUZZ_EXAMPLES`` examples each, random:
random bytes and random FeedMessages through the GTFS-RT loaders (a table or a clean error),
random trip updates on the tiny feed (no connection or journey runs backwards in time), and the
argument parsing of every ``python -m routing`` command (a namespace or one line and exit 2).
Prints the time taken; exits with pytest's code (1 with the falsifying example shown).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROPERTIES = [
    "tests/sources/test_loaders_gtfs_rt.py::test_random_bytes_give_a_table_or_a_clean_error",
    "tests/sources/test_loaders_gtfs_rt.py::test_random_feed_messages_give_a_table_or_a_clean_error",
    "tests/routing/test_transit_realtime.py::test_no_trip_update_makes_time_run_backwards",
    "tests/routing/test_args_fuzz.py::test_argument_parsers_return_a_value_or_an_argument_error",
    "tests/routing/test_args_fuzz.py::test_cli_argument_parsing_is_a_namespace_or_one_line_and_exit_2",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=2000)
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    code = subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *PROPERTIES],
                           cwd=ROOT, env={**os.environ, "SPMD_FUZZ_EXAMPLES": str(args.examples)})
    print(f"{len(PROPERTIES)} properties x {args.examples} examples: {time.perf_counter() - t0:.0f} s, exit {code}")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
