"""The run: which roadmap items are selected, in what order they run, and what blocks them.

A plugin object kept under ``config.engine_key``. It learns outcomes from
``pytest_runtest_logreport``, which under xdist runs on the controller, and writes each finished
task's record to the cache right away.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from typing import Any

import pytest

from ..roadmap.graph import BARRIER, CHECKPOINT
from ..roadmap.keys import checkpoint_phase, split_nodeid, unblock_hint
from ..tasks.registry import BLOCKED, DONE, FAILED, MANUAL, OK, RECORDED, WOULD_CHANGE
from ..tasks.workspace import atomic_write
from .config import is_worker
from .context import RoadmapContext
from .labels import CHANGED_FILES, CONFIRMED_AT, CONFIRMED_BY, FINGERPRINT, PHASE, STATUS
from .nodes import DIFF_SECTION, MESSAGE_SECTION, RoadmapItem, TaskItem
from .plan import plan_dict
from .reports import COLOURS, STATUS_WORDS, log_skip, report_properties, skip_reason
from .selection import Selection
from .state import Record, ResumeState, now_stamp, roadmap_key, short_stamp
from .tables import PhaseSummary, status_table


@dataclass(frozen=True)
class Outcome:
    """What happened to a node this session; ``cause`` is what its dependents are told."""

    ok: bool
    cause: str = ""


@dataclass(frozen=True)
class Unmet:
    """A dependency that is not satisfied: what to tell the user, and whether it simply never ran
    (not selected, not done before), as opposed to having failed or been blocked itself."""

    reason: str
    not_run: bool = False


class Engine:
    """Selection, topological order, blocked reasons, outcomes and records for roadmap items."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.state = ResumeState(config)
        self.dry_run = bool(config.getoption("orchestrate_dry_run"))
        self.selection = Selection.from_config(config)
        self.contexts: dict[str, RoadmapContext] = {}  # by roadmap file nodeid
        self.selected: set[str] = set()
        self.outcomes: dict[str, Outcome] = {}
        self._barriers: dict[tuple[str, str], Unmet | None] = {}
        self.diffs: list[tuple[str, str]] = []
        self.messages: list[tuple[str, str]] = []
        self.statuses: dict[str, str] = {}
        self.summary = PhaseSummary()
        self.fail_on_changes = bool(config.getoption("orchestrate_fail_on_changes"))

    def add_context(self, file_nodeid: str, context: RoadmapContext) -> None:
        """Called by each RoadmapFile once it has loaded its roadmap."""
        self.contexts[file_nodeid] = context
        context.name_items(file_nodeid)

    # -- collection -----------------------------------------------------------------------------

    @pytest.hookimpl(wrapper=True)
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> Any:
        """Select by ``--phase``/``--group`` first; order topologically after ``-k``/``-m`` and friends."""
        self.select(config, items)
        result = yield
        self.order(items)
        return result

    def select(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        """Apply ``--phase`` / ``--group``."""
        if not self.contexts:
            return
        self.selection.check_against(list(self.contexts.values()))
        keep: list[pytest.Item] = []
        drop: list[pytest.Item] = []
        for item in items:
            (keep if not isinstance(item, RoadmapItem) or self._wanted(item) else drop).append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep
        if (
            any(c.roadmap.settings.fail_fast for c in self.contexts.values())
            and not config.option.maxfail
        ):
            config.option.maxfail = 1  # fail_fast: true in the roadmap behaves like -x

    def _wanted(self, item: RoadmapItem) -> bool:
        group = item.group.letter if isinstance(item, TaskItem) else None
        return self.selection.wants(item.phase.number, group)

    def order(self, items: list[pytest.Item]) -> None:
        """Sort roadmap items topologically inside the slots they occupy; other tests stay put."""
        slots = [i for i, item in enumerate(items) if isinstance(item, RoadmapItem)]
        if not slots:
            return
        rank: dict[str, tuple[int, int]] = {}
        for n, ctx in enumerate(self.contexts.values()):
            for pos, node in enumerate(ctx.graph.order()):
                if node in ctx.nodeids:
                    rank[ctx.nodeids[node]] = (n, pos)
        roadmap_items = sorted(
            (items[i] for i in slots), key=lambda it: rank.get(it.nodeid, (1 << 30, 0))
        )
        for i, item in zip(slots, roadmap_items):
            items[i] = item
        self.selected = {it.nodeid for it in roadmap_items}

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        target = self.config.getoption("orchestrate_plan")
        if not target or is_worker(self.config):
            return
        text = json.dumps(plan_dict(self.contexts, self.selected), indent=2) + "\n"
        if target == "-":
            sys.stdout.write(text)
        else:
            atomic_write(self.config.invocation_params.dir / target, text)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(
        self, item: pytest.Item, nextitem: pytest.Item | None
    ) -> bool | None:
        """A task done in an earlier run is reported DONE straight away, without setup and teardown.

        Rerunning a finished 5,000-task roadmap then costs little more than collecting it.
        """
        if not isinstance(item, RoadmapItem) or self.blocked_reason(item.context, item.node):
            return None
        record = self.done_record(item.context, item.node)
        if record is None:
            return None
        path, line, _ = item.reportinfo()
        properties = [
            *item.user_properties,
            (FINGERPRINT, item.context.fingerprint(item.node)),
            (STATUS, DONE),
        ]
        log_skip(
            self.config,
            item.nodeid,
            item.location,
            (os.fspath(path), (line or 0) + 1),
            f"done {short_stamp(record.finished)}",
            properties,
            item.own_keywords(),
        )
        return True

    # -- what may run ---------------------------------------------------------------------------

    def blocked_reason(self, ctx: RoadmapContext, node: str) -> str | None:
        """Why ``node`` may not run now (naming the dependency at fault), or None."""
        for dep in ctx.graph.deps[node]:
            unmet = self._unmet(ctx, dep)
            if unmet is not None:
                return unmet.reason
        return None

    def _unmet(self, ctx: RoadmapContext, dep: str) -> Unmet | None:
        graph = ctx.graph
        if graph.kind[dep] == BARRIER:
            key = (ctx.rid, dep)
            if key not in self._barriers:
                self._barriers[key] = self._unmet_barrier(ctx, dep)
            return self._barriers[key]
        nodeid = ctx.nodeids[dep]
        outcome = self.outcomes.get(nodeid)
        if outcome is not None:
            return None if outcome.ok else Unmet(outcome.cause)
        # Selected but not seen here: under xdist it ran on another worker, and the scheduler
        # only sends an item once everything it waits for has passed.
        if nodeid in self.selected or self.done_record(ctx, dep) is not None:
            return None
        phase = graph.phase[dep]
        what = f"{phase} checkpoint" if graph.kind[dep] == CHECKPOINT else dep
        return Unmet(
            f"{what} not done (run pytest --phase {phase.removeprefix('phase_')})", not_run=True
        )

    def _unmet_barrier(self, ctx: RoadmapContext, barrier: str) -> Unmet | None:
        """A barrier holds until each of its members has passed (or was done in an earlier run)."""
        for member in ctx.graph.deps[barrier]:
            unmet = self._unmet(ctx, member)
            if unmet is None:
                continue
            if unmet.not_run:
                # Name the phase or group the user asked to wait for, with the command that fixes it.
                return Unmet(
                    f"{barrier} not done (run pytest {unblock_hint(barrier)})", not_run=True
                )
            return unmet
        return None

    def done_record(self, ctx: RoadmapContext, node: str) -> Record | None:
        """The cache record if this node is done as currently defined."""
        return self.state.done(ctx.rid, node, ctx.fingerprint(node))

    # -- outcomes -------------------------------------------------------------------------------

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        props = report_properties(report)
        if PHASE not in props:
            return
        status = FAILED if report.failed else props.get(STATUS)
        file_part, node = split_nodeid(report.nodeid)
        rid = roadmap_key(file_part)
        self.summary.add(str(props[PHASE]), report)
        if status is None:
            return
        if report.when == "call" or report.failed or report.skipped:
            self.outcomes[report.nodeid] = self._outcome(node, status, report)
            self.statuses[report.nodeid] = status
        for name, text in report.sections:
            if DIFF_SECTION in name:
                self.diffs.append((report.nodeid, text))
            elif MESSAGE_SECTION in name and report.when == "call":
                self.messages.append((report.nodeid, text))
        if report.when != "call" and not report.failed:
            return
        if CONFIRMED_BY in props:
            self.state.save_confirmation(
                rid,
                node,
                {
                    "user": str(props[CONFIRMED_BY]),
                    "at": str(props[CONFIRMED_AT]),
                    "fingerprint": str(props.get(FINGERPRINT, "")),
                },
            )
        phase = checkpoint_phase(node)
        if phase is not None and status in (OK, FAILED):
            self.state.save_checkpoint(rid, phase, "passed" if status == OK else "failed")
        if report.passed and status in RECORDED and not self.dry_run:
            files = tuple(str(props.get(CHANGED_FILES, "")).split())
            self.state.save(
                rid, node, Record(str(props.get(FINGERPRINT, "")), now_stamp(), status, files)
            )

    @staticmethod
    def _outcome(node: str, status: str, report: pytest.TestReport) -> Outcome:
        if report.failed:
            phase = checkpoint_phase(node)
            what = f"{phase} checkpoint" if phase else node
            return Outcome(False, f"{what} failed")
        if status == BLOCKED:
            return Outcome(False, skip_reason(report).removeprefix("blocked: "))
        if status == MANUAL:
            return Outcome(False, f"{node} waiting for confirmation")
        return Outcome(True)

    # -- reporting ------------------------------------------------------------------------------

    def pytest_report_teststatus(self, report: pytest.TestReport) -> tuple[str, str, Any] | None:
        props = report_properties(report)
        status = props.get(STATUS)
        if PHASE not in props or status is None:
            return None
        if report.when == "call" or (report.when == "setup" and report.skipped):
            category, letter, word = STATUS_WORDS.get(status, STATUS_WORDS[FAILED])
            if report.failed:
                category, letter, word = STATUS_WORDS[FAILED]
            if report.when == "call" and report.passed:
                word = f"{word} ({report.duration:.2f}s)"
            return category, letter, (word, COLOURS[category])
        return None

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool | None:
        """``--orchestrate-status``: print what is done, run nothing."""
        if not self.config.getoption("orchestrate_status"):
            return None
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is None:
            return True
        for ctx in self.contexts.values():
            for line in status_table(ctx, self.state):
                reporter.write_line(line)
        return True

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.config.getoption("orchestrate_status"):
            return
        if self.diffs and self.dry_run:
            terminalreporter.section("dry run: what would change")
            for nodeid, diff in self.diffs:
                terminalreporter.write_line(nodeid, bold=True)
                terminalreporter.write(diff)
        if self.messages and self.dry_run:
            terminalreporter.section("dry run: what would run")
            for nodeid, text in self.messages:
                terminalreporter.write_line(f"{nodeid}: {text}")
        if self.summary.phases:
            terminalreporter.section("orchestrate summary")
            for line in self.summary.lines():
                terminalreporter.write_line(line)
        if self.fail_on_changes and self.would_change():
            terminalreporter.write_line(
                f"--fail-on-changes: {len(self.would_change())} task(s) would change files: the roadmap is not "
                "fully applied",
                red=True,
                bold=True,
            )

    def would_change(self) -> list[str]:
        """Node ids whose dry run found files to change."""
        return [n for n, s in self.statuses.items() if s == WOULD_CHANGE]

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self.fail_on_changes and self.would_change() and exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
