"""Choosing which probe calls become test cases: greedy coverage, and a stability check.

Greedy selection keeps the call that adds the most statements and branches not yet covered, again
and again, until no call adds anything (set cover's greedy rule; ties go to the earlier call, so
the choice is deterministic). The stability check compares the two probe passes (the second runs
under a shifted clock): leaves that differ (ids, timestamps) are asserted by type only, and a call
whose outcome differs in shape is dropped.

It does not run anything and knows nothing about Jest; observations are plain JSON.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Observation = Mapping[str, Any]
VARIES = {"$t": "varies"}


@dataclass
class Stable:
    """A call's observation with the leaves that differed between passes replaced by ``VARIES``."""

    obs: dict[str, Any]
    varied: list[str] = field(default_factory=list)


def cover_items(obs: Observation) -> frozenset[str]:
    cover = obs.get("cover") or {}
    return frozenset([f"s{s}" for s in cover.get("s", [])] + [f"b{b}" for b in cover.get("b", [])])


def greedy(covers: Sequence[frozenset[str]], already: frozenset[str] = frozenset()) -> list[int]:
    """Indexes of the calls to keep, in the order they were chosen."""
    covered = set(already)
    chosen: list[int] = []
    remaining = set(range(len(covers)))
    while remaining:
        best = max(sorted(remaining), key=lambda i: len(covers[i] - covered))
        gain = covers[best] - covered
        if not gain:
            break
        chosen.append(best)
        covered |= gain
        remaining.discard(best)
    return chosen


def merge(first: Any, second: Any, path: str, varied: list[str]) -> Any:
    """``first`` with differing leaves masked; raises ``ValueError`` when the shapes differ."""
    if first == second:
        return first
    if isinstance(first, dict) and isinstance(second, dict):
        if first.keys() != second.keys() or first.get("$t") != second.get("$t"):
            raise ValueError(f"{path} has different fields")
        return {k: merge(first[k], second[k], f"{path}.{k}", varied) for k in first}
    if isinstance(first, list) and isinstance(second, list):
        if len(first) != len(second):
            raise ValueError(f"{path} has a different length")
        return [merge(a, b, f"{path}[{i}]", varied) for i, (a, b) in enumerate(zip(first, second))]
    if _leaf_kind(first) != _leaf_kind(second):
        raise ValueError(f"{path} changes type")
    varied.append(path)
    return {**VARIES, "kind": _leaf_kind(first)}


def _leaf_kind(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("$t", "object"))
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return "string" if isinstance(value, str) else type(value).__name__


def stabilise(first: Observation, second: Observation) -> Stable | str:
    """The stable view of one call, or the reason it must be dropped."""
    if runaway := first.get("runaway") or second.get("runaway"):
        return f"a loop that kept calling its mocks (stopped after {runaway} calls)"
    if first.get("timeout") or second.get("timeout"):
        return "no answer within the probe's time limit"
    if ("error" in first) != ("error" in second):
        return "throws in one run and returns in the other"
    varied: list[str] = []
    try:
        obs: dict[str, Any] = {
            "id": first["id"],
            "returns": first.get("returns", {}),
            "touched": first.get("touched", []),
        }
        if "error" in first:
            if first["error"]["cls"] != second["error"]["cls"]:
                return "throws a different error class in each run"
            obs["error"] = merge(first["error"], second["error"], "error", varied)
        else:
            obs["value"] = merge(first.get("value"), second.get("value"), "value", varied)
        if [c["path"] for c in first.get("calls", [])] != [
            c["path"] for c in second.get("calls", [])
        ]:
            return "calls different collaborators in each run"
        if first.get("returns") != second.get("returns"):
            return "mocks answered differently in each run"
        obs["calls"] = merge(first.get("calls", []), second.get("calls", []), "calls", varied)
    except ValueError as exc:
        return f"differs between two runs ({exc})"
    return Stable(obs, varied)
