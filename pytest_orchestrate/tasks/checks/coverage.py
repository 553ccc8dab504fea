"""Coverage reports read into one shape, and thresholds judged the way Jest judges them.

Four formats, told apart by content, not by file name: Istanbul's ``coverage-summary.json``,
coverage.py's ``coverage.json``, ``lcov.info`` and Cobertura XML (as Jest and coverage.py write
them). Every file path becomes absolute, so thresholds keyed by directory or glob apply across
reports from different tools.

Cobertura is read with the standard library's ``xml.etree``: pycobertura exposes branch *rates*
but not branch *counts*, and counts are what combining reports and Jest's negative
("at most N uncovered") thresholds need.

This module reads and judges; it does not run the command that writes a report (``coverage_check``
in ``kinds`` does), and it keeps no baseline (the session does).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from ...errors import TaskFailed

__all__ = [
    "METRICS",
    "Counts",
    "FileCoverage",
    "Judgement",
    "Metric",
    "Miss",
    "Report",
    "combined",
    "istanbul_pct",
    "judge",
    "read_report",
]

Metric = Literal["lines", "statements", "branches", "functions"]
# Jest's order when it reports a missed threshold.
METRICS: tuple[Metric, ...] = ("statements", "branches", "lines", "functions")
Format = Literal["istanbul json-summary", "coverage.py json", "lcov", "cobertura"]
GLOBAL = "global"


def istanbul_pct(covered: int, total: int) -> float:
    """Istanbul's percentage: floored to two decimals, and 100 when there is nothing to cover.

    Floored, not rounded, so 79.999% never passes an 80% threshold here when Jest fails it.
    """
    if total <= 0:
        return 100.0
    return int(1000 * 100 * covered / total / 10) / 100


@dataclass(frozen=True)
class Counts:
    """How many of a metric's items exist and how many ran."""

    total: int
    covered: int

    @property
    def pct(self) -> float:
        return istanbul_pct(self.covered, self.total)

    @property
    def uncovered(self) -> int:
        return self.total - self.covered

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.total + other.total, self.covered + other.covered)

    def show(self) -> str:
        return f"{self.pct:g}% ({self.covered}/{self.total})"


@dataclass(frozen=True)
class FileCoverage:
    """One source file's counts, keyed by its absolute path."""

    path: str
    counts: Mapping[Metric, Counts]


@dataclass(frozen=True)
class Report:
    """One report file, read."""

    display: str  # the report's path as the roadmap names it
    format: Format
    files: tuple[FileCoverage, ...]
    metrics: tuple[Metric, ...]  # what this format measures

    def totals(self) -> dict[Metric, Counts]:
        return _sum(self.files, self.metrics)

    def summary(self) -> str:
        figures = ", ".join(f"{m} {c.show()}" for m, c in _ordered(self.totals()))
        return f"{self.display} ({self.format}, {len(self.files)} files): {figures or 'no files'}"


def _ordered(totals: Mapping[Metric, Counts]) -> list[tuple[Metric, Counts]]:
    """Lines first: the figure people quote."""
    order: tuple[Metric, ...] = ("lines", "statements", "branches", "functions")
    return [(m, totals[m]) for m in order if m in totals]


def _sum(
    files: list[FileCoverage] | tuple[FileCoverage, ...], metrics: Iterable[Metric]
) -> dict[Metric, Counts]:
    out: dict[Metric, Counts] = {}
    for metric in metrics:
        total = Counts(0, 0)
        for f in files:
            total += f.counts.get(metric, Counts(0, 0))
        out[metric] = total
    return out


def combined(reports: Iterable[Report]) -> dict[Metric, Counts]:
    """Totals over several reports, weighted by their counts (not an average of percentages);
    only metrics every report measures, so an lcov file's missing statements don't skew them."""
    reports = list(reports)
    shared = [m for m in METRICS if all(m in r.metrics for r in reports)]
    return _sum([f for r in reports for f in r.files], shared)


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


def read_report(path: Path, display: str, root: Path) -> Report:
    """Read a report of any supported format; relative file paths are taken from ``root``."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TaskFailed(
            f"coverage report {display} does not exist; run the tests with coverage first "
            "(or give the check a command)"
        ) from None
    except OSError as e:
        raise TaskFailed(f"coverage report {display} cannot be read: {e.strerror}") from None
    stripped = text.lstrip()
    try:
        if stripped.startswith("{"):
            data = json.loads(text)
            if isinstance(data, dict) and isinstance(data.get("files"), dict) and "meta" in data:
                return _coverage_py_json(data, display, root)
            if isinstance(data, dict) and isinstance(data.get("total"), dict):
                return _istanbul_summary(data, display, root)
        elif stripped.startswith("<"):
            return _cobertura(ET.fromstring(text), display, root)
        elif re.search(r"^SF:", text, re.MULTILINE):
            return _lcov(text, display, root)
    except (ValueError, ET.ParseError, KeyError, TypeError, AttributeError) as e:
        raise TaskFailed(f"coverage report {display} is damaged: {e}") from None
    raise TaskFailed(
        f"coverage report {display} is not a format this check reads; use Istanbul json-summary "
        "(--coverageReporters=json-summary), lcov, Cobertura XML, or coverage.py's 'coverage json'"
    )


def _absolute(name: str, root: Path) -> str:
    path = PurePosixPath(name.replace("\\", "/"))
    return str(path if path.is_absolute() else PurePosixPath(root.as_posix()) / path)


def _istanbul_summary(data: dict[str, Any], display: str, root: Path) -> Report:
    metrics: tuple[Metric, ...] = ("lines", "statements", "branches", "functions")
    files = tuple(
        FileCoverage(
            _absolute(name, root),
            {m: Counts(int(entry[m]["total"]), int(entry[m]["covered"])) for m in metrics},
        )
        for name, entry in data.items()
        if name != "total"
    )
    return Report(display, "istanbul json-summary", files, metrics)


def _coverage_py_json(data: dict[str, Any], display: str, root: Path) -> Report:
    branch = bool(data["meta"].get("branch_coverage"))
    metrics: tuple[Metric, ...] = (
        ("lines", "statements", "branches") if branch else ("lines", "statements")
    )
    files = []
    for name, entry in data["files"].items():
        s = entry["summary"]
        # coverage.py measures statements; its "lines" are the same count.
        lines = Counts(int(s["num_statements"]), int(s["covered_lines"]))
        counts: dict[Metric, Counts] = {"lines": lines, "statements": lines}
        if branch:
            counts["branches"] = Counts(int(s["num_branches"]), int(s["covered_branches"]))
        files.append(FileCoverage(_absolute(name, root), counts))
    return Report(display, "coverage.py json", tuple(files), metrics)


_LCOV_FIELDS: dict[str, tuple[Metric, bool]] = {
    "LF": ("lines", True),
    "LH": ("lines", False),
    "BRF": ("branches", True),
    "BRH": ("branches", False),
    "FNF": ("functions", True),
    "FNH": ("functions", False),
}


def _lcov(text: str, display: str, root: Path) -> Report:
    files: list[FileCoverage] = []
    name: str | None = None
    found: dict[Metric, list[int]] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("SF:"):
            name, found = line[3:], {}
        elif line == "end_of_record" and name is not None:
            counts = {m: Counts(v[0], v[1]) for m, v in found.items()}
            files.append(FileCoverage(_absolute(name, root), counts))
            name = None
        elif ":" in line and line.split(":", 1)[0] in _LCOV_FIELDS:
            key, value = line.split(":", 1)
            metric, is_total = _LCOV_FIELDS[key]
            pair = found.setdefault(metric, [0, 0])
            pair[0 if is_total else 1] = int(value)
    return Report(display, "lcov", tuple(files), ("lines", "branches", "functions"))


_CONDITIONS = re.compile(r"\((\d+)/(\d+)\)")


def _cobertura(tree: ET.Element, display: str, root: Path) -> Report:
    if tree.tag != "coverage":
        raise ValueError(f"root element is <{tree.tag}>, not <coverage>")
    sources = [s.text.strip() for s in tree.iter("source") if s.text and s.text.strip()]
    base = Path(sources[0]) if sources else root
    has_methods = any(True for _ in tree.iter("method"))
    per_file: dict[str, dict[Metric, Counts]] = {}
    for cls in tree.iter("class"):
        # One file can hold several classes; a line counted under two is still one line.
        counts = per_file.setdefault(_absolute(cls.get("filename", ""), base), {})
        lines = [ln for ln in cls.iterfind("lines/line")]
        counts["lines"] = counts.get("lines", Counts(0, 0)) + Counts(
            len(lines), sum(1 for ln in lines if int(ln.get("hits", "0")) > 0)
        )
        branches = Counts(0, 0)
        for ln in lines:
            match = _CONDITIONS.search(ln.get("condition-coverage", ""))
            if ln.get("branch") == "true" and match:
                branches += Counts(int(match.group(2)), int(match.group(1)))
        counts["branches"] = counts.get("branches", Counts(0, 0)) + branches
        if has_methods:
            methods = list(cls.iterfind("methods/method"))
            counts["functions"] = counts.get("functions", Counts(0, 0)) + Counts(
                len(methods), sum(1 for m in methods if int(m.get("hits", "0")) > 0)
            )
    files = tuple(FileCoverage(path, counts) for path, counts in per_file.items())
    metrics: tuple[Metric, ...] = (
        ("lines", "branches", "functions") if has_methods else ("lines", "branches")
    )
    return Report(display, "cobertura", files, metrics)


# ---------------------------------------------------------------------------
# Judging thresholds, with the semantics of Jest's coverageThreshold
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Miss:
    """A threshold not met; ``metric`` is None when the group matched no file at all."""

    metric: Metric | None
    message: str


@dataclass(frozen=True)
class Judgement:
    """One threshold group's figures and what it missed."""

    group: str  # "global", a path key, or (for a glob key) the matching file
    counts: Mapping[Metric, Counts]
    failures: tuple[Miss, ...] = ()
    key: str = ""  # the threshold key it was judged by

    @property
    def passed(self) -> bool:
        return not self.failures


def judge(
    files: Iterable[FileCoverage],
    thresholds: Mapping[str, Mapping[Metric, float]],
    root: Path,
    metrics: Iterable[Metric] = METRICS,
) -> list[Judgement]:
    """Judge ``files`` against ``thresholds`` as Jest's ``_checkThreshold`` does.

    - A positive number is a minimum percentage; a negative one, the most uncovered items allowed.
    - A key other than ``global`` is a path prefix (resolved from ``root``, a trailing slash kept),
      else a glob: a path groups its files into one figure, a glob judges each file on its own.
    - ``global`` covers only the files no other key matched; a key matching no file is a failure.
    """
    files = list(files)
    available = tuple(metrics)
    keys = list(thresholds)
    members: dict[str, list[FileCoverage]] = {k: [] for k in keys}
    kind: dict[str, str] = {}
    for f in files:
        matched = False
        for key in keys:
            if key == GLOBAL:
                continue
            how = _matches(key, f.path, root)
            if how:
                kind[key], matched = how, True
                members[key].append(f)
        if not matched and GLOBAL in thresholds:
            members[GLOBAL].append(f)
    out: list[Judgement] = []
    for key in keys:
        wanted = thresholds[key]
        if key != GLOBAL and not members[key]:
            out.append(Judgement(key, {}, (Miss(None, "no file in the report matches it"),), key))
        elif kind.get(key) == "glob":
            out += [_check(f.path, [f], wanted, available, key) for f in members[key]]
        elif members[key]:
            out.append(_check(key, members[key], wanted, available, key))
    return out


def _check(
    name: str,
    files: list[FileCoverage],
    wanted: Mapping[Metric, float],
    metrics: tuple[Metric, ...],
    key: str,
) -> Judgement:
    counts = _sum(files, [m for m in metrics])
    failures: list[Miss] = []
    for metric in METRICS:
        threshold = wanted.get(metric)
        if threshold is None:
            continue
        if metric not in counts:
            failures.append(
                Miss(
                    metric,
                    f"the report has no {metric} figures; remove this threshold "
                    "or use a report that measures it",
                )
            )
            continue
        got = counts[metric]
        if threshold < 0 and got.uncovered > -threshold:
            failures.append(
                Miss(metric, f"{got.uncovered} uncovered, more than {-threshold:g} allowed")
            )
        elif threshold >= 0 and got.pct < threshold:
            failures.append(Miss(metric, f"{got.pct:g}% < {threshold:g}%"))
    return Judgement(name, counts, tuple(failures), key)


def _matches(key: str, path: str, root: Path) -> str | None:
    """``"path"`` when ``key`` is a prefix of ``path``, ``"glob"`` when it matches as a glob."""
    resolved = _absolute(key, root)
    resolved = str(PurePosixPath(resolved))  # drop "./" and a trailing "/"...
    if key.endswith("/") and not resolved.endswith("/"):
        resolved += "/"  # ...but keep the slash, as Jest does, so "src/a/" does not match "src/ab/"
    if path.startswith(resolved):
        return "path"
    if any(c in key for c in "*?[{") and _glob_regex(_absolute(key, root)).fullmatch(path):
        return "glob"
    return None


@cache
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A glob as node-glob reads it: ``**`` crosses folders, ``*`` does not, ``{a,b}`` picks."""
    out, i = "", 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out, i = out + "(?:[^/]*/)*", i + 3
            continue
        if pattern.startswith("**", i):
            out, i = out + ".*", i + 2
            continue
        if c == "*":
            out += "[^/]*"
        elif c == "?":
            out += "[^/]"
        elif c == "{":
            end = pattern.find("}", i)
            if end > 0:
                out += "(?:" + "|".join(re.escape(p) for p in pattern[i + 1 : end].split(",")) + ")"
                i = end + 1
                continue
            out += re.escape(c)
        else:
            out += re.escape(c)
        i += 1
    return re.compile(out)
