"""``config_edit``: lossless edits of Jest configs, package.json and YAML files such as workflows.

The editors return new text (or the same text when nothing is needed); this handler checks the
result before anything is written, so a failed check leaves the file's bytes untouched.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from ..edit.jest import JEST_ACTIONS, check_jest_config, edit_jest_config
from ..edit.json import json_set
from ..edit.workflow import YAML_ACTIONS, check_workflow, edit_yaml_noted
from ..errors import EditError, TaskFailed
from ..roadmap.model import ConfigEditTask, Settings
from .registry import Result
from .workspace import Workspace


def edit_config(task: ConfigEditTask, workspace: Workspace, settings: Settings) -> Result:
    """Apply ``task.action`` to ``task.target``; OK when the file already says what it should."""
    with workspace.locked(task.target):
        return _edit(task, workspace)


def _edit(task: ConfigEditTask, workspace: Workspace) -> Result:
    rel, action, params, root = task.target, task.action, task.params, workspace.root
    if not workspace.exists(rel):
        raise TaskFailed(f"{rel}: target not found in {root}; fix 'target' or pass --project-root")
    text = workspace.read_text(rel)
    suffix = PurePosixPath(rel).suffix
    notes: list[str] = []  # for the user, such as comments the edit made stale
    if action in JEST_ACTIONS:
        new = edit_jest_config(text, action, params, filename=rel, project_root=root)
        if new != text:
            check_jest_config(new, filename=rel, project_root=root)
    elif action == "json_set":
        if suffix != ".json":
            raise EditError(f"{rel}: action json_set needs a JSON file such as package.json")
        new = json_set(text, params, filename=rel)
    elif action in YAML_ACTIONS:
        if suffix not in (".yml", ".yaml"):
            raise EditError(
                f"{rel}: action {action} needs a YAML file such as .github/workflows/ci.yml"
            )
        new, notes = edit_yaml_noted(text, action, params, filename=rel, project_root=root)
        if new != text and "/.github/workflows/" in f"/{rel}":
            check_workflow(new, filename=rel)
    else:
        raise EditError(f"{rel}: no editor for action {action}")
    if new == text:
        return Result.ok()
    change = workspace.write_text(rel, new)
    return Result.changed([change] if change else [], "\n".join(notes))
