"""What a run shares beyond the terminal: the GitHub step summary, annotations, and plan files.

``SharingPlugin`` (registered as ``"orchestrate-share"``) does three things on the controller:
- at the end of collection, writes ``--orchestrate-plan-mermaid`` (the plan as a Mermaid
  flowchart, coloured from the cache) and ``--orchestrate-ci-matrix`` (a GitHub Actions workflow);
- at the end of a run, when ``GITHUB_STEP_SUMMARY`` names a file, appends Markdown to it: a table
  per phase of statuses and time, the checkpoints with their coverage figures, the coloured plan,
  and a chart of coverage at each checkpoint over time (from the recorded history);
- under GitHub Actions, prints each failure as a ``::error file=...,line=...::`` workflow
  command, which GitHub turns into an annotation on the roadmap's line.

It only reads what the engine, the cache and the coverage history already hold; it decides nothing
about the run.
"""

from __future__ import annotations

import os
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from ..roadmap.ci_matrix import workflow
from ..roadmap.keys import checkpoint_node, checkpoint_phase, phase_number, split_nodeid
from ..tasks.registry import FAILED, STATUSES
from ..tasks.workspace import atomic_write
from .baseline import ORDER, coverage_history
from .config import engine, is_worker, project_root_override
from .context import RoadmapContext
from .durations import learned_seconds
from .engine import Engine
from .labels import PHASE
from .mermaid import NodeState, flowchart, record_states, session_states, with_blocked
from .reports import STATUS_WORDS, report_properties
from .secrets import secrets

SHARE_PLUGIN = "orchestrate-share"
STEP_SUMMARY_ENV = "GITHUB_STEP_SUMMARY"
ACTIONS_ENV = "GITHUB_ACTIONS"
DEFAULT_WORKFLOW = ".github/workflows/roadmap.yml"
_COVERAGE_PREFIX = "coverage_"
ANNOTATION_LINES = 12  # of a failure's short report; GitHub shows them in the annotation


class SharingPlugin:
    """Plan files at collection's end; the step summary and annotations at the run's end."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.seconds: dict[str, float] = defaultdict(float)  # nodeid -> setup + call + teardown
        self.phase: dict[str, str] = {}
        self.failures: dict[str, str] = {}  # nodeid -> what went wrong, in short
        self.coverage: dict[str, dict[str, str]] = {}  # checkpoint nodeid -> coverage_* properties

    @property
    def engine(self) -> Engine:
        return engine(self.config)

    # -- plan files ------------------------------------------------------------------------------

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if is_worker(self.config) or not self.engine.contexts:
            return
        target = self.config.getoption("orchestrate_plan_mermaid")
        if target:
            self._emit(target, "\n".join(self._flowchart(c) for c in self.engine.contexts.values()))
        target = self.config.getoption("orchestrate_ci_matrix")
        if target:
            self._emit(target, "".join(self._workflow(c) for c in self.engine.contexts.values()))

    def _flowchart(self, ctx: RoadmapContext) -> str:
        return flowchart(ctx.roadmap, ctx.graph, record_states(ctx, self.engine.state))

    def _workflow(self, ctx: RoadmapContext) -> str:
        rootdir = self.config.rootpath
        override = project_root_override(self.config)
        options = (
            f"--project-root={Path(os.path.relpath(override, rootdir)).as_posix()}"
            if override is not None
            else ""
        )
        root = ctx.roadmap.project_root
        node_dir = (
            Path(os.path.relpath(root, rootdir)).as_posix()
            if (root / "package.json").is_file()
            else None
        )
        return workflow(
            ctx.roadmap,
            ctx.graph,
            roadmap_file=ctx.roadmap.display,
            options=options,
            seconds=learned_seconds(ctx, self.engine.state),
            max_jobs=self.config.getoption("orchestrate_ci_max_jobs"),
            node_dir=node_dir,
        )

    def _emit(self, target: str, text: str) -> None:
        text = secrets(self.config).mask(text)
        if target == "-":
            sys.stdout.write(text)
        else:
            atomic_write(self.config.invocation_params.dir / target, text)

    # -- what the run did -------------------------------------------------------------------------

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        props = report_properties(report)
        if PHASE not in props:
            return
        self.seconds[report.nodeid] += report.duration
        self.phase[report.nodeid] = str(props[PHASE])
        if report.failed and report.nodeid not in self.failures:
            self.failures[report.nodeid] = _failure_text(report)
        figures = {
            k: str(v)
            for k, v in props.items()
            if k.startswith(_COVERAGE_PREFIX) and k != "coverage_record"
        }
        if figures:
            self.coverage[report.nodeid] = figures

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if is_worker(self.config) or not self.engine.contexts:
            return
        if os.environ.get(ACTIONS_ENV) == "true":  # elsewhere they would only be noise
            for line in self.annotations():
                terminalreporter.write_line(line)
        path = os.environ.get(STEP_SUMMARY_ENV)
        if path and self.engine.statuses:  # a --collect-only or status run has nothing to report
            append(Path(path), secrets(self.config).mask(self.markdown()))

    # -- the step summary -------------------------------------------------------------------------

    def markdown(self) -> str:
        """The Markdown this run appends to the step summary."""
        parts = []
        for file_nodeid, ctx in self.engine.contexts.items():
            parts.append(f"## Roadmap `{file_nodeid}`\n")
            parts.append(self._phase_table(ctx))
            parts.append(self._checkpoint_table(ctx))
            states = self._states(ctx)
            parts.append(
                "### Plan\n\n```mermaid\n" + flowchart(ctx.roadmap, ctx.graph, states) + "```\n"
            )
            parts.append(
                coverage_charts(coverage_history(self.config).history(ctx.roadmap.project_root))
            )
        return "\n".join(p for p in parts if p)

    def _states(self, ctx: RoadmapContext) -> dict[str, NodeState]:
        states = record_states(ctx, self.engine.state)
        states.update(session_states(ctx, self.engine.statuses))
        return with_blocked(ctx.graph, states)

    def _phase_table(self, ctx: RoadmapContext) -> str:
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        seconds: dict[str, float] = defaultdict(float)
        for node, nodeid in ctx.nodeids.items():
            status = self.engine.statuses.get(nodeid)
            if status is None:
                continue
            phase = ctx.graph.phase[node]
            counts[phase][status] += 1
            seconds[phase] += self.seconds.get(nodeid, 0.0)
        if not counts:
            return ""
        used = [s for s in STATUSES if any(c[s] for c in counts.values())]
        names = {p.key: p.name for p in ctx.roadmap.phases}
        rows = [
            ["phase", "name", *(_word(s) for s in used), "time"],
            ["---", "---", *("---:" for _ in used), "---:"],
        ]
        for phase in sorted(counts, key=lambda k: phase_number(k) or 0):
            rows.append(
                [
                    phase,
                    _cell(names.get(phase, "")),
                    *(str(counts[phase][s]) for s in used),
                    f"{seconds[phase]:.1f}s",
                ]
            )
        return "### Phases\n\n" + _table(rows)

    def _checkpoint_table(self, ctx: RoadmapContext) -> str:
        rows = [["checkpoint", "name", "result", "coverage"], ["---", "---", "---", "---"]]
        for phase in ctx.roadmap.phases:
            if phase.checkpoint is None:
                continue
            nodeid = ctx.nodeids[checkpoint_node(phase.key)]
            status = self.engine.statuses.get(nodeid)
            if status is None:
                continue
            rows.append(
                [
                    f"{phase.key}",
                    _cell(phase.checkpoint.name),
                    _word(status),
                    _cell(coverage_cell(self.coverage.get(nodeid, {}))),
                ]
            )
        return "### Checkpoints\n\n" + _table(rows) if len(rows) > 2 else ""

    # -- annotations -------------------------------------------------------------------------------

    def annotations(self) -> list[str]:
        """One ``::error`` workflow command per failed item, at its line of the roadmap."""
        out = []
        for nodeid, status in self.engine.statuses.items():
            if status != FAILED:
                continue
            file_part, node = split_nodeid(nodeid)
            ctx = self.engine.contexts.get(file_part)
            if ctx is None:
                continue
            line = ctx.roadmap.task_lines.get(node) or _checkpoint_line(ctx, node) or 1
            title = f"{node} failed"
            message = self.failures.get(nodeid, "failed")
            out.append(
                f"::error file={_property(file_part)},line={line},title={_property(title)}::"
                f"{_data(message)}"
            )
        return out


def coverage_cell(figures: Mapping[str, str]) -> str:
    """``lines 54.8% (+23.6), branches 40% (+5)`` from a checkpoint's ``coverage_*`` properties."""
    parts = []
    for metric in ORDER:
        value = figures.get(f"{_COVERAGE_PREFIX}{metric}")
        if value is None:
            continue
        delta = figures.get(f"{_COVERAGE_PREFIX}delta_{metric}")
        parts.append(f"{metric} {float(value):g}%" + (f" ({float(delta):+g})" if delta else ""))
    return ", ".join(parts) or "-"


def coverage_charts(history: list[dict[str, Any]]) -> str:
    """A Mermaid ``xychart-beta`` line per measured scope: its coverage at each checkpoint run."""
    by_key: dict[str, list[dict[str, Any]]] = {}
    for record in history:
        if isinstance(record.get("totals"), dict):
            by_key.setdefault(str(record.get("key", "")), []).append(record)
    charts = []
    for key, records in by_key.items():
        metric = next((m for m in ORDER if all(m in r["totals"] for r in records)), None)
        if metric is None:
            continue
        labels = ", ".join(f'"{_point(r)}"' for r in records)
        values = ", ".join(f"{_pct(r['totals'][metric]):g}" for r in records)
        charts.append(
            "```mermaid\nxychart-beta\n"
            f'  title "{metric} coverage at each checkpoint: {_chart_text(key)}"\n'
            f"  x-axis [{labels}]\n"
            f'  y-axis "{metric} %" 0 --> 100\n'
            f"  line [{values}]\n```\n"
        )
    return "### Coverage over time\n\n" + "\n".join(charts) if charts else ""


def append(path: Path, text: str) -> None:
    """Add ``text`` to the end of ``path`` in one ``O_APPEND`` write, so that appends by other
    processes (xdist's controller is alone, but a job's other steps are not) never interleave."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, text.encode("utf-8") + b"\n")
    finally:
        os.close(fd)


def _pct(counts: Mapping[str, Any]) -> float:
    total, covered = int(counts["total"]), int(counts["covered"])
    return round(100.0 * covered / total, 2) if total else 100.0


def _point(record: Mapping[str, Any]) -> str:
    """An x-axis label: ``11-20 14:02 phase_1``."""
    stamp = str(record.get("at", ""))[5:16].replace("T", " ")
    node = str(record.get("node", ""))
    phase = checkpoint_phase(split_nodeid(node)[1]) or node
    return f"{stamp} {phase}"


def _checkpoint_line(ctx: RoadmapContext, node: str) -> int | None:
    for phase in ctx.roadmap.phases:
        if phase.checkpoint is not None and checkpoint_node(phase.key) == node:
            return phase.checkpoint.line
    return None


def _failure_text(report: pytest.TestReport) -> str:
    """What went wrong, for an annotation: a task failure's short report (``file:line: ...`` and
    a few lines after it), or a traceback's last line (the exception)."""
    lines = [line.rstrip() for line in report.longreprtext.splitlines() if line.strip()]
    if not lines:
        return "failed"
    if re.match(r"\S+:\d+: ", lines[0]):
        return "\n".join(lines[:ANNOTATION_LINES])
    return lines[-1].strip()


def _word(status: str) -> str:
    """``changed`` -> ``CHANGED``, as the terminal says it."""
    return next((w for s, (_, _, w) in STATUS_WORDS.items() if s == status), status.upper())


def _table(rows: list[list[str]]) -> str:
    return "\n".join("| " + " | ".join(r) + " |" for r in rows) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _chart_text(text: str) -> str:
    return text.replace('"', "'")[-60:]


def _data(text: str) -> str:
    """A workflow command's message: ``%``, CR and LF escaped as GitHub's toolkit does."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    """A workflow command's property value: also ``:`` and ``,`` escaped."""
    return _data(text).replace(":", "%3A").replace(",", "%2C")
