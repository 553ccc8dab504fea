"""Task types: the models that validate them and the handlers that run them."""

from __future__ import annotations

import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import create_model

from ..roadmap.model import BUILTIN_TASK_MODELS, Settings, TaskBase
from .workspace import Change, Workspace

# Every word an item can end with. A handler's Result says one of the first four; the session
# adds the rest (a dry run's change, an earlier run's DONE, and the items that did not run).
Status = Literal[
    "changed", "ok", "kept", "would_run", "would_change", "done", "blocked", "manual", "failed"
]
CHANGED: Status = "changed"
OK: Status = "ok"
KEPT: Status = "kept"
WOULD_RUN: Status = "would_run"
WOULD_CHANGE: Status = "would_change"
DONE: Status = "done"
BLOCKED: Status = "blocked"
MANUAL: Status = "manual"
FAILED: Status = "failed"
STATUSES: tuple[Status, ...] = typing.get_args(Status)
# The statuses that finish a task: it is not run again until its definition (or its files) change.
RECORDED: tuple[Status, ...] = (CHANGED, OK, KEPT)


@dataclass(frozen=True)
class Result:
    """What a handler did: ``changed`` files, ``ok`` (already as wanted), ``kept`` (a hand-edited
    file left alone) or, in a dry run, ``would_run`` (a program it did not run)."""

    status: Literal["changed", "ok", "kept", "would_run"]  # the handler's share of ``Status``
    changes: tuple[Change, ...] = ()
    message: str = ""
    # Named figures for the reports: each becomes a report property (so JUnit has it too), and
    # the closing tables add them up per phase. Values are ints, or reason -> count dicts.
    figures: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def changed(
        cls,
        changes: list[Change] | tuple[Change, ...] = (),
        message: str = "",
        figures: dict[str, Any] | None = None,
    ) -> Result:
        """The task changed (or, in a dry run, would change) something."""
        return cls("changed", tuple(changes), message, figures or {})

    @classmethod
    def ok(cls, message: str = "", figures: dict[str, Any] | None = None) -> Result:
        """Nothing needed doing."""
        return cls("ok", (), message, figures or {})

    @classmethod
    def kept(cls, message: str) -> Result:
        """A file was edited by hand, so it was not overwritten."""
        return cls("kept", (), message)

    @classmethod
    def would_run(cls, message: str) -> Result:
        """Dry run: what would have been run."""
        return cls("would_run", (), message)

    @classmethod
    def from_workspace(cls, workspace: Workspace, message: str = "") -> Result:
        """``changed`` with the workspace's changes if there are any, else ``ok``."""
        return cls.changed(workspace.changes, message) if workspace.changes else cls.ok(message)


Handler = Callable[[Any, Workspace, Settings], Result]


@dataclass
class TaskTypes:
    """The registry handed to ``pytest_orchestrate_register_task_types``."""

    models: dict[str, type[TaskBase]] = field(default_factory=lambda: dict(BUILTIN_TASK_MODELS))
    handlers: dict[str, Handler] = field(default_factory=dict)

    def add(self, name: str, handler: Handler, model: type[TaskBase] | None = None) -> None:
        """Register ``handler`` for tasks of type ``name`` (and ``model`` to validate them)."""
        if name in self.handlers:
            raise ValueError(f"task type {name!r} is registered twice")
        if model is None:
            model = self.models.get(name) or _params_model(name)
        self.models[name] = model
        self.handlers[name] = handler


def _params_model(name: str) -> type[TaskBase]:
    """A model for a plugin type that declares none: the common fields plus free-form ``params``."""
    return create_model(
        f"{name.title().replace('_', '')}Task",
        __base__=TaskBase,
        type=(Literal[name], ...),
        params=(dict[str, Any], {}),
    )
