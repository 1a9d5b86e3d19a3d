"""The README is true: every command of its "Command lines" section runs as written, on the bundle,
and exits as the README says (0; 1 where validation finds errors)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: commands the README says may exit 1 (validation finds errors in the real data)
MAY_FIND_ERRORS = {("sources", "validate")}


def readme_commands() -> list[list[str]]:
    """The commands of the README's "Command lines" fenced block: continuation lines joined, optional
    ``[...]`` parts and ``# comments`` dropped (the README's own notation), ``uv run python`` kept as
    the interpreter."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Command lines", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```(?:bash|sh)?\n(.*?)```", section, re.S).group(1)
    lines = block.replace("\\\n", " ").splitlines()
    out = []
    for line in lines:
        line = re.sub(r"\s#\s.*$", "", line).strip()
        while re.search(r"\[[^\[\]]*\]", line):  # nested optional parts, innermost first
            line = re.sub(r"\s*\[[^\[\]]*\]", "", line)
        if line:
            out.append(shlex.split(line))
    return out


def test_the_readme_lists_commands() -> None:
    commands = readme_commands()
    assert len(commands) >= 8
    assert all(c[:3] == ["uv", "run", "python"] and c[3] == "-m" for c in commands)
    assert ["uv", "run", "python", "-m", "routing", "places", "gare de rennes"] in commands


@pytest.mark.bundle
@pytest.mark.slow
def test_every_readme_command_runs_as_written(bundle_dir: Path, rennes_cache: Path, tmp_path: Path) -> None:
    env = {**os.environ, "SPMD_BUNDLE": str(bundle_dir), "SPMD_CACHE": str(rennes_cache)}
    failures = []
    for command in readme_commands():
        argv = [sys.executable, *command[3:]]
        # files the commands write go to a temporary folder (relative paths, run from there)
        result = subprocess.run(argv, cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)}, capture_output=True,
                                text=True, timeout=600)
        allowed = {0, 1} if tuple(command[4:6]) in MAY_FIND_ERRORS else {0}
        if result.returncode not in allowed:
            failures.append((shlex.join(command), result.returncode, result.stderr[-500:]))
    assert failures == []
