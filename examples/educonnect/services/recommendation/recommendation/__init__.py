"""Content recommendations for EduConnect learners."""

from recommendation.engine import CatalogItem, Interaction, RecommendationEngine

__all__ = ["CatalogItem", "Interaction", "RecommendationEngine"]
