"""The orchestrate command, and where the roadmap and the project root come from."""

from __future__ import annotations

import json

import pytest

from pytest_orchestrate.cli import main, pytest_args

ROADMAP = """
phase_1:
  name: One
  groups:
    group_a:
      name: A
      tasks:
        - {id: "1.1", name: mark the project, type: command, run: "pwd > marked"}
"""


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["plan"], ["--collect-only", "-p", "no:xdist", "--all"]),
        (
            ["plan", "--phase", "2", "--json", "-"],
            ["--phase", "2", "--collect-only", "-p", "no:xdist", "--orchestrate-plan", "-"],
        ),
        (["run", "--phase", "2", "--group", "c"], ["--phase", "2", "--group", "c"]),
        (
            ["run", "--all", "--dry-run", "--sequential", "-v"],
            ["--all", "--dry-run", "--sequential", "-v"],
        ),
        (
            ["run", "-p", "1", "--parallel", "-c", "road.yaml"],
            ["--roadmap=road.yaml", "--phase", "1", "-n", "auto"],
        ),
        (["run", "--all", "--junitxml=out.xml", "-x"], ["--all", "--junitxml=out.xml", "-x"]),
        (
            ["status", "--project-root", "/src/app"],
            ["--project-root=/src/app", "--orchestrate-status"],
        ),
        (
            ["validate"],
            ["--collect-only", "-q", "--all", "--orchestrate-validate", "-p", "no:xdist"],
        ),
    ],
)
def test_subcommands_map_onto_pytest_options(argv: list[str], expected: list[str]) -> None:
    assert pytest_args(argv) == expected


def test_run_without_a_selection_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        pytest_args(["run"])
    assert exit_info.value.code == 2
    assert "say what to run: --phase N, --group X or --all" in capsys.readouterr().err


def test_plan_json_and_run_and_status_end_to_end(
    pytester: pytest.Pytester, roadmap, capsys: pytest.CaptureFixture[str]
) -> None:
    roadmap(ROADMAP)
    pytester.chdir()
    assert main(["plan", "--json", "plan.json", "-q"]) == 0
    plan = json.loads((pytester.path / "plan.json").read_text())
    assert plan["roadmaps"][0]["phases"][0]["groups"][0]["tasks"][0]["id"] == "1.1"
    assert main(["run", "--all"]) == 0
    assert (pytester.path / "marked").exists()
    capsys.readouterr()
    assert main(["status"]) == 0
    assert "phase_1  One   1/1   a: completed" in capsys.readouterr().out
    assert main(["validate"]) == 0


def test_project_root_from_the_command_line_is_relative_to_the_cwd(
    pytester: pytest.Pytester, roadmap
) -> None:
    roadmap(ROADMAP)
    (pytester.path / "target").mkdir()
    pytester.runpytest("--all", "--project-root=target").assert_outcomes(passed=1)
    assert (pytester.path / "target" / "marked").read_text().strip() == str(
        pytester.path / "target"
    )


def test_project_root_from_the_roadmap_is_relative_to_the_roadmap(
    pytester: pytest.Pytester, roadmap
) -> None:
    roadmap("orchestrator:\n  settings:\n    project_root: ../target\n" + ROADMAP)
    (pytester.path / "target").mkdir()
    pytester.runpytest("--all").assert_outcomes(passed=1)
    assert (pytester.path / "target" / "marked").exists()


def test_project_root_from_the_ini_is_relative_to_the_ini_file(
    pytester: pytest.Pytester, roadmap
) -> None:
    roadmap(ROADMAP)
    (pytester.path / "target").mkdir()
    pytester.makeini("[pytest]\norchestrate_project_root = target\n")
    pytester.mkdir("elsewhere")
    result = pytester.runpytest(
        "--all", f"--rootdir={pytester.path}", "-c", str(pytester.path / "tox.ini")
    )
    result.assert_outcomes(passed=1)
    assert (pytester.path / "target" / "marked").exists()


def test_the_command_line_wins_over_the_roadmap_setting(pytester: pytest.Pytester, roadmap) -> None:
    roadmap("orchestrator:\n  settings:\n    project_root: ../target\n" + ROADMAP)
    (pytester.path / "other").mkdir()
    pytester.runpytest("--all", "--project-root=other").assert_outcomes(passed=1)
    assert (pytester.path / "other" / "marked").exists()


def test_a_path_option_written_with_a_space_is_explained(
    pytester: pytest.Pytester, roadmap, tmp_path_factory
) -> None:
    roadmap(ROADMAP)
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    result = pytester.runpytest("--all", "--project-root", str(elsewhere))
    result.stderr.fnmatch_lines(
        [f"*pytest read '{elsewhere}' as a test path*write --project-root={elsewhere}"]
    )


def test_n_auto_uses_max_parallel_tasks(pytester: pytest.Pytester, roadmap) -> None:
    pytest.importorskip("xdist")
    roadmap("orchestrator:\n  settings:\n    max_parallel_tasks: 3\n" + ROADMAP)
    result = pytester.runpytest("--all", "-n", "auto")
    result.stdout.fnmatch_lines(["*3 workers*"])


def test_n_auto_with_sequential_still_has_the_built_in_types(
    pytester: pytest.Pytester, roadmap
) -> None:
    pytest.importorskip("xdist")
    roadmap(ROADMAP)
    # -n auto reads the roadmap before pytest_configure; the task types built then must be complete.
    pytester.runpytest("--all", "-n", "auto", "--sequential").assert_outcomes(passed=1)
