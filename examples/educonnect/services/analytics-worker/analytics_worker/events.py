"""Parsing and validation of raw activity events from the queue."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

EVENT_TYPES = frozenset({"login", "content_view", "assessment_submit", "community_post"})


class InvalidEvent(ValueError):
    """Raised for messages that cannot be turned into an Event."""


@dataclass(frozen=True)
class Event:
    user_id: str
    type: str
    occurred_at: datetime
    community_id: str | None = None
    score: float | None = None


def parse_event(raw: str | bytes | dict) -> Event:
    """Accepts a JSON string/bytes or an already-decoded dict."""
    if isinstance(raw, (str, bytes)):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise InvalidEvent(f"not JSON: {exc.msg}") from exc
    if not isinstance(raw, dict):
        raise InvalidEvent("event must be a JSON object")

    missing = [key for key in ("userId", "type", "occurredAt") if not raw.get(key)]
    if missing:
        raise InvalidEvent(f"missing fields: {', '.join(missing)}")
    if raw["type"] not in EVENT_TYPES:
        raise InvalidEvent(f"unknown event type {raw['type']!r}")
    try:
        occurred_at = datetime.fromisoformat(str(raw["occurredAt"]).replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidEvent("occurredAt is not an ISO timestamp") from exc

    score = raw.get("score")
    if score is not None:
        if raw["type"] != "assessment_submit":
            raise InvalidEvent("only assessment_submit events carry a score")
        score = float(score)
        if not 0 <= score <= 100:
            raise InvalidEvent("score must be between 0 and 100")
    return Event(str(raw["userId"]), raw["type"], occurred_at, raw.get("communityId"), score)
