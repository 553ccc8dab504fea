"""Checkpoints that measure, end to end: coverage with a baseline and its change, workflows,
health, command output, and a check kind added by a plugin."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).parent.parent / "examples" / "educonnect"
BUNDLED = Path(__file__).parent.parent / "config" / "phases.yaml"


def summary(lines_covered: int, lines_total: int, root: Path) -> str:
    """A json-summary as Jest writes it, with one file under src/services/."""
    entry = {
        m: {"total": lines_total, "covered": lines_covered, "skipped": 0, "pct": 0}
        for m in ("lines", "statements", "functions", "branches")
    }
    return json.dumps({"total": entry, str(root / "src/services/a.ts"): entry})


COVERAGE_ROADMAP = """
phase_1:
  name: One
  groups:
    group_a:
      name: A
      tasks:
        - {id: "1.1", name: nothing, type: command, run: "true"}
  checkpoint:
    name: Measured
    checks:
      - name: Coverage at least 50%
        type: coverage
        report: coverage/coverage-summary.json
        thresholds:
          global: {lines: 50}
          "src/services/": {lines: 50}
"""


def run_coverage(
    pytester: pytest.Pytester, covered: int, root: Path, *args: str
) -> pytest.RunResult:
    (root / "coverage").mkdir(parents=True, exist_ok=True)
    (root / "coverage" / "coverage-summary.json").write_text(summary(covered, 200, root.resolve()))
    return pytester.runpytest("--phase", "1", "--redo", f"--project-root={root}", "-rA", *args)


def test_the_first_coverage_checkpoint_records_a_baseline_and_later_ones_show_the_change(
    pytester: pytest.Pytester, roadmap
) -> None:
    roadmap(COVERAGE_ROADMAP)
    root = pytester.path
    first = run_coverage(pytester, 62, root)
    first.assert_outcomes(passed=1, failed=1)
    first.stdout.fnmatch_lines(
        [
            "*lines 31% (62/200)*",
            "*baseline recorded: lines 31%*",
            "*src/services/: lines: 31% < 50%*",
        ]
    )

    second = run_coverage(pytester, 110, root, "--junitxml=report.xml")
    second.assert_outcomes(passed=2)
    second.stdout.fnmatch_lines(
        [
            "*lines 31% -> 55% (+24.00)*since baseline 20*",
            "*orchestrate coverage*",
            "*phase_1::checkpoint*lines 55%*since baseline*",
        ]
    )
    junit = (pytester.path / "report.xml").read_text()
    assert '<property name="coverage_lines" value="55.0"' in junit
    assert '<property name="coverage_delta_lines" value="24.0"' in junit

    cache = pytester.parseconfigure().cache
    folder = cache.mkdir("orchestrate") / "coverage"
    [project] = list(folder.iterdir())
    assert project.name.startswith(root.resolve().name)
    [baseline] = list((project / "baselines").iterdir())
    assert json.loads(baseline.read_text())["totals"]["lines"] == {"total": 200, "covered": 62}
    history = sorted((project / "history").iterdir())
    assert [json.loads(h.read_text())["totals"]["lines"]["covered"] for h in history] == [62, 110]


def test_baselines_are_kept_per_project_root(pytester: pytest.Pytester, roadmap) -> None:
    roadmap(COVERAGE_ROADMAP)
    one, two = pytester.path / "one", pytester.path / "two"
    run_coverage(pytester, 62, one).assert_outcomes(passed=1, failed=1)
    other = run_coverage(pytester, 150, two)
    other.stdout.fnmatch_lines(["*baseline recorded: lines 75%*"])
    again = run_coverage(pytester, 100, one)
    again.stdout.fnmatch_lines(["*lines 31% -> 50% (+19.00)*"])
    folder = pytester.parseconfigure().cache.mkdir("orchestrate") / "coverage"
    assert len(list(folder.iterdir())) == 2


def test_without_a_cache_coverage_is_still_judged(pytester: pytest.Pytester, roadmap) -> None:
    roadmap(COVERAGE_ROADMAP)
    result = run_coverage(pytester, 150, pytester.path, "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*lines 75% (150/200)*"])


def test_a_failing_check_is_named_and_the_others_still_run(
    pytester: pytest.Pytester, roadmap
) -> None:
    (pytester.path / ".github" / "workflows").mkdir(parents=True)
    (pytester.path / ".github" / "workflows" / "ci.yml").write_text(
        "on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: ./deploy\n        continue-on-error: true\n"
    )
    roadmap("""
        phase_1:
          name: One
          groups:
            group_a:
              name: A
              tasks:
                - {id: "1.1", name: nothing, type: command, run: "true"}
          checkpoint:
            name: Pipeline
            checks:
              - name: Workflows valid
                type: workflow
                path: .github/workflows
                rules: ["no continue-on-error", "deploy has environment"]
              - name: Says hello
                type: command
                run: "echo hello world; echo 'WARNING: deprecated'"
                stdout_matches: ["^hello"]
                stdout_excludes: ["WARNING"]
              - name: Exits
                type: command
                argv: ["true"]
    """)
    result = pytester.runpytest("--phase", "1")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*✓ Exits*",
            "*✗ Workflows valid: 2 problems:*",
            "*.github/workflows/ci.yml:3: deploy has environment: job 'deploy' has no environment*",
            "*.github/workflows/ci.yml:7: no continue-on-error:*",
            "*✗ Says hello: output matches 'WARNING': 'WARNING: deprecated'*",
        ]
    )
    result.stdout.no_fnmatch_line("*Traceback*")


def test_an_unknown_check_field_is_a_collection_error_at_its_line(
    pytester: pytest.Pytester, roadmap
) -> None:
    roadmap("""
        phase_1:
          name: One
          groups:
            group_a:
              name: A
              tasks:
                - {id: "1.1", name: nothing, type: command, run: "true"}
          checkpoint:
            name: Health
            checks:
              - name: Up
                type: http
                url: "http://127.0.0.1:9/health"
                expect_stauts: 200
    """)
    result = pytester.runpytest("--phase", "1")
    result.stdout.fnmatch_lines(["*phases.yaml:14:*expect_stauts*did you mean *expect_status*"])
    result.stdout.no_fnmatch_line("*Traceback*")


def test_a_plugin_adds_a_check_kind_through_the_hook(pytester: pytest.Pytester, roadmap) -> None:
    pytester.makeconftest("""
        from pytest_orchestrate.tasks.checks.kinds import CheckResult

        def file_count(check, workspace, settings, context):
            count = len(list(workspace.root.iterdir()))
            wanted = check.params["at_least"]
            return CheckResult(count >= wanted, f"{count} entries, wanted {wanted}")

        def pytest_orchestrate_register_check_kinds(registry):
            registry.add("file_count", file_count)
    """)
    roadmap("""
        phase_1:
          name: One
          groups:
            group_a:
              name: A
              tasks:
                - {id: "1.1", name: nothing, type: command, run: "true"}
          checkpoint:
            name: Files
            checks:
              - {name: Enough files, type: file_count, params: {at_least: 1000}}
    """)
    result = pytester.runpytest("--phase", "1")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*✗ Enough files: * entries, wanted 1000*"])


# ---------------------------------------------------------------------------
# The bundled roadmap on a copy of the example
# ---------------------------------------------------------------------------


@pytest.fixture
def example(tmp_path: Path) -> Path:
    if not (EXAMPLE / "node_modules" / ".bin" / "jest").exists():
        pytest.skip("needs the example's node_modules (npm ci in examples/educonnect)")
    copy = tmp_path / "educonnect"
    shutil.copytree(EXAMPLE, copy, ignore=shutil.ignore_patterns("node_modules", "coverage"))
    os.symlink(EXAMPLE / "node_modules", copy / "node_modules")
    return copy


def test_phase_1_on_the_example_measures_node_and_python_and_a_rerun_shows_the_change(
    pytester: pytest.Pytester, example: Path
) -> None:
    pytester.makeini("[pytest]\n")
    roadmap_path = pytester.path / "config" / "phases.yaml"
    roadmap_path.parent.mkdir()
    shutil.copy(BUNDLED, roadmap_path)
    shutil.copytree(BUNDLED.parent.parent / "templates", pytester.path / "templates")
    args = ("--phase", "1", f"--project-root={example}", "-rA", "-p", "no:randomly")
    first = pytester.runpytest_subprocess(*args, timeout=600)
    first.stdout.fnmatch_lines(
        [
            "*coverage/coverage-summary.json (istanbul json-summary, * files): lines *",
            "*baseline recorded: lines *",
            "*coverage.json (coverage.py json, * files): lines *",
        ]
    )
    # A new test lifts Node coverage; the rerun's checkpoint reports the change.
    (example / "tests" / "utils").mkdir(parents=True, exist_ok=True)
    (example / "tests" / "utils" / "password.extra.test.ts").write_text(
        "import { ScryptHasher } from '../../src/utils/password';\n"
        "test('hash and verify', async () => {\n"
        "  const h = new ScryptHasher();\n"
        "  expect(await h.verify('pw', await h.hash('pw'))).toBe(true);\n"
        "});\n"
    )
    second = pytester.runpytest_subprocess(*args, "--redo", timeout=600)
    second.stdout.fnmatch_lines(["*lines *% -> *% (+*) since baseline *"])
