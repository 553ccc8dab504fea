"""Shared helpers: write real roadmap files into a pytester directory."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import sys
import termios
import textwrap
import time
from pathlib import Path

import pytest
from main_job import MainJob, apply_roadmap
from roadmap_runs import CI_VARIABLES


@pytest.fixture(autouse=True)
def _not_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """Roadmaps run by the tests must not append to this CI job's step summary or annotate it;
    tests of that set the variables themselves. ``CI`` and ``BUILD_NUMBER`` go too: under them
    pytest prints whole failure messages in the short summary, so inner runs would read
    differently on CI than in a terminal."""
    for name in CI_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def main_job(tmp_path_factory: pytest.TempPathFactory) -> MainJob:
    """The README's first command on a fresh copy of the example, then the ``--confirm`` commands
    it prints (about 7 minutes on two cores): one run, shared by every test that judges it."""
    return apply_roadmap(tmp_path_factory.mktemp("main-job") / "educonnect")


@pytest.fixture
def roadmap(pytester: pytest.Pytester):
    """Write ``config/phases.yaml`` (dedented) into the pytester directory and return its path."""

    def write(text: str, name: str = "config/phases.yaml") -> Path:
        path = pytester.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write


@pytest.fixture
def write_type(pytester: pytest.Pytester) -> None:
    """A task type ``write``, registered from a conftest as users would: it writes ``params.files``
    (``{path: text}``) through the workspace."""
    pytester.makeconftest("""
        from pytest_orchestrate import Result

        def write(task, workspace, settings):
            for path, text in task.params["files"].items():
                workspace.write_text(path, text)
            return Result.from_workspace(workspace)

        def pytest_orchestrate_register_task_types(registry):
            registry.add("write", write)
    """)


COUNTED = ("passed", "failed", "errors", "skipped", "done", "blocked", "manual")


@pytest.fixture
def assert_counts():
    """``assert_counts(result, passed=2, done=3)``: pytest's final line, as the plugin counts it
    (tasks that did not run are ``done``, ``blocked`` or ``manual``, never ``skipped``); every
    category not named must be absent."""

    def check(result: pytest.RunResult, **expected: int) -> None:
        got = result.parseoutcomes()
        names = set(COUNTED) | set(expected)
        counted = {n: got[n] for n in names if got.get(n)}
        assert counted == {n: c for n, c in expected.items() if c}, result.stdout.lines[-1]

    return check


@pytest.fixture
def run_in_pty():
    """``run_in_pty(args, cwd, answer=b"", columns=80)``: pytest at a real terminal (see
    ``_run_in_pty``)."""
    return _run_in_pty


def _run_in_pty(
    args: list[str], cwd: Path, answer: bytes = b"", timeout: float = 60, columns: int = 80
) -> bytes:
    """Run pytest with a real terminal of ``columns`` as its controlling TTY (answering a
    hidden-input prompt with ``answer``, if one comes); return all output."""
    pid, fd = pty.fork()
    if pid == 0:  # child: the pty is its controlling terminal, as in a real shell
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
        os.environ["COLUMNS"] = str(columns)  # this session's own value would win otherwise
        os.chdir(cwd)
        os.execvp(sys.executable, [sys.executable, "-m", "pytest", *args])
    output = b""
    answered = not answer
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
        if not answered and b"input hidden" in output:
            os.write(fd, answer)
            answered = True
    os.waitpid(pid, 0)
    return output


CAMPAIGNS = "ORCHESTRATE_CAMPAIGNS"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--campaigns",
        action="store_true",
        help=f"Also run the whole-example generation campaigns (tens of minutes each; or set "
        f"{CAMPAIGNS}=1)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Campaigns (every source of the example characterized, then its suite run three times)
    take tens of minutes on two cores; they run when asked for."""
    if config.getoption("--campaigns") or os.environ.get(CAMPAIGNS):
        return
    skip = pytest.mark.skip(
        reason=f"whole-example campaign (tens of minutes): run with --campaigns or {CAMPAIGNS}=1"
    )
    for item in items:
        if item.get_closest_marker("campaign"):
            item.add_marker(skip)
