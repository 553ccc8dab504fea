"""``command`` tasks and checks: run a program inside the project and expect an exit code."""

from __future__ import annotations

import re
import shlex

from ..errors import CommandFailed, TaskFailed
from ..roadmap.model import CommandSpec, CommandTask, Settings
from .process import Completed, run
from .registry import Result
from .workspace import Workspace


def run_command(spec: CommandSpec, workspace: Workspace, timeout_minutes: float) -> str:
    """Run ``spec``; return its output, or raise ``CommandFailed`` saying what went wrong."""
    cwd = workspace.path(spec.cwd)
    if not cwd.is_dir():
        raise TaskFailed(f"cwd '{spec.cwd}' is not a directory inside the project")
    shell = spec.run is not None if spec.shell is None else spec.shell
    command = spec.run if spec.run is not None else spec.argv
    assert command is not None
    if not shell and isinstance(command, str):
        command = shlex.split(command)
    done = run(
        command,
        shell=shell,
        cwd=cwd,
        env=spec.env,
        timeout=timeout_minutes * 60,
        on_output=workspace.on_output,
    )
    if done.timed_out:
        raise CommandFailed(
            f"timed out after {_minutes(timeout_minutes)}: {spec.display()}\n"
            f"{done.tail()}".rstrip(),
            None,
        )
    if done.returncode != spec.expect_exit:
        raise CommandFailed(
            f"`{spec.display()}` exited {done.returncode}, expected {spec.expect_exit}\n"
            f"{done.tail()}".rstrip(),
            done.returncode,
            permanent=not_transient(done),
        )
    return done.output


# npm's words for `npm run <name>` when package.json has no such script (npm 7+ and npm 6).
MISSING_NPM_SCRIPT = re.compile(r"npm (?:error|ERR!) Missing script:", re.IGNORECASE)


def not_transient(done: Completed) -> str:
    """Why retrying this failure cannot help, or "" when it might (a flaky network, a lock)."""
    if done.returncode == 127:
        return "exit 127 is not transient (the program was not found)"
    if done.returncode == 126:
        return "exit 126 is not transient (the program cannot be executed)"
    if MISSING_NPM_SCRIPT.search(done.output):
        return "a missing npm script is not transient"
    return ""


def run_command_task(task: CommandTask, workspace: Workspace, settings: Settings) -> Result:
    """The ``command`` handler; in a dry run it only says what it would run."""
    if workspace.dry_run:
        return Result.would_run(f"would run: {task.display()} (in {task.cwd})")
    timeout = task.timeout_minutes or settings.timeout_minutes
    run_command(task, workspace, timeout)
    return Result.changed(message=f"ran: {task.display()}")


def _minutes(minutes: float) -> str:
    return f"{minutes:g}m" if minutes >= 1 else f"{minutes * 60:g}s"
