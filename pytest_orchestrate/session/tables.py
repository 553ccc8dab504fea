"""Tables for the terminal: the per-phase summary at the end of a run, and ``status``."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping

import pytest

from ..roadmap.keys import phase_number
from ..tasks.registry import (
    BLOCKED,
    CHANGED,
    DONE,
    FAILED,
    KEPT,
    MANUAL,
    OK,
    WOULD_CHANGE,
    WOULD_RUN,
)
from ..tasks.test_generation.model import (
    DROPPED_CASES,
    GENERATED_FILES,
    GENERATED_TESTS,
    GENERATED_TODOS,
    PROBE_CALLS,
)
from .baseline import CoverageHistory, coverage_history
from .context import RoadmapContext
from .labels import STATUS
from .reports import STATUS_WORDS
from .state import ResumeState

COLUMNS = (CHANGED, OK, KEPT, DONE, WOULD_CHANGE, WOULD_RUN, BLOCKED, MANUAL, FAILED)


class PhaseSummary:
    """Counts of each status and time spent, per phase, gathered from reports."""

    def __init__(self) -> None:
        self.phases: dict[str, Counter[str]] = defaultdict(Counter)
        self.seconds: dict[str, float] = defaultdict(float)

    def add(self, phase: str, report: pytest.TestReport) -> None:
        """Count one report (each item's status is counted once, from its deciding report)."""
        self.seconds[phase] += report.duration
        status = dict(report.user_properties).get(STATUS)
        if report.failed:
            status = FAILED
        deciding = (
            report.when == "call" or (report.when == "setup" and report.skipped) or report.failed
        )
        if deciding and status is not None:
            self.phases[phase][str(status)] += 1

    def lines(self) -> list[str]:
        """A table with one row per phase and one column per status seen."""
        used = [c for c in COLUMNS if any(counts[c] for counts in self.phases.values())]
        # The documented words ("would change"), not the keys.
        header = ["phase", *(STATUS_WORDS[c][2].lower() for c in used), "time"]
        rows = [
            [phase, *(str(counts[c]) for c in used), f"{self.seconds[phase]:.1f}s"]
            for phase, counts in sorted(
                self.phases.items(), key=lambda kv: phase_number(kv[0]) or 0
            )
        ]
        if len(rows) > 1:
            total = sum(self.phases.values(), Counter[str]())
            rows.append(
                ["total", *(str(total[c]) for c in used), f"{sum(self.seconds.values()):.1f}s"]
            )
        return _table(header, rows)


class GeneratedSummary:
    """Per phase, what test generation wrote and what it dropped, with the coverage the phase's
    checkpoint measured before -> after: the closing "generated tests" table."""

    COLUMNS = (
        (GENERATED_FILES, "files"),
        (GENERATED_TESTS, "tests"),
        (GENERATED_TODOS, "to-dos"),
        (PROBE_CALLS, "probe calls"),
    )

    def __init__(self) -> None:
        self.phases: dict[str, Counter[str]] = defaultdict(Counter)
        self.dropped: dict[str, Counter[str]] = defaultdict(Counter)

    def add(self, phase: str, report: pytest.TestReport) -> None:
        """Add a finished test_generation task's figures (other reports carry none)."""
        props = dict(report.user_properties)
        if report.when != "call" or not report.passed or GENERATED_FILES not in props:
            return
        for name, _ in self.COLUMNS:
            self.phases[phase][name] += int(str(props.get(name, 0)))
        dropped = props.get(DROPPED_CASES)
        self.dropped[phase].update(dropped if isinstance(dropped, Mapping) else {})

    def lines(self, coverage: CoverageHistory) -> list[str]:
        """The table, then each phase's dropped cases by reason."""
        if not self.phases:
            return []
        phases = sorted(self.phases, key=lambda p: phase_number(p) or 0)
        header = ["phase", *(word for _, word in self.COLUMNS), "dropped", "lines before -> after"]
        rows = [
            [
                phase,
                *(str(self.phases[phase][name]) for name, _ in self.COLUMNS),
                str(sum(self.dropped[phase].values())),
                coverage.phase_change(phase) or "-",
            ]
            for phase in phases
        ]
        lines = _table(header, rows)
        for phase in phases:
            if self.dropped[phase]:
                reasons = ", ".join(f"{n} {why}" for why, n in self.dropped[phase].most_common())
                lines.append(f"dropped in {phase}: {reasons}")
        return lines


def status_table(
    ctx: RoadmapContext, state: ResumeState, is_done: Callable[[RoadmapContext, str], object]
) -> list[str]:
    """``status``: per phase, tasks done/total, each group's state, the last checkpoint, the
    current phase. ``is_done`` is the engine's verified check, so status says what is true on
    disk."""
    roadmap = ctx.roadmap
    rows = []
    current = None
    for phase in roadmap.phases:
        groups = []
        done_total = [0, 0]
        for group in phase.groups:
            done = sum(1 for t in group.tasks if is_done(ctx, t.id))
            done_total[0] += done
            done_total[1] += len(group.tasks)
            word = (
                "completed"
                if done == len(group.tasks)
                else "in progress"
                if done
                else "not started"
            )
            groups.append(f"{group.letter}: {word}")
        checkpoint = state.checkpoint(ctx.rid, phase.key) if phase.checkpoint else None
        last = (
            f"{checkpoint['result']} {checkpoint['at'].replace('T', ' ')[:16]}"
            if checkpoint
            else "-"
        )
        complete = done_total[0] == done_total[1] and (
            phase.checkpoint is None or (checkpoint or {}).get("result") == "passed"
        )
        if current is None and not complete:
            current = phase
        rows.append(
            [
                phase.key,
                phase.name,
                f"{done_total[0]}/{done_total[1]}",
                ", ".join(groups) or "-",
                last,
            ]
        )
    lines = [f"roadmap: {roadmap.display}  (project root: {roadmap.project_root})"]
    if not state.enabled:
        lines.append(
            "no cache (-p no:cacheprovider): nothing is recorded, so nothing shows as done"
        )
    elif not state.has_records(ctx.rid):
        lines.append(
            "no records for this project root yet: nothing has run here, or the cache "
            "was cleared (records are kept per project root)"
        )
    lines += _table(["phase", "name", "done", "groups", "last checkpoint"], rows)
    lines.append(
        f"current phase: {current.key} ({current.name})"
        if current
        else "current phase: none (all phases completed)"
    )
    coverage = coverage_history(state.config).status_lines(roadmap.project_root)
    lines += [f"coverage: {line}" for line in coverage]
    return lines


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return [fmt.format(*header).rstrip(), *(fmt.format(*r).rstrip() for r in rows)]
