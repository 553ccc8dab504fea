"""Shared helpers: write real roadmap files into a pytester directory."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest


@pytest.fixture
def roadmap(pytester: pytest.Pytester):
    """Write ``config/phases.yaml`` (dedented) into the pytester directory and return its path."""

    def write(text: str, name: str = "config/phases.yaml") -> Path:
        path = pytester.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write


def command_task(tid: str, script: str = "true", **extra: str) -> str:
    """One ``command`` task as YAML lines (indented for a group's task list)."""
    lines = [f'- id: "{tid}"', f'  name: "task {tid}"', "  type: command", f"  run: {script!r}"]
    lines += [f"  {k}: {v}" for k, v in extra.items()]
    return "\n".join(" " * 8 + line for line in lines)
