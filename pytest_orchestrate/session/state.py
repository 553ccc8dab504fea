"""What is done, kept in pytest's cache so a rerun resumes where the last run stopped.

Modelled on pytest's ``LFPlugin``, with two differences. Each task's record is written the moment
its report arrives, in a file of its own, so a killed run loses at most the task in flight and a
corrupt entry costs one task, not the whole history. And records are written atomically (temp file
and rename) into the plugin folder pytest's ``Cache.mkdir`` gives us, because ``Cache.set`` writes
in place and a SIGKILL mid-write would leave half a file. Only the controller writes.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from ..tasks.workspace import atomic_write
from .config import is_worker
from .secrets import secrets

TASKS, CONFIRMATIONS, CHECKPOINTS = "tasks", "confirmations", "checkpoints"


def safe_part(part: str) -> str:
    """A file name from a roadmap path or node name: no '/', no '..', so nothing escapes the
    cache."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", part).replace("..", "_")


def roadmap_key(display: str, project_root: Path) -> str:
    """The cache namespace of one roadmap acting on one repository.

    Records describe a repository, so they are keyed by the resolved project root as well as by the
    roadmap's rootdir-relative path: one rootdir can drive several repositories without mixing them.
    """
    root = hashlib.sha256(os.fsencode(project_root.resolve())).hexdigest()[:12]
    return f"{safe_part(display)}@{root}"


def now_stamp() -> str:
    """Local time to the second, as records store it."""
    return datetime.now().isoformat(timespec="seconds")


def short_stamp(stamp: str) -> str:
    """'2026-11-20T14:02:11' as '2026-11-20 14:02'."""
    return stamp.replace("T", " ")[:16]


@dataclass(frozen=True)
class FileStamp:
    """What a file was when its task finished: size and mtime (cheap to compare) and a content hash.

    ``sha256`` is empty for a file that did not exist.
    """

    size: int
    mtime_ns: int
    sha256: str

    @classmethod
    def of(cls, path: Path) -> FileStamp:
        """Stamp ``path`` as it is now."""
        try:
            st = path.stat()
            return cls(st.st_size, st.st_mtime_ns, _sha256(path))
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return cls(0, 0, "")

    def matches(self, path: Path) -> bool:
        """Whether ``path`` still has this content. Same size and mtime means unchanged (as make and
        git assume); otherwise the content decides, so a file touched but not changed still
        matches."""
        try:
            st = path.stat()
        except (FileNotFoundError, NotADirectoryError):
            return not self.sha256
        if not self.sha256:
            return False
        if st.st_size == self.size and st.st_mtime_ns == self.mtime_ns:
            return True
        return st.st_size == self.size and _sha256(path) == self.sha256


def _sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


@dataclass(frozen=True)
class Record:
    """A finished task: what it was, when it finished, what it did, and the files it stands for."""

    fingerprint: str
    finished: str
    status: str
    files: tuple[str, ...] = ()  # the files it changed
    stamps: dict[str, FileStamp] = field(default_factory=dict)  # files it wrote, read or confirmed
    duration: float = 0.0  # seconds its run took
    bases: dict[str, str] = field(default_factory=dict)  # sha256 of each changed file before

    @classmethod
    def parse(cls, raw: Any) -> Record | None:
        """A record from disk, or None if it is missing or not one of ours."""
        try:
            stamps = {
                str(k): FileStamp(int(v[0]), int(v[1]), str(v[2]))
                for k, v in raw.get("stamps", {}).items()
            }
            return cls(
                str(raw["fingerprint"]),
                str(raw["finished"]),
                str(raw["status"]),
                tuple(raw.get("files", ())),
                stamps,
                float(raw.get("duration", 0.0)),
                {str(k): str(v) for k, v in raw.get("bases", {}).items()},
            )
        except (TypeError, KeyError, AttributeError, ValueError, IndexError):
            return None

    def to_json(self) -> dict[str, Any]:
        """The record as stored."""
        return {
            "fingerprint": self.fingerprint,
            "finished": self.finished,
            "status": self.status,
            "files": list(self.files),
            "stamps": {k: [s.size, s.mtime_ns, s.sha256] for k, s in sorted(self.stamps.items())},
            "duration": round(self.duration, 3),
            "bases": dict(sorted(self.bases.items())),
        }

    def drift(self, root: Path, explained: Callable[[str], bool] = lambda rel: False) -> str | None:
        """Why the disk no longer matches this record (``jest.config.js changed since ...``), or
        None. ``explained(rel)``: whether a change of ``rel`` is not drift."""
        for rel, stamp in self.stamps.items():
            if not stamp.matches(root / rel) and not explained(rel):
                gone = stamp.sha256 and not (root / rel).exists()
                what = "was deleted" if gone else "changed"
                return f"{rel} {what} since {short_stamp(self.finished)}"
        return None


class ResumeState:
    """Reads and writes the ``orchestrate`` folder of pytest's cache."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.is_worker = is_worker(config)
        self._records: dict[tuple[str, str], Record | None] = {}
        self._loaded: set[str] = set()
        # Per roadmap: which records stamp each file, to find the ones a shared edit re-stamps.
        self._by_file: dict[str, dict[str, set[str]]] = {}
        self._folder: Path | None = None

    @property
    def enabled(self) -> bool:
        """False under ``-p no:cacheprovider``: nothing is remembered between runs."""
        return getattr(self.config, "cache", None) is not None

    def _dir(self, kind: str, rid: str) -> Path | None:
        """The folder of one kind of entry for one roadmap; None without a cache."""
        if not self.enabled:
            return None
        if self._folder is None:
            # Looked up late: the cacheprovider configures itself after this plugin does.
            self._folder = self.config.cache.mkdir("orchestrate")
        return self._folder / kind / rid

    def _path(self, kind: str, rid: str, name: str) -> Path | None:
        folder = self._dir(kind, rid)
        return folder / f"{safe_part(name)}.json" if folder is not None else None

    def _read(self, kind: str, rid: str, name: str) -> Any:
        path = self._path(kind, rid, name)
        return _load_json(path) if path is not None else None

    def _write(self, kind: str, rid: str, name: str, value: Any) -> None:
        path = self._path(kind, rid, name)
        if path is None or self.is_worker:
            return
        value = secrets(self.config).mask_json(value)
        atomic_write(path, json.dumps(value, indent=2, sort_keys=True) + "\n")

    def record(self, rid: str, node: str) -> Record | None:
        """The stored record of a task or checkpoint, read once per session."""
        if not self.enabled:
            return None
        if rid not in self._loaded:
            self._load_all(rid)
        return self._records.get((rid, safe_part(node)))

    def _load_all(self, rid: str) -> None:
        """Read a roadmap's records in one pass over its folder (a 5,000-task rerun reads 5,000
        files)."""
        self._loaded.add(rid)
        folder = self._dir(TASKS, rid)
        try:
            entries = list(os.scandir(folder)) if folder is not None else []
        except OSError:
            return
        for entry in entries:
            if entry.name.endswith(".json"):
                name = entry.name[: -len(".json")]
                self._remember(rid, name, Record.parse(_load_json(entry.path)))

    def current(self, rid: str, node: str, fingerprint: str) -> Record | None:
        """The record if the task was finished *as currently defined* (``status`` reads this)."""
        rec = self.record(rid, node)
        return rec if rec is not None and rec.fingerprint == fingerprint else None

    def sharing(self, rid: str, files: Iterable[str]) -> dict[str, Record]:
        """The records (by file-safe node name) that stamp any of ``files``."""
        if rid not in self._loaded:
            self._load_all(rid)
        index = self._by_file.get(rid, {})
        names = set().union(*(index.get(f, ()) for f in files))
        return {n: rec for n in names if (rec := self._records.get((rid, n))) is not None}

    def _remember(self, rid: str, name: str, record: Record | None) -> None:
        self._records[(rid, name)] = record
        if record is not None:
            index = self._by_file.setdefault(rid, {})
            for rel in record.stamps:
                index.setdefault(rel, set()).add(name)

    def has_records(self, rid: str) -> bool:
        """Whether anything was ever recorded for this roadmap and project root."""
        if rid not in self._loaded:
            self._load_all(rid)
        return any(key[0] == rid for key in self._records)

    def save(self, rid: str, node: str, record: Record) -> None:
        """Record a finished task now (controller only)."""
        self._write(TASKS, rid, node, record.to_json())
        self._remember(rid, safe_part(node), record)

    def forget(self, rid: str) -> int:
        """Remove every record of one roadmap and project root (controller only); how many."""
        count = 0
        for kind in (TASKS, CONFIRMATIONS, CHECKPOINTS):
            folder = self._dir(kind, rid)
            if folder is None or self.is_worker or not folder.is_dir():
                continue
            count += sum(1 for p in folder.iterdir() if p.suffix == ".json")
            shutil.rmtree(folder)
        self._records = {k: v for k, v in self._records.items() if k[0] != rid}
        self._by_file.pop(rid, None)
        self._loaded.discard(rid)
        return count

    def confirmation(self, rid: str, task_id: str, fingerprint: str) -> dict[str, str] | None:
        """Who confirmed a manual task, and when (for its current definition)."""
        raw = self._read(CONFIRMATIONS, rid, task_id)
        return raw if isinstance(raw, dict) and raw.get("fingerprint") == fingerprint else None

    def save_confirmation(self, rid: str, task_id: str, entry: dict[str, str]) -> None:
        """Record that a human confirmed a manual task."""
        self._write(CONFIRMATIONS, rid, task_id, entry)

    def checkpoint(self, rid: str, phase: str) -> dict[str, str] | None:
        """The last result of a phase's checkpoint."""
        raw = self._read(CHECKPOINTS, rid, phase)
        return raw if isinstance(raw, dict) else None

    def save_checkpoint(self, rid: str, phase: str, result: str) -> None:
        """Remember a checkpoint's result for ``status``."""
        self._write(CHECKPOINTS, rid, phase, {"result": result, "at": now_stamp()})


def _load_json(path: str | os.PathLike[str]) -> Any:
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        # Missing, or damaged by hand or a crash: that one entry is forgotten, nothing else.
        return None


def current_user() -> str:
    """The login name, for confirmation records."""
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"
