"""The run: which roadmap items are selected, in what order they run, and what blocks them.

A plugin object registered as ``orchestrate-engine``. It learns outcomes from
``pytest_runtest_logreport``, which under xdist runs on the controller, and writes each finished
task's record to the cache right away.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import json
import os
import sys
import time
from collections.abc import Iterable

import pytest

from .collect import DIFF_SECTION, MESSAGE_SECTION, RoadmapContext, RoadmapItem
from .graph import BARRIER, CHECKPOINT
from .plan import plan_dict
from .selection import Selection
from .report import PhaseSummary, status_table
from .state import Record, ResumeState, now_stamp, roadmap_key, short_stamp
from .workspace import atomic_write

# Words for -v, letters for quiet mode, and whether the word is shown green/yellow/red.
STATUS_WORDS: dict[str, tuple[str, str, str]] = {
    "changed": ("passed", "C", "CHANGED"),
    "ok": ("passed", ".", "OK"),
    "would_change": ("passed", "W", "WOULD CHANGE"),
    "would_run": ("passed", "R", "WOULD RUN"),
    "kept": ("passed", "K", "KEPT"),
    "done": ("skipped", "d", "DONE"),
    "blocked": ("skipped", "b", "BLOCKED"),
    "manual": ("skipped", "m", "MANUAL"),
    "failed": ("failed", "F", "FAILED"),
}
# Statuses that mean "finished": the task is not run again until its definition changes.
RECORDED = ("changed", "ok", "kept")
COLOURS = {"passed": {"green": True}, "skipped": {"yellow": True}, "failed": {"red": True}}


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


def report_properties(report: pytest.TestReport) -> dict[str, Any]:
    """A report's user properties as a dict (the last value of a repeated name wins)."""
    return dict(getattr(report, "user_properties", ()))  # CollectReports have none


def split_nodeid(nodeid: str) -> tuple[str, str]:
    """``config/phases.yaml::phase_1::group_a::1.1`` -> (file part, graph node name)."""
    parts = nodeid.split("::")
    if parts[-1] == "checkpoint":
        return parts[0], f"{parts[-2]}::checkpoint"
    return parts[0], parts[-1]


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
        for phase in context.roadmap.phases:
            base = f"{file_nodeid}::{phase.key}"
            for group in phase.groups:
                for task in group.tasks:
                    context.nodeids[task.id] = f"{base}::{group.key}::{task.id}"
            if phase.checkpoint is not None:
                context.nodeids[f"{phase.key}::checkpoint"] = f"{base}::checkpoint"

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
            (keep if not isinstance(item, RoadmapItem) or self.selection.wants(item) else drop).append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep
        if any(c.roadmap.settings.fail_fast for c in self.contexts.values()) and not config.option.maxfail:
            config.option.maxfail = 1  # fail_fast: true in the roadmap behaves like -x

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
        roadmap_items = sorted((items[i] for i in slots), key=lambda it: rank.get(it.nodeid, (1 << 30, 0)))
        for i, item in zip(slots, roadmap_items):
            items[i] = item
        self.selected = {it.nodeid for it in roadmap_items}

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        target = self.config.getoption("orchestrate_plan")
        if not target or hasattr(self.config, "workerinput"):
            return
        text = json.dumps(plan_dict(self.contexts, self.selected), indent=2) + "\n"
        if target == "-":
            sys.stdout.write(text)
        else:
            atomic_write(self.config.invocation_params.dir / target, text)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None) -> bool | None:
        """A task done in an earlier run is reported DONE straight away, without setup and teardown.

        Rerunning a finished 5,000-task roadmap then costs little more than collecting it.
        """
        if not isinstance(item, RoadmapItem) or self.blocked_reason(item.context, item.node):
            return None
        record = self.done_record(item.context, item.node)
        if record is None:
            return None
        path, line, _ = item.reportinfo()
        properties = [*item.user_properties, ("fingerprint", item.context.fingerprint(item.node)), ("status", "done")]
        log_skip(self.config, item.nodeid, item.location, (os.fspath(path), (line or 0) + 1),
                 f"done {short_stamp(record.finished)}", properties, item.own_keywords())
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
        return Unmet(f"{what} not done (run pytest --phase {phase.removeprefix('phase_')})", not_run=True)

    def _unmet_barrier(self, ctx: RoadmapContext, barrier: str) -> Unmet | None:
        """A barrier holds until each of its members has passed (or was done in an earlier run)."""
        for member in ctx.graph.deps[barrier]:
            unmet = self._unmet(ctx, member)
            if unmet is None:
                continue
            if unmet.not_run:
                # Name the phase or group the user asked to wait for, with the command that fixes it.
                hint = (f"--group {barrier.removeprefix('group_')}" if barrier.startswith("group_")
                        else f"--phase {barrier.removeprefix('phase_')}")
                return Unmet(f"{barrier} not done (run pytest {hint})", not_run=True)
            return unmet
        return None

    def done_record(self, ctx: RoadmapContext, node: str) -> Record | None:
        """The cache record if this node is done as currently defined."""
        return self.state.done(ctx.rid, node, ctx.fingerprint(node))

    # -- outcomes -------------------------------------------------------------------------------

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        props = report_properties(report)
        if "phase" not in props:
            return
        status = "failed" if report.failed else props.get("status")
        file_part, node = split_nodeid(report.nodeid)
        rid = roadmap_key(file_part)
        self.summary.add(str(props["phase"]), report)
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
        if "confirmed_by" in props:
            self.state.save_confirmation(rid, node, {
                "user": str(props["confirmed_by"]), "at": str(props["confirmed_at"]),
                "fingerprint": str(props.get("fingerprint", "")),
            })
        if node.endswith("::checkpoint") and status in ("ok", "failed"):
            self.state.save_checkpoint(rid, node.split("::")[0], "passed" if status == "ok" else "failed")
        if report.passed and status in RECORDED and not self.dry_run:
            files = tuple(str(props.get("changed_files", "")).split())
            self.state.save(rid, node, Record(str(props.get("fingerprint", "")), now_stamp(), status, files))

    @staticmethod
    def _outcome(node: str, status: str, report: pytest.TestReport) -> Outcome:
        if report.failed:
            what = node.replace("::checkpoint", " checkpoint")
            return Outcome(False, f"{what} failed")
        if status == "blocked":
            return Outcome(False, skip_reason(report).removeprefix("blocked: "))
        if status == "manual":
            return Outcome(False, f"{node} waiting for confirmation")
        return Outcome(True)

    # -- reporting ------------------------------------------------------------------------------

    def pytest_report_teststatus(self, report: pytest.TestReport) -> tuple[str, str, Any] | None:
        props = report_properties(report)
        status = props.get("status")
        if "phase" not in props or status is None:
            return None
        if report.when == "call" or (report.when == "setup" and report.skipped):
            category, letter, word = STATUS_WORDS.get(status, STATUS_WORDS["failed"])
            if report.failed:
                category, letter, word = STATUS_WORDS["failed"]
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
                "fully applied", red=True, bold=True)

    def would_change(self) -> list[str]:
        """Node ids whose dry run found files to change."""
        return [n for n, s in self.statuses.items() if s == "would_change"]

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self.fail_on_changes and self.would_change() and exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


def log_skip(
    config: pytest.Config,
    nodeid: str,
    location: tuple[str, int | None, str],
    where: tuple[str, int],
    reason: str,
    properties: list[tuple[str, object]],
    keywords: Iterable[str],
) -> None:
    """Report an item as skipped without running pytest's protocol for it: the reports a run
    would produce (logstart, a skipped setup, a passed teardown, logfinish), so the terminal,
    ``-rs``, JUnit and our own outcome tracking all see it."""
    hook = config.hook
    now = time.time()
    common: dict[str, Any] = {"location": location, "keywords": dict.fromkeys(keywords, 1), "user_properties": properties,
                              "start": now, "stop": now}
    hook.pytest_runtest_logstart(nodeid=nodeid, location=location)
    hook.pytest_runtest_logreport(report=pytest.TestReport(
        nodeid, outcome="skipped", longrepr=(where[0], where[1], f"Skipped: {reason}"), when="setup", **common))
    hook.pytest_runtest_logreport(report=pytest.TestReport(
        nodeid, outcome="passed", longrepr=None, when="teardown", **common))
    hook.pytest_runtest_logfinish(nodeid=nodeid, location=location)


def skip_reason(report: pytest.TestReport) -> str:
    """The reason text of a skipped report."""
    longrepr = report.longrepr
    if isinstance(longrepr, tuple):
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)
