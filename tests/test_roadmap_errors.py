"""A broken roadmap is a collection error at path:line that says what is wrong and how to fix it."""

from __future__ import annotations

import pytest

GOOD_TASK = """
phase_1:
  name: One
  groups:
    group_a:
      name: A
      tasks:
{tasks}
"""


def _tasks(*lines: str) -> str:
    return GOOD_TASK.format(tasks="\n".join(" " * 8 + line for line in lines))


def assert_collection_error(pytester: pytest.Pytester, *patterns: str) -> None:
    marker = pytester.path / "untouched.txt"
    marker.write_text("original\n")
    result = pytester.runpytest("--all")
    result.stdout.fnmatch_lines(["*ERROR collecting config/phases.yaml*", *patterns])
    result.stdout.no_fnmatch_line("*Traceback*")
    result.stdout.no_fnmatch_line("*raise *")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    assert marker.read_text() == "original\n"


def test_yaml_syntax_error(pytester: pytest.Pytester, roadmap) -> None:
    roadmap("""
    phase_1:
      name: One
      groups: [unclosed
    """)
    assert_collection_error(pytester, "config/phases.yaml:4: invalid YAML: *; fix the syntax*")


def test_unknown_key_suggests_the_closest(pytester: pytest.Pytester, roadmap) -> None:
    roadmap(
        _tasks(
            '- id: "1.1"',
            "  name: edit",
            "  type: config_edit",
            "  targt: jest.config.js",
            "  action: expand_coverage_collection",
        )
    )
    assert_collection_error(
        pytester, "config/phases.yaml:10: task 1.1: unknown key 'targt'; did you mean 'target'?"
    )


def test_unknown_key_in_a_phase(pytester: pytest.Pytester, roadmap) -> None:
    roadmap("""
    phase_1:
      name: One
      descripton: typo
      groups: {}
    """)
    assert_collection_error(
        pytester,
        "config/phases.yaml:3: phase_1: unknown key 'descripton'; did you mean 'description'?",
    )


def test_unknown_setting(pytester: pytest.Pytester, roadmap) -> None:
    roadmap("""
    orchestrator:
      settings:
        max_paralel_tasks: 4
    phase_1:
      name: One
    """)
    assert_collection_error(
        pytester, "config/phases.yaml:3: orchestrator: unknown key 'max_paralel_tasks'*"
    )


def test_unknown_task_type_lists_known_types(pytester: pytest.Pytester, roadmap) -> None:
    roadmap(_tasks('- id: "1.1"', "  name: x", "  type: confg_edit"))
    assert_collection_error(
        pytester,
        "config/phases.yaml:9: task 1.1: unknown task type 'confg_edit'; did you mean "
        "'config_edit'? "
        "known types: command, config_edit, file_generation, manual, test_generation",
    )


def test_unknown_config_edit_action(pytester: pytest.Pytester, roadmap) -> None:
    roadmap(
        _tasks(
            '- id: "1.1"',
            "  name: x",
            "  type: config_edit",
            "  target: jest.config.js",
            "  action: expand_coverage",
        )
    )
    assert_collection_error(
        pytester,
        "config/phases.yaml:11: task 1.1: 'expand_coverage' is not a valid action; "
        "did you mean 'expand_coverage_collection'? use one of: expand_coverage_collection, *",
    )


def test_missing_required_key(pytester: pytest.Pytester, roadmap) -> None:
    roadmap(_tasks('- id: "1.1"', "  name: x", "  type: manual"))
    assert_collection_error(
        pytester, "config/phases.yaml:7: task 1.1: missing required key 'instructions'; add it"
    )


def test_unquoted_numeric_id(pytester: pytest.Pytester, roadmap) -> None:
    roadmap(_tasks("- id: 1.1", "  name: x", "  type: manual", "  instructions: do"))
    assert_collection_error(
        pytester, "*config/phases.yaml:7: task 1.1: task id 1.1 must be a string; quote it*"
    )


def test_duplicate_task_id(pytester: pytest.Pytester, roadmap) -> None:
    roadmap(
        _tasks(
            '- {id: "1.1", name: x, type: manual, instructions: do}',
            '- {id: "1.1", name: y, type: manual, instructions: do}',
        )
    )
    assert_collection_error(
        pytester,
        "config/phases.yaml:8: duplicate task id '1.1' (first used at line 7); give each task its "
        "own id",
    )


def test_duplicate_group_letter(pytester: pytest.Pytester, roadmap) -> None:
    roadmap("""
    phase_1:
      name: One
      groups:
        group_a:
          name: A
          tasks: [{id: "1.1", name: x, type: manual, instructions: do}]
    phase_2:
      name: Two
      groups:
        group_a:
          name: A again
          tasks: [{id: "2.1", name: x, type: manual, instructions: do}]
    """)
    assert_collection_error(
        pytester, "config/phases.yaml:10: phase_2: duplicate group letter 'a' (also in phase_1)*"
    )


def test_depends_on_that_names_nothing(pytester: pytest.Pytester, roadmap) -> None:
    roadmap(
        _tasks(
            '- {id: "1.1", name: x, type: manual, instructions: do}',
            '- {id: "1.2", name: y, type: manual, instructions: do, depends_on: ["1.3"]}',
        )
    )
    assert_collection_error(
        pytester,
        "config/phases.yaml:8: task 1.2: depends_on names '1.3', which is not in the roadmap; did "
        "you mean*",
    )


def test_dependency_cycle_is_printed(pytester: pytest.Pytester, roadmap) -> None:
    roadmap("""
    phase_1:
      name: One
      groups:
        group_a:
          name: A
          execution: parallel
          tasks:
            - {id: "1.1", name: x, type: manual, instructions: do}
            - {id: "1.2", name: y, type: manual, instructions: do, depends_on: ["1.3"]}
            - {id: "1.3", name: z, type: manual, instructions: do, depends_on: ["1.2"]}
    """)
    assert_collection_error(
        pytester,
        "config/phases.yaml:9: dependency cycle: 1.2 -> 1.3 -> 1.2 (each waits for the next)*",
    )


def test_target_outside_the_project_root(pytester: pytest.Pytester, roadmap) -> None:
    roadmap(
        _tasks(
            '- id: "1.1"',
            "  name: x",
            "  type: config_edit",
            "  target: ../../etc/passwd",
            "  action: yaml_set",
        )
    )
    assert_collection_error(
        pytester,
        "config/phases.yaml:10: task 1.1: '../../etc/passwd' resolves outside the project root*; "
        "use a path inside*",
    )


def test_target_through_a_symlink_that_escapes(
    pytester: pytest.Pytester, roadmap, tmp_path_factory
) -> None:
    outside = tmp_path_factory.mktemp("outside")
    (pytester.path / "link").symlink_to(outside)
    roadmap(
        _tasks(
            '- id: "1.1"',
            "  name: x",
            "  type: config_edit",
            "  target: link/ci.yml",
            "  action: yaml_set",
        )
    )
    assert_collection_error(
        pytester,
        "config/phases.yaml:10: task 1.1: 'link/ci.yml' resolves outside the project root*",
    )


def test_every_problem_is_reported_at_once(pytester: pytest.Pytester, roadmap) -> None:
    roadmap(_tasks('- {id: "1.1", name: x, type: manual}', '- {id: "1.2", name: y, type: nope}'))
    assert_collection_error(
        pytester,
        "config/phases.yaml:7: task 1.1: missing required key 'instructions'; add it",
        "config/phases.yaml:8: task 1.2: unknown task type 'nope'*",
    )


def test_command_needs_argv_or_run(pytester: pytest.Pytester, roadmap) -> None:
    roadmap(_tasks('- {id: "1.1", name: x, type: command}'))
    assert_collection_error(
        pytester, "config/phases.yaml:7: task 1.1: give exactly one of 'argv' (a list) or 'run'*"
    )


def test_validate_reports_missing_targets(pytester: pytest.Pytester, roadmap) -> None:
    roadmap(
        _tasks(
            '- {id: "1.1", name: x, type: config_edit, target: jest.config.js, action: '
            "expand_coverage_collection}",
            '- {id: "1.2", name: y, type: test_generation, source: src/services/user.ts}',
        )
    )
    (pytester.path / "jest.config.js").write_text("module.exports = {};\n")
    result = pytester.runpytest("--all", "--collect-only", "--orchestrate-validate")
    result.stdout.fnmatch_lines(
        [
            "config/phases.yaml:8: task 1.2: 'src/services/user.ts' does not exist in *; fix the "
            "path, or pass --project-root",
        ]
    )
    result.stdout.no_fnmatch_line("*task 1.1*")
    result.stdout.no_fnmatch_line("*Traceback*")
    assert result.ret == pytest.ExitCode.INTERRUPTED


def test_validate_reports_missing_templates(pytester: pytest.Pytester, roadmap) -> None:
    roadmap(
        _tasks('- {id: "1.1", name: x, type: file_generation, template: nope.ts.j2, output: a.ts}')
    )
    result = pytester.runpytest("--all", "--collect-only", "--orchestrate-validate")
    result.stdout.fnmatch_lines(
        ["config/phases.yaml:7: task 1.1: template 'nope.ts.j2' not found in *"]
    )
    assert result.ret == pytest.ExitCode.INTERRUPTED


def test_command_cwd_outside_the_project_root(pytester: pytest.Pytester, roadmap) -> None:
    roadmap(_tasks('- {id: "1.1", name: x, type: command, run: "true", cwd: ../..}'))
    assert_collection_error(
        pytester, "config/phases.yaml:7: task 1.1: '../..' resolves outside the project root*"
    )


def test_a_missing_project_root_runs_nothing_and_creates_nothing(
    pytester: pytest.Pytester, roadmap
) -> None:
    roadmap(
        "orchestrator:\n  settings:\n    project_root: ../build/app\n"
        + _tasks(
            '- {id: "1.1", name: notes, type: file_generation, template: notes.md.j2, '
            "output: docs/notes.md}"
        )
    )
    (pytester.path / "config" / "templates").mkdir()
    (pytester.path / "config" / "templates" / "notes.md.j2").write_text("notes\n")
    assert_collection_error(
        pytester,
        "config/phases.yaml:3: the project root */build/app does not exist; create it, fix "
        "project_root, or pass --project-root PATH (nothing was run)",
    )
    assert not (pytester.path / "build").exists()
    # The plan still shows without it.
    pytester.runpytest("--collect-only", "--all", "-q").stdout.fnmatch_lines(["*::1.1"])
