"""The dependency graph of a roadmap: edges, cycle check, topological order and critical path.

Nodes are named as users name them: a task by its id, ``phase_N::checkpoint`` for a checkpoint, and
``phase_N`` / ``group_x`` for *barriers*, which stand for "every task of that phase/group". Barriers
keep the edge count linear: 1,000 tasks that follow a 1,000-task phase need
2,000 edges, not a million.

No pytest import: the xdist controller rebuilds this graph from the roadmap file with the same code.
"""

from __future__ import annotations

import heapq
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..errors import CycleError
from .keys import checkpoint_node
from .model import Phase, Roadmap

TASK, CHECKPOINT, BARRIER = "task", "checkpoint", "barrier"


@dataclass
class Graph:
    """Nodes in roadmap order, each with the nodes it waits for."""

    kind: dict[str, str] = field(default_factory=dict)
    deps: dict[str, list[str]] = field(default_factory=dict)
    # For a barrier, the phase key ("phase_1") whose run command unblocks it.
    phase: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, kind: str, phase: str) -> None:
        """Add a node with no edges yet."""
        self.kind[name] = kind
        self.deps[name] = []
        self.phase[name] = phase

    def edge(self, before: str, after: str) -> None:
        """``after`` waits for ``before``."""
        if before != after and before not in self.deps[after]:
            self.deps[after].append(before)

    def dependents(self) -> dict[str, list[str]]:
        """The reverse edges: who waits for each node."""
        out: dict[str, list[str]] = {n: [] for n in self.deps}
        for node, before in self.deps.items():
            for dep in before:
                out[dep].append(node)
        return out

    def order(self) -> list[str]:
        """Kahn's algorithm; ties go to roadmap order, so an already valid
        roadmap keeps its order."""
        index = {n: i for i, n in enumerate(self.deps)}
        waiting = {n: len(d) for n, d in self.deps.items()}
        after = self.dependents()
        ready = [index[n] for n, w in waiting.items() if w == 0]
        heapq.heapify(ready)
        names = list(self.deps)
        out: list[str] = []
        while ready:
            node = names[heapq.heappop(ready)]
            out.append(node)
            for nxt in after[node]:
                waiting[nxt] -= 1
                if waiting[nxt] == 0:
                    heapq.heappush(ready, index[nxt])
        if len(out) != len(names):
            raise CycleError(self._find_cycle({n for n, w in waiting.items() if w > 0}))
        return out

    def _find_cycle(self, stuck: set[str]) -> list[str]:
        """Walk unfinished dependencies until a node repeats; every stuck
        node leads into a cycle."""
        node = next(n for n in self.deps if n in stuck)
        seen: dict[str, int] = {}
        path: list[str] = []
        while node not in seen:
            seen[node] = len(path)
            path.append(node)
            node = next(d for d in self.deps[node] if d in stuck)
        return path[seen[node] :] + [node]

    def longest_path(self, weight: Mapping[str, float] | None = None) -> dict[str, float]:
        """For each node, the longest chain of work from its start to the end of the roadmap."""
        after = self.dependents()
        out: dict[str, float] = {}
        for node in reversed(self.order()):
            w = (weight or {}).get(node, 0.0 if self.kind[node] == BARRIER else 1.0)
            out[node] = w + max((out[n] for n in after[node]), default=0.0)
        return out

    def critical_seconds(self, seconds: Mapping[str, float]) -> dict[str, float] | None:
        """For each node, the seconds of work on its longest chain to the end of the roadmap.

        ``seconds`` holds learned durations of tasks and checkpoints; one not in it counts as the
        median of those that are (a typical task, rather than zero or the longest). None when no
        duration is known: then only the number of tasks on a chain (``longest_path``) can rank.
        """
        known = [float(seconds[n]) for n in self.deps if n in seconds and self.kind[n] != BARRIER]
        if not known:
            return None
        typical = statistics.median(known)
        weight = {
            n: 0.0 if self.kind[n] == BARRIER else float(seconds.get(n, typical)) for n in self.deps
        }
        return self.longest_path(weight)

    def ancestors(self, nodes: Iterable[str]) -> set[str]:
        """Every node that ``nodes`` wait for, directly or not."""
        seen: set[str] = set()
        stack = list(nodes)
        while stack:
            for dep in self.deps[stack.pop()]:
                if dep not in seen:
                    seen.add(dep)
                    stack.append(dep)
        return seen


def phase_targets(phase: Phase) -> list[str]:
    """What "after phase N" waits for: its tasks, then its checkpoint.

    A blocking checkpoint stands for the phase (it waits for the tasks, and its failure stops what
    waits for it). A non-blocking one is waited for all the same, but only to finish: it measures
    the repository as the phase left it, before a later phase's tests land (``Engine`` does not
    let its failure block anything)."""
    if phase.checkpoint is None:
        return [phase.key]
    if phase.checkpoint.blocking:
        return [checkpoint_node(phase.key)]
    return [phase.key, checkpoint_node(phase.key)]


def build_graph(roadmap: Roadmap) -> Graph:
    """Edges from five rules (a sequential group chains its tasks; a phase waits for the previous
    one unless it says ``depends_on``; a task's own ``depends_on``; a checkpoint waits for its
    phase's tasks; waiting for a phase means waiting for its tasks and its checkpoint, see
    ``phase_targets``); raises ``CycleError`` on a loop."""
    g = Graph()
    phases = {p.key: p for p in roadmap.phases}
    for phase in roadmap.phases:
        g.add(phase.key, BARRIER, phase.key)
        for group in phase.groups:
            g.add(group.key, BARRIER, phase.key)
            for task in group.tasks:
                g.add(task.id, TASK, phase.key)
        if phase.checkpoint is not None:
            g.add(checkpoint_node(phase.key), CHECKPOINT, phase.key)

    def targets(name: str) -> list[str]:
        return phase_targets(phases[name]) if name in phases else [name]

    previous: Phase | None = None
    for phase in roadmap.phases:
        if phase.depends_on is None:
            entry = phase_targets(previous) if previous is not None else []
        else:
            entry = [t for d in phase.depends_on for t in targets(d)]
        for group in phase.groups:
            for i, task in enumerate(group.tasks):
                # Phase-level waits first: the first unmet dependency names the blocked reason.
                for dep in entry + [t for d in group.depends_on for t in targets(d)]:
                    g.edge(dep, task.id)
                if group.execution == "sequential" and i > 0:
                    g.edge(group.tasks[i - 1].id, task.id)
                for dep in task.depends_on:
                    for t in targets(dep):
                        g.edge(t, task.id)
                g.edge(task.id, group.key)
                g.edge(task.id, phase.key)
        if not phase.tasks():
            for dep in entry:
                g.edge(dep, phase.key)
        if phase.checkpoint is not None:
            g.edge(phase.key, checkpoint_node(phase.key))
        previous = phase

    _serialise_writers(g, roadmap)
    return g


def _serialise_writers(g: Graph, roadmap: Roadmap) -> None:
    """Two tasks that write one file get an edge, in topological order, so writers never race."""
    writers: dict[str, list[str]] = {}
    for task in roadmap.tasks():
        for path in task.writes():
            writers.setdefault(path, []).append(task.id)
    if not any(len(w) > 1 for w in writers.values()):
        return
    position = {n: i for i, n in enumerate(g.order())}
    for ids in writers.values():
        ordered = sorted(ids, key=position.__getitem__)
        for before, after in zip(ordered, ordered[1:]):
            g.edge(before, after)
