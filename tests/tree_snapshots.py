"""A pytest plugin for roadmap runs the tests start: after each roadmap item is reported, on the
xdist controller, it appends the time and the digest of every file of the project to a JSON-lines
file. These are the states the project's files have between tasks; a file found in no such state
after a kill was torn.

Loaded with ``PYTEST_PLUGINS=tree_snapshots`` (this folder on ``PYTHONPATH``;
``roadmap_runs.snapshotting`` sets both); it records only when ``SNAPSHOTS`` (the output file)
and ``SNAPSHOT_ROOT`` (the project) are set. pytest runs that the roadmap starts in the project
inherit the variables; their items are not the roadmap's, so they are not recorded.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from roadmap_runs import NOT_TREE_INSTALLED, digest, tree

ROADMAP_ITEM = "config/phases.yaml::"


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    out, root = os.environ.get("SNAPSHOTS"), os.environ.get("SNAPSHOT_ROOT")
    if not out or not root or report.when != "teardown" or os.environ.get("PYTEST_XDIST_WORKER"):
        return
    if not report.nodeid.startswith(ROADMAP_ITEM):
        return
    files = {rel: digest(data) for rel, data in tree(Path(root), NOT_TREE_INSTALLED).items()}
    with open(out, "a") as f:
        f.write(json.dumps({"at": time.time(), "node": report.nodeid, "files": files}) + "\n")
