"""A command run as a child process and measured: exit code, seconds, its own peak resident memory
(``os.wait4``'s ``ru_maxrss``, the child's alone), stdout and stderr; under a 4 GB address-space
limit, as the hardening probe ran, and killed at a (generous) timeout rather than left to hang."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMIT_AS = 4 * 1024**3


@dataclass
class Measured:
    code: int | None  # None: killed at the timeout
    seconds: float
    peak_mb: float
    stdout: str
    stderr: str

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


def run_measured(args: list[str], *, timeout_s: float = 300.0, env: dict[str, str] | None = None,
                 limit_bytes: int = LIMIT_AS) -> Measured:
    """``python <args>`` from the repository's root, measured (see the module doc) under an
    address-space limit of ``limit_bytes``."""

    def _limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))

    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([sys.executable, *args], stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                preexec_fn=_limit, cwd=ROOT,
                                env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})
        code: int | None = None
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                code = os.waitstatus_to_exitcode(status)
                break
            if time.perf_counter() - t0 > timeout_s:
                proc.kill()
                _, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        proc.returncode = -9 if code is None else code  # reaped here: Popen must not wait again
        out.seek(0)
        err.seek(0)
        return Measured(code, time.perf_counter() - t0, usage.ru_maxrss / 1024,
                        out.read().decode(errors="replace"), err.read().decode(errors="replace"))
