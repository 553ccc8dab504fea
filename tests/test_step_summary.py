"""The GitHub step summary and annotations: what a run appends to ``$GITHUB_STEP_SUMMARY``.

Each run goes through pytest in-process with the variables GitHub sets, and the Markdown is read
back from the file: the per-phase table, the checkpoints with their coverage, the coloured plan, the
coverage chart over time, and the ``::error`` lines in the log.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

ROADMAP = """
phase_1:
  name: Measure
  groups:
    group_a:
      name: A
      tasks:
        - {id: "1.1", name: nothing, type: command, run: "true"}
  checkpoint:
    name: Measured
    checks:
      - name: Coverage report
        type: coverage
        report: coverage/coverage-summary.json
phase_2:
  name: Break
  depends_on: []
  groups:
    group_b:
      name: B
      tasks:
        - {id: "2.1", name: fails, type: command, run: "exit 3"}
        - {id: "2.2", name: after it, type: command, run: "true"}
"""


def coverage_report(root: Path, covered: int) -> None:
    """A json-summary as Jest writes it: ``covered`` of 200 lines (and statements, ...)."""
    entry = {
        m: {"total": 200, "covered": covered, "skipped": 0, "pct": 0}
        for m in ("lines", "statements", "functions", "branches")
    }
    (root / "coverage").mkdir(exist_ok=True)
    (root / "coverage" / "coverage-summary.json").write_text(
        json.dumps({"total": entry, str(root.resolve() / "src" / "a.ts"): entry})
    )


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The variables a GitHub Actions step sees; returns the step summary file."""
    path = tmp_path / "step_summary.md"
    path.write_text("Earlier step's text\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(path))
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    return path


@pytest.mark.parametrize("args", [(), ("-n", "2")], ids=["serial", "xdist"])
def test_two_runs_append_tables_plan_chart_and_annotations(
    pytester: pytest.Pytester,
    roadmap: Callable[[str], Path],
    github: Path,
    args: tuple[str, ...],
    assert_counts,
) -> None:
    path = roadmap(ROADMAP)
    coverage_report(pytester.path, 62)
    assert_counts(
        pytester.runpytest("--all", "-p", "no:randomly", *args), passed=2, failed=1, blocked=1
    )
    coverage_report(pytester.path, 110)
    result = pytester.runpytest("--all", "--redo", "-p", "no:randomly", *args)
    assert_counts(result, passed=2, failed=1, blocked=1)

    text = github.read_text()
    assert text.startswith("Earlier step's text\n")  # appended, never replaced
    runs = text.split("## Roadmap `config/phases.yaml`")
    assert len(runs) == 3
    last = runs[2]

    phases = table(last, "### Phases")
    assert phases[0] == ["phase", "name", "CHANGED", "OK", "BLOCKED", "FAILED", "time"]
    assert phases[1][:6] == ["phase_1", "Measure", "1", "1", "0", "0"]
    assert phases[2][:6] == ["phase_2", "Break", "0", "0", "1", "1"]
    assert all(re.fullmatch(r"\d+\.\ds", row[-1]) for row in phases[1:])

    checkpoints = table(last, "### Checkpoints")
    assert checkpoints[1][:3] == ["phase_1", "Measured", "OK"]
    assert checkpoints[1][3].startswith("lines 55% (+24)")

    plan = block(last, "### Plan")
    assert plan.startswith("flowchart TB")
    assert re.search(r"^  class .*\bt2_1\b.* failed$", plan, re.M)
    assert re.search(r"^  class .*\bt2_2\b.* blocked$", plan, re.M)
    assert re.search(r"^  class .*\bt1_1\b.* changed$", plan, re.M)

    chart = block(last, "### Coverage over time")
    assert chart.startswith("xychart-beta")
    assert re.search(r"^  x-axis \[\"[\d -:]+ phase_1\", \"[\d -:]+ phase_1\"\]$", chart, re.M)
    assert "  line [31, 55]" in chart

    line = 1 + path.read_text().splitlines().index(
        '        - {id: "2.1", name: fails, type: command, run: "exit 3"}'
    )
    result.stdout.fnmatch_lines(
        [f"::error file=config/phases.yaml,line={line},title=2.1 failed::*exited 3, expected 0*"]
    )
    assert len([x for x in result.stdout.lines if x.startswith("::error")]) == 1


def test_without_github_nothing_is_appended_and_no_annotation_printed(
    pytester: pytest.Pytester,
    roadmap: Callable[[str], Path],
    monkeypatch: pytest.MonkeyPatch,
    assert_counts,
) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    roadmap(ROADMAP)
    coverage_report(pytester.path, 62)
    result = pytester.runpytest("--all", "-p", "no:randomly")
    assert_counts(result, passed=2, failed=1, blocked=1)
    assert not [x for x in result.stdout.lines if x.startswith("::error")]


def test_a_summary_without_coverage_history_skips_the_chart(
    pytester: pytest.Pytester, roadmap: Callable[[str], Path], github: Path
) -> None:
    roadmap(ROADMAP)
    coverage_report(pytester.path, 62)
    pytester.runpytest("--all", "-p", "no:randomly", "-p", "no:cacheprovider")
    text = github.read_text()
    assert "### Phases" in text and "### Plan" in text
    assert "### Coverage over time" not in text  # nothing recorded without a cache
    assert table(text, "### Checkpoints")[1][3].startswith("lines 31%")


def test_a_run_that_runs_nothing_appends_nothing(
    pytester: pytest.Pytester, roadmap: Callable[[str], Path], github: Path
) -> None:
    roadmap(ROADMAP)
    assert pytester.runpytest("--all", "--collect-only").ret == 0
    assert github.read_text() == "Earlier step's text\n"


def table(text: str, heading: str) -> list[list[str]]:
    """The Markdown table under ``heading``, as rows of cells (the separator row dropped)."""
    after = text.split(heading + "\n\n", 1)[1]
    rows = []
    for line in after.splitlines():
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        if not all(set(c) <= set("-:") for c in cells):
            rows.append(cells)
    return rows


def block(text: str, heading: str) -> str:
    """The first fenced ``mermaid`` block under ``heading``."""
    after = text.split(heading + "\n\n", 1)[1]
    return after.split("```mermaid\n", 1)[1].split("```", 1)[0]
