"""Similarity and decay functions used by the recommendation engine."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping


def jaccard(a: Iterable[str], b: Iterable[str]) -> float:
    """Overlap of two tag sets, from 0.0 (disjoint) to 1.0 (identical)."""
    left, right = set(a), set(b)
    if not left and not right:
        return 0.0
    return len(left & right) / len(left | right)


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Cosine similarity of two sparse vectors."""
    dot = sum(weight * b.get(key, 0.0) for key, weight in a.items())
    norm_a = math.sqrt(sum(w * w for w in a.values()))
    norm_b = math.sqrt(sum(w * w for w in b.values()))
    if norm_a == 0 or norm_b == 0:
        return 0.0
    return dot / (norm_a * norm_b)


def recency_weight(age_days: float, half_life_days: float = 14.0) -> float:
    """Exponential decay: an interaction loses half its weight every half-life."""
    if half_life_days <= 0:
        raise ValueError("half_life_days must be positive")
    if age_days < 0:
        age_days = 0
    return 0.5 ** (age_days / half_life_days)
