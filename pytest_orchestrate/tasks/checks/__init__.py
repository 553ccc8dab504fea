"""Checkpoint checks: each kind verifies one thing about the project after a phase."""

from __future__ import annotations

from ...errors import TaskFailed
from ...roadmap.model import Checkpoint, Settings
from ..command import run_command
from ..registry import Result
from ..workspace import Workspace


def run_checks(checkpoint: Checkpoint, workspace: Workspace, settings: Settings) -> Result:
    """Run every check (not stopping at the first failure) and fail listing the ones that failed."""
    if workspace.dry_run:
        names = ", ".join(c.name for c in checkpoint.checks)
        return Result.would_run(f"would check: {names}")
    failures: list[str] = []
    passed: list[str] = []
    retryable = True
    for check in checkpoint.checks:
        try:
            run_command(check, workspace, check.timeout_minutes or settings.timeout_minutes)
            passed.append(f"✓ {check.name}")
        except TaskFailed as e:
            retryable = retryable and e.retryable
            failures.append(f"✗ {check.name}: {e}")
    if failures:
        raise TaskFailed("\n".join(passed + failures), retryable=retryable)
    return Result.ok("\n".join(passed))
