"""The DAG-aware xdist scheduler, and the ``XdistHooks`` plugin object that wires it in.

pytest-xdist has no barriers between items, so ``--dist load`` runs a task next to the tasks it
waits for. ``DagScheduling`` sends an item only once everything it waits for has finished, longest
chain first, one real item per worker. Imported only when xdist is installed; see the README's
"Parallel runs".

The trap it works around: a worker runs item *i* only once it holds the next index (or "shutdown"),
because ``pytest_runtest_protocol(item, nextitem)`` needs ``nextitem`` for teardown. So each worker
collects one extra no-op *park* item, and every ready item is sent as the pair ``[item, park]``: the
worker runs the item at once, then sits on the park item until the next pair or shutdown arrives.

The controller collects nothing, so it loads each roadmap file the workers collected with the same
code (``collect.load_context``) and maps graph nodes onto the nodeids they report. Everything is
keyed by nodeid, so several roadmaps (and ordinary tests, which wait for nothing) share one run.
Remote workers (``--tx ssh=...``) should work, since only nodeids cross the wire, provided the
roadmap sits at the same rootdir-relative path on the controller; that path is not tested.
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from xdist.remote import Producer
from xdist.report import report_collection_diff
from xdist.scheduler import LoadScheduling, Scheduling
from xdist.workermanage import WorkerController, parse_tx_spec_config

from ..errors import RoadmapInvalid
from ..roadmap.keys import ROADMAP_SUFFIXES, checkpoint_node
from ..roadmap.model import PRIORITIES
from ..tasks.registry import BLOCKED, FAILED
from .config import engine, explicit_files_key, is_worker, roadmap_path, roadmap_path_key
from .context import RoadmapContext, load_context, roadmap_display
from .durations import learned_seconds
from .labels import FINGERPRINT, PRIORITY, STATUS, Labels, checkpoint_labels, task_labels
from .reports import log_skip
from .selection import Selection

if TYPE_CHECKING:
    from .engine import Engine

PARK = "orchestrate-park"
PARK_ID = f"::{PARK}"  # parented to the Session, whose nodeid is ""
DESELECTED_OUTPUT = "orchestrate_deselected"  # workeroutput key: a worker's deselected node ids


def roadmap_file_part(nodeid: str) -> str:
    """The roadmap file a collected item's node id is under, or "" for another test."""
    file_part, sep, _ = nodeid.partition("::")
    return file_part if sep and file_part.endswith(ROADMAP_SUFFIXES) else ""


class ParkItem(pytest.Item):
    """The no-op item a worker holds as its next item while it waits for work (never reported)."""

    def runtest(self) -> None:
        """Never called: ``XdistHooks.pytest_runtest_protocol`` handles the park item."""

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, PARK


@dataclass(frozen=True)
class RoadmapSlot:
    """A collected roadmap item as the controller knows it: enough to rebuild its reports."""

    nodeid: str
    context: RoadmapContext
    node: str
    path: Path
    line: int  # 1-based, in the roadmap file
    labels: Labels

    @property
    def urgency(self) -> int:
        """0 for critical, then high, medium, low: how a tie between two ready slots is broken."""
        priority = dict(self.labels.properties).get(PRIORITY, "")
        return PRIORITIES.index(priority) if priority in PRIORITIES else len(PRIORITIES)

    @property
    def properties(self) -> tuple[tuple[str, str], ...]:
        """The report properties a worker's item would carry."""
        return self.labels.properties


def roadmap_slots(file_part: str, path: Path, ctx: RoadmapContext) -> dict[str, RoadmapSlot]:
    """Each roadmap item's report data, labelled by the same functions ``collect.py`` uses."""
    out: dict[str, RoadmapSlot] = {}
    for phase in ctx.roadmap.phases:
        for group in phase.groups:
            for task in group.tasks:
                nodeid = ctx.nodeids[task.id]
                line = ctx.roadmap.task_lines.get(task.id, phase.line)
                out[nodeid] = RoadmapSlot(
                    nodeid, ctx, task.id, path, line, task_labels(phase, group, task)
                )
        if phase.checkpoint is not None:
            node = checkpoint_node(phase.key)
            nodeid = ctx.nodeids[node]
            out[nodeid] = RoadmapSlot(
                nodeid,
                ctx,
                node,
                path,
                phase.checkpoint.line,
                checkpoint_labels(phase, phase.checkpoint),
            )
    return out


class DagScheduling:
    """An xdist scheduler that never sends an item before everything it waits for has finished.

    Items are *slots*: slot ``i < len(collection)`` is collection index ``i``; slots after that are
    graph nodes nobody runs (barriers, unselected tasks), which finish as soon as what they wait for
    has. A ready slot goes on a heap keyed by its longest chain to the end of the roadmap.
    """

    def __init__(self, config: pytest.Config, log: Producer | None, hooks: XdistHooks) -> None:
        self.config = config
        self.log = log.dagsched if log is not None else Producer("dagsched", enabled=False)
        self.hooks = hooks
        self.numnodes = len(parse_tx_spec_config(config))
        self.node2collection: dict[WorkerController, list[str]] = {}
        self.node2running: dict[WorkerController, int | None] = {}
        self.collection: list[str] | None = None
        self.delegate: Scheduling | None = (
            None  # xdist's own scheduler, when no roadmap item was collected
        )
        self.aborted = False
        self.park = -1
        self.fail_fast = False
        self.stopped = False
        self.crashed: dict[str, int] = {}  # nodeid -> slot, until xdist's crash report arrives
        self.roadmap: dict[int, RoadmapSlot] = {}
        self.waiting: list[int] = []  # unfinished dependencies per slot
        self.after: list[list[int]] = []
        self.priority: list[float] = []
        self.finished: list[bool] = []
        self.urgency: list[int] = []  # the task's priority, 0 = critical: breaks ties in ``ready``
        self.ready: list[tuple[float, int, int]] = []
        self.unfinished = 0  # real items (not the park item) still to finish

    # -- the Scheduling protocol ----------------------------------------------------------------

    @property
    def nodes(self) -> list[WorkerController]:
        """Every node the scheduler knows, whatever its collection."""
        if self.delegate is not None:
            return list(self.delegate.nodes)
        return list(self.node2running)

    @property
    def collection_is_completed(self) -> bool:
        """Whether every initial node has sent its collection."""
        if self.delegate is not None:
            return bool(self.delegate.collection_is_completed)
        return len(self.node2collection) >= self.numnodes

    @property
    def tests_finished(self) -> bool:
        """True once nothing is waiting, ready, running or crashed (or a stop left nothing
        running)."""
        if self.delegate is not None:
            return bool(self.delegate.tests_finished)
        if not self.collection_is_completed:
            return False
        if self.collection is None:
            return self.aborted
        if self.crashed or any(i is not None for i in self.node2running.values()):
            return False
        return self.unfinished == 0 or self.stopping

    @property
    def has_pending(self) -> bool:
        """Whether items are still to run."""
        if self.delegate is not None:
            return bool(self.delegate.has_pending)
        return self.collection is not None and self.unfinished > 0

    @property
    def stopping(self) -> bool:
        """``-x``/``--maxfail`` (seen by the DSession) or the roadmap's ``fail_fast`` stop
        dispatching."""
        dsession = self.config.pluginmanager.get_plugin("dsession")
        return self.stopped or bool(getattr(dsession, "shouldstop", False))

    def add_node(self, node: WorkerController) -> None:
        """A worker came up; it gets work once its collection is in."""
        if self.delegate is not None:
            self.delegate.add_node(node)
            return
        assert node not in self.node2running
        self.node2running[node] = None

    def add_node_collection(self, node: WorkerController, collection: Sequence[str]) -> None:
        """Keep a worker's collection; a late worker whose collection differs never gets work."""
        if self.delegate is not None:
            self.delegate.add_node_collection(node, collection)
            return
        assert node in self.node2running
        if self.collection is not None and list(collection) != self.collection:
            other = next(iter(self.node2collection), None)
            self.log(
                report_collection_diff(
                    self.collection, collection, other.gateway.id if other else "?", node.gateway.id
                )
            )
            return
        self.node2collection[node] = list(collection)

    def mark_test_complete(
        self, node: WorkerController, item_index: int, duration: float = 0
    ) -> None:
        """An item's reports are all in: release what waited for it, send more work."""
        if self.delegate is not None:
            self.delegate.mark_test_complete(node, item_index, duration)
            return
        if item_index == self.park:
            return
        assert self.node2running.get(node) == item_index, (node, item_index)
        self.node2running[node] = None
        self._finish(item_index)
        self._dispatch()

    def mark_test_pending(self, item: str) -> None:
        """Run a crashed item again (``pytest_handlecrashitem`` implementations ask for this)."""
        if self.delegate is not None:
            self.delegate.mark_test_pending(item)
            return
        slot = self.crashed.pop(item, None)
        if slot is None:
            return  # it finished: its dependents may already be running, so it cannot run again
        heapq.heappush(self.ready, self._rank(slot))
        self._dispatch()

    def remove_pending_tests_from_node(
        self, node: WorkerController, indices: Sequence[int]
    ) -> None:
        """Only for work stealing, which this scheduler never asks for."""
        if self.delegate is not None:
            self.delegate.remove_pending_tests_from_node(node, indices)
            return
        raise NotImplementedError

    def remove_node(self, node: WorkerController) -> str | None:
        """A worker finished or crashed; return the nodeid it was running, if any."""
        if self.delegate is not None:
            crashed: str | None = self.delegate.remove_node(node)
            return crashed
        running = self.node2running.pop(node)  # KeyError for unknown nodes, as the DSession expects
        self.node2collection.pop(node, None)
        if running is None:
            return None
        assert self.collection is not None
        nodeid = self.collection[running]
        # Its dependents cascade once xdist's crash report (when="???") has recorded the failure.
        self.crashed[nodeid] = running
        return nodeid

    def schedule(self) -> None:
        """Build the graph on the first call; every call sends ready items to idle workers."""
        if self.delegate is not None:
            self.delegate.schedule()
            return
        assert self.collection_is_completed
        if self.collection is not None:
            self._dispatch()
            return
        if not self._same_collections():
            self.aborted = True
            return
        collection = next(iter(self.node2collection.values()))
        if not any(roadmap_file_part(nodeid) for nodeid in collection):
            self._delegate_to_xdist()
            return
        self.collection = collection
        self._build(collection)
        self._release(
            [s for s in range(len(self.waiting)) if not self.waiting[s] and not self.finished[s]]
        )
        self._dispatch()

    # -- reports seen on the controller ----------------------------------------------------------

    def on_report(self, report: pytest.TestReport) -> None:
        """Stop on failure under ``fail_fast``; cascade a crashed item's dependents."""
        if self.delegate is not None or self.collection is None:
            return
        if report.failed and self.fail_fast:
            self.stopped = True
        slot = self.crashed.pop(report.nodeid, None) if report.when == "???" else None  # type: ignore[comparison-overlap]  # xdist crash reports
        if slot is not None:
            self._finish(slot)
            self._dispatch()

    def crash_properties(self, nodeid: str) -> list[tuple[str, str]]:
        """What a crashed roadmap item's report carries, so it reads FAILED and blocks its
        dependents."""
        if self.collection is None or nodeid not in self.crashed:
            return []
        info = self.roadmap.get(self.crashed[nodeid])
        if info is None:
            return []
        return [
            *info.properties,
            (FINGERPRINT, info.context.fingerprint(info.node)),
            (STATUS, FAILED),
        ]

    # -- the graph --------------------------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        return engine(self.config)

    def _new_slot(self, priority: float = 0.0) -> int:
        self.waiting.append(0)
        self.after.append([])
        self.priority.append(priority)
        self.urgency.append(len(PRIORITIES))
        self.finished.append(False)
        return len(self.waiting) - 1

    def _edge(self, before: int, after: int) -> None:
        self.after[before].append(after)
        self.waiting[after] += 1

    def _build(self, collection: list[str]) -> None:
        """Slots and edges for every loaded roadmap; other tests are ready at once."""
        for _ in collection:
            self._new_slot()
        index = {nodeid: i for i, nodeid in enumerate(collection)}
        # Workers hold the park item just past what they reported (see pytest_collection_finish).
        self.park = self._new_slot()
        self.finished[self.park] = True
        self.unfinished = len(collection)
        by_file: dict[str, list[int]] = {}
        for i, nodeid in enumerate(collection):
            file_part = roadmap_file_part(nodeid)
            if file_part:
                by_file.setdefault(file_part, []).append(i)
        engine = self.engine
        for file_part, indices in by_file.items():
            loaded = self._load(file_part)
            if loaded is not None:
                engine.add_context(file_part, loaded[1])
                unknown = {collection[i] for i in indices} - set(loaded[1].nodeids.values())
                if unknown:
                    self._warn(
                        f"the roadmap {file_part} loaded on the xdist controller lacks "
                        f"{min(unknown)}"
                    )
                    loaded = None
            if loaded is None:
                # Workers order roadmap items topologically, so one at a time in their order is
                # safe.
                for before, after in itertools.pairwise(indices):
                    self._edge(before, after)
                continue
            path, ctx = loaded
            self.fail_fast = self.fail_fast or ctx.roadmap.settings.fail_fast
            slots = roadmap_slots(file_part, path, ctx)
            # Seconds of work left on the chain once durations are learned; else tasks left on it.
            longest = (
                ctx.graph.critical_seconds(learned_seconds(ctx, engine.state))
                or ctx.graph.longest_path()
            )
            node_slot: dict[str, int] = {}
            for node in ctx.graph.deps:
                item = ctx.nodeids.get(node)
                if item is not None and item in index:
                    slot = index[item]
                    self.priority[slot] = longest[node]
                    self.urgency[slot] = slots[item].urgency
                    self.roadmap[slot] = slots[item]
                    engine.selected.add(item)
                else:
                    slot = self._new_slot()
                node_slot[node] = slot
            for node, deps in ctx.graph.deps.items():
                for dep in deps:
                    self._edge(node_slot[dep], node_slot[node])

    def _load(self, file_part: str) -> tuple[Path, RoadmapContext] | None:
        """The roadmap a worker collected, loaded here with the same code; None if that fails."""
        path = (self.config.rootpath / file_part).resolve()
        try:
            return path, load_context(path, self.config, file_part)
        except Exception as e:
            self._warn(f"cannot load {file_part} on the xdist controller ({e})")
            return None

    def _warn(self, problem: str) -> None:
        tr = self.config.pluginmanager.get_plugin("terminalreporter")
        if tr is not None:
            tr.write_line(
                f"orchestrate: {problem}; running its items one at a time, in the workers' order"
            )

    def _same_collections(self) -> bool:
        """Whether every node collected the same items; otherwise report the difference."""

        (first, col), *rest = self.node2collection.items()
        same = True
        for node, collection in rest:
            msg = report_collection_diff(col, collection, first.gateway.id, node.gateway.id)
            if msg:
                same = False
                self.log(msg)
                self.config.hook.pytest_collectreport(
                    report=pytest.CollectReport(
                        nodeid=node.gateway.id, outcome="failed", longrepr=msg, result=[]
                    )
                )
        return same

    def _delegate_to_xdist(self) -> None:
        """No roadmap item was collected: hand the run to the scheduler xdist would have used."""
        caller = self.config.pluginmanager.subset_hook_caller(
            "pytest_xdist_make_scheduler", remove_plugins=[self.hooks]
        )
        delegate: Scheduling | None = caller(config=self.config, log=self.log)
        if delegate is None:  # no DSession (only when driven by hand): xdist's default
            delegate = LoadScheduling(self.config, self.log)
        for node in self.node2running:
            delegate.add_node(node)
        for node, collection in self.node2collection.items():
            delegate.add_node_collection(node, collection)
        self.delegate = delegate
        delegate.schedule()

    # -- running -----------------------------------------------------------------------------------

    def _finish(self, slot: int) -> None:
        """``slot`` is over (whatever its outcome): its dependents may now be free."""
        free: list[int] = []
        self._mark_finished(slot, free)
        self._release(free)

    def _mark_finished(self, slot: int, free: list[int]) -> None:
        if self.finished[slot]:
            return
        self.finished[slot] = True
        if slot < len(self.collection or ()):
            self.unfinished -= 1
        for nxt in self.after[slot]:
            self.waiting[nxt] -= 1
            if self.waiting[nxt] == 0:
                free.append(nxt)

    def _release(self, free: list[int]) -> None:
        """Free slots: graph-only nodes finish at once, blocked items are skipped here, the rest
        queue."""
        if self.stopping:
            return  # as after -x without xdist: nothing more is run or reported
        queue = deque(sorted(free))
        real = len(self.collection or ())
        while queue:
            slot = queue.popleft()
            if slot < real:
                info = self.roadmap.get(slot)
                reason = (
                    self.engine.blocked_reason(info.context, info.node)
                    if info is not None
                    else None
                )
                if info is None or reason is None:
                    heapq.heappush(self.ready, self._rank(slot))
                    continue
                self._report_blocked(info, reason)
            more: list[int] = []
            self._mark_finished(slot, more)
            queue.extend(sorted(more))

    def _rank(self, slot: int) -> tuple[float, int, int]:
        """Heap key: the longest chain first, then the more urgent priority, then slot order."""
        return (-self.priority[slot], self.urgency[slot], slot)

    def _dispatch(self) -> None:
        """Send the most critical ready items to idle workers, each paired with the park item."""
        if self.stopping:
            return
        for node, running in self.node2running.items():
            if not self.ready:
                return
            if running is not None or node.shutting_down or node not in self.node2collection:
                continue
            *_, slot = heapq.heappop(self.ready)
            self.node2running[node] = slot
            node.send_runtest_some([slot, self.park])

    def _report_blocked(self, info: RoadmapSlot, reason: str) -> None:
        """The skip reports a worker would have sent, so -v, -rs, JUnit and the cascade all see
        it."""
        rel, _, name = info.nodeid.partition("::")
        properties: list[tuple[str, object]] = [
            *info.properties,
            (FINGERPRINT, info.context.fingerprint(info.node)),
            (STATUS, BLOCKED),
        ]
        log_skip(
            self.config,
            info.nodeid,
            (rel, info.line - 1, info.labels.describe),
            (rel, info.line),
            f"blocked: {reason}",
            properties,
            (info.nodeid.rsplit("::", 1)[-1], rel.rsplit("/", 1)[-1], *info.labels.marks),
        )


def check_selection_early(config: pytest.Config) -> None:
    """Refuse ``--phase 9`` on the controller, before any worker starts.

    Workers apply the selection while collecting; a usage error raised there would crash them
    instead of printing a one-line error.
    """
    if not (config.getoption("orchestrate_phases") or config.getoption("orchestrate_groups")):
        return
    path = roadmap_path(config)
    if not path.is_file():
        return  # plugin.pytest_configure says so, with what to do
    try:
        context = load_context(path, config, roadmap_display(config, path))
    except RoadmapInvalid:
        return  # the workers report it as a collection error, with its lines
    Selection.from_config(config).check_against([context])


@dataclass(frozen=True)
class Deselected:
    """A worker's deselected item, as the controller's final line counts it (pytest keeps items
    there; other plugins read attributes of each entry, so not a bare string)."""

    nodeid: str


class XdistHooks:
    """xdist integration, registered only when xdist is installed."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.session: pytest.Session | None = None
        self.scheduler: DagScheduling | None = None
        self.deselected_counted = False

    def pytest_configure(self, config: pytest.Config) -> None:
        # Registered during our tryfirst pytest_configure, so this runs before xdist's (trylast)
        # decides whether to start a distributed session.
        # --orchestrate-status and --orchestrate-forget read the roadmap in this process and
        # run nothing: no workers either.
        one_process = any(
            config.getoption(name)
            for name in ("orchestrate_sequential", "orchestrate_status", "orchestrate_forget")
        )
        if is_worker(config):
            return
        if one_process:
            config.option.dist = "no"
            config.option.numprocesses = 0
            config.option.tx = []
        elif config.getoption("dist", "no") != "no":
            check_selection_early(config)

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.session = session

    def pytest_deselected(self, items: Sequence[pytest.Item]) -> None:
        # Workers deselect (ours, -k, -m, --lf) in their own process, so pytest's final line on
        # the controller would not count them: send the ids along with the worker's output.
        output = getattr(self.config, "workeroutput", None)
        if output is not None:
            output.setdefault(DESELECTED_OUTPUT, []).extend(item.nodeid for item in items)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: WorkerController, error: object) -> None:
        """Count the first finished worker's deselected items (every worker collects the same)."""
        ids = getattr(node, "workeroutput", {}).get(DESELECTED_OUTPUT)
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if ids and not self.deselected_counted and reporter is not None:
            self.deselected_counted = True
            reporter.stats.setdefault("deselected", []).extend(map(Deselected, ids))

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_make_scheduler(
        self, config: pytest.Config, log: Producer
    ) -> DagScheduling | None:
        """Our scheduler when the run may collect a roadmap; None leaves it to xdist's own."""
        if not self._may_collect_roadmap(config):
            return None
        self.scheduler = DagScheduling(config, log, self)
        return self.scheduler

    @staticmethod
    def _may_collect_roadmap(config: pytest.Config) -> bool:
        if config.stash.get(roadmap_path_key, None) is not None:
            return True
        return any(
            p.suffix in ROADMAP_SUFFIXES for p in config.stash.get(explicit_files_key, set())
        )

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        # Workers only, after every collection_modifyitems (wrappers included: --lf deselects in
        # one), so no selection can remove it; and after xdist's impl has sent the ids, so it is
        # not counted as an item: it sits at index len(ids), where the scheduler sends it.
        if is_worker(self.config) and self._may_collect_roadmap(self.config):
            session.items.append(ParkItem.from_parent(session, name=PARK, nodeid=PARK_ID))

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(
        self, item: pytest.Item, nextitem: pytest.Item | None
    ) -> bool | None:
        # No reports at all: the controller only sees the worker finish the previous item.
        return True if isinstance(item, ParkItem) else None

    @pytest.hookimpl(tryfirst=True, optionalhook=True)
    def pytest_handlecrashitem(self, crashitem: str, report: pytest.TestReport, sched: Any) -> None:
        if self.scheduler is not None and sched is self.scheduler:
            report.user_properties.extend(self.scheduler.crash_properties(crashitem))

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # trylast: the Engine has recorded the outcome before dependents are released.
        if self.scheduler is not None:
            self.scheduler.on_report(report)
