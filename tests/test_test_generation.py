"""``test_generation`` for TS/JS, end to end: real roadmaps through pytest, real Jest as the judge.

A small CommonJS project (``tests/data/testgen/calc``) covers ownership, bad input and the check;
the bundled example covers the roadmap's own phases 2, 3 and 5, with real ts-jest and ``tsc``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from pytest_orchestrate.tasks.test_generation.conventions import (
    Convention,
    detect_convention,
    glob_match,
    read_jest_settings,
)

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "educonnect"
CALC = Path(__file__).resolve().parent / "data" / "testgen" / "calc"
NODE_MODULES = EXAMPLE / "node_modules"

needs_node = pytest.mark.skipif(
    not NODE_MODULES.is_dir(), reason="run `npm ci` in examples/educonnect first (.ci/run does)"
)

ROADMAP = """
phase_2:
  name: Tests
  groups:
    group_c:
      name: Generated
      tasks:
        - id: "2.1"
          name: calc tests
          type: test_generation
          source: {source}
          estimated_tests: 4
{extra}
"""
GENERATED = "tests/services/calc.service.test.js"


def status(word: str, tid: str = "2.1") -> str:
    return rf".*(::{re.escape(tid)} {word}\b|\] {word} .*::{re.escape(tid)}\b)"


@pytest.fixture
def calc(pytester: pytest.Pytester) -> Path:
    """The calc project as the pytester directory (so the project root), with Jest linked in."""
    shutil.copytree(CALC, pytester.path, dirs_exist_ok=True)
    if NODE_MODULES.is_dir():
        (pytester.path / "node_modules").symlink_to(NODE_MODULES)
    return pytester.path


def write_roadmap(
    root: Path, source: str = "src/services/calc.service.js", extra: str = ""
) -> None:
    path = root / "config" / "phases.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(
        ROADMAP.format(source=source, extra=textwrap.indent(extra, " " * 10)), encoding="utf-8"
    )


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest("--phase", "2", "-v", "-p", "no:randomly", *args)


def jest(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(root / "node_modules" / ".bin" / "jest"), "--ci", "--runInBand", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
    )


# --------------------------------------------------------------------------- conventions


def test_jest_default_test_match_globs_match_like_micromatch() -> None:
    pattern = "**/?(*.)+(spec|test).[jt]s?(x)"
    assert glob_match(pattern, "tests/a/user.service.gen.test.ts")
    assert glob_match(pattern, "src/x.spec.jsx")
    assert not glob_match(pattern, "src/services/user.service.ts")
    assert glob_match("**/__tests__/**/*.[jt]s?(x)", "src/services/__tests__/user.test.ts")


@pytest.mark.parametrize(
    ("tests", "expected"),
    [
        (["tests/services/a.test.ts"], Convention("mirrored", "tests", "src", ".test")),
        (["tests/unit/services/a.spec.ts"], Convention("mirrored", "tests/unit", "src", ".spec")),
        (["src/services/__tests__/a.test.ts"], Convention("colocated", "", "", ".test")),
        (["src/services/a.spec.ts"], Convention("sibling", "", "", ".spec")),
    ],
    ids=["mirrored", "tests-unit", "colocated", "sibling-spec"],
)
def test_the_layout_of_existing_tests_is_followed(
    tmp_path: Path, tests: list[str], expected: Convention
) -> None:
    for rel in ["src/services/a.ts", "src/services/b.ts", *tests]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("export const x = 1;\n")
    convention = detect_convention(tmp_path, read_jest_settings(tmp_path))
    assert convention == expected
    assert convention.test_path("src/services/b.ts").endswith(f"b{expected.suffix}.ts")


def test_jest_config_literals_are_read_without_running_node(tmp_path: Path) -> None:
    (tmp_path / "jest.config.ts").write_text(
        textwrap.dedent("""
        import type { Config } from 'jest';
        const config: Config = {
          roots: ['<rootDir>/app'],
          testRegex: '\\\\.check\\\\.ts$',
          moduleNameMapper: { '^@/(.*)$': '<rootDir>/app/$1' },
          setupFilesAfterEnv: ['<rootDir>/setup.ts'],
        };
        export default config;
    """)
    )
    settings = read_jest_settings(tmp_path)
    assert settings.roots == ("app",)
    assert settings.test_regex == ("\\.check\\.ts$",)
    assert settings.is_alias("@/services/x") and not settings.is_alias("express")
    assert settings.setup_files == ("setup.ts",)
    assert settings.finds("app/x.check.ts") and not settings.finds("app/x.test.ts")
    assert not settings.finds("other/x.check.ts")  # outside roots


# --------------------------------------------------------------------------- the small project


@needs_node
def test_generated_js_test_passes_and_a_rerun_is_ok(pytester: pytest.Pytester, calc: Path) -> None:
    write_roadmap(calc)
    first = run(pytester)
    first.assert_outcomes(passed=1)
    first.stdout.re_match_lines([status("CHANGED")])
    text = (calc / GENERATED).read_text()
    assert text.startswith(
        "// Generated by pytest-orchestrate from src/services/calc.service.js (task 2.1)."
    )
    assert "jest.mock('../../src/services/rounding', () => ({ round: jest.fn() }));" in text
    assert "const api = require('../../src/services/calc.service');" in text
    assert "expect(api['percent'].length).toBe(2);" in text
    assert "expect(api['CalcService'].length).toBe(1);" in text  # `precision = 2` is not counted
    assert "it.todo('recall rejects with RangeError for an out-of-range key');" in text
    assert len(re.findall(r"it\.todo\(", text)) == 4
    result = jest(calc, GENERATED)
    assert result.returncode == 0, result.stdout + result.stderr
    second = run(pytester, "--redo")
    second.assert_outcomes(passed=1)
    second.stdout.re_match_lines([status("OK")])
    assert (calc / GENERATED).read_text() == text  # deterministic: same source, same bytes


@needs_node
def test_routes_are_read_from_the_router_stack_and_called_through_supertest_when_mockable(
    pytester: pytest.Pytester, calc: Path
) -> None:
    write_roadmap(calc, source="src/routes/items.routes.js")
    result = run(pytester)
    result.assert_outcomes(passed=1)
    text = (calc / "tests/routes/items.routes.test.js").read_text()
    # Every handler is a property of a mocked import, so each answers through a stand-in handler.
    assert (
        "jest.mock('../../src/controllers/items.controller', () => ({ list: jest.fn((_req, res) => "
        "res.status(200).end()),"
    ) in text
    assert "it('registers DELETE /items/:id', () => {" in text
    assert "expect(registered()).toContain('GET /items/:id');" in text
    assert "const response = await request(app).delete('/items/1');" in text
    assert "expect(response.status).not.toBe(404);" in text


@needs_node
def test_a_hand_edited_test_is_kept_and_a_changed_source_regenerates_only_unedited_files(
    pytester: pytest.Pytester, calc: Path
) -> None:
    write_roadmap(calc)
    run(pytester).assert_outcomes(passed=1)
    edited = (calc / GENERATED).read_text().replace("describe(", "describe.skip(", 1)
    (calc / GENERATED).write_text(edited)
    source = calc / "src/services/calc.service.js"
    source.write_text(
        source.read_text().replace(
            "function percent(part, whole)", "function percent(part, whole, digits)"
        )
    )
    kept = run(pytester, "--redo")
    kept.assert_outcomes(passed=1)
    kept.stdout.re_match_lines([status("KEPT")])
    assert (calc / GENERATED).read_text() == edited
    (calc / GENERATED).unlink()
    run(pytester, "--redo").assert_outcomes(passed=1)
    assert "expect(api['percent'].length).toBe(3);" in (calc / GENERATED).read_text()
    source.write_text(source.read_text().replace("whole, digits)", "whole)"))
    regenerated = run(pytester, "--redo")
    regenerated.assert_outcomes(passed=1)
    regenerated.stdout.re_match_lines([status("CHANGED")])
    assert "expect(api['percent'].length).toBe(2);" in (calc / GENERATED).read_text()


@needs_node
def test_a_hand_written_test_is_never_touched_the_generated_one_goes_beside_it(
    pytester: pytest.Pytester, calc: Path
) -> None:
    hand = "test('by hand', () => expect(1).toBe(1));\n"
    (calc / GENERATED).parent.mkdir(parents=True, exist_ok=True)
    (calc / GENERATED).write_text(hand)
    write_roadmap(calc)
    run(pytester).assert_outcomes(passed=1)
    assert (calc / GENERATED).read_text() == hand
    assert (
        (calc / "tests/services/calc.service.gen.test.js").read_text().startswith("// Generated by")
    )


def test_an_explicit_output_over_a_hand_written_file_fails_and_changes_nothing(
    pytester: pytest.Pytester, calc: Path
) -> None:
    (calc / GENERATED).write_text("test('by hand', () => expect(1).toBe(1));\n")
    write_roadmap(calc, extra=f"output: {GENERATED}\n")
    result = run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*tests/services/calc.service.test.js exists and was not generated*never overwritten*"]
    )
    assert (calc / GENERATED).read_text().startswith("test('by hand'")


def test_dry_run_shows_the_file_as_a_diff_and_runs_nothing(
    pytester: pytest.Pytester, calc: Path
) -> None:
    (calc / "node_modules").unlink(missing_ok=True)  # nothing may run: no Jest needed
    write_roadmap(calc)
    result = run(pytester, "--dry-run")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        ["*+++ b/tests/services/calc.service.test.js*", "*+const api = require(*"]
    )
    assert not (calc / GENERATED).exists()


@pytest.mark.parametrize(
    ("source", "content", "message"),
    [
        ("src/services/missing.js", None, "*source src/services/missing.js not found*"),
        (
            "src/services/broken.ts",
            "export function ok() {}\n\nexport function broken( {\n  return 1;\n",
            "*src/services/broken.ts:*: cannot generate tests for a file that does not parse*",
        ),
        (
            "src/services/quiet.ts",
            "const internal = 1;\nconsole.log(internal);\n",
            "*src/services/quiet.ts exports nothing a test could import*",
        ),
        (
            "src/server.js",
            "const app = require('./app');\napp.listen(3000);\nmodule.exports = app;\n",
            "*src/server.js starts a server or connects while it loads*",
        ),
    ],
    ids=["missing", "syntax-error", "no-exports", "entry-file"],
)
def test_bad_sources_fail_with_a_clear_message_and_leave_no_file(
    pytester: pytest.Pytester, calc: Path, source: str, content: str | None, message: str
) -> None:
    if content is not None:
        (calc / source).write_text(content)
    write_roadmap(calc, source=source)
    before = sorted(
        p.relative_to(calc).as_posix() for p in calc.rglob("*") if "node_modules" not in p.parts
    )
    result = run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([message])
    result.stdout.no_fnmatch_line("*Traceback*")
    after = sorted(
        p.relative_to(calc).as_posix() for p in calc.rglob("*") if "node_modules" not in p.parts
    )
    assert [p for p in after if not p.startswith((".", "config"))] == [
        p for p in before if not p.startswith((".", "config"))
    ]


def test_a_missing_jest_says_to_run_npm_ci_and_leaves_no_file(
    pytester: pytest.Pytester, calc: Path
) -> None:
    (calc / "node_modules").unlink(missing_ok=True)
    write_roadmap(calc)
    result = run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*Jest is not installed*run `npm ci`*"])
    assert not (calc / GENERATED).exists()


@needs_node
def test_a_generated_test_that_fails_is_not_kept_and_the_task_shows_jests_message(
    pytester: pytest.Pytester, calc: Path
) -> None:
    # A project's own templates/ folder overrides the built-in template of the kind.
    override = calc / "templates" / "testgen" / "service.test.j2"
    override.parent.mkdir(parents=True)
    override.write_text("test('always wrong', () => {\n  expect(40 + 2).toBe(41);\n});\n")
    write_roadmap(calc)
    result = run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*the generated tests do not pass, so nothing was kept*", "*always wrong*"]
    )
    assert not (calc / GENERATED).exists()


# --------------------------------------------------------------------------- the bundled example


@dataclass
class ExampleRun:
    root: Path
    output: str
    returncode: int
    generated: dict[str, str]
    coverage_before: float
    coverage_after: float
    suite: subprocess.CompletedProcess[str] | None  # the whole Jest suite after generation


def example_roadmap() -> str:
    """Phases 2, 3 and 5 of the bundled roadmap, with only their TS/JS test_generation tasks, all
    in the shape style this file is about. The bundled roadmap characterizes about half of them;
    that takes some 50 s a file, beyond this suite's time budget, and is measured by the main job
    (README, "Walkthrough") and the characterization campaigns (``--campaigns``)."""
    data = yaml.safe_load((REPO / "config" / "phases.yaml").read_text())
    roadmap: dict[str, object] = {}
    for phase in ("phase_2", "phase_3", "phase_5"):
        groups = {}
        for key, group in data[phase]["groups"].items():
            tasks = [
                {**t, "style": "shape"}
                for t in group["tasks"]
                if t["type"] == "test_generation"
                and not any(
                    str(s).endswith(".py")
                    for s in ([t["source"]] if isinstance(t["source"], str) else t["source"])
                )
            ]
            if tasks:
                groups[key] = {
                    "name": group["name"],
                    "execution": group.get("execution", "parallel"),
                    "tasks": tasks,
                }
        roadmap[phase] = {"name": data[phase]["name"], "depends_on": [], "groups": groups}
    return yaml.safe_dump(roadmap, sort_keys=False)


def line_coverage(root: Path, directory: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    """The whole suite's run, with line coverage over all of src/ (the config measures services)."""
    result = subprocess.run(
        [
            str(root / "node_modules" / ".bin" / "jest"),
            "--ci",
            "-w",
            "2",
            "--coverage",
            "--collectCoverageFrom=src/**/*.ts",
            "--coverageReporters=json-summary",
            "--coverageThreshold={}",
            f"--coverageDirectory={directory}",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    summary_file = directory / "coverage-summary.json"
    if result.returncode != 0 or not summary_file.exists():
        return 0.0, result
    return float(json.loads(summary_file.read_text())["total"]["lines"]["pct"]), result


@pytest.fixture(scope="session")
def example_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ExampleRun]:
    """Generate the TS tests of phases 2, 3 and 5 once (xdist, two at a time) for the asserts."""
    if not NODE_MODULES.is_dir():
        pytest.skip("run `npm ci` in examples/educonnect first (.ci/run does)")
    base = tmp_path_factory.mktemp("example")
    root = base / "educonnect"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("node_modules", "coverage"))
    (root / "node_modules").symlink_to(NODE_MODULES)
    before, _ = line_coverage(root, base / "coverage-before")
    runner = base / "runner"
    (runner / "config").mkdir(parents=True)
    (runner / "config" / "phases.yaml").write_text(example_roadmap())
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "config/phases.yaml",
            f"--project-root={root}",
            "-n",
            "2",
            "-v",
            "-p",
            "no:randomly",
            "-p",
            "no:cacheprovider",
        ],
        cwd=runner,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    generated = {
        p.relative_to(root).as_posix(): p.read_text()
        for p in sorted((root / "tests").rglob("*.test.ts"))
        if p.read_text().startswith("// Generated by pytest-orchestrate")
    }
    after, suite = (
        line_coverage(root, base / "coverage-after") if completed.returncode == 0 else (0.0, None)
    )
    yield ExampleRun(
        root,
        completed.stdout + completed.stderr,
        completed.returncode,
        generated,
        before,
        after,
        suite,
    )


def test_every_ts_task_of_phases_2_3_and_5_runs_green(example_run: ExampleRun) -> None:
    assert example_run.returncode == 0, example_run.output[-5000:]
    assert re.search(r"\b28 passed\b", example_run.output), example_run.output[-2000:]


def test_generated_files_follow_the_example_layout_and_never_replace_hand_written_tests(
    example_run: ExampleRun,
) -> None:
    files = set(example_run.generated)
    assert (
        "tests/services/user.service.gen.test.ts" in files
    )  # tests/services/user.service.test.ts is hand-written
    assert "tests/services/analytics.service.test.ts" in files
    assert {
        "tests/routes/users.routes.test.ts",
        "tests/config/app.test.ts",
        "tests/graphql/resolvers.test.ts",
        "tests/utils/ids.test.ts",
        "tests/middleware/authenticate.test.ts",
    } <= files
    assert (
        not (example_run.root / "tests" / "services" / "user.service.test.ts")
        .read_text()
        .startswith("// Generated")
    )
    users = example_run.generated["tests/routes/users.routes.test.ts"]
    assert (
        "it('registers GET /api/users/:id', () => {" in users
    )  # the prefix app.ts mounts it under
    assert "expect(registered()).toContain('GET /:id');" in users


def test_the_whole_example_suite_and_tsc_stay_green(example_run: ExampleRun) -> None:
    assert example_run.returncode == 0, example_run.output[-3000:]
    root = example_run.root
    suite = example_run.suite
    assert suite is not None and suite.returncode == 0, (
        (suite.stdout[-3000:] + suite.stderr[-3000:]) if suite else ""
    )
    tsc = subprocess.run(
        [str(root / "node_modules" / ".bin" / "tsc"), "--noEmit"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert tsc.returncode == 0, tsc.stdout[-3000:]


def test_report_files_tests_todos_and_coverage(
    example_run: ExampleRun, capsys: pytest.CaptureFixture[str]
) -> None:
    texts = example_run.generated.values()
    tests = sum(len(re.findall(r"^\s*it\(", t, re.MULTILINE)) for t in texts)
    todos = sum(len(re.findall(r"^\s*it\.todo\(", t, re.MULTILINE)) for t in texts)
    assert tests > len(texts) and todos > 0
    assert example_run.coverage_after >= example_run.coverage_before
    with capsys.disabled():
        print(
            f"\n[test_generation on examples/educonnect] {len(texts)} files, {tests} tests, "
            f"{todos} to-dos; line coverage over src/: {example_run.coverage_before:.1f}% -> "
            f"{example_run.coverage_after:.1f}%"
        )
