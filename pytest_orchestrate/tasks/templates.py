"""Where templates are found, and a hash of each, without loading jinja2.

Looked up first beside the roadmap (``templates/`` next to it, then one folder up), then among the
templates the package ships. Collection folds each template's hash into its task's fingerprint, so
an edited template reruns the tasks that use it; that needs no template engine.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.resources
import importlib.util
from pathlib import Path

TEMPLATE_SUFFIX = ".j2"


@functools.cache  # the package does not move during a run; the lookup imports a module each time
def builtin_template_dir() -> Path:
    """The templates shipped with the package (``pytest_orchestrate.templates`` in a wheel)."""
    try:
        files = importlib.resources.files("pytest_orchestrate.templates")
        spec = importlib.util.find_spec("pytest_orchestrate.templates")
    except ModuleNotFoundError:
        files, spec = None, None
    if isinstance(files, Path) and files.is_dir():
        return files
    # A folder without __init__.py is a namespace package: files() gives no Path, the spec has it.
    for location in (spec.submodule_search_locations or []) if spec is not None else []:
        if Path(location).is_dir():
            return Path(location)
    # A source checkout: the repository's top-level templates/ folder.
    return Path(__file__).resolve().parents[2] / "templates"


def template_dirs(roadmap_path: Path | None) -> list[Path]:
    """Where templates are looked up, first match wins: beside the roadmap,
    one folder up, built-in."""
    dirs: list[Path] = []
    if roadmap_path is not None:
        folder = roadmap_path.resolve().parent
        dirs += [folder / "templates", folder.parent / "templates"]
    dirs.append(builtin_template_dir())
    unique: list[Path] = []
    for d in dirs:
        if d not in unique:
            unique.append(d)
    return unique


def builtin_templates() -> list[str]:
    """The names of the built-in ``file_generation`` templates.

    Only the top level: subfolders (``testgen/``) hold the templates other task types render.
    """
    root = builtin_template_dir()
    return sorted(p.name for p in root.glob(f"*{TEMPLATE_SUFFIX}"))


def candidates(name: str) -> list[str]:
    """``users.fixture.ts`` also finds ``users.fixture.ts.j2``."""
    return [name] if name.endswith(TEMPLATE_SUFFIX) else [name + TEMPLATE_SUFFIX, name]


def template_digest(name: str, search: list[Path]) -> str | None:
    """A hash of the template file ``name`` resolves to, or None if there is none.

    Folded into a task's fingerprint, so editing a template runs the tasks that use it again.
    """
    for folder in search:
        for candidate in candidates(name):
            path = folder / candidate
            if path.is_file():
                return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    return None
