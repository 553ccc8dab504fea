"""Seconds per source file to characterize the example's TypeScript sources, serially.

For each source: the whole ``characterize_ts`` call (plan, one probe run of Jest, selection,
rendering, verification in three copies, and a second verification when a case was dropped), and
the share of that time spent waiting for Jest. Runs on a fresh copy of ``examples/educonnect``
with its installed node_modules linked in. Pass source paths to time only those.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from pytest_orchestrate.tasks.test_generation.characterize_ts import Timing, characterize_ts

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "educonnect"
SKIP = {"src/server.ts", "src/app.ts"}


def sources(root: Path) -> list[str]:
    return sorted(
        p.relative_to(root).as_posix()
        for p in (root / "src").rglob("*.ts")
        if p.relative_to(root).as_posix() not in SKIP and not p.name.endswith(".d.ts")
    )


def main(only: list[str]) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "educonnect"
        shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("node_modules", "coverage"))
        (root / "node_modules").symlink_to(EXAMPLE / "node_modules")
        rows: list[tuple[str, float, float, int]] = []
        for source in only or sources(root):
            timing = Timing()
            output = "tests/generated/" + source.removeprefix("src/").replace(".ts", ".gen.test.ts")
            result = characterize_ts(
                root,
                source,
                task_id="bench",
                estimated_tests=None,
                output=output,
                params={},
                timing=timing,
            )
            rows.append((source, timing.total, timing.runner, result.tests))
            print(
                f"{source:42} {timing.total:6.1f} s  runner {timing.runner / timing.total:4.0%}  "
                f"{result.tests:3} cases",
                flush=True,
            )
        totals = [r[1] for r in rows]
        runner = sum(r[2] for r in rows) / sum(totals)
        print(
            f"{len(rows)} sources: median {statistics.median(totals):.1f} s, "
            f"total {sum(totals):.0f} s, "
            f"{runner:.0%} of it in Jest"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
