"""The main job, run once for the whole test session: the README's first command
(``examples/apply-roadmap.sh``) on a fresh copy of the example, every phase, then the ``--confirm``
commands it prints, as a user types them.

``tests/conftest.py`` shares it through the session fixture ``main_job``: ``test_main_job.py``
judges the copy it leaves, and ``test_interruption_whole.py`` compares a killed and resumed run of
the same roadmap with it. The runs carry the ``tree_snapshots`` plugin, which only observes: it
records the states the copy's files have between tasks.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from roadmap_runs import EXAMPLE, NOT_TREE_INSTALLED, digest, environment, snapshotting, tree

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "examples" / "apply-roadmap.sh"
NEXT_COMMAND = re.compile(r"once done, go on with:\n\s+(pytest .+)")


@dataclass
class MainJob:
    target: Path
    first: subprocess.CompletedProcess[str]
    confirms: list[subprocess.CompletedProcess[str]] = field(default_factory=list)
    # The copy's files when the job ended (before any test looked at it).
    tree: dict[str, bytes] = field(default_factory=dict)
    # Each file's digests between the roadmap's items, over all the runs; None: absent.
    states: dict[str, set[str | None]] = field(default_factory=dict)
    # Seconds into the first run at which each of its items was reported, and its length.
    moments: list[float] = field(default_factory=list)
    duration: float = 0.0
    # Every item the runs reported: ``phase_1::group_a::1.1``, ``phase_1::checkpoint``...
    items: set[str] = field(default_factory=set)

    def run(self, *argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            argv, cwd=self.target, capture_output=True, text=True, timeout=1200, env=environment()
        )

    def orchestrate(self, *args: str) -> subprocess.CompletedProcess[str]:
        """pytest from the checkout, as the README prints it: the roadmap's project root is the
        copy, passed here as the script passes it."""
        argv = [sys.executable, "-m", "pytest", f"--project-root={self.target}", *args]
        return subprocess.run(
            argv, cwd=ROOT, capture_output=True, text=True, timeout=1800, env=environment()
        )


def output(done: subprocess.CompletedProcess[str]) -> str:
    return done.stdout + done.stderr


def original_tree() -> dict[str, str]:
    """The digests of a fresh copy's files, as the script copies the example (no coverage/)."""
    return {
        rel: digest(data)
        for rel, data in tree(EXAMPLE, NOT_TREE_INSTALLED).items()
        if not rel.startswith("coverage/")
    }


def apply_roadmap(target: Path) -> MainJob:
    """Run the script on a fresh copy at ``target``, then each printed ``--confirm`` command."""
    snapshots = target.parent / "snapshots.jsonl"
    observed = environment(**snapshotting(snapshots, target))
    began = time.time()
    first = subprocess.run(
        [str(SCRIPT)],
        cwd=ROOT,
        env={**observed, "ORCHESTRATE_DEMO_TARGET": str(target)},
        capture_output=True,
        text=True,
        timeout=2400,
    )
    job = MainJob(target, first, duration=time.time() - began)
    out = output(first)
    # Each run that stops at manual steps prints the command that confirms them; type it.
    while (found := NEXT_COMMAND.search(out)) and len(job.confirms) < 3:
        argv = shlex.split(found.group(1))
        assert argv[0] == "pytest", found.group(1)
        done = subprocess.run(
            [sys.executable, "-m", *argv],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=1800,
            env=observed,
        )
        job.confirms.append(done)
        out = output(done)
    # Beside the copy, for a look after the session: what each run printed.
    for n, done in enumerate((first, *job.confirms)):
        (target.parent / f"run{n}.out").write_text(output(done))
    job.tree = tree(target, NOT_TREE_INSTALLED)
    original = original_tree()
    lines = snapshots.read_text().splitlines() if snapshots.exists() else []
    for snap in map(json.loads, lines):
        job.items.add(snap["node"].split("::", 1)[1])
        if snap["at"] <= began + job.duration:
            job.moments.append(snap["at"] - began)
        for rel, sha in snap["files"].items():
            job.states.setdefault(rel, set()).add(sha)
    for rel in job.states:
        job.states[rel].add(original.get(rel))  # None: the file did not exist yet
    return job
