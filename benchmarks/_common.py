"""Helpers shared by the benchmarks: generated roadmaps and timed pytest runs."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path


def roadmap_yaml(
    tasks: int,
    *,
    phases: int = 6,
    groups_per_phase: int = 2,
    run: str = "true",
    writes: bool = False,
) -> str:
    """A roadmap of ``tasks`` command tasks spread over phases and groups
    (alternating execution). With ``writes``, task N touches and declares ``marks/N``, so its
    record stamps a file that a rerun checks against the disk."""
    lines: list[str] = []
    per_group = max(1, tasks // (phases * groups_per_phase))
    n = 0
    letter = 0
    for p in range(1, phases + 1):
        lines += [f"phase_{p}:", f"  name: Phase {p}", "  groups:"]
        for g in range(groups_per_phase):
            key = _letters(letter)
            letter += 1
            execution = "parallel" if g % 2 else "sequential"
            lines += [
                f"    group_{key}:",
                f"      name: Group {key}",
                f"      execution: {execution}",
                "      tasks:",
            ]
            count = per_group if (p, g) != (phases, groups_per_phase - 1) else tasks - n
            for _ in range(count):
                n += 1
                argv = f'["touch", "marks/{n}"], writes: ["marks/{n}"]' if writes else f'["{run}"]'
                lines.append(
                    f'        - {{id: "{p}.{n}", name: "task {n}", type: command, argv: {argv}}}'
                )
    return "\n".join(lines) + "\n"


def _letters(i: int) -> str:
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(97 + r) + out
    return out


def pytest_seconds(cwd: Path, *args: str, repeat: int = 3, warm_up: bool = True) -> float:
    """Best wall-clock time of ``python -m pytest ARGS`` over ``repeat`` runs
    (exit code must be 0 or 5)."""
    best = float("inf")
    # As users run it: bytecode (and pytest's rewritten plugin modules) cached, so importing the
    # plugin is not re-measured on both sides of every ratio.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if warm_up:  # one untimed run first, so bytecode and caches are warm for every timed one
        subprocess.run(
            [sys.executable, "-m", "pytest", *args], cwd=cwd, env=env, capture_output=True
        )
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "pytest", *args],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        elapsed = time.perf_counter() - start
        if done.returncode not in (0, 5):
            raise SystemExit(
                f"pytest {' '.join(args)} failed ({done.returncode}):\n{done.stdout[-3000:]}"
            )
        best = min(best, elapsed)
    return best
