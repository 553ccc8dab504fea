"""``--phase`` and ``--group``: which parts of the roadmap a run covers."""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .collect import RoadmapContext, RoadmapItem


def phase_number(value: str) -> int:
    """``--phase`` type: accepts ``2`` or ``phase_2``."""
    match = re.fullmatch(r"(?:phase_)?(\d+)", value.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"{value!r} is not a phase; use a number like 2 or phase_2")
    return int(match.group(1))


def group_letter(value: str) -> str:
    """``--group`` type: accepts ``c`` or ``group_c``."""
    match = re.fullmatch(r"(?:group_)?([a-z][a-z0-9]*)", value.strip().lower())
    if not match:
        raise argparse.ArgumentTypeError(f"{value!r} is not a group; use a letter like c or group_c")
    return match.group(1)


@dataclass(frozen=True)
class Selection:
    """The phases and groups asked for; empty means all."""

    phases: frozenset[int]
    groups: frozenset[str]

    @classmethod
    def from_config(cls, config: pytest.Config) -> Selection:
        """Read ``--phase`` and ``--group``."""
        phases: Sequence[int] = config.getoption("orchestrate_phases") or ()
        groups: Sequence[str] = config.getoption("orchestrate_groups") or ()
        return cls(frozenset(phases), frozenset(groups))

    def wants(self, item: RoadmapItem) -> bool:
        """Whether ``item`` is in the selection; a checkpoint comes with its whole phase only."""
        from .collect import TaskItem

        if self.phases and item.phase.number not in self.phases:
            return False
        if self.groups:
            return isinstance(item, TaskItem) and item.group.letter in self.groups
        return True

    def check_against(self, contexts: list[RoadmapContext]) -> None:
        """Refuse a phase or group the roadmap does not have, naming what it does have."""
        phases = {p.number: p for c in contexts for p in c.roadmap.phases}
        groups = {g.letter: p for c in contexts for p in c.roadmap.phases for g in p.groups}
        for number in sorted(self.phases - set(phases)):
            have = ", ".join(str(n) for n in sorted(phases))
            raise pytest.UsageError(f"--phase {number}: the roadmap has no phase_{number}; phases: {have}")
        for letter in sorted(self.groups - set(groups)):
            have = ", ".join(sorted(groups))
            raise pytest.UsageError(f"--group {letter}: the roadmap has no group_{letter}; groups: {have}")
        if self.phases:
            for letter in sorted(self.groups):
                phase = groups[letter]
                if phase.number not in self.phases:
                    raise pytest.UsageError(
                        f"--group {letter}: group_{letter} is in {phase.key}, not in the selected phase(s); "
                        f"use --phase {phase.number} --group {letter}"
                    )
