"""What is done, kept in pytest's cache so a rerun resumes where the last run stopped.

Modelled on pytest's ``LFPlugin``, with two differences. Each task's record is written the moment
its report arrives, in a file of its own, so a killed run loses at most the task in flight and a
corrupt entry costs one task, not the whole history. And records are written atomically (temp file
and rename) into the plugin folder pytest's ``Cache.mkdir`` gives us, because ``Cache.set`` writes
in place and a SIGKILL mid-write would leave half a file. Only the controller writes.
"""

from __future__ import annotations

import getpass
import json
import os
import re
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from ..tasks.workspace import atomic_write
from .config import is_worker

TASKS, CONFIRMATIONS, CHECKPOINTS = "tasks", "confirmations", "checkpoints"


def safe_part(part: str) -> str:
    """A file name from a roadmap path or node name: no '/', no '..', so nothing escapes the cache."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", part).replace("..", "_")


def roadmap_key(display: str) -> str:
    """The cache namespace of one roadmap file, from its rootdir-relative path."""
    return safe_part(display)


def now_stamp() -> str:
    """Local time to the second, as records store it."""
    return datetime.now().isoformat(timespec="seconds")


def short_stamp(stamp: str) -> str:
    """'2026-11-20T14:02:11' as '2026-11-20 14:02'."""
    return stamp.replace("T", " ")[:16]


@dataclass(frozen=True)
class Record:
    """A finished task: what it was, when it finished, what it did."""

    fingerprint: str
    finished: str
    status: str
    files: tuple[str, ...] = ()

    @classmethod
    def parse(cls, raw: Any) -> Record | None:
        """A record from disk, or None if it is missing or not one of ours."""
        try:
            return cls(
                str(raw["fingerprint"]),
                str(raw["finished"]),
                str(raw["status"]),
                tuple(raw.get("files", ())),
            )
        except (TypeError, KeyError, AttributeError):
            return None


class ResumeState:
    """Reads and writes the ``orchestrate`` folder of pytest's cache."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.redo: bool = config.getoption("orchestrate_redo")
        self.is_worker = is_worker(config)
        self._records: dict[tuple[str, str], Record | None] = {}
        self._loaded: set[str] = set()
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
        atomic_write(path, json.dumps(value, indent=2, sort_keys=True) + "\n")

    def record(self, rid: str, node: str) -> Record | None:
        """The stored record of a task or checkpoint, read once per session."""
        if not self.enabled:
            return None
        if rid not in self._loaded:
            self._load_all(rid)
        return self._records.get((rid, safe_part(node)))

    def _load_all(self, rid: str) -> None:
        """Read a roadmap's records in one pass over its folder (a 5,000-task rerun reads 5,000 files)."""
        self._loaded.add(rid)
        folder = self._dir(TASKS, rid)
        try:
            entries = list(os.scandir(folder)) if folder is not None else []
        except OSError:
            return
        for entry in entries:
            if entry.name.endswith(".json"):
                self._records[(rid, entry.name[: -len(".json")])] = Record.parse(
                    _load_json(entry.path)
                )

    def current(self, rid: str, node: str, fingerprint: str) -> Record | None:
        """The record if the task was finished *as currently defined* (``status`` reads this)."""
        rec = self.record(rid, node)
        return rec if rec is not None and rec.fingerprint == fingerprint else None

    def done(self, rid: str, node: str, fingerprint: str) -> Record | None:
        """The record that lets a run skip the task: current, and no ``--redo``."""
        return None if self.redo else self.current(rid, node, fingerprint)

    def save(self, rid: str, node: str, record: Record) -> None:
        """Record a finished task now (controller only)."""
        self._write(TASKS, rid, node, {**asdict(record), "files": list(record.files)})
        self._records[(rid, safe_part(node))] = record

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
        return None  # missing, or damaged by hand or a crash: that one entry is forgotten, nothing else


def current_user() -> str:
    """The login name, for confirmation records."""
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"
