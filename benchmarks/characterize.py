"""Seconds per source file to characterize the example's TypeScript sources, serially and on
two worker processes (as ``pytest -n 2`` would spread the tasks), measured side by side.

For each source: the whole ``characterize_ts`` call (plan, one probe run of Jest, selection,
rendering, verification in three copies, and a second verification when a case was dropped), and
the share of that time spent waiting for Jest. Runs on fresh copies of ``examples/educonnect``
with its installed node_modules linked in. Pass source paths to time only those.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
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


def characterize(root: Path, source: str) -> tuple[str, float, float, int]:
    timing = Timing()
    output = "tests/generated/" + source.removeprefix("src/").replace(".ts", ".gen.test.ts")
    result = characterize_ts(
        root, source, task_id="bench", estimated_tests=None, output=output, params={}, timing=timing
    )
    return source, timing.total, timing.runner, result.tests


def copy_example(scratch: Path, name: str) -> Path:
    root = scratch / name / "educonnect"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("node_modules", "coverage"))
    (root / "node_modules").symlink_to(EXAMPLE / "node_modules")
    return root


def main(only: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        serial_root = copy_example(scratch, "serial")
        chosen = only or sources(serial_root)
        rows: list[tuple[str, float, float, int]] = []
        start = time.perf_counter()
        for source in chosen:
            row = characterize(serial_root, source)
            rows.append(row)
            _, total, runner, tests = row
            print(
                f"{source:42} {total:6.1f} s  runner {runner / total:4.0%}  {tests:3} cases",
                flush=True,
            )
        serial = time.perf_counter() - start
        totals = [r[1] for r in rows]
        runner_share = sum(r[2] for r in rows) / sum(totals)
        print(
            f"{len(rows)} sources: median {statistics.median(totals):.1f} s, "
            f"total {sum(totals):.0f} s, "
            f"{runner_share:.0%} of it in Jest"
        )
        # Two workers, each on its own copy (as xdist workers share one target, but the files they
        # write differ): the wall time of the same sources.
        roots = [copy_example(scratch, f"worker{n}") for n in range(2)]
        start = time.perf_counter()
        with ProcessPoolExecutor(2) as pool:
            list(pool.map(characterize, [roots[i % 2] for i in range(len(chosen))], chosen))
        parallel = time.perf_counter() - start
        print(
            f"wall time: serial {serial:.0f} s, 2 workers {parallel:.0f} s "
            f"({serial / parallel:.2f}x; {parallel / len(chosen):.1f} s per source)"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
