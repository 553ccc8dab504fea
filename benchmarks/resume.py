"""Rerunning a fully done 5,000-task roadmap against ``--collect-only`` of it.

Every task is recorded done by a first run; the rerun must execute nothing again and cost little
more than collecting. Goal: at most 1.3x. Each task touches and declares one file, so the rerun
also checks 5,000 recorded files against the disk (DONE is verified, not trusted).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import pytest_seconds, roadmap_yaml

TASKS = 5000


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "config").mkdir()
        (root / "marks").mkdir()
        # Each task leaves a mark (and its record a stamp of it): a rerun that executed anything
        # would be caught, and every DONE is checked against the disk.
        (root / "config" / "phases.yaml").write_text(roadmap_yaml(TASKS, writes=True))
        quiet = ("-q", "-p", "no:randomly")
        first = pytest_seconds(
            root, "--all", *quiet, repeat=1, warm_up=False
        )  # it must execute every task
        rerun = pytest_seconds(root, "--all", *quiet)
        collect = pytest_seconds(root, "--all", "--collect-only", *quiet)
        records = sum(
            1 for _ in (root / ".pytest_cache" / "d" / "orchestrate" / "tasks").rglob("*.json")
        )
        # For scale: what pytest itself pays to report 5,000 skipped plain tests over collecting
        # them.
        plain = root / "plain"
        plain.mkdir()
        for m in range(50):
            body = "".join(f"def test_{i}():\n    pass\n\n\n" for i in range(100))
            (plain / f"test_m{m}.py").write_text(
                f"import pytest\npytestmark = pytest.mark.skip(reason='done')\n\n{body}"
            )
        plain_skip = pytest_seconds(root, "plain", *quiet)
        plain_collect = pytest_seconds(root, "plain", "--collect-only", *quiet)
    print(f"first run, {TASKS} tasks executed     : {first:6.2f} s  ({records} done records)")
    print(f"rerun, all {TASKS} tasks DONE (verified): {rerun:6.2f} s")
    print(f"collect-only of the same roadmap     : {collect:6.2f} s")
    print(f"ratio rerun / collect-only           : {rerun / collect:6.2f}x   (goal: <= 1.3x)")
    print(
        f"for scale, pytest on {TASKS} plain tests: all skipped {plain_skip:.2f} s / collect-only "
        f"{plain_collect:.2f} s = {plain_skip / plain_collect:.2f}x"
    )


if __name__ == "__main__":
    main()
