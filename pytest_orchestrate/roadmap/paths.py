"""Path safety: every path a roadmap names must stay inside the project root."""

from __future__ import annotations

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
    root = root.resolve()
    # resolve() follows symlinks, including ones in parent folders, so a link
    # out of the tree is caught.
    path = (root / rel).resolve()
    if path != root and root not in path.parents:
        raise UnsafePathError(f"'{rel}' resolves outside the project root ({path})")
    # Case-folded: on a case-insensitive file system (macOS, Windows) .GIT/ is .git/.
    vcs = VCS_DIRS.intersection(part.casefold() for part in path.relative_to(root).parts)
    if vcs:
        raise UnsafePathError(
            f"'{rel}' is inside {min(vcs)}/, which belongs to version control; "
            "a roadmap never writes there (a file there could run on the next commit)",
            fix=f"use a path outside {min(vcs)}/",
        )
    return path
