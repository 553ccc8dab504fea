"""Rerunning a fully done 5,000-task roadmap against ``--collect-only`` of it.

Every task is recorded done by a first run; the rerun must execute nothing again and cost little
more than collecting. Goal: at most 1.3x.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import pytest_seconds, roadmap_yaml  # noqa: E402

TASKS = 5000


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "config").mkdir()
        (root / "marks").mkdir()
        # Each task leaves a mark, so a rerun that executed anything would be caught.
        (root / "config" / "phases.yaml").write_text(roadmap_yaml(TASKS, run="true"))
        quiet = ("-q", "-p", "no:randomly")
        first = pytest_seconds(root, "--all", *quiet, repeat=1)
        rerun = pytest_seconds(root, "--all", *quiet)
        collect = pytest_seconds(root, "--all", "--collect-only", *quiet)
        records = sum(1 for _ in (root / ".pytest_cache" / "d" / "orchestrate" / "tasks").rglob("*.json"))
    print(f"first run, {TASKS} tasks executed     : {first:6.2f} s  ({records} done records)")
    print(f"rerun, all {TASKS} tasks DONE         : {rerun:6.2f} s")
    print(f"collect-only of the same roadmap     : {collect:6.2f} s")
    print(f"ratio rerun / collect-only           : {rerun / collect:6.2f}x   (goal: <= 1.3x)")


if __name__ == "__main__":
    main()
