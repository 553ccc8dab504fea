"""Checkpoint checks: each kind verifies one thing about the project after a phase.

``run_checks`` runs a checkpoint's checks through the handlers registered for their kinds
(``kinds``); it keeps no baseline: figures a check measures go to the caller's ``on_coverage``.
"""

from __future__ import annotations

from collections.abc import Callable

from ...errors import TaskFailed
from ...roadmap.model import Checkpoint, Settings
from ..registry import Result
from ..workspace import Workspace
from .kinds import CheckContext, CheckKinds, CheckResult, CoverageMeasured

__all__ = ["CheckContext", "CheckKinds", "CheckResult", "CoverageMeasured", "run_checks"]


def run_checks(
    checkpoint: Checkpoint,
    workspace: Workspace,
    settings: Settings,
    kinds: CheckKinds,
    on_coverage: Callable[[CoverageMeasured], str] = lambda measured: "",
) -> Result:
    """Run every check (not stopping at the first failure) and fail listing the ones that failed.

    A check that ran and found the project short of its goal is not retried (running it again
    gives the same answer); one that could not measure (a command that crashed) is, if its error
    says it may be.
    """
    if workspace.dry_run:
        names = ", ".join(c.name for c in checkpoint.checks)
        return Result.would_run(f"would check: {names}")
    context = CheckContext(on_coverage)
    passed: list[str] = []
    failures: list[str] = []
    retryable: bool | None = None
    for check in checkpoint.checks:
        handler = kinds.handlers.get(check.type)
        try:
            if handler is None:
                raise TaskFailed(f"no handler for check type {check.type} is installed")
            result = handler(check, workspace, settings, context)
        except TaskFailed as e:
            retryable = e.retryable if retryable is None else retryable and e.retryable
            failures.append(_line("✗", check.name, str(e)))
            continue
        if result.passed:
            passed.append(_line("✓", check.name, result.message))
        else:
            retryable = False
            failures.append(_line("✗", check.name, result.message))
    if failures:
        raise TaskFailed("\n".join(passed + failures), retryable=bool(retryable))
    return Result.ok("\n".join(passed))


def _line(mark: str, name: str, message: str) -> str:
    """``✓ name: first line`` with the rest of the message indented under it."""
    first, _, rest = message.partition("\n")
    head = f"{mark} {name}: {first}" if first else f"{mark} {name}"
    return head + "".join(f"\n    {line}" for line in rest.splitlines())
