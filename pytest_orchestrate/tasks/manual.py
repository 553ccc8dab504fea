"""``manual`` tasks: a human does the step, then confirms it.

The handler only asks for confirmation; the session answers, because only it knows about the
cache, ``--confirm`` and whether anyone is at a terminal to ask.
"""

from __future__ import annotations

from ..errors import ConfirmationNeeded
from ..roadmap.model import ManualTask, Settings
from .registry import Result
from .workspace import Workspace


def manual_task(task: ManualTask, workspace: Workspace, settings: Settings) -> Result:
    """Ask the session for a human's confirmation of ``task.instructions``."""
    raise ConfirmationNeeded(task.instructions)
