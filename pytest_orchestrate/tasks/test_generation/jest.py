"""Run the target's own Jest on just the generated files, to check they pass as written.

Jest runs in band (one process: the files are few, and a 2-core machine runs several tasks at
once under xdist) with a cache folder of its own per process, so concurrent tasks never share a
half-written transform cache. Coverage is off: a ``coverageThreshold`` in the target's config
would fail a run whose tests all pass.

It does not decide what to do with a failure; the handler restores the files and reports.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ...errors import TaskFailed
from ..process import Completed, run

MAX_REPORT_LINES = 40
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def jest_binary(root: Path) -> Path:
    """The target's installed Jest, or a task failure saying how to install it."""
    binary = root / "node_modules" / ".bin" / "jest"
    if not binary.exists():
        raise TaskFailed(
            f"Jest is not installed in {root.name}/node_modules: run `npm ci` in the project root "
            "first, so the generated tests can be checked"
        )
    return binary


def cache_dir(root: Path) -> Path:
    """A Jest cache folder per project and process: xdist workers never share one."""
    digest = hashlib.sha256(os.fsencode(root.resolve())).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / "pytest-orchestrate-jest" / f"{digest}-{os.getpid()}"


def jest_argv(root: Path, files: Sequence[str]) -> list[str]:
    """The command that runs ``files`` (project-relative) with the target's own config."""
    return [
        str(jest_binary(root)),
        "--ci",
        "--runInBand",
        "--coverage=false",
        f"--cacheDirectory={cache_dir(root)}",
        "--runTestsByPath",
        *files,
    ]


def run_jest(root: Path, files: Sequence[str], *, timeout: float) -> Completed:
    """Run Jest on ``files`` in ``root``; the result's output is what the user needs to see."""
    return run(
        jest_argv(root, files),
        shell=False,
        cwd=root,
        env={"CI": "true", "FORCE_COLOR": "0"},
        timeout=timeout,
    )


def failure_summary(completed: Completed) -> str:
    """The failing part of Jest's output: from the first ``●`` block, or the tail, trimmed."""
    if completed.timed_out:
        return "Jest did not finish in time"
    lines = ANSI.sub("", completed.output).rstrip().splitlines()
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("●")), None)
    chosen = (
        lines[start : start + MAX_REPORT_LINES] if start is not None else lines[-MAX_REPORT_LINES:]
    )
    return "\n".join(line.rstrip() for line in chosen)
