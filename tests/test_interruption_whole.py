"""The whole bundled roadmap, killed with SIGKILL at 10 random points and resumed until it
completes, ends as the uninterrupted run ends: the main job (``main_job.py``), whose run this test
shares with ``test_main_job.py``, so it costs one more whole roadmap, not two.

The killed copy is a fresh copy of the example, made as ``examples/apply-roadmap.sh`` makes it, at
another path, with the main job's installed ``node_modules`` copied in (not symlinked: Jest and the
characterization probes then resolve everything inside the copy). It is run from the checkout as
the main job's runs are, with the bundled roadmap and ``--project-root=``, and ``--all -n 2`` with
the three manual steps (4.4, 4.9, 6.5) confirmed up front on every run: the main job confirmed them
when asked, and the confirmation is the same human answer either way. Their records, written and
read back like every task's, go through the kills too.

What is checked:

- the kill points are drawn by a seeded ``random.Random`` over the length of the main job's first
  run. A point ``p`` seconds into it, when ``n`` items had been reported and the last ``d`` seconds
  earlier, kills a resumed run ``d`` seconds after it has reported ``n`` items (its DONE items
  report at once), or ``p`` seconds after it started, whichever comes first: so the kills land all
  along the roadmap, not only in phase 1. A kill takes the whole process tree, the health server
  of the phase-6 checkpoint included;
- after every kill, every file of the project is whole: one of the states it had between items in
  the main job (recorded by ``tree_snapshots``). Not held to that, and listed instead: a write's
  temp file, a characterization's verification copies and the checkpoints' tool output
  (``left_over``; the comments on DEBRIS, SCRATCH and TOOL_OUTPUT say why each);
- every task ends done exactly once: each run reports each item once, and the one more run after
  the last shows every task DONE and every checkpoint passing;
- the completed tree equals the main job's byte for byte (the copy's own path, which the
  checkpoints' coverage reports carry, read as the main job's).
"""

from __future__ import annotations

import difflib
import json
import random
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from main_job import ROOT, MainJob
from roadmap_runs import (
    EXAMPLE,
    NOT_TREE_INSTALLED,
    RUN_TAG,
    digest,
    environment,
    kill_run,
    pytest_command,
)
from roadmap_runs import tree as runs_tree

SEED = 20240611
KILLS = 10
MANUAL = ("4.4", "4.9", "6.5")
TIMEOUT = 2400.0  # one run: an uninterrupted one takes about 8 minutes on two cores

pytestmark = pytest.mark.skipif(
    not (EXAMPLE / "node_modules").is_dir(),
    reason="run `npm ci` in examples/educonnect first (.ci/run does)",
)

# An item's line in a ``-v`` run under xdist: ``[gw0] [ 12%] CHANGED (0.37s) config/...::1.2``.
REPORTED = re.compile(
    r"^\[gw\d+\] \[\s*\d+%\] (?P<word>[A-Z][A-Z ]*?)(?: \([^)]*\))? (?P<node>\S+::\S+)", re.M
)

# A kill between creating a write's temp file and renaming it leaves the temp file (never the
# target half-written); the resumed run's next write of that file removes it.
DEBRIS = re.compile(r"\..+\.\d+\.[a-z0-9_]+\.tmp")

# Written after a kill by the checkpoints' own tools, not by the plugin's tasks, so not held to
# "one of its states between tasks": Jest and coverage.py write their reports in place (a kill
# can stop them mid-file; the next checkpoint rewrites them), and the example's health server
# script writes its pid file at the phase-6 checkpoint's start and removes it at its end.
TOOL_OUTPUT = re.compile(r"coverage/.*|\.health-server\.pid")

# TypeScript characterization checks a generated test by running three copies of it beside its
# output (``x.orchestrate-verify-<pid>-1.test.ts``...) and deletes them when Jest is done. A kill
# while Jest runs leaves them (whole: they are written atomically). Their text is a candidate test,
# which the snapshots only catch by chance, so they are not held to the snapshot states; they are
# counted after each kill, and the next verification of that output deletes a dead run's copies:
# the final byte-for-byte comparison checks that none is left.
SCRATCH = re.compile(r".+\.orchestrate-verify-\d+-\d+\.(test|spec)\.[cm]?[jt]sx?")


def project(root: Path, installed: Path) -> Path:
    """A fresh copy of the example, as the apply script makes it, with ``installed``'s
    node_modules (the script installs them with ``npm ci``; the same lockfile, the same files)."""
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("node_modules", "coverage"))
    shutil.copytree(installed / "node_modules", root / "node_modules", symlinks=True)
    return root


def command(root: Path, *extra: str) -> list[str]:
    confirms = [f"--confirm={tid}" for tid in MANUAL]
    return pytest_command(f"--project-root={root}", "--all", "-n", "2", *confirms, *extra)


def start(root: Path, output: Path, tag: str) -> subprocess.Popen[bytes]:
    with open(output, "wb") as out:
        return subprocess.Popen(
            command(root),
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=environment(**{RUN_TAG: tag}),
        )


def read(output: Path) -> str:
    return output.read_text(encoding="utf-8", errors="replace")


def reported(text: str) -> dict[str, list[str]]:
    """Each item's status words (a list: an item must be reported once)."""
    found: dict[str, list[str]] = {}
    for m in REPORTED.finditer(text):
        found.setdefault(m["node"].split("::", 1)[1], []).append(m["word"])
    return found


def started(text: str) -> list[str]:
    """Items a run started and had not reported: the ones in flight when it was killed."""
    begun = re.findall(r"^(config/phases\.yaml::\S+) *$", text, re.M)
    done = set(reported(text))
    return [n.split("::", 1)[1] for n in begun if n.split("::", 1)[1] not in done]


def tree(root: Path) -> dict[str, bytes]:
    """The project's files, node_modules left out too (installed, never written by the roadmap)."""
    return runs_tree(root, NOT_TREE_INSTALLED)


def comparable(files: dict[str, bytes], root: Path, reference: Path) -> dict[str, bytes]:
    """The tree as compared between runs. The checkpoints' tool output names the files it
    measured by their absolute paths: ``root`` is read there as ``reference``. coverage.py's JSON
    report carries the time it was written (``meta.timestamp``): that one field is dropped. Its
    data file (``coverage/.coverage-python``) is a SQLite database, whose pages hold the paths and
    a layout of their own: what it measured is compared through the JSON report made from it."""
    out = {
        rel: data.replace(str(root).encode(), str(reference).encode())
        if TOOL_OUTPUT.fullmatch(rel)
        else data
        for rel, data in files.items()
        if rel != "coverage/.coverage-python"
    }
    rel = "coverage/python-coverage.json"
    if rel in out:
        data = json.loads(out[rel])
        data.get("meta", {}).pop("timestamp", None)
        out[rel] = json.dumps(data, sort_keys=True).encode()
    return out


def differences(reference: dict[str, bytes], got: dict[str, bytes]) -> str:
    """What differs between two trees: the paths, and a diff of the first few text files."""
    lines = []
    for rel in sorted(set(reference) | set(got)):
        a, b = reference.get(rel), got.get(rel)
        if a == b:
            continue
        lines.append(
            f"{rel}: {'absent' if a is None else len(a)} -> "
            f"{'absent' if b is None else len(b)} bytes"
        )
        if a is not None and b is not None and len(lines) < 40:
            diff = difflib.unified_diff(
                a.decode(errors="replace").splitlines(),
                b.decode(errors="replace").splitlines(),
                "uninterrupted",
                "resumed",
                lineterm="",
                n=1,
            )
            lines += list(diff)[:40]
    return "\n".join(lines)


def torn(root: Path, states: dict[str, set[str | None]]) -> list[str]:
    """Files of the project that are not in one of their whole states (or should not exist)."""
    current = {rel: data for rel, data in tree(root).items() if not left_over(rel)}
    bad = [rel for rel, data in current.items() if digest(data) not in states.get(rel, ())]
    bad += [
        rel
        for rel, shas in states.items()
        if rel not in current and None not in shas and not left_over(rel)
    ]
    return sorted(bad)


def left_over(rel: str) -> bool:
    """A file a kill can leave that is not one of the roadmap's targets: a write's temp file, a
    characterization's verification copy, a tool's output (each named above)."""
    return bool(DEBRIS.fullmatch(Path(rel).name) or SCRATCH.fullmatch(Path(rel).name)) or bool(
        TOOL_OUTPUT.fullmatch(rel)
    )


def wait_for(proc: subprocess.Popen[bytes], output: Path, timeout: float = TIMEOUT) -> str:
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        raise AssertionError(f"run did not end in {timeout}s:\n{read(output)[-6000:]}") from None
    return read(output)


def check_done(text: str, tasks: set[str], checkpoints: set[str]) -> None:
    """Every task DONE, every checkpoint passing (OK, or DONE: it passed in an earlier run and
    every task of its phase is still done), each reported once."""
    got = reported(text)
    assert set(got) == tasks | checkpoints, text[-6000:]
    assert {n: w for n, w in got.items() if n in tasks} == {n: ["DONE"] for n in tasks}, text
    assert all(got[n] in (["OK"], ["DONE"]) for n in checkpoints), text[-6000:]


def interrupted_runs(base: Path, reference: MainJob) -> str:
    """A fresh copy at ``base/educonnect``, killed at each point and resumed until a run
    completes; then the checks. Returns the figures."""
    rng = random.Random(SEED)
    duration, moments, states = reference.duration, sorted(reference.moments), reference.states
    points = sorted(rng.uniform(0, duration) for _ in range(KILLS))
    root = project(base / "educonnect", reference.target)
    checkpoints = {n for n in reference.items if n.endswith("::checkpoint")}
    tasks = reference.items - checkpoints
    runs, ended_early = 0, 0
    kills: list[tuple[float, float, int, list[str], list[str]]] = []
    began = time.monotonic()
    for point in [*points, None]:
        runs += 1
        output = base / f"run{runs}.out"
        tag = f"{base}/{runs}"
        proc = start(root, output, tag=tag)
        if point is None:  # the last run goes to the end
            text = wait_for(proc, output)
            assert proc.returncode == 0, text[-6000:]
            assert all(len(words) == 1 for words in reported(text).values()), text[-6000:]
            break
        count = sum(1 for m in moments if m <= point)
        lag = point - max([m for m in moments if m <= point], default=0.0)
        run_began, reached = time.monotonic(), None
        while proc.poll() is None:
            now = time.monotonic()
            if reached is None and len(reported(read(output))) >= count:
                reached = now
            if (reached is not None and now - reached >= lag) or now - run_began >= point:
                break
            time.sleep(0.1)
        if proc.poll() is not None:  # it ended before its kill point
            ended_early += 1
            assert proc.returncode == 0, read(output)[-6000:]
            continue
        in_flight = started(read(output))
        kill_run(proc, tag)
        at = time.monotonic() - run_began
        assert all(len(words) == 1 for words in reported(read(output)).values()), read(output)
        left = sorted(rel for rel in tree(root) if left_over(rel) and not rel.startswith("cov"))
        kills.append((point, at, len(reported(read(output))), in_flight, left))
        assert torn(root, states) == [], f"after kill {len(kills)} ({at:.1f}s into run {runs})"
    campaign = time.monotonic() - began

    final = comparable(tree(root), root, reference.target)
    expected = comparable(reference.tree, reference.target, reference.target)
    assert final == expected, differences(expected, final)
    output = base / "check.out"
    proc = start(root, output, tag=str(output))
    check_done(wait_for(proc, output), tasks, checkpoints)

    lines = [
        f"kill {n}: point {point:.1f} s, {at:.1f} s into its run, after {count} items; in "
        f"flight: {', '.join(in_flight) or 'none'}; left: {', '.join(left) or 'nothing'}"
        for n, (point, at, count, in_flight, left) in enumerate(kills, 1)
    ]
    lines.append(
        f"{len(kills)} kills at {', '.join(f'{p:.1f}' for p in points)} s of the main job's "
        f"first run of {duration:.1f} s ({len(moments)} items; {len(tasks)} tasks in all); "
        f"{runs} runs to complete ({ended_early} ended before their kill point) in "
        f"{campaign:.1f} s; {len(final)} files equal byte for byte"
    )
    return "\n".join(lines)


def test_the_whole_roadmap_killed_at_random_points_and_resumed_ends_as_an_uninterrupted_run(
    main_job: MainJob, tmp_path: Path
) -> None:
    for done in (main_job.first, *main_job.confirms):
        assert done.returncode == 0, (done.stdout + done.stderr)[-6000:]
    assert len([n for n in main_job.items if n.endswith("::checkpoint")]) == 6, main_job.items
    print(interrupted_runs(tmp_path, main_job))
