"""Hybrid recommender: tag-profile similarity plus popularity, with diversity."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone

from recommendation.scoring import cosine, recency_weight

INTERACTION_WEIGHTS = {"view": 1.0, "bookmark": 2.0, "complete": 3.0}


@dataclass(frozen=True)
class CatalogItem:
    id: str
    community_id: str
    tags: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Interaction:
    user_id: str
    item_id: str
    kind: str
    at: datetime


class RecommendationEngine:
    """Scores unseen catalog items for a user."""

    def __init__(self, catalog: list[CatalogItem], popularity_weight: float = 0.2, max_per_community: int = 2):
        if not 0 <= popularity_weight <= 1:
            raise ValueError("popularity_weight must be between 0 and 1")
        self._catalog = {item.id: item for item in catalog}
        self._popularity_weight = popularity_weight
        self._max_per_community = max_per_community

    def profile(self, interactions: list[Interaction], now: datetime | None = None) -> dict[str, float]:
        """Builds a weighted tag profile from a user's history."""
        now = now or datetime.now(timezone.utc)
        profile: dict[str, float] = defaultdict(float)
        for interaction in interactions:
            item = self._catalog.get(interaction.item_id)
            if item is None:
                continue
            if interaction.kind not in INTERACTION_WEIGHTS:
                raise ValueError(f"unknown interaction kind: {interaction.kind}")
            age_days = (now - interaction.at).total_seconds() / 86400
            weight = INTERACTION_WEIGHTS[interaction.kind] * recency_weight(age_days)
            for tag in item.tags:
                profile[tag] += weight
        return dict(profile)

    def recommend(
        self,
        user_id: str,
        interactions: list[Interaction],
        limit: int = 5,
        now: datetime | None = None,
    ) -> list[tuple[str, float]]:
        """Returns up to ``limit`` (item id, score) pairs, best first."""
        if limit <= 0:
            return []
        mine = [i for i in interactions if i.user_id == user_id]
        seen = {i.item_id for i in mine}
        profile = self.profile(mine, now)

        popularity = Counter(i.item_id for i in interactions)
        top = max(popularity.values(), default=0)

        scored: list[tuple[str, float]] = []
        for item in self._catalog.values():
            if item.id in seen:
                continue
            similarity = cosine(profile, {tag: 1.0 for tag in item.tags})
            popular = popularity[item.id] / top if top else 0.0
            score = (1 - self._popularity_weight) * similarity + self._popularity_weight * popular
            scored.append((item.id, round(score, 4)))
        scored.sort(key=lambda pair: (-pair[1], pair[0]))

        picked: list[tuple[str, float]] = []
        per_community: Counter[str] = Counter()
        for item_id, score in scored:
            community = self._catalog[item_id].community_id
            if per_community[community] >= self._max_per_community:
                continue
            per_community[community] += 1
            picked.append((item_id, score))
            if len(picked) == limit:
                break
        return picked
