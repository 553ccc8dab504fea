"""Reports built by hand, and how a roadmap item's status reads at the terminal.

The DONE fast path and the xdist controller report items without running pytest's protocol for
them; ``log_skip`` produces the reports a run would, so the terminal, ``-rs``, JUnit and our own
outcome tracking all see them.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import pytest

from ..roadmap.keys import CHECKPOINT
from ..tasks.registry import (
    BLOCKED,
    CHANGED,
    DONE,
    FAILED,
    KEPT,
    MANUAL,
    OK,
    WOULD_CHANGE,
    WOULD_RUN,
    Status,
)
from .labels import STATUS

# Per status: pytest's category, the letter for quiet mode, the word for -v. The category is what
# pytest's final line counts: tasks that ran stay "passed" (so the line stays green and scripts
# reading it keep working); tasks that did not run are counted by their own word ("11 done, 1
# blocked"), never as "skipped".
STATUS_WORDS: dict[Status, tuple[str, str, str]] = {
    CHANGED: ("passed", "C", "CHANGED"),
    OK: ("passed", ".", "OK"),
    WOULD_CHANGE: ("passed", "W", "WOULD CHANGE"),
    WOULD_RUN: ("passed", "R", "WOULD RUN"),
    KEPT: ("passed", "K", "KEPT"),
    DONE: ("done", "d", "DONE"),
    BLOCKED: ("blocked", "b", "BLOCKED"),
    MANUAL: ("manual", "m", "MANUAL"),
    FAILED: ("failed", "F", "FAILED"),
}
COLOURS = {"passed": {"green": True}, "failed": {"red": True}}
NOT_RUN = ("done", "blocked", "manual")  # the categories of items that did not run
COLOURS.update({category: {"yellow": True} for category in NOT_RUN})


def report_properties(report: pytest.TestReport) -> dict[str, Any]:
    """A report's user properties as a dict (the last value of a repeated name wins)."""
    return dict(getattr(report, "user_properties", ()))  # CollectReports have none


def shorten(text: str, width: int = 70) -> str:
    """One line of at most ``width`` characters."""
    line = text.splitlines()[0] if text else ""
    return line if len(line) <= width else line[: width - 1] + "…"


def not_run_line(report: pytest.TestReport) -> str:
    """``BLOCKED 2.8: 2.7 failed (config/phases.yaml:131)``: one roadmap item that did not run."""
    props = report_properties(report)
    status = props.get(STATUS)
    word = STATUS_WORDS[status][2] if status in STATUS_WORDS else "SKIPPED"
    file_part, _, rest = report.nodeid.partition("::")
    parts = rest.split("::")
    name = f"{parts[0]} checkpoint" if parts[-1] == CHECKPOINT else parts[-1]
    reason = skip_reason(report)
    for prefix in ("blocked: ", "manual: "):
        reason = reason.removeprefix(prefix)
    line = report.longrepr[1] if isinstance(report.longrepr, tuple) else None
    where = f"{file_part}:{line}" if line else file_part
    return f"{word} {name}: {reason} ({where})"


def log_skip(
    config: pytest.Config,
    nodeid: str,
    location: tuple[str, int | None, str],
    where: tuple[str, int],
    reason: str,
    properties: list[tuple[str, object]],
    keywords: Iterable[str],
) -> None:
    """Report an item as skipped without running pytest's protocol for it: the reports a run
    would produce (logstart, a skipped setup, a passed teardown, logfinish), so the terminal,
    ``-rs``, JUnit and our own outcome tracking all see it."""
    hook = config.hook
    now = time.time()
    common: dict[str, Any] = {
        "location": location,
        "keywords": dict.fromkeys(keywords, 1),
        "user_properties": properties,
        "start": now,
        "stop": now,
    }
    hook.pytest_runtest_logstart(nodeid=nodeid, location=location)
    hook.pytest_runtest_logreport(
        report=pytest.TestReport(
            nodeid,
            outcome="skipped",
            longrepr=(where[0], where[1], f"Skipped: {reason}"),
            when="setup",
            **common,
        )
    )
    hook.pytest_runtest_logreport(
        report=pytest.TestReport(nodeid, outcome="passed", longrepr=None, when="teardown", **common)
    )
    hook.pytest_runtest_logfinish(nodeid=nodeid, location=location)


def skip_reason(report: pytest.TestReport) -> str:
    """The reason text of a skipped report."""
    longrepr = report.longrepr
    if isinstance(longrepr, tuple):
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)
