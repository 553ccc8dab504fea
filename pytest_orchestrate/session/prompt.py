"""Asking a human to confirm a manual step, only when someone can answer."""

from __future__ import annotations

import getpass
import sys

import pytest

from .config import is_worker
from .secrets import secrets


def ask_human(config: pytest.Config, task_id: str, instructions: str) -> bool:
    """Show the instructions and ask, only when someone can answer: a terminal, ``-s``, no worker.

    The answer is read without echo and never stored or printed: some manual steps involve secrets.
    Anything but yes or no is masked as a secret for the rest of the run.
    """
    if (
        is_worker(config)
        or config.getoption("capture") != "no"
        or config.getoption("orchestrate_dry_run")
        or not sys.stdin.isatty()
    ):
        return False
    masked = secrets(config)
    sys.stdout.write(masked.mask(f"\n\n[manual {task_id}]\n{instructions.rstrip()}\n"))
    sys.stdout.flush()
    try:
        answer = getpass.getpass(
            f"Type 'yes' once this is done (input hidden; anything else leaves {task_id} pending): "
        )
    except (EOFError, OSError):
        return False
    confirmed = answer.strip().lower() in ("y", "yes")
    if not confirmed and answer.strip().lower() not in ("n", "no"):
        masked.add(answer)  # a token pasted into the wrong window is still a token
    return confirmed
