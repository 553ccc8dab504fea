"""A roadmap run killed with SIGKILL at random points, resumed each time until it completes.

Why not the whole bundled roadmap: ``--all -n 2`` on a copy of the example takes about seven
minutes (phases 2, 3 and 5 generate tests that Jest checks file by file, and the checkpoints run
the example's suites), far past CI's budget for one test. The roadmap here is the bundled one's
phases 1 and 4, which are what ``examples/apply-roadmap.sh`` applies and hold every file-writing
task the bundled roadmap has apart from test generation: config_edit on the example's Jest config
and CI workflow, file_generation with the bundled templates. Left out are the manual steps (they
only wait for a human) and the checkpoints (they run Jest and pytest over the example: minutes).
Added are command tasks that append a line to a file of the project, the side effect to count.

What is checked:

- after every kill, every file of the project is whole: its bytes are one of the states it had
  between tasks in an uninterrupted run (recorded by ``tree_snapshots``); a temp file a kill left
  mid-write is not a project file, and the resumed run removes it;
- the run is resumed (the same command) until it completes, and then the tree equals, byte for
  byte, the tree of an uninterrupted run: each task's effect is there exactly once;
- one more run shows every task DONE (its record says so and still matches the disk);
- resuming repeats only the task in flight and tasks whose record a later edit of a shared file
  outdated (they say ``drift:``).
"""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from roadmap_runs import (
    EXAMPLE,
    digest,
    finish,
    kill_run,
    run,
    snapshotting,
    start,
    statuses,
    tree,
)

pytestmark = pytest.mark.skipif(not (EXAMPLE / "src").is_dir(), reason="needs examples/educonnect")

BUNDLED = Path(__file__).resolve().parent.parent / "config" / "phases.yaml"
SEED = 20240611
KILLS = 10
ARGS = ("--all",)


def command(tid: str) -> dict[str, Any]:
    """A command task whose effect is one line in ``effects.log``; each execution that reaches
    the effect is also counted in the file ``$EXECUTIONS`` names (outside the project).
    Idempotent, as the README asks of tasks: run again, it adds nothing."""
    script = (
        f'sleep 0.1; echo {tid} >> "$EXECUTIONS"; '
        f"grep -qx 'effect {tid}' effects.log 2>/dev/null || echo 'effect {tid}' >> effects.log; "
        "sleep 0.1"
    )
    return {"id": tid, "name": f"effect {tid}", "type": "command", "run": script}


def roadmap() -> dict[str, Any]:
    """The bundled phases 1 and 4 without manual tasks and checkpoints, plus command tasks."""
    bundled = yaml.safe_load(BUNDLED.read_text())
    kept: dict[str, Any] = {"orchestrator": bundled["orchestrator"]}
    kept["orchestrator"]["settings"].update(retry_attempts=0, timeout_minutes=2)
    kept["orchestrator"]["settings"].pop("project_root")  # the copy is the rootdir here
    for key, extra in (("phase_1", ["1.11", "1.12"]), ("phase_4", ["4.10", "4.11"])):
        phase = {k: v for k, v in bundled[key].items() if k != "checkpoint"}
        for group in phase["groups"].values():
            group["tasks"] = [t for t in group["tasks"] if t["type"] != "manual"]
        letter = "x" if key == "phase_1" else "y"
        phase["groups"][f"group_{letter}"] = {
            "name": "Side effects",
            "execution": "sequential",
            "tasks": [{**command(tid), "writes": ["effects.log"]} for tid in extra],
        }
        kept[key] = phase
    kept["phase_4"]["depends_on"] = ["phase_1"]
    return kept


def project(root: Path) -> Path:
    """A copy of the example (no node_modules), with the roadmap."""
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("node_modules", "coverage"))
    (root / "config").mkdir()
    (root / "config" / "phases.yaml").write_text(yaml.safe_dump(roadmap(), sort_keys=False))
    return root


def task_ids(root: Path) -> list[str]:
    data = yaml.safe_load((root / "config" / "phases.yaml").read_text())
    return [
        t["id"]
        for key, phase in data.items()
        if key.startswith("phase_")
        for group in phase["groups"].values()
        for t in group["tasks"]
    ]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One run to the end: its tree, every state each file had between tasks, how long it took."""
    base = tmp_path_factory.mktemp("uninterrupted")
    root = project(base / "app")
    original = {rel: digest(data) for rel, data in tree(root).items()}
    snapshots = base / "snapshots"
    began = time.monotonic()
    code, out = run(
        root,
        base / "out",
        *ARGS,
        env={**snapshotting(snapshots, root), "EXECUTIONS": str(base / "runs")},
    )
    duration = time.monotonic() - began
    assert code == 0, out
    assert set(statuses(out)) == set(task_ids(root)), out
    states: dict[str, set[str | None]] = {}
    for line in snapshots.read_text().splitlines():
        for rel, sha in json.loads(line)["files"].items():
            states.setdefault(rel, set()).add(sha)
    for rel in states:
        states[rel].add(original.get(rel))  # None: the file did not exist yet
    final = tree(root)
    assert set(states) == set(final)
    return {"tree": final, "states": states, "duration": duration, "runs": base / "runs"}


# A kill between creating a write's temp file and renaming it leaves the temp file (never the
# target half-written); the resumed run's next write of that file removes it, which the final
# byte-for-byte comparison checks.
DEBRIS = re.compile(r"\..+\.\d+\.[a-z0-9_]+\.tmp")


def torn(root: Path, states: dict[str, set[str | None]]) -> list[str]:
    """Files of the project that are not in one of their whole states (or should not exist)."""
    current = {
        rel: data for rel, data in tree(root).items() if not DEBRIS.fullmatch(Path(rel).name)
    }
    bad = [rel for rel, data in current.items() if digest(data) not in states.get(rel, ())]
    bad += [rel for rel, shas in states.items() if rel not in current and None not in shas]
    return sorted(bad)


def check_executions(
    commands: list[str], executed: list[str], outputs: list[str], kills: int
) -> int:
    """Resuming runs again only what it must: a task that finished and was recorded runs again
    only when its record no longer matches the disk, and then says so (``drift:``): its shared
    file was changed by a later task whose own record the kill lost. Each kill interrupts at most
    one task (one process, one task at a time). Returns how many executions were repeats."""
    reported: dict[str, int] = {}
    for out in outputs:
        for line in out.splitlines():
            for tid in commands:
                if f"::{tid} CHANGED" in line:
                    reported[tid] = reported.get(tid, 0) + 1
                    assert reported[tid] == 1 or "drift: effects.log changed" in line, line
    assert sorted(reported) == sorted(commands) == sorted(set(executed))
    assert len(executed) <= sum(reported.values()) + kills, (executed, reported)
    return len(executed) - len(commands)


def test_killed_at_random_points_and_resumed_ends_as_an_uninterrupted_run(
    tmp_path: Path, uninterrupted: dict[str, Any]
) -> None:
    rng = random.Random(SEED)
    duration = uninterrupted["duration"]
    reference, states = uninterrupted["tree"], uninterrupted["states"]
    commands = [line.split()[0] for line in uninterrupted["runs"].read_text().splitlines()]
    kills, campaigns, runs_made, attempt, reran = 0, 0, 0, 0, 0
    points: list[float] = []
    while kills < KILLS:
        campaigns += 1
        runs = tmp_path / f"runs{campaigns}"
        root = project(tmp_path / f"app{campaigns}")
        env = {"EXECUTIONS": str(runs)}
        ids = task_ids(root)
        campaign_kills, outputs = 0, []
        while True:  # the same command again, until a run completes
            attempt += 1
            output = tmp_path / f"out{attempt}"
            delay = rng.uniform(0, duration) if kills < KILLS else None
            tag = f"{tmp_path}/{attempt}"
            proc = start(root, output, *ARGS, tag=tag, env=env)
            runs_made += 1
            try:
                proc.wait(delay)
            except subprocess.TimeoutExpired:  # still running at the kill point
                kill_run(proc, tag)
                kills += 1
                campaign_kills += 1
                assert delay is not None
                points.append(delay)
                assert torn(root, states) == [], f"after kill {kills} at {delay:.2f}s"
                outputs.append(output.read_text())
                continue
            outputs.append(finish(proc, output))
            assert proc.returncode == 0, outputs[-1]
            break
        assert tree(root) == reference, f"campaign {campaigns}, {campaign_kills} kills"
        code, out = run(root, tmp_path / f"check{campaigns}", *ARGS, env=env)
        assert code == 0 and statuses(out) == {tid: ["DONE"] for tid in ids}, out
        executed = [line.split()[0] for line in runs.read_text().splitlines()]
        reran += check_executions(commands, executed, outputs, campaign_kills)
    print(
        f"{kills} kills at {', '.join(f'{p:.2f}' for p in points)} s (uninterrupted run "
        f"{duration:.1f} s); {campaigns} campaigns, {runs_made} runs; {reran} command "
        "executions repeated"
    )
