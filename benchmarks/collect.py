"""``pytest --collect-only -q`` of a 5,000-task roadmap against 5,000 plain test functions.

Both are collected by the same pytest in the same run, side by side. Goal: at most 1.5x.
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
        (root / "config" / "phases.yaml").write_text(roadmap_yaml(TASKS))
        plain = root / "plain"
        plain.mkdir()
        # 50 modules of 100 functions: a realistic shape for a suite of 5,000 tests.
        for m in range(50):
            body = "".join(f"def test_{i}():\n    pass\n\n\n" for i in range(100))
            (plain / f"test_m{m}.py").write_text(body)
        common = ("--collect-only", "-q", "-p", "no:cacheprovider", "-p", "no:randomly")
        roadmap = pytest_seconds(root, "--all", *common)
        tests = pytest_seconds(root, "plain", *common)
    print(f"collect-only, {TASKS} roadmap tasks : {roadmap:6.2f} s")
    print(f"collect-only, {TASKS} test functions: {tests:6.2f} s")
    print(f"ratio roadmap / plain tests       : {roadmap / tests:6.2f}x   (goal: <= 1.5x)")


if __name__ == "__main__":
    main()
