"""Render test templates through one cached sandboxed environment per template search path.

``render.render_template`` builds a fresh environment, so every call compiles the template again
(about 1 ms per template line on a busy machine); a task with many sources, or many tasks in one
worker, would spend most of its time there. jinja2's own cache keeps compiled templates and
would reload a changed file, but that check is switched off: templates are not edited while one
run renders them (a new run is a new process).
Errors are reported by ``render_template`` itself (the template's name and line), by rendering
again through it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from jinja2.sandbox import SandboxedEnvironment

from ..render import make_environment, render_template
from ..templates import candidates


@functools.lru_cache(maxsize=16)
def _environment(search: tuple[Path, ...]) -> SandboxedEnvironment:
    env = make_environment(search)
    # A run renders many files from the same few templates; checking each included file's
    # modification time on every render costs more than the rendering itself.
    env.auto_reload = False
    return env


def render(name: str, context: Mapping[str, Any], search: Sequence[Path]) -> str:
    """Template ``name`` rendered; a problem raises ``TaskFailed`` naming the template line."""
    try:
        return _environment(tuple(search)).select_template(candidates(name)).render(dict(context))
    except Exception:  # noqa: BLE001 - the renderer turns template errors into TaskFailed messages
        return render_template(name, context, search).text
