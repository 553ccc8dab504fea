"""How roadmap things are named: ``phase_N`` and ``group_x`` keys, graph
node names, pytest node ids.

The one home of these formats: the loader reads them, the graph names nodes with them, the pytest
nodes and the xdist controller build and split node ids with them.
"""

from __future__ import annotations

import re

PHASE_KEY = re.compile(r"phase_(\d+)\Z")
GROUP_KEY = re.compile(r"group_([a-z][a-z0-9]*)\Z")
PHASE_PREFIX, GROUP_PREFIX = "phase_", "group_"
CHECKPOINT = "checkpoint"  # the last part of a checkpoint's node id and graph name
ROADMAP_SUFFIXES = (".yaml", ".yml")


def phase_key(number: int) -> str:
    """``2`` -> ``phase_2``."""
    return f"{PHASE_PREFIX}{number}"


def group_key(letter: str) -> str:
    """``c`` -> ``group_c``."""
    return f"{GROUP_PREFIX}{letter}"


def phase_number(key: str) -> int | None:
    """``phase_2`` -> 2; None for anything else."""
    match = PHASE_KEY.match(key)
    return int(match.group(1)) if match else None


def group_letter(key: str) -> str:
    """``group_c`` -> ``c``."""
    return key.removeprefix(GROUP_PREFIX)


def checkpoint_node(phase: str) -> str:
    """The graph name of a phase's checkpoint: ``phase_1::checkpoint``."""
    return f"{phase}::{CHECKPOINT}"


def task_nodeid(file_nodeid: str, phase: str, group: str, task_id: str) -> str:
    """``config/phases.yaml::phase_1::group_a::1.1``."""
    return f"{file_nodeid}::{phase}::{group}::{task_id}"


def checkpoint_nodeid(file_nodeid: str, phase: str) -> str:
    """``config/phases.yaml::phase_1::checkpoint``."""
    return f"{file_nodeid}::{checkpoint_node(phase)}"


def split_nodeid(nodeid: str) -> tuple[str, str]:
    """A roadmap item's node id -> (the file part, the graph node name)."""
    parts = nodeid.split("::")
    if parts[-1] == CHECKPOINT:
        return parts[0], checkpoint_node(parts[-2])
    return parts[0], parts[-1]


def unblock_hint(barrier: str) -> str:
    """The option that runs what a barrier waits for: ``--group c`` or ``--phase 2``."""
    if barrier.startswith(GROUP_PREFIX):
        return f"--group {group_letter(barrier)}"
    return f"--phase {barrier.removeprefix(PHASE_PREFIX)}"


def checkpoint_phase(node: str) -> str | None:
    """``phase_1::checkpoint`` -> ``phase_1``; None for a task or barrier."""
    phase, sep, last = node.rpartition("::")
    return phase if sep and last == CHECKPOINT else None
