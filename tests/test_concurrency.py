"""Two roadmap runs at once on one target, as real OS processes (``python -m pytest`` twice).

The roadmap is small on purpose: the bundled phases 2 and 4 are Jest-backed test generation
(about 8 s a task, 10 tasks, then a coverage checkpoint: minutes) and need phase 1 done first. This
one keeps the shape that matters. Phases 2, 3 and 4 edit files of their own (the example's Jest
config; a generated fixture; the CI workflow and a generated runbook) and all of them add a line to
one shared file, ``CHANGELOG.md``, through a plugin task type that declares no ``writes``: the
dependency graph cannot keep those writers apart, only ``Workspace.locked`` can. Files declared by
two phases would be ordered by the graph instead (the later phase waits), so the shared file is the
undeclared one, as the README describes for plugin types.

Each scenario is judged against a serial run of the same phases on a fresh copy: every file
byte-equal, and a later run finds everything recorded.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from roadmap_runs import (
    NOTE_TYPE,
    copy_example,
    finish,
    run,
    start,
    statuses,
    tree,
)

pytestmark = pytest.mark.skipif(
    not (Path(__file__).parent.parent / "examples" / "educonnect" / "src").is_dir(),
    reason="needs examples/educonnect",
)


def note(tid: str, line: str, pause: float, meet: bool = False) -> dict[str, Any]:
    """A task of the plugin type ``note``: add ``line`` to the shared CHANGELOG.md (``meet``:
    first wait for the other run to get there too)."""
    params = {"file": "CHANGELOG.md", "line": line, "pause": pause, "meet": meet}
    return {"id": tid, "name": f"log {line}", "type": "note", "params": params}


def edit(tid: str, target: str, action: str, **params: str) -> dict[str, Any]:
    task = {"id": tid, "name": action, "type": "config_edit", "target": target, "action": action}
    return {**task, "params": params} if params else task


def generate(tid: str, template: str, output: str) -> dict[str, Any]:
    return {
        "id": tid,
        "name": template,
        "type": "file_generation",
        "template": template,
        "output": output,
    }


def phase(name: str, group: str, tasks: list[dict[str, Any]]) -> dict[str, Any]:
    """A phase of one sequential group that depends on nothing, so it can run alone."""
    group_body = {"name": name, "execution": "sequential", "tasks": tasks}
    return {"name": name, "depends_on": [], "groups": {group: group_body}}


JEST, CI = "jest.config.js", ".github/workflows/ci.yml"
ROADMAP = {
    "orchestrator": {"settings": {"retry_attempts": 0, "timeout_minutes": 2}},
    "phase_2": phase(
        "Service coverage",
        "group_c",
        [
            note("2.1", "2.1 coverage", 0.3, meet=True),
            edit("2.2", JEST, "expand_coverage_collection"),
            edit("2.3", JEST, "add_directory_thresholds"),
            note("2.4", "2.4 thresholds", 0.1),
        ],
    ),
    "phase_3": phase(
        "Fixtures",
        "group_d",
        [
            note("3.1", "3.1 fixtures", 0.3),
            generate("3.2", "users.fixture.ts.j2", "tests/fixtures/users.fixture.ts"),
            {
                "id": "3.3",
                "name": "marker",
                "type": "command",
                "run": "mkdir -p out && printf 'fixtures\\n' > out/fixtures.txt",
                "writes": ["out/fixtures.txt"],
            },
        ],
    ),
    "phase_4": phase(
        "Pipeline",
        "group_e",
        [
            note("4.1", "4.1 pipeline", 0.3, meet=True),
            edit("4.2", CI, "implement_staging_deploy"),
            edit("4.3", CI, "implement_production_deploy"),
            generate("4.4", "runbook.md.j2", "docs/runbooks/deployment.md"),
            note("4.5", "4.5 runbook", 0.1),
        ],
    ),
}

TASKS = {
    "2": ["2.1", "2.2", "2.3", "2.4"],
    "3": ["3.1", "3.2", "3.3"],
    "4": ["4.1", "4.2", "4.3", "4.4", "4.5"],
}
NOTES = {"2.1", "2.4", "3.1", "4.1", "4.5"}  # the tasks that edit the shared, undeclared file
LINES = {"2.1 coverage", "2.4 thresholds", "3.1 fixtures", "4.1 pipeline", "4.5 runbook"}


def project(root: Path) -> Path:
    """A fresh target: a copy of the example's files, the roadmap, and the plugin task type."""
    root.mkdir(parents=True)
    copy_example(root)
    (root / "config").mkdir()
    (root / "config" / "phases.yaml").write_text(yaml.safe_dump(ROADMAP, sort_keys=False))
    (root / "conftest.py").write_text(NOTE_TYPE)
    return root


def phase_args(phases: str) -> list[str]:
    return [arg for p in phases for arg in ("--phase", p)]


@pytest.fixture(scope="module")
def serial(tmp_path_factory: pytest.TempPathFactory):
    """``serial("24")``: the tree after one run of phases 2 and 4 (one process: serial)."""
    trees: dict[str, dict[str, bytes]] = {}

    def result(phases: str) -> dict[str, bytes]:
        if phases not in trees:
            base = tmp_path_factory.mktemp(f"serial{phases}")
            root = project(base / "app")
            code, out = run(root, base / "out", *phase_args(phases))  # one process: serial
            assert code == 0, out
            trees[phases] = tree(root)
        return trees[phases]

    return result


class Sampler(threading.Thread):
    """Reads shared files over and over while runs write them; every read must be a whole file."""

    def __init__(self, root: Path) -> None:
        super().__init__(daemon=True)
        self.root, self.stop, self.reads, self.torn = root, threading.Event(), 0, []

    def run(self) -> None:
        while not self.stop.is_set():
            for rel, whole in (("CHANGELOG.md", _whole_log), (".github/workflows/ci.yml", _yaml)):
                try:
                    data = (self.root / rel).read_text()
                except FileNotFoundError:
                    continue
                self.reads += 1
                if not whole(data):
                    self.torn.append((rel, data))
            time.sleep(0.002)


def _whole_log(text: str) -> bool:
    lines = text.splitlines()
    return text.endswith("\n") and lines == sorted(set(lines)) and set(lines) <= LINES


def _yaml(text: str) -> bool:
    try:
        return text.endswith("\n") and isinstance(yaml.safe_load(text), dict)
    except yaml.YAMLError:
        return False


def at_once(tmp_path: Path, *selections: str) -> tuple[Path, list[str], Sampler]:
    """Start one run per selection, sample the shared files while they run, and wait for all of
    them; every run must succeed. The first note task of each run waits for the other run's, so
    both reach CHANGELOG.md together whatever their start-up times."""
    root = project(tmp_path / "app")
    sampler = Sampler(root)
    sampler.start()
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    env = {"NOTE_BARRIER": str(barrier), "NOTE_PARTIES": str(len(selections))}
    procs = [
        (start(root, tmp_path / f"run{n}", *phase_args(s), env=env), tmp_path / f"run{n}")
        for n, s in enumerate(selections)
    ]
    outputs = [finish(proc, out) for proc, out in procs]
    sampler.stop.set()
    sampler.join()
    for (proc, _), out in zip(procs, outputs):
        assert proc.returncode == 0, out
    assert sampler.reads > 0 and sampler.torn == []
    return root, outputs, sampler


def rerun(root: Path, tmp_path: Path, phases: str, name: str) -> dict[str, list[str]]:
    code, out = run(root, tmp_path / name, *phase_args(phases))
    assert code == 0, out
    found = statuses(out)
    assert sorted(found) == sorted(t for p in phases for t in TASKS[p]), out
    return found


def check_records(root: Path, tmp_path: Path, phases: str) -> None:
    """A third run changes nothing and finds every task DONE: the records are consistent. That
    includes a note task that changed the shared file before the *other* run changed it again: its
    own stamp is outdated, and the other run's record of its edit continues from it."""
    before = tree(root)
    third = rerun(root, tmp_path, phases, "third")
    assert tree(root) == before
    assert {tid: words for tid, words in third.items() if words != ["DONE"]} == {}


def test_two_runs_of_the_same_phase_at_once(tmp_path: Path, serial) -> None:
    root, outputs, _ = at_once(tmp_path, "2", "2")
    for out in outputs:
        assert set(statuses(out)) == set(TASKS["2"])
    assert tree(root) == serial("2")
    check_records(root, tmp_path, "2")


def test_phase_2_and_phase_4_in_two_terminals_at_once(tmp_path: Path, serial) -> None:
    """The spec's example: ``pytest --phase 2`` and ``pytest --phase 4`` at once on one copy.

    Both write CHANGELOG.md in their first task, at the same moment (each holds the lock for
    0.3 s between read and write): without the lock, one run's line is lost."""
    root, outputs, _ = at_once(tmp_path, "2", "4")
    assert [sorted(statuses(out)) for out in outputs] == [sorted(TASKS["2"]), sorted(TASKS["4"])]
    assert tree(root) == serial("24")
    assert (root / "CHANGELOG.md").read_text().splitlines() == sorted(
        ["2.1 coverage", "2.4 thresholds", "4.1 pipeline", "4.5 runbook"]
    )
    check_records(root, tmp_path, "24")


def test_two_runs_of_overlapping_phases_at_once(tmp_path: Path, serial) -> None:
    """``--phase 2 --phase 3`` beside ``--phase 3 --phase 4``: phase 3 runs in both. Task 2.1
    waits for 4.1, after the second run's phase 3, and they write CHANGELOG.md together."""
    root, _, _ = at_once(tmp_path, "23", "34")
    assert tree(root) == serial("234")
    assert (root / "CHANGELOG.md").read_text().splitlines() == sorted(LINES)
    check_records(root, tmp_path, "234")


# -- locks that cannot be had ---------------------------------------------------------------------

# Holds the lock of ``params.file`` until ``params.release`` exists, after saying so by creating
# ``params.holding`` (both outside the project).
HOLD_TYPE = """
import time
from pathlib import Path

from pytest_orchestrate import Result


def hold(task, workspace, settings):
    with workspace.locked(task.params["file"]):
        Path(task.params["holding"]).touch()
        deadline = time.monotonic() + 60
        while not Path(task.params["release"]).exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    return Result.ok("held")


def pytest_orchestrate_register_task_types(registry):
    registry.add("hold", hold)
"""


def lock_project(root: Path, signals: Path) -> Path:
    """Phase 1 holds the Jest config's lock; phase 2 edits the Jest config with a 3 s timeout."""
    root.mkdir(parents=True)
    copy_example(root, ("jest.config.js", "package.json", "src"))
    files = {"file": JEST, "holding": str(signals / "holding"), "release": str(signals / "release")}
    hold = {"id": "1.1", "name": "hold", "type": "hold", "params": files}
    slow = {**edit("2.1", JEST, "expand_coverage_collection"), "timeout_minutes": 0.05}
    roadmap = {
        "orchestrator": {"settings": {"retry_attempts": 0}},
        "phase_1": phase("Holder", "group_a", [hold]),
        "phase_2": phase("Waiter", "group_b", [slow]),
    }
    (root / "config").mkdir()
    (root / "config" / "phases.yaml").write_text(yaml.safe_dump(roadmap, sort_keys=False))
    (root / "conftest.py").write_text(HOLD_TYPE)
    return root


@pytest.mark.parametrize("workers", [[], ["-n", "1"]], ids=["serial", "xdist"])
def test_a_lock_held_past_the_timeout_fails_the_task_naming_its_holder(
    tmp_path: Path, workers: list[str]
) -> None:
    """Another run holds jest.config.js's lock for longer than task 2.1's timeout (3 s): 2.1 fails
    with a short message naming that run's pid and command, and leaves the file alone."""
    if workers:
        pytest.importorskip("xdist")
    root = lock_project(tmp_path / "app", tmp_path)
    before = (root / JEST).read_bytes()
    holder = start(root, tmp_path / "holder.out", *workers, "--phase", "1")
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "holding").exists():
            assert holder.poll() is None and time.monotonic() < deadline, (
                tmp_path / "holder.out"
            ).read_text()
            time.sleep(0.05)
        began = time.monotonic()
        code, out = run(root, tmp_path / "waiter.out", "--phase", "2")
        waited = time.monotonic() - began
    finally:
        (tmp_path / "release").touch()
        held = finish(holder, tmp_path / "holder.out")
    assert holder.returncode == 0, held
    assert code == 1 and statuses(out) == {"2.1": ["FAILED"]}, out
    assert "Traceback" not in out
    assert f"{JEST}: another run held its lock for longer than the task's timeout (3s)" in out
    (said,) = [line for line in out.splitlines() if "held by pid" in line]
    if workers:  # the lock is held by the worker; the message names it and the run it serves
        assert f"(xdist worker gw0 of pid {holder.pid}: " in said
        assert said.endswith("-m pytest -p no:randomly -v -rA -n 1 --phase 1)")
    else:
        assert f": held by pid {holder.pid}: " in said
        assert said.endswith("-m pytest -p no:randomly -v -rA --phase 1")
    assert (root / JEST).read_bytes() == before
    assert waited < 30


def test_a_lock_that_cannot_be_taken_is_a_short_task_failure_naming_it(tmp_path: Path) -> None:
    """The run's lock folder cannot be made (a file stands in its place): the edit fails with
    the path, no traceback, and the target is untouched."""
    root = lock_project(tmp_path / "app", tmp_path)
    blocker = root / ".pytest_cache" / "d" / "orchestrate" / "locks"
    blocker.parent.mkdir(parents=True)
    blocker.write_text("not a folder")
    before = (root / JEST).read_bytes()
    code, out = run(root, tmp_path / "out", "--phase", "2")
    assert code == 1 and statuses(out) == {"2.1": ["FAILED"]}, out
    assert f"{JEST}: cannot take its lock {blocker}/" in out
    assert "Traceback" not in out
    assert (root / JEST).read_bytes() == before


def test_without_a_cache_locks_go_to_a_private_folder_of_the_user(tmp_path: Path) -> None:
    """Under ``-p no:cacheprovider`` the lock folder is made 0700 in the temp folder, per user;
    one that others can write (as a hostile user could pre-create it) is refused by name."""
    root = lock_project(tmp_path / "app", tmp_path)
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {"TMPDIR": str(temp)}
    code, out = run(root, tmp_path / "out", "--phase", "2", "-p", "no:cacheprovider", env=env)
    assert code == 0 and statuses(out) == {"2.1": ["CHANGED"]}, out
    (folder,) = temp.iterdir()
    assert folder.name == f"pytest-orchestrate-locks-{os.getuid()}"
    assert folder.stat().st_mode & 0o777 == 0o700 and folder.stat().st_uid == os.getuid()
    assert not (root / ".pytest_cache").exists()

    folder.chmod(0o777)
    before = (root / JEST).read_bytes()
    args = ("--phase", "2", "--redo", "-p", "no:cacheprovider")
    code, out = run(root, tmp_path / "out", *args, env={**env, "TMPDIR": str(temp)})
    assert code == 1 and statuses(out) == {"2.1": ["FAILED"]}, out
    assert f"lock folder {folder} is not a private folder of this user" in out
    assert "Traceback" not in out
    assert (root / JEST).read_bytes() == before
