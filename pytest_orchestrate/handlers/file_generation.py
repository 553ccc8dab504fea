"""Placeholder until the file_generation handler lands."""

from __future__ import annotations

from ..errors import TaskFailed
from ..model import FileGenerationTask, Settings
from ..registry import Result
from ..workspace import Workspace


def generate_file(task: FileGenerationTask, workspace: Workspace, settings: Settings) -> Result:
    """Render a template to a file."""
    raise TaskFailed("file_generation is not implemented yet")
