"""The one place that touches target files: safe paths, atomic writes, dry-run diffs.

Handlers get a ``Workspace`` and never open target files themselves, so dry run, atomicity and path
safety hold for every task type, including ones other packages add.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from filelock import FileLock

from ..errors import TaskFailed
from ..roadmap.paths import resolve_inside


@dataclass(frozen=True)
class Change:
    """One file a task changed (or, in a dry run, would change)."""

    path: str
    diff: str
    created: bool


@dataclass
class Workspace:
    """A project root that tasks read and write through."""

    root: Path
    dry_run: bool = False
    roadmap_path: Path | None = (
        None  # where the roadmap lives; its templates/ folder is found from it
    )
    changes: list[Change] = field(default_factory=list)
    # Told each line a task's programs print, as they print it (the terminal's sign of life).
    on_output: Callable[[str], None] | None = None

    def path(self, rel: str) -> Path:
        """The absolute path of ``rel``, refused if it leaves the project root."""
        return resolve_inside(self.root, rel)

    def exists(self, rel: str) -> bool:
        """Whether ``rel`` exists inside the project."""
        return self.path(rel).exists()

    @contextmanager
    def locked(self, rel: str) -> Iterator[Path]:
        """Hold an inter-process lock on ``rel`` while reading, editing and writing it.

        The graph already keeps declared writers of one file apart; this also covers writers it
        cannot see (a plugin type that declares no ``writes``) across xdist workers. The lock file
        lives in the temp folder, never in the project.
        """
        path = self.path(rel)
        folder = Path(tempfile.gettempdir()) / "pytest-orchestrate-locks"
        folder.mkdir(exist_ok=True)
        name = hashlib.sha256(os.fsencode(path)).hexdigest()[:32]
        with FileLock(folder / f"{name}.lock"):
            yield path

    def read_text(self, rel: str) -> str:
        """Read a file exactly: no newline translation, so CRLF files stay CRLF."""
        path = self.path(rel)
        try:
            with open(path, encoding="utf-8", newline="") as f:
                return f.read()
        except FileNotFoundError:
            raise TaskFailed(f"{rel}: file not found (looked in {self.root})") from None
        except UnicodeDecodeError as e:
            raise TaskFailed(
                f"{rel}: not a UTF-8 text file ({e.reason} at byte {e.start})"
            ) from None
        except IsADirectoryError:
            raise TaskFailed(f"{rel}: is a directory, not a file") from None

    def write_text(self, rel: str, text: str) -> Change | None:
        """Write ``text`` to ``rel`` atomically; return the change, or None if the file already
        says that."""
        path = self.path(rel)
        old = self.read_text(rel) if path.exists() else None
        if old == text:
            return None
        change = Change(rel, unified_diff(rel, old or "", text), created=old is None)
        if not self.dry_run:
            atomic_write(path, text)
        self.changes.append(change)
        return change

    def remove(self, rel: str) -> None:
        """Delete the file ``rel``: how a task undoes a file it created before failing."""
        path = self.path(rel)
        if not self.dry_run and path.is_file():
            path.unlink()


def unified_diff(rel: str, old: str, new: str) -> str:
    """A ``git diff``-style unified diff of one file."""
    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        fromfile=f"a/{rel}" if old else "/dev/null",
        tofile=f"b/{rel}",
    )
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )


def atomic_write(path: Path, text: str) -> None:
    """Write a temp file beside ``path`` and rename it over, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(
            tmp, mode
        )  # mkstemp makes 0600; keep the file's mode, or the usual one for a new file
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
