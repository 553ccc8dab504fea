"""Where a Python source's generated test goes, how it is imported, and how the target runs it.

Conventions are read from the target, nearest folder first: the import root is the first folder
above the source without ``__init__.py``; the service folder is the nearest one holding a
``conftest.py``, a ``tests/`` folder or a project file; tests go in its ``tests/`` folder. An
existing hand-written ``test_<module>.py`` is never taken over: the name gets a ``_gen`` suffix,
which pytest's default ``test_*.py`` pattern still collects.

It reads the target and writes nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ...analyse.python import find_interpreter
from ...errors import TaskFailed
from ..generated import state_of

# Files that mark the folder a service's tests run from.
SERVICE_MARKERS = (
    "conftest.py",
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "pytest.ini",
    "tox.ini",
    "requirements.txt",
)
TEST_DIRS = ("tests", "test")


@dataclass(frozen=True)
class Layout:
    """Where one source lives and where its test goes, all relative to the project root."""

    source: str
    module: str  # dotted import name, e.g. "analytics_worker.events"
    import_root: str  # the folder that must be on sys.path to import ``module``
    service: str  # the folder the target runs pytest from
    output: str
    interpreter: str

    @property
    def output_in_service(self) -> str:
        """The test file relative to the service folder, as ``check_argv`` names it."""
        return Path(os.path.relpath(self.output, self.service)).as_posix()


def locate(root: Path, source: str, output: str | None) -> Layout:
    """The layout for ``source``; a missing file or a non-importable name raises ``TaskFailed``."""
    path = (root / source).resolve()
    if not path.is_file() or path.suffix != ".py":
        raise TaskFailed(
            f"source {source} is not a Python file in the project; fix the task's source"
        )
    import_root = path.parent
    while (import_root / "__init__.py").is_file() and import_root != root.resolve():
        import_root = import_root.parent
    parts = list(path.relative_to(import_root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    if not parts or not all(p.isidentifier() for p in parts):
        raise TaskFailed(
            f"source {source} has no importable module name ({'.'.join(parts) or '?'})"
        )
    service = _service_folder(path.parent, import_root, root.resolve())
    chosen = output or _default_output(root, service, parts[-1])
    return Layout(
        source=_rel(path, root),
        module=".".join(parts),
        import_root=_rel(import_root, root),
        service=_rel(service, root),
        output=chosen,
        interpreter=find_interpreter(path.parent, root),
    )


def _service_folder(start: Path, import_root: Path, root: Path) -> Path:
    for folder in [start, *start.parents]:
        if any((folder / m).exists() for m in SERVICE_MARKERS) or any(
            (folder / t).is_dir() for t in TEST_DIRS
        ):
            if (
                folder == import_root
                or import_root in folder.parents
                or folder in import_root.parents
                or folder == root
            ):
                return folder
        if folder == root:
            break
    return import_root


def _default_output(root: Path, service: Path, module: str) -> str:
    tests = next((service / t for t in TEST_DIRS if (service / t).is_dir()), service / "tests")
    for name in (f"test_{module}.py", f"test_{module}_gen.py"):
        candidate = tests / name
        if not candidate.exists() or _is_ours(candidate):
            return _rel(candidate, root)
    return _rel(tests / f"test_{module}_gen2.py", root)


def _is_ours(path: Path) -> bool:
    try:
        return state_of(path.read_text(encoding="utf-8")) != "foreign"
    except (OSError, UnicodeDecodeError):
        return False


def _rel(path: Path, root: Path) -> str:
    return path.resolve().relative_to(root.resolve()).as_posix() or "."
