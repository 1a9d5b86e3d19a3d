"""The public faces of the packages: ``import routing`` and ``import sources`` are lazy and every
name of their ``__all__`` resolves; routing's errors share one base."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from routing import NoEVRoute, NoRoute, RoutingError, TimetableError

ROOT = Path(__file__).resolve().parent.parent


def test_routing_errors_share_one_base() -> None:
    assert issubclass(NoRoute, RoutingError) and issubclass(NoEVRoute, RoutingError)
    assert issubclass(RoutingError, RuntimeError)
    assert issubclass(TimetableError, RoutingError) and issubclass(TimetableError, ValueError)
    assert TimetableError("x", field="duration_s").field == "duration_s"


def test_public_api_is_lazy_and_complete() -> None:
    code = ("import sys, routing, sources; assert 'numpy' not in sys.modules, 'numpy at import'; "
            "[getattr(routing, n) for n in routing.__all__]; [getattr(sources, n) for n in sources.__all__]; "
            "print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "ok"
