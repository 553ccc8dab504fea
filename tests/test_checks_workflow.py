"""The ``workflow`` check: schema, ``needs`` and named rules, each violation at its line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pytest_orchestrate.errors import TaskFailed
from pytest_orchestrate.tasks.checks.workflow_rules import (
    Violation,
    check_workflows,
    find_violations,
)

BROKEN = """\
name: CI
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    timeout-minutes: [20]
    steps:
      - uses: actions/checkout@main
      - name: Tests
        run: make test
        continue-on-error: true
  deploy-production:
    runs-on: ubuntu-latest
    needs: [build, tset]
    steps:
      - uses: actions/setup-node@39370e3970a6d050c480ffad4ff0ed4d3fdee5af # v4
      - uses: aquasecurity/trivy-action@0.28.0
      - run: ./deploy.sh
"""
RULES = ["no continue-on-error", "deploy-production has environment", "actions pinned"]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "ci.yml").write_text(BROKEN)
    return tmp_path


def test_schema_needs_and_rule_violations_are_each_named_at_their_line(project: Path) -> None:
    violations, files = find_violations(project, ".github/workflows", RULES)
    where = [(v.line, v.rule) for v in violations]
    assert files == 1
    assert where == [
        (6, "schema"),
        (8, "actions pinned"),
        (11, "no continue-on-error"),
        (12, "deploy-production has environment"),
        (14, "needs"),
    ]
    by_rule = {v.rule: v for v in violations}
    assert "timeout-minutes" in by_rule["schema"].what
    assert by_rule["needs"].what.startswith(
        "job 'deploy-production' needs 'tset', which is not a job"
    )
    assert "actions/checkout@main" in by_rule["actions pinned"].what
    assert "'Tests'" in by_rule["no continue-on-error"].what


def test_the_failure_lists_violations_as_file_line_rule_what(project: Path) -> None:
    with pytest.raises(TaskFailed) as failure:
        check_workflows(project, ".github/workflows", RULES)
    lines = str(failure.value).splitlines()
    assert lines[0] == "5 problems:"
    assert lines[3] == (
        ".github/workflows/ci.yml:11: no continue-on-error: "
        "step 'Tests' of job 'build' sets continue-on-error: true"
    )


def test_a_fixed_workflow_passes_and_says_which_rules_hold(project: Path) -> None:
    fixed = (
        BROKEN.replace("    timeout-minutes: [20]\n", "    timeout-minutes: 20\n")
        .replace("@main", "@v4")
        .replace("        continue-on-error: true\n", "")
        .replace("needs: [build, tset]", "needs: [build]\n    environment: production")
    )
    (project / ".github" / "workflows" / "ci.yml").write_text(fixed)
    message = check_workflows(project, ".github/workflows", RULES)
    assert message == (
        "1 workflow valid; rules hold: no continue-on-error, "
        "deploy-production has environment, actions pinned"
    )


def test_pinning_to_sha_rejects_tags(project: Path) -> None:
    violations, _ = find_violations(project, ".github/workflows/ci.yml", ["actions pinned to sha"])
    pinned = [v for v in violations if v.rule == "actions pinned to sha"]
    assert [v.line for v in pinned] == [8, 17]


def test_a_job_named_by_a_rule_must_exist_somewhere(project: Path) -> None:
    violations, _ = find_violations(
        project, ".github/workflows", ["deploy-staging has environment"]
    )
    assert (
        Violation(
            ".github/workflows/ci.yml",
            1,
            "deploy-staging has environment",
            "no workflow under .github/workflows has a job 'deploy-staging'",
        )
        in violations
    )


def test_an_unknown_rule_lists_the_known_ones(project: Path) -> None:
    with pytest.raises(
        TaskFailed, match="unknown workflow rule 'no secrets'; known rules: no cont"
    ):
        check_workflows(project, ".github/workflows", ["no secrets"])


def test_the_example_workflow_is_valid_but_breaks_two_rules() -> None:
    example = Path(__file__).parent.parent / "examples" / "educonnect"
    violations, _ = find_violations(example, ".github/workflows", RULES)
    assert [(v.rule, v.what.split(" sets")[0].split(" has")[0]) for v in violations] == [
        ("no continue-on-error", "step 'Safety check' of job 'python-services'"),
        ("deploy-production has environment", "job 'deploy-production'"),
    ]


def test_invalid_yaml_is_a_violation_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "ci.yml").write_text(
        textwrap.dedent("""\
        name: CI
        on: push
        jobs:
          build: [unclosed
    """)
    )
    violations, _ = find_violations(tmp_path, "ci.yml", [])
    assert [(v.rule, v.line) for v in violations] == [("yaml", 5)]
