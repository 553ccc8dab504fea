"""What is done, kept in pytest's cache so a rerun resumes where the last run stopped.

Modelled on pytest's ``LFPlugin``, with one difference: each task's record is written the moment its
report arrives, under a key of its own, so a killed run loses at most the task in flight and a
corrupt entry costs one task, not the whole history. Only the controller writes; workers only read.
"""

from __future__ import annotations

import getpass
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest

TASKS = "orchestrate/tasks"
CONFIRMATIONS = "orchestrate/confirmations"
CHECKPOINTS = "orchestrate/checkpoints"


def _safe(part: str) -> str:
    """A cache key segment: no '/', no '..', so a roadmap outside the rootdir cannot escape the cache."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", part).replace("..", "_")


def roadmap_key(display: str) -> str:
    """The cache namespace of one roadmap file, from its rootdir-relative path."""
    return _safe(display)


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
    files: tuple[str, ...]

    @classmethod
    def parse(cls, raw: Any) -> Record | None:
        """A record from the cache, or None if it is missing or not one of ours."""
        try:
            return cls(str(raw["fingerprint"]), str(raw["finished"]), str(raw["status"]), tuple(raw.get("files", ())))
        except (TypeError, KeyError, AttributeError):
            return None


class ResumeState:
    """A plugin object holding the ``orchestrate/...`` cache keys."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.redo: bool = config.getoption("orchestrate_redo")
        self.is_worker = hasattr(config, "workerinput")
        self._records: dict[str, Record | None] = {}

    @property
    def cache(self) -> pytest.Cache | None:
        """The cache, looked up late: the cacheprovider configures itself after we do."""
        return getattr(self.config, "cache", None)

    @property
    def enabled(self) -> bool:
        """False under ``-p no:cacheprovider``: nothing is remembered between runs."""
        return self.cache is not None

    def _get(self, key: str) -> Any:
        assert self.cache is not None
        return self.cache.get(key, None)

    def record(self, rid: str, node: str) -> Record | None:
        """The stored record of a task or checkpoint, read once per session."""
        key = f"{TASKS}/{rid}/{_safe(node)}"
        if key not in self._records:
            self._records[key] = Record.parse(self._get(key)) if self.enabled else None
        return self._records[key]

    def done(self, rid: str, node: str, fingerprint: str) -> Record | None:
        """The record if the task is done *as currently defined*, unless ``--redo``."""
        if self.redo:
            return None
        rec = self.record(rid, node)
        return rec if rec is not None and rec.fingerprint == fingerprint else None

    def save(self, rid: str, node: str, record: Record) -> None:
        """Record a finished task now (controller only)."""
        if not self.enabled or self.is_worker:
            return
        key = f"{TASKS}/{rid}/{_safe(node)}"
        assert self.cache is not None
        self.cache.set(key, {"fingerprint": record.fingerprint, "finished": record.finished,
                             "status": record.status, "files": list(record.files)})
        self._records[key] = record

    def confirmation(self, rid: str, task_id: str) -> dict[str, str] | None:
        """Who confirmed a manual task, and when."""
        if not self.enabled:
            return None
        raw = self._get(f"{CONFIRMATIONS}/{rid}/{_safe(task_id)}")
        return raw if isinstance(raw, dict) else None

    def confirm(self, rid: str, task_id: str, fingerprint: str) -> dict[str, str]:
        """Record that a human confirmed a manual task."""
        entry = {"user": _user(), "at": now_stamp(), "fingerprint": fingerprint}
        if self.enabled and not self.is_worker:
            assert self.cache is not None
            self.cache.set(f"{CONFIRMATIONS}/{rid}/{_safe(task_id)}", entry)
        return entry


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"
