"""The built-in task types, registered through the same hook other packages implement."""

from __future__ import annotations

from . import command, config_edit, file_generation, manual
from .registry import TaskTypes
from .test_generation.handler import generate_tests


def register_builtin_types(registry: TaskTypes) -> None:
    """Add the task types this package ships."""
    registry.add("command", command.run_command_task)
    registry.add("config_edit", config_edit.edit_config)
    registry.add("file_generation", file_generation.generate_file)
    registry.add("manual", manual.manual_task)
    registry.add("test_generation", generate_tests)
