"""What a run shows: status words, the summary table, status, JUnit properties, the CI gate."""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET

import pytest

ROADMAP = """
phase_1:
  name: One
  groups:
    group_a:
      name: A
      execution: sequential
      tasks:
        - {id: "1.1", name: ok, type: command, run: "true", priority: critical}
        - {id: "1.2", name: breaks, type: command, run: "exit 2"}
        - {id: "1.3", name: blocked, type: command, run: "true"}
  checkpoint:
    name: Foundation Complete
    checks:
      - {name: works, type: command, run: "true"}
phase_2:
  name: Two
  depends_on: []
  groups:
    group_b:
      name: B
      tasks:
        - {id: "2.1", name: confirm, type: manual, instructions: "Check the dashboard"}
"""


def test_status_words_in_verbose_and_quiet_mode(pytester: pytest.Pytester, roadmap) -> None:
    roadmap(ROADMAP)
    result = pytester.runpytest("--all", "-v")
    result.stdout.fnmatch_lines(
        [
            "*::1.1 CHANGED (*s)*",
            "*::1.2 FAILED*",
            "*::1.3 BLOCKED*",
            "*::phase_1::checkpoint BLOCKED*",
            "*::2.1 MANUAL*",
        ]
    )
    quiet = pytester.runpytest("--all", "-q", "--redo")
    quiet.stdout.fnmatch_lines(["CFbbm*"])


def test_summary_table_per_phase(pytester: pytest.Pytester, roadmap) -> None:
    roadmap(ROADMAP)
    result = pytester.runpytest("--all")
    result.stdout.fnmatch_lines(
        [
            "*orchestrate summary*",
            "phase    changed  blocked  manual  failed  time",
            "phase_1  1        2        0       1       *s",
            "phase_2  0        0        1       0       *s",
        ]
    )


def test_status_prints_progress_and_runs_nothing(pytester: pytest.Pytester, roadmap) -> None:
    roadmap(ROADMAP.replace('run: "exit 2"', 'run: "true"'))
    result = pytester.runpytest("--orchestrate-status")
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "phase    name  done  groups          last checkpoint",
            "phase_1  One   0/3   a: not started  -",
            "phase_2  Two   0/1   b: not started  -",
            "current phase: phase_1 (One)",
        ]
    )
    pytester.runpytest("--phase", "1")
    result = pytester.runpytest("--orchestrate-status")
    result.stdout.fnmatch_lines(
        [
            "phase_1  One   3/3   a: completed    passed 20??-??-?? ??:??",
            "phase_2  Two   0/1   b: not started  -",
            "current phase: phase_2 (Two)",
        ]
    )


def test_status_runs_nothing_even_with_workers_asked_for(
    pytester: pytest.Pytester, roadmap
) -> None:
    pytest.importorskip("xdist")
    roadmap(ROADMAP)
    result = pytester.runpytest("--orchestrate-status", "-n", "2")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["current phase: phase_1 (One)"])
    result.stdout.no_fnmatch_line("created: *workers*")


def test_status_shows_a_group_in_progress(pytester: pytest.Pytester, roadmap) -> None:
    roadmap(ROADMAP)
    pytester.runpytest("--phase", "1")
    result = pytester.runpytest("--orchestrate-status")
    result.stdout.fnmatch_lines(["phase_1  One   1/3   a: in progress  -"])


def test_junit_carries_task_properties(pytester: pytest.Pytester, roadmap) -> None:
    roadmap(ROADMAP)
    pytester.runpytest("--all", "--junitxml=out.xml", "-o", "junit_suite_name=roadmap")
    suite = ET.parse(pytester.path / "out.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("name") == "roadmap"
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    props = {
        name: {p.get("name"): p.get("value") for p in case.iter("property")}
        for name, case in cases.items()
    }
    assert props["1.1"]["phase"] == "phase_1"
    assert props["1.1"]["group"] == "group_a"
    assert props["1.1"]["type"] == "command"
    assert props["1.1"]["priority"] == "critical"
    assert props["1.1"]["status"] == "changed"
    assert props["1.2"]["status"] == "failed"
    assert props["1.3"]["status"] == "blocked"
    assert props["2.1"]["status"] == "manual"
    assert cases["1.2"].find("failure") is not None
    skipped = cases["1.3"].find("skipped")
    assert skipped is not None and "blocked: 1.2 failed" in (skipped.get("message") or "")


def test_junit_lists_changed_files(pytester: pytest.Pytester, roadmap, write_type) -> None:
    roadmap("""
    phase_1:
      name: One
      groups:
        group_a:
          name: A
          tasks:
            - {id: "1.1", name: write two files, type: write,
               params: {files: {a.txt: "a", b/c.txt: "c"}}}
    """)
    (pytester.path / "a.txt").write_text("before")
    pytester.runpytest("--all", "--junitxml=out.xml")
    case = next(ET.parse(pytester.path / "out.xml").getroot().iter("testcase"))
    props = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert props["changed_files"] == "a.txt b/c.txt"
    # What each held before: a.txt's old bytes; b/c.txt did not exist.
    assert props["changed_from"] == f"{hashlib.sha256(b'before').hexdigest()} -"


def test_fail_on_changes_is_the_ci_gate(pytester: pytest.Pytester, roadmap, write_type) -> None:
    roadmap("""
    phase_1:
      name: One
      groups:
        group_a:
          name: A
          tasks:
            - {id: "1.1", name: apply, type: write, params: {files: {state.txt: "applied"}}}
            - {id: "1.2", name: a command, type: command, run: "true"}
    """)
    result = pytester.runpytest("--all", "--dry-run", "--fail-on-changes")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*--fail-on-changes: 1 task(s) would change files*"])
    pytester.runpytest("--all").assert_outcomes(passed=2)
    result = pytester.runpytest("--all", "--dry-run", "--fail-on-changes", "--redo")
    assert result.ret == pytest.ExitCode.OK


def test_a_checkpoint_in_a_dry_run_would_run_and_does_not_trip_the_gate(
    pytester: pytest.Pytester, roadmap, write_type
) -> None:
    roadmap("""
    phase_1:
      name: One
      groups:
        group_a:
          name: A
          tasks:
            - {id: "1.1", name: apply, type: write, params: {files: {state.txt: "applied"}}}
      checkpoint:
        name: Applied
        checks:
          - {name: state exists, type: command, run: "test -f state.txt"}
    """)
    (pytester.path / "state.txt").write_text("applied")
    result = pytester.runpytest("--all", "--dry-run", "--fail-on-changes", "-v")
    result.stdout.fnmatch_lines(["*::1.1 OK*", "*::phase_1::checkpoint WOULD RUN*"])
    assert result.ret == pytest.ExitCode.OK


def test_short_failure_report_and_long_traceback_on_request(
    pytester: pytest.Pytester, roadmap
) -> None:
    roadmap(ROADMAP)
    result = pytester.runpytest("--phase", "1")
    result.stdout.fnmatch_lines(
        [
            "*_ task 1.2 (command: breaks) _*",
            "config/phases.yaml:9: task 1.2 (command: breaks) failed",
            "`exit 2` exited 2, expected 0",
        ]
    )
    result.stdout.no_fnmatch_line("*Traceback*")
    result.stdout.no_fnmatch_line("*collect.py*")
    result = pytester.runpytest("--phase", "1", "--tb=long")
    result.stdout.fnmatch_lines(["*CommandFailed*"])
