"""Running a roadmap: order, blocked reasons, task types from conftest, commands, dry run,
checkpoints."""

from __future__ import annotations

import pytest

ORDERED = """
phase_1:
  name: One
  groups:
    group_a:
      name: A
      execution: sequential
      tasks:
        - {{id: "1.2", name: second, type: command, run: "echo 1.2 >> {log}", depends_on: ["1.3"]}}
        - {{id: "1.1", name: first, type: command, run: "echo 1.1 >> {log}"}}
    group_b:
      name: B
      execution: parallel
      tasks:
        - {{id: "1.3", name: third, type: command, run: "echo 1.3 >> {log}"}}
  checkpoint:
    name: Phase one works
    checks:
      - {{name: log exists, type: command, run: "echo checkpoint >> {log}"}}
phase_2:
  name: Two
  groups:
    group_c:
      name: C
      execution: parallel
      tasks:
        - {{id: "2.1", name: a, type: command, run: "echo 2.1 >> {log}"}}
phase_3:
  name: Three
  depends_on: []
  groups:
    group_d:
      name: D
      tasks:
        - {{id: "3.1", name: b, type: command, run: "echo 3.1 >> {log}"}}
"""


def test_items_run_in_topological_order(pytester: pytest.Pytester, roadmap) -> None:
    log = pytester.path / "log"
    roadmap(ORDERED.format(log=log))
    result = pytester.runpytest("--all", "-v")
    result.assert_outcomes(passed=6)
    # 1.2 leads its sequential group but waits for 1.3; the checkpoint waits for all of phase 1;
    # phase 3 depends on nothing, so roadmap order puts it last among the ready ones.
    assert log.read_text().split() == ["1.3", "1.2", "1.1", "checkpoint", "2.1", "3.1"]
    result.stdout.fnmatch_lines(
        [
            "*::phase_1::group_b::1.3 CHANGED (*s)*",
            "*::phase_1::group_a::1.2 CHANGED (*s)*",
            "*::phase_1::group_a::1.1 CHANGED (*s)*",
            "*::phase_1::checkpoint OK (*s)*",
        ]
    )


FAILING = """
phase_1:
  name: One
  groups:
    group_a:
      name: A
      execution: sequential
      tasks:
        - {id: "1.1", name: ok, type: command, run: "true"}
        - {id: "1.2", name: breaks, type: command, run: "echo broken; exit 3"}
        - {id: "1.3", name: after, type: command, run: "true"}
    group_b:
      name: B
      execution: parallel
      tasks:
        - {id: "1.4", name: independent, type: command, run: "true"}
phase_2:
  name: Two
  groups:
    group_c:
      name: C
      execution: parallel
      tasks:
        - {id: "2.1", name: later, type: command, run: "true"}
"""


def test_failed_dependency_blocks_dependents_with_its_name(
    pytester: pytest.Pytester, roadmap, assert_counts
) -> None:
    roadmap(FAILING)
    result = pytester.runpytest("--all", "-v", "-rs")
    assert_counts(result, passed=2, failed=1, blocked=2)
    result.stdout.fnmatch_lines(
        [
            "*::1.2 FAILED*",
            "*::1.3 BLOCKED (blocked: 1.2 failed)*",
            "*::1.4 CHANGED*",
            "*::2.1 BLOCKED (blocked: 1.2 failed)*",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "config/phases.yaml:9: task 1.2 (command: breaks) failed",
            "`echo broken; exit 3` exited 3, expected 0",
            "broken",
        ]
    )


def test_unselected_dependency_that_is_not_done_blocks(pytester: pytest.Pytester, roadmap) -> None:
    roadmap(FAILING.replace("exit 3", "exit 0"))
    result = pytester.runpytest("--phase", "2", "-rs")
    result.stdout.fnmatch_lines(
        ["BLOCKED 2.1: phase_1 not done (run pytest --phase 1) (config/phases.yaml:23)"]
    )
    result = pytester.runpytest("--phase", "1")
    result.assert_outcomes(passed=4)
    result = pytester.runpytest("--phase", "2", "-v")
    result.stdout.fnmatch_lines(["*::2.1 CHANGED*"])


def test_task_depends_on_a_group(pytester: pytest.Pytester, roadmap) -> None:
    roadmap(
        FAILING.replace("name: later,", "name: later, depends_on: [group_b],").replace(
            "phase_2:\n  name: Two", "phase_2:\n  name: Two\n  depends_on: []"
        )
    )
    result = pytester.runpytest("--group", "c", "-rs")
    result.stdout.fnmatch_lines(["BLOCKED *: group_b not done (run pytest --group b) (*)"])


def test_a_task_type_added_from_conftest(pytester: pytest.Pytester, roadmap) -> None:
    pytester.makeconftest("""
        from pytest_orchestrate import Result, TaskBase

        class GreetTask(TaskBase):
            type: str = "greet"
            who: str

        def greet(task, workspace, settings):
            change = workspace.write_text(f"hello-{task.who}.txt", f"hello {task.who}\\n")
            return Result.changed([change]) if change else Result.ok()

        def pytest_orchestrate_register_task_types(registry):
            registry.add("greet", greet, model=GreetTask)
    """)
    roadmap("""
    phase_1:
      name: One
      groups:
        group_a:
          name: A
          tasks:
            - {id: "1.1", name: say hello, type: greet, who: world}
            - {id: "1.2", name: typo, type: greet, who: you}
    """)
    result = pytester.runpytest("--all", "-v", "--redo")
    result.stdout.fnmatch_lines(["*::1.1 CHANGED*", "*::1.2 CHANGED*"])
    assert (pytester.path / "hello-world.txt").read_text() == "hello world\n"
    result = pytester.runpytest("--all", "-v", "--redo")
    result.stdout.fnmatch_lines(["*::1.1 OK*", "*::1.2 OK*"])


def test_plugin_type_validates_with_its_model(pytester: pytest.Pytester, roadmap) -> None:
    pytester.makeconftest("""
        from pytest_orchestrate import Result, TaskBase

        class GreetTask(TaskBase):
            type: str = "greet"
            who: str

        def pytest_orchestrate_register_task_types(registry):
            registry.add("greet", lambda t, w, s: Result.ok(), model=GreetTask)
    """)
    roadmap("""
    phase_1:
      name: One
      groups:
        group_a:
          name: A
          tasks:
            - {id: "1.1", name: say hello, type: greet, whom: world}
    """)
    result = pytester.runpytest("--all")
    result.stdout.fnmatch_lines(
        ["config/phases.yaml:7: task 1.1: unknown key 'whom'; did you mean 'who'?"]
    )


def test_plugin_type_without_a_model_takes_params(pytester: pytest.Pytester, roadmap) -> None:
    pytester.makeconftest("""
        from pytest_orchestrate import Result

        def pytest_orchestrate_register_task_types(registry):
            registry.add("noop", lambda task, w, s: Result.ok(f"params={task.params}"))
    """)
    roadmap("""
    phase_1:
      name: One
      groups:
        group_a:
          name: A
          tasks:
            - {id: "1.1", name: nothing, type: noop, params: {x: 1}}
    """)
    result = pytester.runpytest("--all", "-v")
    result.stdout.fnmatch_lines(["*::1.1 OK*"])


COMMANDS = """
phase_1:
  name: One
  groups:
    group_a:
      name: A
      tasks:
        - id: "1.1"
          name: argv in a subfolder with env
          type: command
          argv: ["sh", "-c", "pwd > where.txt; echo $GREETING >> where.txt"]
          cwd: sub
          env: {GREETING: hi}
        - id: "1.2"
          name: expected exit code
          type: command
          run: "exit 4"
          expect_exit: 4
        - id: "1.3"
          name: too slow
          type: command
          run: "sleep 30"
          timeout_minutes: 0.02
"""


def test_command_tasks(pytester: pytest.Pytester, roadmap) -> None:
    (pytester.path / "sub").mkdir()
    roadmap(COMMANDS)
    result = pytester.runpytest("--all", "-v")
    result.stdout.fnmatch_lines(
        ["*::1.1 CHANGED*", "*::1.2 CHANGED*", "*::1.3 FAILED*", "*timed out after 1.2s: sleep 30*"]
    )
    assert (pytester.path / "sub" / "where.txt").read_text().split() == [
        str(pytester.path / "sub"),
        "hi",
    ]


def test_dry_run_writes_nothing_and_runs_nothing(
    pytester: pytest.Pytester, roadmap, write_type
) -> None:
    (pytester.path / "notes.txt").write_text("old line\n")
    roadmap("""
    phase_1:
      name: One
      groups:
        group_a:
          name: A
          tasks:
            - {id: "1.1", name: edit notes, type: write,
               params: {files: {notes.txt: "new line\\n"}}}
            - {id: "1.2", name: side effect, type: command, run: "touch ran.txt"}
    """)
    result = pytester.runpytest("--all", "--dry-run", "-v")
    result.stdout.fnmatch_lines(
        [
            "*::1.1 WOULD CHANGE*",
            "*::1.2 WOULD RUN*",
            "*dry run: what would change*",
            "--- a/notes.txt",
            "+++ b/notes.txt",
            "-old line",
            "+new line",
            "*dry run: what would run*",
            "*1.2: would run: touch ran.txt (in .)",
        ]
    )
    assert result.stdout.str().count("--- a/notes.txt") == 1  # once, not again from teardown
    assert (pytester.path / "notes.txt").read_text() == "old line\n"
    assert not (pytester.path / "ran.txt").exists()


def test_a_dry_runs_message_of_several_lines_stays_under_its_task(
    pytester: pytest.Pytester, roadmap
) -> None:
    pytester.makeconftest("""
        from pytest_orchestrate import Result

        def explain(task, workspace, settings):
            return Result.ok("2 files, 5 tests\\ndropped: 1 failed in verification")

        def pytest_orchestrate_register_task_types(registry):
            registry.add("explain", explain)
    """)
    roadmap("""
    phase_1:
      name: One
      groups:
        group_a:
          name: A
          execution: sequential
          tasks:
            - {id: "1.1", name: explain, type: explain}
    """)
    result = pytester.runpytest("--all", "--dry-run")
    result.stdout.fnmatch_lines(
        [
            "*dry run: what would run*",
            "config/phases.yaml::phase_1::group_a::1.1: 2 files, 5 tests",
            "    dropped: 1 failed in verification",
        ]
    )


def test_checkpoint_lists_failing_checks(pytester: pytest.Pytester, roadmap) -> None:
    roadmap("""
    phase_1:
      name: One
      groups:
        group_a:
          name: A
          tasks:
            - {id: "1.1", name: x, type: command, run: "true"}
      checkpoint:
        name: Foundation Complete
        blocking: true
        checks:
          - {name: Baseline coverage established, type: command, run: "true"}
          - {name: CI pipeline runs successfully, type: command, argv: ["false"]}
    phase_2:
      name: Two
      groups:
        group_b:
          name: B
          tasks:
            - {id: "2.1", name: y, type: command, run: "true"}
    """)
    result = pytester.runpytest("--all", "-v", "-rs")
    result.stdout.fnmatch_lines(["BLOCKED 2.1: phase_1 checkpoint failed (*)"], consecutive=False)
    result.stdout.fnmatch_lines(
        [
            "*::phase_1::checkpoint FAILED*",
            "*::2.1 BLOCKED (blocked: phase_1 ...)*",
            "config/phases.yaml:8: checkpoint of phase_1 (Foundation Complete) failed",
            "✓ Baseline coverage established*",
            "✗ CI pipeline runs successfully: `false` exited 1, expected 0",
        ]
    )


def test_non_blocking_checkpoint_does_not_block(pytester: pytest.Pytester, roadmap) -> None:
    roadmap("""
    phase_1:
      name: One
      groups:
        group_a:
          name: A
          tasks:
            - {id: "1.1", name: x, type: command, run: "true"}
      checkpoint:
        name: Soft
        checks:
          - {name: fails, type: command, run: "false"}
    phase_2:
      name: Two
      groups:
        group_b:
          name: B
          tasks:
            - {id: "2.1", name: y, type: command, run: "true"}
    """)
    result = pytester.runpytest("--all", "-v")
    result.assert_outcomes(passed=2, failed=1)


def test_failure_of_our_own_code_keeps_its_traceback(pytester: pytest.Pytester, roadmap) -> None:
    pytester.makeconftest("""
        def broken(task, workspace, settings):
            return {}["missing"]

        def pytest_orchestrate_register_task_types(registry):
            registry.add("broken", broken)
    """)
    roadmap("""
    phase_1:
      name: One
      groups:
        group_a:
          name: A
          tasks:
            - {id: "1.1", name: x, type: broken}
    """)
    result = pytester.runpytest("--all")
    result.stdout.fnmatch_lines(["*KeyError: 'missing'*"])


def test_fail_fast_setting_stops_the_run(pytester: pytest.Pytester, roadmap) -> None:
    roadmap(
        "orchestrator:\n  settings:\n    fail_fast: true\n"
        + FAILING.replace(
            'type: command, run: "true"}\n    group_b', 'type: command, run: "true"}\n    group_b'
        )
    )
    result = pytester.runpytest("--all")
    result.stdout.fnmatch_lines(["*stopping after 1 failures*"])


def test_a_blocked_reason_keeps_its_root_cause_through_later_phases(
    pytester: pytest.Pytester, roadmap
) -> None:
    roadmap(
        FAILING.replace("exit 3", "exit 0")
        + """
phase_3:
  name: Three
  groups:
    group_d:
      name: D
      tasks:
        - {id: "3.1", name: last, type: command, run: "true"}
"""
    )
    result = pytester.runpytest("--phase", "2", "--phase", "3", "-rs")
    result.stdout.fnmatch_lines(
        [
            "BLOCKED 2.1: phase_1 not done (run pytest --phase 1) (config/phases.yaml:23)",
            "BLOCKED 3.1: phase_1 not done (run pytest --phase 1) (config/phases.yaml:*)",
        ]
    )
    result.stdout.no_fnmatch_line("*phase_2 not done*")
