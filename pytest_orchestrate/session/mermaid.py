"""The plan as a picture: a Mermaid flowchart of phases, groups, tasks and checkpoints.

Phases and groups are subgraphs, tasks are nodes labelled ``id name``, checkpoints are diamonds.
An edge from a barrier (or any node) that reaches every task of a phase or group is drawn once, to
that phase or group, not once per task: the bundled roadmap would otherwise be a hairball. Nodes
can be coloured by state: done, changed, failed, blocked, manual, not started.

``flowchart`` is text from a roadmap and its graph, with no pytest object; ``record_states`` and
``session_states`` say what colour each node gets, from the cache or from this session's reports.
Nothing here writes a file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

from ..roadmap.graph import BARRIER, Graph
from ..roadmap.keys import checkpoint_node
from ..roadmap.model import Phase, Roadmap
from ..tasks.registry import BLOCKED, CHANGED, DONE, FAILED, KEPT, MANUAL, OK
from .context import RoadmapContext
from .state import ResumeState

NodeState = Literal["done", "changed", "failed", "blocked", "manual", "not_started"]
NODE_STATES: tuple[NodeState, ...] = (
    "done",
    "changed",
    "failed",
    "blocked",
    "manual",
    "not_started",
)
# Fill and stroke per state: green, blue, red, orange, purple, grey (readable in light and dark).
# Phases and groups are drawn plain, so that no box reads as a state.
BOX_STYLE = {"phase": "fill:#f8f9fa,stroke:#adb5bd", "group": "fill:#ffffff,stroke:#ced4da"}
STYLES: dict[NodeState, str] = {
    "done": "fill:#d3f9d8,stroke:#2b8a3e,color:#000",
    "changed": "fill:#d0ebff,stroke:#1971c2,color:#000",
    "failed": "fill:#ffe3e3,stroke:#c92a2a,color:#000",
    "blocked": "fill:#ffd8a8,stroke:#e8590c,color:#000",
    "manual": "fill:#f3d9fa,stroke:#9c36b5,color:#000",
    "not_started": "fill:#f1f3f5,stroke:#868e96,color:#000",
}
_FROM_STATUS: dict[str, NodeState] = {
    CHANGED: "changed",
    OK: "done",
    KEPT: "done",
    DONE: "done",
    FAILED: "failed",
    BLOCKED: "blocked",
    MANUAL: "manual",
}


def flowchart(roadmap: Roadmap, graph: Graph, states: Mapping[str, NodeState] | None = None) -> str:
    """The Mermaid ``flowchart`` source; ``states`` (graph node -> state) colours the nodes."""
    ids = _mermaid_ids(roadmap)
    lines = ["flowchart TB"]
    for phase in roadmap.phases:
        lines += _phase_block(phase, ids)
    lines += [f"  {a} --> {b}" for a, b in _edges(roadmap, graph, ids)]
    for phase in roadmap.phases:
        lines.append(f"  style {ids[phase.key]} {BOX_STYLE['phase']}")
        lines += [f"  style {ids[g.key]} {BOX_STYLE['group']}" for g in phase.groups]
    if states is not None:
        lines += [f"  classDef {state} {STYLES[state]}" for state in NODE_STATES]
        for state in NODE_STATES:
            members = [ids[n] for n in ids if states.get(n) == state and graph.kind[n] != BARRIER]
            if members:
                lines.append(f"  class {','.join(members)} {state}")
    return "\n".join(lines) + "\n"


def _phase_block(phase: Phase, ids: Mapping[str, str]) -> list[str]:
    lines = [f'  subgraph {ids[phase.key]}["{_text(f"{phase.key}: {phase.name}")}"]']
    for group in phase.groups:
        lines.append(f'    subgraph {ids[group.key]}["{_text(f"{group.key}: {group.name}")}"]')
        lines += [f'      {ids[t.id]}["{_text(f"{t.id} {t.name}")}"]' for t in group.tasks]
        lines.append("    end")
    if phase.checkpoint is not None:
        node = checkpoint_node(phase.key)
        lines.append(f'    {ids[node]}{{"{_text(f"checkpoint: {phase.checkpoint.name}")}"}}')
    lines.append("  end")
    return lines


def _edges(roadmap: Roadmap, graph: Graph, ids: Mapping[str, str]) -> list[tuple[str, str]]:
    """Each dependency once: to a whole phase or group where it reaches all of its tasks.

    Edges *into* a barrier only say "this task belongs to that phase/group", which the subgraphs
    already show, so they are not drawn. "The checkpoint waits for its phase" is drawn from each
    group, since an edge from a subgraph to a node inside it does not render.
    """
    targets: dict[str, set[str]] = {}
    for node, deps in graph.deps.items():
        if graph.kind[node] == BARRIER:
            continue
        for dep in deps:
            targets.setdefault(dep, set()).add(node)
    out: list[tuple[str, str]] = []
    for dep in graph.deps:
        if dep not in targets:
            continue
        left = targets[dep]
        for phase in roadmap.phases:
            cp = checkpoint_node(phase.key)
            if dep == phase.key and cp in left:
                out += [(ids[g.key], ids[cp]) for g in phase.groups]
                left = left - {cp}
            tasks = {t.id for t in phase.tasks()}
            if tasks and tasks <= left and dep not in tasks:
                out.append((ids[dep], ids[phase.key]))
                left = left - tasks
                continue
            for group in phase.groups:
                members = {t.id for t in group.tasks}
                if members <= left and dep not in members and dep != group.key:
                    out.append((ids[dep], ids[group.key]))
                    left = left - members
        out += [(ids[dep], ids[n]) for n in graph.deps if n in left]
    return out


def _mermaid_ids(roadmap: Roadmap) -> dict[str, str]:
    """A Mermaid-safe, unique id per graph node: ``phase_1``, ``group_a``, ``t1_1``, ``cp1``."""
    ids: dict[str, str] = {}
    taken: set[str] = set()

    def claim(node: str, wanted: str) -> None:
        name, n = wanted, 1
        while name in taken:
            n += 1
            name = f"{wanted}_{n}"
        taken.add(name)
        ids[node] = name

    for phase in roadmap.phases:
        claim(phase.key, phase.key)
        for group in phase.groups:
            claim(group.key, group.key)
    for phase in roadmap.phases:
        for task in phase.tasks():
            claim(task.id, "t" + re.sub(r"\W", "_", task.id))
        if phase.checkpoint is not None:
            claim(checkpoint_node(phase.key), f"cp{phase.number}")
    return ids


def _text(label: str) -> str:
    """A label inside Mermaid's double quotes: entity codes for what would end or break it."""
    for char, code in (("&", "#amp;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;")):
        label = label.replace(char, code)
    return label


def session_states(ctx: RoadmapContext, statuses: Mapping[str, str]) -> dict[str, NodeState]:
    """Graph node -> state from this session's statuses (pytest node id -> status word)."""
    out: dict[str, NodeState] = {}
    for node, nodeid in ctx.nodeids.items():
        status = statuses.get(nodeid)
        if status in _FROM_STATUS:
            out[node] = _FROM_STATUS[status]
    return out


def record_states(ctx: RoadmapContext, state: ResumeState) -> dict[str, NodeState]:
    """Graph node -> state from the cache: what earlier runs finished, failed or wait for.

    A task not done whose dependency failed or waits for a human is blocked; a stale record (the
    task's definition changed since) counts as not started, since the next run redoes it.
    """
    out: dict[str, NodeState] = {}
    graph, roadmap = ctx.graph, ctx.roadmap
    manual = {t.id for t in roadmap.tasks() if t.type == "manual"}
    for node in graph.order():
        if graph.kind[node] == BARRIER:
            continue
        fingerprint = ctx.fingerprint(node)
        record = state.current(ctx.rid, node, fingerprint)
        phase = graph.phase[node]
        last = state.checkpoint(ctx.rid, phase) if node == checkpoint_node(phase) else None
        if last is not None and last.get("result") == "failed":
            out[node] = "failed"
        elif record is not None:
            out[node] = "changed" if record.status == CHANGED else "done"
        elif node in manual and state.confirmation(ctx.rid, node, fingerprint) is not None:
            out[node] = "done"
        elif node in manual:
            out[node] = "manual"
        else:
            out[node] = "not_started"
    return with_blocked(graph, out)


def with_blocked(graph: Graph, states: Mapping[str, NodeState]) -> dict[str, NodeState]:
    """``states`` with every not-started node behind a failed, manual or blocked one as blocked."""
    out = dict(states)
    stuck: set[str] = set()
    for node in graph.order():
        if graph.kind[node] == BARRIER:
            if any(d in stuck for d in graph.deps[node]):
                stuck.add(node)
            continue
        if out.get(node, "not_started") == "not_started" and any(
            d in stuck for d in graph.deps[node]
        ):
            out[node] = "blocked"
        if out.get(node) in ("failed", "manual", "blocked"):
            stuck.add(node)
    return out
