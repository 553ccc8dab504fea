"""pytest-orchestrate: run an engineering roadmap (phases, groups, tasks) as a pytest session."""

from __future__ import annotations

from .errors import EditError, OrchestrateError, RoadmapError, TaskFailed, UnsafePathError
from .roadmap.model import (
    CommandTask,
    ConfigEditTask,
    FileGenerationTask,
    ManualTask,
    Settings,
    TaskBase,
    TestGenerationTask,
)
from .tasks.registry import Result, TaskTypes
from .tasks.workspace import Change, Workspace

__all__ = [
    "Change",
    "CommandTask",
    "ConfigEditTask",
    "EditError",
    "FileGenerationTask",
    "ManualTask",
    "OrchestrateError",
    "Result",
    "RoadmapError",
    "Settings",
    "TaskBase",
    "TaskFailed",
    "TaskTypes",
    "TestGenerationTask",
    "UnsafePathError",
    "Workspace",
]
