"""Learned durations: how long each task and checkpoint took when it last ran, from its record.

The scheduler ranks ready tasks by seconds of work left on their chain, and ``ci-matrix`` balances
jobs by them. A record keeps its duration even once its definition changes or ``--redo`` runs it
again: the last run is still the best guess of the next. Nothing here schedules anything.
"""

from __future__ import annotations

from ..roadmap.graph import BARRIER
from .context import RoadmapContext
from .state import ResumeState


def learned_seconds(ctx: RoadmapContext, state: ResumeState) -> dict[str, float]:
    """Graph node -> seconds its last recorded run took, for the nodes that have one."""
    out: dict[str, float] = {}
    for node, kind in ctx.graph.kind.items():
        if kind == BARRIER:
            continue
        record = state.record(ctx.rid, node)
        if record is not None and record.duration > 0:
            out[node] = record.duration
    return out
