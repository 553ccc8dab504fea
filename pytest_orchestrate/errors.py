"""Exceptions raised by pytest-orchestrate."""

from __future__ import annotations


class OrchestrateError(Exception):
    """Base class of every error this package raises on purpose."""


class RoadmapError(OrchestrateError):
    """A problem in a roadmap file, located at ``path:line``."""

    def __init__(self, path: str, line: int | None, message: str) -> None:
        self.path = path
        self.line = line
        self.message = message
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}")


class TaskFailed(OrchestrateError):
    """A task could not do its job; the message is shown to the user as is.

    ``retryable`` failures (a flaky command, a timeout) are retried under ``retry_attempts``;
    the rest (a bad config, a missing file) would fail the same way again, so they are not.
    """

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


class UnsafePathError(TaskFailed):
    """A path that would leave the project root (``..``, absolute, or an escaping symlink)."""


class EditError(TaskFailed):
    """A config edit that cannot be made (bad input, unsupported form, or a failed check)."""


class ConfirmationNeeded(OrchestrateError):
    """A handler's request that a human confirm a step; the message holds the instructions."""
