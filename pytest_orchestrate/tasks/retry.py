"""Backoff between attempts of a retried task."""

from __future__ import annotations

import random


def backoff_delay(attempt: int, base: float, cap: float) -> float:
    """Exponential backoff with full jitter: uniform in [0, min(cap, base * 2**(attempt-1))].

    Jitter keeps parallel workers that failed together (a registry hiccup) from retrying in step.
    """
    return random.uniform(0, min(cap, base * 2 ** (attempt - 1)))
