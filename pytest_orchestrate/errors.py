"""Every exception pytest-orchestrate raises on purpose, each carrying its data.

    OrchestrateError
     ├── RoadmapError        one problem in a roadmap file, at ``path:line``
     ├── RoadmapInvalid      every problem found in one roadmap file (``errors``)
     ├── CycleError          the dependencies loop (``cycle``)
     ├── ConfirmationNeeded  a manual step waits for a human (the message holds the instructions)
     └── TaskFailed          a task could not do its job (``retryable``)
          ├── UnsafePathError  a path that would leave the project root
          ├── EditError        a config edit that cannot be made
          └── CommandFailed    a program exited with the wrong code, or timed out (``returncode``)

Callers tell them apart with ``isinstance``, never by probing attributes.
"""

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


class RoadmapInvalid(OrchestrateError):
    """Every problem found in one roadmap file, one line each."""

    def __init__(self, errors: list[RoadmapError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


class CycleError(OrchestrateError):
    """The roadmap's dependencies loop; ``cycle`` lists the nodes, first repeated at the end."""

    def __init__(self, cycle: list[str]) -> None:
        self.cycle = cycle
        super().__init__(" -> ".join(cycle))


class TaskFailed(OrchestrateError):
    """A task could not do its job; the message is shown to the user as is.

    ``retryable`` failures (a flaky command, a timeout) are retried under ``retry_attempts``;
    the rest (a bad config, a missing file) would fail the same way again, so they are not.
    """

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


class UnsafePathError(TaskFailed):
    """A path that would leave the project root (``..``, absolute, or an escaping symlink), or
    enter version control's own folder; ``fix`` says what to write instead."""

    def __init__(self, message: str, fix: str = "use a path inside the project root") -> None:
        super().__init__(message)
        self.fix = fix


class EditError(TaskFailed):
    """A config edit that cannot be made (bad input, unsupported form, or a failed check)."""


class CommandFailed(TaskFailed):
    """A program exited with the wrong code (``returncode``), or timed out (``returncode`` None).

    Retryable unless ``permanent`` says why trying again cannot help (``exit 127 is not
    transient``: the program does not exist).
    """

    def __init__(self, message: str, returncode: int | None, permanent: str = "") -> None:
        super().__init__(message, retryable=not permanent)
        self.returncode = returncode
        self.permanent = permanent


class ConfirmationNeeded(OrchestrateError):
    """A handler's request that a human confirm a step; the message holds the instructions."""
