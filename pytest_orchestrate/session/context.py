"""One loaded roadmap with its graph: what the pytest nodes, the engine and the xdist controller
share.

Loading happens once per session per file, whoever asks first (``-n auto``, the early selection
check, collection, or the xdist scheduler).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ..errors import CycleError, RoadmapError, RoadmapInvalid
from ..roadmap.graph import Graph, build_graph
from ..roadmap.keys import checkpoint_node, checkpoint_nodeid, task_nodeid
from ..roadmap.load import load_roadmap
from ..roadmap.model import Roadmap, TaskBase, fingerprint
from ..tasks.templates import template_digest, template_dirs
from .config import check_kinds, project_root_override, task_types
from .state import roadmap_key


@dataclass
class RoadmapContext:
    """One loaded roadmap with its graph, shared by its items (and rebuilt on the xdist
    controller)."""

    roadmap: Roadmap
    graph: Graph
    rid: str
    nodeids: dict[str, str] = field(default_factory=dict)  # graph node -> pytest nodeid
    missing_templates: list[RoadmapError] = field(default_factory=list)
    _tasks: dict[str, TaskBase] = field(default_factory=dict)

    def fingerprint(self, node: str) -> str:
        """A task's definition hash; a checkpoint's covers its own definition and its phase's
        tasks."""
        if node in self.roadmap.fingerprints:
            return self.roadmap.fingerprints[node]
        phase = next(p for p in self.roadmap.phases if checkpoint_node(p.key) == node)
        return fingerprint(
            [repr(phase.checkpoint)] + [self.roadmap.fingerprints[t.id] for t in phase.tasks()]
        )

    def blocking(self, node: str) -> bool:
        """Whether the checkpoint ``node`` stops what waits for it when it fails."""
        phase = next(p for p in self.roadmap.phases if checkpoint_node(p.key) == node)
        return phase.checkpoint is not None and phase.checkpoint.blocking

    def task(self, node: str) -> TaskBase | None:
        """The task a graph node names, or None for a checkpoint or barrier."""
        if not self._tasks:
            self._tasks.update((t.id, t) for t in self.roadmap.tasks())
        return self._tasks.get(node)

    def name_items(self, file_nodeid: str) -> None:
        """Map each task and checkpoint onto its pytest node id under the file's ``file_nodeid``."""
        for phase in self.roadmap.phases:
            for group in phase.groups:
                for task in group.tasks:
                    self.nodeids[task.id] = task_nodeid(file_nodeid, phase.key, group.key, task.id)
            if phase.checkpoint is not None:
                self.nodeids[checkpoint_node(phase.key)] = checkpoint_nodeid(file_nodeid, phase.key)


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
    roadmap = load_roadmap(
        path,
        display=display,
        task_models=task_types(config).models,
        check_models=check_kinds(config).models,
        project_root=project_root_override(config),
        default_root=config.rootpath,
    )
    try:
        graph = build_graph(roadmap)
        graph.order()
    except CycleError as e:
        first = e.cycle[0]
        line = roadmap.task_lines.get(first) or next(
            (
                p.line
                for p in roadmap.phases
                if p.key == first or any(g.key == first for g in p.groups)
            ),
            None,
        )
        raise RoadmapInvalid(
            [
                RoadmapError(
                    display,
                    line,
                    f"dependency cycle: {e} (each waits for the next); remove one of these "
                    f"depends_on, "
                    "or reorder a sequential group",
                )
            ]
        ) from e
    context = RoadmapContext(roadmap, graph, roadmap_key(display, roadmap.project_root))
    context.missing_templates = _fold_template_digests(roadmap)
    return context


def _fold_template_digests(roadmap: Roadmap) -> list[RoadmapError]:
    """A task that renders a template is redone when the template changes, not only its YAML.

    Returns the tasks whose template cannot be found, for ``validate`` to report.
    """
    search = template_dirs(roadmap.path)
    missing = []
    for task in roadmap.tasks():
        name = getattr(task, "template", None)
        if not isinstance(name, str):
            continue
        digest = template_digest(name, search)
        if digest is None:
            missing.append(
                RoadmapError(
                    roadmap.display,
                    roadmap.task_lines.get(task.id),
                    f"task {task.id}: template '{name}' not found in "
                    f"{', '.join(str(d) for d in search)}; "
                    "fix the name, or add it to a templates/ folder beside the roadmap",
                )
            )
        else:
            roadmap.fingerprints[task.id] = fingerprint([roadmap.fingerprints[task.id], digest])
    return missing
