"""Coverage baselines and history, kept in pytest's cache per resolved project root.

The first coverage a checkpoint measures for a project becomes its baseline; every later
measurement of the same reports shows the change since then (``lines 31.2% -> 54.8% (+23.6) since
baseline 2026-11-20 14:02``). Every measurement is also kept, one file per record, so a trend can be
drawn later.

Follows the state module's rules: records are written atomically, one file each, by the
controller only (from ``pytest_runtest_logreport``); workers and items only read. The figures
travel from the item to the controller as the item's user properties, which is also how they reach
JUnit (``coverage_lines``, ``coverage_delta_lines``, ...). Nothing here measures anything.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from ..roadmap.keys import checkpoint_phase, split_nodeid
from ..tasks.checks.coverage import Counts, Metric
from ..tasks.checks.kinds import CoverageMeasured
from ..tasks.workspace import atomic_write
from .config import is_worker
from .state import now_stamp, safe_part, short_stamp

__all__ = ["COVERAGE_PLUGIN", "CoverageHistory", "coverage_history", "delta_text"]

COVERAGE_PLUGIN = "orchestrate-coverage"
RECORD_PROPERTY = "coverage_record"  # the whole measurement, as JSON, for the controller
SCOPE_PROPERTY = "coverage_scope"  # what was measured; the figures after it are its own
PROPERTY_PREFIX = "coverage_"
ORDER: tuple[Metric, ...] = ("lines", "statements", "branches", "functions")
coverage_history_key = pytest.StashKey["CoverageHistory"]()
# Per item: each measured scope's properties, so a retried checkpoint replaces, not repeats, them.
_item_blocks_key = pytest.StashKey[dict[str, list[tuple[str, object]]]]()


def coverage_history(config: pytest.Config) -> CoverageHistory:
    """The session's coverage history (registered by the plugin at configure time)."""
    history = config.stash.get(coverage_history_key, None)
    if history is None:
        history = CoverageHistory(config)
        config.stash[coverage_history_key] = history
    return history


def root_id(root: Path) -> str:
    """A folder name for one project: readable, and unique for its resolved path."""
    resolved = str(root.resolve())
    digest = hashlib.sha256(resolved.encode()).hexdigest()[:12]
    return f"{safe_part(Path(resolved).name)}-{digest}"


def _pct(counts: Mapping[str, Any]) -> float:
    return Counts(int(counts["total"]), int(counts["covered"])).pct


def delta_text(baseline: Mapping[str, Any], totals: Mapping[Any, Mapping[str, Any]]) -> str:
    """``lines 31.2% -> 54.8% (+23.6), branches ... since baseline 2026-11-20 14:02``."""
    parts = []
    for metric in ORDER:
        if metric in totals and metric in baseline["totals"]:
            before, now = _pct(baseline["totals"][metric]), _pct(totals[metric])
            parts.append(f"{metric} {before:g}% -> {now:g}% ({now - before:+.2f})")
    return f"{', '.join(parts)} since baseline {short_stamp(str(baseline['at']))}"


class CoverageHistory:
    """Reads baselines for items, and writes baselines and history on the controller."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.is_worker = is_worker(config)
        self.session_lines: list[str] = []
        # Per measured scope, this run's first and last measurement: the closing "before -> after".
        self.span: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
        # Per phase, each scope its checkpoint measured: (the measurement before it, its own).
        self.steps: dict[str, list[tuple[dict[str, Any] | None, dict[str, Any]]]] = {}
        self._folder: Path | None = None
        # Baselines this process set, so a later checkpoint of the same run compares against them
        # even before (or without) the cache.
        self._fresh: dict[tuple[str, str], dict[str, Any]] = {}

    # -- storage ---------------------------------------------------------------------------------

    def _dir(self, root: Path, kind: str) -> Path | None:
        if getattr(self.config, "cache", None) is None:
            return None
        if self._folder is None:
            self._folder = self.config.cache.mkdir("orchestrate")
        return self._folder / "coverage" / root_id(root) / kind

    def baseline(self, root: Path, key: str) -> dict[str, Any] | None:
        """The baseline of ``key`` (what was measured) for ``root``, if one was recorded."""
        fresh = self._fresh.get((str(root.resolve()), key))
        if fresh is not None:
            return fresh
        folder = self._dir(root, "baselines")
        raw = _load_json(folder / f"{_key_file(key)}.json") if folder is not None else None
        return raw if isinstance(raw, dict) and isinstance(raw.get("totals"), dict) else None

    def history(self, root: Path) -> list[dict[str, Any]]:
        """Every recorded measurement for ``root``, oldest first."""
        folder = self._dir(root, "history")
        try:
            names = sorted(os.listdir(folder)) if folder is not None else []
        except OSError:
            return []
        records = [_load_json(folder / n) for n in names if n.endswith(".json")]  # type: ignore[operator]
        return [r for r in records if isinstance(r, dict)]

    def forget(self, root: Path) -> int:
        """Remove the baselines and history of ``root`` (controller only); how many records."""
        folder = self._dir(root, "history")
        if folder is None or self.is_worker or not folder.parent.is_dir():
            return 0
        count = sum(1 for p in folder.glob("*.json")) if folder.is_dir() else 0
        shutil.rmtree(folder.parent)
        self._fresh = {k: v for k, v in self._fresh.items() if k[0] != str(root.resolve())}
        return count

    def save(self, record: dict[str, Any]) -> None:
        """Keep a measurement; the first for its root and key becomes the baseline (controller)."""
        root = Path(record["root"])
        ident = (str(root.resolve()), str(record["key"]))
        if self.baseline(root, record["key"]) is None:
            self._fresh[ident] = record
            self._write(root, "baselines", _key_file(record["key"]), record)
        # Named to the nanosecond: two measurements in one second must not overwrite each other,
        # and names sort in the order they were taken.
        stamp = str(record["at"]).replace(":", "")
        nanos = time.time_ns() % 1_000_000_000
        name = f"{stamp}.{nanos:09d}-{safe_part(record['node'])}-{_key_file(record['key'])}"
        self._write(root, "history", name, record)

    def _write(self, root: Path, kind: str, name: str, value: Any) -> None:
        folder = self._dir(root, kind)
        if folder is None or self.is_worker:
            return
        atomic_write(folder / f"{name}.json", json.dumps(value, indent=2, sort_keys=True) + "\n")

    # -- from the item ---------------------------------------------------------------------------

    def note(self, item: pytest.Item, root: Path, node: str, measured: CoverageMeasured) -> str:
        """Attach the figures (and the change since the baseline) to ``item``; return the text."""
        totals = {m: {"total": c.total, "covered": c.covered} for m, c in measured.totals.items()}
        record = {
            "root": str(root.resolve()),
            "key": measured.key,
            "node": node,
            "at": now_stamp(),
            "totals": totals,
            "parts": {
                name: {m: {"total": c.total, "covered": c.covered} for m, c in t.items()}
                for name, t in measured.parts
            },
        }
        props: list[tuple[str, object]] = [
            (SCOPE_PROPERTY, measured.key),
            (RECORD_PROPERTY, json.dumps(record, sort_keys=True)),
        ]
        props += [(f"coverage_{m}", c.pct) for m, c in measured.totals.items()]
        baseline = self.baseline(root, measured.key)
        if baseline is None:
            text = "baseline recorded: " + ", ".join(
                f"{m} {measured.totals[m].pct:g}%" for m in ORDER if m in measured.totals
            )
        else:
            text = delta_text(baseline, totals)
            props += [
                (
                    f"coverage_delta_{m}",
                    round(measured.totals[m].pct - _pct(baseline["totals"][m]), 2),
                )
                for m in ORDER
                if m in measured.totals and m in baseline["totals"]
            ]
            props.append(("coverage_baseline_at", str(baseline["at"])))
        blocks = item.stash.setdefault(_item_blocks_key, {})
        blocks[measured.key] = props
        kept = [p for p in item.user_properties if not p[0].startswith(PROPERTY_PREFIX)]
        item.user_properties[:] = kept + [p for block in blocks.values() for p in block]
        return text

    # -- hooks (controller) ---------------------------------------------------------------------

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "call" or self.is_worker:
            return
        for name, value in report.user_properties:
            if name == RECORD_PROPERTY:
                record = json.loads(str(value))
                before = self.baseline(Path(record["root"]), record["key"])
                previous = self._latest(Path(record["root"]), record["key"])
                phase = checkpoint_phase(split_nodeid(record["node"])[1])
                if phase is not None:
                    self.steps.setdefault(phase, []).append((previous, record))
                self.save(record)
                first = self.span.get(record["key"], (record, record))[0]
                self.span[record["key"]] = (first, record)
                change = delta_text(before, record["totals"]) if before else "baseline recorded"
                self.session_lines.append(
                    f"{record['node']} [{record['key']}]: {_figures(record['totals'])}; {change}"
                )

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.session_lines:
            terminalreporter.write_sep("=", "orchestrate coverage")
            for line in self.session_lines:
                terminalreporter.write_line(line)

    def _latest(self, root: Path, key: str) -> dict[str, Any] | None:
        """The last measurement of ``key`` for ``root``: this run's, else the recorded one."""
        if key in self.span:
            return self.span[key][1]
        earlier = [r for r in self.history(root) if r.get("key") == key]
        return earlier[-1] if earlier else None

    def phase_change(self, phase: str, metric: Metric = "lines") -> str:
        """What ``phase``'s checkpoint measured against the measurement before it, per scope:
        ``coverage-summary.json 28.11% -> 61.3%``; empty if it measured nothing this run."""
        parts = []
        for previous, record in self.steps.get(phase, []):
            if metric not in record["totals"]:
                continue
            after = f"{_pct(record['totals'][metric]):g}%"
            if previous is not None and metric in previous["totals"]:
                after = f"{_pct(previous['totals'][metric]):g}% -> {after}"
            parts.append(f"{Path(str(record['key'])).name} {after}")
        return "; ".join(parts)

    def span_lines(self) -> list[str]:
        """Per scope, the first and the last figures this run measured, and where."""
        out = []
        for key, (first, last) in self.span.items():
            if first is last:
                where, figures = f"at {_node_name(last['node'])}", _figures(last["totals"])
            else:
                where = f"{_node_name(first['node'])} -> {_node_name(last['node'])}"
                figures = ", ".join(
                    f"{m} {_pct(first['totals'][m]):g}% -> {_pct(last['totals'][m]):g}%"
                    for m in ORDER
                    if m in first["totals"] and m in last["totals"]
                )
            out.append(f"coverage [{key}] {where}: {figures}")
        return out

    def status_lines(self, root: Path) -> list[str]:
        """The latest figures per measured scope of ``root``, with the change since its baseline."""
        latest: dict[str, dict[str, Any]] = {}
        for record in self.history(root):
            if isinstance(record.get("totals"), dict):
                latest[str(record.get("key"))] = record
        out = []
        for key, record in latest.items():
            base = self.baseline(root, key)
            if base is None:
                change = ""
            elif base.get("at") == record.get("at"):
                change = "the baseline"
            else:
                change = delta_text(base, record["totals"])
            out.append(
                f"{record.get('node')} [{key}] {short_stamp(str(record.get('at')))}: "
                f"{_figures(record['totals'])}" + (f"; {change}" if change else "")
            )
        return out


def _node_name(node: str) -> str:
    """``config/phases.yaml::phase_1::checkpoint`` -> ``phase_1 checkpoint``."""
    return node.split("::", 1)[-1].replace("::", " ")


def _figures(totals: Mapping[Any, Mapping[str, Any]]) -> str:
    return ", ".join(f"{m} {_pct(totals[m]):g}%" for m in ORDER if m in totals)


def _key_file(key: str) -> str:
    """A file name for a measured scope (its report paths can be long, or contain '/')."""
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _load_json(path: Path) -> Any:
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None  # missing or damaged: that one record is forgotten, nothing else
