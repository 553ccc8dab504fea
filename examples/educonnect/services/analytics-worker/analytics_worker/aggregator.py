"""Daily rollups of activity events."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from statistics import mean

from analytics_worker.events import Event, InvalidEvent, parse_event


@dataclass
class DailyRollup:
    day: date
    active_users: set[str] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    scores: list[float] = field(default_factory=list)

    @property
    def average_score(self) -> float | None:
        return round(mean(self.scores), 2) if self.scores else None

    def as_row(self) -> dict:
        return {
            "day": self.day.isoformat(),
            "active_users": len(self.active_users),
            "counts": dict(sorted(self.counts.items())),
            "average_score": self.average_score,
        }


class Aggregator:
    """Folds a stream of raw messages into per-day rollups, counting rejects."""

    def __init__(self) -> None:
        self.rollups: dict[date, DailyRollup] = {}
        self.rejected = 0

    def add(self, event: Event) -> None:
        day = event.occurred_at.date()
        rollup = self.rollups.setdefault(day, DailyRollup(day))
        rollup.active_users.add(event.user_id)
        rollup.counts[event.type] += 1
        if event.score is not None:
            rollup.scores.append(event.score)

    def consume(self, messages) -> int:
        accepted = 0
        for message in messages:
            try:
                self.add(parse_event(message))
            except InvalidEvent:
                self.rejected += 1
                continue
            accepted += 1
        return accepted

    def report(self) -> list[dict]:
        return [self.rollups[day].as_row() for day in sorted(self.rollups)]

    def retention(self, first: date, second: date) -> float:
        """Share of users active on ``first`` who came back on ``second``."""
        if first not in self.rollups:
            return 0.0
        cohort = self.rollups[first].active_users
        returned = self.rollups.get(second, DailyRollup(second)).active_users
        return round(len(cohort & returned) / len(cohort), 4)
