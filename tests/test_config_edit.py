"""config_edit tasks end to end: a failure names the file and leaves its bytes untouched."""

from __future__ import annotations

from pathlib import Path

import pytest

WORKFLOW = """\
name: CI
on:
  push:
    branches: [main]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - name: Install
        run: npm ci
      # keep me
      - name: Safety check
        run: safety check
        continue-on-error: true
"""


def edit_task(target: str, action: str, params: str = "{}") -> str:
    return f"""
    phase_1:
      name: One
      groups:
        group_a:
          name: A
          tasks:
            - {{id: "1.1", name: edit, type: config_edit, target: "{target}", action: {action},
               params: {params}}}
    """


def run_failing(pytester: pytest.Pytester, files: dict[str, str], *lines: str) -> None:
    for rel, text in files.items():
        (pytester.path / rel).parent.mkdir(parents=True, exist_ok=True)
        (pytester.path / rel).write_bytes(text.encode())
    before = {rel: (pytester.path / rel).read_bytes() for rel in files}
    result = pytester.runpytest("--all")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["config/phases.yaml:7: task 1.1 (config_edit: edit) failed", *lines]
    )
    result.stdout.no_fnmatch_line("*Traceback*")
    assert {rel: (pytester.path / rel).read_bytes() for rel in files} == before


def test_missing_target(pytester: pytest.Pytester, roadmap) -> None:
    roadmap(edit_task("jest.config.js", "expand_coverage_collection"))
    run_failing(
        pytester, {}, "jest.config.js: target not found in *; fix 'target' or pass --project-root"
    )


def test_target_that_is_not_valid_yaml(pytester: pytest.Pytester, roadmap) -> None:
    roadmap(edit_task(".github/workflows/ci.yml", "remove_continue_on_error"))
    run_failing(
        pytester,
        {".github/workflows/ci.yml": "jobs: [unclosed\n"},
        ".github/workflows/ci.yml: not valid YAML:*line 2*",
    )


def test_target_that_is_not_valid_javascript(pytester: pytest.Pytester, roadmap) -> None:
    roadmap(edit_task("jest.config.js", "expand_coverage_collection"))
    run_failing(
        pytester,
        {"jest.config.js": "module.exports = { collectCoverageFrom: ['src/**'\n"},
        "jest.config.js:*: not valid JavaScript*",
    )


def test_action_on_the_wrong_kind_of_file(pytester: pytest.Pytester, roadmap) -> None:
    roadmap(edit_task(".github/workflows/ci.yml", "expand_coverage_collection"))
    run_failing(
        pytester,
        {".github/workflows/ci.yml": WORKFLOW},
        "*ci.yml*expand_coverage_collection needs a Jest config*",
    )


def test_workflow_action_on_a_json_file(pytester: pytest.Pytester, roadmap) -> None:
    roadmap(edit_task("package.json", "make_trivy_blocking"))
    run_failing(
        pytester,
        {"package.json": '{"name": "x"}\n'},
        "package.json: action make_trivy_blocking needs a YAML file such as "
        ".github/workflows/ci.yml",
    )


def test_params_naming_a_step_that_does_not_exist(pytester: pytest.Pytester, roadmap) -> None:
    roadmap(edit_task(".github/workflows/ci.yml", "remove_continue_on_error", '{step: "Audit"}'))
    run_failing(
        pytester,
        {".github/workflows/ci.yml": WORKFLOW},
        "*.github/workflows/ci.yml: no step named 'Audit'*Install*Safety check*",
    )


def test_an_edit_that_breaks_the_workflow_schema_is_not_written(
    pytester: pytest.Pytester, roadmap
) -> None:
    roadmap(
        edit_task(
            ".github/workflows/ci.yml", "yaml_set", "{path: jobs.test.timeout-minutes, value: soon}"
        )
    )
    run_failing(
        pytester,
        {".github/workflows/ci.yml": WORKFLOW},
        "*.github/workflows/ci.yml*timeout-minutes*",
    )


def test_a_needs_that_names_no_job_is_not_written(pytester: pytest.Pytester, roadmap) -> None:
    roadmap(
        edit_task(".github/workflows/ci.yml", "yaml_set", "{path: jobs.test.needs, value: [build]}")
    )
    run_failing(
        pytester, {".github/workflows/ci.yml": WORKFLOW}, "*.github/workflows/ci.yml*needs*build*"
    )


def test_an_edit_keeps_every_other_byte_and_runs_once(pytester: pytest.Pytester, roadmap) -> None:
    crlf = WORKFLOW.replace("\n", "\r\n")
    path = pytester.path / ".github" / "workflows" / "ci.yml"
    path.parent.mkdir(parents=True)
    path.write_bytes(crlf.encode())
    roadmap(edit_task(".github/workflows/ci.yml", "remove_continue_on_error"))
    pytester.runpytest("--all", "-v").stdout.fnmatch_lines(["*::1.1 CHANGED*"])
    assert path.read_bytes() == crlf.replace("        continue-on-error: true\r\n", "").encode()
    pytester.runpytest("--all", "-v", "--redo").stdout.fnmatch_lines(["*::1.1 OK*"])


def test_dry_run_shows_the_diff_and_writes_nothing(pytester: pytest.Pytester, roadmap) -> None:
    path = pytester.path / "ci.yml"
    path.write_text(WORKFLOW)
    roadmap(edit_task("ci.yml", "remove_continue_on_error"))
    result = pytester.runpytest("--all", "--dry-run")
    result.stdout.fnmatch_lines(
        ["--- a/ci.yml", "+++ b/ci.yml", "-        continue-on-error: true"]
    )
    assert path.read_text() == WORKFLOW
    assert not any(Path(pytester.path).glob(".ci.yml.*"))
