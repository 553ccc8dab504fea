"""``--phase`` and ``--group``: which parts of the roadmap a run covers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from .context import RoadmapContext


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

    def wants(self, phase: int, group: str | None) -> bool:
        """Whether an item of ``phase`` (and ``group``; None for a checkpoint) is in the selection.

        A checkpoint comes with its whole phase only.
        """
        if self.phases and phase not in self.phases:
            return False
        if self.groups:
            return group is not None and group in self.groups
        return True

    def check_against(self, contexts: list[RoadmapContext]) -> None:
        """Refuse a phase or group the roadmap does not have, naming what it does have."""
        phases = {p.number: p for c in contexts for p in c.roadmap.phases}
        groups = {g.letter: p for c in contexts for p in c.roadmap.phases for g in p.groups}
        for number in sorted(self.phases - set(phases)):
            have = ", ".join(str(n) for n in sorted(phases))
            raise pytest.UsageError(
                f"--phase {number}: the roadmap has no phase_{number}; phases: {have}"
            )
        for letter in sorted(self.groups - set(groups)):
            have = ", ".join(sorted(groups))
            raise pytest.UsageError(
                f"--group {letter}: the roadmap has no group_{letter}; groups: {have}"
            )
        if self.phases:
            for letter in sorted(self.groups):
                phase = groups[letter]
                if phase.number not in self.phases:
                    raise pytest.UsageError(
                        f"--group {letter}: group_{letter} is in {phase.key}, not in the "
                        f"selected phase(s); "
                        f"use --phase {phase.number} --group {letter}"
                    )
