"""Path safety: every path a roadmap names must stay inside the project root."""

from __future__ import annotations

import errno
import functools
import os
from pathlib import Path, PurePosixPath, PureWindowsPath

from ..errors import UnsafePathError

# Version control's own folders: a file written there (a hook) would run on the next commit.
VCS_DIRS = frozenset({".git", ".hg", ".svn"})


def resolve_inside(root: Path, rel: str) -> Path:
    """Resolve ``rel`` against ``root``; refuse absolute paths, ``..`` and
    symlinks that lead outside."""
    if "\0" in rel:
        raise UnsafePathError(f"{rel!r} holds a NUL character, which no file name can")
    if not rel or PurePosixPath(rel).is_absolute() or PureWindowsPath(rel).is_absolute():
        raise UnsafePathError(f"'{rel}' is not a relative path inside the project root")
    base = _resolved_root(root if root.is_absolute() else Path.cwd() / root)
    # realpath() follows symlinks, including ones in parent folders, so a link out of the tree
    # is caught. It is never cached: a link can be made between two calls. Plain strings, not
    # pathlib: this runs for every file a task reads or writes.
    path = _realpath(os.path.join(base, rel))
    below = ""  # the part of ``path`` under the root
    if path != base:
        prefix = os.path.join(base, "")  # with one trailing separator, also for "/"
        # normcase: a no-op on POSIX; on Windows paths compare case-insensitively, as Path does.
        if not os.path.normcase(path).startswith(os.path.normcase(prefix)):
            raise UnsafePathError(f"'{rel}' resolves outside the project root ({path})")
        below = path[len(prefix) :]
    # Case-folded: on a case-insensitive file system (macOS, Windows) .GIT/ is .git/.
    vcs = VCS_DIRS.intersection(part.casefold() for part in below.split(os.sep))
    if vcs:
        raise UnsafePathError(
            f"'{rel}' is inside {min(vcs)}/, which belongs to version control; "
            "a roadmap never writes there (a file there could run on the next commit)",
            fix=f"use a path outside {min(vcs)}/",
        )
    return Path(path)


@functools.lru_cache(maxsize=64)
def _resolved_root(root: Path) -> str:
    """The real path of an absolute ``root``: a project root does not move during a run, and
    resolving it again costs as much as resolving the path below it."""
    return _realpath(os.fspath(root))


def _realpath(path: str) -> str:
    """What ``Path.resolve()`` gives, as a string: the real path; a symlink loop is an error."""
    real = os.path.realpath(path)
    try:
        os.stat(real)
    except OSError as e:
        # realpath() leaves a loop unresolved, `..` after it included; refuse it as pathlib does.
        if e.errno == errno.ELOOP:
            raise RuntimeError(f"Symlink loop from {e.filename!r}") from None
    return real
