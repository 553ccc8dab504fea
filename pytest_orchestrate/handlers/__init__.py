"""The built-in task types, registered through the same hook other packages implement."""

from __future__ import annotations

import pytest

from ..registry import TaskTypes
from . import command, config_edit, file_generation, manual


class BuiltinTaskTypes:
    """A plugin object: registering it adds the task types this package ships."""

    @pytest.hookimpl(trylast=True)
    def pytest_orchestrate_register_task_types(self, registry: TaskTypes) -> None:
        registry.add("command", command.run_command_task)
        registry.add("config_edit", config_edit.edit_config)
        registry.add("file_generation", file_generation.generate_file)
        registry.add("manual", manual.manual_task)
