"""The run: which roadmap items are selected, in what order they run, and what blocks them.

A plugin object kept under ``config.engine_key``. It learns outcomes from
``pytest_runtest_logreport``, which under xdist runs on the controller, and writes each finished
task's record to the cache right away.
"""

from __future__ import annotations

import json
import shlex
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import pytest

from ..roadmap.graph import BARRIER, CHECKPOINT
from ..roadmap.keys import checkpoint_phase, split_nodeid, unblock_hint
from ..roadmap.model import CommandSpec
from ..tasks.registry import BLOCKED, DONE, FAILED, MANUAL, OK, RECORDED, WOULD_CHANGE
from ..tasks.workspace import atomic_write
from .baseline import coverage_history
from .config import is_worker
from .context import RoadmapContext
from .labels import (
    CHANGED_FILES,
    CHANGED_FROM,
    CONFIRMED_AT,
    CONFIRMED_BY,
    DRIFT,
    FINGERPRINT,
    PHASE,
    REASON,
    STATUS,
)
from .nodes import DIFF_SECTION, MESSAGE_SECTION, RoadmapItem, TaskItem
from .plan import plan_dict
from .reports import (
    COLOURS,
    NOT_RUN,
    STATUS_WORDS,
    log_skip,
    not_run_line,
    report_properties,
    shorten,
    skip_reason,
)
from .secrets import secrets
from .selection import Selection
from .state import FileStamp, Record, ResumeState, now_stamp, safe_part, short_stamp
from .tables import GeneratedSummary, PhaseSummary, status_table


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
        self.generated = GeneratedSummary()
        self.fail_on_changes = bool(config.getoption("orchestrate_fail_on_changes"))
        self.redo = bool(config.getoption("orchestrate_redo"))
        self._in_summary = False
        self._verified: dict[tuple[str, str], Record | None] = {}
        self.drift: dict[tuple[str, str], str] = {}  # why a recorded task runs again

    def add_context(self, file_nodeid: str, context: RoadmapContext) -> None:
        """Called by each RoadmapFile once it has loaded its roadmap."""
        self.contexts[file_nodeid] = context
        context.name_items(file_nodeid)
        masked = secrets(self.config)
        masked.add_names(context.roadmap.settings.secret_names)
        checks = (c for p in context.roadmap.phases if p.checkpoint for c in p.checkpoint.checks)
        for spec in (*context.roadmap.tasks(), *checks):
            if isinstance(spec, CommandSpec):
                masked.add_env(spec.env)

    # -- collection -----------------------------------------------------------------------------

    @pytest.hookimpl(wrapper=True)
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> Any:
        """Select by ``--phase``/``--group`` first; order topologically after ``-k``/``-m`` and
        friends."""
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
        """Sort roadmap items topologically inside the slots they occupy; other tests stay put.

        ``--collect-only`` shows the plan as the roadmap reads, each group once; the run order is
        in ``--orchestrate-plan``.
        """
        slots = [i for i, item in enumerate(items) if isinstance(item, RoadmapItem)]
        if self.config.option.collectonly:
            self.selected = {items[i].nodeid for i in slots}
            return
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
        text = secrets(self.config).mask(text)
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
        # The teardown the protocol would have done: what this item set up for the one before it
        # and the next item does not share (its group, say). pytest keeps that stack in the
        # session's SetupState; nothing here has finalizers beyond pytest's own.
        item.session._setupstate.teardown_exact(nextitem)
        log_skip(
            self.config,
            item.nodeid,
            item.location,
            (item.location[0], (line or 0) + 1),
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
        if graph.kind[dep] == CHECKPOINT and not ctx.blocking(dep):
            return None  # waited for only to come first (see graph.phase_targets); never blocks
        nodeid = ctx.nodeids[dep]
        outcome = self.outcomes.get(nodeid)
        if outcome is not None:
            return None if outcome.ok else Unmet(outcome.cause)
        # Selected but not seen here: under xdist it ran on another worker, and the scheduler
        # only sends an item once everything it waits for has passed.
        if nodeid in self.selected or self.verified(ctx, dep) is not None:
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
                # Name the phase or group the user asked to wait for, with the command that fixes
                # it.
                return Unmet(
                    f"{barrier} not done (run pytest {unblock_hint(barrier)})", not_run=True
                )
            return unmet
        return None

    def done_record(self, ctx: RoadmapContext, node: str) -> Record | None:
        """The record that lets this run skip ``node``: verified, and no ``--redo`` or dry run.

        A dry run never trusts the cache: it answers "what would change on disk now".
        """
        if self.redo or self.dry_run:
            return None
        return self.verified(ctx, node)

    def verified(self, ctx: RoadmapContext, node: str) -> Record | None:
        """The record if ``node`` is done as currently defined *and* the disk still agrees.

        A record carries stamps of the files its task wrote, read or confirmed; a file that no
        longer matches (a hand revert, a copied cache, another checkout) sends the task back to
        run, and the reason is kept for its report. A checkpoint is done only while every task of
        its phase is. Decided once per node per session.
        """
        key = (ctx.rid, node)
        if key in self._verified:
            return self._verified[key]
        record = self.state.current(ctx.rid, node, ctx.fingerprint(node))
        if record is not None:
            drift = record.drift(ctx.roadmap.project_root, self.changed_since(ctx, record))
            phase = checkpoint_phase(node)
            if drift is not None:
                self.drift[key] = f"drift: {drift}"
                record = None
            elif phase is not None and not all(
                self.verified(ctx, t.id)
                for p in ctx.roadmap.phases
                if p.key == phase
                for t in p.tasks()
            ):
                record = None
        self._verified[key] = record
        return record

    def changed_since(self, ctx: RoadmapContext, record: Record) -> Callable[[str], bool]:
        """Whether a file the record stamps got from the stamped content to what it holds now by
        edits the roadmap's tasks recorded (each record keeps what the file held before its task
        changed it): then its task's result is still there, built upon, as ``_restamp_shared``
        says. That re-stamping reaches only the records its own run saw succeed; this also covers
        another run's edits (two runs at once on one project), read from the records when the disk
        is checked, so no run rewrites another's records. A hand edit continues no recorded edit,
        and stays drift.
        """
        root = ctx.roadmap.project_root

        def explained(rel: str) -> bool:
            edits: dict[str, set[str]] = {}
            for other in self.state.sharing(ctx.rid, [rel]).values():
                if rel in other.bases and rel in other.stamps:
                    edits.setdefault(other.bases[rel], set()).add(other.stamps[rel].sha256)
            now = FileStamp.of(root / rel).sha256
            seen, todo = set(), [record.stamps[rel].sha256]
            while todo:
                sha = todo.pop()
                if sha == now:
                    return True
                if sha not in seen:
                    seen.add(sha)
                    todo += edits.get(sha, ())
            return False

        return explained

    def _record(
        self, ctx: RoadmapContext, node: str, status: str, props: dict[str, Any], duration: float
    ) -> Record:
        """The record of a task that just finished, with stamps of every file it stands for."""
        changed = tuple(str(props.get(CHANGED_FILES, "")).split())
        task = ctx.task(node)
        named = (*task.writes(), *task.reads()) if task is not None else ()
        root = ctx.roadmap.project_root
        stamps = {rel: FileStamp.of(root / rel) for rel in sorted({*named, *changed})}
        fingerprint = str(props.get(FINGERPRINT, ""))
        bases: dict[str, str] = {}
        for rel, base in zip(changed, str(props.get(CHANGED_FROM, "")).split()):
            bases.setdefault(rel, "" if base == "-" else base)  # a file written twice: the first
        return Record(fingerprint, now_stamp(), status, changed, stamps, duration, bases)

    def _restamp_shared(self, ctx: RoadmapContext, node: str, record: Record) -> None:
        """Another task's edit of a shared file is not drift.

        Two tasks that edit one file (1.1 and 1.2 both edit jest.config.js) run one after the
        other, and the later one's result is the state both want. So records that stamp the same
        file take the new stamp, but only those known good this session (done or passed): a
        record not seen this run keeps its stamp and is checked against the disk next time.
        """
        sharing = self.state.sharing(ctx.rid, record.stamps)
        names = {safe_part(n): n for n in ctx.graph.deps} if len(sharing) > 1 else {}
        for name, other in sharing.items():
            other_node = names.get(name)
            shared = {f: s for f, s in record.stamps.items() if other.stamps.get(f, s) != s}
            if other_node is None or other_node == node or not shared:
                continue
            outcome = self.outcomes.get(ctx.nodeids.get(other_node, ""))
            if outcome is not None and outcome.ok:
                self.state.save(
                    ctx.rid, other_node, replace(other, stamps={**other.stamps, **shared})
                )

    # -- outcomes -------------------------------------------------------------------------------

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        props = report_properties(report)
        if PHASE not in props:
            return
        status = FAILED if report.failed else props.get(STATUS)
        file_part, node = split_nodeid(report.nodeid)
        ctx = self.contexts.get(file_part)
        self.summary.add(str(props[PHASE]), report)
        self.generated.add(str(props[PHASE]), report)
        if status is None:
            return
        if report.when == "call" or report.failed or report.skipped:
            self.outcomes[report.nodeid] = self._outcome(node, status, report)
            self.statuses[report.nodeid] = status
        # Only the call's report: the teardown report carries the call's sections again.
        for name, text in report.sections if report.when == "call" else ():
            if DIFF_SECTION in name:
                self.diffs.append((report.nodeid, text))
            elif MESSAGE_SECTION in name:
                self.messages.append((report.nodeid, text))
        if (report.when != "call" and not report.failed) or ctx is None:
            return
        rid = ctx.rid
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
            record = self._record(ctx, node, status, props, report.duration)
            self.state.save(rid, node, record)
            self._restamp_shared(ctx, node, record)

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
            if not self._in_summary:  # the details belong on the -v line, not in the summary
                word += self._details(report, props)
            return category, letter, (word, COLOURS[category])
        return None

    @staticmethod
    def _details(report: pytest.TestReport, props: dict[str, Any]) -> str:
        """What follows a status word on the -v line: the duration (and drift), or the reason."""
        if report.when == "call" and report.passed:
            drift = props.get(DRIFT)
            return f" ({report.duration:.2f}s{f', {drift}' if drift else ''})"
        if report.failed and props.get(REASON):
            return f" ({shorten(str(props[REASON]))})"
        return ""

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool | None:
        """``--orchestrate-status``: print what is done; ``--orchestrate-forget``: forget it.
        Either runs nothing."""
        status, forget = (self.config.getoption(f"orchestrate_{n}") for n in ("status", "forget"))
        if not (status or forget):
            return None
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        for ctx in self.contexts.values():
            if forget:
                root = ctx.roadmap.project_root
                count = self.state.forget(ctx.rid) + coverage_history(self.config).forget(root)
                lines = [f"forgot {count} record(s) of {ctx.roadmap.display} for {root}"]
            else:
                lines = status_table(ctx, self.state, self.verified)
            if reporter is not None:
                for line in lines:
                    reporter.write_line(line)
        return True

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.config.getoption("orchestrate_status") or self.config.getoption(
            "orchestrate_forget"
        ):
            return
        self._not_run_summary(terminalreporter)
        if self.diffs and self.dry_run:
            terminalreporter.write_sep("=", "dry run: what would change")
            for nodeid, diff in self.diffs:
                terminalreporter.write_line(nodeid, bold=True)
                terminalreporter.write(diff)
        if self.messages and self.dry_run:
            terminalreporter.write_sep("=", "dry run: what would run")
            for nodeid, text in self.messages:
                # A message's further lines (dropped cases, notes) are indented under its task.
                terminalreporter.write_line(f"{nodeid}: {text}".replace("\n", "\n    "))
        if self.summary.phases:
            terminalreporter.write_sep("=", "orchestrate summary")
            for line in [*self.summary.lines(), *coverage_history(self.config).span_lines()]:
                terminalreporter.write_line(line)
            self._waiting_for_a_human(terminalreporter)
        generated = self.generated.lines(coverage_history(self.config))
        if generated:
            terminalreporter.write_sep("=", "orchestrate generated tests")
            for line in generated:
                terminalreporter.write_line(line)
        if self.fail_on_changes and self.would_change():
            terminalreporter.write_line(
                f"--fail-on-changes: {len(self.would_change())} task(s) would change files: the "
                "roadmap is not fully applied",
                red=True,
                bold=True,
            )

    def _waiting_for_a_human(self, terminalreporter: Any) -> None:
        """The manual steps this run stopped at, and the command that goes on once they are done."""
        waiting = [nodeid.rsplit("::", 1)[-1] for nodeid, s in self.statuses.items() if s == MANUAL]
        if not waiting:
            return
        args = [*self.config.invocation_params.args, *(f"--confirm={tid}" for tid in waiting)]
        terminalreporter.write_line(
            f"waiting for a human: {', '.join(waiting)}; once done, go on with:", yellow=True
        )
        terminalreporter.write_line(f"  pytest {shlex.join(args)}", bold=True)

    @contextmanager
    def summary_words(self) -> Iterator[None]:
        """While pytest writes its summary, status words lose the details (duration, reason)
        that only the ``-v`` line needs."""
        self._in_summary = True
        try:
            yield
        finally:
            self._in_summary = False

    def _not_run_summary(self, terminalreporter: Any) -> None:
        """``-rs``: one line per roadmap item that did not run, each with its own word and id.

        pytest's own ``-rs`` list never sees them: they are counted as done, blocked or manual.
        """
        if "s" not in getattr(terminalreporter, "reportchars", ""):
            return
        reports = [r for category in NOT_RUN for r in terminalreporter.stats.get(category, [])]
        order = {nodeid: i for i, nodeid in enumerate(self.statuses)}  # as they were reported
        reports.sort(key=lambda r: order.get(r.nodeid, len(order)))
        if reports:
            terminalreporter.write_sep("=", "orchestrate: not run")
            for report in reports:
                terminalreporter.write_line(not_run_line(report))

    def would_change(self) -> list[str]:
        """Node ids whose dry run found files to change."""
        return [n for n, s in self.statuses.items() if s == WOULD_CHANGE]

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self.fail_on_changes and self.would_change() and exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
