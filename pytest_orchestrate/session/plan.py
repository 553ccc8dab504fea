"""The plan as data: what ``--orchestrate-plan`` writes for tools and dashboards."""

from __future__ import annotations

from typing import Any

from ..roadmap.keys import checkpoint_node
from .context import RoadmapContext


def plan_dict(contexts: dict[str, RoadmapContext], selected: set[str]) -> dict[str, Any]:
    """Every roadmap's phases, groups, tasks and checkpoints, with dependencies and run order."""
    return {"roadmaps": [_roadmap(nodeid, ctx, selected) for nodeid, ctx in contexts.items()]}


def _roadmap(file_nodeid: str, ctx: RoadmapContext, selected: set[str]) -> dict[str, Any]:
    graph = ctx.graph
    critical = graph.longest_path()

    def node(graph_node: str, /, **fields: Any) -> dict[str, Any]:
        nodeid = ctx.nodeids[graph_node]
        return {
            **fields,
            "nodeid": nodeid,
            "depends_on": graph.deps[graph_node],
            "critical_path": critical[graph_node],
            "selected": nodeid in selected,
        }

    phases = []
    for phase in ctx.roadmap.phases:
        groups = [
            {
                "key": g.key,
                "name": g.name,
                "execution": g.execution,
                "tasks": [
                    node(
                        t.id,
                        id=t.id,
                        name=t.name,
                        type=t.type,
                        priority=t.priority,
                        line=ctx.roadmap.task_lines.get(t.id),
                        writes=list(t.writes()),
                    )
                    for t in g.tasks
                ],
            }
            for g in phase.groups
        ]
        checkpoint = None
        if phase.checkpoint is not None:
            cp = phase.checkpoint
            checkpoint = node(
                checkpoint_node(phase.key),
                name=cp.name,
                blocking=cp.blocking,
                checks=[c.name for c in cp.checks],
                line=cp.line,
            )
        phases.append(
            {
                "key": phase.key,
                "number": phase.number,
                "name": phase.name,
                "description": phase.description,
                "estimated_duration": phase.estimated_duration,
                "depends_on": list(phase.depends_on) if phase.depends_on is not None else None,
                "groups": groups,
                "checkpoint": checkpoint,
            }
        )
    order = [ctx.nodeids[n] for n in graph.order() if n in ctx.nodeids]
    return {
        "file": file_nodeid,
        "project_root": str(ctx.roadmap.project_root),
        "settings": ctx.roadmap.settings.model_dump(),
        "phases": phases,
        "order": order,
        "critical_path_length": max(critical.values(), default=0.0),
    }
