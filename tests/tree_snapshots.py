"""A pytest plugin for roadmap runs the tests start: after each roadmap item is reported, on the
xdist controller, it appends the time and the digest of every file of the project to a JSON-lines
file. These are the states the project's files have between tasks; a file found in no such state
after a kill was torn.

Loaded with ``PYTEST_PLUGINS=tree_snapshots`` (this folder on ``PYTHONPATH``); it records only when
``SNAPSHOTS`` (the output file) and ``SNAPSHOT_ROOT`` (the project) are set. pytest runs that the
roadmap starts in the project inherit the variables; their items are not the roadmap's, so they
are not recorded.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import pytest

# Not part of the project's tree: pytest's cache, Python's bytecode, installed dependencies.
SKIP = {".pytest_cache", "__pycache__", "node_modules"}
ROADMAP_ITEM = "config/phases.yaml::"


def digests(root: Path) -> dict[str, str]:
    found = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in SKIP]
        for name in filenames:
            path = Path(dirpath) / name
            try:
                data = path.read_bytes()
            except FileNotFoundError:  # a checkpoint's tool removed it meanwhile
                continue
            found[path.relative_to(root).as_posix()] = hashlib.sha256(data).hexdigest()
    return found


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    out, root = os.environ.get("SNAPSHOTS"), os.environ.get("SNAPSHOT_ROOT")
    if not out or not root or report.when != "teardown" or os.environ.get("PYTEST_XDIST_WORKER"):
        return
    if not report.nodeid.startswith(ROADMAP_ITEM):
        return
    line = {"at": time.time(), "node": report.nodeid, "files": digests(Path(root))}
    with open(out, "a") as f:
        f.write(json.dumps(line) + "\n")
