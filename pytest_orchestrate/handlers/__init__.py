"""The built-in task types, registered through the same hook other packages implement."""

from __future__ import annotations

import pytest

from ..registry import TaskTypes
from . import command


class BuiltinTaskTypes:
    """A plugin object: registering it adds the task types this package ships."""

    @pytest.hookimpl(trylast=True)
    def pytest_orchestrate_register_task_types(self, registry: TaskTypes) -> None:
        registry.add("command", command.run_command_task)
