"""Collection: a roadmap file becomes Phase and Group collectors holding Task and Checkpoint items.

No YAML parsing and no cache access here: ``roadmap.py`` loads, ``engine.py`` decides what may run.
"""

from __future__ import annotations

import getpass
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

from .errors import ConfirmationNeeded, RoadmapError, TaskFailed
from .graph import CycleError, Graph, build_graph, checkpoint_node
from .model import Checkpoint, Group, Phase, Roadmap, TaskBase, fingerprint
from .registry import Result
from .retry import backoff_delay
from .roadmap import RoadmapInvalid, load_roadmap, missing_files
from .state import current_user, now_stamp, roadmap_key, short_stamp
from .workspace import Workspace

if TYPE_CHECKING:
    from _pytest._code.code import ExceptionInfo, TerminalRepr

    from .engine import Engine

DIFF_SECTION = "orchestrate diff"
MESSAGE_SECTION = "orchestrate message"


@dataclass
class RoadmapContext:
    """One loaded roadmap with its graph, shared by its items (and rebuilt on the xdist controller)."""

    roadmap: Roadmap
    graph: Graph
    rid: str
    nodeids: dict[str, str] = field(default_factory=dict)  # graph node -> pytest nodeid
    missing_templates: list[RoadmapError] = field(default_factory=list)

    def fingerprint(self, node: str) -> str:
        """A task's definition hash; a checkpoint's covers its own definition and its phase's tasks."""
        if node in self.roadmap.fingerprints:
            return self.roadmap.fingerprints[node]
        phase = next(p for p in self.roadmap.phases if checkpoint_node(p.key) == node)
        return fingerprint([repr(phase.checkpoint)] + [self.roadmap.fingerprints[t.id] for t in phase.tasks()])


contexts_key = pytest.StashKey[dict[tuple[Path, str], RoadmapContext]]()


def load_context(path: Path, config: pytest.Config, display: str) -> RoadmapContext:
    """Load and validate a roadmap and its graph, once per session; raise ``RoadmapInvalid``.

    The xdist controller reads the roadmap for ``-n auto``, for an early ``--phase`` check and for
    its scheduler; they all share one load.
    """
    loaded = config.stash.setdefault(contexts_key, {})
    if (path, display) not in loaded:
        loaded[(path, display)] = _load_context(path, config, display)
    return loaded[(path, display)]


def roadmap_display(config: pytest.Config, path: Path) -> str:
    """A roadmap file as its node id names it: relative to the rootdir, with '/'."""
    return Path(os.path.relpath(path, config.rootpath)).as_posix()


def _load_context(path: Path, config: pytest.Config, display: str) -> RoadmapContext:
    from .plugin import project_root_override, task_types  # plugin imports this module

    roadmap = load_roadmap(
        path,
        display=display,
        task_models=task_types(config).models,
        project_root=project_root_override(config),
        default_root=config.rootpath,
    )
    try:
        graph = build_graph(roadmap)
        graph.order()
    except CycleError as e:
        first = e.cycle[0]
        line = roadmap.task_lines.get(first) or next(
            (p.line for p in roadmap.phases if p.key == first or any(g.key == first for g in p.groups)), None
        )
        raise RoadmapInvalid([RoadmapError(
            display, line,
            f"dependency cycle: {e} (each waits for the next); remove one of these depends_on, "
            "or reorder a sequential group",
        )]) from e
    context = RoadmapContext(roadmap, graph, roadmap_key(display))
    context.missing_templates = _fold_template_digests(roadmap)
    return context


def _fold_template_digests(roadmap: Roadmap) -> list[RoadmapError]:
    """A task that renders a template is redone when the template changes, not only its YAML.

    Returns the tasks whose template cannot be found, for ``validate`` to report.
    """
    from .render import template_digest, template_dirs  # jinja2 only loads when a roadmap does

    search = template_dirs(roadmap.path)
    missing = []
    for task in roadmap.tasks():
        name = getattr(task, "template", None)
        if not isinstance(name, str):
            continue
        digest = template_digest(name, search)
        if digest is None:
            missing.append(RoadmapError(
                roadmap.display, roadmap.task_lines.get(task.id),
                f"task {task.id}: template '{name}' not found in {', '.join(str(d) for d in search)}; "
                "fix the name, or add it to a templates/ folder beside the roadmap",
            ))
        else:
            roadmap.fingerprints[task.id] = fingerprint([roadmap.fingerprints[task.id], digest])
    return missing


@dataclass(frozen=True)
class Labels:
    """How an item names itself: in failures, as report properties (and JUnit), and as marks."""

    describe: str
    properties: tuple[tuple[str, str], ...]
    marks: tuple[str, ...]


def task_labels(phase: Phase, group: Group, task: TaskBase) -> Labels:
    """A task's labels; the xdist controller builds the same ones without collecting."""
    return Labels(
        f"task {task.id} ({task.type}: {task.name})",
        (("phase", phase.key), ("group", group.key), ("type", task.type), ("priority", task.priority)),
        (phase.key, group.key, task.type, task.priority),
    )


def checkpoint_labels(phase: Phase, checkpoint: Checkpoint) -> Labels:
    """A checkpoint's labels."""
    priority = "high" if checkpoint.blocking else "medium"
    return Labels(
        f"checkpoint of {phase.key} ({checkpoint.name})",
        (("phase", phase.key), ("group", ""), ("type", "checkpoint"), ("priority", priority)),
        (phase.key, "checkpoint"),
    )


class RoadmapFile(pytest.File):
    """A roadmap YAML file."""

    context: RoadmapContext

    def collect(self) -> Iterator[PhaseNode]:
        from .plugin import register_markers

        try:
            self.context = load_context(self.path, self.config, self.nodeid)
            if self.config.getoption("orchestrate_validate"):
                missing = missing_files(self.context.roadmap) + self.context.missing_templates
                if missing:
                    raise RoadmapInvalid(missing)
        except RoadmapInvalid as e:
            # A bare message, no traceback: the user's file is wrong, not our code.
            raise self.CollectError(str(e)) from None
        self.engine.add_context(self.nodeid, self.context)
        register_markers(self.config, {
            **{p.key: f"tasks of {p.key}: {p.name}" for p in self.context.roadmap.phases},
            **{g.key: f"tasks of {g.key}: {g.name}" for p in self.context.roadmap.phases for g in p.groups},
            **{t.type: "roadmap tasks of this type" for t in self.context.roadmap.tasks()},
        })
        for phase in self.context.roadmap.phases:
            yield PhaseNode.from_parent(self, name=phase.key, phase=phase)

    @property
    def engine(self) -> Engine:
        from .plugin import ENGINE

        engine = self.config.pluginmanager.get_plugin(ENGINE)
        assert engine is not None
        return engine  # type: ignore[no-any-return]


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
            yield CheckpointItem.from_parent(self, name="checkpoint", phase=self.phase,
                                             checkpoint=self.phase.checkpoint)

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
            yield TaskItem.from_parent(self, name=task.id, task=task, group=self.group, phase=self.phase)

    def __repr__(self) -> str:
        return f"<Group {self.name}: {self.group.name} [{self.group.execution}]>"


class RoadmapItem(_RoadmapNode, pytest.Item):
    """What tasks and checkpoints share: marks, the blocked/done check, reporting."""

    node: str  # the graph node name
    line: int
    phase: Phase
    labels: Labels

    def _label(self, labels: Labels) -> None:
        self.labels = labels
        for mark in labels.marks:
            self.add_marker(mark)
        self.user_properties.extend(labels.properties)

    def set_status(self, status: str, files: tuple[str, ...] = ()) -> None:
        """Record the outcome word, where reporting and JUnit read it."""
        self.user_properties.append(("status", status))
        if files:
            self.user_properties.append(("changed_files", " ".join(files)))

    @property
    def engine(self) -> Engine:
        return self.roadmap_file.engine

    def setup(self) -> None:
        self.user_properties.append(("fingerprint", self.context.fingerprint(self.node)))
        reason = self.engine.blocked_reason(self.context, self.node)
        if reason:
            self.skip("blocked", f"blocked: {reason}")
        # Engine.pytest_runtest_protocol reports done items without setup; this covers a plugin
        # whose own runtest_protocol runs first.
        record = self.engine.done_record(self.context, self.node)
        if record is not None:
            self.skip("done", f"done {short_stamp(record.finished)}")

    def skip(self, status: str, reason: str) -> NoReturn:
        """Skip with ``reason``, reported at the task's line in the roadmap (not at this code)."""
        self.set_status(status)
        raise pytest.skip.Exception(reason, _use_item_location=True)

    def run_with_retries(self, attempt_once: Any, retries: int) -> Result:
        """Call ``attempt_once`` until it succeeds, a failure is not retryable, or attempts run out."""
        settings = self.context.roadmap.settings
        attempt = 1
        while True:
            try:
                return attempt_once()  # type: ignore[no-any-return]
            except TaskFailed as e:
                if attempt > retries or not self.should_retry(e):
                    self.set_status("failed")
                    raise
                # Every attempt's failure stays visible: in JUnit and in the final report.
                first_line = str(e).splitlines()[0] if str(e) else type(e).__name__
                self.user_properties.append((f"attempt_{attempt}", f"failed: {first_line}"))
                self.add_report_section("call", f"attempt {attempt}", str(e))
                time.sleep(backoff_delay(attempt, settings.retry_delay_seconds, settings.retry_max_delay_seconds))
                attempt += 1
            except ConfirmationNeeded:
                raise
            except Exception:
                self.set_status("failed")
                raise

    def workspace(self) -> Workspace:
        """A fresh workspace on the project root, honouring ``--dry-run``."""
        roadmap = self.context.roadmap
        return Workspace(roadmap.project_root, dry_run=self.engine.dry_run, roadmap_path=roadmap.path)

    def should_retry(self, error: TaskFailed) -> bool:
        """Only retryable failures, and for commands only the exit codes ``retry_on`` names."""
        return error.retryable

    def repr_failure(
        self, excinfo: ExceptionInfo[BaseException], style: Any = None
    ) -> str | TerminalRepr:
        if isinstance(excinfo.value, TaskFailed) and self.config.getoption("tbstyle", "auto") != "long":
            where = f"{self.context.roadmap.display}:{self.line}"
            return f"{where}: {self.describe()} failed\n{excinfo.value}"
        return super().repr_failure(excinfo, style=style)

    def describe(self) -> str:
        """How failure messages name this item."""
        return self.labels.describe

    def own_keywords(self) -> tuple[str, ...]:
        """The keywords ``-k`` matches on, without walking the node tree (for reports built by hand)."""
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
        from .plugin import task_types

        handler = task_types(self.config).handlers.get(self.task.type)
        if handler is None:
            self.set_status("failed")
            raise TaskFailed(f"no handler for type {self.task.type} is installed")
        settings = self.context.roadmap.settings

        def attempt() -> Result:
            return handler(self.task, self.workspace(), settings)

        retries = self.task.retry_attempts if self.task.retry_attempts is not None else settings.retry_attempts
        try:
            result = self.run_with_retries(attempt, retries)
        except ConfirmationNeeded as request:
            result = self.confirm(str(request))
        status = "would_change" if self.engine.dry_run and result.status == "changed" else result.status
        self.set_status(status, tuple(c.path for c in result.changes))
        if result.message:
            self.add_report_section("call", MESSAGE_SECTION, result.message)
        diff = "".join(c.diff for c in result.changes)
        if diff:
            self.add_report_section("call", DIFF_SECTION, diff)

    def confirm(self, instructions: str) -> Result:
        """A manual step passes once a human confirms it: recorded, ``--confirm ID``, or at a prompt."""
        ctx, task = self.context, self.task
        fingerprint = ctx.fingerprint(task.id)
        earlier = self.engine.state.confirmation(ctx.rid, task.id, fingerprint)
        if earlier is not None:
            return Result.ok(f"confirmed by {earlier.get('user')} at {short_stamp(earlier.get('at', ''))}")
        if task.id in (self.config.getoption("orchestrate_confirm") or ()) or ask_human(self.config, task.id, instructions):
            user, at = current_user(), now_stamp()
            # The controller writes the record when this report reaches it (workers never write).
            self.user_properties += [("confirmed_by", user), ("confirmed_at", at)]
            return Result.ok(f"confirmed by {user} at {short_stamp(at)}")
        self.skip("manual", f"manual: waiting for confirmation; run with --confirm {task.id}")

    def should_retry(self, error: TaskFailed) -> bool:
        retry_on = self.task.retry_on
        if retry_on is not None and error.retryable:
            return getattr(error, "returncode", None) in retry_on
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
        from .checks import run_checks

        settings = self.context.roadmap.settings
        result = self.run_with_retries(lambda: run_checks(self.checkpoint, self.workspace(), settings),
                                       settings.retry_attempts)
        self.set_status(result.status)
        if result.message:
            self.add_report_section("call", MESSAGE_SECTION, result.message)

    def __repr__(self) -> str:
        kind = "blocking" if self.checkpoint.blocking else "non-blocking"
        return f"<Checkpoint {self.phase.key}: {self.checkpoint.name} ({kind}, {len(self.checkpoint.checks)} checks)>"


def ask_human(config: pytest.Config, task_id: str, instructions: str) -> bool:
    """Show the instructions and ask, only when someone can answer: a terminal, ``-s``, no worker.

    The answer is read without echo and never stored or printed: some manual steps involve secrets.
    """
    if (hasattr(config, "workerinput") or config.getoption("capture") != "no"
            or config.getoption("orchestrate_dry_run") or not sys.stdin.isatty()):
        return False
    sys.stdout.write(f"\n\n[manual {task_id}]\n{instructions.rstrip()}\n")
    sys.stdout.flush()
    try:
        answer = getpass.getpass(f"Type 'yes' once this is done (input hidden; anything else leaves {task_id} pending): ")
    except (EOFError, OSError):
        return False
    return answer.strip().lower() in ("y", "yes")
