"""Run a program with a timeout that kills its whole process group, grandchildren included."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Completed:
    """How a program ended."""

    returncode: int | None  # None: killed at the timeout
    output: str
    timed_out: bool = False

    def tail(self, lines: int = 15) -> str:
        """The last lines of output: enough to see why it failed, short enough for a report."""
        return "\n".join(self.output.rstrip().splitlines()[-lines:])


def run(
    command: Sequence[str] | str,
    *,
    shell: bool,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> Completed:
    """Run ``command`` in its own session; on timeout, SIGKILL the session's process group."""
    full_env = {**os.environ, **(env or {})}
    try:
        proc = subprocess.Popen(
            command,
            shell=shell,
            cwd=cwd,
            env=full_env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            # its own process group, so a timeout can kill everything it started
            start_new_session=True,
        )
    except FileNotFoundError as e:
        return Completed(127, f"command not found: {e.filename}")
    except PermissionError as e:
        return Completed(126, f"permission denied: {e.filename}")
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc.pid)
        out, _ = proc.communicate()
        return Completed(None, _decode(out), timed_out=True)
    except BaseException:
        # Ctrl-C or a pytest timeout: leave nothing running behind us.
        _kill_group(proc.pid)
        proc.wait()
        raise
    # A background grandchild could still hold the group; the task is over, so it goes too.
    _kill_group(proc.pid)
    return Completed(proc.returncode, _decode(out))


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _decode(data: bytes | None) -> str:
    return (data or b"").decode("utf-8", errors="replace")
