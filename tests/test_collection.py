"""Collecting a roadmap: node ids, marks, the plan, selection options and activation."""

from __future__ import annotations

import json

import pytest

SPEC_SNIPPET = """
orchestrator:
  settings:
    max_parallel_tasks: 4
    retry_attempts: 3
    retry_delay_seconds: 5
    timeout_minutes: 30
    fail_fast: false

phase_1:
  name: "Foundation & Quick Wins"
  description: "Unblock CI and establish foundation"
  estimated_duration: "1 week"
  groups:
    group_a:
      name: "Fix Immediate CI Blockers"
      execution: sequential  # or parallel
      tasks:
        - id: "1.1"
          name: "Expand Jest collectCoverageFrom"
          type: config_edit
          target: "jest.config.js"
          action: expand_coverage_collection
"""

THREE_PHASES = """
phase_1:
  name: One
  groups:
    group_a:
      name: A
      execution: sequential
      tasks:
        - {id: "1.1", name: first, type: command, argv: ["true"], priority: high}
        - {id: "1.2", name: second, type: command, argv: ["true"]}
    group_b:
      name: B
      execution: parallel
      tasks:
        - {id: "1.3", name: third, type: command, argv: ["true"]}
  checkpoint:
    name: Foundation Complete
    checks:
      - {name: works, type: command, argv: ["true"]}
phase_2:
  name: Two
  groups:
    group_c:
      name: C
      execution: parallel
      tasks:
        - {id: "2.1", name: a, type: command, argv: ["true"]}
        - {id: "2.2", name: b, type: command, argv: ["true"]}
phase_3:
  name: Three
  depends_on: [phase_1]
  groups:
    group_d:
      name: D
      tasks:
        - {id: "3.1", name: c, type: manual, instructions: "Do it"}
"""


def test_spec_snippet_loads_unchanged(pytester: pytest.Pytester, roadmap) -> None:
    roadmap(SPEC_SNIPPET)
    result = pytester.runpytest("--all", "-v")
    result.stdout.fnmatch_lines(
        [
            "config/phases.yaml::phase_1::group_a::1.1 FAILED*",
            "config/phases.yaml:18: task 1.1 (config_edit: Expand Jest collectCoverageFrom) failed",
            "jest.config.js: target not found in *; fix 'target' or pass --project-root",
        ]
    )
    result.assert_outcomes(failed=1)


def test_a_type_without_a_handler_fails_and_never_passes_silently(
    pytester: pytest.Pytester, roadmap
) -> None:
    # A plugin that validates its type now and ships the handler in a later release.
    pytester.makeconftest("""
        from typing import Literal
        from pytest_orchestrate import TaskBase

        class LaterTask(TaskBase):
            type: Literal["later"]

        def pytest_orchestrate_register_task_types(registry):
            registry.models["later"] = LaterTask
    """)
    roadmap(
        SPEC_SNIPPET.replace("type: config_edit", "type: later").replace(
            'target: "jest.config.js"\n          action: expand_coverage_collection', ""
        )
    )
    result = pytester.runpytest("--all", "-v")
    result.stdout.fnmatch_lines(["no handler for type later is installed"])
    result.assert_outcomes(failed=1)


def test_node_ids_read_like_the_roadmap(pytester: pytest.Pytester, roadmap) -> None:
    roadmap(THREE_PHASES)
    result = pytester.runpytest("--all", "--collect-only", "-q")
    result.stdout.fnmatch_lines(
        [
            "config/phases.yaml::phase_1::group_a::1.1",
            "config/phases.yaml::phase_1::group_a::1.2",
            "config/phases.yaml::phase_1::group_b::1.3",
            "config/phases.yaml::phase_1::checkpoint",
            "config/phases.yaml::phase_2::group_c::2.1",
            "config/phases.yaml::phase_2::group_c::2.2",
            "config/phases.yaml::phase_3::group_d::3.1",
            "7 tests collected*",
        ]
    )


def test_collect_only_shows_the_plan(pytester: pytest.Pytester, roadmap) -> None:
    roadmap(THREE_PHASES)
    result = pytester.runpytest("--all", "--collect-only")
    result.stdout.fnmatch_lines(
        [
            "*<Phase phase_1: One (after: nothing)>",
            "*<Group group_a: A ?sequential?>",
            "*<Task 1.1 command high: first (after: nothing)>",
            "*<Task 1.2 command medium: second (after: 1.1)>",
            "*<Group group_b: B ?parallel?>",
            "*<Checkpoint phase_1: Foundation Complete (non-blocking, 1 checks)>",
            "*<Phase phase_2: Two (after: phase_1)>",
            # phase_1's checkpoint does not block, but it measures phase 1's result: it goes first.
            "*<Task 2.1 command medium: a (after: phase_1, phase_1::checkpoint)>",
            "*<Phase phase_3: Three (after: phase_1)>",
            "*<Task 3.1 manual medium: c (after: phase_1, phase_1::checkpoint)>",
        ]
    )
    assert result.ret == 0


def test_plan_json_is_machine_readable(pytester: pytest.Pytester, roadmap) -> None:
    roadmap(THREE_PHASES)
    result = pytester.runpytest("--phase", "2", "--collect-only", "--orchestrate-plan", "plan.json")
    assert result.ret == 0
    plan = json.loads((pytester.path / "plan.json").read_text())
    (doc,) = plan["roadmaps"]
    assert [p["key"] for p in doc["phases"]] == ["phase_1", "phase_2", "phase_3"]
    group_c = doc["phases"][1]["groups"][0]
    assert group_c["execution"] == "parallel"
    assert [
        (t["id"], t["type"], t["priority"], t["depends_on"], t["selected"])
        for t in group_c["tasks"]
    ] == [
        ("2.1", "command", "medium", ["phase_1", "phase_1::checkpoint"], True),
        ("2.2", "command", "medium", ["phase_1", "phase_1::checkpoint"], True),
    ]
    assert doc["phases"][0]["groups"][0]["tasks"][0]["selected"] is False
    assert doc["order"].index("config/phases.yaml::phase_1::checkpoint") < doc["order"].index(
        "config/phases.yaml::phase_2::group_c::2.1"
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--phase", "2"), ["phase_2::group_c::2.1", "phase_2::group_c::2.2"]),
        (("--phase", "phase_3"), ["phase_3::group_d::3.1"]),
        (
            ("--phase", "1"),
            [
                "phase_1::group_a::1.1",
                "phase_1::group_a::1.2",
                "phase_1::group_b::1.3",
                "phase_1::checkpoint",
            ],
        ),
        (
            ("--phase", "2", "--phase", "3"),
            ["phase_2::group_c::2.1", "phase_2::group_c::2.2", "phase_3::group_d::3.1"],
        ),
        (("--group", "c"), ["phase_2::group_c::2.1", "phase_2::group_c::2.2"]),
        (("--group", "group_b"), ["phase_1::group_b::1.3"]),
        (("--phase", "1", "--group", "a"), ["phase_1::group_a::1.1", "phase_1::group_a::1.2"]),
        (("--all", "-m", "high"), ["phase_1::group_a::1.1"]),
        (("--all", "-m", "manual"), ["phase_3::group_d::3.1"]),
        (
            ("--all", "-m", "group_c and phase_2"),
            ["phase_2::group_c::2.1", "phase_2::group_c::2.2"],
        ),
        (("--all", "-k", "1.1 or 1.2"), ["phase_1::group_a::1.1", "phase_1::group_a::1.2"]),
    ],
)
def test_selection_options(pytester: pytest.Pytester, roadmap, args, expected) -> None:
    roadmap(THREE_PHASES)
    result = pytester.runpytest(*args, "--collect-only", "-q", "--strict-markers")
    ids = [
        line.split("::", 1)[1]
        for line in result.stdout.lines
        if line.startswith("config/phases.yaml::")
    ]
    assert ids == expected
    assert result.ret == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--phase", "9"), "*--phase 9: the roadmap has no phase_9; phases: 1, 2, 3*"),
        (("--group", "z"), "*--group z: the roadmap has no group_z; groups: a, b, c, d*"),
        (
            ("--phase", "1", "--group", "c"),
            "*group_c is in phase_2, not in the selected phase(s); use --phase 2 --group c*",
        ),
        (("--phase", "one"), "*'one' is not a phase; use a number like 2 or phase_2*"),
    ],
)
def test_bad_selection_is_a_usage_error(pytester: pytest.Pytester, roadmap, args, message) -> None:
    roadmap(THREE_PHASES)
    result = pytester.runpytest(*args)
    result.stderr.fnmatch_lines([message])
    assert result.ret == pytest.ExitCode.USAGE_ERROR


def test_plain_pytest_runs_only_the_repositorys_own_tests(
    pytester: pytest.Pytester, roadmap
) -> None:
    roadmap(THREE_PHASES)
    pytester.makepyfile(test_own="def test_own(): pass")
    result = pytester.runpytest("-q")
    result.assert_outcomes(passed=1)
    assert "phases.yaml" not in result.stdout.str()


def test_passing_the_roadmap_file_collects_it(pytester: pytest.Pytester, roadmap) -> None:
    roadmap(THREE_PHASES)
    pytester.makepyfile(test_own="def test_own(): pass")
    result = pytester.runpytest("config/phases.yaml", "--collect-only", "-q")
    result.stdout.fnmatch_lines(["7 tests collected*"])


def test_options_run_the_roadmap_instead_of_the_repositorys_tests(
    pytester: pytest.Pytester, roadmap, assert_counts
) -> None:
    roadmap(THREE_PHASES)
    pytester.makepyfile(test_own="def test_own(): pass")
    result = pytester.runpytest("--phase", "2", "-q")
    assert_counts(result, blocked=2)  # phase_1 not done yet
    result.stdout.no_fnmatch_line("*test_own*")


def test_mixed_session_keeps_ordinary_tests(pytester: pytest.Pytester, roadmap) -> None:
    roadmap(THREE_PHASES)
    pytester.makepyfile(test_own="def test_own(): pass")
    result = pytester.runpytest("test_own.py", "--phase", "1", "-v")
    result.assert_outcomes(passed=5)


def test_roadmap_option_and_ini_key(pytester: pytest.Pytester, roadmap) -> None:
    roadmap(THREE_PHASES, name="plans/road.yaml")
    result = pytester.runpytest("--roadmap", "plans/road.yaml", "--collect-only", "-q")
    result.stdout.fnmatch_lines(["plans/road.yaml::phase_1::group_a::1.1", "7 tests collected*"])
    pytester.makeini("[pytest]\norchestrate_roadmap = plans/road.yaml\n")
    result = pytester.runpytest("--all", "--collect-only", "-q")
    result.stdout.fnmatch_lines(["plans/road.yaml::phase_1::group_a::1.1", "7 tests collected*"])


def test_missing_roadmap_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--all")
    result.stderr.fnmatch_lines(
        ["*roadmap not found:*config/phases.yaml*", "*pass --roadmap=PATH*"]
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR


def test_marks_are_registered(pytester: pytest.Pytester, roadmap) -> None:
    roadmap(THREE_PHASES)
    result = pytester.runpytest("--all", "--strict-markers", "--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.command:*", "@pytest.mark.critical:*"])
    result = pytester.runpytest("--all", "--strict-markers", "--collect-only", "-q")
    assert result.ret == 0


@pytest.mark.parametrize("plugin", ["no:cacheprovider", "no:xdist"])
def test_runs_without_optional_plugins(pytester: pytest.Pytester, roadmap, plugin) -> None:
    roadmap(
        THREE_PHASES.replace('type: manual, instructions: "Do it"', 'type: command, argv: ["true"]')
    )
    result = pytester.runpytest("-p", plugin, "--all", "-v")
    result.assert_outcomes(passed=7)


def test_disabled_plugin_collects_nothing(pytester: pytest.Pytester, roadmap) -> None:
    roadmap(THREE_PHASES)
    result = pytester.runpytest("-p", "no:orchestrate", "config/phases.yaml")
    result.stderr.fnmatch_lines(["ERROR: not found:*phases.yaml*"])
    assert result.ret == pytest.ExitCode.USAGE_ERROR


@pytest.mark.parametrize("args", [("--phase", "9"), ("--group", "z")])
def test_bad_selection_under_xdist_is_a_usage_error_not_a_crash(
    pytester: pytest.Pytester, roadmap, args
) -> None:
    pytest.importorskip("xdist")
    roadmap(THREE_PHASES)
    result = pytester.runpytest(*args, "-n", "2")
    result.stderr.fnmatch_lines(["ERROR: --* the roadmap has no *"])
    result.stdout.no_fnmatch_line("*INTERNALERROR*")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
