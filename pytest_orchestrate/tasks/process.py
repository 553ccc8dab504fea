"""Run a program with a timeout that kills its whole process group, grandchildren included."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
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
    on_output: Callable[[str], None] | None = None,
) -> Completed:
    """Run ``command`` in its own session; on timeout, SIGKILL the session's process group.

    Output is read line by line as it comes, and each line is passed to ``on_output`` (the
    terminal's sign of life for a long task).
    """
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
            start_new_session=True,  # its own process group, so a timeout can kill all it started
        )
    except FileNotFoundError as e:
        return Completed(127, f"command not found: {e.filename}")
    except PermissionError as e:
        return Completed(126, f"permission denied: {e.filename}")
    chunks: list[bytes] = []
    reader = threading.Thread(target=_read, args=(proc, chunks, on_output), daemon=True)
    reader.start()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc.pid)
        proc.wait()
        reader.join()
        return Completed(None, _decode(b"".join(chunks)), timed_out=True)
    except BaseException:
        # Ctrl-C or a pytest timeout: leave nothing running behind us.
        _kill_group(proc.pid)
        proc.wait()
        raise
    # A background grandchild could still hold the group (and the pipe); the task is over, so it
    # goes too.
    _kill_group(proc.pid)
    reader.join()
    return Completed(proc.returncode, _decode(b"".join(chunks)))


def _read(
    proc: subprocess.Popen[bytes], chunks: list[bytes], on_output: Callable[[str], None] | None
) -> None:
    """Collect the output; tell ``on_output`` each line as it arrives."""
    assert proc.stdout is not None
    for line in iter(proc.stdout.readline, b""):
        chunks.append(line)
        if on_output is not None:
            on_output(_decode(line).rstrip())
    proc.stdout.close()


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _decode(data: bytes | None) -> str:
    return (data or b"").decode("utf-8", errors="replace")
