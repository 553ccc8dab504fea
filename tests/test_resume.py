"""Resume: finished tasks are recorded as their reports arrive, shown as DONE, and redone on
change."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

SIX = """
phase_1:
  name: One
  groups:
    group_a:
      name: A
      execution: sequential
      tasks:
        - {{id: "1.1", name: one, type: command, run: "echo 1.1 >> {log}"}}
        - {{id: "1.2", name: two, type: command, run: "echo 1.2 >> {log}"}}
        - id: "1.3"
          name: three, the run is killed here once
          type: command
          # Killed, the run leaves this shell behind: it must exit, not log 1.3 later.
          run: >-
            if [ -f {armed} ]; then rm {armed}; kill -9 $PPID; sleep 5; exit 1; fi;
            echo 1.3 >> {log}
        - {{id: "1.4", name: four, type: command, run: "echo 1.4 >> {log}"}}
phase_2:
  name: Two
  groups:
    group_b:
      name: B
      execution: parallel
      tasks:
        - {{id: "2.1", name: five, type: command, run: "echo 2.1 >> {log}"}}
        - {{id: "2.2", name: six, type: command, run: "echo 2.2 >> {log}"}}
"""


def records(root: Path) -> dict[str, dict]:
    folder = root / ".pytest_cache" / "d" / "orchestrate" / "tasks"
    return {p.stem: json.loads(p.read_text()) for p in folder.rglob("*.json")}


def test_a_killed_run_resumes_and_every_task_runs_once(pytester: pytest.Pytester, roadmap) -> None:
    log, armed = pytester.path / "log", pytester.path / "armed"
    armed.touch()
    roadmap(SIX.format(log=log, armed=armed))
    first = subprocess.run(
        [sys.executable, "-m", "pytest", "--all", "-v", "-p", "no:randomly"],
        cwd=pytester.path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert first.returncode == -signal.SIGKILL
    assert log.read_text().split() == ["1.1", "1.2"]
    assert set(records(pytester.path)) == {"1.1", "1.2"}

    second = pytester.runpytest("--all", "-v", "-rs")
    second.stdout.fnmatch_lines(
        [
            "*::1.1 DONE*",
            "*::1.2 DONE*",
            "*::1.3 CHANGED*",
            "*::1.4 CHANGED*",
            "*::2.1 CHANGED*",
            "*::2.2 CHANGED*",
        ]
    )
    assert sorted(log.read_text().split()) == ["1.1", "1.2", "1.3", "1.4", "2.1", "2.2"]
    # Every record parses and says what happened.
    saved = records(pytester.path)
    assert sorted(saved) == ["1.1", "1.2", "1.3", "1.4", "2.1", "2.2"]
    assert all(
        r["status"] == "changed" and r["fingerprint"] and r["finished"] for r in saved.values()
    )


def test_done_tasks_show_as_done_with_their_time(
    pytester: pytest.Pytester, roadmap, assert_counts
) -> None:
    log = pytester.path / "log"
    roadmap(SIX.format(log=log, armed=pytester.path / "never"))
    pytester.runpytest("--all").assert_outcomes(passed=6)
    result = pytester.runpytest("--all", "-rs")
    assert_counts(result, done=6)
    result.stdout.fnmatch_lines(["DONE 1.1: done 20??-??-?? ??:?? (config/phases.yaml:*)"])
    assert len(log.read_text().split()) == 6


def test_a_changed_task_runs_again(pytester: pytest.Pytester, roadmap, assert_counts) -> None:
    log = pytester.path / "log"
    path = roadmap(SIX.format(log=log, armed=pytester.path / "never"))
    pytester.runpytest("--all").assert_outcomes(passed=6)
    path.write_text(path.read_text().replace("echo 2.2 >>", "echo 2.2 again >>"))
    result = pytester.runpytest("--all", "-v")
    assert_counts(result, passed=1, done=5)
    result.stdout.fnmatch_lines(["*::2.2 CHANGED*"])


def test_redo_and_cache_clear_run_everything_again(
    pytester: pytest.Pytester, roadmap, assert_counts
) -> None:
    roadmap(SIX.format(log=pytester.path / "log", armed=pytester.path / "never"))
    pytester.runpytest("--all").assert_outcomes(passed=6)
    pytester.runpytest("--all", "--redo").assert_outcomes(passed=6)
    pytester.runpytest("--all", "--cache-clear").assert_outcomes(passed=6)
    assert_counts(pytester.runpytest("--all"), done=6)


def test_without_the_cache_nothing_resumes_and_the_run_says_so(
    pytester: pytest.Pytester, roadmap
) -> None:
    roadmap(SIX.format(log=pytester.path / "log", armed=pytester.path / "never"))
    for _ in range(2):
        result = pytester.runpytest("--all", "-p", "no:cacheprovider")
        result.assert_outcomes(passed=6)
        assert result.stdout.str().count("no cache (-p no:cacheprovider)") == 1


def test_dry_run_records_nothing(pytester: pytest.Pytester, roadmap) -> None:
    roadmap(SIX.format(log=pytester.path / "log", armed=pytester.path / "never"))
    pytester.runpytest("--all", "--dry-run").assert_outcomes(passed=6)
    assert records(pytester.path) == {}


def test_a_damaged_record_costs_only_its_task(
    pytester: pytest.Pytester, roadmap, assert_counts
) -> None:
    roadmap(SIX.format(log=pytester.path / "log", armed=pytester.path / "never"))
    pytester.runpytest("--all").assert_outcomes(passed=6)
    damaged = next((pytester.path / ".pytest_cache").rglob("1.4.json"))
    damaged.write_text('{"fingerprint": ')
    result = pytester.runpytest("--all", "-v")
    assert_counts(result, passed=1, done=5)
    result.stdout.fnmatch_lines(["*::1.4 CHANGED*"])
