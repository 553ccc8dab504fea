"""Coverage reports in four formats, read into one shape and judged as Jest judges thresholds.

The fixtures under ``tests/data/coverage`` were written by the real tools: Jest 29 on the example
(json-summary, lcov and Cobertura reporters, paths rewritten to ``/builds/educonnect``) and
coverage.py 7 on the example's recommendation service. Each is checked against the figure the same
tool printed for the same run (``jest-text.txt``, ``jest-utils-text.txt``, ``py-report.txt``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from pytest_orchestrate.errors import TaskFailed
from pytest_orchestrate.tasks.checks.coverage import combined, istanbul_pct, judge, read_report

DATA = Path(__file__).parent / "data" / "coverage"
ROOT = Path("/builds/educonnect")
EXAMPLE = Path(__file__).parent.parent / "examples" / "educonnect"


def jest_all_files_row(name: str) -> dict[str, float]:
    """The 'All files' row of Jest's text reporter: % Stmts, % Branch, % Funcs, % Lines."""
    text = (DATA / name).read_text()
    row = next(line for line in text.splitlines() if line.startswith("All files"))
    stmts, branch, funcs, lines = (float(cell) for cell in row.split("|")[1:5])
    return {"statements": stmts, "branches": branch, "functions": funcs, "lines": lines}


def test_istanbul_summary_with_absolute_paths_matches_what_jest_printed() -> None:
    report = read_report(DATA / "jest-coverage-summary.json", "coverage-summary.json", ROOT)
    printed = jest_all_files_row("jest-text.txt")
    assert report.format == "istanbul json-summary"
    assert {m: c.pct for m, c in report.totals().items()} == printed
    assert len(report.files) == 15
    assert all(f.path.startswith("/builds/educonnect/src/") for f in report.files)


def test_lcov_with_several_files_matches_what_jest_printed() -> None:
    report = read_report(DATA / "jest-lcov.info", "lcov.info", ROOT)
    printed = jest_all_files_row("jest-text.txt")
    assert report.format == "lcov"
    assert len(report.files) == 15
    totals = report.totals()
    assert "statements" not in totals  # lcov has no statement counts
    assert {m: totals[m].pct for m in ("lines", "branches", "functions")} == {
        m: printed[m] for m in ("lines", "branches", "functions")
    }
    # lcov's SF paths are relative to Jest's rootDir; they come out as the same absolute paths.
    summary = read_report(DATA / "jest-coverage-summary.json", "s", ROOT)
    assert sorted(f.path for f in report.files) == sorted(f.path for f in summary.files)


def test_jest_cobertura_matches_what_jest_printed_for_lines_and_functions() -> None:
    report = read_report(DATA / "jest-cobertura.xml", "cobertura-coverage.xml", ROOT)
    printed = jest_all_files_row("jest-utils-text.txt")
    totals = report.totals()
    assert report.format == "cobertura"
    assert (totals["lines"].pct, totals["functions"].pct) == (
        printed["lines"],
        printed["functions"],
    )
    assert {Path(f.path).name for f in report.files} == {"errors.ts", "ids.ts", "password.ts"}
    # Istanbul's Cobertura writer attaches branches to statement lines only: two of errors.ts's
    # branches are in json-summary (8 in all) but on no <line>, so per-file counts see 6.
    assert totals["branches"].total == 6


def test_coverage_py_json_paths_are_relative_to_where_coverage_ran() -> None:
    ran_in = ROOT / "services" / "recommendation"
    report = read_report(DATA / "py-coverage.json", "coverage.json", ran_in)
    totals = report.totals()
    assert report.format == "coverage.py json"
    assert str(ran_in / "recommendation" / "engine.py") in {f.path for f in report.files}
    assert (totals["lines"].covered, totals["lines"].total) == (109, 117)
    assert (totals["branches"].covered, totals["branches"].total) == (24, 32)


def test_coverage_py_figures_give_the_total_coverage_py_printed() -> None:
    printed = re.search(
        r"^TOTAL\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)%",
        (DATA / "py-report.txt").read_text(),
        re.MULTILINE,
    )
    assert printed is not None
    statements, missing, branches, _partial, cover = (int(g) for g in printed.groups())
    for name, root in (
        ("py-coverage.json", ROOT / "services/recommendation"),
        ("py-coverage.xml", ROOT),
    ):
        totals = read_report(DATA / name, name, root).totals()
        assert (totals["lines"].total, totals["lines"].uncovered, totals["branches"].total) == (
            statements,
            missing,
            branches,
        )
        # coverage.py's own figure counts statements and branches together.
        both = (totals["lines"].covered + totals["branches"].covered) / (statements + branches)
        assert round(100 * both) == cover


def test_coverage_py_cobertura_takes_paths_from_its_source_element() -> None:
    report = read_report(DATA / "py-coverage.xml", "coverage.xml", Path("/elsewhere"))
    assert "/builds/educonnect/services/recommendation/recommendation/scoring.py" in {
        f.path for f in report.files
    }


def test_node_and_python_reports_combine_weighted_by_line_counts() -> None:
    node = read_report(DATA / "jest-coverage-summary.json", "node", ROOT)
    python = read_report(DATA / "py-coverage.json", "python", ROOT / "services/recommendation")
    both = combined([node, python])
    assert (both["lines"].covered, both["lines"].total) == (221 + 109, 435 + 117)
    assert both["lines"].pct == 59.78  # an average of 50.8 and 93.16 would say 71.98
    assert "functions" not in both  # coverage.py does not count functions


def test_percentages_are_floored_like_istanbul() -> None:
    assert istanbul_pct(2, 3) == 66.66
    assert istanbul_pct(0, 0) == 100.0
    assert istanbul_pct(7999, 10000) == 79.99


def test_a_report_in_no_known_format_says_which_formats_work(tmp_path: Path) -> None:
    (tmp_path / "report.txt").write_text("All files | 50 | 50\n")
    with pytest.raises(TaskFailed, match="json-summary"):
        read_report(tmp_path / "report.txt", "report.txt", tmp_path)


def test_a_missing_report_says_to_run_the_tests_with_coverage(tmp_path: Path) -> None:
    with pytest.raises(TaskFailed, match=r"coverage-summary\.json does not exist; run the tests"):
        read_report(tmp_path / "nope.json", "coverage/coverage-summary.json", tmp_path)


def test_a_threshold_on_a_metric_the_report_lacks_is_a_failure_that_says_so() -> None:
    report = read_report(DATA / "jest-lcov.info", "lcov.info", ROOT)
    [result] = judge(report.files, {"global": {"statements": 10}}, ROOT, report.metrics)
    assert [m.message for m in result.failures] == [
        "the report has no statements figures; "
        "remove this threshold or use a report that measures it"
    ]


# ---------------------------------------------------------------------------
# Agreement with Jest's own coverageThreshold, on the same report
# ---------------------------------------------------------------------------

SOURCES = {
    "src/a/one.js": """
        function grade(score) {
          if (score > 90) return 'A';
          if (score > 50) return 'B';
          return 'C';
        }
        function unused(x) { return x ? 1 : 2; }
        module.exports = { grade, unused };
    """,
    "src/a/two.js": """
        exports.add = (a, b) => a + b;
        exports.sub = (a, b) => a - b;
    """,
    "src/ab/four.js": "exports.four = () => 4;\n",
    "src/b/three.js": """
        exports.never = function never(flag) {
          if (flag) { return 'yes'; }
          return 'no';
        };
    """,
    "lib/five.js": "exports.five = (n) => (n > 5 ? 'big' : 'small');\n",
    "test/one.test.js": """
        const { grade } = require('../src/a/one');
        const { add } = require('../src/a/two');
        const { five } = require('../lib/five');
        test('grades', () => { expect(grade(95)).toBe('A'); expect(add(1, 2)).toBe(3); });
        test('five', () => { expect(five(9)).toBe('big'); });
    """,
}

THRESHOLD_CASES = {
    "path-global-and-missing": {
        "global": {"lines": 90, "branches": 40},
        "./src/a/": {"lines": 70, "branches": -1},
        "./src/zzz/": {"lines": 1},
    },
    "glob-judges-each-file": {
        "src/b/**/*.js": {"functions": 50},
        "src/a/*.js": {"lines": 50, "statements": 50},
        "global": {"lines": 50},
    },
    "prefix-without-slash-and-counts": {
        "./src/a": {"statements": -3, "functions": 60},
        "./lib/": {"lines": 100, "branches": 50},
        "global": {"functions": -1, "lines": 0},
    },
    "everything-passes": {
        "global": {"lines": 10},
        "./src/a/": {"lines": 40, "branches": 10, "functions": -3},
    },
}

JEST_MISS = [
    (re.compile(r'^Jest: "(?P<group>.+)" coverage threshold for (?P<metric>\w+) \('), True),
    (
        re.compile(
            r"^Jest: Uncovered count for (?P<metric>\w+) \(\d+\) exceeds (?P<group>.+) threshold"
        ),
        True,
    ),
    (re.compile(r"^Jest: Coverage data for (?P<group>.+) was not found\."), False),
]


def jest_misses(output: str) -> set[tuple[str, str | None]]:
    """(group, metric) pairs Jest reported as missed."""
    misses: set[tuple[str, str | None]] = set()
    for line in output.splitlines():
        for pattern, has_metric in JEST_MISS:
            m = pattern.match(line.strip())
            if m:
                misses.add((m["group"], m["metric"] if has_metric else None))
    return misses


@pytest.fixture(scope="module")
def jest_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (EXAMPLE / "node_modules" / ".bin" / "jest").exists() or shutil.which("node") is None:
        pytest.skip("needs node and the example's node_modules (npm ci in examples/educonnect)")
    root = tmp_path_factory.mktemp("jestproject")
    for name, text in SOURCES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text).lstrip())
    (root / "package.json").write_text('{"name": "thresholds", "private": true}\n')
    os.symlink(EXAMPLE / "node_modules", root / "node_modules")
    return root


@pytest.mark.parametrize("case", list(THRESHOLD_CASES))
def test_our_judgement_agrees_with_jest_coverage_threshold_per_group(
    jest_project: Path, case: str
) -> None:
    thresholds = THRESHOLD_CASES[case]
    config = {
        "collectCoverageFrom": ["src/**/*.js", "lib/**/*.js"],
        "coverageReporters": ["json-summary"],
        "coverageThreshold": thresholds,
    }
    (jest_project / "jest.config.js").write_text(f"module.exports = {json.dumps(config)};\n")
    run = subprocess.run(
        ["node", "node_modules/.bin/jest", "--coverage", "--ci", "-w", "1"],
        cwd=jest_project,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Tests:       2 passed, 2 total" in run.stderr
    jest = jest_misses(run.stdout + run.stderr)

    report = read_report(
        jest_project / "coverage" / "coverage-summary.json", "summary", jest_project
    )
    ours = {
        (j.group, m.metric)
        for j in judge(report.files, thresholds, jest_project, report.metrics)
        for m in j.failures
    }

    assert ours == jest
    assert (run.returncode == 0) == (not ours)
    if case != "everything-passes":
        assert ours, "the case should miss something, or it proves nothing"
