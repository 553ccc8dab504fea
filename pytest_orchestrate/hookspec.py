"""Hooks other packages implement to extend pytest-orchestrate (registered by
``pytest_addhooks``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .tasks.checks.kinds import CheckKinds
    from .tasks.registry import TaskTypes


@pytest.hookspec
def pytest_orchestrate_register_task_types(registry: TaskTypes) -> None:
    """Add task types: call ``registry.add(name, handler, model=...)`` for each.

    ``handler(task, workspace, settings)`` returns ``Result.changed(...)`` or ``Result.ok()``, or
    raises ``TaskFailed``. ``model`` is a subclass of ``pytest_orchestrate.TaskBase`` declaring the
    type's own fields; without one, the type takes ``params: {...}`` of any shape. The built-in
    types register through this same hook.
    """


@pytest.hookspec
def pytest_orchestrate_register_check_kinds(registry: CheckKinds) -> None:
    """Add checkpoint check kinds: call ``registry.add(name, handler, model=...)`` for each.

    ``handler(check, workspace, settings, context)`` returns a ``CheckResult(passed, message)``,
    or raises ``TaskFailed`` when it cannot measure at all. ``model`` is a subclass of
    ``CheckBase`` declaring the kind's fields; without one, the kind takes ``params: {...}``. The
    built-in kinds (``command``, ``coverage``, ``workflow``, ``http``) register through this hook.
    """
