"""Routes notifications to channels and retries transient failures."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Protocol

from notification_worker.rendering import render, truncate


class TransientError(Exception):
    """A delivery failure worth retrying (timeouts, 5xx)."""


class Channel(Protocol):
    def send(self, recipient: str, subject: str, body: str) -> None: ...


@dataclass
class Job:
    user_id: str
    kind: str
    values: dict[str, object]
    channels: list[str] = field(default_factory=lambda: ["email"])
    attempts: int = 0


@dataclass
class Outcome:
    delivered: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    retry: bool = False


class Dispatcher:
    def __init__(
        self,
        channels: dict[str, Channel],
        resolve_recipient: Callable[[str, str], str | None],
        max_attempts: int = 3,
    ):
        self._channels = channels
        self._resolve = resolve_recipient
        self._max_attempts = max_attempts

    def backoff_seconds(self, attempts: int) -> int:
        """Exponential backoff capped at ten minutes."""
        return min(600, 2 ** attempts * 15)

    def dispatch(self, job: Job) -> Outcome:
        subject, body = render(job.kind, job.values)
        outcome = Outcome()
        job.attempts += 1
        for name in job.channels:
            channel = self._channels.get(name)
            recipient = self._resolve(job.user_id, name)
            if channel is None or recipient is None:
                outcome.failed.append(name)
                continue
            text = truncate(body) if name == "push" else body
            try:
                channel.send(recipient, subject, text)
            except TransientError:
                outcome.failed.append(name)
                outcome.retry = job.attempts < self._max_attempts
                continue
            outcome.delivered.append(name)
        return outcome
