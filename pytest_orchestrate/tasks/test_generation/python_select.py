"""Greedy selection of probe calls: keep the calls that add lines or branches nobody else covers.

Input is a coverage matrix (call id -> the lines and arcs it covered), already measured per call
by the probe; nothing is run here. It does not look at what a call returned: the probe and the
verifier decide which observations are stable enough to assert.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import TypeVar

Key = TypeVar("Key", bound=Hashable)


def select_greedy(
    coverage: Mapping[Key, Iterable[Hashable]],
    *,
    already: Iterable[Hashable] = (),
    order: Sequence[Key] | None = None,
) -> list[Key]:
    """Calls in the order they were picked, each adding the most not-yet-covered items.

    ``already`` is what runs anyway (the module's import). Ties go to the call that comes first
    in ``order`` (default: the matrix's order), so equal input gives equal output.
    """
    ranked = list(order if order is not None else coverage)
    position = {key: i for i, key in enumerate(ranked)}
    remaining = {key: set(coverage[key]) for key in ranked}
    covered = set(already)
    picked: list[Key] = []
    while remaining:
        best = max(remaining, key=lambda k: (len(remaining[k] - covered), -position[k]))
        gain = remaining.pop(best) - covered
        if not gain:
            break
        picked.append(best)
        covered |= gain
    return picked
