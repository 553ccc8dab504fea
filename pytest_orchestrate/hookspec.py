"""Hooks other packages implement to extend pytest-orchestrate (registered by ``pytest_addhooks``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .tasks.registry import TaskTypes


@pytest.hookspec
def pytest_orchestrate_register_task_types(registry: TaskTypes) -> None:
    """Add task types: call ``registry.add(name, handler, model=...)`` for each.

    ``handler(task, workspace, settings)`` returns ``Result.changed(...)`` or ``Result.ok()``, or
    raises ``TaskFailed``. ``model`` is a subclass of ``pytest_orchestrate.TaskBase`` declaring the
    type's own fields; without one, the type takes ``params: {...}`` of any shape. The built-in
    types register through this same hook.
    """
