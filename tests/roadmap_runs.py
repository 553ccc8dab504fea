"""Helpers for tests that run roadmaps as real OS processes: copies of the example platform,
pytest runs started with ``Popen``, their status words, and snapshots of a project tree.

Used by ``test_concurrency.py``, the interruption tests and ``main_job.py``; not a test module.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Collection
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "educonnect"

# What the roadmaps of these tests edit or read in the example: the Jest config (and the
# package.json beside it), the CI workflow, and src/ (whose folders the coverage edits list).
EXAMPLE_PARTS = ("jest.config.js", "package.json", ".github/workflows/ci.yml", "src")

# Set by CI; roadmaps the tests run must not see them (``conftest._not_in_ci`` says why).
CI_VARIABLES = ("GITHUB_STEP_SUMMARY", "GITHUB_ACTIONS", "CI", "BUILD_NUMBER")

# Environment variable every process of one run inherits, so the whole run can be found and killed.
RUN_TAG = "ORCHESTRATE_TEST_RUN"

# Not part of the project: pytest's cache (records, locks) and Python's bytecode.
NOT_TREE = {".pytest_cache", "__pycache__"}
# ...and, in a copy with its npm packages installed, those (never written by a roadmap; 74 MB).
NOT_TREE_INSTALLED = {*NOT_TREE, "node_modules"}

# A task type as a plugin would register it, declaring no ``writes``, so the graph cannot keep two
# of them apart: it adds a line to a shared file under ``workspace.locked``, pausing between the
# read and the write. Lines are kept sorted and unique, so the result does not depend on order.
# With ``meet: true`` and NOTE_BARRIER set, it first waits until NOTE_PARTIES runs have arrived
# (files in that folder), so concurrent runs reach the shared file at the same moment.
NOTE_TYPE = """
import os
import time
from pathlib import Path

from pytest_orchestrate import Result


def meet(task):
    barrier = os.environ.get("NOTE_BARRIER")
    if not barrier or not task.params.get("meet"):
        return
    Path(barrier, f"{os.getpid()}-{task.id}").touch()
    deadline = time.monotonic() + 30
    while len(os.listdir(barrier)) < int(os.environ["NOTE_PARTIES"]):
        if time.monotonic() > deadline:
            break
        time.sleep(0.01)


def note(task, workspace, settings):
    rel, line = task.params["file"], task.params["line"]
    meet(task)
    with workspace.locked(rel):
        old = workspace.read_text(rel) if workspace.exists(rel) else ""
        time.sleep(float(task.params.get("pause", 0)))
        lines = sorted({*old.splitlines(), line})
        workspace.write_text(rel, "".join(f"{text}\\n" for text in lines))
    return Result.from_workspace(workspace)


def pytest_orchestrate_register_task_types(registry):
    registry.add("note", note)
"""

STATUS = re.compile(
    r"::(?P<id>[\w.]+) (?P<word>CHANGED|OK|KEPT|DONE|WOULD CHANGE|WOULD RUN|BLOCKED|MANUAL|FAILED)"
)


def copy_example(root: Path, parts: tuple[str, ...] = EXAMPLE_PARTS) -> None:
    """Copy ``parts`` of the example platform into ``root`` (the example is never touched)."""
    for rel in parts:
        source, dest = EXAMPLE / rel, root / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, dest, ignore=shutil.ignore_patterns("node_modules", "coverage"))
        else:
            shutil.copy2(source, dest)


def environment(**extra: str) -> dict[str, str]:
    """This process's environment without CI's variables and the suite's own pytest settings
    (``PYTEST_ADDOPTS``...), plus ``extra``: what a roadmap run started by a test sees."""
    env = {
        k: v for k, v in os.environ.items() if k not in CI_VARIABLES and not k.startswith("PYTEST_")
    }
    return {**env, **extra}


def snapshotting(snapshots: Path, root: Path) -> dict[str, str]:
    """The variables that make a roadmap run record the states of ``root``'s files between its
    items into ``snapshots`` (the ``tree_snapshots`` plugin, in this folder)."""
    return {
        "PYTEST_PLUGINS": "tree_snapshots",
        "PYTHONPATH": str(Path(__file__).resolve().parent),
        "SNAPSHOTS": str(snapshots),
        "SNAPSHOT_ROOT": str(root),
    }


def pytest_command(*args: str) -> list[str]:
    """A roadmap run in its own interpreter, verbose so each task's status word is printed."""
    return [sys.executable, "-m", "pytest", "-p", "no:randomly", "-v", "-rA", *args]


def start(
    root: Path, output: Path, *args: str, tag: str = "", env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start a roadmap run in ``root``; its output goes to ``output`` (keep it out of the tree)."""
    env = {**os.environ, **(env or {}), RUN_TAG: tag or str(output)}
    with open(output, "wb") as out:
        return subprocess.Popen(
            pytest_command(*args), cwd=root, stdout=out, stderr=subprocess.STDOUT, env=env
        )


def finish(proc: subprocess.Popen[bytes], output: Path, timeout: float = 180) -> str:
    """Wait for a run; return its output."""
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise AssertionError(f"run did not end in {timeout}s:\n{output.read_text()}") from None
    return output.read_text(encoding="utf-8", errors="replace")


def run(
    root: Path, output: Path, *args: str, timeout: float = 180, env: dict[str, str] | None = None
) -> tuple[int, str]:
    """Run to the end; return the exit code and the output."""
    proc = start(root, output, *args, env=env)
    text = finish(proc, output, timeout)
    return proc.returncode, text


def statuses(output: str) -> dict[str, list[str]]:
    """Each task's status words in a ``-v`` run's output (a list: a task must appear once)."""
    found: dict[str, list[str]] = {}
    for line in output.splitlines():
        m = STATUS.search(line)
        if m and "::" in line.split()[0]:
            found.setdefault(m["id"], []).append(m["word"])
    return found


def tree(root: Path, skip: Collection[str] = NOT_TREE) -> dict[str, bytes]:
    """Every file of the project, by relative path, with its bytes (``skip``: folders left out)."""
    files: dict[str, bytes] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in skip]
        for name in filenames:
            path = Path(dirpath) / name
            try:
                files[path.relative_to(root).as_posix()] = path.read_bytes()
            except FileNotFoundError:  # removed meanwhile (a checkpoint's tool cleaning up)
                continue
    return files


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tagged_pids(tag: str) -> list[int]:
    """Every live process whose environment carries ``RUN_TAG=tag`` (Linux ``/proc``)."""
    marker = f"{RUN_TAG}={tag}".encode()
    pids = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/environ", "rb") as f:
                if marker in f.read().split(b"\0"):
                    pids.append(int(entry.name))
        except OSError:
            continue
    return pids


def kill_run(proc: subprocess.Popen[bytes], tag: str) -> None:
    """SIGKILL a run and everything it started (commands run in sessions of their own, so a
    process group kill would miss them), as a crash or a cancelled CI job would."""
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while (pids := tagged_pids(tag)) and time.monotonic() < deadline:
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.05)
    assert not tagged_pids(tag), "processes of the killed run survived"
