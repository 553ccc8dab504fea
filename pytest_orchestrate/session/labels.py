"""How a roadmap item names itself: in failures, as report properties (and JUnit), and as marks.

One source for items and for the xdist controller, which builds the same reports without
collecting. The report property names are the vocabulary JUnit files and our own hooks read.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..roadmap.model import Checkpoint, Group, Phase, TaskBase

# Report (and JUnit) property names.
PHASE, GROUP, TYPE, PRIORITY = "phase", "group", "type", "priority"
STATUS, CHANGED_FILES, FINGERPRINT = "status", "changed_files", "fingerprint"
CONFIRMED_BY, CONFIRMED_AT = "confirmed_by", "confirmed_at"
REASON = "reason"  # a failure's first line, for the -v line
DRIFT = "drift"  # why a recorded task ran again
# The sha256 each of ``changed_files`` held before the task's edit ("-": it was created), in order.
CHANGED_FROM = "changed_from"


def attempt_property(attempt: int) -> str:
    """The property that records a failed attempt: ``attempt_1``."""
    return f"attempt_{attempt}"


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
        ((PHASE, phase.key), (GROUP, group.key), (TYPE, task.type), (PRIORITY, task.priority)),
        (phase.key, group.key, task.type, task.priority),
    )


def checkpoint_labels(phase: Phase, checkpoint: Checkpoint) -> Labels:
    """A checkpoint's labels."""
    priority = "high" if checkpoint.blocking else "medium"
    return Labels(
        f"checkpoint of {phase.key} ({checkpoint.name})",
        ((PHASE, phase.key), (GROUP, ""), (TYPE, "checkpoint"), (PRIORITY, priority)),
        (phase.key, "checkpoint"),
    )
