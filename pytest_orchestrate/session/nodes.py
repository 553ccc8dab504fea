"""Collection: a roadmap file becomes Phase and Group collectors holding Task and Checkpoint items.

No YAML parsing and no cache access here: ``context`` loads, the ``engine`` decides what may run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

from ..errors import CommandFailed, ConfirmationNeeded, RoadmapInvalid, TaskFailed
from ..roadmap.keys import CHECKPOINT, checkpoint_node
from ..roadmap.load import missing_files, missing_project_root
from ..roadmap.model import Checkpoint, Group, Phase, TaskBase
from ..tasks.checks import CoverageMeasured, run_checks
from ..tasks.registry import (
    BLOCKED,
    CHANGED,
    DONE,
    FAILED,
    MANUAL,
    WOULD_CHANGE,
    Result,
)
from ..tasks.retry import backoff_delay
from ..tasks.workspace import Change, Workspace
from .baseline import coverage_history
from .config import check_kinds, engine, register_markers, task_types
from .context import RoadmapContext, load_context
from .labels import (
    CHANGED_FILES,
    CHANGED_FROM,
    CONFIRMED_AT,
    CONFIRMED_BY,
    DRIFT,
    FINGERPRINT,
    REASON,
    STATUS,
    Labels,
    attempt_property,
    checkpoint_labels,
    task_labels,
)
from .prompt import ask_human
from .state import current_user, now_stamp, short_stamp
from .terminal import Live

if TYPE_CHECKING:
    from _pytest._code.code import ExceptionInfo, TerminalRepr

    from .engine import Engine

DIFF_SECTION = "orchestrate diff"
MESSAGE_SECTION = "orchestrate message"


class RoadmapFile(pytest.File):
    """A roadmap YAML file."""

    context: RoadmapContext

    def collect(self) -> Iterator[PhaseNode]:
        try:
            self.context = load_context(self.path, self.config, self.nodeid)
            if self.config.getoption("orchestrate_validate"):
                missing = missing_files(self.context.roadmap) + self.context.missing_templates
                if missing:
                    raise RoadmapInvalid(missing)
            if self._runs_tasks():
                # Before any task: a file_generation task would otherwise create the folder.
                missing = missing_project_root(self.context.roadmap)
                if missing:
                    raise RoadmapInvalid(missing)
        except RoadmapInvalid as e:
            # A bare message, no traceback: the user's file is wrong, not our code.
            raise self.CollectError(str(e)) from None
        engine(self.config).add_context(self.nodeid, self.context)
        register_markers(
            self.config,
            {
                **{p.key: f"tasks of {p.key}: {p.name}" for p in self.context.roadmap.phases},
                **{
                    g.key: f"tasks of {g.key}: {g.name}"
                    for p in self.context.roadmap.phases
                    for g in p.groups
                },
                **{t.type: "roadmap tasks of this type" for t in self.context.roadmap.tasks()},
            },
        )
        for phase in self.context.roadmap.phases:
            yield PhaseNode.from_parent(self, name=phase.key, phase=phase)

    def _runs_tasks(self) -> bool:
        """Whether this session may run tasks (not the plan, status or validate)."""
        return not (
            self.config.option.collectonly
            or self.config.getoption("orchestrate_status")
            or self.config.getoption("orchestrate_forget")
            or self.config.getoption("orchestrate_validate")
        )


class _RoadmapNode:
    """Gives every node below a RoadmapFile access to its file's context."""

    parent: Any

    @property
    def roadmap_file(self) -> RoadmapFile:
        node = self.parent
        while not isinstance(node, RoadmapFile):
            node = node.parent
        return node

    @property
    def context(self) -> RoadmapContext:
        return self.roadmap_file.context


class PhaseNode(_RoadmapNode, pytest.Collector):
    """A ``phase_N``: its groups, then its checkpoint."""

    def __init__(self, *, phase: Phase, **kw: Any) -> None:
        super().__init__(**kw)
        self.phase = phase

    def collect(self) -> Iterator[pytest.Item | pytest.Collector]:
        for group in self.phase.groups:
            yield GroupNode.from_parent(self, name=group.key, group=group, phase=self.phase)
        if self.phase.checkpoint is not None:
            yield CheckpointItem.from_parent(
                self, name=CHECKPOINT, phase=self.phase, checkpoint=self.phase.checkpoint
            )

    def __repr__(self) -> str:
        phases = self.context.roadmap.phases
        if self.phase.depends_on is not None:
            after = ", ".join(self.phase.depends_on)
        else:
            i = phases.index(self.phase)
            after = phases[i - 1].key if i else ""
        extra = f", {self.phase.estimated_duration}" if self.phase.estimated_duration else ""
        return f"<Phase {self.name}: {self.phase.name} (after: {after or 'nothing'}{extra})>"


class GroupNode(_RoadmapNode, pytest.Collector):
    """A ``group_x``: its tasks, run in parallel or in sequence."""

    def __init__(self, *, group: Group, phase: Phase, **kw: Any) -> None:
        super().__init__(**kw)
        self.group = group
        self.phase = phase

    def collect(self) -> Iterator[TaskItem]:
        for task in self.group.tasks:
            yield TaskItem.from_parent(
                self, name=task.id, task=task, group=self.group, phase=self.phase
            )

    def __repr__(self) -> str:
        return f"<Group {self.name}: {self.group.name} [{self.group.execution}]>"


class RoadmapItem(_RoadmapNode, pytest.Item):
    """What tasks and checkpoints share: marks, the blocked/done check, reporting."""

    _live: Live | None = None

    node: str  # the graph node name
    line: int
    phase: Phase
    labels: Labels

    def _label(self, labels: Labels) -> None:
        self.labels = labels
        for mark in labels.marks:
            self.add_marker(mark)
        self.user_properties.extend(labels.properties)

    def set_status(self, status: str, changes: Sequence[Change] = (), reason: str = "") -> None:
        """Record the outcome word (and a failure's short reason), where reporting and JUnit
        read it; and the files changed, with what each held before (the task's record keeps it:
        ``Engine.changed_since``)."""
        self.user_properties.append((STATUS, status))
        if changes:
            self.user_properties.append((CHANGED_FILES, " ".join(c.path for c in changes)))
            self.user_properties.append((CHANGED_FROM, " ".join(c.base or "-" for c in changes)))
        if reason:
            self.user_properties.append((REASON, reason))

    @property
    def engine(self) -> Engine:
        return engine(self.config)

    def setup(self) -> None:
        self.user_properties.append((FINGERPRINT, self.context.fingerprint(self.node)))
        reason = self.engine.blocked_reason(self.context, self.node)
        if reason:
            self.skip(BLOCKED, f"blocked: {reason}")
        # Engine.pytest_runtest_protocol reports done items without setup; this covers a plugin
        # whose own runtest_protocol runs first.
        record = self.engine.done_record(self.context, self.node)
        if record is not None:
            self.skip(DONE, f"done {short_stamp(record.finished)}")

    def skip(self, status: str, reason: str) -> NoReturn:
        """Skip with ``reason``, reported at the task's line in the roadmap (not at this code)."""
        self.set_status(status)
        raise pytest.skip.Exception(reason, _use_item_location=True)

    def run_with_retries(self, attempt_once: Callable[[], Result], retries: int) -> Result:
        """Call ``attempt_once`` until it succeeds, a failure is not retryable, or attempts run out.

        Every failed attempt stays visible (JUnit ``attempt_N``, a report section), but output
        repeated identically across attempts is shown once, naming the attempts it stands for.
        At a terminal, the wait before each retry is announced as it starts.
        """
        settings = self.context.roadmap.settings
        failures: list[str] = []
        while True:
            attempt = len(failures) + 1
            try:
                result = attempt_once()
            except TaskFailed as e:
                failures.append(str(e))
                if attempt > retries or not self.should_retry(e):
                    self.set_status(FAILED, reason=_first_line(e))
                    e.args = (self._final_message(e, failures, retries),)
                    raise
                self.user_properties.append(
                    (attempt_property(attempt), f"failed: {_first_line(e)}")
                )
                delay = backoff_delay(
                    attempt, settings.retry_delay_seconds, settings.retry_max_delay_seconds
                )
                code = f" (exit {e.returncode})" if isinstance(e, CommandFailed) else ""
                self.live.line(f"attempt {attempt + 1}/{retries + 1} in {delay:.1f} s{code}")
                time.sleep(delay)
                continue
            except ConfirmationNeeded:
                raise
            except Exception:
                self.set_status(FAILED)
                raise
            self._attempt_sections(failures, final=None)
            return result

    def _final_message(self, error: TaskFailed, failures: list[str], retries: int) -> str:
        """The failure as reported: earlier attempts folded in, and why it was not retried."""
        text = str(error)
        self._attempt_sections(failures[:-1], final=text)
        same = [n for n, out in enumerate(failures, 1) if out == text]
        if len(same) > 1:
            text += f"\n(same output in attempts {_attempt_range(same)})"
        if retries and isinstance(error, CommandFailed) and error.permanent:
            text += f"\nnot retried: {error.permanent}"
        return text

    def _attempt_sections(self, failures: list[str], final: str | None) -> None:
        """One report section per distinct earlier output (the final one is the failure itself)."""
        seen: dict[str, list[int]] = {}
        for n, out in enumerate(failures, 1):
            if out != final:
                seen.setdefault(out, []).append(n)
        for out, attempts in seen.items():
            self.add_report_section("call", f"attempt {_attempt_range(attempts)}", out)

    @property
    def live(self) -> Live:
        """Progress lines for this item at a terminal (none elsewhere)."""
        if self._live is None:
            self._live = Live(self.config, self.name)
        return self._live

    def workspace(self) -> Workspace:
        """A fresh workspace on the project root, honouring ``--dry-run``."""
        roadmap = self.context.roadmap
        cache = getattr(self.config, "cache", None)  # None under -p no:cacheprovider
        task = getattr(self, "task", None)
        minutes = (task and task.timeout_minutes) or roadmap.settings.timeout_minutes
        return Workspace(
            roadmap.project_root,
            dry_run=self.engine.dry_run,
            roadmap_path=roadmap.path,
            # Locks live in the run's cache (never committed, only the project's users write
            # there); without one, Workspace falls back to a private per-user temp folder.
            lock_dir=cache.mkdir("orchestrate") / "locks" if cache is not None else None,
            lock_timeout=minutes * 60,
        )

    def should_retry(self, error: TaskFailed) -> bool:
        """Only retryable failures, and for commands only the exit codes ``retry_on`` names."""
        return error.retryable

    def repr_failure(
        self, excinfo: ExceptionInfo[BaseException], style: Any = None
    ) -> str | TerminalRepr:
        if (
            isinstance(excinfo.value, TaskFailed)
            and self.config.getoption("tbstyle", "auto") != "long"
        ):
            where = f"{self.context.roadmap.display}:{self.line}"
            return f"{where}: {self.describe()} failed\n{excinfo.value}"
        return super().repr_failure(excinfo, style=style)

    def describe(self) -> str:
        """How failure messages name this item."""
        return self.labels.describe

    def own_keywords(self) -> tuple[str, ...]:
        """The keywords ``-k`` matches on, without walking the node tree (for reports built by
        hand)."""
        return (self.name, self.roadmap_file.name, *self.labels.marks)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.line - 1, self.describe()


class TaskItem(RoadmapItem):
    """One task; ``runtest`` calls the handler registered for its type."""

    def __init__(self, *, task: TaskBase, group: Group, phase: Phase, **kw: Any) -> None:
        super().__init__(**kw)
        self.task = task
        self.group = group
        self.phase = phase
        self.node = task.id
        self.line = self.context.roadmap.task_lines.get(task.id, phase.line)
        self._label(task_labels(phase, group, task))

    def __repr__(self) -> str:
        t = self.task
        deps = ", ".join(self.context.graph.deps.get(t.id, ())) or "nothing"
        return f"<Task {t.id} {t.type} {t.priority}: {t.name} (after: {deps})>"

    def runtest(self) -> None:
        handler = task_types(self.config).handlers.get(self.task.type)
        if handler is None:
            message = f"no handler for type {self.task.type} is installed"
            self.set_status(FAILED, reason=message)
            raise TaskFailed(message)
        settings = self.context.roadmap.settings

        def attempt() -> Result:
            workspace = self.workspace()
            workspace.on_output = self.live.output
            with self.live.heartbeat():
                return handler(self.task, workspace, settings)

        drift = self.engine.drift.get((self.context.rid, self.node))
        if drift:
            self.user_properties.append((DRIFT, drift))

        retries = (
            self.task.retry_attempts
            if self.task.retry_attempts is not None
            else settings.retry_attempts
        )
        try:
            result = self.run_with_retries(attempt, retries)
        except ConfirmationNeeded as request:
            result = self.confirm(str(request))
        status = WOULD_CHANGE if self.engine.dry_run and result.status == CHANGED else result.status
        self.set_status(status, result.changes)
        self.user_properties.extend(result.figures.items())
        message = "\n".join(m for m in (drift, result.message) if m)
        if message:
            self.add_report_section("call", MESSAGE_SECTION, message)
        diff = "".join(c.diff for c in result.changes)
        if diff:
            self.add_report_section("call", DIFF_SECTION, diff)

    def confirm(self, instructions: str) -> Result:
        """A manual step passes once a human confirms it: recorded, ``--confirm ID``, or at a
        prompt."""
        ctx, task = self.context, self.task
        fingerprint = ctx.fingerprint(task.id)
        earlier = self.engine.state.confirmation(ctx.rid, task.id, fingerprint)
        if earlier is not None:
            return Result.ok(
                f"confirmed by {earlier.get('user')} at {short_stamp(earlier.get('at', ''))}"
            )
        if task.id in (self.config.getoption("orchestrate_confirm") or ()) or ask_human(
            self.config, task.id, instructions
        ):
            user, at = current_user(), now_stamp()
            # The controller writes the record when this report reaches it (workers never write).
            self.user_properties += [(CONFIRMED_BY, user), (CONFIRMED_AT, at)]
            return Result.ok(f"confirmed by {user} at {short_stamp(at)}")
        self.skip(MANUAL, f"manual: waiting for confirmation; run with --confirm {task.id}")

    def should_retry(self, error: TaskFailed) -> bool:
        retry_on = self.task.retry_on
        if retry_on is not None and error.retryable:
            return isinstance(error, CommandFailed) and error.returncode in retry_on
        return error.retryable


class CheckpointItem(RoadmapItem):
    """A phase's checkpoint: its checks, after every task of the phase."""

    def __init__(self, *, phase: Phase, checkpoint: Checkpoint, **kw: Any) -> None:
        super().__init__(**kw)
        self.phase = phase
        self.checkpoint = checkpoint
        self.node = checkpoint_node(phase.key)
        self.line = checkpoint.line
        self._label(checkpoint_labels(phase, checkpoint))

    def runtest(self) -> None:
        settings = self.context.roadmap.settings
        kinds = check_kinds(self.config)
        root = self.context.roadmap.project_root

        def note(measured: CoverageMeasured) -> str:
            # Figures ride on the report to the controller, which keeps baselines and history.
            return coverage_history(self.config).note(self, root, self.nodeid, measured)

        result = self.run_with_retries(
            lambda: run_checks(self.checkpoint, self.workspace(), settings, kinds, note),
            settings.retry_attempts,
        )
        self.set_status(result.status)
        if result.message:
            self.add_report_section("call", MESSAGE_SECTION, result.message)

    def __repr__(self) -> str:
        kind = "blocking" if self.checkpoint.blocking else "non-blocking"
        checks = len(self.checkpoint.checks)
        return f"<Checkpoint {self.phase.key}: {self.checkpoint.name} ({kind}, {checks} checks)>"


def _first_line(error: BaseException) -> str:
    """What a failure's -v line says: its first line, or a checkpoint's first failed check."""
    lines = str(error).splitlines()
    failed = [line for line in lines if line.startswith("✗ ")]
    return (failed or lines or [type(error).__name__])[0]


def _attempt_range(attempts: list[int]) -> str:
    """``[1, 2, 3, 4]`` -> ``1–4``; ``[1, 3]`` -> ``1, 3``."""
    if len(attempts) > 1 and attempts == list(range(attempts[0], attempts[-1] + 1)):
        return f"{attempts[0]}–{attempts[-1]}"
    return ", ".join(map(str, attempts))
