"""Checkpoints that measure, end to end: coverage with a baseline and its change, workflows,
health, command output, and a check kind added by a plugin."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
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


@pytest.mark.parametrize("args", [(), ("-n", "2")], ids=["serial", "xdist"])
def test_the_first_coverage_checkpoint_records_a_baseline_and_later_ones_show_the_change(
    pytester: pytest.Pytester, roadmap, args: tuple[str, ...]
) -> None:
    roadmap(COVERAGE_ROADMAP)
    root = pytester.path
    first = run_coverage(pytester, 62, root, *args)
    first.assert_outcomes(passed=1, failed=1)
    first.stdout.fnmatch_lines(
        [
            "*lines 31% (62/200)*",
            "*baseline recorded: lines 31%*",
            "*src/services/: lines: 31% < 50%*",
        ]
    )

    second = run_coverage(pytester, 110, root, "--junitxml=report.xml", *args)
    second.assert_outcomes(passed=2)
    second.stdout.fnmatch_lines(
        [
            "*lines 31% -> 55% (+24.00)*since baseline 20*",
            "*orchestrate coverage*",
            "*phase_1::checkpoint*lines 55%*since baseline*",
            "*orchestrate summary*",
            "coverage ?coverage/coverage-summary.json? at phase_1 checkpoint: lines 55%, *",
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


def test_a_report_the_command_did_not_write_is_refused(pytester: pytest.Pytester, roadmap) -> None:
    roadmap(
        COVERAGE_ROADMAP.replace(
            "        report: coverage/coverage-summary.json",
            '        command: "echo tests ran"\n        report: coverage/coverage-summary.json',
        )
    )
    (pytester.path / "coverage").mkdir()
    report = pytester.path / "coverage" / "coverage-summary.json"
    report.write_text(summary(150, 200, pytester.path.resolve()))
    os.utime(report, (1_700_000_000, 1_700_000_000))  # written long before this run
    result = pytester.runpytest("--phase", "1")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*✗ Coverage at least 50%: coverage report coverage/coverage-summary.json"
            " is older than this run: the command did not write it*"
        ]
    )


def test_several_reports_are_shown_one_by_one_and_combined_by_their_counts(
    pytester: pytest.Pytester, roadmap
) -> None:
    roadmap(
        COVERAGE_ROADMAP.replace(
            "        report: coverage/coverage-summary.json",
            "        report: [coverage/coverage-summary.json, {path: py/coverage.json}]",
        )
    )
    (pytester.path / "py").mkdir()
    (pytester.path / "py" / "coverage.json").write_text(
        json.dumps(
            {
                "meta": {"branch_coverage": False},
                "files": {"app.py": {"summary": {"num_statements": 100, "covered_lines": 100}}},
            }
        )
    )
    result = run_coverage(pytester, 120, pytester.path)
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "*coverage-summary.json (istanbul json-summary, 1 files): lines 60% (120/200)*",
            "*py/coverage.json (coverage.py json, 1 files): lines 100% (100/100)*",
            # 220 of 300 lines, not the mean of 60% and 100%
            "*combined (weighted by counts): lines 73.33% (220/300), statements 73.33% (220/300)",
            "*✓ global: lines 100%",
            "*✓ src/services/: lines 60%*",
        ]
    )


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


@pytest.mark.parametrize("verdict", ["true", "false"])
def test_a_non_blocking_checkpoint_measures_its_phase_before_the_next_one_starts(
    pytester: pytest.Pytester, roadmap, verdict: str
) -> None:
    """Under -n 2 the next phase's task is ready as soon as phase 1's tasks are, but it waits for
    the checkpoint to finish, so the checkpoint sees only phase 1's work; a failing non-blocking
    checkpoint still lets the next phase run."""
    roadmap(f"""
        phase_1:
          name: One
          groups:
            group_a:
              name: A
              tasks:
                - {{id: "1.1", name: first, type: command, run: "echo one > one.txt"}}
          checkpoint:
            name: Measured
            blocking: false
            checks:
              - name: Only phase 1's work is there
                type: command
                run: "sleep 2; test -e one.txt && test ! -e two.txt && {verdict}"
        phase_2:
          name: Two
          groups:
            group_b:
              name: B
              tasks:
                - {{id: "2.1", name: second, type: command, run: "echo two > two.txt"}}
    """)
    result = pytester.runpytest("--all", "-n", "2", "-p", "no:randomly")
    if verdict == "true":
        result.assert_outcomes(passed=3)
    else:
        result.assert_outcomes(passed=2, failed=1)
        result.stdout.fnmatch_lines(["*✗ Only phase 1's work is there*"])
    assert (pytester.path / "two.txt").exists()  # phase 2 ran either way


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


def test_a_check_path_outside_the_project_is_a_collection_error(
    pytester: pytest.Pytester, roadmap
) -> None:
    roadmap(COVERAGE_ROADMAP.replace("report: coverage/", "report: ../elsewhere/"))
    result = pytester.runpytest("--phase", "1")
    result.stdout.fnmatch_lines(
        ["*phases.yaml:11: phase_1.checkpoint.checks[[]0]: *../elsewhere/*project root*"]
    )
    result.stdout.no_fnmatch_line("*Traceback*")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def listening(port: int, within_seconds: float) -> bool:
    """Whether something still accepts connections on ``port`` after ``within_seconds``."""
    deadline = time.monotonic() + within_seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            return False
        if time.monotonic() > deadline:
            return True
        time.sleep(0.1)


def test_the_example_health_server_is_started_checked_and_stopped(
    pytester: pytest.Pytester, roadmap
) -> None:
    project = pytester.path / "project"
    (project / "scripts").mkdir(parents=True)
    shutil.copy(EXAMPLE / "scripts" / "health-server.js", project / "scripts")
    shutil.copy(EXAMPLE / "package.json", project)
    port = free_port()
    roadmap(f"""
        phase_1:
          name: One
          groups:
            group_a:
              name: A
              tasks:
                - id: "1.1"
                  name: Start the health server
                  type: command
                  argv: ["node", "scripts/health-server.js", "--start"]
                  env: {{HEALTH_PORT: "{port}"}}
          checkpoint:
            name: Healthy
            checks:
              - name: Deployment healthy
                type: http
                url: "http://127.0.0.1:{port}/health"
                expect_json: {{status: ok, service: educonnect-platform}}
                deadline_seconds: 20
                retry_delay_seconds: 0.2
              - name: Stop the health server
                type: command
                argv: ["node", "scripts/health-server.js", "--stop"]
                stdout_excludes: ["not running"]
    """)
    result = pytester.runpytest("--phase", "1", f"--project-root={project}", "-rA")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            f"*✓ Deployment healthy: GET http://127.0.0.1:{port}/health: 200 in * ms (attempt *)",
            "*✓ Stop the health server: `node scripts/health-server.js --stop` exited 0",
        ]
    )
    assert not (project / ".health-server.pid").exists()
    assert not listening(port, within_seconds=5)  # stopped (SIGTERM is handled asynchronously)


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


@dataclass(frozen=True)
class ExampleRun:
    """Phase 1 of the bundled roadmap, run once on a copy of the example (Jest costs ~20 s)."""

    workdir: Path
    project: Path
    output: pytest.LineMatcher
    junit: str


def run_pytest(workdir: Path, *args: str) -> tuple[int, pytest.LineMatcher]:
    """pytest in its own process, as a user runs it, in a folder of its own (not this repo's)."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:randomly", *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=900,
    )
    return done.returncode, pytest.LineMatcher((done.stdout + done.stderr).splitlines())


@pytest.fixture(scope="module")
def example_run(tmp_path_factory: pytest.TempPathFactory) -> ExampleRun:
    if not (EXAMPLE / "node_modules" / ".bin" / "jest").exists():
        pytest.skip("needs the example's node_modules (npm ci in examples/educonnect)")
    base = tmp_path_factory.mktemp("example")
    project = base / "educonnect"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("node_modules", "coverage"))
    os.symlink(EXAMPLE / "node_modules", project / "node_modules")
    workdir = base / "orchestrate"
    (workdir / "config").mkdir(parents=True)
    shutil.copy(BUNDLED, workdir / "config" / "phases.yaml")
    shutil.copytree(BUNDLED.parent.parent / "templates", workdir / "templates")
    (workdir / "pytest.ini").write_text("[pytest]\n")
    code, output = run_pytest(
        workdir, "--phase", "1", f"--project-root={project}", "-rA", "--junitxml=phase1.xml"
    )
    assert code == 0, "\n".join(output.lines[-40:])
    return ExampleRun(workdir, project, output, (workdir / "phase1.xml").read_text())


def test_phase_1_on_the_example_measures_the_starting_node_and_python_coverage(
    example_run: ExampleRun,
) -> None:
    example_run.output.fnmatch_lines(
        [
            "*✓ Starting Node coverage: ran: npx jest*",
            "*coverage/coverage-summary.json (istanbul json-summary, * files): lines *%*",
            "*baseline recorded: lines *%*",
            "*✓ Starting Python coverage: ran: python -m coverage run*",
            "*coverage/python-coverage.json (coverage.py json, 12 files): lines *%*",
            "*baseline recorded: lines *%*",
            "*✓ Workflows are valid: 1 workflow valid; rules hold: no continue-on-error*",
            "*orchestrate coverage*",
            "*phase_1::checkpoint ?coverage/coverage-summary.json?: lines *; baseline recorded",
            "*phase_1::checkpoint ?coverage/python-coverage.json?: lines *; baseline recorded",
        ]
    )
    # The example starts far below its 80% goal, in both languages.
    for scope in ("coverage/coverage-summary.json", "coverage/python-coverage.json"):
        line = next(x for x in example_run.output.lines if f"[{scope}]: lines " in x)
        start = float(line.split("lines ")[1].split("%")[0])
        assert 10 < start < 50, line


def test_the_example_s_coverage_reaches_junit_with_its_scope(example_run: ExampleRun) -> None:
    junit = example_run.junit
    assert junit.count('<property name="coverage_scope"') == 2
    assert '<property name="coverage_scope" value="coverage/python-coverage.json"' in junit
    assert junit.count('<property name="coverage_lines" value="') == 2
    assert "coverage_delta_lines" not in junit  # a first measurement has nothing to compare with


def test_status_shows_the_example_s_latest_coverage(example_run: ExampleRun) -> None:
    code, output = run_pytest(
        example_run.workdir, "--orchestrate-status", f"--project-root={example_run.project}"
    )
    assert code in (0, 5), "\n".join(output.lines[-30:])  # 5: status runs no test
    output.fnmatch_lines(
        [
            "phase_1 *passed*",
            "coverage: *phase_1::checkpoint ?coverage/coverage-summary.json? 20*: lines *%*",
            "coverage: *phase_1::checkpoint ?coverage/python-coverage.json? 20*: lines *%*",
        ]
    )


def test_a_later_checkpoint_on_the_example_shows_the_change_since_the_baseline(
    example_run: ExampleRun,
) -> None:
    # A new test lifts Node coverage (src/utils is measured once phase 1 has run).
    (example_run.project / "tests" / "utils").mkdir(parents=True, exist_ok=True)
    (example_run.project / "tests" / "utils" / "password.extra.test.ts").write_text(
        "import { ScryptHasher } from '../../src/utils/password';\n"
        "test('hash and verify', async () => {\n"
        "  const h = new ScryptHasher();\n"
        "  expect(await h.verify('pw', await h.hash('pw'))).toBe(true);\n"
        "});\n"
    )
    code, output = run_pytest(
        example_run.workdir, "--phase", "1", f"--project-root={example_run.project}", "--redo"
    )
    assert code == 0, "\n".join(output.lines[-40:])
    output.fnmatch_lines(
        [
            "*phase_1::checkpoint ?coverage/coverage-summary.json?: lines *%; "
            "lines *% -> *% (+*) since baseline 20*",
            "*phase_1::checkpoint ?coverage/python-coverage.json?: lines *%; "
            "lines *% -> *% (+0.00) since baseline 20*",
        ]
    )
    node = next(x for x in output.lines if "[coverage/coverage-summary.json]: lines " in x)
    gained = float(node.split("lines ")[2].split("(")[1].split(")")[0])
    assert gained > 0, node


def test_jest_missing_its_own_threshold_is_told_apart_from_failing_tests(
    example_run: ExampleRun,
) -> None:
    # Another roadmap on the same project: it shares the project's baseline.
    (example_run.workdir / "config" / "threshold.yaml").write_text(
        textwrap.dedent("""
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
                  - name: Node coverage
                    type: coverage
                    command: ["npx", "jest", "--ci", "--coverage",
                              "--coverageReporters=json-summary",
                              '--coverageThreshold={"global": {"lines": 99}}']
                    report: coverage/coverage-summary.json
                    thresholds:
                      global: {lines: 10}
        """)
    )
    code, output = run_pytest(
        example_run.workdir,
        "--roadmap=config/threshold.yaml",
        "--phase",
        "1",
        f"--project-root={example_run.project}",
        "-rA",
    )
    assert code == 0, "\n".join(output.lines[-40:])
    output.fnmatch_lines(
        [
            "*✓ Node coverage: ran: npx jest * exited 1 because Jest's own coverageThreshold was "
            "missed, not because a test failed (* passed, * total):",
            '*Jest: "global" coverage threshold for lines (99%) not met: *',
            "*coverage/coverage-summary.json (istanbul json-summary, * files): lines *",
            "*lines *% -> *% (+*) since baseline 20*",
            "*✓ global: lines *%",
        ]
    )
