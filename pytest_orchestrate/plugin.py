"""The pytest11 entry point: hook specs, options, and collecting the roadmap file. Nothing imports
it.

The roadmap is collected only when asked for (``--phase``, ``--group``, ``--all``, ``--roadmap``,
``--dry-run``, ...) or when a YAML file is passed as an argument, so plain ``pytest`` in a
repository with its own tests keeps running only those.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from . import hookspec
from .errors import RoadmapInvalid
from .roadmap.keys import ROADMAP_SUFFIXES
from .session.baseline import COVERAGE_PLUGIN, coverage_history
from .session.config import (
    DEFAULT_ROADMAP,
    activated,
    add_options,
    engine_key,
    explicit_files_key,
    project_root_override,
    register_builtin_markers,
    roadmap_path,
    roadmap_path_key,
)
from .session.context import load_context, roadmap_display
from .session.engine import Engine
from .session.nodes import RoadmapFile
from .session.secrets import Masking
from .session.summary import SHARE_PLUGIN, SharingPlugin
from .session.terminal import RunningTasks
from .tasks.builtin import register_builtin_types
from .tasks.checks.kinds import CheckKinds, register_builtin_kinds
from .tasks.registry import TaskTypes


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    pluginmanager.add_hookspecs(hookspec)


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


@pytest.hookimpl(trylast=True)
def pytest_orchestrate_register_task_types(registry: TaskTypes) -> None:
    """The built-in types, through the same hook as everyone else's.

    A module-level hook of this entry-point plugin, so they are there whenever the registry is
    first built, even as early as ``-n auto`` asks for the roadmap's settings.
    """
    register_builtin_types(registry)


@pytest.hookimpl(trylast=True)
def pytest_orchestrate_register_check_kinds(registry: CheckKinds) -> None:
    """The built-in check kinds, through the same hook as a plugin's."""
    register_builtin_kinds(registry)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(Masking(config), "orchestrate-secrets")
    engine = Engine(config)
    config.stash[engine_key] = engine
    config.pluginmanager.register(engine, "orchestrate-engine")
    config.pluginmanager.register(SharingPlugin(config), SHARE_PLUGIN)
    config.pluginmanager.register(coverage_history(config), COVERAGE_PLUGIN)
    if config.pluginmanager.hasplugin("xdist"):
        from .session.scheduling import XdistHooks  # imports xdist, so only when it is installed

        config.pluginmanager.register(XdistHooks(config), "orchestrate-xdist")
        config.pluginmanager.register(RunningTasks(config), "orchestrate-running")
    register_builtin_markers(config)

    explicit = {Path(arg.split("::")[0]).resolve() for arg in config.args}
    config.stash[explicit_files_key] = explicit
    config.stash[roadmap_path_key] = None
    if not activated(config):
        return
    path = roadmap_path(config)
    if not path.is_file():
        raise pytest.UsageError(
            f"roadmap not found: {path}\n"
            f"  pass --roadmap=PATH, set orchestrate_roadmap in your ini file, or create "
            f"{DEFAULT_ROADMAP}" + _split_path_option_hint(config)
        )
    config.stash[roadmap_path_key] = path
    if config.args_source == pytest.Config.ArgsSource.ARGS:
        if not any(p == path or p in path.parents for p in explicit):
            config.args.append(str(path))
    else:
        # No paths given: the run is the roadmap, not the repository's own tests.
        config.args[:] = [str(path)]


def _split_path_option_hint(config: pytest.Config) -> str:
    """pytest picks the rootdir before plugin options exist, so ``--project-root PATH`` (with a
    space) makes PATH look like a test path; say so when that is what happened."""
    args = list(config.invocation_params.args)
    for option in ("--project-root", "--roadmap"):
        if option in args[:-1]:
            value = args[args.index(option) + 1]
            return (
                f"\n  note: the rootdir is {config.rootpath} because pytest read '{value}' as a "
                f"test path before it knew {option}; write {option}={value}"
            )
    return ""


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> RoadmapFile | None:
    if file_path.suffix not in ROADMAP_SUFFIXES:
        return None
    config = parent.config
    resolved = file_path.resolve()
    if resolved == config.stash.get(roadmap_path_key, None) or resolved in config.stash.get(
        explicit_files_key, set()
    ):
        return RoadmapFile.from_parent(parent, path=file_path)
    return None


@pytest.hookimpl(optionalhook=True, tryfirst=True)  # before xdist's own CPU count
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """``-n auto`` means the roadmap's ``max_parallel_tasks`` when a roadmap is being run."""
    if not activated(config):
        return None
    path = roadmap_path(config)
    try:
        context = load_context(path, config, roadmap_display(config, path))
    except (RoadmapInvalid, OSError):
        return None  # collection reports the problem properly
    return context.roadmap.settings.max_parallel_tasks


@pytest.hookimpl(wrapper=True, tryfirst=True)  # outermost: around pytest's own summary
def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> Generator[None]:
    with config.stash[engine_key].summary_words():
        return (yield)


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    path = config.stash.get(roadmap_path_key, None)
    if path is None:
        return None
    root = project_root_override(config)
    lines = [f"orchestrate: roadmap {path}"]
    if root is not None:
        lines.append(f"orchestrate: project root {root}")
    if config.getoption("orchestrate_dry_run"):
        lines.append("orchestrate: dry run (nothing is written, no command is run)")
    if getattr(config, "cache", None) is None:
        lines.append(
            "orchestrate: no cache (-p no:cacheprovider): finished tasks are not "
            "remembered, nothing resumes"
        )
    return lines
