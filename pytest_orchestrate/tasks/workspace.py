"""The one place that touches target files: safe paths, atomic writes, dry-run diffs.

Handlers get a ``Workspace`` and never open target files themselves, so dry run, atomicity and path
safety hold for every task type, including ones other packages add.
"""

from __future__ import annotations

import contextlib
import difflib
import errno
import hashlib
import json
import os
import re
import shlex
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from filelock import FileLock, Timeout

from ..errors import TaskFailed
from ..roadmap.paths import resolve_inside


@dataclass(frozen=True)
class Change:
    """One file a task changed (or, in a dry run, would change)."""

    path: str
    diff: str
    created: bool
    base: str = ""  # sha256 of the file before the change; "" when it was created


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
    # Where ``locked`` keeps lock files (the session passes its pytest cache); None: a private
    # per-user temp folder. ``lock_timeout``: seconds to wait for another holder; None: forever.
    lock_dir: Path | None = None
    lock_timeout: float | None = None

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
        cannot see (a plugin type that declares no ``writes``) across xdist workers and across
        runs. The lock file lives in ``lock_dir`` (the run's pytest cache), never beside the
        target; a side file beside it names the holder, for the message of a run that waited
        ``lock_timeout`` seconds in vain. Failing to lock is a task failure naming the path.
        """
        path = self.path(rel)
        folder = self.lock_dir if self.lock_dir is not None else private_lock_dir()
        name = hashlib.sha256(os.fsencode(path)).hexdigest()[:32]
        lock_file, holder = folder / f"{name}.lock", folder / f"{name}.holder"
        lock = FileLock(lock_file, timeout=-1 if self.lock_timeout is None else self.lock_timeout)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            lock.acquire()
        except Timeout:
            raise TaskFailed(
                f"{rel}: another run held its lock for longer than the task's timeout "
                f"({self.lock_timeout:g}s): {_describe_holder(holder)}\nlock file: {lock_file}"
            ) from None
        except OSError as e:
            raise TaskFailed(
                f"{rel}: cannot take its lock {lock_file}: {e.strerror or e}"
            ) from None
        try:
            _write_holder(holder)
            yield path
        finally:
            holder.unlink(missing_ok=True)  # while still locked: never another holder's file
            lock.release()

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
        base = "" if old is None else hashlib.sha256(old.encode()).hexdigest()
        change = Change(rel, unified_diff(rel, old or "", text), created=old is None, base=base)
        if not self.dry_run:
            try:
                atomic_write(path, text)
            except OSError as e:
                # Disk full, read-only, permission denied: the user's to fix, and the file is
                # as it was.
                code = errno.errorcode.get(e.errno or 0, "")
                reason = f"{e.strerror or e}{f' ({code})' if code else ''}"
                raise TaskFailed(f"{rel}: cannot write {path}: {reason}") from None
        self.changes.append(change)
        return change

    def remove(self, rel: str) -> None:
        """Delete the file ``rel``: how a task undoes a file it created before failing."""
        path = self.path(rel)
        if not self.dry_run and path.is_file():
            path.unlink()


def private_lock_dir() -> Path:
    """The lock folder when the run has no pytest cache: ``pytest-orchestrate-locks-<uid>`` in
    the temp folder, made 0700 and checked to be a real folder owned by this user and closed to
    others (as pytest checks its ``pytest-of-<user>``), so another user can neither block nor
    pre-create it. Anything else is a task failure naming the folder."""
    uid = os.getuid() if hasattr(os, "getuid") else None
    folder = (
        Path(tempfile.gettempdir())
        / f"pytest-orchestrate-locks-{uid if uid is not None else 'user'}"
    )
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        st = os.lstat(folder)
    except OSError as e:
        raise TaskFailed(f"cannot make the lock folder {folder}: {e.strerror or e}") from None
    if uid is not None and (not stat.S_ISDIR(st.st_mode) or st.st_uid != uid or st.st_mode & 0o077):
        raise TaskFailed(
            f"lock folder {folder} is not a private folder of this user (owner uid {st.st_uid}, "
            f"mode {stat.filemode(st.st_mode)}); remove it, or run with pytest's cache enabled"
        )
    return folder


def _write_holder(holder: Path) -> None:
    """Name this process (and, in an xdist worker, the run that started it) in ``holder``."""
    info: dict[str, object] = {"pid": os.getpid(), "command": shlex.join(sys.orig_argv)}
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        info["worker"] = worker
        info["run_pid"] = os.getppid()
        info["run_command"] = _command_of(os.getppid())
    tmp = holder.with_name(f"{holder.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(info), encoding="utf-8")
        os.replace(tmp, holder)  # a reader sees a whole side file or none
    except OSError:
        tmp.unlink(missing_ok=True)  # the name is a courtesy: the lock itself is taken


def _command_of(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return shlex.join(os.fsdecode(a) for a in raw.rstrip(b"\0").split(b"\0"))


def _describe_holder(holder: Path) -> str:
    """``held by pid 123: python -m pytest --phase 2``, from the side file of the lock."""
    try:
        info = json.loads(holder.read_text(encoding="utf-8"))
        pid, command = int(info["pid"]), str(info["command"])
    except (OSError, ValueError, KeyError, TypeError):
        return "its holder did not say who it is"
    text = f"held by pid {pid}: {command}"
    if info.get("worker"):
        text = (
            f"held by pid {pid} (xdist worker {info['worker']} of pid {info.get('run_pid')}: "
            f"{info.get('run_command') or '?'})"
        )
    return text


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
    """Write a temp file beside ``path`` and rename it over, so a reader never sees half a file.

    On any failure (a full disk, a read-only folder) the file is as it was, and neither the temp
    file nor a folder made for it is left behind; the ``OSError`` is raised.
    """
    made = []  # folders this write creates, innermost first
    folder = path.parent
    while not folder.exists():
        made.append(folder)
        folder = folder.parent
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        mode = path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_umask()
        sweep_debris(path)
        # The writer's pid in the name tells a later write whether this temp file is debris.
        prefix = f".{path.name}.{os.getpid()}."
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=".tmp")
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
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except BaseException:
        for made_folder in made:
            with contextlib.suppress(OSError):
                made_folder.rmdir()
        raise


def sweep_debris(path: Path) -> list[Path]:
    """Remove the temp files that writes of ``path`` left when their process was killed (between
    creating the temp file and renaming it). A temp file whose writer still runs is left alone:
    it may be renaming it now. Returns what was removed."""
    if os.name != "posix" or not path.parent.is_dir():
        return []  # no cheap, safe "is this pid alive" elsewhere
    name = re.compile(rf"\.{re.escape(path.name)}\.(\d+)\.[a-z0-9_]+\.tmp")
    removed = []
    for entry in os.scandir(path.parent):
        found = name.fullmatch(entry.name)
        if found and not pid_alive(int(found.group(1))):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (POSIX)."""
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
