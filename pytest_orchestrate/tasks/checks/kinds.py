"""Check kinds: the registry plugins add to, and the built-in ``command``, ``coverage``,
``workflow`` and ``http`` handlers.

A handler is ``handler(check, workspace, settings, context) -> CheckResult``. It returns a result
whether or not the project meets the check (``passed``), and raises ``TaskFailed`` only when it
could not measure at all (a missing report, a command that crashed). Figures a coverage check
measures go to ``context.on_coverage``, which the session uses for baselines; this module keeps no
state between runs.
"""

from __future__ import annotations

import re
import shlex
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import create_model

from ...errors import TaskFailed
from ...roadmap.model import (
    BUILTIN_CHECK_MODELS,
    CheckBase,
    CommandCheck,
    CoverageCheck,
    HttpCheck,
    Settings,
    WorkflowCheck,
)
from ..command import run_command
from ..process import run
from ..workspace import Workspace
from .coverage import Counts, Metric, Report, combined, judge, read_report
from .http import HttpExpectation, check_http
from .workflow_rules import check_workflows

__all__ = [
    "CheckContext",
    "CheckHandler",
    "CheckKinds",
    "CheckResult",
    "CoverageMeasured",
    "register_builtin_kinds",
]


@dataclass(frozen=True)
class CoverageMeasured:
    """What a coverage check measured: each report's totals and the combined figure.

    ``key`` names what was measured (the sorted report paths): a baseline compares like with like.
    """

    key: str
    totals: Mapping[Metric, Counts]
    parts: tuple[tuple[str, Mapping[Metric, Counts]], ...]


@dataclass(frozen=True)
class CheckResult:
    """A check's verdict and what to show for it."""

    passed: bool
    message: str


@dataclass(frozen=True)
class CheckContext:
    """What a handler may report back besides its verdict."""

    # Returns text to show under the figures (the change since the baseline).
    on_coverage: Callable[[CoverageMeasured], str] = lambda measured: ""


CheckHandler = Callable[[Any, Workspace, Settings, CheckContext], CheckResult]


@dataclass
class CheckKinds:
    """The registry handed to ``pytest_orchestrate_register_check_kinds``."""

    models: dict[str, type[CheckBase]] = field(default_factory=lambda: dict(BUILTIN_CHECK_MODELS))
    handlers: dict[str, CheckHandler] = field(default_factory=dict)

    def add(self, name: str, handler: CheckHandler, model: type[CheckBase] | None = None) -> None:
        """Register ``handler`` for checks of type ``name`` (and ``model`` to validate them)."""
        if name in self.handlers:
            raise ValueError(f"check kind {name!r} is registered twice")
        self.models[name] = model or self.models.get(name) or _params_model(name)
        self.handlers[name] = handler


def _params_model(name: str) -> type[CheckBase]:
    """A model for a plugin kind that declares none: name, type and free-form ``params``."""
    model: type[CheckBase] = create_model(
        f"{name.title().replace('_', '')}Check",
        __base__=CheckBase,
        type=(Literal[name], ...),
        params=(dict[str, Any], {}),
    )
    return model


def register_builtin_kinds(registry: CheckKinds) -> None:
    """Add the check kinds this package ships."""
    registry.add("command", command_check)
    registry.add("coverage", coverage_check)
    registry.add("workflow", workflow_check)
    registry.add("http", http_check)


def _timeout(check: CheckBase, settings: Settings) -> float:
    return (check.timeout_minutes or settings.timeout_minutes) * 60


# ---------------------------------------------------------------------------
# command
# ---------------------------------------------------------------------------


def command_check(
    check: CommandCheck, workspace: Workspace, settings: Settings, context: CheckContext
) -> CheckResult:
    """Exit as expected; optionally, output that matches (or never matches) regexes."""
    output = run_command(check, workspace, _timeout(check, settings) / 60)
    missing = [p for p in check.stdout_matches if not re.search(p, output, re.MULTILINE)]
    present = [p for p in check.stdout_excludes if re.search(p, output, re.MULTILINE)]
    if missing or present:
        problems = [f"output does not match {p!r}" for p in missing]
        problems += [f"output matches {p!r}: {_matching_line(p, output)!r}" for p in present]
        tail = "\n".join(output.rstrip().splitlines()[-10:])
        return CheckResult(False, "; ".join(problems) + (f"\n{tail}" if tail else ""))
    return CheckResult(True, f"`{check.display()}` exited {check.expect_exit}")


def _matching_line(pattern: str, output: str) -> str:
    found = re.search(pattern, output, re.MULTILINE)
    if found is None:
        return ""
    start = output.rfind("\n", 0, found.start()) + 1
    end = output.find("\n", found.end())
    return output[start : end if end >= 0 else None][:200]


# ---------------------------------------------------------------------------
# coverage
# ---------------------------------------------------------------------------

_JEST_THRESHOLD = re.compile(
    r"^Jest: (?:\".+\" coverage threshold for|Uncovered count for|Coverage data for).*$",
    re.MULTILINE,
)
_JEST_TESTS = re.compile(r"^Tests:\s+(?P<summary>.*\d+ total)\s*$", re.MULTILINE)
_PYTEST_FAILED = re.compile(r"^=+ .*\b\d+ (failed|error)", re.MULTILINE)


def coverage_check(
    check: CoverageCheck, workspace: Workspace, settings: Settings, context: CheckContext
) -> CheckResult:
    """Optionally run the project's own coverage command, then read its reports and judge."""
    notes: list[str] = []
    started = time.time()
    if check.command is not None:
        notes += _run_coverage_command(check, workspace, settings)
    reports = [
        _read(spec, workspace, started if check.command is not None else None)
        for spec in check.reports()
    ]
    totals = combined(reports)
    lines = [r.summary() for r in reports]
    if len(reports) > 1:
        figures = ", ".join(f"{m} {c.show()}" for m, c in _lines_first(totals))
        lines.append(f"combined (weighted by counts): {figures}")
    measured = CoverageMeasured(
        " + ".join(sorted(s.path for s in check.reports())),
        totals,
        tuple((r.display, r.totals()) for r in reports),
    )
    delta = context.on_coverage(measured)
    if delta:
        lines.append(delta)
    files = [f for r in reports for f in r.files]
    metrics = tuple(totals) if len(reports) > 1 else reports[0].metrics
    verdicts = judge(files, check.thresholds, workspace.root, metrics)
    for verdict in verdicts:
        if verdict.passed:
            wanted = check.thresholds[verdict.key]
            shown = ", ".join(
                f"{m} {c.pct:g}%" for m, c in _lines_first(verdict.counts) if m in wanted
            )
            lines.append(f"  ✓ {_show_group(verdict.group, workspace)}: {shown}")
        for miss in verdict.failures:
            what = f"{miss.metric}: {miss.message}" if miss.metric else miss.message
            lines.append(f"  ✗ {_show_group(verdict.group, workspace)}: {what}")
    return CheckResult(all(v.passed for v in verdicts), "\n".join(notes + lines))


def _lines_first(totals: Mapping[Metric, Counts]) -> list[tuple[Metric, Counts]]:
    order: tuple[Metric, ...] = ("lines", "statements", "branches", "functions")
    return [(m, totals[m]) for m in order if m in totals]


def _show_group(group: str, workspace: Workspace) -> str:
    root = workspace.root.as_posix().rstrip("/") + "/"
    return group.removeprefix(root)


def _read(spec: Any, workspace: Workspace, written_after: float | None) -> Report:
    path = workspace.path(spec.path)
    root = workspace.path(spec.root) if spec.root is not None else None
    report = read_report(path, spec.path, root or workspace.root)
    if report.format == "coverage.py json" and root is None:
        # coverage.py writes paths relative to where it ran, which is where it writes coverage.json.
        report = read_report(path, spec.path, path.parent)
    if written_after is not None and path.stat().st_mtime < written_after - 1:
        raise TaskFailed(
            f"coverage report {spec.path} is older than this run: the command did not "
            "write it; check the command's reporters and output folder"
        )
    return report


def _run_coverage_command(
    check: CoverageCheck, workspace: Workspace, settings: Settings
) -> list[str]:
    """Run the command; tell a failing test run from Jest's own coverageThreshold failing it."""
    cwd = workspace.path(check.cwd)
    command = check.command
    shell = isinstance(command, str)
    assert command is not None
    shown = command if isinstance(command, str) else shlex.join(command)
    done = run(command, shell=shell, cwd=cwd, env=check.env, timeout=_timeout(check, settings))
    if done.timed_out:
        raise TaskFailed(f"timed out: {shown}\n{done.tail()}".rstrip(), retryable=True)
    if done.returncode == 0:
        return [f"ran: {shown}"]
    thresholds = _JEST_THRESHOLD.findall(done.output)
    tests = _JEST_TESTS.findall(done.output)
    tests_failed = any("failed" in t for t in tests) or bool(_PYTEST_FAILED.search(done.output))
    if thresholds and not tests_failed:
        summary = f" ({tests[-1]})" if tests else ""
        return [
            f"ran: {shown}: exited {done.returncode} because Jest's own coverageThreshold was "
            f"missed, not because a test failed{summary}:",
            *(f"  {t}" for t in thresholds),
        ]
    what = "tests failed" if tests_failed else f"exited {done.returncode}"
    raise TaskFailed(
        f"`{shown}` {what}; the coverage report would not be trustworthy\n{done.tail()}".rstrip(),
        retryable=True,
    )


# ---------------------------------------------------------------------------
# workflow and http
# ---------------------------------------------------------------------------


def workflow_check(
    check: WorkflowCheck, workspace: Workspace, settings: Settings, context: CheckContext
) -> CheckResult:
    """Every workflow under ``path`` passes the schema, the needs graph and the named rules."""
    workspace.path(check.path)  # refuses a path outside the project
    try:
        return CheckResult(True, check_workflows(workspace.root, check.path, check.rules))
    except TaskFailed as e:
        if str(e).startswith(("unknown workflow rule", check.path)):
            raise
        return CheckResult(False, str(e))


def http_check(
    check: HttpCheck, workspace: Workspace, settings: Settings, context: CheckContext
) -> CheckResult:
    """The URL answers as expected before the deadline."""
    expect = HttpExpectation(check.expect_status, check.expect_json, check.max_latency_ms)
    try:
        message = check_http(
            check.url,
            expect,
            method=check.method,
            headers=check.headers,
            deadline_seconds=check.deadline_seconds,
            retry_delay_seconds=check.retry_delay_seconds,
            retry_max_delay_seconds=check.retry_max_delay_seconds,
        )
    except TaskFailed as e:
        return CheckResult(False, str(e))
    return CheckResult(True, message)
