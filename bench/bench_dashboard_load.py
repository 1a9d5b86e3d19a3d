"""Dashboard under load: N browser sessions planning trips at once, and the server's memory.

    uv run python bench/bench_dashboard_load.py [--sessions 10] [--duration 120] [--bundle DIR]
                                               [--cache DIR] [--rounds 1]

Starts ``python -m dashboard`` on 127.0.0.1 (offline), plans one trip to warm it up, then
opens ``--sessions`` Playwright pages (one chromium, one context each) that keep planning
trips for ``--duration`` seconds: type an origin, type a destination, choose times and
modes, click "Calculer", wait for the cards (the loop is bounded and stops by itself).
Errors counted: console errors, page errors, failed requests, HTTP >= 400 responses, error
boxes shown to users, plans that never showed a card. The server's RSS (psutil) is sampled
every second: baseline (warm, before the sessions), peak (during) and final (``--settle``
seconds after every session closed, the time Streamlit takes to drop disconnected sessions).

The figures are printed; nothing is asserted (see tests/test_browser.py for a short version
that checks them).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from timing import median, percentile  # noqa: E402

from devkit import browser  # noqa: E402


def run_load(*, env: dict[str, str], sessions: int, duration_s: float, settle_s: float,
             log: Path, rounds: int = 1) -> dict[str, object]:
    """Start the server, warm it, run the sessions (``rounds`` times, each followed by ``settle_s``
    seconds without visitors), sample memory; returns the figures (errors of the last round)."""
    port = browser.free_port()
    proc = browser.start_streamlit(port=port, env=env, log_path=log)
    url = f"http://127.0.0.1:{port}/"
    try:
        browser.wait_healthy(port, proc=proc, timeout_s=300)
        warm_until = time.monotonic() + 600
        while True:  # one visitor plans until a card shows: the network is loaded and warm
            warm = asyncio.run(browser.run_sessions(url, sessions=1, duration_s=1.0, seed=999))
            if warm[0].plans or time.monotonic() > warm_until:
                break
        time.sleep(2.0)
        finals = []
        with browser.RssSampler(proc.pid) as rss:
            baseline = rss.rss_mb()
            for i in range(rounds):
                t0 = time.monotonic()
                stats = asyncio.run(browser.run_sessions(url, sessions=sessions, duration_s=duration_s,
                                                         seed=100 * i))
                wall = time.monotonic() - t0
                closed_at = time.monotonic()
                time.sleep(settle_s)
                finals.append(rss.rss_mb())
            peak = rss.peak_mb()
        return {"baseline_mb": baseline, "peak_mb": peak, "final_mb": finals[-1], "finals_mb": finals,
                "wall_s": wall, "settle_s": time.monotonic() - closed_at, "stats": stats,
                "warm_errors": warm[0].errors}
    finally:
        browser.stop_streamlit(proc)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--duration", type=float, default=120.0, help="seconds of planning per session")
    ap.add_argument("--settle", type=float, default=30.0, help="seconds after closing before the final RSS")
    ap.add_argument("--bundle", default=os.environ.get("SPMD_BUNDLE") or str(ROOT.parent / "shared/data/rennes"))
    ap.add_argument("--cache", default=None, help="cache dir (default: a fresh one, built before the run)")
    ap.add_argument("--log", default=None, help="keep the server's log there")
    ap.add_argument("--rounds", type=int, default=1, help="rounds of sessions (memory after each)")
    args = ap.parse_args()
    if not browser.CHROMIUM.exists():
        print("no /usr/bin/chromium: nothing measured")
        return
    with tempfile.TemporaryDirectory() as tmp:
        env = {"SPMD_BUNDLE": args.bundle, "SPMD_CACHE": args.cache or str(Path(tmp) / "cache"), "SPMD_OFFLINE": "1"}
        print(f"planner: routing.Planner; {args.sessions} sessions x {args.duration:.0f} s")
        res = run_load(env=env, sessions=args.sessions, duration_s=args.duration, settle_s=args.settle,
                       rounds=args.rounds,
                       log=Path(args.log) if args.log else Path(tmp) / "server.log")
        if res["warm_errors"]:
            print(f"warm-up errors: {res['warm_errors'][:3]}")
    stats = res["stats"]
    plans = sum(s.plans for s in stats)
    times = [t for s in stats for t in s.plan_s]
    errors = [e for s in stats for e in s.errors]
    print(f"plans completed: {plans} in {res['wall_s']:.0f} s ({plans / res['wall_s']:.2f}/s); "
          f"per session {[s.plans for s in stats]}")
    if times:
        print(f"click -> cards (browser, under load): p50 {median(times):.2f} s, p95 {percentile(times, 95):.2f} s")
    print(f"errors: {len(errors)}" + (f" e.g. {errors[:5]}" if errors else ""))
    print(f"interactions repeated (no rerun seen within 30 s, app idle): {sum(s.retries for s in stats)}")
    b, pk, f = res["baseline_mb"], res["peak_mb"], res["final_mb"]
    print(f"server RSS: baseline {b:.0f} MB, peak {pk:.0f} MB (+{pk - b:.0f}), final {f:.0f} MB "
          f"(+{f - b:.0f}, {res['settle_s']:.0f} s after closing); ratio final/baseline {f / b:.2f}")
    if len(res["finals_mb"]) > 1:
        print("RSS after each round: " + ", ".join(f"{mb:.0f} MB" for mb in res["finals_mb"]))


if __name__ == "__main__":
    main()
