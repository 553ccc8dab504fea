"""What a run was asked to do: options, ini keys, the typed stash keys, and the task-type registry.

Everything here reads ``pytest.Config``; nothing runs a task. The plugin objects the session uses
live under ``StashKey``s (as pytest's ``junitxml`` keeps its ``LogXML`` under ``xml_key``).
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import pytest

from ..roadmap.model import BUILTIN_TASK_MODELS, PRIORITIES
from ..tasks.checks.kinds import CheckKinds
from ..tasks.registry import TaskTypes

if TYPE_CHECKING:
    from .engine import Engine

DEFAULT_ROADMAP = "config/phases.yaml"

engine_key = pytest.StashKey["Engine"]()
registry_key = pytest.StashKey[TaskTypes]()
check_kinds_key = pytest.StashKey[CheckKinds]()
roadmap_path_key = pytest.StashKey[Path | None]()
explicit_files_key = pytest.StashKey[set[Path]]()

# Options whose presence means "run the roadmap".
ACTIVATING = (
    "orchestrate_phases",
    "orchestrate_groups",
    "orchestrate_all",
    "orchestrate_roadmap",
    "orchestrate_dry_run",
    "orchestrate_plan",
    "orchestrate_validate",
    "orchestrate_status",
    "orchestrate_forget",
    "orchestrate_plan_mermaid",
    "orchestrate_ci_matrix",
)


def phase_number(value: str) -> int:
    """``--phase`` type: accepts ``2`` or ``phase_2``."""
    match = re.fullmatch(r"(?:phase_)?(\d+)", value.strip())
    if not match:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a phase; use a number like 2 or phase_2"
        )
    return int(match.group(1))


def group_letter(value: str) -> str:
    """``--group`` type: accepts ``c`` or ``group_c``."""
    match = re.fullmatch(r"(?:group_)?([a-z][a-z0-9]*)", value.strip().lower())
    if not match:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a group; use a letter like c or group_c"
        )
    return match.group(1)


def add_options(parser: pytest.Parser) -> None:
    """The ``orchestrate`` option group and ini keys."""
    group = parser.getgroup("orchestrate", "roadmap orchestration (pytest-orchestrate)")
    group.addoption(
        "--phase",
        action="append",
        type=phase_number,
        dest="orchestrate_phases",
        metavar="N",
        help="Run phase N of the roadmap (2 or phase_2); repeatable",
    )
    group.addoption(
        "--group",
        action="append",
        type=group_letter,
        dest="orchestrate_groups",
        metavar="X",
        help="Run group X only (c or group_c); repeatable; letters are unique across the roadmap",
    )
    group.addoption(
        "--all",
        action="store_true",
        dest="orchestrate_all",
        help="Run every phase of the roadmap, in dependency order",
    )
    group.addoption(
        "--dry-run",
        action="store_true",
        dest="orchestrate_dry_run",
        help="Write nothing and run no command; show the diff each task would make",
    )
    group.addoption(
        "--roadmap",
        dest="orchestrate_roadmap",
        metavar="PATH",
        help=f"The roadmap file (default: ini orchestrate_roadmap, else "
        f"{DEFAULT_ROADMAP} under the rootdir)",
    )
    group.addoption(
        "--project-root",
        dest="orchestrate_project_root",
        metavar="PATH",
        help="The repository the roadmap acts on (default: ini "
        "orchestrate_project_root, the roadmap's project_root setting, else the rootdir)",
    )
    group.addoption(
        "--sequential",
        action="store_true",
        dest="orchestrate_sequential",
        help="Run everything in one process, even with -n (like -n 0)",
    )
    group.addoption(
        "--redo",
        action="store_true",
        dest="orchestrate_redo",
        help="Run tasks again even if the cache records them as done",
    )
    group.addoption(
        "--confirm",
        action="append",
        dest="orchestrate_confirm",
        metavar="ID",
        help="Confirm manual task ID as done (repeatable); recorded with your user "
        "name and the time",
    )
    group.addoption(
        "--fail-on-changes",
        action="store_true",
        dest="orchestrate_fail_on_changes",
        help="With --dry-run: exit non-zero if any task would change a file (roadmap "
        "not fully applied)",
    )
    group.addoption(
        "--orchestrate-plan",
        dest="orchestrate_plan",
        metavar="PATH",
        help="Write the plan (phases, groups, tasks, dependencies, order) as JSON to "
        "PATH ('-' for stdout)",
    )
    group.addoption(
        "--orchestrate-plan-mermaid",
        dest="orchestrate_plan_mermaid",
        metavar="PATH",
        help="Write the plan as a Mermaid flowchart, coloured by what the cache records, to "
        "PATH ('-' for stdout)",
    )
    group.addoption(
        "--orchestrate-ci-matrix",
        dest="orchestrate_ci_matrix",
        metavar="PATH",
        help="Write a GitHub Actions workflow running the roadmap as one job per phase, "
        "a matrix over its independent groups, to PATH ('-' for stdout)",
    )
    group.addoption(
        "--orchestrate-ci-max-jobs",
        dest="orchestrate_ci_max_jobs",
        type=int,
        metavar="K",
        help="With --orchestrate-ci-matrix: at most K jobs per phase, balanced by learned "
        "durations",
    )
    group.addoption(
        "--orchestrate-validate",
        action="store_true",
        dest="orchestrate_validate",
        help="Also report task targets and sources that do not exist (use with --collect-only)",
    )
    group.addoption(
        "--orchestrate-status",
        action="store_true",
        dest="orchestrate_status",
        help="Print what is done per phase and exit without running anything",
    )
    group.addoption(
        "--orchestrate-forget",
        action="store_true",
        dest="orchestrate_forget",
        help="Forget everything recorded for the project root (done tasks, confirmations, "
        "checkpoint results, coverage history) and exit without running anything: for a fresh "
        "copy at a path an earlier copy had",
    )
    parser.addini(
        "orchestrate_roadmap",
        f"The roadmap file, relative to the ini file (default: {DEFAULT_ROADMAP})",
    )
    parser.addini(
        "orchestrate_project_root", "The repository the roadmap acts on, relative to the ini file"
    )
    parser.addini(
        "orchestrate_secret_names",
        "More environment variable names (globs, one a line) whose values are shown as ***",
        type="linelist",
    )


def is_worker(config: pytest.Config) -> bool:
    """Whether this process is an xdist worker (which never writes the cache or asks a human)."""
    return hasattr(config, "workerinput")


def activated(config: pytest.Config) -> bool:
    """Whether an option asked for the roadmap."""
    return any(config.getoption(name) for name in ACTIVATING)


def _path_setting(config: pytest.Config, name: str) -> Path | None:
    """An option given on the command line (relative to the cwd) or in the ini file (relative to
    it)."""
    given: str | None = config.getoption(name)
    if given:
        return (config.invocation_params.dir / given).resolve()
    ini = config.getini(name)
    if ini:
        base = config.inipath.parent if config.inipath is not None else config.rootpath
        return (base / str(ini)).resolve()
    return None


def roadmap_path(config: pytest.Config) -> Path:
    """The configured roadmap: ``--roadmap``, the ini key, or ``config/phases.yaml`` under the
    rootdir."""
    return (
        _path_setting(config, "orchestrate_roadmap")
        or (config.rootpath / DEFAULT_ROADMAP).resolve()
    )


def project_root_override(config: pytest.Config) -> Path | None:
    """``--project-root`` or the ini key; None lets the roadmap decide."""
    return _path_setting(config, "orchestrate_project_root")


R = TypeVar("R", TaskTypes, CheckKinds)


def task_types(config: pytest.Config) -> TaskTypes:
    """The task types, asked of every plugin and conftest once, at first use."""
    return _asked_once(config, registry_key, TaskTypes, "pytest_orchestrate_register_task_types")


def check_kinds(config: pytest.Config) -> CheckKinds:
    """The checkpoint check kinds, asked of every plugin and conftest once, at first use."""
    return _asked_once(
        config, check_kinds_key, CheckKinds, "pytest_orchestrate_register_check_kinds"
    )


def _asked_once(
    config: pytest.Config, key: pytest.StashKey[R], new: Callable[[], R], hook: str
) -> R:
    """A registry filled by calling ``hook(registry=...)`` on every plugin, kept for the session."""
    registry = config.stash.get(key, None)
    if registry is None:
        registry = new()
        getattr(config.hook, hook)(registry=registry)
        config.stash[key] = registry
    return registry


def engine(config: pytest.Config) -> Engine:
    """The session's engine (registered by the plugin's ``pytest_configure``)."""
    return config.stash[engine_key]


def register_markers(config: pytest.Config, names: dict[str, str]) -> None:
    """Register marks (phase_1, group_a, types) so ``--strict-markers`` accepts them."""
    known = {line.split(":")[0] for line in config.getini("markers")}
    for name, text in names.items():
        if name not in known:
            config.addinivalue_line("markers", f"{name}: {text}")


def register_builtin_markers(config: pytest.Config) -> None:
    """The marks every roadmap can use: the built-in types, the priorities, ``checkpoint``."""
    for name in (*BUILTIN_TASK_MODELS, *PRIORITIES, "checkpoint"):
        config.addinivalue_line(
            "markers", f"{name}: roadmap items of this type, priority or kind (pytest-orchestrate)"
        )
