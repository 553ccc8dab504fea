"""What resume, status and dry run say is true of the repository on disk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

MODES = pytest.mark.parametrize("mode", [(), ("-n", "2")], ids=["serial", "xdist"])


def verbose(mode: tuple[str, ...], tid: str, word: str) -> str:
    """The pattern of a task's ``-v`` line: xdist writes the word before the node id."""
    return f"*{word}*::{tid}*" if mode else f"*::{tid} {word}"


# One config_edit on package.json, a second task after it, and a third that waits for a failure.
EDITS = """
phase_1:
  name: One
  groups:
    group_a:
      name: A
      execution: sequential
      tasks:
        - id: "1.1"
          name: add a lint script
          type: config_edit
          target: package.json
          action: json_set
          params: {path: scripts.lint, value: "eslint ."}
        - id: "1.2"
          name: add a build script
          type: config_edit
          target: package.json
          action: json_set
          params: {path: scripts.build, value: "tsc"}
"""


def package(root: Path) -> Path:
    """A fresh ``package.json`` in ``root``; returns its path."""
    root.mkdir(parents=True, exist_ok=True)
    path = root / "package.json"
    path.write_text('{\n  "name": "app",\n  "scripts": {\n    "test": "jest"\n  }\n}\n')
    return path


@MODES
def test_records_of_two_project_roots_never_leak_into_each_other(
    pytester: pytest.Pytester, roadmap, mode: tuple[str, ...]
) -> None:
    roadmap(EDITS)
    first, second = package(pytester.path / "a"), package(pytester.path / "b")
    pytester.runpytest("--all", "--project-root=a", *mode).assert_outcomes(passed=2)
    assert "lint" in json.loads(first.read_text())["scripts"]

    # The same roadmap on an untouched copy elsewhere: nothing there is done.
    result = pytester.runpytest("--all", "--project-root=b", "-v", *mode)
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [verbose(mode, "1.1", "CHANGED*"), verbose(mode, "1.2", "CHANGED*")]
    )
    assert json.loads(second.read_text())["scripts"] == {
        "test": "jest",
        "lint": "eslint .",
        "build": "tsc",
    }

    status = pytester.runpytest("--orchestrate-status", "--project-root=a")
    status.stdout.fnmatch_lines(["phase_1 * 2/2 *a: completed*"])
    fresh = package(pytester.path / "c")
    status = pytester.runpytest("--orchestrate-status", f"--project-root={fresh.parent.name}")
    status.stdout.fnmatch_lines(
        ["no records for this project root*", "phase_1 * 0/2 *a: not started*"]
    )


@MODES
def test_a_file_changed_by_hand_sends_its_task_back_to_run_and_says_why(
    pytester: pytest.Pytester, roadmap, mode: tuple[str, ...], assert_counts
) -> None:
    roadmap(EDITS)
    path = package(pytester.path / "app")
    pytester.runpytest("--all", "--project-root=app", *mode).assert_outcomes(passed=2)
    assert_counts(pytester.runpytest("--all", "--project-root=app", *mode), done=2)

    package(path.parent)  # a hand revert
    result = pytester.runpytest("--all", "--project-root=app", "-v", *mode)
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [verbose(mode, "1.1", "CHANGED (*drift: package.json changed since 20??-??-?? ??:??)*")]
    )
    assert json.loads(path.read_text())["scripts"]["build"] == "tsc"


# The same two edits in two groups, so that two runs can make them one after the other.
TWO_GROUPS = """
phase_1:
  name: One
  groups:
    group_a:
      name: A
      execution: sequential
      tasks:
        - {id: "1.1", name: lint, type: config_edit, target: package.json, action: json_set,
           params: {path: scripts.lint, value: "eslint ."}}
    group_b:
      name: B
      execution: sequential
      tasks:
        - {id: "1.2", name: build, type: config_edit, target: package.json, action: json_set,
           params: {path: scripts.build, value: "tsc"}}
"""


def test_another_runs_later_edit_of_a_shared_file_is_not_drift_but_a_hand_edit_is(
    pytester: pytest.Pytester, roadmap, assert_counts
) -> None:
    """The run of 1.2 never saw 1.1 succeed, so it leaves 1.1's record as it was (a run only
    re-stamps records it saw succeed); the next run finds that 1.2's recorded edit took the file
    from 1.1's stamp to what it holds, and both are done. A hand edit continues no recorded edit.
    Nor does a hand revert that a task then builds on: 1.1 runs again on the reverted file, and
    1.2, whose edit that run lost, runs again too."""
    roadmap(TWO_GROUPS)
    path = package(pytester.path / "app")
    pytester.runpytest("--group", "a", "--project-root=app").assert_outcomes(passed=1)
    pytester.runpytest("--group", "b", "--project-root=app").assert_outcomes(passed=1)
    assert_counts(pytester.runpytest("--all", "--project-root=app"), done=2)

    path.write_text(path.read_text().replace('"tsc"', '"tsc -b"'))
    result = pytester.runpytest("--all", "--project-root=app", "-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines_random(
        ["*::1.1 OK (*drift: package.json changed since*", "*::1.2 CHANGED (*drift: package.json*"]
    )

    package(path.parent)  # a hand revert to the file before both tasks
    result = pytester.runpytest("--all", "--project-root=app", "-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*::1.1 CHANGED (*drift*", "*::1.2 CHANGED (*drift*"])
    assert json.loads(path.read_text())["scripts"] == {
        "test": "jest",
        "lint": "eslint .",
        "build": "tsc",
    }


def test_a_file_touched_but_unchanged_is_still_done(
    pytester: pytest.Pytester, roadmap, assert_counts
) -> None:
    roadmap(EDITS)
    path = package(pytester.path / "app")
    pytester.runpytest("--all", "--project-root=app").assert_outcomes(passed=2)
    path.write_text(path.read_text())  # new mtime, same bytes
    assert_counts(pytester.runpytest("--all", "--project-root=app"), done=2)


@MODES
def test_a_dry_run_never_trusts_the_cache(
    pytester: pytest.Pytester, roadmap, mode: tuple[str, ...]
) -> None:
    roadmap(EDITS)
    path = package(pytester.path / "app")
    pytester.runpytest("--all", "--project-root=app", *mode).assert_outcomes(passed=2)
    gate = pytester.runpytest(
        "--all", "--project-root=app", "--dry-run", "--fail-on-changes", *mode
    )
    assert gate.ret == 0  # fully applied: every task looked at the disk and found nothing to do

    package(path.parent)  # reverted by hand; the cache still says done
    gate = pytester.runpytest(
        "--all", "--project-root=app", "--dry-run", "--fail-on-changes", *mode
    )
    assert gate.ret == 1
    gate.stdout.fnmatch_lines(
        ['+    "lint": "eslint ."*', "--fail-on-changes: 2 task(s) would change*"]
    )
    assert "lint" not in path.read_text()  # a dry run writes nothing


BLOCKING = """
phase_1:
  name: One
  groups:
    group_a:
      name: A
      execution: sequential
      tasks:
        - {id: "1.1", name: fine, type: command, run: "true"}
        - {id: "1.2", name: breaks, type: command, run: "exit 3"}
        - {id: "1.3", name: after the break, type: command, run: "true"}
"""


@MODES
def test_each_not_run_line_carries_its_own_word_and_task(
    pytester: pytest.Pytester, roadmap, mode: tuple[str, ...]
) -> None:
    roadmap(BLOCKING)
    pytester.runpytest("--all", *mode)
    result = pytester.runpytest("--all", "-rs", *mode)
    result.stdout.fnmatch_lines(
        [
            "DONE 1.1: done 20??-??-?? ??:?? (config/phases.yaml:8)",
            "BLOCKED 1.3: 1.2 failed (config/phases.yaml:10)",
        ]
    )
    assert str(pytester.path) not in result.stdout.str().split("orchestrate: not run")[1]


@MODES
def test_the_final_line_counts_tasks_by_what_happened_to_them(
    pytester: pytest.Pytester, roadmap, mode: tuple[str, ...], assert_counts
) -> None:
    roadmap(BLOCKING + PHASE_2)
    assert_counts(pytester.runpytest("--all", *mode), passed=1, failed=1, blocked=3)
    # 1.1 is done; 1.2 fails again and blocks 1.3; phase 2 is deselected, and so is 2.1 by -k.
    result = pytester.runpytest("--phase", "1", "-k", "not 2.1", *mode)
    assert_counts(result, done=1, failed=1, blocked=1, deselected=2)
    assert "skipped" not in result.stdout.lines[-1]
    assert "1 failed, 2 deselected, 1 done, 1 blocked" in result.stdout.lines[-1]


PHASE_2 = """
phase_2:
  name: Two
  groups:
    group_b:
      name: B
      tasks:
        - {id: "2.1", name: later, type: command, run: "true"}
        - {id: "2.2", name: later still, type: command, run: "true"}
"""


@MODES
def test_a_failure_says_why_on_its_verbose_line(
    pytester: pytest.Pytester, roadmap, mode: tuple[str, ...]
) -> None:
    roadmap(BLOCKING)
    result = pytester.runpytest("--all", "-v", *mode)
    result.stdout.fnmatch_lines([verbose(mode, "1.2", "FAILED (`exit 3` exited 3, expected 0)*")])
    result.stdout.fnmatch_lines(["FAILED config/phases.yaml::phase_1::group_a::1.2 - *"])


MISSING = """
orchestrator:
  settings: {{retry_attempts: 3, retry_delay_seconds: 0.01}}
phase_1:
  name: One
  groups:
    group_a:
      name: A
      tasks:
        - {{id: "1.1", name: {name}, type: command, run: "{run}"}}
"""


@pytest.mark.parametrize(
    ("run", "why"),
    [
        ("no-such-program-anywhere", "exit 127 is not transient (the program was not found)"),
        ("npm run lint", "a missing npm script is not transient"),
    ],
    ids=["exit-127", "npm-missing-script"],
)
def test_a_failure_that_cannot_succeed_is_not_retried(
    pytester: pytest.Pytester, roadmap, run: str, why: str
) -> None:
    roadmap(MISSING.format(name="doomed", run=run))
    (pytester.path / "package.json").write_text('{"name": "app", "scripts": {}}\n')
    result = pytester.runpytest("--all", "--junitxml=out.xml")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([f"not retried: {why}"])
    assert "attempt_1" not in (pytester.path / "out.xml").read_text()


def test_a_retry_is_announced_live_at_a_terminal(
    pytester: pytest.Pytester, roadmap, run_in_pty
) -> None:
    roadmap(MISSING.format(name="flaky", run="echo x >> tries; [ $(wc -l < tries) -ge 2 ]"))
    out = run_in_pty(["--all", "-v", "--color=no", "-p", "no:randomly"], pytester.path)
    text = out.decode(errors="replace")
    assert "1.1 attempt 2/4 in " in text and " s (exit 1)" in text
    assert "::1.1 CHANGED" in text


def test_a_long_task_shows_it_is_alive_at_a_terminal(
    pytester: pytest.Pytester, roadmap, run_in_pty
) -> None:
    roadmap(MISSING.format(name="slow", run="echo step one; sleep 6; echo done"))
    out = run_in_pty(["--all", "-v", "--color=no", "-p", "no:randomly"], pytester.path)
    text = out.decode(errors="replace")
    assert "1.1 running 5 s: step one" in text
    # Not at a terminal (a pipe, as in CI): nothing but the final report.
    result = pytester.runpytest("--all", "--redo", "-v")
    assert "running 5 s" not in result.stdout.str()


@pytest.mark.parametrize("through_link", [False, True], ids=["direct", "symlink"])
def test_a_roadmap_cannot_write_into_version_control(
    pytester: pytest.Pytester, roadmap, through_link: bool
) -> None:
    (pytester.path / ".git" / "hooks").mkdir(parents=True)
    output = ".git/hooks/pre-commit"
    if through_link:
        (pytester.path / "hooks").symlink_to(pytester.path / ".git" / "hooks")
        output = "hooks/pre-commit"
    (pytester.path / "config" / "templates").mkdir(parents=True)
    (pytester.path / "config" / "templates" / "hook.sh.j2").write_text("#!/bin/sh\necho pwned\n")
    roadmap(f"""
    phase_1:
      name: One
      groups:
        group_a:
          name: A
          tasks:
            - id: "1.1"
              name: plant a hook
              type: file_generation
              template: hook.sh.j2
              output: "{output}"
    """)
    result = pytester.runpytest("--all")
    result.stdout.fnmatch_lines(
        [f"config/phases.yaml:11: task 1.1: '{output}' is inside .git/*; use a path outside .git/"]
    )
    result.stdout.no_fnmatch_line("*Traceback*")
    assert not (pytester.path / ".git" / "hooks" / "pre-commit").exists()


def test_done_tasks_between_tasks_that_run_leave_nothing_set_up(
    pytester: pytest.Pytester, roadmap, assert_counts
) -> None:
    path = roadmap("""
    phase_1:
      name: One
      groups:
        group_a:
          name: A
          tasks:
            - {id: "1.1", name: first, type: command, run: "echo 1"}
            - {id: "1.2", name: second, type: command, run: "true"}
        group_b:
          name: B
          tasks:
            - {id: "1.3", name: third, type: command, run: "true"}
      checkpoint:
        name: Done
        checks:
          - {name: fine, type: command, argv: ["true"]}
    """)
    pytester.runpytest("--all").assert_outcomes(passed=4)
    path.write_text(path.read_text().replace("echo 1", "echo one"))
    # 1.1 runs, 1.2 and 1.3 are DONE without setup or teardown, then the checkpoint runs.
    result = pytester.runpytest("--all", "-v")
    assert_counts(result, passed=2, done=2)
    result.stdout.no_fnmatch_line("*not torn down*")
