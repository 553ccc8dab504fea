from datetime import datetime, timedelta, timezone

import pytest

from recommendation.engine import CatalogItem, Interaction, RecommendationEngine
from recommendation.scoring import jaccard, recency_weight

NOW = datetime(2024, 9, 1, tzinfo=timezone.utc)

CATALOG = [
    CatalogItem("algebra-1", "maths", frozenset({"algebra", "equations"})),
    CatalogItem("algebra-2", "maths", frozenset({"algebra", "polynomials"})),
    CatalogItem("algebra-3", "maths", frozenset({"algebra", "matrices"})),
    CatalogItem("poetry-1", "literature", frozenset({"poetry"})),
]


def test_recommends_similar_unseen_items_first():
    engine = RecommendationEngine(CATALOG, popularity_weight=0.0)
    history = [Interaction("u1", "algebra-1", "complete", NOW - timedelta(days=1))]

    ranked = engine.recommend("u1", history, limit=3, now=NOW)

    ids = [item_id for item_id, _ in ranked]
    assert "algebra-1" not in ids
    assert ids[:2] == ["algebra-2", "algebra-3"]


def test_limits_items_per_community():
    engine = RecommendationEngine(CATALOG, popularity_weight=0.0, max_per_community=1)

    ranked = engine.recommend("u1", [Interaction("u1", "poetry-1", "view", NOW)], limit=5, now=NOW)

    assert [item_id for item_id, _ in ranked] == ["algebra-1"]


def test_rejects_out_of_range_popularity_weight():
    with pytest.raises(ValueError):
        RecommendationEngine(CATALOG, popularity_weight=1.5)


def test_scoring_helpers():
    assert jaccard({"a", "b"}, {"b", "c"}) == pytest.approx(1 / 3)
    assert recency_weight(14) == pytest.approx(0.5)
